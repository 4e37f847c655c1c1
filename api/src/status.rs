//! What a service runs now, and whether the tag it runs still names the same
//! bytes in ECR.

use crate::error::ApiError;
use crate::image::{self, ImageReference};
use crate::task_definition;
use crate::{Clients, Revision, ServiceSettings};

#[derive(Debug, Clone)]
pub struct ServiceStatus {
    pub revision: Revision,
    /// The configured container's image.
    pub image: String,
    pub desired: i32,
    pub running: i32,
    /// More than one deployment, or the primary one not yet COMPLETED.
    pub rollout_in_progress: bool,
    /// The running image is pinned (`tag@digest`) and ECR's tag names other
    /// bytes now (pushed again) or is gone.
    pub tag_moved: Option<TagMoved>,
}

/// A running tag whose digest in ECR is no longer the one the service runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMoved {
    pub tag: String,
    /// The digest the service runs.
    pub running: String,
    /// The digest the tag names in ECR now; `None`: the tag is gone.
    pub in_ecr: Option<String>,
}

impl TagMoved {
    pub fn describe(&self) -> String {
        match &self.in_ecr {
            Some(now) => format!(
                "tag {} was pushed again: ECR has {now}, the service runs {}",
                self.tag, self.running
            ),
            None => format!(
                "tag {} is no longer in ECR; the service runs {}",
                self.tag, self.running
            ),
        }
    }
}

pub async fn status(
    clients: &Clients,
    settings: &ServiceSettings,
) -> Result<ServiceStatus, ApiError> {
    let ecs = &clients.ecs;
    let service = crate::service::describe(ecs, settings).await?;
    let arn = service.task_definition().unwrap_or_default();
    let current = task_definition::describe(ecs, arn).await?;
    let deployments = service.deployments();
    let primary_done = deployments.iter().any(|d| {
        d.status() == Some("PRIMARY")
            && d.rollout_state()
                .is_none_or(|s| *s == aws_sdk_ecs::types::DeploymentRolloutState::Completed)
    });
    let image = current.image(&settings.container)?.to_string();
    Ok(ServiceStatus {
        tag_moved: tag_moved(&clients.ecr, settings, &image).await?,
        image,
        revision: current.revision,
        desired: service.desired_count(),
        running: service.running_count(),
        rollout_in_progress: deployments.len() > 1 || !primary_done,
    })
}

/// For a pinned image of the settings' repository: whether its tag moved.
async fn tag_moved(
    ecr: &aws_sdk_ecr::Client,
    settings: &ServiceSettings,
    image: &str,
) -> Result<Option<TagMoved>, ApiError> {
    let reference = ImageReference::parse(image);
    let (Some(tag), Some(running)) = (reference.tag, reference.digest) else {
        return Ok(None);
    };
    // `<registry>/<repository>`; a repository name may hold '/' itself.
    if !reference
        .name
        .ends_with(&format!("/{}", settings.ecr_repository))
    {
        return Ok(None);
    }
    let in_ecr = image::digest_of(ecr, &settings.ecr_repository, tag).await?;
    if in_ecr.as_deref() == Some(running) {
        return Ok(None);
    }
    Ok(Some(TagMoved {
        tag: tag.into(),
        running: running.into(),
        in_ecr,
    }))
}
