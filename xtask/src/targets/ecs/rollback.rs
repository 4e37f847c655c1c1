//! An ECS rollback, decided before the lock (read-only, so a dry run says
//! exactly what would happen and bad input writes nothing):
//!
//! - the service's current BLUE_GREEN, LINEAR or CANARY deployment still in
//!   flight (a deploy cut off in its bake, someone else's):
//!   StopServiceDeployment(ROLLBACK) — ECS shifts the traffic back to the
//!   revision still running beside it (a ROLLING one is replaced as below);
//! - else the revision that ran before — `--to`, else the ledger's (the deploy
//!   that put the current one in place says what it replaced), else the
//!   highest ACTIVE revision below the current one — and the rollout to it; a
//!   revision that was deregistered (INACTIVE) is registered again first, with
//!   the same definition and pinned image, and one ECS deleted is refused.

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::plan::EcsSettings;
use crate::state::checks::{Checks, RolloutCheck};
use crate::state::ledger::{Detail, Record};
use crate::state::policy;
use crate::targets::pipeline::{self, Mode, Step, StepEnd, StepError};
use crate::targets::{explain, Entry, TargetResult};

use super::report::ProgressPrinter;

pub struct RollbackOptions {
    pub to: Option<String>,
    pub watch: api::WatchSettings,
}

/// How the rollback goes, decided before the lock.
enum Plan {
    /// Stop the deployment in flight; ECS goes back to its source revision.
    Stop(Box<api::Rollout>),
    /// UpdateService to `to` (registered again first when INACTIVE).
    Update {
        to: api::Revision,
        why: String,
        restore: api::Restore,
    },
}

/// Before the lock: what runs, what the rollback goes back to and how; then
/// the step.
pub async fn rollback<'a>(
    ctx: &'a EnvContext,
    name: &'a str,
    s: &'a EcsSettings,
    opts: &'a RollbackOptions,
    mode: Mode,
) -> anyhow::Result<Step<'a>> {
    let clients = api::Clients::new(&ctx.sdk);
    let explained = |e| explain(ctx, name, e);
    let current = api::current_task_definition(&clients.ecs, &s.service)
        .await
        .map_err(explained)?
        .revision;
    let history = ctx.store.history(name).await.map_err(anyhow::Error::from)?;
    // A ROLLING deployment in flight keeps today's path (an UpdateService
    // replaces it); a traffic-shifting one still runs the old revision.
    let in_flight = match &opts.to {
        Some(_) => None,
        None => api::in_flight(&clients, &s.service, &opts.watch)
            .await
            .map_err(explained)?
            .filter(|r| r.strategy.shifts_traffic()),
    };
    let plan = match in_flight {
        Some(rollout) => Plan::Stop(Box::new(rollout)),
        None => {
            let undone = policy::replaced_by_deploy_of(&history, &current.arn);
            let (to, why) = choose(&clients, &current, undone, opts.to.as_deref()).await;
            let to = to.map_err(explained)?;
            if to == current {
                let already = format!("{name}: {} is already running", to.short());
                return Err(BadInput::error(already));
            }
            let restore = api::restore_plan(&clients.ecs, &to)
                .await
                .map_err(explained)?;
            Plan::Update { to, why, restore }
        }
    };
    announce(name, &current, &plan);
    if mode.dry_run() {
        let summary = dry_run(&s.service, &current, &plan);
        return Ok(Box::new(move |_| {
            Box::pin(async move { Ok(StepEnd::Unrecorded(TargetResult::ok(name, summary))) })
        }));
    }
    Ok(Box::new(move |_| {
        Box::pin(async move {
            let explained = |e| StepError::from(explain(ctx, name, e));
            // The service may have moved since the plan was made (before the lock).
            let now = api::current_task_definition(&clients.ecs, &s.service)
                .await
                .map_err(explained)?
                .revision;
            if now != current {
                return Err(anyhow::anyhow!(
                    "{name}: the service moved from {} to {} while the rollback was starting; nothing was changed: run it again",
                    current.short(),
                    now.short()
                )
                .into());
            }
            let undone = policy::replaced_by_deploy_of(&history, &current.arn);
            let rolled = pipeline::rolled_away(undone, policy::live(&history));
            let mut progress = ProgressPrinter::new(name, &ctx.env.region);
            let (entry, ok) = match plan {
                Plan::Stop(mut rollout) => {
                    let end = api::stop(&clients, &s.service, &mut rollout, &opts.watch, |e| {
                        progress.show(e)
                    })
                    .await
                    .map_err(explained)?;
                    stopped(&current, &rollout, end, rolled.from.clone())
                }
                Plan::Update { to, why, .. } => {
                    let report =
                        api::rollback(&clients, &s.service, &current, &to, &opts.watch, |e| {
                            progress.show(e)
                        })
                        .await
                        .map_err(explained)?;
                    updated(&current, report, why, rolled.from.clone())
                }
            };
            Ok(if ok {
                let summary = format!(
                    "rolled back {} → {}",
                    current.short(),
                    api::Revision::parse(&entry.deployed)
                        .map_or_else(|| entry.deployed.clone(), |r| r.short())
                );
                let mut result = TargetResult::ok(name, summary);
                result.revert = Some(rolled.revert);
                result.checks = entry.checks.clone();
                StepEnd::Recorded(entry, result)
            } else {
                let summary = format!("{}. {}", entry.message, super::events_hint(&s.service));
                let message = entry.message.clone();
                let mut result = TargetResult::failed(name, summary);
                result.checks = entry.checks.clone();
                StepEnd::Recorded(entry.failed(message), result)
            })
        })
    }))
}

/// The line on stderr saying what the rollback does, and why.
fn announce(name: &str, current: &api::Revision, plan: &Plan) {
    match plan {
        Plan::Stop(rollout) => eprintln!(
            "{name}: {} is still being deployed ({}): rolling it back with StopServiceDeployment(ROLLBACK) to {}",
            current.short(),
            rollout.describe(),
            source(rollout)
        ),
        Plan::Update { to, why, restore } => {
            eprintln!("{name}: rolling back {} → {} ({why})", current.short(), to.short());
            if let api::Restore::RegisterAgain { image } = restore {
                eprintln!(
                    "{name}: {} is INACTIVE (deregistered): it is registered again as a new revision with the same definition ({})",
                    to.short(),
                    image.join(", ")
                );
            }
        }
    }
}

/// A dry run's summary: exactly what would be called.
fn dry_run(service: &api::ServiceSettings, current: &api::Revision, plan: &Plan) -> String {
    match plan {
        Plan::Stop(rollout) => format!(
            "dry run: would stop the {} deployment {} of {} with StopServiceDeployment(ROLLBACK); ECS would shift the traffic back to {}",
            rollout.strategy.name,
            rollout.service_deployment.as_deref().unwrap_or("in flight"),
            current.short(),
            source(rollout)
        ),
        Plan::Update {
            to,
            restore: api::Restore::AsIs,
            ..
        } => format!(
            "dry run: would update {} from {} to {}",
            service.service,
            current.short(),
            to.short()
        ),
        Plan::Update {
            to,
            restore: api::Restore::RegisterAgain { image },
            ..
        } => format!(
            "dry run: would register {} again (it is INACTIVE; the same definition: {}) and update {} from {} to that new revision",
            to.short(),
            image.join(", "),
            service.service,
            current.short()
        ),
    }
}

fn source(rollout: &api::Rollout) -> String {
    rollout
        .source
        .as_ref()
        .map_or_else(|| "the revision before".into(), |r| r.short())
}

/// The record of a stop with rollback, and whether the source runs again.
fn stopped(
    current: &api::Revision,
    rollout: &api::Rollout,
    end: Option<api::RolloutEnd>,
    rolled_away_from: Option<String>,
) -> (Entry, bool) {
    let arn = rollout.service_deployment.clone();
    let to = rollout.source.clone().unwrap_or_else(|| current.clone());
    let (message, ended, ok) = match &end {
        Some(e) if e.succeeded() => (
            format!(
                "rollback to {} completed: StopServiceDeployment(ROLLBACK) of the deployment in flight",
                to.short()
            ),
            "ROLLBACK_SUCCESSFUL".to_string(),
            true,
        ),
        Some(e) => (
            format!(
                "rollback of the deployment in flight (StopServiceDeployment) {}",
                e.describe()
            ),
            e.status_word().to_string(),
            false,
        ),
        None => (
            format!(
                "the deployment of {} finished before it could be stopped: run the rollback again",
                current.short()
            ),
            "FINISHED".into(),
            false,
        ),
    };
    let entry = Entry::rollback(
        &to.arn,
        Some(current.arn.clone()),
        Detail::Reason(format!(
            "StopServiceDeployment(ROLLBACK) of the deployment in flight {}",
            arn.as_deref().unwrap_or("")
        )),
        message,
        rolled_away_from,
    )
    .with_checks(Checks {
        rollout: Some(RolloutCheck {
            strategy: rollout.strategy.name.clone(),
            service_deployment: arn,
            ended,
            reason: Some("rollback".into()),
            undone_by: Some("StopServiceDeployment(ROLLBACK)".into()),
        }),
        ..Checks::default()
    });
    (entry, ok)
}

/// The record of a rollback by UpdateService, and whether it completed.
fn updated(
    current: &api::Revision,
    report: api::RollbackReport,
    why: String,
    rolled_away_from: Option<String>,
) -> (Entry, bool) {
    let why = match &report.registered_again_from {
        Some(old) => format!(
            "{why}; {} was INACTIVE: registered again as {}",
            old.short(),
            report.to.short()
        ),
        None => why,
    };
    let message = format!(
        "rollback to {} {}",
        report.to.short(),
        report.end.describe()
    );
    let ok = report.end.succeeded();
    let entry = Entry::rollback(
        &report.to.arn,
        Some(current.arn.clone()),
        Detail::Reason(why),
        message,
        rolled_away_from,
    )
    .with_checks(Checks {
        rollout: Some(RolloutCheck {
            strategy: report.rollout.strategy.name.clone(),
            service_deployment: report.rollout.service_deployment.clone(),
            ended: report.end.status_word().to_string(),
            reason: (!ok).then(|| report.end.describe()),
            undone_by: None,
        }),
        registered_again_from: report.registered_again_from.as_ref().map(|r| r.arn.clone()),
        ..Checks::default()
    });
    (entry, ok)
}

/// The revision to go back to, and why that one.
async fn choose(
    clients: &api::Clients,
    current: &api::Revision,
    undone: Option<&Record>,
    to: Option<&str>,
) -> (Result<api::Revision, api::ApiError>, String) {
    match (to, undone) {
        (Some(to), _) => (
            api::resolve_revision(&clients.ecs, current, to).await,
            format!("--to {to}"),
        ),
        (None, Some(record)) => {
            let replaced = record.replaced.clone().unwrap_or_default();
            (
                api::Revision::parse(&replaced)
                    .ok_or(api::ApiError::TaskDefinitionNotFound(replaced)),
                format!(
                    "the ledger: it ran before the deploy of {} on {}",
                    current.short(),
                    record.started_at
                ),
            )
        }
        (None, None) => (
            api::previous_active(&clients.ecs, current).await,
            "no ledger record: the highest ACTIVE revision below the current one".into(),
        ),
    }
}
