//! A terraform deploy: before the lock, the stack's folder, terraform itself and
//! the network plan's tfvars (made by `ci generate`, checked here); then under
//! the lock `init`, `plan`, the summary, and `apply` only when approved. An
//! apply (or a failed one) is recorded in the ledger.

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::plan::{GeneratedFile, StackSettings};
use crate::state::ledger::Detail;
use crate::state::policy;
use crate::targets::pipeline::{Mode, Step, StepEnd, StepError};
use crate::targets::{explain, Entry, TargetResult};

use super::{approval::approval, report::show_event, DeployOptions};

pub async fn deploy<'a>(
    ctx: &'a EnvContext,
    name: &'a str,
    s: &'a StackSettings,
    opts: &'a DeployOptions,
    mode: Mode,
) -> anyhow::Result<Step<'a>> {
    let file = &ctx.config_file;
    if !s.stack.dir.is_dir() {
        return Err(BadInput::error(format!(
            "{name}: {}: no such folder (check targets.{name}.dir in {file})",
            s.stack.dir.display()
        )));
    }
    let terraform = shared_infra::Terraform::from_env().map_err(|e| explain(ctx, name, e))?;
    eprintln!("{name}: terraform is {}", terraform.program().display());
    if let Some(generated) = &s.network_tfvars {
        check_generated(file, name, generated)?;
    }
    // Terraform applies the folder as it is on disk, which the ledger's commit
    // may not describe.
    if let Some(u) = &s.uncommitted {
        eprintln!(
            "{name}: WARNING: {} has uncommitted changes ({}): the plan is of the working tree, not of the commit",
            u.dir, u.paths
        );
    }
    let approval = approval(opts.approve, mode.dry_run(), name, &ctx.env.name).await?;
    let request = shared_infra::DeployRequest {
        dry_run: mode.dry_run(),
        approval: approval.clone(),
        expected_plan: opts.expect_plan.clone(),
    };
    Ok(Box::new(move |_| {
        Box::pin(async move {
            let (stack, vars, env) = (s.stack.clone(), s.vars.clone(), ctx.env.name.clone());
            let target = name.to_string();
            let run = tokio::task::spawn_blocking(move || {
                shared_infra::deploy_with_variables(&terraform, &stack, &vars, &request, |e| {
                    show_event(&target, &env, e)
                })
            });
            let report = run
                .await
                .map_err(|panicked| {
                    anyhow::Error::new(panicked).context(format!("{name}: the terraform run"))
                })?
                .map_err(|e| explain(ctx, name, e))?;
            let result = result(ctx, name, &report)?;
            Ok(match entry(ctx, &report, &approval, s) {
                Some(entry) => StepEnd::Recorded(recorded(ctx, name, s, entry).await?, result),
                None => StepEnd::Unrecorded(result),
            })
        })
    }))
}

/// The tfvars file on disk is the one deploy.toml renders; a deploy never
/// writes it (it would leave the repository unlike its commit).
fn check_generated(file: &str, name: &str, generated: &GeneratedFile) -> Result<(), BadInput> {
    let problem = match std::fs::read_to_string(&generated.path) {
        Ok(text) if text == generated.text => return Ok(()),
        Ok(_) => "differs from the network plan in",
        Err(_) => "is missing; it is made from the network plan in",
    };
    Err(BadInput(format!(
        "{name}: {} {problem} {file}: run `cargo xtask ci generate` and commit it",
        generated.shown
    )))
}

/// The entry, with what ran before (the commit of the last successful apply)
/// and the state object the apply left.
async fn recorded(
    ctx: &EnvContext,
    name: &str,
    s: &StackSettings,
    mut entry: Entry,
) -> Result<Entry, StepError> {
    let last = ctx.store.newest(name, policy::last_deploy).await;
    entry.replaced = last.map_err(anyhow::Error::from)?.map(|r| r.deployed);
    entry.state_object = super::status::state_object(ctx, name, s.stack.state.as_ref())
        .await
        .map(Box::new);
    Ok(entry)
}

/// The ledger entry of an apply (or of an apply that failed part way); none
/// when nothing was applied.
fn entry(
    ctx: &EnvContext,
    report: &shared_infra::DeployReport,
    approval: &Option<shared_infra::Approval>,
    s: &StackSettings,
) -> Option<Entry> {
    let (failed, message) = match &report.outcome {
        // The fingerprint ties the record to the plan its reviewers saw.
        shared_infra::DeployOutcome::Applied => (
            false,
            format!("applied plan {}", report.summary.fingerprint),
        ),
        shared_infra::DeployOutcome::ApplyFailed { message } => (
            true,
            format!("apply failed part way (some changes may be in place): {message}"),
        ),
        _ => return None,
    };
    let approved = approval.as_ref().map_or_else(
        || "no approval needed".into(),
        |a| format!("approved by {}", a.describe()),
    );
    let message = match &s.uncommitted {
        Some(u) => format!(
            "{message}; {approved}; with uncommitted changes: {}",
            u.paths
        ),
        None => format!("{message}; {approved}"),
    };
    // The commit applied.
    let commit = ctx.git_sha.clone().unwrap_or_else(|| "(no commit)".into());
    let detail = Detail::Plan(report.summary.headline());
    let entry = Entry::deploy(commit, None, detail, message.clone());
    Some(if failed { entry.failed(message) } else { entry })
}

fn result(
    ctx: &EnvContext,
    name: &str,
    report: &shared_infra::DeployReport,
) -> Result<TargetResult, StepError> {
    let headline = report.summary.headline();
    let env = &ctx.env.name;
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
