//! What a service runs now.

use crate::error::ApiError;
use crate::task_definition::{self, Revision};
use crate::ServiceSettings;

#[derive(Debug, Clone)]
pub struct ServiceStatus {
    pub revision: Revision,
    /// The configured container's image.
    pub image: String,
    pub desired: i32,
    pub running: i32,
    /// More than one deployment, or the primary one not yet COMPLETED.
    pub rollout_in_progress: bool,
}

pub async fn status(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
) -> Result<ServiceStatus, ApiError> {
    let service = crate::service::describe(ecs, settings).await?;
    let arn = service.task_definition().unwrap_or_default();
    let current = task_definition::describe(ecs, arn).await?;
    let deployments = service.deployments();
    let primary_done = deployments.iter().any(|d| {
        d.status() == Some("PRIMARY")
            && d.rollout_state()
                .is_none_or(|s| *s == aws_sdk_ecs::types::DeploymentRolloutState::Completed)
    });
    Ok(ServiceStatus {
        image: current.image(&settings.container)?.to_string(),
        revision: current.revision,
        desired: service.desired_count(),
        running: service.running_count(),
        rollout_in_progress: deployments.len() > 1 || !primary_done,
    })
}
