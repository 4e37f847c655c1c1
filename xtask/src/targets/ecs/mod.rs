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
pub use status::status;

use crate::context::EnvContext;
use crate::error::BadInput;

/// An `api` error in the words of deploy.toml and the flags, with the
/// target's name; bad input stays bad input (exit code 2).
pub(crate) fn explain(ctx: &EnvContext<'_>, name: &str, e: api::ApiError) -> anyhow::Error {
    if !e.is_bad_input() {
        return anyhow::Error::new(e).context(name.to_string());
    }
    let file = ctx.config_name();
    let message = match &e {
        api::ApiError::ImageNotFound { .. } => {
            format!("{e}: push it first, or pass the tag that was pushed (--image-tag)")
        }
        api::ApiError::RepositoryNotFound { .. } => {
            format!("{e} (check ecr_repository in {file} and the region)")
        }
        api::ApiError::ServiceNotFound { .. } => {
            format!("{e} (check cluster and service in {file} and the region)")
        }
        api::ApiError::ContainerNotFound { .. } => format!("{e}; check container in {file}"),
        api::ApiError::NoEarlierRevision { .. } => format!("{e} (pass --to REV)"),
        api::ApiError::BadRevision(rev) => {
            format!("--to {rev}: expected a revision number or a task definition ARN")
        }
        _ => e.to_string(),
    };
    BadInput(format!("{name}: {message}")).into()
}

/// Where to look when a rollout failed.
fn events_hint(settings: &api::ServiceSettings) -> String {
    format!(
        "See the service events: aws ecs describe-services --cluster {} --services {} --query 'services[0].events[:10]'",
        settings.cluster, settings.service
    )
}
