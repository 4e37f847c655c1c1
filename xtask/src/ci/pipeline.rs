//! One deploy workflow per environment with a branch: the toolkit's order and
//! its `--changed` rule, kept in GitHub Actions.
//!
//! ```text
//! build ──> plan ──> plan-shared ──> approve-shared ──> deploy-shared ─┬─> deploy-api-infra ──> deploy-api
//!   (xtask,   (xtask plan --changed    (dry run:        (<env>-approval:   └─> deploy-web-infra ──> deploy-web
//!   once)      --env: targets=[..],     fingerprint)     reviewers only)           report (always)
//!              planned_at)
//! ```
//!
//! - Every push to the environment's branch starts it (no `paths` filter:
//!   GitHub's reads 300 files); `plan` decides: per target, changed since what
//!   is deployed of it in the environment (the ledger), else since the push's
//!   `before`. A run on another branch (*Run workflow* can pick any) builds
//!   nothing, and `wrong-branch` fails saying why.
//! - `build` restores xtask from the binary cache (keyed by the toolkit's own
//!   sources and the pinned runner) or compiles it, once, and uploads it; every
//!   other job downloads it, so no deploy job compiles — unless the artifact is
//!   gone (a re-run or an approval days later) and the cache too.
//! - A target's job runs when the plan names it and none of the jobs it needs
//!   failed or was cancelled: a dependency that was not planned (skipped) lets
//!   it run; one that failed, or whose approval was rejected, stops it.
//! - A terraform target with `approval` is three jobs (`target_jobs.rs`): a dry
//!   run, a job in `<env>-approval` that only waits for the reviewers, and the
//!   apply in `<env>`, which checks the approval through GitHub's API.
//! - Each `deploy-<t>` holds the concurrency group `deploy-<env>-<t>` (queued,
//!   never cancelled in progress), which `rollback.yml` shares; nothing holds
//!   a group while it waits for reviewers.
//! - `report` writes what ran, and why the rest did not, to the run's summary,
//!   and sends the run's one notification (`[notify]`) from the deploy jobs'
//!   `notice` outputs; a deploy job runs with `--no-notify`.

use std::fmt::Write;

use super::job::{self, Job};
use super::steps::{self, q, EXEC_XTASK};
use super::{target_jobs, timeouts, Workflow};
use crate::config::{Config, Target, TargetSettings};

/// The job that deploys `target`.
pub fn deploy_job(target: &str) -> String {
    format!("deploy-{target}")
}

/// The dry-run job of a terraform target that needs approval.
pub fn plan_job(target: &str) -> String {
    format!("plan-{target}")
}

/// The job of a terraform target that needs approval that waits for the
/// reviewers of `<env>-approval`.
pub fn approve_job(target: &str) -> String {
    format!("approve-{target}")
}

/// The GitHub environment whose required reviewers approve applies in `env`.
/// Only the approval job runs in it: no credentials, no secrets, no checkout.
pub fn approval_environment(env: &str) -> String {
    format!("{env}-approval")
}

/// The concurrency group of everything that changes `target` in `env`: its
/// deploy job here, its rollback in `rollback.yml`.
pub fn group(env: &str, target: &str) -> String {
    format!("deploy-{env}-{target}")
}

/// The jobs of `target` in this environment, in order: its plan and approval
/// jobs (when it needs approval), then its deploy job.
pub fn jobs_of(target: &Target, env: &str) -> Vec<String> {
    if needs_approval(target, env) {
        vec![
            plan_job(&target.name),
            approve_job(&target.name),
            deploy_job(&target.name),
        ]
    } else {
        vec![deploy_job(&target.name)]
    }
}

pub fn needs_approval(target: &Target, env: &str) -> bool {
    matches!(&target.settings[env], TargetSettings::Terraform(t) if t.approval)
}

/// Every target `target` runs after, directly or not, in run order.
pub fn ancestors<'a>(config: &'a Config, target: &Target) -> Vec<&'a Target> {
    let mut names: Vec<&str> = target.after.iter().map(String::as_str).collect();
    let mut i = 0;
    while i < names.len() {
        if let Some(t) = config.target(names[i]) {
            for a in &t.after {
                if !names.contains(&a.as_str()) {
                    names.push(a);
                }
            }
        }
        i += 1;
    }
    config
        .targets
        .iter()
        .filter(|t| names.contains(&t.name.as_str()))
        .collect()
}

pub fn deploy(config: &Config, env: &str, branch: &str) -> Workflow {
    let mut out = String::new();
    steps::header(&mut out);
    let _ = writeln!(out, "name: {}", q(&format!("deploy to {env}")));
    // No `paths` filter: GitHub reads only the first 300 changed files of a
    // push against it, and a large merge would start nothing. Every push to
    // the branch starts the run; the plan job, exact at any size, decides.
    out.push_str("on:\n  push:\n    branches:\n");
    let _ = writeln!(out, "      - {}", q(branch));
    out.push_str(
        "  workflow_dispatch:
    inputs:
      targets:
        description: 'What to deploy: changed (since what is deployed), all, or target names separated by spaces'
        required: true
        default: 'changed'
        type: string
permissions:
  contents: read
jobs:
",
    );
    // No workflow-level concurrency: each deploy job holds its own target's
    // group (`target_jobs.rs`), so a run waiting for one target's approval
    // holds back no other target's deploy.
    let on_branch = on_branch(branch);
    wrong_branch_job(
        &mut out,
        &off_branch(branch),
        &[("WANTED", q(branch))],
        &format!("deploy to {env} runs from $WANTED only; this run is on $GITHUB_REF, so it deploys nothing. Run it on $WANTED."),
    );
    steps::build_job(&mut out, config, &on_branch);
    plan_job_of_run(&mut out, config, env);
    // The jobs follow the plan of every target in this environment: its run
    // order, and its `after` for `needs`.
    let every = crate::plan::Plan::new(config, &crate::plan::Selection::All, None, Some(env))
        .expect("--all names only configured targets");
    for planned in &every.targets {
        let target = config
            .target(&planned.name)
            .expect("a planned target is configured");
        target_jobs::target_jobs(&mut out, config, target, env);
    }
    report_job(&mut out, config, env);
    Workflow {
        file_name: format!("deploy-{env}.yml"),
        contents: out,
    }
}

/// `github.ref` is `branch`: what a run that may deploy to an environment
/// requires. `branches:` filters pushes only; *Run workflow* can pick any
/// branch, whose code (and edited workflow) would otherwise deploy.
pub fn on_branch(branch: &str) -> String {
    format!("github.ref == {}", q(&format!("refs/heads/{branch}")))
}

/// `github.ref` is not `branch`.
pub fn off_branch(branch: &str) -> String {
    format!("github.ref != {}", q(&format!("refs/heads/{branch}")))
}

/// A job that fails with an `::error::` saying why a run on the wrong branch
/// deploys nothing: a run whose jobs were all skipped would look green.
/// `message` is shell text; what it names from outside comes in `env`.
pub fn wrong_branch_job(out: &mut String, condition: &str, env: &[(&str, String)], message: &str) {
    Job::new(
        "wrong-branch",
        "not on the environment's branch",
        timeouts::ECHO,
    )
    .when(condition)
    .permissions(&[])
    .render(out);
    out.push_str("      - name: refuse\n");
    if !env.is_empty() {
        out.push_str("        env:\n");
        for (name, value) in env {
            let _ = writeln!(out, "          {name}: {value}");
        }
    }
    let _ = write!(
        out,
        "        run: |
          echo \"::error::{message}\"
          exit 1
"
    );
}

/// `plan`: which targets deploy, as `targets` (a JSON list) for the jobs'
/// conditions, and `planned_at`, when it planned (each deploy refuses a target
/// rolled back after it); it reads the ledger, so it has the environment's
/// credentials, and fetches a deployed commit the clone lacks with the job's
/// token.
fn plan_job_of_run(out: &mut String, config: &Config, env: &str) {
    Job::new(
        "plan",
        format!("plan {env}"),
        timeouts::PLAN + timeouts::BUILD,
    )
    .needs(&["build".to_string()])
    .output("targets", "${{ steps.plan.outputs.targets }}")
    .output("planned_at", "${{ steps.plan.outputs.planned_at }}")
    .environment(env, None)
    .permissions(job::AWS)
    .render(out);
    // Full history: the base of a target is the commit of its last deploy,
    // which may be far behind the push.
    steps::checkout(out, Some(0));
    steps::download_xtask(out, config);
    steps::aws_credentials(out, config, env);
    let _ = write!(
        out,
        "      - name: plan
        id: plan
        env:
          TARGETS: ${{{{ inputs.targets || 'changed' }}}}
          GITHUB_TOKEN: ${{{{ github.token }}}}
        run: |
          case \"$TARGETS\" in
            changed) set -- --changed ;;
            all) set -- --all ;;
            *) read -ra names <<< \"$TARGETS\"; set -- -- \"${{names[@]}}\" ;;
          esac
          {EXEC_XTASK} plan --env {env} --format github \"$@\"
"
    );
}

/// `report`: after everything, what ran and why the rest did not, from the
/// jobs' results (`needs`), in the run's summary.
fn report_job(out: &mut String, config: &Config, env: &str) {
    let mut needs = vec!["build".to_string(), "plan".to_string()];
    for t in &config.targets {
        needs.extend(jobs_of(t, env));
    }
    Job::new(
        "report",
        format!("report {env}"),
        timeouts::SHORT + timeouts::BUILD,
    )
    .needs(&needs)
    .when("${{ always() && needs.build.result == 'success' }}")
    .render(out);
    steps::checkout(out, None);
    steps::download_xtask(out, config);
    let _ = write!(
        out,
        "      - name: report
        env:
          NEEDS: ${{{{ toJSON(needs) }}}}
"
    );
    steps::webhook_secrets(out, config, env);
    let _ = writeln!(out, "        run: {EXEC_XTASK} ci report --env {env}");
}
