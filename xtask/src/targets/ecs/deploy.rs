//! An ECS deploy: the image, the next revision, the `before_rollout` task, the
//! rollout (rolled back on failure unless `--no-rollback`), and its ledger entry.

use crate::config::EcsTarget;
use crate::context::EnvContext;
use crate::state::checks::{Checks, VerificationCheck};
use crate::state::ledger::{Action, Outcome};
use crate::targets::{self, verification, Entry, StepEnd, StepError, TargetResult};

use super::before_rollout;
use super::report::{self, ProgressPrinter};

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
    name: &str,
    config: &EcsTarget,
    opts: &DeployOptions,
) -> anyhow::Result<TargetResult> {
    let settings = config.service();
    let clients = api::Clients::new(&ctx.sdk);
    let tag_will_be_pushed = if opts.build_image {
        super::image::ensure(ctx, &clients, name, config, &opts.image_tag, opts.dry_run).await?
    } else {
        false
    };
    let request = api::DeployRequest {
        image_tag: opts.image_tag.clone(),
        dry_run: opts.dry_run,
        tag_will_be_pushed,
        rollback_on_failure: opts.rollback_on_failure,
        before_rollout: config.before_rollout(),
        watch: opts.watch.clone(),
    };
    let region = ctx.ws.config.region(&ctx.env);
    targets::run(
        ctx,
        name,
        "deploy",
        opts.dry_run,
        opts.force_unlock,
        |_| async {
            let verification = config.verification(opts.watch.poll_interval);
            let ignored = match &verification {
                Some(v) => verification::before(ctx, name, v).await?,
                None => Vec::new(),
            };
            let mut progress = ProgressPrinter::new(name, region);
            let result = api::deploy(&clients, &settings, &request, |e| progress.show(e)).await;
            let report = result.map_err(|e| failed(ctx, name, &settings, &progress, e))?;
            let end = ended(name, &settings, &request, region, &report);
            let Some(v) = &verification else {
                return Ok(end);
            };
            Ok(match &report.outcome {
                api::DeployOutcome::DryRun { .. } => {
                    crate::output::detail(&verification::planned(name, v));
                    with_verification(end, verification::check(v, &ignored, None, None))
                }
                api::DeployOutcome::Deployed { to } => {
                    let verdict = verification::run(ctx, name, v, &ignored).await;
                    let verdict = verdict.unwrap_or_else(|e| verify::Verdict::SmokeFailed {
                        url: "(none)".into(),
                        expected: 0,
                        last: crate::error::one_line(&e),
                        after: std::time::Duration::ZERO,
                    });
                    if verdict.passed() {
                        with_verification(
                            end,
                            verification::check(v, &ignored, Some(&verdict), None),
                        )
                    } else {
                        verification_failed(
                            ctx,
                            name,
                            &clients,
                            &settings,
                            opts,
                            &mut progress,
                            &report,
                            to,
                            end,
                            v,
                            &ignored,
                            &verdict,
                        )
                        .await?
                    }
                }
                _ => end,
            })
        },
    )
    .await
}

/// The error of a deploy that did not finish: cut off part way (after the SDK's
/// retries), the service may have been pointed at the new revision.
fn failed(
    ctx: &EnvContext<'_>,
    name: &str,
    settings: &api::ServiceSettings,
    progress: &ProgressPrinter,
    e: api::ApiError,
) -> StepError {
    let env = &ctx.env;
    let error = if e.is_bad_input() {
        super::explain(ctx, name, e)
    } else if progress.in_before_rollout() {
        anyhow::Error::new(e).context(format!(
            "{name}: the deploy stopped while its before_rollout task ran; the service was not touched (the task may still run: see `aws ecs list-tasks --cluster {} --started-by xtask-before-rollout`)",
            settings.cluster
        ))
    } else if !progress.registered() {
        anyhow::Error::new(e).context(format!(
            "{name}: the deploy failed before it changed anything (nothing was changed): run it again"
        ))
    } else {
        anyhow::Error::new(e).context(format!(
            "{name}: the deploy stopped part way; the service may be rolling out a new revision: see `cargo xtask status --env {env}`, and `cargo xtask rollback {name} {env}` puts the revision it ran before back"
        ))
    };
    error.into()
}

fn ended(
    name: &str,
    settings: &api::ServiceSettings,
    request: &api::DeployRequest,
    region: &str,
    report: &api::DeployReport,
) -> StepEnd {
    let task = request.before_rollout.as_ref();
    let checks = Checks {
        image_tag: Some(report.image_tag.clone()),
        image_digest: report.image_digest.clone(),
        before_rollout: task.and_then(|t| match (&report.outcome, &report.before_rollout) {
            (api::DeployOutcome::DryRun { .. }, _) => Some(before_rollout::check(t, None)),
            (_, Some(run)) => Some(before_rollout::check(t, Some(run))),
            (_, None) => None,
        }),
        verification: None,
    };
    let entry = |to: &api::Revision, outcome, message| Entry {
        action: Action::Deploy,
        deployed: to.arn.clone(),
        replaced: Some(report.from.arn.clone()),
        detail: report.image.clone(),
        outcome,
        message,
        rolled_away_from: None,
        state_object: None,
        checks: Box::new(checks.clone()),
    };
    let end = match &report.outcome {
        api::DeployOutcome::AlreadyDeployed => StepEnd::Unrecorded(TargetResult::ok(
            name,
            format!(
                "already deployed: {} runs {}",
                report.from.short(),
                report.image
            ),
        )),
        api::DeployOutcome::DryRun { diff } => {
            crate::output::detail(&format!(
                "{name}: would register a new revision of {} and update {}:\n",
                report.from.family, settings.service
            ));
            crate::output::detail(diff);
            if let Some(task) = task {
                crate::output::detail(&format!(
                    "{name}: before the rollout, would run `{}` in container {} of the new revision on cluster {}, as the service runs its tasks (network configuration, launch type or capacity providers), within {}; the rollout would start only if it exits 0\n",
                    before_rollout::command_line(task),
                    task.container,
                    settings.cluster,
                    humantime::format_duration(task.timeout)
                ));
            }
            StepEnd::Unrecorded(TargetResult::ok(
                name,
                format!(
                    "dry run: {} → a new revision ({} → {})",
                    report.from.short(),
                    report.from_image,
                    report.image
                ),
            ))
        }
        api::DeployOutcome::Deployed { to } => StepEnd::Recorded(
            entry(
                to,
                Outcome::Succeeded,
                format!("{} runs {}", to.short(), report.image),
            ),
            TargetResult::ok(
                name,
                format!(
                    "deployed {} ({}), replacing {}",
                    to.short(),
                    report.image,
                    report.from.short()
                ),
            ),
        ),
        api::DeployOutcome::BeforeRolloutFailed { to } => {
            let task = task.expect("a before_rollout task ran");
            let run = report.before_rollout.as_ref().expect("its run is reported");
            let message = format!(
                "before_rollout `{}` {}{}; the service was not touched: {} runs; {} never ran and was deregistered",
                before_rollout::command_line(task),
                run.describe(),
                run.task_arn.as_deref().map(|a| format!(" (task {a})")).unwrap_or_default(),
                report.from.short(),
                to.short()
            );
            let logs = run
                .logs
                .as_ref()
                .map(|l| format!(" {}", before_rollout::logs_hint(l, region)))
                .unwrap_or_default();
            StepEnd::Recorded(
                entry(to, Outcome::Failed, message.clone()),
                TargetResult::failed(name, format!("{message}.{logs}")),
            )
        }
        api::DeployOutcome::Failed { to, end, rollback } => {
            let message = report::rollout_failure(to, end, rollback, &report.from);
            StepEnd::Recorded(
                entry(to, Outcome::Failed, message.clone()),
                TargetResult::failed(name, format!("{message}. {}", super::events_hint(settings))),
            )
        }
    };
    with_checks(end, checks)
}

/// A failed verification rolls back like a failed rollout: the service goes
/// back to the revision it ran before (unless `--no-rollback`).
#[allow(clippy::too_many_arguments)]
async fn verification_failed(
    ctx: &EnvContext<'_>,
    name: &str,
    clients: &api::Clients,
    settings: &api::ServiceSettings,
    opts: &DeployOptions,
    progress: &mut ProgressPrinter,
    report: &api::DeployReport,
    to: &api::Revision,
    end: StepEnd,
    v: &verify::VerifySettings,
    ignored: &[String],
    verdict: &verify::Verdict,
) -> Result<StepEnd, StepError> {
    let from = &report.from;
    let now = if opts.rollback_on_failure {
        let back = api::rollback(clients, settings, to, from, &opts.watch, |e| progress.show(e))
            .await
            .map_err(|e| {
                StepError::from(anyhow::Error::new(e).context(format!(
                    "{name}: the verification failed ({}) and the rollback to {} stopped part way: see `cargo xtask status --env {}`",
                    verdict.describe(),
                    from.short(),
                    ctx.env
                )))
            })?;
        if back.end.succeeded() {
            format!("rolled back: {} runs again", from.short())
        } else {
            format!(
                "the rollback to {} also {}",
                from.short(),
                back.end.describe()
            )
        }
    } else {
        format!("--no-rollback: left as it is ({} runs)", to.short())
    };
    let mut checks = match &end {
        StepEnd::Unrecorded(r) | StepEnd::Recorded(_, r) => r.checks.clone(),
    };
    checks.verification = Some(verification::check(
        v,
        ignored,
        Some(verdict),
        Some(now.clone()),
    ));
    let message = format!(
        "{} was deployed, then verification failed: {}; {now}",
        to.short(),
        verdict.describe()
    );
    let entry = Entry {
        action: Action::Deploy,
        deployed: to.arn.clone(),
        replaced: Some(from.arn.clone()),
        detail: report.image.clone(),
        outcome: Outcome::Failed,
        message: message.clone(),
        rolled_away_from: None,
        state_object: None,
        checks: checks.clone(),
    };
    let mut result = TargetResult::failed(name, message);
    result.checks = checks;
    Ok(StepEnd::Recorded(entry, result))
}

/// Adds the verification to what the result and the ledger record carry.
fn with_verification(end: StepEnd, check: VerificationCheck) -> StepEnd {
    match end {
        StepEnd::Unrecorded(mut result) => {
            result.checks.verification = Some(check);
            StepEnd::Unrecorded(result)
        }
        StepEnd::Recorded(mut entry, mut result) => {
            entry.checks.verification = Some(check.clone());
            result.checks.verification = Some(check);
            StepEnd::Recorded(entry, result)
        }
    }
}

/// The result carries what was pinned and checked, for `--format json`.
fn with_checks(end: StepEnd, checks: Checks) -> StepEnd {
    match end {
        StepEnd::Unrecorded(mut result) => {
            result.checks = Box::new(checks);
            StepEnd::Unrecorded(result)
        }
        StepEnd::Recorded(entry, mut result) => {
            result.checks = Box::new(checks);
            StepEnd::Recorded(entry, result)
        }
    }
}
