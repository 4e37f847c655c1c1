//! A terraform deploy: the stack's folder and the network plan's tfvars first,
//! then under the lock `init`, `plan`, the summary, and `apply` only when
//! approved; an apply (or a failed one) is recorded in the ledger.

use anyhow::Context;

use crate::config::TerraformTarget;
use crate::context::EnvContext;
use crate::error::BadInput;
use crate::state::ledger::{Action, Outcome};
use crate::state::policy;
use crate::targets::{self, Entry, StepEnd, StepError, TargetResult};

use super::{approval, explain_in, network_tfvars, report::show_event, uncommitted, DeployOptions};

pub async fn deploy(
    ctx: &EnvContext<'_>,
    name: &str,
    config: &TerraformTarget,
    opts: &DeployOptions,
) -> anyhow::Result<TargetResult> {
    let region = ctx.ws.config.region(&ctx.env);
    let settings = config.stack(&ctx.ws.root, region);
    if !settings.dir.is_dir() {
        return Err(BadInput::error(format!(
            "{name}: {}: no such folder (check targets.{name}.dir in {})",
            settings.dir.display(),
            ctx.ws.config.file.display()
        )));
    }
    let terraform = shared_infra::Terraform::from_env().map_err(|e| explain_in(ctx, name, e))?;
    eprintln!("{name}: terraform is {}", terraform.program().display());
    if let Some((path, text)) = network_tfvars(&ctx.ws.config, name, config, &ctx.env)? {
        let full = ctx.ws.root.join(&path);
        if std::fs::read_to_string(&full).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&full, &text).with_context(|| format!("writing {}", full.display()))?;
            eprintln!(
                "{name}: wrote {} from the network plan in {} (it was missing or different: commit it)",
                path.display(),
                ctx.ws.config.file.display()
            );
        }
    }
    // Terraform applies the folder as it is on disk, which the ledger's commit
    // may not describe.
    let dirty = uncommitted(&ctx.ws.repo, &config.dir);
    if let Some(paths) = &dirty {
        eprintln!(
            "{name}: WARNING: {} has uncommitted changes ({paths}): the plan is of the working tree, not of the commit",
            config.dir
        );
    }
    let approval = approval(opts.approve);
    let request = shared_infra::DeployRequest {
        dry_run: opts.dry_run,
        approval: approval.clone(),
        expected_plan: opts.expect_plan.clone(),
    };
    let noun = "terraform run";
    targets::run(
        ctx,
        name,
        noun,
        opts.dry_run,
        opts.force_unlock,
        |_| async move {
            let run = {
                let (name, settings, env) = (name.to_string(), settings.clone(), ctx.env.clone());
                // `vars`, their {TARGET.OUTPUT}s filled: the module's input variables.
                let variables: shared_infra::Variables = config.vars.clone();
                tokio::task::spawn_blocking(move || {
                    shared_infra::deploy_with_variables(
                        &terraform,
                        &settings,
                        &variables,
                        &request,
                        |e| show_event(&name, &env, e),
                    )
                })
            };
            let report = run
                .await
                .map_err(|panicked| {
                    anyhow::Error::new(panicked).context(format!("{name}: the terraform run"))
                })?
                .map_err(|e| explain_in(ctx, name, e))?;
            let entry = match entry(ctx, &report, &approval, &dirty) {
                Some(mut entry) => {
                    // What ran before: the commit of the last successful apply.
                    entry.replaced = ctx
                        .store
                        .newest(name, policy::last_deploy)
                        .await
                        .map_err(anyhow::Error::from)?
                        .map(|r| r.deployed);
                    entry.state_object =
                        super::status::state_object(ctx, name, config.state(region))
                            .await
                            .map(Box::new);
                    Some(entry)
                }
                None => None,
            };
            let result = result(ctx, name, &report)?;
            Ok(match entry {
                Some(entry) => StepEnd::Recorded(entry, result),
                None => StepEnd::Unrecorded(result),
            })
        },
    )
    .await
}

/// The ledger entry of an apply (or of an apply that failed part way); none
/// when nothing was applied.
fn entry(
    ctx: &EnvContext<'_>,
    report: &shared_infra::DeployReport,
    approval: &Option<shared_infra::Approval>,
    dirty: &Option<String>,
) -> Option<Entry> {
    let (outcome, message) = match &report.outcome {
        // The fingerprint ties the record to the plan its reviewers saw.
        shared_infra::DeployOutcome::Applied => (
            Outcome::Succeeded,
            format!("applied plan {}", report.summary.fingerprint),
        ),
        shared_infra::DeployOutcome::ApplyFailed { message } => (
            Outcome::Failed,
            format!("apply failed part way (some changes may be in place): {message}"),
        ),
        _ => return None,
    };
    let approved = approval.as_ref().map_or_else(
        || "no approval needed".into(),
        |a| format!("approved by {}", a.describe()),
    );
    Some(Entry {
        action: Action::Deploy,
        // The commit applied.
        deployed: ctx.git_sha.clone().unwrap_or_else(|| "(no commit)".into()),
        replaced: None,
        detail: report.summary.headline(),
        outcome,
        message: match dirty {
            Some(paths) => format!("{message}; {approved}; with uncommitted changes: {paths}"),
            None => format!("{message}; {approved}"),
        },
        rolled_away_from: None,
        state_object: None,
        checks: Default::default(),
    })
}

fn result(
    ctx: &EnvContext<'_>,
    name: &str,
    report: &shared_infra::DeployReport,
) -> Result<TargetResult, StepError> {
    let headline = report.summary.headline();
    let env = &ctx.env;
    Ok(match &report.outcome {
        shared_infra::DeployOutcome::NoChanges => TargetResult::ok(name, headline),
        shared_infra::DeployOutcome::DryRun => {
            TargetResult::ok(name, format!("dry run, not applied: {headline}"))
        }
        shared_infra::DeployOutcome::NeedsApproval => {
            return Err(BadInput::error(format!(
                "{name}: not applied: {name} needs approval (approval = true): review the plan above, then rerun with --approve ({headline})"
            ))
            .into())
        }
        shared_infra::DeployOutcome::Applied => {
            TargetResult::ok(name, format!("applied: {headline}"))
        }
        shared_infra::DeployOutcome::PlanChanged { expected } => TargetResult::failed(
            name,
            format!(
                "not applied: the plan is not the one reviewed (its fingerprint is {}, the reviewed one {expected}); the stack or its code changed since: plan again (`cargo xtask deploy {name} --env {env} --dry-run`) and review that plan",
                if report.summary.fingerprint.is_empty() { "empty: no changes" } else { &report.summary.fingerprint }
            ),
        ),
        shared_infra::DeployOutcome::ApplyFailed { message } => TargetResult::failed(
            name,
            format!(
                "terraform apply failed part way, some changes may be in place ({message}); see what remains with `cargo xtask deploy {name} --env {env} --dry-run`, fix, and deploy again"
            ),
        ),
    })
}
