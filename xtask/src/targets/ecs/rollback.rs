//! An ECS rollback: the revision that ran before — `--to`, else the ledger's
//! (the deploy that put the current one in place says what it replaced), else
//! the highest ACTIVE revision below the current one — and the rollout to it.

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::plan::EcsSettings;
use crate::state::ledger::{Detail, Record};
use crate::state::policy;
use crate::targets::pipeline::{self, Mode, Step, StepEnd, StepError};
use crate::targets::{explain, Entry, TargetResult};

use super::report::ProgressPrinter;

pub struct RollbackOptions {
    pub to: Option<String>,
    pub watch: api::WatchSettings,
}

/// Before the lock: `--to` names a revision that exists; then the step.
pub async fn rollback<'a>(
    ctx: &'a EnvContext,
    name: &'a str,
    s: &'a EcsSettings,
    opts: &'a RollbackOptions,
    mode: Mode,
) -> anyhow::Result<Step<'a>> {
    let clients = api::Clients::new(&ctx.sdk);
    let explained = |e| explain(ctx, name, e);
    if let Some(to) = &opts.to {
        let current = api::current_task_definition(&clients.ecs, &s.service)
            .await
            .map_err(explained)?
            .revision;
        api::resolve_revision(&clients.ecs, &current, to)
            .await
            .map_err(explained)?;
    }
    Ok(Box::new(move |_| {
        Box::pin(async move {
            let explained = |e| StepError::from(explain(ctx, name, e));
            let current = api::current_task_definition(&clients.ecs, &s.service)
                .await
                .map_err(explained)?
                .revision;
            let history = ctx.store.history(name).await.map_err(anyhow::Error::from)?;
            let undone = policy::replaced_by_deploy_of(&history, &current.arn);
            let (to, why) = choose(&clients, &current, undone, opts.to.as_deref()).await;
            let to = to.map_err(explained)?;
            if to == current {
                let already = format!("{name}: {} is already running", to.short());
                return Err(BadInput::error(already).into());
            }
            eprintln!(
                "{name}: rolling back {} → {} ({why})",
                current.short(),
                to.short()
            );
            if mode.dry_run() {
                return Ok(StepEnd::Unrecorded(TargetResult::ok(
                    name,
                    format!(
                        "dry run: would update {} from {} to {}",
                        s.service.service,
                        current.short(),
                        to.short()
                    ),
                )));
            }
            let mut progress = ProgressPrinter::new(name, &ctx.env.region);
            let report = api::rollback(&clients, &s.service, &current, &to, &opts.watch, |e| {
                progress.show(e)
            })
            .await
            .map_err(explained)?;
            let rolled = pipeline::rolled_away(undone, policy::live(&history));
            let message = format!("rollback to {} {}", to.short(), report.end.describe());
            let entry = Entry::rollback(
                &to.arn,
                Some(current.arn.clone()),
                Detail::Reason(why),
                message,
                rolled.from.clone(),
            );
            Ok(if report.end.succeeded() {
                let summary = format!("rolled back {} → {}", current.short(), to.short());
                let mut result = TargetResult::ok(name, summary);
                result.revert = Some(rolled.revert);
                StepEnd::Recorded(entry, result)
            } else {
                let summary = format!("{}. {}", entry.message, super::events_hint(&s.service));
                let message = entry.message.clone();
                StepEnd::Recorded(entry.failed(message), TargetResult::failed(name, summary))
            })
        })
    }))
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
