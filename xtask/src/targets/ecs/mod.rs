//! ECS targets: deploy and roll back one service through the `api` crate.
//!
//! - `deploy.rs`: the image (built and pushed first when the target has a
//!   `dockerfile`, `image.rs`), the next revision, the rollout, the ledger entry.
//! - `rollback.rs`: which revision ran before (the ledger's policy), the rollout back.
//! - `in_flight.rs`: a blue/green (linear, canary) deployment handed over in
//!   its bake: settled beside the verification, stopped with a rollback when
//!   it fails or the job is cancelled.
//! - `before_rollout.rs`: the one-off task before the rollout, as shown and recorded.
//! - `report.rs`: progress lines and the summary of a rollout.
//! - `status.rs`: what runs now.

mod before_rollout;
mod deploy;
mod image;
mod in_flight;
mod report;
mod rollback;
mod status;

pub use deploy::{deploy, DeployOptions};
pub use rollback::{rollback, RollbackOptions};
pub use status::{status, StatusError};

use super::explain::CrateError;
use crate::context::EnvContext;

impl CrateError for api::ApiError {
    fn is_bad_input(&self) -> bool {
        api::ApiError::is_bad_input(self)
    }

    fn advice(&self, ctx: &EnvContext) -> String {
        let file = &ctx.config_file;
        use api::ApiError;
        match self {
            ApiError::ImageNotFound { .. } => {
                format!("{self}: push it first, or pass the tag that was pushed (--image-tag)")
            }
            ApiError::RepositoryNotFound { .. } => {
                format!("{self} (check ecr_repository in {file} and the region)")
            }
            ApiError::ServiceNotFound { .. } => {
                format!("{self} (check cluster and service in {file} and the region)")
            }
            ApiError::ContainerNotFound { .. } => format!("{self}; check container in {file}"),
            ApiError::NoEarlierRevision { .. } => format!("{self} (pass --to REV)"),
            ApiError::BadRevision(rev) => {
                format!("--to {rev}: expected a revision number or a task definition ARN")
            }
            ApiError::RevisionNotFound { .. } => format!("--to: {self}"),
            ApiError::UnsupportedController { controller, .. } if controller == "CODE_DEPLOY" => {
                format!("{self}: deploy it with AWS CodeDeploy (`aws deploy create-deployment` with an AppSpec naming the new revision), or move the service to ECS's own blue/green deployments (deploymentController ECS, deploymentConfiguration.strategy BLUE_GREEN), which xtask deploys and watches; nothing was changed")
            }
            ApiError::UnsupportedController { .. } => {
                format!("{self}: its tasks are task sets that an external controller manages (CreateTaskSet, UpdateServicePrimaryTaskSet); deploy it with that controller, or give the service deploymentController ECS for xtask to deploy it; nothing was changed")
            }
            ApiError::RevisionDeleted { family, .. } => format!(
                "{self}; pick a revision ECS still has with --to (`aws ecs list-task-definitions --family-prefix {family} --status ACTIVE`); nothing was changed"
            ),
            _ => self.to_string(),
        }
    }
}

/// Where to look when a rollout failed.
fn events_hint(settings: &api::ServiceSettings) -> String {
    format!(
        "See the service events: aws ecs describe-services --cluster {} --services {} --query 'services[0].events[:10]'",
        settings.cluster, settings.service
    )
}
