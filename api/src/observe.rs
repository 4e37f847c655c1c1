//! A service as it is, in more detail than [`crate::status`]: every deployment
//! and the recent service events, for comparing what runs with what the caller
//! last deployed (drift). Read-only calls.

use std::time::SystemTime;

use crate::error::ApiError;
use crate::service_deployment::{self, Read, ServiceDeploymentView};
use crate::task_definition::{self, Revision};
use crate::ServiceSettings;

/// One deployment of the service, as ECS reports it.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// `PRIMARY` (the one the service moves to) or `ACTIVE` (an older one still running tasks).
    pub status: String,
    pub task_definition: String,
    /// `IN_PROGRESS`, `COMPLETED` or `FAILED`; none when the circuit breaker is off.
    pub rollout_state: Option<String>,
    pub reason: Option<String>,
    pub created_at: Option<SystemTime>,
    pub desired: i32,
    pub running: i32,
}

/// One service event (newest first in [`ServiceObservation::events`]).
#[derive(Debug, Clone)]
pub struct ServiceEvent {
    pub at: Option<SystemTime>,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct ServiceObservation {
    /// The task definition the service is on (its PRIMARY deployment's).
    pub revision: Revision,
    /// The configured container's image in it.
    pub image: String,
    /// PRIMARY first.
    pub deployments: Vec<Deployment>,
    /// Newest first, as ECS keeps them (the last 100).
    pub events: Vec<ServiceEvent>,
    /// How ECS deploys the service.
    pub strategy: crate::Strategy,
    /// The service's current service deployment (`currentServiceDeployment`),
    /// where ECS has the service deployments API.
    pub current_deployment: Option<ServiceDeploymentView>,
}

impl ServiceObservation {
    /// A rollout has not finished: the current service deployment is in
    /// flight, or more than one deployment runs, or the PRIMARY one is not
    /// COMPLETED.
    pub fn rollout_in_progress(&self) -> bool {
        self.current_deployment
            .as_ref()
            .is_some_and(ServiceDeploymentView::in_flight)
            || self.deployments.len() > 1
            || self
                .deployments
                .first()
                .is_some_and(|d| d.rollout_state.as_deref().is_some_and(|s| s != "COMPLETED"))
    }

    /// The newest event saying ECS rolled the service back by itself (its
    /// deployment circuit breaker, or a CloudWatch alarm), or a PRIMARY
    /// deployment that is such a rollback.
    pub fn automatic_rollback(&self) -> Option<ServiceEvent> {
        if let Some(d) = self.deployments.first() {
            if d.reason.as_deref().is_some_and(is_rollback_message) {
                return Some(ServiceEvent {
                    at: d.created_at,
                    message: d.reason.clone().unwrap_or_default(),
                });
            }
        }
        self.events
            .iter()
            .find(|e| is_rollback_message(&e.message))
            .cloned()
    }
}

/// ECS's words for a rollback it started: "rolling back to deployment ...",
/// "ECS deployment circuit breaker: rolling back to deploymentId ...".
fn is_rollback_message(message: &str) -> bool {
    crate::verdict::is_rollback(message)
}

fn system_time(t: Option<&aws_smithy_types::DateTime>) -> Option<SystemTime> {
    t.and_then(|t| SystemTime::try_from(*t).ok())
}

pub async fn observe(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
) -> Result<ServiceObservation, ApiError> {
    let service = crate::service::describe(ecs, settings).await?;
    let arn = service.task_definition().unwrap_or_default();
    let current = task_definition::describe(ecs, arn).await?;
    // Read-only and best effort: without the API (or its permission) the
    // deployments below still say whether a rollout is in progress.
    let current_deployment = match service.current_service_deployment() {
        Some(arn) => match service_deployment::describe(ecs, arn).await {
            Ok(Read::Found(view)) => Some(*view),
            _ => None,
        },
        None => None,
    };
    let deployments = service
        .deployments()
        .iter()
        .map(|d| Deployment {
            status: d.status().unwrap_or_default().to_string(),
            task_definition: d.task_definition().unwrap_or_default().to_string(),
            rollout_state: d.rollout_state().map(|s| s.as_str().to_string()),
            reason: d.rollout_state_reason().map(str::to_owned),
            created_at: system_time(d.created_at()),
            desired: d.desired_count(),
            running: d.running_count(),
        })
        .collect();
    let events = service
        .events()
        .iter()
        .map(|e| ServiceEvent {
            at: system_time(e.created_at()),
            message: e.message().unwrap_or_default().to_string(),
        })
        .collect();
    Ok(ServiceObservation {
        image: current.image(&settings.container)?.to_string(),
        revision: current.revision,
        deployments,
        events,
        strategy: crate::Strategy::of(service.deployment_configuration()),
        current_deployment,
    })
}

/// The configured container's image in a task definition (e.g. the one the
/// caller's ledger says it deployed).
pub async fn image_in(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    task_definition: &str,
) -> Result<String, ApiError> {
    let td = task_definition::describe(ecs, task_definition).await?;
    Ok(td.image(&settings.container)?.to_string())
}

/// What a tag of the service's repository points at in ECR now.
#[derive(Debug, Clone)]
pub struct PushedImage {
    pub digest: String,
    pub pushed_at: Option<SystemTime>,
}

/// The image `tag` names in `settings.ecr_repository` now; `None` when the tag
/// is gone.
pub async fn pushed_image(
    ecr: &aws_sdk_ecr::Client,
    settings: &ServiceSettings,
    tag: &str,
) -> Result<Option<PushedImage>, ApiError> {
    use aws_sdk_ecr::operation::describe_images::DescribeImagesError;
    use aws_sdk_ecr::types::ImageIdentifier;
    let found = ecr
        .describe_images()
        .repository_name(&settings.ecr_repository)
        .image_ids(ImageIdentifier::builder().image_tag(tag).build())
        .send()
        .await;
    match found {
        Ok(out) => Ok(out.image_details().first().map(|d| PushedImage {
            digest: d.image_digest().unwrap_or_default().to_string(),
            pushed_at: system_time(d.image_pushed_at()),
        })),
        Err(e) => match e.into_service_error() {
            DescribeImagesError::ImageNotFoundException(_) => Ok(None),
            DescribeImagesError::RepositoryNotFoundException(_) => {
                Err(ApiError::RepositoryNotFound {
                    repository: settings.ecr_repository.clone(),
                })
            }
            other => Err(crate::error::aws("ECR DescribeImages")(other)),
        },
    }
}
