//! Static-site targets: deploy and rollback through the `web-deployer` crate,
//! with the lock, the ledger and the release manifests (in the state bucket)
//! around them.
//!
//! A release is one deploy: its id is the start time and the git sha
//! (`20261126T120000.123Z-3f2c1ab`), its manifest `releases/<target>/<id>.json`.
//! The ledger record of a deploy has `deployed` = the release, `replaced` = the
//! release before; a rollback's has `deployed` = the release it restored, so
//! rolling back twice walks further back, as for ECS.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

use crate::config::{StaticSiteTarget, Target};
use crate::context::{EnvContext, TargetResult};
use crate::error::BadInput;
use crate::state::ledger::{self, Action, Outcome, Record};
use crate::state::lock::Lock;
use crate::state::now_rfc3339;
use crate::state::releases::{release_key, rollback_key};

#[derive(Clone)]
pub struct SiteOptions {
    pub dry_run: bool,
    pub force_unlock: bool,
    pub concurrency: usize,
    pub max_deletes: Option<usize>,
    pub wait: Option<web_deployer::WaitSettings>,
    /// A progress bar on a terminal; off while other targets deploy at the same
    /// time (their lines would tear it), and in CI.
    pub progress_bar: bool,
}

pub async fn deploy(
    ctx: &EnvContext<'_>,
    target: &Target,
    config: &StaticSiteTarget,
    opts: &SiteOptions,
) -> anyhow::Result<TargetResult> {
    let name = target.name.as_str();
    let config = &crate::shared_outputs::fill(ctx, name, config).await?;
    let settings = crate::settings::static_site(&ctx.ws.root, config);
    let clients = web_deployer::Clients::new(&ctx.sdk);
    let lock = ctx
        .store
        .lock_unless_dry_run(name, opts.force_unlock, opts.dry_run)
        .await?;
    let started_at = now_rfc3339();
    let result = deploy_locked(ctx, name, &settings, &clients, opts, &started_at).await;
    Lock::release_taken(lock).await?;
    result
}

async fn deploy_locked(
    ctx: &EnvContext<'_>,
    name: &str,
    settings: &web_deployer::SiteSettings,
    clients: &web_deployer::Clients,
    opts: &SiteOptions,
    started_at: &str,
) -> anyhow::Result<TargetResult> {
    let live = ctx.store.newest(name, ledger::live).await?;
    let live = live.as_ref();
    let previous = match live {
        Some(r) => ctx.store.manifest(&manifest_of(name, r)).await?,
        None => None,
    }
    .map(shared);
    let release = release_id(started_at, ctx.git_sha.as_deref());
    let request = web_deployer::DeployRequest {
        release: release.clone(),
        previous,
        dry_run: opts.dry_run,
        concurrency: opts.concurrency,
        max_deletes: opts.max_deletes,
        wait: opts.wait.clone(),
    };
    let mut progress = Progress::new(name, "upload", opts.progress_bar);
    let result = web_deployer::deploy(clients, settings, request, |e| progress.show(e)).await;
    progress.finish();
    let report = match result {
        Ok(report) => report,
        Err(e) if e.is_bad_input() => return Err(BadInput(format!("{name}: {e}")).into()),
        // A dry run writes nothing, the ledger included.
        Err(e) if opts.dry_run => return Err(anyhow::Error::new(e).context(name.to_string())),
        Err(e) => {
            // Some objects may be written: say so in the ledger.
            let record = Record {
                id: ledger::new_id(started_at),
                target: name.into(),
                env: ctx.env.clone(),
                action: Action::Deploy,
                git_sha: ctx.git_sha.clone(),
                deployed: release.clone(),
                replaced: live.map(|r| r.deployed.clone()),
                detail: String::new(),
                outcome: Outcome::Failed,
                message: format!("deploy of {release} failed part way: {e}; the site may serve a mix: deploy again, or roll back"),
                started_at: started_at.into(),
                finished_at: now_rfc3339(),
                who: crate::state::who(),
            };
            let appended = ctx.store.append(&record).await;
            let err = anyhow::Error::new(e).context(format!(
                "{name}: the deploy of {release} failed part way (deploy again, or `cargo xtask rollback {name} {}`)",
                ctx.env
            ));
            return Err(match appended {
                Ok(()) => err,
                Err(a) => err.context(format!("its ledger record was not written either: {a}")),
            });
        }
    };
    print_plan(name, &report);
    if report.already_deployed {
        return Ok(TargetResult::ok(
            name,
            format!(
                "already deployed: {} unchanged files, nothing to upload{}",
                report.unchanged,
                live.map(|r| format!(" (release {})", r.deployed))
                    .unwrap_or_default()
            ),
        ));
    }
    if report.dry_run {
        return Ok(TargetResult::ok(
            name,
            format!("dry run: would {}", summary(&report)),
        ));
    }

    let manifest = report.manifest.as_ref().expect("a release has a manifest");
    let key = release_key(name, &release);
    ctx.store
        .put_manifest(&key, manifest)
        .await
        .context("the deploy finished but its release manifest was not written")?;
    let record = Record {
        id: ledger::new_id(started_at),
        target: name.into(),
        env: ctx.env.clone(),
        action: Action::Deploy,
        git_sha: ctx.git_sha.clone(),
        deployed: release.clone(),
        replaced: live.map(|r| r.deployed.clone()),
        detail: key,
        outcome: Outcome::Succeeded,
        message: summary(&report),
        started_at: started_at.into(),
        finished_at: now_rfc3339(),
        who: crate::state::who(),
    };
    ctx.store
        .append(&record)
        .await
        .context("the deploy finished but its ledger record was not written")?;
    Ok(finished(name, "deployed", &report, settings))
}

pub struct RollbackOptions {
    pub to: Option<String>,
    pub site: SiteOptions,
}

pub async fn rollback(
    ctx: &EnvContext<'_>,
    target: &Target,
    config: &StaticSiteTarget,
    opts: &RollbackOptions,
) -> anyhow::Result<TargetResult> {
    let name = target.name.as_str();
    let config = &crate::shared_outputs::fill(ctx, name, config).await?;
    let settings = crate::settings::static_site(&ctx.ws.root, config);
    let clients = web_deployer::Clients::new(&ctx.sdk);
    let lock = ctx
        .store
        .lock_unless_dry_run(name, opts.site.force_unlock, opts.site.dry_run)
        .await?;
    let started_at = now_rfc3339();
    let result = rollback_locked(ctx, name, &settings, &clients, opts, &started_at).await;
    Lock::release_taken(lock).await?;
    result
}

async fn rollback_locked(
    ctx: &EnvContext<'_>,
    name: &str,
    settings: &web_deployer::SiteSettings,
    clients: &web_deployer::Clients,
    opts: &RollbackOptions,
    started_at: &str,
) -> anyhow::Result<TargetResult> {
    let history = ctx.store.history(name).await?;
    let live = ledger::live(&history);
    let newest = history.first().ok_or_else(|| {
        BadInput(format!(
            "{name}: no release of {name} in {} in the ledger: nothing to roll back to",
            ctx.env
        ))
    })?;
    // Which release, and why: --to, else after a failed deploy the release it
    // replaced, else the ledger walk (what the deploy of the live release replaced).
    let current = live.map(|r| r.deployed.clone());
    let (to, why, undone) = if let Some(to) = &opts.to {
        (to.clone(), format!("--to {to}"), None)
    } else if newest.action == Action::Deploy && newest.outcome == Outcome::Failed {
        let to = newest.replaced.clone().ok_or_else(|| {
            BadInput(format!(
                "{name}: the first deploy ({}) failed and nothing ran before it: deploy again",
                newest.deployed
            ))
        })?;
        (
            to,
            format!("the deploy of {} failed part way", newest.deployed),
            Some(newest),
        )
    } else {
        let current = current.clone().expect("a ledger with a successful record");
        let undone = ledger::replaced_by_deploy_of(&history, &current).ok_or_else(|| {
            BadInput(format!(
                "{name}: no release before {current} in the ledger to roll back to (pass --to RELEASE; see `cargo xtask history {name} {}`)",
                ctx.env
            ))
        })?;
        (
            undone.replaced.clone().expect("checked by the walk"),
            format!(
                "the ledger: it was live before the deploy of {current} on {}",
                undone.started_at
            ),
            Some(undone),
        )
    };
    let newest_failed = newest.action == Action::Deploy && newest.outcome == Outcome::Failed;
    if Some(&to) == current.as_ref() && !newest_failed {
        return Err(BadInput(format!("{name}: release {to} is already live")).into());
    }
    let target = ctx
        .store
        .manifest(&release_key(name, &to))
        .await?
        .ok_or_else(|| {
            BadInput(format!(
                "--to {to}: no release {to} of {name} in {} (no manifest {}); see `cargo xtask history {name} {}`",
                ctx.env,
                release_key(name, &to),
                ctx.env
            ))
        })?;
    let current_manifest = match live {
        Some(r) => ctx.store.manifest(&manifest_of(name, r)).await?,
        None => None,
    }
    .map(shared);
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
    let result = web_deployer::rollback(clients, settings, &request, |e| progress.show(e)).await;
    progress.finish();
    let report = match result {
        Ok(r) => r,
        Err(e) if e.is_bad_input() => return Err(BadInput(format!("{name}: {e}")).into()),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "{name}: the rollback to {to} failed part way; run it again"
            )))
        }
    };
    print_plan(name, &report);
    if report.dry_run {
        return Ok(TargetResult::ok(
            name,
            format!("dry run: rollback to {to} would {}", summary(&report)),
        ));
    }
    let manifest = report.manifest.as_ref().expect("not a dry run");
    let key = rollback_key(name, &to, started_at);
    ctx.store
        .put_manifest(&key, manifest)
        .await
        .context("the rollback finished but its manifest was not written")?;
    let record = Record {
        id: ledger::new_id(started_at),
        target: name.into(),
        env: ctx.env.clone(),
        action: Action::Rollback,
        git_sha: ctx.git_sha.clone(),
        deployed: to.clone(),
        replaced: current.clone(),
        detail: key,
        outcome: Outcome::Succeeded,
        message: format!("rollback to {to} ({why}): {}", summary(&report)),
        started_at: started_at.into(),
        finished_at: now_rfc3339(),
        who: crate::state::who(),
    };
    ctx.store
        .append(&record)
        .await
        .context("the rollback finished but its ledger record was not written")?;
    let sha = undone
        .and_then(|r| r.git_sha.clone())
        .unwrap_or_else(|| "<merge-commit-sha>".into());
    crate::output::detail(&format!(
        "IMPORTANT: create a revert PR to keep git history accurate:\n  git revert -m 1 {sha}\n"
    ));
    Ok(finished(name, "rolled back to", &report, settings))
}

/// A manifest as read, with its equal headers shared again (memory).
fn shared(mut manifest: web_deployer::Manifest) -> web_deployer::Manifest {
    manifest.share_headers();
    manifest
}

/// The manifest of the state a record left: its `detail`, else the release's.
fn manifest_of(name: &str, record: &Record) -> String {
    if record.detail.starts_with("releases/") {
        record.detail.clone()
    } else {
        release_key(name, &record.deployed)
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

fn summary(report: &web_deployer::SiteReport) -> String {
    let mut s = format!(
        "upload {} ({}), unchanged {}, delete {}, keep for grace {}",
        report.transferred.len(),
        bytes(report.transferred_bytes),
        report.unchanged,
        report.deleted.len(),
        report.kept.len()
    );
    match &report.invalidation {
        Some(inv) => {
            s.push_str(&format!(
                "; invalidate {} path{}",
                inv.paths.len(),
                if inv.paths.len() == 1 { "" } else { "s" }
            ));
            if let Some(id) = &inv.id {
                s.push_str(&format!(" ({id})"));
            }
        }
        None => s.push_str("; no invalidation"),
    }
    s
}

/// The summary after a real run; failed when the invalidation failed or did
/// not complete in time (the release is in place either way).
fn finished(
    name: &str,
    what: &str,
    report: &web_deployer::SiteReport,
    settings: &web_deployer::SiteSettings,
) -> TargetResult {
    let line = format!(
        "{what} {}: uploaded {} ({}), unchanged {}, deleted {}, kept for grace {}, {}",
        report.release,
        report.transferred.len(),
        bytes(report.transferred_bytes),
        report.unchanged,
        report.deleted.len(),
        report.kept.len(),
        match &report.invalidation {
            None => "no invalidation".to_string(),
            Some(inv) => format!(
                "invalidation {} ({} paths){}",
                inv.id.as_deref().unwrap_or("-"),
                inv.paths.len(),
                match inv.completed {
                    Some(true) => ", completed",
                    Some(false) => ", NOT completed in time",
                    None => "",
                }
            ),
        }
    );
    match &report.invalidation {
        Some(inv) if inv.error.is_some() || inv.completed == Some(false) => {
            let distribution = settings.distribution_id.as_deref().unwrap_or("-");
            TargetResult::failed(
                name,
                format!(
                    "{line}; the invalidation {}: invalidate by hand: aws cloudfront create-invalidation --distribution-id {distribution} --paths {}",
                    inv.error.as_deref().unwrap_or("did not complete in time (it goes on in CloudFront)"),
                    inv.paths.join(" ")
                ),
            )
        }
        _ => TargetResult::ok(name, line),
    }
}

/// What a run writes, key by key, on stdout: exactly what `--dry-run` promises.
fn print_plan(name: &str, report: &web_deployer::SiteReport) {
    if !report.dry_run {
        return;
    }
    for (key, change) in &report.transferred {
        let why = match change {
            web_deployer::Change::New => "new",
            web_deployer::Change::Content => "changed",
            web_deployer::Change::Headers => "headers changed",
        };
        crate::output::detail(&format!("{name}: would write {key} ({why})\n"));
    }
    for key in &report.deleted {
        crate::output::detail(&format!("{name}: would delete {key}\n"));
    }
    for key in &report.kept {
        crate::output::detail(&format!("{name}: would keep {key} (grace)\n"));
    }
    if let Some(inv) = &report.invalidation {
        crate::output::detail(&format!(
            "{name}: would invalidate {}\n",
            inv.paths.join(" ")
        ));
    }
}

fn bytes(n: u64) -> String {
    indicatif::HumanBytes(n).to_string()
}

/// Progress on stderr: a bar (files and bytes) on a terminal, plain lines
/// otherwise (CI logs).
struct Progress {
    name: String,
    verb: &'static str,
    bar: Option<ProgressBar>,
    bar_allowed: bool,
    files: (usize, usize),
}

impl Progress {
    fn new(name: &str, verb: &'static str, bar_allowed: bool) -> Progress {
        Progress {
            name: name.into(),
            verb,
            bar: None,
            bar_allowed,
            files: (0, 0),
        }
    }

    fn interactive(&self) -> bool {
        self.bar_allowed && std::io::stderr().is_terminal() && !crate::output::github_actions()
    }

    fn show(&mut self, event: web_deployer::Event<'_>) {
        let name = self.name.clone();
        match event {
            web_deployer::Event::Planned {
                transfers,
                bytes: total,
                unchanged,
                deletes,
                kept,
            } => {
                eprintln!(
                    "{name}: {transfers} to {} ({}), {unchanged} unchanged, {deletes} to delete, {kept} kept for grace",
                    self.verb,
                    bytes(total)
                );
                self.files = (0, transfers);
                if transfers > 0 && self.interactive() {
                    let bar = ProgressBar::new(total);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix} [{bar:30}] {bytes}/{total_bytes} {msg} ({eta})",
                        )
                        .expect("a valid template")
                        .progress_chars("=> "),
                    );
                    bar.set_prefix(name);
                    bar.set_message(format!("0/{transfers} files"));
                    self.bar = Some(bar);
                }
            }
            web_deployer::Event::Transferred { key, bytes: n, .. } => {
                self.files.0 += 1;
                match &self.bar {
                    Some(bar) => {
                        bar.inc(n);
                        bar.set_message(format!("{}/{} files", self.files.0, self.files.1));
                    }
                    None => eprintln!(
                        "{name}: [{}/{}] {} {key} ({})",
                        self.files.0,
                        self.files.1,
                        if self.verb == "upload" {
                            "uploaded"
                        } else {
                            "copied"
                        },
                        bytes(n)
                    ),
                }
            }
            web_deployer::Event::Deleted { count } => {
                self.finish();
                eprintln!("{name}: deleted {count} objects");
            }
            web_deployer::Event::Invalidating { id, paths } => {
                self.finish();
                eprintln!(
                    "{name}: invalidation {id}: {}",
                    if paths.len() > 10 {
                        format!("{} paths", paths.len())
                    } else {
                        paths.join(" ")
                    }
                );
            }
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl SiteOptions {
    pub fn from_flags(
        site: &crate::flags::SiteFlags,
        watch: &crate::flags::WatchFlags,
        dry_run: bool,
        force_unlock: bool,
    ) -> SiteOptions {
        SiteOptions {
            dry_run,
            force_unlock,
            concurrency: site.concurrency,
            max_deletes: site.max_deletes,
            wait: site.wait.then_some(web_deployer::WaitSettings {
                timeout: watch.timeout,
                poll_interval: watch.poll_interval,
            }),
            progress_bar: true,
        }
    }
}
