//! The ECS service itself: find it, point it at a revision.

use aws_sdk_ecs::types::Service;

use crate::error::{aws, classify, ApiError};
use crate::task_definition::Revision;
use crate::ServiceSettings;

/// The service, which must exist and be ACTIVE.
pub async fn describe(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
) -> Result<Service, ApiError> {
    let out = ecs
        .describe_services()
        .cluster(&settings.cluster)
        .services(&settings.service)
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(|s| s.is_cluster_not_found_exception())
            {
                not_found(settings)
            } else {
                classify("ECS DescribeServices", e)
            }
        })?;
    out.services()
        .iter()
        .find(|s| s.status() == Some("ACTIVE"))
        .cloned()
        .ok_or_else(|| not_found(settings))
}

/// Points the service at `revision`; ECS starts a deployment by the service's
/// strategy. The answer is the service as UpdateService left it: its PRIMARY
/// deployment is the new one, and `currentServiceDeployment` names it, which a
/// DescribeServices right after may not show yet (ECS reads are eventually
/// consistent).
pub async fn update(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    revision: &Revision,
) -> Result<Service, ApiError> {
    let out = ecs
        .update_service()
        .cluster(&settings.cluster)
        .service(&settings.service)
        .task_definition(&revision.arn)
        .send()
        .await
        .map_err(aws("ECS UpdateService"))?;
    out.service().cloned().ok_or_else(|| ApiError::Aws {
        operation: "ECS UpdateService",
        message: "answered without the service".into(),
    })
}

fn not_found(settings: &ServiceSettings) -> ApiError {
    ApiError::ServiceNotFound {
        cluster: settings.cluster.clone(),
        service: settings.service.clone(),
    }
}
