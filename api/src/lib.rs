//! Deploys one ECS service: a new task-definition revision with the new image,
//! the service update, the rollout watch, and the rollback.
//!
//! Design choices:
//! - The image tag must exist in ECR before anything is written, and the new
//!   revision names it by its digest (`repo:tag@sha256:...`): ECS runs those
//!   bytes, and a rollback runs what ran before even if the tag moved since.
//! - The next revision copies every registrable field (and the tags) of the one
//!   running and swaps only the configured container's image; the same image
//!   means "already deployed" and registers nothing.
//! - Success is the PRIMARY deployment running *our* revision with rollout state
//!   COMPLETED ([`rollout`]), within a timeout of our own.
//! - A one-off task (migrations) runs with the new revision before the service
//!   is touched ([`OneOffTask`]); unless it exits 0, the rollout does not
//!   start and the new revision, which never ran, is deregistered.
//! - Old revisions are never deregistered: they are the rollback targets.
//!
//! This crate knows nothing of git, the config file, the ledger or the other
//! targets: the caller passes an `aws_config::SdkConfig`, [`ServiceSettings`]
//! and, for a rollback, the revision to go back to.

mod bootstrap;
mod deploy;
mod error;
mod image;
mod observe;
mod one_off_task;
mod rollback;
pub mod rollout;
mod service;
mod settings;
mod status;
mod task_definition;

pub use bootstrap::{bootstrap, Bootstrapped};
pub use deploy::{deploy, DeployEvent, DeployOutcome, DeployReport, DeployRequest};
pub use error::ApiError;
pub use image::{
    digest_of, registry_login, repository_uri, resolve_image, tag_exists, ImageReference,
    PinnedImage, RegistryLogin,
};
pub use observe::{
    image_in, observe, pushed_image, Deployment, PushedImage, ServiceEvent, ServiceObservation,
};
pub use one_off_task::{LogStream, OneOffTask, TaskEnd, TaskProgress, TaskRun};
pub use rollback::{previous_active, resolve as resolve_revision, rollback, RollbackReport};
pub use rollout::{Progress, RolloutEnd, WatchSettings};
pub use settings::ServiceSettings;
pub use status::{status, ServiceStatus, TagMoved};
pub use task_definition::{current as current_task_definition, CurrentTaskDefinition, Revision};

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
