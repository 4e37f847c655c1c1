//! A static-site deploy: compare the build with the live release, write in a
//! safe order, record the release's manifest and the ledger entry; a failed
//! verification restores the release before (`restore.rs`).

use anyhow::Context;

use crate::context::EnvContext;
use crate::plan::SiteSettings;
use crate::state::ledger::Detail;
use crate::state::policy;
use crate::state::releases::release_key;
use crate::targets::pipeline::{self, Mode, Step, StepEnd, StepError};
use crate::targets::{explain, Entry, TargetResult};

use super::progress::Progress;
use super::report::{finished, print_plan, summary};
use super::restore::{restore, Restore};
use super::SiteOptions;

pub async fn deploy<'a>(
    ctx: &'a EnvContext,
    name: &'a str,
    s: &'a SiteSettings,
    opts: SiteOptions,
    mode: Mode,
) -> anyhow::Result<Step<'a>> {
    // Bad input the build, the bucket or the distribution show is refused
    // before the lock: the build walked, read-only calls for the rest.
    let clients = web_deployer::Clients::new(&ctx.sdk);
    let prepared = match web_deployer::prepare(&clients, &s.site).await {
        Ok(p) => p,
        Err(e) if e.is_bad_input() => return Err(explain(ctx, name, e)),
        Err(e) => {
            let what = "the deploy";
            return Err(pipeline::failed_before_writing(name, what, e).error);
        }
    };
    Ok(Box::new(move |started| {
        Box::pin(async move {
            // What the bucket serves: the live release, or the one a failed
            // verification restored (with what it keeps for the grace).
            let live = ctx.store.newest(name, policy::site_state).await;
            let live = live.map_err(anyhow::Error::from)?;
            let previous = super::live_manifest(ctx, name, live.as_ref()).await?;
            let replaced = live.as_ref().map(|r| policy::served(r).to_string());
            // What a failed verification restores.
            let before = replaced.clone().zip(previous.clone());
            let release = release_id(&started.at, ctx.git_sha.as_deref());
            let request = web_deployer::DeployRequest {
                release: release.clone(),
                previous,
                dry_run: mode.dry_run(),
                concurrency: opts.concurrency,
                max_deletes: opts.max_deletes,
                wait: opts.wait.clone(),
                prepared: Some(prepared),
            };
            let mut progress = Progress::new(name, "upload", opts.progress_bar);
            let result = web_deployer::deploy(&clients, &s.site, request, |e| progress.show(e));
            let result = result.await;
            progress.finish();
            let failure = Failure {
                ctx,
                name,
                release: &release,
                replaced: &replaced,
            };
            let report = result.map_err(|e| failure.error(e, progress.writing(), mode))?;
            print_plan(name, &report);
            let manifest = match &report.outcome {
                web_deployer::SiteOutcome::AlreadyDeployed => {
                    let live = replaced.map(|r| format!(" (release {r})"));
                    let summary = format!(
                        "already deployed: {} unchanged files, nothing to upload{}",
                        report.unchanged,
                        live.unwrap_or_default()
                    );
                    return Ok(StepEnd::Unrecorded(TargetResult::ok(name, summary)));
                }
                web_deployer::SiteOutcome::DryRun => {
                    let summary = format!("dry run: would {}", summary(&report));
                    return Ok(StepEnd::DryRun(TargetResult::ok(name, summary)));
                }
                web_deployer::SiteOutcome::Done { manifest } => manifest,
            };
            let key = release_key(name, &release);
            ctx.store
                .put_manifest(&key, manifest)
                .await
                .context("the deploy finished but its release manifest was not written")?;
            let entry = Entry::deploy(&release, replaced, Detail::Manifest(key), summary(&report));
            let undo = Restore {
                ctx,
                name,
                s,
                opts,
                release: release.clone(),
                deployed: manifest.clone(),
                before,
            };
            Ok(StepEnd::Deployed {
                entry,
                result: finished(name, "deployed", &report, &s.site),
                what: release,
                undo: restore(undo),
                settle: None,
            })
        })
    }))
}

/// How a deploy that did not finish is told, and recorded when it wrote.
struct Failure<'a> {
    ctx: &'a EnvContext,
    name: &'a str,
    release: &'a str,
    replaced: &'a Option<String>,
}

impl Failure<'_> {
    fn error(&self, e: web_deployer::WebError, writing: bool, mode: Mode) -> StepError {
        let (ctx, name, release) = (self.ctx, self.name, self.release);
        let what = format!("the deploy of {release}");
        match e {
            e if e.is_bad_input() => explain(ctx, name, e).into(),
            // A dry run writes nothing, the ledger included.
            e if mode.dry_run() => anyhow::Error::new(e).context(name.to_string()).into(),
            e if !writing => pipeline::failed_before_writing(name, &what, e),
            e => {
                // Some objects may be written: say so in the ledger.
                let entry = Entry::deploy(release, self.replaced.clone(), Detail::None, "").failed(
                    format!("deploy of {release} failed part way: {e}; the site may serve a mix: deploy again, or roll back"),
                );
                let state = "the site may serve a mix of releases";
                pipeline::failed_part_way(ctx, name, &what, state, e, Some(entry))
            }
        }
    }
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
