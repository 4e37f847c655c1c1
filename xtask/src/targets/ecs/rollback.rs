//! An ECS rollback: the revision that ran before — `--to`, else the ledger's
//! (the deploy that put the current one in place says what it replaced), else
//! the highest ACTIVE revision below the current one — and the rollout to it.

use crate::config::EcsTarget;
use crate::context::EnvContext;
use crate::error::BadInput;
use crate::state::ledger::{Action, Outcome};
use crate::state::policy;
use crate::targets::{self, Entry, StepEnd, StepError, TargetResult};

use super::report::ProgressPrinter;

pub struct RollbackOptions {
    pub to: Option<String>,
    pub dry_run: bool,
    pub force_unlock: bool,
    pub watch: api::WatchSettings,
}

pub async fn rollback(
    ctx: &EnvContext<'_>,
    name: &str,
    config: &EcsTarget,
    opts: &RollbackOptions,
) -> anyhow::Result<TargetResult> {
    let settings = config.service();
    let clients = api::Clients::new(&ctx.sdk);
    let explain = |e| StepError::from(super::explain(ctx, name, e));
    targets::run(
        ctx,
        name,
        "rollback",
        opts.dry_run,
        opts.force_unlock,
        |_| async {
            let current = api::current_task_definition(&clients.ecs, &settings)
                .await
                .map_err(explain)?
                .revision;
            let history = ctx.store.history(name).await.map_err(anyhow::Error::from)?;
            let undone = policy::replaced_by_deploy_of(&history, &current.arn);
            let (to, why) = match (&opts.to, undone) {
                (Some(to), _) => (
                    api::resolve_revision(&clients.ecs, &current, to).await,
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
                    api::previous_active(&clients.ecs, &current).await,
                    "no ledger record: the highest ACTIVE revision below the current one".into(),
                ),
            };
            let to = to.map_err(explain)?;
            if to == current {
                return Err(
                    BadInput::error(format!("{name}: {} is already running", to.short())).into(),
                );
            }
            eprintln!(
                "{name}: rolling back {} → {} ({why})",
                current.short(),
                to.short()
            );
            if opts.dry_run {
                return Ok(StepEnd::Unrecorded(TargetResult::ok(
                    name,
                    format!(
                        "dry run: would update {} from {} to {}",
                        settings.service,
                        current.short(),
                        to.short()
                    ),
                )));
            }

            let mut progress = ProgressPrinter::new(name, ctx.ws.config.region(&ctx.env));
            let report = api::rollback(&clients, &settings, &current, &to, &opts.watch, |e| {
                progress.show(e)
            })
            .await
            .map_err(explain)?;
            let entry = Entry {
                action: Action::Rollback,
                deployed: to.arn.clone(),
                replaced: Some(current.arn.clone()),
                detail: why.clone(),
                outcome: if report.end.succeeded() {
                    Outcome::Succeeded
                } else {
                    Outcome::Failed
                },
                message: format!("rollback to {} {}", to.short(), report.end.describe()),
                rolled_away_from: undone.and_then(|r| r.git_sha.clone()),
                state_object: None,
                checks: Default::default(),
            };
            if !report.end.succeeded() {
                let summary = format!(
                    "rollback to {} {}. {}",
                    to.short(),
                    report.end.describe(),
                    super::events_hint(&settings)
                );
                return Ok(StepEnd::Recorded(
                    entry,
                    TargetResult::failed(name, summary),
                ));
            }
            let sha = undone.and_then(|r| r.git_sha.as_deref());
            crate::output::detail(&targets::revert_hint(ctx, name, sha));
            Ok(StepEnd::Recorded(
                entry,
                TargetResult::ok(
                    name,
                    format!("rolled back {} → {}", current.short(), to.short()),
                ),
            ))
        },
    )
    .await
}
