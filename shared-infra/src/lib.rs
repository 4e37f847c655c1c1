//! Shared networking: runs Terraform with approval, reads the shared stack's
//! outputs from its remote state, validates the network plan, and guides a
//! `git revert` rollback.
//!
//! This crate knows nothing of git, the config file or the other targets: the
//! caller passes an `aws_config::SdkConfig` and [`StackSettings`].

mod settings;

pub use settings::{StackSettings, StateLocation};

/// The SDK clients this crate uses, built from one `SdkConfig`.
#[derive(Debug, Clone)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
}

impl Clients {
    pub fn new(sdk: &aws_config::SdkConfig) -> Clients {
        Clients {
            s3: aws_sdk_s3::Client::new(sdk),
        }
    }
}
