//! One deploy workflow per environment with a branch: the toolkit's order and
//! its `--changed` rule, kept in GitHub Actions.
//!
//! ```text
//! build ──> plan ──> deploy-shared ─┬─> deploy-api-infra ──> deploy-api
//!   (xtask,   (xtask plan --changed  │   (needs: every target it runs after,
//!   once)      --env: targets=[..])  └─> deploy-web-infra ──> deploy-web   transitively)
//!                                                            report (always)
//! ```
//!
//! - `build` restores xtask from the binary cache (keyed by the toolkit's own
//!   sources) or compiles it, once, and uploads it; every other job downloads
//!   it, so no deploy job compiles — unless the artifact is gone (a re-run or an
//!   approval days later) and the cache too (`steps::download_xtask`).
//! - `plan` decides: per target, changed since what is deployed of it in the
//!   environment (the ledger), else since the push's `before`.
//! - A target's job runs when the plan names it and none of the jobs it needs
//!   failed or was cancelled: a dependency that was not planned (skipped) lets
//!   it run; one that failed, or whose approval was rejected, stops it.
//! - A terraform target with `approval` is two jobs: `plan-<t>` (a dry run that
//!   outputs the plan's fingerprint) and `deploy-<t>` behind the `<env>-approval`
//!   GitHub environment, which applies only the reviewed fingerprint.
//! - `report` writes what ran, and why the rest did not, to the run's summary,
//!   and sends the run's one notification (`[notify]`) from the deploy jobs'
//!   `notice` outputs; a deploy job runs with `--no-notify`, in its GitHub
//!   environment with the target's address as its URL.

use std::fmt::Write;

use super::steps::{self, q, RUNNER, XTASK};
use super::Workflow;
use crate::config::{Config, Target, TargetKind, TargetSettings};

/// The job that deploys `target`.
pub fn deploy_job(target: &str) -> String {
    format!("deploy-{target}")
}

/// The dry-run job of a terraform target that needs approval.
pub fn plan_job(target: &str) -> String {
    format!("plan-{target}")
}

/// The jobs of `target` in this environment: its plan job (when it needs
/// approval), then its deploy job.
pub fn jobs_of(target: &Target, env: &str) -> Vec<String> {
    if needs_approval(target, env) {
        vec![plan_job(&target.name), deploy_job(&target.name)]
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

/// The GitHub environment a target's deploy job runs in: the environment's
/// name, or `<env>-approval` for targets that need a person to approve (give that
/// GitHub environment required reviewers).
pub fn github_environment(target: &Target, env: &str) -> String {
    if needs_approval(target, env) {
        format!("{env}-approval")
    } else {
        env.to_string()
    }
}

pub fn deploy(config: &Config, env: &str, branch: &str) -> Workflow {
    let mut out = String::new();
    steps::header(&mut out);
    let _ = writeln!(out, "name: {}", q(&format!("deploy to {env}")));
    out.push_str("on:\n  push:\n    branches:\n");
    let _ = writeln!(out, "      - {}", q(branch));
    out.push_str("    paths:\n");
    for p in push_paths(config) {
        let _ = writeln!(out, "      - {}", q(&p));
    }
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
",
    );
    // Queued, never cancelled: a run cut off mid-deploy leaves a lock and a
    // half-done rollout behind.
    let _ = write!(
        out,
        "concurrency:
  group: {}
  cancel-in-progress: false
jobs:
",
        q(&format!("deploy-{env}"))
    );
    steps::build_job(&mut out, config);
    plan_job_of_run(&mut out, config, env);
    // The jobs follow the plan of every target in this environment: its run
    // order, and its `after` for `needs`.
    let every = crate::plan::Plan::new(config, &crate::plan::Selection::All, None, Some(env))
        .expect("--all names only configured targets");
    for planned in &every.targets {
        let target = config
            .target(&planned.name)
            .expect("a planned target is configured");
        target_jobs(&mut out, config, target, env);
    }
    report_job(&mut out, config, env);
    Workflow {
        file_name: format!("deploy-{env}.yml"),
        contents: out,
    }
}

/// The push paths that start the workflow: every target's, and deploy.toml
/// (a change to a target's settings there deploys it). GitHub lets the last
/// matching pattern decide, so one list cannot always say "any target's list
/// matches": targets with exclusions (`!api/docs/**`) go first, each list as
/// written, then the targets without; when an exclusion could hide another
/// target's path, exclusions are dropped (the workflow then starts on a few
/// more pushes, and the plan job finds nothing to deploy).
pub fn push_paths(config: &Config) -> Vec<String> {
    let excludes = |t: &&Target| t.paths.patterns().iter().any(|p| p.starts_with('!'));
    let ordered: Vec<&Target> = config
        .targets
        .iter()
        .filter(excludes)
        .chain(config.targets.iter().filter(|t| !excludes(t)))
        .collect();
    let exact = ordered.iter().enumerate().all(|(i, b)| {
        b.paths
            .patterns()
            .iter()
            .filter_map(|p| p.strip_prefix('!'))
            .all(|negated| {
                ordered[..i].iter().all(|a| {
                    a.paths
                        .patterns()
                        .iter()
                        .filter(|p| !p.starts_with('!'))
                        .all(|p| !may_overlap(p, negated))
                })
            })
    });
    let mut paths: Vec<String> = Vec::new();
    for t in ordered {
        for p in t.paths.patterns() {
            if (exact || !p.starts_with('!')) && !paths.contains(p) {
                paths.push(p.clone());
            }
        }
    }
    if let Some(file) = config.file.file_name() {
        paths.push(file.to_string_lossy().into_owned());
    }
    paths
}

/// Whether two path patterns could match one path, judged by the literal
/// text before their first wildcard: when neither is a prefix of the other,
/// no path matches both.
fn may_overlap(a: &str, b: &str) -> bool {
    let literal = |p: &str| -> String {
        p.chars()
            .take_while(|c| !matches!(c, '*' | '?' | '[' | '{' | '+'))
            .collect()
    };
    let (a, b) = (literal(a), literal(b));
    a.starts_with(&b) || b.starts_with(&a)
}

/// The GitHub environment a job runs in, and the address GitHub shows for it.
struct GithubEnvironment<'a> {
    name: &'a str,
    url: Option<&'a str>,
}

impl<'a> GithubEnvironment<'a> {
    fn named(name: &'a str) -> Option<GithubEnvironment<'a>> {
        Some(GithubEnvironment { name, url: None })
    }
}

/// A job's first lines, up to its `steps:`; `extra` goes before the
/// permissions (`needs`, `if`, `outputs`).
fn job_head(
    out: &mut String,
    id: &str,
    title: &str,
    environment: Option<GithubEnvironment<'_>>,
    extra: &str,
) {
    let _ = writeln!(out, "  {id}:\n    name: {}", q(title));
    out.push_str(extra);
    let _ = writeln!(out, "    runs-on: {RUNNER}");
    if let Some(environment) = environment {
        let name = q(environment.name);
        let _ = match environment.url {
            Some(url) => writeln!(
                out,
                "    environment:\n      name: {name}\n      url: {}",
                q(url)
            ),
            None => writeln!(out, "    environment: {name}"),
        };
        out.push_str("    permissions:\n      contents: read\n      id-token: write\n");
    } else {
        out.push_str("    permissions:\n      contents: read\n");
    }
    out.push_str("    steps:\n");
}

/// `plan`: which targets deploy, as `targets` (a JSON list) for the jobs'
/// conditions; it reads the ledger, so it has the environment's credentials.
fn plan_job_of_run(out: &mut String, config: &Config, env: &str) {
    job_head(
        out,
        "plan",
        &format!("plan {env}"),
        GithubEnvironment::named(env),
        "    needs: build\n    outputs:\n      targets: ${{ steps.plan.outputs.targets }}\n",
    );
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
        run: |
          case \"$TARGETS\" in
            changed) {XTASK} plan --changed --env {env} --format github ;;
            all) {XTASK} plan --all --env {env} --format github ;;
            *) read -ra names <<< \"$TARGETS\"; {XTASK} plan --env {env} --format github -- \"${{names[@]}}\" ;;
          esac
"
    );
}

/// The `if:` of a target's first job: planned, and nothing it needs failed
/// or was cancelled (skipped is fine: not planned).
fn runs_if_planned(target: &str) -> String {
    format!(
        "${{{{ !cancelled() && !contains(needs.*.result, 'failure') && !contains(needs.*.result, 'cancelled') && contains(fromJSON(needs.plan.outputs.targets), {}) }}}}",
        q(target)
    )
}

fn needs_list(needs: &[String]) -> String {
    format!("    needs: [{}]\n", needs.join(", "))
}

fn target_jobs(out: &mut String, config: &Config, target: &Target, env: &str) {
    let name = &target.name;
    let mut needs = vec!["build".to_string(), "plan".to_string()];
    for a in ancestors(config, target) {
        needs.extend(jobs_of(a, env));
    }
    let deploy = format!("{XTASK} deploy {name} --env {env}");
    // The run's `report` job sends its one message: a deploy job sends none,
    // and hands it its part (`notice`) with its outcome.
    let reported = "--no-notify --format github";
    let notice = "    outputs:\n      notice: ${{ steps.deploy.outputs.notice }}\n";
    if needs_approval(target, env) {
        let output = crate::targets::terraform::FINGERPRINT_OUTPUT;
        let plan = plan_job(name);
        job_head(
            out,
            &plan,
            &format!("plan {name} for {env}"),
            GithubEnvironment::named(env),
            &format!(
                "{}    if: {}\n    outputs:\n      fingerprint: ${{{{ steps.plan.outputs.{output} }}}}\n",
                needs_list(&needs),
                runs_if_planned(name)
            ),
        );
        job_steps(out, config, env);
        let _ = writeln!(
            out,
            "      - name: plan\n        id: plan\n        run: {deploy} --dry-run --no-notify"
        );
        // The reviewers of `<env>-approval` see the plan job's output first; the
        // apply plans again and applies only the reviewed fingerprint (no plan
        // file crosses jobs: it would hold the planned values, secrets included).
        needs.push(plan.clone());
        let gate = github_environment(target, env);
        job_head(
            out,
            &deploy_job(name),
            &format!("apply {name} to {env}"),
            GithubEnvironment::named(&gate),
            &format!(
                "{}    if: ${{{{ !cancelled() && needs.{plan}.result == 'success' && needs.{plan}.outputs.fingerprint != '' }}}}\n{notice}",
                needs_list(&needs),
            ),
        );
        job_steps(out, config, env);
        let _ = writeln!(
            out,
            "      - name: apply
        id: deploy
        env:
          {}: {}
          XTASK_EXPECT_PLAN: ${{{{ needs.{plan}.outputs.fingerprint }}}}
        run: {deploy} --expect-plan \"$XTASK_EXPECT_PLAN\" {reported}",
            crate::targets::terraform::GATE_VAR,
            q(&gate)
        );
    } else {
        let verb = match target.kind {
            TargetKind::Terraform => "apply",
            TargetKind::Ecs | TargetKind::StaticSite => "deploy",
        };
        // Shown on the commit and the PR; one that needs a stack's output is not.
        let url = target.settings[env].address().filter(|u| !u.contains('{'));
        job_head(
            out,
            &deploy_job(name),
            &format!("{verb} {name} to {env}"),
            Some(GithubEnvironment { name: env, url }),
            &format!(
                "{}    if: {}\n{notice}",
                needs_list(&needs),
                runs_if_planned(name)
            ),
        );
        job_steps(out, config, env);
        let _ = writeln!(
            out,
            "      - name: deploy\n        id: deploy\n        run: {deploy} {reported}"
        );
    }
}

/// A target job's steps before its command: the code, xtask, credentials.
fn job_steps(out: &mut String, config: &Config, env: &str) {
    steps::checkout(out, None);
    steps::download_xtask(out, config);
    steps::aws_credentials(out, config, env);
}

/// `report`: after everything, what ran and why the rest did not, from the
/// jobs' results (`needs`), in the run's summary.
fn report_job(out: &mut String, config: &Config, env: &str) {
    let mut needs = vec!["build".to_string(), "plan".to_string()];
    for t in &config.targets {
        needs.extend(jobs_of(t, env));
    }
    job_head(
        out,
        "report",
        &format!("report {env}"),
        None,
        &format!(
            "{}    if: ${{{{ always() && needs.build.result == 'success' }}}}\n",
            needs_list(&needs)
        ),
    );
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
    let _ = writeln!(out, "        run: {XTASK} ci report --env {env}");
}
