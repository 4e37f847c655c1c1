//! An ECS deploy: the service checked (ECS's own deployment controller) and
//! the image (built for the task definition's platform when it must be), the
//! next revision, the `before_rollout` task, the rollout and its ledger entry.
//! A failed rollout is undone by the crate (StopServiceDeployment while a
//! blue/green deployment is in flight, else UpdateService; nothing when ECS
//! rolled back itself or another deployment superseded ours). With a
//! verification, a BLUE_GREEN, LINEAR or CANARY deployment is handed to the
//! pipeline at BAKE_TIME: its settle watches the rest while the pipeline
//! verifies, and its undo stops it with a rollback ([`in_flight`]).

use crate::context::EnvContext;
use crate::plan::EcsSettings;
use crate::state::checks::{Checks, RolloutCheck};
use crate::state::ledger::Detail;
use crate::targets::pipeline::{self, Mode, Step, StepEnd, StepError};
use crate::targets::{explain, Entry, TargetResult};

use super::before_rollout;
use super::in_flight::{self, Run};
use super::report::{self, ProgressPrinter};

pub struct DeployOptions {
    pub image_tag: String,
    /// Build and push the image first when the target has a `dockerfile` and
    /// the tag is not in ECR (`--no-build` turns it off).
    pub build_image: bool,
    pub rollback_on_failure: bool,
    pub watch: api::WatchSettings,
}

/// Before the lock: the service (a CODE_DEPLOY or EXTERNAL controller is
/// refused here, before any image is pushed or revision registered) and the
/// image (built and pushed when it must be); then the step.
pub async fn deploy<'a>(
    ctx: &'a EnvContext,
    name: &'a str,
    s: &'a EcsSettings,
    opts: &'a DeployOptions,
    mode: Mode,
) -> anyhow::Result<Step<'a>> {
    let clients = api::Clients::new(&ctx.sdk);
    let current = api::current_task_definition(&clients.ecs, &s.service)
        .await
        .map_err(|e| explain(ctx, name, e))?;
    let tag_will_be_pushed = match (&s.image_build, opts.build_image) {
        (Some(build), true) => {
            let image = super::image::Image {
                target: name,
                repository: &s.service.ecr_repository,
                tag: &opts.image_tag,
                platform: super::image::platform(build, &current),
            };
            super::image::ensure(ctx, &clients, &image, build, mode).await?
        }
        _ => false,
    };
    // A tag that is not in ECR and will not be pushed is bad input: found here,
    // before the lock, not by the crate under it.
    if !tag_will_be_pushed {
        api::resolve_image(&clients.ecr, &s.service.ecr_repository, &opts.image_tag)
            .await
            .map_err(|e| explain(ctx, name, e))?;
    }
    let request = api::DeployRequest {
        image_tag: opts.image_tag.clone(),
        dry_run: mode.dry_run(),
        tag_will_be_pushed,
        rollback_on_failure: opts.rollback_on_failure,
        before_rollout: s.before_rollout.clone(),
        watch: opts.watch.clone(),
        verify_in_bake: false,
    };
    let run = Run {
        ctx,
        name,
        s,
        opts,
        clients,
    };
    Ok(Box::new(move |started| {
        Box::pin(async move {
            // A verification runs during ECS's bake, while the old revision
            // still runs: the crate hands the deployment back then.
            let request = api::DeployRequest {
                verify_in_bake: started.verifies,
                ..request
            };
            let mut progress = ProgressPrinter::new(name, &ctx.env.region);
            let mut cancel = None;
            let result = api::deploy(&run.clients, &s.service, &request, |e| {
                if let api::DeployEvent::Updated(rollout) = &e {
                    if !progress.rolling_back() {
                        cancel = in_flight::on_interrupt(&run, &started, &progress, rollout);
                    }
                }
                progress.show(e)
            });
            let report = result
                .await
                .map_err(|e| failed(ctx, name, &s.service, &progress, e))?;
            let end = ended(name, s, &request, &ctx.env.region, &report);
            // Kept while ECS's deployment is in flight: in its bake only.
            let cancel = match &report.outcome {
                api::DeployOutcome::Baking { .. } => cancel.map(std::rc::Rc::new),
                _ => None,
            };
            Ok(match (end, report.outcome) {
                (StepEnd::Recorded(entry, result), api::DeployOutcome::Deployed { to }) => {
                    StepEnd::Deployed {
                        entry,
                        result,
                        what: to.short(),
                        undo: in_flight::undo(run, progress, None, to, report.from, None),
                        settle: None,
                    }
                }
                (StepEnd::Recorded(entry, result), api::DeployOutcome::Baking { to, rollout }) => {
                    warn_longer_bake(name, s, &rollout.strategy);
                    let what = format!("{} ({})", to.short(), rollout.strategy.name);
                    StepEnd::Deployed {
                        entry,
                        result,
                        what,
                        settle: Some(in_flight::settle(
                            &run,
                            progress.clone(),
                            rollout.clone(),
                            report.from.clone(),
                            cancel.clone(),
                        )),
                        undo: in_flight::undo(
                            run,
                            progress,
                            Some(rollout),
                            to,
                            report.from,
                            cancel,
                        ),
                    }
                }
                (end, _) => end,
            })
        })
    }))
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

/// The ledger's record of the deployment ECS ran, from the crate's report;
/// `None` when nothing rolled out.
pub(super) fn rollout_check(report: &api::DeployReport) -> Option<RolloutCheck> {
    let check = |ended: &str, reason: Option<String>, undone_by: Option<String>| RolloutCheck {
        strategy: report.strategy.name.clone(),
        service_deployment: report.service_deployment.clone(),
        ended: ended.to_string(),
        reason,
        undone_by,
    };
    match &report.outcome {
        api::DeployOutcome::Deployed { .. } => Some(check("SUCCESSFUL", None, None)),
        api::DeployOutcome::Baking { .. } => Some(check("IN_PROGRESS", None, None)),
        api::DeployOutcome::Failed { end, recovery, .. } => {
            let undone_by = match recovery {
                api::Recovery::NotAsked => None,
                api::Recovery::LeftToEcs => Some("ECS (nothing of ours was sent)".to_string()),
                api::Recovery::RolledBack(r) => Some(r.via.as_str().to_string()),
            };
            Some(check(end.status_word(), Some(end.describe()), undone_by))
        }
        _ => None,
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
        rollout: rollout_check(report),
        ..Checks::default()
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
    let deployed = |to: &api::Revision| {
        (
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
        )
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
        api::DeployOutcome::Deployed { to } | api::DeployOutcome::Baking { to, .. } => deployed(to),
        api::DeployOutcome::BeforeRolloutFailed { to } => {
            let (message, logs) = before_rollout::failure(task, report, to, region);
            let mut result = TargetResult::failed(name, format!("{message}.{logs}"));
            result.stopped = Some(crate::notify::Stopped {
                check: crate::notify::Check::BeforeRollout,
                put_back_by: None,
                superseded_by: None,
            });
            (Some(entry(to, message.clone()).failed(message)), result)
        }
        api::DeployOutcome::Failed { to, end, recovery } => {
            let message = report::rollout_failure(to, end, recovery, &report.from);
            let hint = super::events_hint(&s.service);
            let mut result = TargetResult::failed(name, format!("{message}. {hint}"));
            result.stopped = Some(report::stopped(end, recovery));
            (Some(entry(to, message.clone()).failed(message)), result)
        }
    };
    result.checks = Box::new(checks);
    match entry {
        Some(entry) => StepEnd::Recorded(entry, result),
        None => StepEnd::Unrecorded(result),
    }
}

/// The verification's own alarm watch outlasting ECS's bake: ECS finishes
/// first, and a failure after that is undone with an UpdateService.
fn warn_longer_bake(name: &str, s: &EcsSettings, strategy: &api::Strategy) {
    if let Some(v) = s.verify.as_ref().filter(|v| !v.alarms.is_empty()) {
        if v.bake > strategy.bake {
            eprintln!(
                "{name}: warning: `bake` ({}) is longer than ECS's bakeTimeInMinutes ({}): ECS may finish its deployment first; a failure after that is rolled back with UpdateService, not StopServiceDeployment",
                humantime::format_duration(v.bake),
                humantime::format_duration(strategy.bake)
            );
        }
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
        "{name}: would register a new revision of {} and update {}, which ECS deploys {}:\n",
        report.from.family,
        s.service.service,
        report.strategy.describe()
    ));
    crate::output::detail(diff);
    if let Some(task) = task {
        crate::output::detail(&before_rollout::planned(name, task, &s.service.cluster));
    }
    if s.verify.is_some() && report.strategy.shifts_traffic() {
        crate::output::detail(&format!(
            "{name}: the verification would run during ECS's BAKE_TIME, while {} still runs; a failure would stop the deployment with StopServiceDeployment(ROLLBACK)\n",
            report.from.short()
        ));
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
