//! An ECS deploy: the image, the next revision, the rollout (rolled back on
//! failure unless `--no-rollback`), and its ledger entry.

use crate::config::EcsTarget;
use crate::context::EnvContext;
use crate::state::checks::Checks;
use crate::state::ledger::{Action, Outcome};
use crate::targets::{self, Entry, StepEnd, StepError, TargetResult};

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
        watch: opts.watch.clone(),
    };
    targets::run(
        ctx,
        name,
        "deploy",
        opts.dry_run,
        opts.force_unlock,
        |_| async {
            let mut progress = ProgressPrinter::new(name);
            let result = api::deploy(&clients, &settings, &request, |e| progress.show(e)).await;
            let report = result.map_err(|e| failed(ctx, name, progress.registered(), e))?;
            Ok(ended(name, &settings, &report))
        },
    )
    .await
}

/// The error of a deploy that did not finish: cut off part way (after the SDK's
/// retries), the service may have been pointed at the new revision.
fn failed(ctx: &EnvContext<'_>, name: &str, registered: bool, e: api::ApiError) -> StepError {
    let env = &ctx.env;
    let error = if e.is_bad_input() {
        super::explain(ctx, name, e)
    } else if !registered {
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

fn ended(name: &str, settings: &api::ServiceSettings, report: &api::DeployReport) -> StepEnd {
    let checks = Checks {
        image_tag: Some(report.image_tag.clone()),
        image_digest: report.image_digest.clone(),
    };
    let entry = |to: &api::Revision, outcome, message| Entry {
        action: Action::Deploy,
        deployed: to.arn.clone(),
        replaced: Some(report.from.arn.clone()),
        detail: report.image.clone(),
        outcome,
        message,
        checks: checks.clone(),
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

/// The result carries what was pinned and checked, for `--format json`.
fn with_checks(end: StepEnd, checks: Checks) -> StepEnd {
    match end {
        StepEnd::Unrecorded(mut result) => {
            result.checks = checks;
            StepEnd::Unrecorded(result)
        }
        StepEnd::Recorded(entry, mut result) => {
            result.checks = checks;
            StepEnd::Recorded(entry, result)
        }
    }
}
