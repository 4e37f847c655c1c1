//! An ECS deploy whose rollout is still in flight when its step returns (a
//! BLUE_GREEN, LINEAR or CANARY deployment in its bake, handed over so the
//! pipeline verifies while the old revision still runs):
//!
//! - `settle` watches it to its end beside the verification; ECS's own
//!   rollback or a newer deployment ends it (nothing of ours is sent), a
//!   failure or the timeout undoes it.
//! - `undo` (a failed verification) stops it with StopServiceDeployment
//!   (ROLLBACK) and waits for ROLLBACK_SUCCESSFUL; once it has finished (or
//!   for ROLLING), the previous revision is deployed again with UpdateService.
//! - `on_interrupt`: a cancelled job (SIGINT, SIGTERM) stops it with a
//!   rollback too, and records the deploy as failed (docs/ROLLBACK.md).

use std::rc::Rc;

use crate::context::EnvContext;
use crate::interrupt::{self, OnInterrupt, Signal};
use crate::plan::EcsSettings;
use crate::state::checks::{Checks, RolloutCheck};
use crate::state::ledger::Detail;
use crate::targets::pipeline::{self, Settle, Settled, Started, StepError, Undo, Undone};
use crate::targets::Entry;

use super::report::ProgressPrinter;
use super::DeployOptions;

/// One deploy's inputs, shared by its step, its settle and its undo.
pub(super) struct Run<'a> {
    pub ctx: &'a EnvContext,
    pub name: &'a str,
    pub s: &'a EcsSettings,
    pub opts: &'a DeployOptions,
    pub clients: api::Clients,
}

/// The rest of a deployment handed over in its bake, watched to its end.
pub(super) fn settle<'a>(
    run: &Run<'a>,
    mut progress: ProgressPrinter,
    mut rollout: api::Rollout,
    from: api::Revision,
    cancel: Option<Rc<OnInterrupt>>,
) -> Settle<'a> {
    let (ctx, name, s, opts, clients) = (run.ctx, run.name, run.s, run.opts, run.clients.clone());
    Box::new(move || {
        Box::pin(async move {
            let _cancel = cancel;
            let watch = &opts.watch;
            let end = api::finish(&clients, &s.service, &mut rollout, watch, |e| {
                progress.show(e)
            })
            .await
            .map_err(|e| cut_off(ctx, name, &rollout, e))?;
            let (strategy, arn) = (
                rollout.strategy.name.clone(),
                rollout.service_deployment.clone(),
            );
            let check = |ended: &str, reason: Option<String>, undone_by: Option<String>| {
                Some(RolloutCheck {
                    strategy: strategy.clone(),
                    service_deployment: arn.clone(),
                    ended: ended.to_string(),
                    reason,
                    undone_by,
                })
            };
            if end.succeeded() {
                return Ok(Settled {
                    failure: None,
                    rollout: check("SUCCESSFUL", None, None),
                    stopped: None,
                });
            }
            if end.left_to_ecs() {
                return Ok(Settled {
                    failure: Some(format!(
                        "its rollout {}; nothing of ours was sent",
                        end.describe()
                    )),
                    rollout: check(
                        end.status_word(),
                        Some(end.describe()),
                        Some("ECS (nothing of ours was sent)".into()),
                    ),
                    stopped: Some(super::report::stopped(&end, &api::Recovery::LeftToEcs)),
                });
            }
            if !opts.rollback_on_failure {
                return Ok(Settled {
                    failure: Some(format!(
                        "its rollout {}; --no-rollback: left as it is",
                        end.describe()
                    )),
                    rollout: check(end.status_word(), Some(end.describe()), None),
                    stopped: Some(super::report::stopped(&end, &api::Recovery::NotAsked)),
                });
            }
            let back = api::undo(&clients, &s.service, &mut rollout, &from, watch, |e| {
                progress.show(e)
            })
            .await
            .map_err(|e| cut_off(ctx, name, &rollout, e))?;
            let failure = format!("its rollout {}; {}", end.describe(), rolled_back(&back));
            let rollout = check(
                end.status_word(),
                Some(end.describe()),
                Some(back.via.as_str().to_string()),
            );
            let stopped = super::report::stopped(&end, &api::Recovery::RolledBack(back));
            Ok(Settled {
                failure: Some(failure),
                rollout,
                stopped: Some(stopped),
            })
        })
    })
}

/// After a failed verification: the service back on the revision it ran
/// before (unless `--no-rollback`): a deployment still in flight (`rollout`)
/// is stopped with a rollback; a finished one is replaced with UpdateService.
pub(super) fn undo<'a>(
    run: Run<'a>,
    mut progress: ProgressPrinter,
    rollout: Option<api::Rollout>,
    to: api::Revision,
    from: api::Revision,
    cancel: Option<Rc<OnInterrupt>>,
) -> Undo<'a> {
    Box::new(move || {
        Box::pin(async move {
            let _cancel = cancel;
            let Run {
                ctx,
                name,
                s,
                opts,
                clients,
            } = run;
            if !opts.rollback_on_failure {
                let left = match &rollout {
                    Some(r) => format!(
                        "--no-rollback: left as it is (ECS goes on with its {} deployment of {})",
                        r.strategy.name,
                        to.short()
                    ),
                    None => format!("--no-rollback: left as it is ({} runs)", to.short()),
                };
                return Ok(Undone::left(left));
            }
            let part_way = |e| {
                StepError::from(anyhow::Error::new(e).context(format!(
                    "{name}: the rollback to {} stopped part way: see `cargo xtask status --env {}`",
                    from.short(),
                    ctx.env.name
                )))
            };
            let show = |e: api::DeployEvent<'_>| progress.show(e);
            let (back, strategy, arn) = match rollout {
                Some(mut rollout) => {
                    let back =
                        api::undo(&clients, &s.service, &mut rollout, &from, &opts.watch, show)
                            .await
                            .map_err(part_way)?;
                    (back, rollout.strategy.name, rollout.service_deployment)
                }
                None => {
                    let report = api::rollback(&clients, &s.service, &to, &from, &opts.watch, show)
                        .await
                        .map_err(part_way)?;
                    let back = api::RolledBack {
                        via: api::Via::UpdateService,
                        to: report.to,
                        end: report.end,
                    };
                    (back, report.rollout.strategy.name, None)
                }
            };
            Ok(Undone {
                now: rolled_back(&back),
                put_back: back.end.succeeded(),
                detail: None,
                rollout: Some(RolloutCheck {
                    strategy,
                    service_deployment: arn,
                    ended: match (back.via, back.end.succeeded()) {
                        (api::Via::StopServiceDeployment, true) => "ROLLBACK_SUCCESSFUL".into(),
                        (api::Via::StopServiceDeployment, false) => {
                            back.end.status_word().to_string()
                        }
                        (api::Via::UpdateService, _) => "SUCCESSFUL".into(),
                    },
                    reason: Some("the verification failed".into()),
                    undone_by: Some(back.via.as_str().to_string()),
                }),
            })
        })
    })
}

/// How the way back went, as the summary and the record say it.
pub(super) fn rolled_back(back: &api::RolledBack) -> String {
    match (back.via, back.end.succeeded()) {
        (api::Via::StopServiceDeployment, true) => format!(
            "rolled back: {} runs again (ECS shifted the traffic back: StopServiceDeployment(ROLLBACK))",
            back.to.short()
        ),
        (api::Via::UpdateService, true) => format!("rolled back: {} runs again", back.to.short()),
        (via, false) => format!(
            "the rollback to {} ({}) also {}",
            back.to.short(),
            via.as_str(),
            back.end.describe()
        ),
    }
}

/// The error of a watch cut off while ECS's deployment goes on.
fn cut_off(ctx: &EnvContext, name: &str, rollout: &api::Rollout, e: api::ApiError) -> StepError {
    let state = format!(
        "ECS goes on with its {} deployment of {}",
        rollout.strategy.name,
        rollout.revision.short()
    );
    pipeline::failed_part_way(ctx, name, "the deploy", &state, e, None)
}

/// A cancelled job while a traffic-shifting deployment of ours is in flight:
/// StopServiceDeployment(ROLLBACK) (the old revision still runs, ECS shifts
/// traffic back at once, nothing unverified stays live), and the deploy
/// recorded as failed, so the next `deploy --changed` tries it again.
pub(super) fn on_interrupt(
    run: &Run<'_>,
    started: &Started,
    progress: &ProgressPrinter,
    rollout: &api::Rollout,
) -> Option<OnInterrupt> {
    if !rollout.strategy.shifts_traffic() {
        return None;
    }
    let arn = rollout.service_deployment.clone()?;
    let (ctx, name) = (run.ctx, run.name);
    let ecs = run.clients.ecs.clone();
    let store = ctx.store.clone();
    let to = rollout.revision.clone();
    let from = rollout.source.clone();
    let image = progress.registered_image().unwrap_or_default().to_string();
    let entry = Entry::deploy(
        &to.arn,
        from.as_ref().map(|f| f.arn.clone()),
        Detail::Image(image.clone()),
        "",
    )
    .with_checks(Checks {
        image_tag: Some(run.opts.image_tag.clone()),
        image_digest: image.split_once('@').map(|(_, d)| d.to_string()),
        ..Checks::default()
    });
    let mut record = pipeline::record(ctx, name, started, entry);
    let (name, env) = (name.to_string(), ctx.env.name.clone());
    let strategy = rollout.strategy.name.clone();
    Some(interrupt::on_interrupt(Box::new(move |signal: Signal| {
        Box::pin(async move {
            let back = from
                .as_ref()
                .map_or_else(|| "the revision before".into(), |f| f.short());
            let stopped = api::stop_with_rollback(&ecs, &arn).await;
            let (ended, what) = match &stopped {
                Ok(api::Stop::Requested) => (
                    "ROLLBACK_REQUESTED".to_string(),
                    format!("StopServiceDeployment(ROLLBACK) sent: ECS shifts the traffic back to {back}"),
                ),
                Ok(api::Stop::AlreadyFinished(why)) => (
                    "FINISHED".to_string(),
                    format!("its deployment had already ended ({why})"),
                ),
                Err(e) => (
                    "IN_PROGRESS".to_string(),
                    format!("StopServiceDeployment failed ({e}): ECS goes on with it; `cargo xtask rollback {name} {env}` stops it"),
                ),
            };
            let message = format!(
                "cancelled ({}) during the {strategy} rollout of {}: {what}",
                signal.name(),
                to.short()
            );
            record.outcome = crate::state::ledger::Outcome::Failed;
            record.message = message.clone();
            record.finished_at = crate::state::now_rfc3339();
            record.checks.rollout = Some(RolloutCheck {
                strategy: strategy.clone(),
                service_deployment: Some(arn.clone()),
                ended,
                reason: Some(format!("cancelled ({})", signal.name())),
                undone_by: stopped
                    .is_ok()
                    .then(|| "StopServiceDeployment(ROLLBACK)".to_string()),
            });
            let recorded = match store.append(&record).await {
                Ok(()) => "recorded as failed".to_string(),
                Err(e) => format!("its ledger record was not written ({e})"),
            };
            format!("{name}: {message}; {recorded}")
        })
    })))
}
