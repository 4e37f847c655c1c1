//! A deploy: check the image, register the next revision, run the one-off task
//! before the rollout (if any), update the service, watch the rollout, and on
//! failure put the previous revision back.

use crate::error::{aws, ApiError};
use crate::one_off_task::{self, OneOffTask, TaskProgress, TaskRun};
use crate::rollout::{self, Progress, RolloutEnd, WatchSettings};
use crate::task_definition::{self, Revision};
use crate::{image, service, Clients, ServiceSettings};

#[derive(Debug, Clone)]
pub struct DeployRequest {
    /// The tag in `ecr_repository` to deploy.
    pub image_tag: String,
    /// Work out and report the change; write nothing.
    pub dry_run: bool,
    /// With `dry_run`: the caller would build and push the tag first, so it need
    /// not be in ECR yet (the repository must be).
    pub tag_will_be_pushed: bool,
    /// On a failed rollout, put the previous revision back.
    pub rollback_on_failure: bool,
    /// Run with the new revision before the service is touched (migrations);
    /// only exit code 0 lets the rollout go on.
    pub before_rollout: Option<OneOffTask>,
    pub watch: WatchSettings,
}

/// What a deploy did.
#[derive(Debug, Clone)]
pub struct DeployReport {
    /// The revision the service ran before.
    pub from: Revision,
    /// The image the container ran before.
    pub from_image: String,
    /// The image deployed: `<uri>:<tag>@<digest>`, or `<uri>:<tag>` in a dry
    /// run of a tag still to be pushed.
    pub image: String,
    pub image_tag: String,
    /// The digest the tag named in ECR when the deploy resolved it; `None` in
    /// a dry run of a tag still to be pushed.
    pub image_digest: Option<String>,
    /// The one-off task run before the rollout, if it ran.
    pub before_rollout: Option<TaskRun>,
    pub outcome: DeployOutcome,
}

#[derive(Debug, Clone)]
pub enum DeployOutcome {
    /// The container already runs this image: no new revision.
    AlreadyDeployed,
    /// `--dry-run`: the task-definition diff; nothing was written.
    DryRun { diff: String },
    /// The service runs the new revision.
    Deployed { to: Revision },
    /// The one-off task before the rollout did not exit 0 (`before_rollout`
    /// says how it ended): the service was not touched, and `to`, which never
    /// ran, was deregistered.
    BeforeRolloutFailed { to: Revision },
    /// The rollout to `to` failed; `rollback` says what was done about it.
    Failed {
        to: Revision,
        end: RolloutEnd,
        rollback: Option<RolloutEnd>,
    },
}

impl DeployReport {
    pub fn succeeded(&self) -> bool {
        !matches!(
            self.outcome,
            DeployOutcome::Failed { .. } | DeployOutcome::BeforeRolloutFailed { .. }
        )
    }
}

/// Progress for the caller to show.
#[derive(Debug, Clone)]
pub enum DeployEvent<'a> {
    Registered(&'a Revision),
    Rollout(&'a Revision, &'a Progress),
    RollingBack {
        from: &'a Revision,
        to: &'a Revision,
    },
    /// The one-off task before the rollout.
    BeforeRollout(TaskProgress<'a>),
}

pub async fn deploy(
    clients: &Clients,
    settings: &ServiceSettings,
    request: &DeployRequest,
    mut on_event: impl FnMut(DeployEvent<'_>),
) -> Result<DeployReport, ApiError> {
    // Everything that can be wrong with the input is found before any write.
    let (image, image_digest) = if request.dry_run && request.tag_will_be_pushed {
        let uri = image::repository_uri(&clients.ecr, &settings.ecr_repository).await?;
        (format!("{uri}:{}", request.image_tag), None)
    } else {
        let pinned =
            image::resolve_image(&clients.ecr, &settings.ecr_repository, &request.image_tag)
                .await?;
        (pinned.reference(), Some(pinned.digest))
    };
    let current = task_definition::current(&clients.ecs, settings).await?;
    let from_image = current.image(&settings.container)?.to_string();
    if let Some(task) = &request.before_rollout {
        current.image(&task.container)?;
    }
    let report = |before_rollout, outcome| DeployReport {
        from: current.revision.clone(),
        from_image: from_image.clone(),
        image: image.clone(),
        image_tag: request.image_tag.clone(),
        image_digest: image_digest.clone(),
        before_rollout,
        outcome,
    };
    let Some(containers) = task_definition::with_image(&current, &settings.container, &image)?
    else {
        return Ok(report(None, DeployOutcome::AlreadyDeployed));
    };
    if request.dry_run {
        let diff = task_definition::diff(&current, &containers);
        return Ok(report(None, DeployOutcome::DryRun { diff }));
    }

    let next = task_definition::register(&clients.ecs, &current, containers).await?;
    on_event(DeployEvent::Registered(&next));
    let before_rollout = match &request.before_rollout {
        Some(task) => {
            let run = one_off_task::run(
                &clients.ecs,
                settings,
                &next,
                &current.definition,
                task,
                request.watch.poll_interval,
                |p| on_event(DeployEvent::BeforeRollout(p)),
            )
            .await?;
            on_event(DeployEvent::BeforeRollout(TaskProgress::Ended(&run)));
            if !run.succeeded() {
                // It never ran: no rollback (nor a later deploy) should pick it.
                deregister(&clients.ecs, &next).await?;
                return Ok(report(
                    Some(run),
                    DeployOutcome::BeforeRolloutFailed { to: next },
                ));
            }
            Some(run)
        }
        None => None,
    };
    let end = update_and_watch(clients, settings, &next, &request.watch, &mut on_event).await?;
    if end.succeeded() {
        return Ok(report(before_rollout, DeployOutcome::Deployed { to: next }));
    }

    let rollback = if request.rollback_on_failure {
        on_event(DeployEvent::RollingBack {
            from: &next,
            to: &current.revision,
        });
        Some(
            update_and_watch(
                clients,
                settings,
                &current.revision,
                &request.watch,
                &mut on_event,
            )
            .await?,
        )
    } else {
        None
    };
    Ok(report(
        before_rollout,
        DeployOutcome::Failed {
            to: next,
            end,
            rollback,
        },
    ))
}

/// Marks a revision that never ran INACTIVE.
async fn deregister(ecs: &aws_sdk_ecs::Client, revision: &Revision) -> Result<(), ApiError> {
    ecs.deregister_task_definition()
        .task_definition(&revision.arn)
        .send()
        .await
        .map_err(aws("ECS DeregisterTaskDefinition"))?;
    Ok(())
}

/// Points the service at `revision` and watches until that rollout ends.
pub(crate) async fn update_and_watch(
    clients: &Clients,
    settings: &ServiceSettings,
    revision: &Revision,
    watch: &WatchSettings,
    on_event: &mut impl FnMut(DeployEvent<'_>),
) -> Result<RolloutEnd, ApiError> {
    // Events already there are not news; if the service cannot be read just now
    // (a passing failure), the watch shows them again rather than stop here.
    let old_events = match service::describe(&clients.ecs, settings).await {
        Ok(service) => rollout::event_ids(&service),
        Err(ApiError::Transient { .. }) => Default::default(),
        Err(e) => return Err(e),
    };
    service::update(&clients.ecs, settings, revision).await?;
    rollout::watch(&clients.ecs, settings, revision, watch, old_events, |p| {
        on_event(DeployEvent::Rollout(revision, p))
    })
    .await
}
