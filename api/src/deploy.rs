//! A deploy: check the image and the service (its deployment controller must
//! be ECS's own), register the next revision, run the one-off task before the
//! rollout (if any), update the service, watch the rollout, and on failure put
//! the previous revision back — by StopServiceDeployment(ROLLBACK) while a
//! traffic-shifting deployment is still in flight, else by UpdateService —
//! unless ECS already rolled back or another deployment replaced ours.

use crate::error::{aws, ApiError};
use crate::in_flight::{self, RolledBack};
use crate::one_off_task::{self, OneOffTask, TaskProgress, TaskRun};
use crate::rollout::{self, Progress, Rollout, RolloutEnd, Until, WatchSettings, Watched};
use crate::task_definition::{self, Revision};
use crate::{image, service, Clients, ServiceSettings, Strategy};

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
    /// The caller verifies the new revision during ECS's bake: a BLUE_GREEN,
    /// LINEAR or CANARY deployment is handed back at BAKE_TIME, while the old
    /// revision still runs ([`DeployOutcome::Baking`]).
    pub verify_in_bake: bool,
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
    /// How ECS deploys the service (read before anything was written).
    pub strategy: Strategy,
    /// The service deployment UpdateService started, when ECS named one.
    pub service_deployment: Option<String>,
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
    /// `verify_in_bake`: ECS bakes the new revision with the old one still
    /// running; the caller verifies, then [`crate::finish`] or [`crate::undo`].
    Baking { to: Revision, rollout: Rollout },
    /// The one-off task before the rollout did not exit 0 (`before_rollout`
    /// says how it ended): the service was not touched, and `to`, which never
    /// ran, was deregistered.
    BeforeRolloutFailed { to: Revision },
    /// The rollout to `to` failed; `recovery` says what was done about it.
    Failed {
        to: Revision,
        end: RolloutEnd,
        recovery: Recovery,
    },
}

/// What a failed rollout was followed by.
#[derive(Debug, Clone)]
pub enum Recovery {
    /// `rollback_on_failure` was off: left as it is.
    NotAsked,
    /// ECS rolled back by itself, or another deployment replaced ours:
    /// nothing of ours was sent.
    LeftToEcs,
    RolledBack(RolledBack),
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
    /// The new revision, naming `image` (pinned by digest).
    Registered {
        revision: &'a Revision,
        image: &'a str,
    },
    /// UpdateService answered: the deployment it started.
    Updated(&'a Rollout),
    Rollout(&'a Revision, &'a Progress),
    RollingBack {
        from: &'a Revision,
        to: &'a Revision,
    },
    /// StopServiceDeployment(ROLLBACK) of a deployment in flight.
    Stopping(&'a Rollout),
    /// The revision to go back to was INACTIVE (deregistered): its definition
    /// was registered again as `to`.
    RegisteredAgain {
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
    let found = service::describe(&clients.ecs, settings).await?;
    crate::strategy::check_controller(&found, settings)?;
    let strategy = Strategy::of(found.deployment_configuration());
    let current =
        task_definition::describe(&clients.ecs, found.task_definition().unwrap_or_default())
            .await?;
    let from_image = current.image(&settings.container)?.to_string();
    if let Some(task) = &request.before_rollout {
        current.image(&task.container)?;
    }
    let report = |before_rollout, rollout: Option<&Rollout>, outcome| DeployReport {
        from: current.revision.clone(),
        from_image: from_image.clone(),
        image: image.clone(),
        image_tag: request.image_tag.clone(),
        image_digest: image_digest.clone(),
        before_rollout,
        strategy: rollout.map_or_else(|| strategy.clone(), |r| r.strategy.clone()),
        service_deployment: rollout.and_then(|r| r.service_deployment.clone()),
        outcome,
    };
    let Some(containers) = task_definition::with_image(&current, &settings.container, &image)?
    else {
        return Ok(report(None, None, DeployOutcome::AlreadyDeployed));
    };
    if request.dry_run {
        let diff = task_definition::diff(&current, &containers);
        return Ok(report(None, None, DeployOutcome::DryRun { diff }));
    }

    let next = task_definition::register(&clients.ecs, &current, containers).await?;
    on_event(DeployEvent::Registered {
        revision: &next,
        image: &image,
    });
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
                    None,
                    DeployOutcome::BeforeRolloutFailed { to: next },
                ));
            }
            Some(run)
        }
        None => None,
    };
    let until = if request.verify_in_bake {
        Until::Bake
    } else {
        Until::End
    };
    let (mut rollout, watched) = update_and_watch(
        clients,
        settings,
        &next,
        &request.watch,
        until,
        &mut on_event,
    )
    .await?;
    let end = match watched {
        Watched::Baking => {
            let outcome = DeployOutcome::Baking {
                to: next,
                rollout: rollout.clone(),
            };
            return Ok(report(before_rollout, Some(&rollout), outcome));
        }
        Watched::Ended(RolloutEnd::Completed) => {
            let outcome = DeployOutcome::Deployed { to: next };
            return Ok(report(before_rollout, Some(&rollout), outcome));
        }
        Watched::Ended(end) => end,
    };
    let recovery = if end.left_to_ecs() {
        Recovery::LeftToEcs
    } else if !request.rollback_on_failure {
        Recovery::NotAsked
    } else {
        Recovery::RolledBack(
            in_flight::undo(
                clients,
                settings,
                &mut rollout,
                &current.revision,
                &request.watch,
                &mut on_event,
            )
            .await?,
        )
    };
    let outcome = DeployOutcome::Failed {
        to: next,
        end,
        recovery,
    };
    Ok(report(before_rollout, Some(&rollout), outcome))
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

/// Points the service at `revision` and watches the deployment UpdateService
/// started, until it ends (or, `Until::Bake`, bakes).
pub(crate) async fn update_and_watch(
    clients: &Clients,
    settings: &ServiceSettings,
    revision: &Revision,
    watch: &WatchSettings,
    until: Until,
    on_event: &mut impl FnMut(DeployEvent<'_>),
) -> Result<(Rollout, Watched), ApiError> {
    // Events already there are not news; if the service cannot be read just now
    // (a passing failure), the watch shows them again rather than stop here.
    let old_events = match service::describe(&clients.ecs, settings).await {
        Ok(service) => rollout::event_ids(&service),
        Err(ApiError::Transient { .. }) => Default::default(),
        Err(e) => return Err(e),
    };
    let updated = service::update(&clients.ecs, settings, revision).await?;
    let mut rollout = Rollout::updated(&updated, revision, watch, old_events);
    on_event(DeployEvent::Updated(&rollout));
    let watched = rollout::watch(&clients.ecs, settings, &mut rollout, watch, until, |p| {
        on_event(DeployEvent::Rollout(revision, p))
    })
    .await?;
    Ok((rollout, watched))
}
