//! A static-site rollback: the release the ledger's policy names (or `--to`),
//! restored by server-side copies of its recorded object versions.

use anyhow::Context;

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::plan::SiteSettings;
use crate::state::ledger::{Action, Detail, Outcome, Record};
use crate::state::policy::{self, NoSiteRollback, SiteRollback};
use crate::state::releases::{release_key, rollback_key};
use crate::targets::pipeline::{self, Mode, Step, StepEnd};
use crate::targets::{explain, Entry, TargetResult};

use super::progress::Progress;
use super::report::{finished, print_plan, summary};
use super::SiteOptions;

pub struct RollbackOptions {
    pub to: Option<String>,
    pub site: SiteOptions,
}

pub async fn rollback<'a>(
    ctx: &'a EnvContext,
    name: &'a str,
    s: &'a SiteSettings,
    opts: &'a RollbackOptions,
    mode: Mode,
) -> anyhow::Result<Step<'a>> {
    // What to roll back to is decided from the ledger before the lock too, so
    // a rollback with nothing to go back to, or to a release that is not
    // there, writes nothing (the lock included); it is decided again under it.
    let history = ctx.store.history(name).await?;
    let (to, _, _) = choose(ctx, name, &history, opts.to.as_deref())?;
    release_manifest(ctx, name, &to).await?;
    Ok(Box::new(move |started| {
        Box::pin(async move {
            let history = ctx.store.history(name).await.map_err(anyhow::Error::from)?;
            let live = policy::live(&history);
            let current = live.map(|r| r.deployed.clone());
            let (to, why, undone) = choose(ctx, name, &history, opts.to.as_deref())?;
            let target = release_manifest(ctx, name, &to).await?;
            // What the bucket serves, files kept for the grace included (after
            // a failed verification, the restore's manifest).
            let state = policy::site_state(&history);
            let current_manifest = super::live_manifest(ctx, name, state).await?;
            let from = current.as_deref().unwrap_or("(unknown)");
            eprintln!("{name}: rolling back {from} → {to} ({why})");
            let request = web_deployer::RollbackRequest {
                target,
                current: current_manifest,
                dry_run: mode.dry_run(),
                concurrency: opts.site.concurrency,
                max_deletes: opts.site.max_deletes,
                wait: opts.site.wait.clone(),
            };
            let clients = web_deployer::Clients::new(&ctx.sdk);
            let mut progress = Progress::new(name, "copy", true);
            let result = web_deployer::rollback(&clients, &s.site, &request, |e| progress.show(e));
            let result = result.await;
            progress.finish();
            let report = match result {
                Ok(r) => r,
                Err(e) if e.is_bad_input() => return Err(explain(ctx, name, e).into()),
                Err(e) => {
                    let again =
                        format!("{name}: the rollback to {to} failed part way; run it again");
                    return Err(anyhow::Error::new(e).context(again).into());
                }
            };
            print_plan(name, &report);
            let web_deployer::SiteOutcome::Done { manifest } = &report.outcome else {
                // A rollback always copies (it never finds the release "already deployed").
                let summary = format!("dry run: rollback to {to} would {}", summary(&report));
                return Ok(StepEnd::Unrecorded(TargetResult::ok(name, summary)));
            };
            let key = rollback_key(name, &to, &started.at);
            ctx.store
                .put_manifest(&key, manifest)
                .await
                .context("the rollback finished but its manifest was not written")?;
            let rolled = pipeline::rolled_away(undone, live);
            let message = format!("rollback to {to} ({why}): {}", summary(&report));
            let entry = Entry::rollback(&to, current, Detail::Manifest(key), message, rolled.from);
            let mut result = finished(name, "rolled back to", &report, &s.site);
            result.revert = Some(rolled.revert);
            Ok(StepEnd::Recorded(entry, result))
        })
    }))
}

/// Which release, why, and the deploy it undoes: `--to`, else the ledger's policy.
fn choose<'h>(
    ctx: &EnvContext,
    name: &str,
    history: &'h [Record],
    to: Option<&str>,
) -> anyhow::Result<(String, String, Option<&'h Record>)> {
    let (to, why, undone) = match to {
        Some(to) => (to.to_string(), format!("--to {to}"), None),
        None => by_policy(ctx, name, history)?,
    };
    // After a failed deploy the bucket may serve a mix: restoring the live
    // release is what puts it right.
    let current = policy::live(history).map(|r| r.deployed.as_str());
    let newest_failed = history
        .first()
        .is_some_and(|n| n.action == Action::Deploy && n.outcome == Outcome::Failed);
    if Some(to.as_str()) == current && !newest_failed {
        return Err(BadInput::error(format!(
            "{name}: release {to} is already live"
        )));
    }
    Ok((to, why, undone))
}

/// What the ledger's policy rolls back to.
fn by_policy<'h>(
    ctx: &EnvContext,
    name: &str,
    history: &'h [Record],
) -> anyhow::Result<(String, String, Option<&'h Record>)> {
    let env = &ctx.env.name;
    let chosen = policy::site_rollback(history).map_err(|no| {
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
    })?;
    Ok(match chosen {
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
    })
}

/// The manifest a deploy of release `to` wrote; bad input when there is none.
async fn release_manifest(
    ctx: &EnvContext,
    name: &str,
    to: &str,
) -> anyhow::Result<web_deployer::Manifest> {
    let key = release_key(name, to);
    let env = &ctx.env.name;
    ctx.store.manifest(&key).await?.ok_or_else(|| {
        BadInput::error(format!(
            "--to {to}: no release {to} of {name} in {env} (no manifest {key}); see `cargo xtask history {name} {env}`"
        ))
    })
}
