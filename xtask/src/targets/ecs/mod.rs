//! ECS targets: deploy and roll back one service through the `api` crate.
//!
//! - `deploy.rs`: the image (built and pushed first when the target has a
//!   `dockerfile`, `image.rs`), the next revision, the rollout, the ledger entry.
//! - `rollback.rs`: which revision ran before (the ledger's policy), the rollout back.
//! - `before_rollout.rs`: the one-off task before the rollout, as shown and recorded.
//! - `report.rs`: progress lines and the summary of a rollout.
//! - `status.rs`: what runs now.

mod before_rollout;
mod deploy;
mod image;
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
