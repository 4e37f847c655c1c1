//! An ECS deploy: the image, the next revision, the `before_rollout` task, the
//! rollout (rolled back on failure unless `--no-rollback`), and its ledger
//! entry; a failed verification rolls back the same way (the pipeline calls
//! [`undo`]).

use crate::context::EnvContext;
use crate::plan::EcsSettings;
use crate::state::checks::Checks;
use crate::state::ledger::Detail;
use crate::targets::pipeline::{self, Mode, Step, StepEnd, StepError, Undo, Undone};
use crate::targets::{explain, Entry, TargetResult};

use super::before_rollout;
use super::report::{self, ProgressPrinter};

pub struct DeployOptions {
    pub image_tag: String,
    /// Build and push the image first when the target has a `dockerfile` and
    /// the tag is not in ECR (`--no-build` turns it off).
    pub build_image: bool,
    pub rollback_on_failure: bool,
    pub watch: api::WatchSettings,
}

/// Before the lock: the image (built and pushed when it must be); then the step.
pub async fn deploy<'a>(
    ctx: &'a EnvContext,
    name: &'a str,
    s: &'a EcsSettings,
    opts: &'a DeployOptions,
    mode: Mode,
) -> anyhow::Result<Step<'a>> {
    let clients = api::Clients::new(&ctx.sdk);
    let tag_will_be_pushed = match (&s.image_build, opts.build_image) {
        (Some(build), true) => {
            let image = super::image::Image {
                target: name,
                repository: &s.service.ecr_repository,
                tag: &opts.image_tag,
            };
            super::image::ensure(ctx, &clients, &image, build, mode).await?
        }
        _ => false,
    };
    let request = api::DeployRequest {
        image_tag: opts.image_tag.clone(),
        dry_run: mode.dry_run(),
        tag_will_be_pushed,
        rollback_on_failure: opts.rollback_on_failure,
        before_rollout: s.before_rollout.clone(),
        watch: opts.watch.clone(),
    };
    let run = Run {
        ctx,
        name,
        s,
        opts,
        clients,
    };
    Ok(Box::new(move |_| {
        Box::pin(async move {
            let mut progress = ProgressPrinter::new(name, &ctx.env.region);
            let result = api::deploy(&run.clients, &s.service, &request, |e| progress.show(e));
            let report = result
                .await
                .map_err(|e| failed(ctx, name, &s.service, &progress, e))?;
            let end = ended(name, s, &request, &ctx.env.region, &report);
            Ok(match (end, &report.outcome) {
                (StepEnd::Recorded(entry, result), api::DeployOutcome::Deployed { to }) => {
                    StepEnd::Deployed {
                        entry,
                        result,
                        what: to.short(),
                        undo: undo(run, progress, to.clone(), report.from.clone()),
                    }
                }
                (end, _) => end,
            })
        })
    }))
}

/// One deploy's inputs, shared by its step and its undo.
struct Run<'a> {
    ctx: &'a EnvContext,
    name: &'a str,
    s: &'a EcsSettings,
    opts: &'a DeployOptions,
    clients: api::Clients,
}

/// The error of a deploy that did not finish: cut off part way (after the SDK's
/// retries), the service may have been pointed at the new revision.
fn failed(
    ctx: &EnvContext,
    name: &str,
    settings: &api::ServiceSettings,
    progress: &ProgressPrinter,
    e: api::ApiError,
) -> StepError {
    if e.is_bad_input() {
        explain(ctx, name, e).into()
    } else if progress.in_before_rollout() {
        anyhow::Error::new(e).context(format!(
            "{name}: the deploy stopped while its before_rollout task ran; the service was not touched (the task may still run: see `aws ecs list-tasks --cluster {} --started-by xtask-before-rollout`)",
            settings.cluster
        )).into()
    } else if !progress.registered() {
        pipeline::failed_before_writing(name, "the deploy", e)
    } else {
        let state = "the service may be rolling out a new revision";
        pipeline::failed_part_way(ctx, name, "the deploy", state, e, None)
    }
}

/// The step's end from the crate's report: what the ledger records, what the
/// summary says.
fn ended<'a>(
    name: &str,
    s: &EcsSettings,
    request: &api::DeployRequest,
    region: &str,
    report: &api::DeployReport,
) -> StepEnd<'a> {
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
    let entry = |to: &api::Revision, message: String| {
        Entry::deploy(
            &to.arn,
            Some(report.from.arn.clone()),
            Detail::Image(report.image.clone()),
            message,
        )
        .with_checks(checks.clone())
    };
    let (entry, mut result) = match &report.outcome {
        api::DeployOutcome::AlreadyDeployed => (
            None,
            TargetResult::ok(
                name,
                format!(
                    "already deployed: {} runs {}",
                    report.from.short(),
                    report.image
                ),
            ),
        ),
        api::DeployOutcome::DryRun { diff } => {
            let mut result = dry_run(name, s, task, report, diff);
            result.checks = Box::new(checks);
            return StepEnd::DryRun(result);
        }
        api::DeployOutcome::Deployed { to } => (
            Some(entry(to, format!("{} runs {}", to.short(), report.image))),
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
            let (message, logs) = before_rollout::failure(task, report, to, region);
            let mut result = TargetResult::failed(name, format!("{message}.{logs}"));
            result.stopped = Some(crate::notify::Stopped {
                check: crate::notify::Check::BeforeRollout,
                put_back_by: None,
            });
            (
                Some(entry(to, message.clone()).failed(message.clone())),
                result,
            )
        }
        api::DeployOutcome::Failed { to, end, rollback } => {
            let message = report::rollout_failure(to, end, rollback, &report.from);
            let hint = super::events_hint(&s.service);
            let mut result = TargetResult::failed(name, format!("{message}. {hint}"));
            result.stopped = Some(report::stopped(end, rollback));
            (
                Some(entry(to, message.clone()).failed(message.clone())),
                result,
            )
        }
    };
    result.checks = Box::new(checks);
    match entry {
        Some(entry) => StepEnd::Recorded(entry, result),
        None => StepEnd::Unrecorded(result),
    }
}

/// What a dry run would do, printed; its summary.
fn dry_run(
    name: &str,
    s: &EcsSettings,
    task: Option<&api::OneOffTask>,
    report: &api::DeployReport,
    diff: &str,
) -> TargetResult {
    crate::output::detail(&format!(
        "{name}: would register a new revision of {} and update {}:\n",
        report.from.family, s.service.service
    ));
    crate::output::detail(diff);
    if let Some(task) = task {
        crate::output::detail(&before_rollout::planned(name, task, &s.service.cluster));
    }
    TargetResult::ok(
        name,
        format!(
            "dry run: {} → a new revision ({} → {})",
            report.from.short(),
            report.from_image,
            report.image
        ),
    )
}

/// After a failed verification: the service back on the revision it ran
/// before, as after a failed rollout (unless `--no-rollback`).
fn undo<'a>(
    run: Run<'a>,
    mut progress: ProgressPrinter,
    to: api::Revision,
    from: api::Revision,
) -> Undo<'a> {
    Box::new(move || {
        Box::pin(async move {
            let Run {
                ctx,
                name,
                s,
                opts,
                clients,
            } = run;
            if !opts.rollback_on_failure {
                return Ok(Undone {
                    now: format!("--no-rollback: left as it is ({} runs)", to.short()),
                    put_back: false,
                });
            }
            let back = api::rollback(&clients, &s.service, &to, &from, &opts.watch, |e| {
                progress.show(e)
            })
            .await
            .map_err(|e| {
                StepError::from(anyhow::Error::new(e).context(format!(
                    "{name}: the rollback to {} stopped part way: see `cargo xtask status --env {}`",
                    from.short(),
                    ctx.env.name
                )))
            })?;
            let put_back = back.end.succeeded();
            let now = if put_back {
                format!("rolled back: {} runs again", from.short())
            } else {
                format!(
                    "the rollback to {} also {}",
                    from.short(),
                    back.end.describe()
                )
            };
            Ok(Undone { now, put_back })
        })
    })
}
