//! A static-site deploy: compare the build with the live release, write in a
//! safe order, record the release's manifest and the ledger entry.

use anyhow::Context;

use crate::config::StaticSiteTarget;
use crate::context::EnvContext;
use crate::state::ledger::{Action, Outcome};
use crate::state::policy;
use crate::state::releases::release_key;
use crate::targets::{self, Entry, StepEnd, StepError, TargetResult};

use super::progress::Progress;
use super::report::{finished, print_plan, summary};
use super::verified::{verify_release, Verified};
use super::SiteOptions;

pub async fn deploy(
    ctx: &EnvContext<'_>,
    name: &str,
    config: &StaticSiteTarget,
    opts: &SiteOptions,
) -> anyhow::Result<TargetResult> {
    let settings = config.site(&ctx.ws.root);
    let clients = web_deployer::Clients::new(&ctx.sdk);
    targets::run(ctx, name, "deploy", opts.dry_run, opts.force_unlock, |started| async move {
        let poll = opts.wait.as_ref().map_or(std::time::Duration::from_secs(2), |w| w.poll_interval);
        let verification = config.verification(poll);
        let ignored = match &verification {
            Some(v) => targets::verification::before(ctx, name, v).await?,
            None => Vec::new(),
        };
        let live = ctx.store.newest(name, policy::live).await.map_err(anyhow::Error::from)?;
        let live = live.as_ref();
        let previous = super::live_manifest(ctx, name, live).await?;
        // What a failed verification restores.
        let before = live.map(|r| r.deployed.clone()).zip(previous.clone());
        let release = release_id(&started.at, ctx.git_sha.as_deref());
        let replaced = live.map(|r| r.deployed.clone());
        let request = web_deployer::DeployRequest {
            release: release.clone(),
            previous,
            dry_run: opts.dry_run,
            concurrency: opts.concurrency,
            max_deletes: opts.max_deletes,
            wait: opts.wait.clone(),
        };
        let mut progress = Progress::new(name, "upload", opts.progress_bar);
        let result = web_deployer::deploy(&clients, &settings, request, |e| progress.show(e)).await;
        progress.finish();
        let report = match result {
            Ok(report) => report,
            Err(e) if e.is_bad_input() => return Err(super::explain(ctx, name, e).into()),
            // A dry run writes nothing, the ledger included.
            Err(e) if opts.dry_run => {
                return Err(anyhow::Error::new(e).context(name.to_string()).into())
            }
            Err(e) if !progress.writing() => {
                return Err(anyhow::Error::new(e)
                    .context(format!(
                        "{name}: the deploy of {release} failed before it wrote anything (nothing was changed): deploy again"
                    ))
                    .into())
            }
            Err(e) => {
                // Some objects may be written: say so in the ledger.
                let entry = Entry {
                    action: Action::Deploy,
                    deployed: release.clone(),
                    replaced,
                    detail: String::new(),
                    outcome: Outcome::Failed,
                    message: format!("deploy of {release} failed part way: {e}; the site may serve a mix: deploy again, or roll back"),
                    rolled_away_from: None,
                    state_object: None,
                    checks: Default::default(),
                };
                let error = anyhow::Error::new(e).context(format!(
                    "{name}: the deploy of {release} failed part way (deploy again, or `cargo xtask rollback {name} {}`)",
                    ctx.env
                ));
                return Err(StepError {
                    error,
                    entry: Some(Box::new(entry)),
                });
            }
        };
        print_plan(name, &report);
        let manifest = match &report.outcome {
            web_deployer::SiteOutcome::AlreadyDeployed => {
                return Ok(StepEnd::Unrecorded(TargetResult::ok(
                    name,
                    format!(
                        "already deployed: {} unchanged files, nothing to upload{}",
                        report.unchanged,
                        live.map(|r| format!(" (release {})", r.deployed))
                            .unwrap_or_default()
                    ),
                )))
            }
            web_deployer::SiteOutcome::DryRun => {
                let mut result = TargetResult::ok(name, format!("dry run: would {}", summary(&report)));
                if let Some(v) = &verification {
                    crate::output::detail(&targets::verification::planned(name, v));
                    result.checks.verification =
                        Some(targets::verification::check(v, &ignored, None, None));
                }
                return Ok(StepEnd::Unrecorded(result));
            }
            web_deployer::SiteOutcome::Done { manifest } => manifest,
        };
        let key = release_key(name, &release);
        ctx.store
            .put_manifest(&key, manifest)
            .await
            .context("the deploy finished but its release manifest was not written")?;
        let verified = match &verification {
            Some(v) => Some(
                verify_release(
                    ctx, name, &clients, &settings, opts, v, &ignored, &release, manifest, before,
                )
                .await,
            ),
            None => None,
        };
        let mut entry = Entry {
            action: Action::Deploy,
            deployed: release,
            replaced,
            detail: key,
            outcome: Outcome::Succeeded,
            message: summary(&report),
            rolled_away_from: None,
            state_object: None,
            checks: Default::default(),
        };
        let mut result = finished(name, "deployed", &report, &settings);
        match verified {
            None => {}
            Some(Verified::Passed(check)) => {
                entry.checks.verification = Some(check.clone());
                result.checks.verification = Some(check);
            }
            Some(Verified::Failed { check, message }) => {
                entry.outcome = Outcome::Failed;
                entry.message = message.clone();
                entry.checks.verification = Some(check.clone());
                result = TargetResult::failed(name, message);
                result.checks.verification = Some(check);
            }
        }
        Ok(StepEnd::Recorded(entry, result))
    })
    .await
}

/// `20261126T120000.123Z-3f2c1ab`: sortable, and names the commit.
fn release_id(started_at: &str, sha: Option<&str>) -> String {
    let time: String = started_at
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let sha = sha.map_or("nogit", |s| &s[..s.len().min(7)]);
    format!("{time}-{sha}")
}
