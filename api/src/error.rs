use std::time::Duration;

/// What can go wrong deploying one service, in the crate's own terms (the
/// caller, which knows where the settings came from, says what to change).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("image {repository}:{tag} is not in ECR")]
    ImageNotFound { repository: String, tag: String },
    #[error("ECR repository {repository} does not exist")]
    RepositoryNotFound { repository: String },
    #[error("service {service} not found in cluster {cluster}")]
    ServiceNotFound { cluster: String, service: String },
    #[error(
        "container {container:?} is not in task definition {task_definition} (it has: {found})"
    )]
    ContainerNotFound {
        container: String,
        task_definition: String,
        found: String,
    },
    #[error("task definition {0} not found")]
    TaskDefinitionNotFound(String),
    #[error("no earlier ACTIVE revision of {family} below revision {below} to roll back to")]
    NoEarlierRevision { family: String, below: i32 },
    #[error("{0:?} is neither a revision number nor a task definition ARN")]
    BadRevision(String),
    /// A revision asked for by name that ECS does not have.
    #[error("revision {asked} does not exist (the ACTIVE revisions of {family}: {})", if active.is_empty() { "none".to_string() } else { active.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ") })]
    RevisionNotFound {
        asked: String,
        family: String,
        active: Vec<i32>,
    },
    /// The service's deployment controller is not ECS's own: UpdateService
    /// cannot change its task definition.
    #[error("service {service} uses the {controller} deployment controller, which does not let UpdateService change its task definition")]
    UnsupportedController { service: String, controller: String },
    /// A revision to go back to that ECS no longer has, not even INACTIVE.
    #[error("revision {revision} was deleted ({status}): it cannot be registered again from ECS")]
    RevisionDeleted {
        revision: String,
        family: String,
        status: String,
    },
    #[error("the rollout did not finish within {0:?}")]
    Timeout(Duration),
    #[error("{operation}: {message}")]
    Aws {
        operation: &'static str,
        message: String,
    },
    /// A failure that passes: throttling, a server error, a timeout or a dropped
    /// connection, still there after the SDK's own retries.
    #[error("{operation}: {message}")]
    Transient {
        operation: &'static str,
        message: String,
    },
}

impl ApiError {
    /// Whether the caller gave something wrong (nothing was changed), as opposed
    /// to a failure on the way.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ApiError::ImageNotFound { .. }
                | ApiError::RepositoryNotFound { .. }
                | ApiError::ServiceNotFound { .. }
                | ApiError::ContainerNotFound { .. }
                | ApiError::NoEarlierRevision { .. }
                | ApiError::BadRevision(_)
                | ApiError::RevisionNotFound { .. }
                | ApiError::UnsupportedController { .. }
                | ApiError::RevisionDeleted { .. }
        )
    }
}

/// Wraps an SDK error with the operation it came from, on one line.
pub(crate) fn aws<E>(operation: &'static str) -> impl FnOnce(E) -> ApiError
where
    E: std::error::Error + 'static,
{
    move |e| ApiError::Aws {
        operation,
        message: sdk_error::describe(&e),
    }
}

/// Maps an SDK error of `operation`: [`ApiError::Transient`] for what passes
/// (the rollout watch polls on through it), else [`ApiError::Aws`].
pub(crate) fn classify<E>(
    operation: &'static str,
    e: aws_sdk_ecs::error::SdkError<E, aws_sdk_ecs::config::http::HttpResponse>,
) -> ApiError
where
    E: std::error::Error + aws_sdk_ecs::error::ProvideErrorMetadata + 'static,
{
    use aws_sdk_ecs::error::SdkError;
    let transient = match &e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            service.raw().status().is_server_error()
                || matches!(
                    service.err().code(),
                    Some(
                        "ThrottlingException"
                            | "Throttling"
                            | "RequestLimitExceeded"
                            | "TooManyRequestsException"
                            | "ServerException"
                            | "ServiceUnavailable"
                    )
                )
        }
        _ => false,
    };
    let message = sdk_error::describe(&e);
    if transient {
        ApiError::Transient { operation, message }
    } else {
        ApiError::Aws { operation, message }
    }
}
