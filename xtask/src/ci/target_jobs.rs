//! The jobs of one target in an environment's deploy workflow.
//!
//! A target without approval is one job, `deploy-<t>`. A terraform target with
//! `approval` is three:
//!
//! - `plan-<t>` (environment `<env>`): a dry run that shows the plan to the
//!   reviewers and outputs its fingerprint (empty: nothing to change, no
//!   approval asked).
//! - `approve-<t>` (environment `<env>-approval`): waits for its required
//!   reviewers and runs one `echo`. No credentials, no checkout, no secrets, no
//!   concurrency group: while it waits it holds nothing.
//! - `deploy-<t>` (environment `<env>`): the apply, only of the reviewed
//!   fingerprint. It checks through GitHub's API (`GITHUB_TOKEN`, `actions:
//!   read`) that a reviewer approved `<env>-approval` in this run, and refuses
//!   otherwise: an environment GitHub created on the fly has no reviewers.
//!
//! Every job that assumes the AWS role runs in `<env>`, so the OIDC subject is
//! always `repo:O/R:environment:<env>` and `vars.AWS_ROLE_ARN` is that
//! environment's own: the approval environment never needs a role.

use std::fmt::Write;

use super::job::{self, Job};
use super::pipeline::{
    ancestors, approval_environment, approve_job, deploy_job, group, jobs_of, needs_approval,
    plan_job,
};
use super::steps::{self, q, EXEC_XTASK};
use super::timeouts;
use crate::config::{Config, Target, TargetKind};

/// The `if:` of a target's first job: the plan ran (a skipped plan, on
/// another branch, has no `targets`, and `fromJSON('')` is an error that
/// fails the job) and names it, and nothing it needs failed or was cancelled
/// (skipped is fine: not planned).
fn runs_if_planned(target: &str) -> String {
    format!(
        "${{{{ !cancelled() && !contains(needs.*.result, 'failure') && !contains(needs.*.result, 'cancelled') && needs.plan.result == 'success' && contains(fromJSON(needs.plan.outputs.targets), {}) }}}}",
        q(target)
    )
}

/// What a deploy job runs with: the run's one message is the report job's
/// (`--no-notify`, its part handed on as `notice`), and the plan's time, so a
/// target rolled back since is not put forward again.
const DEPLOY_FLAGS: &str = "--planned-at \"$XTASK_PLANNED_AT\" --no-notify --format github";

/// The `env:` lines every deploy step has: the plan's time, and the job's
/// token for `git fetch origin <sha>` of a deployed commit the clone lacks.
fn deploy_env(out: &mut String) {
    out.push_str(
        "          XTASK_PLANNED_AT: ${{ needs.plan.outputs.planned_at }}
          GITHUB_TOKEN: ${{ github.token }}
",
    );
}

pub fn target_jobs(out: &mut String, config: &Config, target: &Target, env: &str) {
    let name = &target.name;
    let mut needs = vec!["build".to_string(), "plan".to_string()];
    for a in ancestors(config, target) {
        needs.extend(jobs_of(a, env));
    }
    let deploy = format!("{EXEC_XTASK} deploy {name} --env {env}");
    let terraform = target.kind == TargetKind::Terraform;
    let minutes = timeouts::deploy(target, env) + timeouts::BUILD;
    let deploy_head = Job::new(deploy_job(name), "", minutes)
        .output("notice", "${{ steps.deploy.outputs.notice }}")
        .concurrency(group(env, name));
    if needs_approval(target, env) {
        let output = crate::targets::terraform::FINGERPRINT_OUTPUT;
        let plan = plan_job(name);
        Job::new(&plan, format!("plan {name} for {env}"), minutes)
            .needs(&needs)
            .when(runs_if_planned(name))
            .output(
                "fingerprint",
                format!("${{{{ steps.plan.outputs.{output} }}}}"),
            )
            .environment(env, None)
            .permissions(job::AWS)
            .render(out);
        job_steps(out, config, env, true);
        let _ = writeln!(
            out,
            "      - name: plan\n        id: plan\n        run: {deploy} --dry-run --no-notify"
        );
        needs.push(plan.clone());
        let gate = approval_environment(env);
        let approve = approve_job(name);
        Job::new(&approve, format!("approve {name} for {env}"), timeouts::ECHO)
            .needs(&needs)
            .when(format!(
                "${{{{ !cancelled() && needs.{plan}.result == 'success' && needs.{plan}.outputs.fingerprint != '' }}}}"
            ))
            .environment(&gate, None)
            .permissions(&[])
            .render(out);
        let _ = writeln!(
            out,
            "      - name: approved
        env:
          FINGERPRINT: ${{{{ needs.{plan}.outputs.fingerprint }}}}
        run: |
          echo \"{name}: the plan $FINGERPRINT for {env} was approved in {gate}\""
        );
        needs.push(approve.clone());
        Job {
            title: format!("apply {name} to {env}"),
            ..deploy_head
        }
        .needs(&needs)
        .when(format!(
            "${{{{ !cancelled() && needs.{approve}.result == 'success' && needs.{plan}.outputs.fingerprint != '' }}}}"
        ))
        .environment(env, None)
        .permissions(&[("contents", "read"), ("id-token", "write"), ("actions", "read")])
        .render(out);
        job_steps(out, config, env, true);
        let _ = writeln!(
            out,
            "      - name: apply
        id: deploy
        env:
          {}: {}
          XTASK_EXPECT_PLAN: ${{{{ needs.{plan}.outputs.fingerprint }}}}",
            crate::targets::terraform::GATE_VAR,
            q(&gate)
        );
        deploy_env(out);
        let _ = writeln!(
            out,
            "        run: {deploy} --expect-plan \"$XTASK_EXPECT_PLAN\" {DEPLOY_FLAGS}"
        );
    } else {
        let verb = if terraform { "apply" } else { "deploy" };
        // Shown on the commit and the PR; one that needs a stack's output is not.
        let url = target.settings[env].address().filter(|u| !u.contains('{'));
        Job {
            title: format!("{verb} {name} to {env}"),
            ..deploy_head
        }
        .needs(&needs)
        .when(runs_if_planned(name))
        .environment(env, url)
        .permissions(job::AWS)
        .render(out);
        job_steps(out, config, env, terraform);
        out.push_str("      - name: deploy\n        id: deploy\n        env:\n");
        deploy_env(out);
        let _ = writeln!(out, "        run: {deploy} {DEPLOY_FLAGS}");
    }
}

/// A target job's steps before its command: the code, xtask, terraform when
/// it runs terraform (the runner image has none), credentials.
fn job_steps(out: &mut String, config: &Config, env: &str, terraform: bool) {
    steps::checkout(out, None);
    steps::download_xtask(out, config);
    if terraform {
        steps::setup_terraform(out);
    }
    steps::aws_credentials(out, config, env);
}
