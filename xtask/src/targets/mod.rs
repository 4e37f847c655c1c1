//! Running planned targets: one pipeline for every kind (`pipeline.rs`: the
//! alarms read → lock → the kind's step → verification → ledger entry → release), and a folder per
//! kind with only what differs — its steps (`deploy.rs`, `rollback.rs`), what
//! it shows (`report.rs`, `status.rs`) and its rows of [`explain`]: its crate's
//! errors in deploy.toml's and the flags' words, bad input staying bad input
//! (exit code 2).
//!
//! A kind's step function does what must happen before the lock (input checks
//! that need AWS, a build) and returns the [`pipeline::Step`] to run under it;
//! [`run`] hands it to the pipeline, the one place that does.

pub mod drift;
pub mod ecs;
mod entry;
mod explain;
pub mod pipeline;
pub mod static_site;
pub mod terraform;
pub mod verification;

pub use entry::Entry;
pub use explain::explain;

use crate::context::EnvContext;
use crate::plan::{PlannedTarget, Settings};
use crate::state::checks::Checks;
use pipeline::{Job, Locking, Mode, Revert, Step};

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
    /// A rollback: the revert that keeps git true to what runs now.
    pub revert: Option<Revert>,
    /// A failed deploy: the check that stopped it and who put back what ran
    /// before (the kind knows; the pipeline puts it in the notice).
    pub stopped: Option<crate::notify::Stopped>,
    /// What a notification says of it: the pipeline fills it from what it
    /// recorded; without one, it is told from `ok` and `summary`.
    pub notice: Option<Box<crate::notify::Notice>>,
}

impl TargetResult {
    pub fn ok(target: &str, summary: impl Into<String>) -> TargetResult {
        TargetResult {
            target: target.into(),
            ok: true,
            summary: summary.into(),
            duration: None,
            checks: Box::default(),
            revert: None,
            stopped: None,
            notice: None,
        }
    }

    pub fn failed(target: &str, summary: impl Into<String>) -> TargetResult {
        TargetResult {
            ok: false,
            ..TargetResult::ok(target, summary)
        }
    }

    /// A target that did not run because `why`.
    pub fn skipped(target: &str, why: impl Into<String>) -> TargetResult {
        let why = why.into();
        let notice = crate::notify::Notice::new(crate::notify::Outcome::Skipped).because(&why);
        TargetResult {
            notice: Some(Box::new(notice)),
            ..TargetResult::failed(target, why)
        }
    }

    /// What a notification says of it: its notice, else failed (with its
    /// summary as the reason) or done.
    pub fn notice(&self) -> crate::notify::Notice {
        use crate::notify::{Notice, Outcome};
        match &self.notice {
            Some(n) => (**n).clone(),
            None if self.ok => Notice::new(Outcome::Deployed),
            None => Notice::new(Outcome::Failed).because(&self.summary),
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
    /// ECS: the deployment in progress, with its strategy and lifecycle stage.
    pub deployment: Option<String>,
    /// Where what runs differs from the ledger.
    pub drift: Vec<drift::Drift>,
    /// Static sites: files of earlier releases kept for the grace period.
    pub kept: Vec<drift::Kept>,
    /// ECS: the running image's tag names other bytes in ECR now.
    pub image_tag_moved: Option<String>,
}

/// What every target's deploy takes from the flags.
pub struct DeployOptions {
    pub mode: Mode,
    pub ecs: ecs::DeployOptions,
    pub site: static_site::SiteOptions,
    pub terraform: terraform::DeployOptions,
    /// Run a static site's `build` first (`--no-build` turns it off).
    pub build: bool,
}

impl DeployOptions {
    /// A deploy of static sites alone (a preview): the other kinds' options
    /// are not read.
    pub fn site_only(site: static_site::SiteOptions) -> DeployOptions {
        DeployOptions {
            mode: Mode::Write,
            ecs: ecs::DeployOptions {
                image_tag: String::new(),
                build_image: false,
                rollback_on_failure: true,
                watch: api::WatchSettings::default(),
            },
            site,
            terraform: terraform::DeployOptions {
                approve: false,
                expect_plan: None,
            },
            build: false,
        }
    }
}

/// What every target's rollback takes from the flags.
pub struct RollbackOptions {
    pub mode: Mode,
    pub ecs: ecs::RollbackOptions,
    pub site: static_site::RollbackOptions,
    pub terraform: terraform::RollbackOptions,
}

/// What to run for a target.
#[derive(Clone, Copy)]
pub enum Run<'a> {
    /// `alone`: no other target deploys at the same time (a progress bar
    /// would be torn by their lines).
    Deploy {
        opts: &'a DeployOptions,
        alone: bool,
    },
    Rollback(&'a RollbackOptions),
}

/// One planned target's deploy or rollback, through the pipeline.
pub async fn run(
    ctx: &EnvContext,
    target: &PlannedTarget,
    what: Run<'_>,
) -> anyhow::Result<TargetResult> {
    let job = job(target, what);
    let step = match what {
        Run::Deploy { opts, alone } => deploy(ctx, target, opts, alone).await?,
        Run::Rollback(opts) => rollback(ctx, target, opts).await?,
    };
    pipeline::run(ctx, job, step).await
}

/// What the pipeline needs to know around the target's step.
fn job<'a>(target: &'a PlannedTarget, what: Run<'_>) -> Job<'a> {
    let name = target.name.as_str();
    let terraform = matches!(target.settings, Settings::Terraform(_));
    match what {
        Run::Deploy { opts, .. } => {
            let poll = match &target.settings {
                Settings::StaticSite(_) => opts.site.verify_poll(),
                _ => opts.ecs.watch.poll_interval,
            };
            let verify = target.settings.verify().map(|v| verify::VerifySettings {
                poll_interval: poll,
                ..v.clone()
            });
            Job {
                target: name,
                noun: if terraform { "terraform run" } else { "deploy" },
                mode: opts.mode,
                locking: Locking::TargetLock,
                verify,
            }
        }
        Run::Rollback(opts) => Job {
            target: name,
            noun: "rollback",
            mode: opts.mode,
            // A terraform rollback prepares a git revert: nothing remote to lock.
            locking: if terraform {
                Locking::None
            } else {
                Locking::TargetLock
            },
            verify: None,
        },
    }
}

/// The kind's deploy step; a static site with a `build` is built first.
async fn deploy<'a>(
    ctx: &'a EnvContext,
    target: &'a PlannedTarget,
    opts: &'a DeployOptions,
    alone: bool,
) -> anyhow::Result<Step<'a>> {
    let (name, mode) = (target.name.as_str(), opts.mode);
    match &target.settings {
        Settings::Ecs(s) => ecs::deploy(ctx, name, s, &opts.ecs, mode).await,
        Settings::StaticSite(s) => {
            if let (Some(build), true) = (&s.build, opts.build) {
                crate::build::run(name, build).await?;
            }
            let site = static_site::SiteOptions {
                progress_bar: alone,
                ..opts.site.clone()
            };
            static_site::deploy(ctx, name, s, site, mode).await
        }
        Settings::Terraform(s) => terraform::deploy(ctx, name, s, &opts.terraform, mode).await,
    }
}

/// The kind's rollback step.
async fn rollback<'a>(
    ctx: &'a EnvContext,
    target: &'a PlannedTarget,
    opts: &'a RollbackOptions,
) -> anyhow::Result<Step<'a>> {
    let (name, mode) = (target.name.as_str(), opts.mode);
    match &target.settings {
        Settings::Ecs(s) => ecs::rollback(ctx, name, s, &opts.ecs, mode).await,
        Settings::StaticSite(s) => static_site::rollback(ctx, name, s, &opts.site, mode).await,
        Settings::Terraform(_) => terraform::rollback(ctx, name, &opts.terraform, mode).await,
    }
}

/// What runs in one planned target now, by its kind.
pub async fn status(ctx: &EnvContext, target: &PlannedTarget) -> anyhow::Result<Observed> {
    match &target.settings {
        Settings::Ecs(s) => Ok(ecs::status(ctx, &target.name, s).await?),
        Settings::StaticSite(s) => static_site::status(ctx, &target.name, s).await,
        Settings::Terraform(s) => terraform::status(ctx, &target.name, s).await,
    }
}

/// `bootstrap --with-resources` (the local emulator): the target's own
/// resources, created where missing; what was created, or `None` for a kind
/// whose resources Terraform owns.
pub async fn bootstrap(
    ctx: &EnvContext,
    target: &PlannedTarget,
    image_tags: &[String],
) -> anyhow::Result<Option<Vec<String>>> {
    let name = target.name.clone();
    match &target.settings {
        Settings::Ecs(s) => {
            let clients = api::Clients::new(&ctx.sdk);
            let done = api::bootstrap(&clients, &s.service, image_tags)
                .await
                .map_err(|e| anyhow::Error::new(e).context(name))?;
            Ok(Some(done.created))
        }
        Settings::StaticSite(s) => {
            // The bucket only: a distribution's id cannot be known before it
            // exists, so deploy.toml could not name one made here.
            let s3 = aws_sdk_s3::Client::new(&ctx.sdk);
            let region = &ctx.env.region;
            let created =
                web_deployer::preview::ensure_private_versioned(&s3, &s.site.bucket, region)
                    .await
                    .map_err(|e| anyhow::Error::new(e).context(name))?;
            Ok(Some(created))
        }
        Settings::Terraform(_) => Ok(None),
    }
}
