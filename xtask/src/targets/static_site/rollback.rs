//! A static-site rollback: the release the ledger's policy names (or `--to`),
//! restored by server-side copies of its recorded object versions.

use anyhow::Context;

use crate::config::StaticSiteTarget;
use crate::context::EnvContext;
use crate::error::BadInput;
use crate::state::ledger::{Action, Outcome};
use crate::state::policy::{self, NoSiteRollback, SiteRollback};
use crate::state::releases::{release_key, rollback_key};
use crate::targets::{self, Entry, StepEnd, TargetResult};

use super::progress::Progress;
use super::report::{finished, print_plan, summary};
use super::SiteOptions;

pub struct RollbackOptions {
    pub to: Option<String>,
    pub site: SiteOptions,
}

pub async fn rollback(
    ctx: &EnvContext<'_>,
    name: &str,
    config: &StaticSiteTarget,
    opts: &RollbackOptions,
) -> anyhow::Result<TargetResult> {
    let settings = config.site(&ctx.ws.root);
    let clients = web_deployer::Clients::new(&ctx.sdk);
    let (dry_run, force) = (opts.site.dry_run, opts.site.force_unlock);
    targets::run(ctx, name, "rollback", dry_run, force, |started| async move {
        let env = &ctx.env;
        let history = ctx.store.history(name).await.map_err(anyhow::Error::from)?;
        let live = policy::live(&history);
        let current = live.map(|r| r.deployed.clone());
        let newest = history.first();
        // Which release, and why: --to, else the ledger's policy.
        let (to, why, undone) = match &opts.to {
            Some(to) => (to.clone(), format!("--to {to}"), None),
            None => match policy::site_rollback(&history).map_err(|no| {
                BadInput::error(match no {
                    NoSiteRollback::NeverDeployed => format!(
                        "{name}: no release of {name} in {env} in the ledger: nothing to roll back to"
                    ),
                    NoSiteRollback::FirstDeployFailed { release } => format!(
                        "{name}: the first deploy ({release}) failed and nothing ran before it: deploy again"
                    ),
                    NoSiteRollback::NothingBefore { live } => format!(
                        "{name}: no release before {live} in the ledger to roll back to (pass --to RELEASE; see `cargo xtask history {name} {env}`)"
                    ),
                })
            })? {
                SiteRollback::BeforeFailed { failed, to } => (
                    to,
                    format!("the deploy of {} failed part way", failed.deployed),
                    Some(failed),
                ),
                SiteRollback::BeforeLive { live, deploy, to } => (
                    to,
                    format!(
                        "the ledger: it was live before the deploy of {live} on {}",
                        deploy.started_at
                    ),
                    Some(deploy),
                ),
            },
        };
        // After a failed deploy the bucket may serve a mix: restoring the live
        // release is what puts it right.
        let newest_failed =
            newest.is_some_and(|n| n.action == Action::Deploy && n.outcome == Outcome::Failed);
        if Some(&to) == current.as_ref() && !newest_failed {
            return Err(BadInput::error(format!("{name}: release {to} is already live")).into());
        }
        let target = ctx
            .store
            .manifest(&release_key(name, &to))
            .await
            .map_err(anyhow::Error::from)?
            .ok_or_else(|| {
                BadInput::error(format!(
                    "--to {to}: no release {to} of {name} in {env} (no manifest {}); see `cargo xtask history {name} {env}`",
                    release_key(name, &to),
                ))
            })?;
        let current_manifest = super::live_manifest(ctx, name, live).await?;
        eprintln!(
            "{name}: rolling back {} → {to} ({why})",
            current.as_deref().unwrap_or("(unknown)")
        );
        let request = web_deployer::RollbackRequest {
            target,
            current: current_manifest,
            dry_run: opts.site.dry_run,
            concurrency: opts.site.concurrency,
            max_deletes: opts.site.max_deletes,
            wait: opts.site.wait.clone(),
        };
        let mut progress = Progress::new(name, "copy", true);
        let result =
            web_deployer::rollback(&clients, &settings, &request, |e| progress.show(e)).await;
        progress.finish();
        let report = match result {
            Ok(r) => r,
            Err(e) if e.is_bad_input() => return Err(super::explain(ctx, name, e).into()),
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("{name}: the rollback to {to} failed part way; run it again"))
                    .into())
            }
        };
        print_plan(name, &report);
        let manifest = match &report.outcome {
            web_deployer::SiteOutcome::Done { manifest } => manifest,
            // A rollback always copies (it never finds the release "already deployed").
            web_deployer::SiteOutcome::DryRun | web_deployer::SiteOutcome::AlreadyDeployed => {
                return Ok(StepEnd::Unrecorded(TargetResult::ok(
                    name,
                    format!("dry run: rollback to {to} would {}", summary(&report)),
                )))
            }
        };
        let key = rollback_key(name, &to, &started.at);
        ctx.store
            .put_manifest(&key, manifest)
            .await
            .context("the rollback finished but its manifest was not written")?;
        let entry = Entry {
            action: Action::Rollback,
            deployed: to.clone(),
            replaced: current.clone(),
            detail: key,
            outcome: Outcome::Succeeded,
            message: format!("rollback to {to} ({why}): {}", summary(&report)),
            // The deploy it undid; with --to, what was live.
            rolled_away_from: undone
                .or(live)
                .and_then(|r| r.seen_commit())
                .map(str::to_owned),
            state_object: None,
            checks: Default::default(),
        };
        let sha = undone.and_then(|r| r.git_sha.as_deref());
        crate::output::detail(&targets::revert_hint(ctx, name, sha));
        Ok(StepEnd::Recorded(
            entry,
            finished(name, "rolled back to", &report, &settings),
        ))
    })
    .await
}
