//! What the workflow tests share: the example's workflows (committed, and
//! as they were before #25), a repository made from the example with the
//! xtask binary where the jobs expect it, GitHub's push event, and a run of
//! the prod workflow with its `plan` and `report` steps run for real.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use test_support::actions::{JobRun, Run, Workflow};
use test_support::GitRepo;

/// The committed example workflow `name` (`deploy-prod`, `rollback`, ...).
pub fn now(name: &str) -> Workflow {
    Workflow::load(&example().join(format!(".github/workflows/{name}.yml")))
}

/// The example's workflow `name` as generated before #25.
pub fn before(name: &str) -> Workflow {
    Workflow::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../test-support/fixtures/workflows/{name}-before-25.yml"
    )))
}

pub const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/connect2")
}

pub fn workflow(env: &str) -> Workflow {
    Workflow::load(&example().join(format!(".github/workflows/deploy-{env}.yml")))
}

/// A repository with the example's deploy.toml and a file in each target's
/// paths, and the `build` job's artifact where the jobs expect it.
pub fn example_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "deploy.toml",
        &std::fs::read_to_string(example().join("deploy.toml")).unwrap(),
    )
    .write("api/app/main.py", "x\n")
    .write("api/infrastructure/terraform/main.tf", "x\n")
    .write("web/src/App.tsx", "x\n")
    .write("web/infrastructure/terraform/main.tf", "x\n")
    .write("infrastructure/terraform/environments/prod/main.tf", "x\n")
    .write(".gitignore", ".xtask/\n");
    repo.commit("initial");
    std::fs::create_dir_all(repo.path().join(".xtask")).unwrap();
    std::os::unix::fs::symlink(XTASK, repo.path().join(".xtask/xtask")).unwrap();
    repo
}

/// A push of one commit changing `paths`; its event as GitHub gives it.
pub fn push(repo: &GitRepo, paths: &[&str]) -> (Value, tempfile::NamedTempFile) {
    let before = repo.git(&["rev-parse", "HEAD"]);
    for p in paths {
        repo.write(p, &format!("changed after {before}\n"));
    }
    let after = repo.commit("a push");
    let event = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        event.path(),
        json!({ "before": before, "after": after }).to_string(),
    )
    .unwrap();
    (
        json!({ "inputs": {}, "github": { "event_name": "push", "ref": "refs/heads/main" } }),
        event,
    )
}

/// The environment of a job's script: GitHub's event, no AWS credentials
/// (the plan then says it compares in the push's range).
pub fn runner_env(event: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_ACTIONS", "true".into()),
        ("GITHUB_EVENT_NAME", "push".into()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_ACCESS_KEY_ID", String::new()),
        ("AWS_SECRET_ACCESS_KEY", String::new()),
        ("AWS_PROFILE", "no-such-profile".into()),
        ("AWS_CONFIG_FILE", "/nonexistent".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".into()),
    ]
}

/// Runs the prod workflow: `plan` and `report` for real, the AWS jobs as
/// `aws` says (by job id). Returns the run and the report's stdout.
pub fn run_prod(
    repo: &GitRepo,
    context: &Value,
    event: &Path,
    aws: impl FnMut(&str) -> JobRun,
) -> (Run, String) {
    run_prod_with(repo, context, &runner_env(event), aws)
}

/// [`run_prod`] with the runner's environment `env`.
pub fn run_prod_with(
    repo: &GitRepo,
    context: &Value,
    env: &[(&'static str, String)],
    aws: impl FnMut(&str) -> JobRun,
) -> (Run, String) {
    run_workflow(&workflow("prod"), repo, context, env, aws)
}

/// Runs `wf` (a deploy workflow): `plan` and `report` for real, the AWS jobs
/// as `aws` says. Returns the run and the report's stdout.
pub fn run_workflow(
    wf: &Workflow,
    repo: &GitRepo,
    context: &Value,
    env: &[(&'static str, String)],
    mut aws: impl FnMut(&str) -> JobRun,
) -> (Run, String) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut report = String::new();
    let run = wf.run(context, |job, run| match job {
        "build" => JobRun::success(),
        "plan" | "report" => {
            let (out, outputs) = wf.run_step(job, job, repo.path(), context, run, &env);
            assert!(
                out.status.success(),
                "{job}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if job == "report" {
                report = String::from_utf8_lossy(&out.stdout).into_owned();
            }
            let mut done = JobRun::success();
            for (k, v) in outputs {
                done = done.with_output(job, &k, &v);
            }
            done
        }
        other => aws(other),
    });
    (run, report)
}

/// Terraform plans with changes; every AWS job succeeds.
pub fn all_good(job: &str) -> JobRun {
    if job.starts_with("plan-") {
        JobRun::success().with_output("plan", "plan_fingerprint", &format!("fp-{job}"))
    } else {
        JobRun::success()
    }
}

pub fn planned(run: &Run) -> Vec<String> {
    serde_json::from_str(run.needs["plan"]["outputs"]["targets"].as_str().unwrap()).unwrap()
}
