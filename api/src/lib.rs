//! Deploys one ECS service: a new task-definition revision with the new image,
//! the service update, the rollout watch, and the rollback.
//!
//! This crate knows nothing of git, the config file or the other targets: the
//! caller passes an `aws_config::SdkConfig` and [`ServiceSettings`].

mod settings;

pub use settings::ServiceSettings;

/// The SDK clients this crate uses, built from one `SdkConfig`.
#[derive(Debug, Clone)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub ecr: aws_sdk_ecr::Client,
}

impl Clients {
    pub fn new(sdk: &aws_config::SdkConfig) -> Clients {
        Clients {
            ecs: aws_sdk_ecs::Client::new(sdk),
            ecr: aws_sdk_ecr::Client::new(sdk),
        }
    }
}
