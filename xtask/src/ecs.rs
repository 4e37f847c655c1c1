//! ECS targets: deploy and rollback through the `api` crate, with the lock and
//! the ledger around them.

use anyhow::Context;

use crate::config::{EcsTarget, Target};
use crate::context::{EnvContext, TargetResult};
use crate::error::BadInput;
use crate::state::ledger::{self, Action, Outcome, Record};
use crate::state::lock::Lock;
use crate::state::now_rfc3339;

pub struct DeployOptions {
    pub image_tag: String,
    /// Build and push the image first when the target has a `dockerfile` and
    /// the tag is not in ECR (`--no-build` turns it off).
    pub build_image: bool,
    pub dry_run: bool,
    pub rollback_on_failure: bool,
    pub force_unlock: bool,
    pub watch: api::WatchSettings,
}

pub async fn deploy(
    ctx: &EnvContext<'_>,
    target: &Target,
    config: &EcsTarget,
    opts: &DeployOptions,
) -> anyhow::Result<TargetResult> {
    let name = target.name.as_str();
    let config = &crate::shared_outputs::fill(ctx, name, config).await?;
    let settings = crate::settings::ecs_service(config);
    let clients = api::Clients::new(&ctx.sdk);
    let tag_will_be_pushed = if opts.build_image {
        crate::image::ensure(
            &clients,
            name,
            &ctx.ws.config.file,
            &ctx.ws.root,
            config,
            &opts.image_tag,
            opts.dry_run,
        )
        .await?
    } else {
        false
    };
    let request = api::DeployRequest {
        image_tag: opts.image_tag.clone(),
        dry_run: opts.dry_run,
        tag_will_be_pushed,
        rollback_on_failure: opts.rollback_on_failure,
        watch: opts.watch.clone(),
    };
    let lock = ctx
        .store
        .lock_unless_dry_run(name, opts.force_unlock, opts.dry_run)
        .await?;
    let started_at = now_rfc3339();
    let mut progress = ProgressPrinter::new(name);
    let result = api::deploy(&clients, &settings, &request, |e| progress.show(e)).await;

    let record = match &result {
        Ok(report) => deploy_record(ctx, name, &started_at, report),
        Err(_) => None,
    };
    let appended = match &record {
        Some(r) => ctx.store.append(r).await.map_err(anyhow::Error::from),
        None => Ok(()),
    };
    Lock::release_taken(lock).await?;
    let report = result.map_err(|e| {
        if e.is_bad_input() {
            api_error(name, e)
        } else {
            // Cut off part way (after the SDK's retries): the service may have
            // been pointed at the new revision, and nothing watches it now.
            anyhow::Error::new(e).context(format!(
                "{name}: the deploy stopped part way; the service may be rolling out a new revision: see `cargo xtask status --env {env}`, and `cargo xtask rollback {name} {env}` puts the revision it ran before back",
                env = ctx.env
            ))
        }
    })?;
    appended.context("the deploy finished but its ledger record was not written")?;
    Ok(deploy_result(name, &settings, &report))
}

fn deploy_record(
    ctx: &EnvContext<'_>,
    name: &str,
    started_at: &str,
    report: &api::DeployReport,
) -> Option<Record> {
    let (deployed, outcome, message) = match &report.outcome {
        api::DeployOutcome::AlreadyDeployed | api::DeployOutcome::DryRun { .. } => return None,
        api::DeployOutcome::Deployed { to } => (
            to,
            Outcome::Succeeded,
            format!("{} runs {}", to.short(), report.image),
        ),
        api::DeployOutcome::Failed { to, end, rollback } => (
            to,
            Outcome::Failed,
            failure_message(to, end, rollback, &report.from),
        ),
    };
    Some(Record {
        id: ledger::new_id(started_at),
        target: name.into(),
        env: ctx.env.clone(),
        action: Action::Deploy,
        git_sha: ctx.git_sha.clone(),
        deployed: deployed.arn.clone(),
        replaced: Some(report.from.arn.clone()),
        detail: report.image.clone(),
        outcome,
        message,
        started_at: started_at.into(),
        finished_at: now_rfc3339(),
        who: crate::state::who(),
    })
}

fn failure_message(
    to: &api::Revision,
    end: &api::RolloutEnd,
    rollback: &Option<api::RolloutEnd>,
    from: &api::Revision,
) -> String {
    let now = match rollback {
        Some(r) if r.succeeded() => format!("rolled back: {} runs again", from.short()),
        Some(r) => format!("the rollback to {} also {}", from.short(), r.describe()),
        None => format!(
            "--no-rollback: left as it is ({} may still be rolling out)",
            to.short()
        ),
    };
    format!("rollout of {} {}; {now}", to.short(), end.describe())
}

fn deploy_result(
    name: &str,
    settings: &api::ServiceSettings,
    report: &api::DeployReport,
) -> TargetResult {
    match &report.outcome {
        api::DeployOutcome::AlreadyDeployed => TargetResult::ok(
            name,
            format!("already deployed: {} runs {}", report.from.short(), report.image),
        ),
        api::DeployOutcome::DryRun { diff } => {
            crate::output::detail(&format!("{name}: would register a new revision of {} and update {}:\n", report.from.family, settings.service));
            crate::output::detail(diff);
            TargetResult::ok(
                name,
                format!("dry run: {} → {} ({} → {})", report.from.short(), "a new revision", report.from_image, report.image),
            )
        }
        api::DeployOutcome::Deployed { to } => TargetResult::ok(
            name,
            format!("deployed {} ({}), replacing {}", to.short(), report.image, report.from.short()),
        ),
        api::DeployOutcome::Failed { to, end, rollback } => TargetResult::failed(
            name,
            format!(
                "{}. See the service events: aws ecs describe-services --cluster {} --services {} --query 'services[0].events[:10]'",
                failure_message(to, end, rollback, &report.from),
                settings.cluster,
                settings.service
            ),
        ),
    }
}

pub struct RollbackOptions {
    pub to: Option<String>,
    pub dry_run: bool,
    pub force_unlock: bool,
    pub watch: api::WatchSettings,
}

pub async fn rollback(
    ctx: &EnvContext<'_>,
    target: &Target,
    config: &EcsTarget,
    opts: &RollbackOptions,
) -> anyhow::Result<TargetResult> {
    let name = target.name.as_str();
    let config = &crate::shared_outputs::fill(ctx, name, config).await?;
    let settings = crate::settings::ecs_service(config);
    let clients = api::Clients::new(&ctx.sdk);
    let current = api::current_task_definition(&clients.ecs, &settings)
        .await
        .map_err(|e| api_error(name, e))?;
    let history = ctx.store.history(name).await?;

    // Which revision, and why: --to, else the ledger, else the highest ACTIVE below.
    let undone = ledger::replaced_by_deploy_of(&history, &current.revision.arn);
    let (to, why) = match (&opts.to, undone) {
        (Some(to), _) => (
            api::resolve_revision(&clients.ecs, &current.revision, to).await,
            format!("--to {to}"),
        ),
        (None, Some(record)) => {
            let rev = api::Revision::parse(record.replaced.as_deref().unwrap_or_default());
            let why = format!(
                "the ledger: it ran before the deploy of {} on {}",
                current.revision.short(),
                record.started_at
            );
            (
                rev.ok_or_else(|| {
                    api::ApiError::TaskDefinitionNotFound(
                        record.replaced.clone().unwrap_or_default(),
                    )
                }),
                why,
            )
        }
        (None, None) => (
            api::previous_active(&clients.ecs, &current.revision).await,
            "no ledger record: the highest ACTIVE revision below the current one".into(),
        ),
    };
    let to = to.map_err(|e| api_error(name, e))?;
    if to == current.revision {
        return Err(BadInput(format!("{name}: {} is already running", to.short())).into());
    }
    eprintln!(
        "{name}: rolling back {} → {} ({why})",
        current.revision.short(),
        to.short()
    );
    if opts.dry_run {
        return Ok(TargetResult::ok(
            name,
            format!(
                "dry run: would update {} from {} to {}",
                settings.service,
                current.revision.short(),
                to.short()
            ),
        ));
    }

    let lock = ctx.store.lock(name, opts.force_unlock).await?;
    let started_at = now_rfc3339();
    let mut progress = ProgressPrinter::new(name);
    let result = api::rollback(
        &clients,
        &settings,
        &current.revision,
        &to,
        false,
        &opts.watch,
        |e| progress.show(e),
    )
    .await;
    let record = result.as_ref().ok().map(|report| {
        let end = report.end.clone().expect("not a dry run");
        Record {
            id: ledger::new_id(&started_at),
            target: name.into(),
            env: ctx.env.clone(),
            action: Action::Rollback,
            git_sha: ctx.git_sha.clone(),
            deployed: to.arn.clone(),
            replaced: Some(current.revision.arn.clone()),
            detail: why.clone(),
            outcome: if end.succeeded() {
                Outcome::Succeeded
            } else {
                Outcome::Failed
            },
            message: format!("rollback to {} {}", to.short(), end.describe()),
            started_at: started_at.clone(),
            finished_at: now_rfc3339(),
            who: crate::state::who(),
        }
    });
    let appended = match &record {
        Some(r) => ctx.store.append(r).await.map_err(anyhow::Error::from),
        None => Ok(()),
    };
    lock.release().await?;
    let report = result.map_err(|e| api_error(name, e))?;
    appended.context("the rollback finished but its ledger record was not written")?;
    let end = report.end.expect("not a dry run");
    if !end.succeeded() {
        return Ok(TargetResult::failed(
            name,
            format!(
                "rollback to {} {}. See the service events: aws ecs describe-services --cluster {} --services {} --query 'services[0].events[:10]'",
                to.short(), end.describe(), settings.cluster, settings.service
            ),
        ));
    }
    // The seeds' runbook: keep git history true to what runs.
    let sha = undone
        .and_then(|r| r.git_sha.clone())
        .unwrap_or_else(|| "<merge-commit-sha>".into());
    crate::output::detail(&format!("IMPORTANT: create a revert PR to keep git history accurate:\n  git revert -m 1 {sha}\n  git push origin {}\n", ctx.ws.config.environments[&ctx.env].branch.as_deref().unwrap_or("main")));
    Ok(TargetResult::ok(
        name,
        format!("rolled back {} → {}", current.revision.short(), to.short()),
    ))
}

/// An `api` error with the target's name; bad input stays bad input (exit 2).
pub(crate) fn api_error(name: &str, e: api::ApiError) -> anyhow::Error {
    if e.is_bad_input() {
        BadInput(format!("{name}: {e}")).into()
    } else {
        anyhow::Error::new(e).context(name.to_string())
    }
}

/// Progress lines on stderr: each change of counts once, each service event once.
struct ProgressPrinter {
    name: String,
    last: Option<(i32, i32, i32, i32, String)>,
}

impl ProgressPrinter {
    fn new(name: &str) -> ProgressPrinter {
        ProgressPrinter {
            name: name.into(),
            last: None,
        }
    }

    fn show(&mut self, event: api::DeployEvent<'_>) {
        let name = &self.name;
        match event {
            api::DeployEvent::Registered(rev) => eprintln!("{name}: registered {}", rev.short()),
            api::DeployEvent::RollingBack { from, to } => {
                self.last = None;
                eprintln!(
                    "{name}: rolling back from {} to {}",
                    from.short(),
                    to.short()
                )
            }
            api::DeployEvent::Rollout(_, p) if p.retrying.is_some() => {
                eprintln!("{name}: {}", p.retrying.as_deref().unwrap_or_default());
            }
            api::DeployEvent::Rollout(rev, p) => {
                for e in &p.new_events {
                    eprintln!("{name}: event: {e}");
                }
                let now = (p.running, p.pending, p.desired, p.failed, p.state.clone());
                if self.last.as_ref() != Some(&now) {
                    eprintln!(
                        "{name}: {} {}/{} running, {} pending, {} failed{}",
                        rev.short(),
                        p.running,
                        p.desired,
                        p.pending,
                        p.failed,
                        if p.state.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", p.state)
                        }
                    );
                    self.last = Some(now);
                }
            }
        }
    }
}
