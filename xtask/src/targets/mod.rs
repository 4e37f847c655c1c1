//! One pipeline for every target kind; per kind, only what differs.
//!
//! ```text
//! run(ctx, name, noun, dry_run, force_unlock, step):
//!   take the target's lock (not in a dry run)
//!   → step(started): the kind's deploy or rollback → StepEnd (result, maybe a ledger Entry)
//!                                                   | StepError (error, maybe an Entry)
//!   → append the Entry to the ledger, completed with who, when, where and the commit
//!   → release the lock
//!   → the TargetResult, or the error (with what became of the ledger record)
//! ```
//!
//! A kind's folder holds its steps (`deploy.rs`, `rollback.rs`), what it shows
//! (`report.rs`), and its `explain`: its crate's errors in deploy.toml's and the
//! flags' words, bad input staying bad input (exit code 2).

pub mod drift;
pub mod ecs;
pub mod static_site;
pub mod terraform;
pub mod verification;

use std::future::Future;

use crate::config::TargetSettings;
use crate::context::EnvContext;
use crate::plan::PlannedTarget;
use crate::state::checks::Checks;
use crate::state::ledger::{self, Action, Outcome, Record};
use crate::state::lock::Lock;
use crate::state::now_rfc3339;

/// How one target's deploy or rollback ended, for the summary.
#[derive(Debug, Clone)]
pub struct TargetResult {
    pub target: String,
    pub ok: bool,
    /// One line: what was done.
    pub summary: String,
    /// How long it took, when it ran.
    pub duration: Option<std::time::Duration>,
    /// What it pinned and checked (or would, in a dry run), for `--format json`.
    pub checks: Box<Checks>,
}

impl TargetResult {
    pub fn ok(target: &str, summary: impl Into<String>) -> TargetResult {
        TargetResult {
            target: target.into(),
            ok: true,
            summary: summary.into(),
            duration: None,
            checks: Box::default(),
        }
    }

    pub fn failed(target: &str, summary: impl Into<String>) -> TargetResult {
        TargetResult {
            target: target.into(),
            ok: false,
            summary: summary.into(),
            duration: None,
            checks: Box::default(),
        }
    }
}

/// What runs in a target now, as `status` shows it.
#[derive(Debug, Clone)]
pub struct Observed {
    /// A task definition revision, a release, an apply.
    pub running: String,
    pub image: Option<String>,
    pub rollout_in_progress: Option<bool>,
    /// Where what runs differs from the ledger.
    pub drift: Vec<drift::Drift>,
    /// ECS: the running image's tag names other bytes in ECR now.
    pub image_tag_moved: Option<String>,
}

/// What a kind says in its ledger record; the pipeline adds the rest.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: Action,
    /// What this put in place: a task definition ARN, a release id, a commit.
    pub deployed: String,
    pub replaced: Option<String>,
    pub detail: String,
    pub outcome: Outcome,
    pub message: String,
    /// A rollback: the commit of the deploy it rolled away from, when the
    /// ledger knows it (see `Record::seen_commit`).
    pub rolled_away_from: Option<String>,
    /// Terraform targets: the state object the apply left (boxed: most
    /// entries have none, and a step's error carries its entry).
    pub state_object: Option<Box<ledger::StateObject>>,
    /// Boxed: most entries have none, and results travel by value.
    pub checks: Box<Checks>,
}

/// How a kind's step ended.
pub enum StepEnd {
    /// Nothing to record: a dry run, nothing to do, not applied.
    Unrecorded(TargetResult),
    Recorded(Entry, TargetResult),
}

/// A step that failed: its error (already in the user's words) and, when it
/// wrote something, the ledger record that says so.
pub struct StepError {
    pub error: anyhow::Error,
    pub entry: Option<Box<Entry>>,
}

impl From<anyhow::Error> for StepError {
    fn from(error: anyhow::Error) -> StepError {
        StepError { error, entry: None }
    }
}

/// When the step started: ledger ids and release ids are made from it.
#[derive(Debug, Clone)]
pub struct Started {
    pub at: String,
}

/// Runs `step` for target `name` under its lock (none in a dry run, which
/// writes nothing, the ledger included) and records what it did. `noun` names
/// the run in messages ("deploy", "rollback", "terraform run").
pub async fn run<F, Fut>(
    ctx: &EnvContext<'_>,
    name: &str,
    noun: &str,
    dry_run: bool,
    force_unlock: bool,
    step: F,
) -> anyhow::Result<TargetResult>
where
    F: FnOnce(Started) -> Fut,
    Fut: Future<Output = Result<StepEnd, StepError>>,
{
    let lock = ctx
        .store
        .lock_unless_dry_run(name, force_unlock, dry_run)
        .await?;
    let started = Started { at: now_rfc3339() };
    let ended = step(started.clone()).await;
    let (entry, result) = match ended {
        Ok(StepEnd::Unrecorded(result)) => (None, Ok(result)),
        Ok(StepEnd::Recorded(entry, result)) => (Some(entry), Ok(result)),
        Err(StepError { error, entry }) => (entry.map(|e| *e), Err(error)),
    };
    let appended = match entry {
        Some(entry) if !dry_run => ctx.store.append(&record(ctx, name, &started, entry)).await,
        _ => Ok(()),
    };
    Lock::release_taken(lock).await?;
    match (result, appended) {
        (Ok(result), Ok(())) => Ok(result),
        (Ok(_), Err(a)) => Err(anyhow::Error::new(a).context(format!(
            "the {noun} finished but its ledger record was not written"
        ))),
        (Err(e), Ok(())) => Err(e),
        (Err(e), Err(a)) => {
            Err(e.context(format!("its ledger record was not written either: {a}")))
        }
    }
}

fn record(ctx: &EnvContext<'_>, name: &str, started: &Started, entry: Entry) -> Record {
    Record {
        id: ledger::new_id(&started.at),
        target: name.into(),
        env: ctx.env.clone(),
        action: entry.action,
        git_sha: ctx.git_sha.clone(),
        deployed: entry.deployed,
        replaced: entry.replaced,
        detail: entry.detail,
        outcome: entry.outcome,
        message: entry.message,
        started_at: started.at.clone(),
        finished_at: now_rfc3339(),
        who: crate::state::who(),
        rolled_away_from: entry.rolled_away_from,
        state_object: entry.state_object.map(|b| *b),
        checks: *entry.checks,
    }
}

/// The next steps after a rollback, so git stays true to what runs: revert the
/// commit the rolled-back deploy shipped, on a branch from the environment's
/// branch, for a pull request. `-m 1` only for a merge (git refuses it for a
/// plain commit). `None`: the ledger does not know the commit.
pub fn revert_hint(ctx: &EnvContext<'_>, name: &str, sha: Option<&str>) -> String {
    let branch = ctx.ws.config.environments[&ctx.env]
        .branch
        .clone()
        .or_else(|| ctx.ws.config.project.default_branch.clone())
        .unwrap_or_else(|| "main".into());
    let Some(sha) = sha else {
        return format!("IMPORTANT: create a revert PR to keep git history accurate: revert the commit that shipped what was rolled back (see `cargo xtask history {name} {}`) on a branch from {branch}\n", ctx.env);
    };
    let commit = git2::Oid::from_str(sha)
        .ok()
        .and_then(|id| ctx.ws.repo.find_commit(id).ok());
    let revert = match commit.map(|c| c.parent_count()) {
        Some(n) if n > 1 => format!("git revert -m 1 {sha}"),
        _ => format!("git revert {sha}"),
    };
    let short = &sha[..sha.len().min(7)];
    let topic = format!("revert-{name}-{}-{short}", ctx.env);
    format!(
        "IMPORTANT: create a revert PR to keep git history accurate (then open a pull request from {topic} into {branch}):\n  git fetch origin {branch}\n  git switch -c {topic} origin/{branch}\n  {revert}\n  git push origin {topic}\n"
    )
}

/// What every target's deploy takes from the flags.
pub struct DeployOptions {
    pub ecs: ecs::DeployOptions,
    pub site: static_site::SiteOptions,
    pub terraform: terraform::DeployOptions,
    /// Run a static site's `build` first (`--no-build` turns it off).
    pub build: bool,
}

/// One planned target's deploy, by its kind; a static site with a `build` is
/// built first. `alone`: no other target deploys at the same time (a progress
/// bar would be torn by their lines).
pub async fn deploy(
    ctx: &EnvContext<'_>,
    target: &PlannedTarget,
    opts: &DeployOptions,
    alone: bool,
) -> anyhow::Result<TargetResult> {
    let name = target.name.as_str();
    match &target.settings.values {
        TargetSettings::Ecs(ecs) => ecs::deploy(ctx, name, ecs, &opts.ecs).await,
        TargetSettings::StaticSite(site) => {
            if let (Some(build), true) = (&site.build, opts.build) {
                crate::build::run(name, &ctx.ws.root, build, &site.build_env).await?;
            }
            let site_opts = static_site::SiteOptions {
                progress_bar: alone,
                ..opts.site.clone()
            };
            static_site::deploy(ctx, name, site, &site_opts).await
        }
        TargetSettings::Terraform(tf) => terraform::deploy(ctx, name, tf, &opts.terraform).await,
    }
}

/// What every target's rollback takes from the flags.
pub struct RollbackOptions {
    pub ecs: ecs::RollbackOptions,
    pub site: static_site::RollbackOptions,
}

/// One planned target's rollback, by its kind (a terraform target's is a git
/// revert, which `cmd/rollback.rs` prepares without AWS).
pub async fn rollback(
    ctx: &EnvContext<'_>,
    target: &PlannedTarget,
    opts: &RollbackOptions,
) -> anyhow::Result<TargetResult> {
    let name = target.name.as_str();
    match &target.settings.values {
        TargetSettings::Ecs(ecs) => ecs::rollback(ctx, name, ecs, &opts.ecs).await,
        TargetSettings::StaticSite(site) => static_site::rollback(ctx, name, site, &opts.site).await,
        TargetSettings::Terraform(_) => Ok(TargetResult::failed(
            name,
            "shared infrastructure is rolled back with git: git revert -m 1 <merge-commit-sha>, push, and let the deploy run",
        )),
    }
}

/// What runs in one planned target now, by its kind.
pub async fn status(ctx: &EnvContext<'_>, target: &PlannedTarget) -> anyhow::Result<Observed> {
    match &target.settings.values {
        TargetSettings::Ecs(ecs) => ecs::status(ctx, &target.name, ecs)
            .await
            .map_err(anyhow::Error::msg),
        TargetSettings::StaticSite(site) => static_site::status(ctx, &target.name, site).await,
        TargetSettings::Terraform(tf) => terraform::status(ctx, &target.name, tf).await,
    }
}

/// `bootstrap --with-resources` (the local emulator): the target's own
/// resources, created where missing; what was created, or `None` for a kind
/// whose resources Terraform owns.
pub async fn bootstrap(
    ctx: &EnvContext<'_>,
    target: &PlannedTarget,
    image_tags: &[String],
) -> anyhow::Result<Option<Vec<String>>> {
    let name = target.name.clone();
    match &target.settings.values {
        TargetSettings::Ecs(ecs) => {
            let clients = api::Clients::new(&ctx.sdk);
            let done = api::bootstrap(&clients, &ecs.service(), image_tags)
                .await
                .map_err(|e| anyhow::Error::new(e).context(name))?;
            Ok(Some(done.created))
        }
        TargetSettings::StaticSite(site) => {
            // The bucket only: a distribution's id cannot be known before it
            // exists, so deploy.toml could not name one made here.
            let s3 = aws_sdk_s3::Client::new(&ctx.sdk);
            let region = ctx.ws.config.region(&ctx.env);
            let created =
                web_deployer::preview::ensure_private_versioned(&s3, &site.bucket, region)
                    .await
                    .map_err(|e| anyhow::Error::new(e).context(name))?;
            Ok(Some(created))
        }
        TargetSettings::Terraform(_) => Ok(None),
    }
}
