//! Uploads a static build to S3 behind CloudFront, keeps releases, rolls back
//! from S3 object versions, and runs PR preview environments.
//!
//! This crate knows nothing of git, the config file or the other targets: the
//! caller passes an `aws_config::SdkConfig` and [`SiteSettings`].

mod settings;

pub use settings::{CacheRule, SiteSettings};

/// The SDK clients this crate uses, built from one `SdkConfig`.
#[derive(Debug, Clone)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub cloudfront: aws_sdk_cloudfront::Client,
}

impl Clients {
    pub fn new(sdk: &aws_config::SdkConfig) -> Clients {
        Clients {
            s3: aws_sdk_s3::Client::new(sdk),
            cloudfront: aws_sdk_cloudfront::Client::new(sdk),
        }
    }
}
