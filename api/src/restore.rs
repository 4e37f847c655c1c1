//! Going back to a revision that was deregistered. ECS refuses UpdateService
//! to an INACTIVE task definition, but still describes it: its definition
//! (the image pinned by digest included) is registered again as a new
//! revision, which runs exactly what ran before. A revision ECS no longer
//! describes (deleted) cannot be restored: that is known before anything is
//! written.

use aws_sdk_ecs::types::TaskDefinitionStatus;

use crate::deploy::DeployEvent;
use crate::error::ApiError;
use crate::task_definition::{self, Revision};

/// What going back to a revision takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restore {
    /// It is ACTIVE: the service is pointed at it.
    AsIs,
    /// It is INACTIVE: its definition is registered again (same image).
    RegisterAgain { image: Vec<String> },
}

/// How `revision` can be gone back to; [`ApiError::RevisionDeleted`] when it
/// cannot.
pub async fn plan(ecs: &aws_sdk_ecs::Client, revision: &Revision) -> Result<Restore, ApiError> {
    let found = match task_definition::describe(ecs, &revision.arn).await {
        Ok(found) => found,
        Err(ApiError::TaskDefinitionNotFound(_)) => {
            return Err(ApiError::RevisionDeleted {
                revision: revision.short(),
                family: revision.family.clone(),
                status: "ECS no longer describes it".into(),
            })
        }
        Err(e) => return Err(e),
    };
    match found.definition.status() {
        Some(TaskDefinitionStatus::Inactive) => Ok(Restore::RegisterAgain {
            image: found
                .definition
                .container_definitions()
                .iter()
                .map(|c| {
                    format!(
                        "{}={}",
                        c.name().unwrap_or("?"),
                        c.image().unwrap_or_default()
                    )
                })
                .collect(),
        }),
        Some(TaskDefinitionStatus::DeleteInProgress) => Err(ApiError::RevisionDeleted {
            revision: revision.short(),
            family: revision.family.clone(),
            status: "status DELETE_IN_PROGRESS".into(),
        }),
        _ => Ok(Restore::AsIs),
    }
}

/// `revision`, or its definition registered again when it is INACTIVE.
pub(crate) async fn active(
    ecs: &aws_sdk_ecs::Client,
    revision: &Revision,
    on_event: &mut impl FnMut(DeployEvent<'_>),
) -> Result<Revision, ApiError> {
    if plan(ecs, revision).await? == Restore::AsIs {
        return Ok(revision.clone());
    }
    let old = task_definition::describe(ecs, &revision.arn).await?;
    let containers = old.definition.container_definitions().to_vec();
    let again = task_definition::register(ecs, &old, containers).await?;
    on_event(DeployEvent::RegisteredAgain {
        from: revision,
        to: &again,
    });
    Ok(again)
}
