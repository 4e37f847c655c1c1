//! The scheduled drift check `ci generate` writes: daily, one job per
//! environment with a branch (its branch checked out), the read-only role,
//! and `status --env ENV --notify`, whose exit code 3 fails the job when
//! anything drifts, and which tells the drift through `[notify]`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/connect2/deploy.toml")
}

fn generate(config: &Path) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["ci", "generate", "--config"])
        .arg(config)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    (dir, out)
}

#[test]
fn a_daily_read_only_status_job_per_environment_with_a_branch() {
    let (dir, out) = generate(&example_config());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(dir.path().join("drift.yml")).unwrap())
            .unwrap();
    assert_eq!(doc["on"]["schedule"][0]["cron"], "17 6 * * *");
    assert_eq!(doc["permissions"]["contents"], "read");
    let jobs = doc["jobs"].as_mapping().unwrap();
    let names: Vec<&str> = jobs.keys().map(|k| k.as_str().unwrap()).collect();
    // `local` has no branch: no job.
    assert_eq!(names, ["drift-dev", "drift-prod", "drift-staging"]);
    let prod = &doc["jobs"]["drift-prod"];
    assert_eq!(prod["environment"], "prod");
    assert_eq!(prod["permissions"]["contents"], "read");
    assert_eq!(prod["permissions"]["id-token"], "write");
    assert_eq!(prod["permissions"].as_mapping().unwrap().len(), 2);
    let steps = prod["steps"].as_sequence().unwrap();
    assert_eq!(steps[0]["with"]["ref"], "main");
    assert_eq!(steps[0]["with"]["persist-credentials"], false);
    assert_eq!(
        role_step(steps)["with"]["role-to-assume"],
        "${{ vars.AWS_READONLY_ROLE_ARN }}"
    );
    // Drift is told through [notify] (#25, finding 14), with the webhooks the
    // deploy's report job has: GitHub's own mail reaches one person.
    let status = steps.last().unwrap();
    assert_eq!(
        status["run"],
        "exec .xtask/xtask status --env prod --notify"
    );
    for hook in ["SLACK_WEBHOOK_DEPLOYS", "SLACK_WEBHOOK_ONCALL"] {
        assert_eq!(status["env"][hook], format!("${{{{ secrets.{hook} }}}}"));
    }
}

#[test]
fn an_environments_read_only_role_in_deploy_toml_is_the_one_assumed() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("deploy.toml");
    std::fs::write(
        &config,
        r#"[project]
name = "p"
region = "eu-west-1"
state_bucket = "p-state-{env}"

[environments.prod]
branch = "main"
aws_role_arn = "arn:aws:iam::123456789012:role/deploy"
aws_readonly_role_arn = "arn:aws:iam::123456789012:role/drift-read-only"

[targets.api]
kind = "ecs"
paths = ["api/**"]
cluster = "c"
service = "s"
container = "app"
ecr_repository = "api-repo"
"#,
    )
    .unwrap();
    let (out_dir, out) = generate(&config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(out_dir.path().join("drift.yml")).unwrap();
    assert!(
        text.contains("role-to-assume: 'arn:aws:iam::123456789012:role/drift-read-only'")
            && !text.contains("role/deploy"),
        "{text}"
    );
}

/// The step that assumes the AWS role.
fn role_step(steps: &[serde_yaml_ng::Value]) -> &serde_yaml_ng::Value {
    steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("aws-actions/configure-aws-credentials@"))
        })
        .expect("a credentials step")
}
