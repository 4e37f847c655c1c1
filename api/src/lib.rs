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
//! - Only ECS's own deployment controller is deployed to: a CODE_DEPLOY or
//!   EXTERNAL service is refused before anything is written.
//! - The watch follows *our* deployment, the one UpdateService's answer names
//!   (its service deployment ARN, else the new PRIMARY's id), for every
//!   strategy ECS runs (ROLLING, BLUE_GREEN, LINEAR, CANARY): SUCCESSFUL is
//!   deployed; ECS's own rollback and a deployment that superseded ours are
//!   failures after which nothing of ours is sent ([`rollout`]). Its time is a
//!   timeout of our own plus the bakes the service is configured with.
//! - A failure while a traffic-shifting deployment is in flight is undone with
//!   StopServiceDeployment(ROLLBACK), not a second UpdateService; a caller that
//!   verifies gets the deployment back at BAKE_TIME ([`DeployOutcome::Baking`]).
//! - Going back to an INACTIVE (deregistered) revision registers its
//!   definition again, which ECS would otherwise refuse ([`restore_plan`]).
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
mod in_flight;
mod observe;
mod one_off_task;
mod restore;
mod rollback;
pub mod rollout;
mod service;
mod service_deployment;
mod settings;
mod status;
mod strategy;
mod task_definition;
mod verdict;

pub use bootstrap::{bootstrap, Bootstrapped};
pub use deploy::{deploy, DeployEvent, DeployOutcome, DeployReport, DeployRequest, Recovery};
pub use error::ApiError;
pub use image::{
    digest_of, registry_login, repository_uri, resolve_image, tag_exists, ImageReference,
    PinnedImage, RegistryLogin,
};
pub use in_flight::{finish, in_flight, stop, undo, RolledBack, Via};
pub use observe::{
    image_in, observe, pushed_image, Deployment, PushedImage, ServiceEvent, ServiceObservation,
};
pub use one_off_task::{LogStream, OneOffTask, TaskEnd, TaskProgress, TaskRun};
pub use restore::{plan as restore_plan, Restore};
pub use rollback::{previous_active, resolve as resolve_revision, rollback, RollbackReport};
pub use rollout::{Progress, Rollout, RolloutEnd, Traffic, WatchSettings};
pub use service_deployment::{stop_with_rollback, RevisionTraffic, ServiceDeploymentView, Stop};
pub use settings::ServiceSettings;
pub use status::{status, ServiceStatus, TagMoved};
pub use strategy::Strategy;
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
