//! Generated GitHub Actions workflows: they parse, validate against GitHub's
//! workflow schema, pass zizmor, and `ci check` catches drift. The committed
//! example workflows are checked too. How GitHub runs them: the other `ci_*`
//! tests.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn example_config_path() -> PathBuf {
    workspace_root().join("examples/connect2/deploy.toml")
}

fn example_workflows_dir() -> PathBuf {
    workspace_root().join("examples/connect2/.github/workflows")
}

fn xtask(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .unwrap()
}

/// Generates the example's workflows into a fresh folder.
fn generate_into(dir: &Path) {
    let out = xtask(&[
        "ci",
        "generate",
        "--config",
        example_config_path().to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

fn linter(name: &str) -> PathBuf {
    let dir = std::env::var_os("WORKFLOW_LINTERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".linters/venv/bin"));
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} not found: run scripts/linters.sh install (scripts/test.sh does) or set WORKFLOW_LINTERS",
        path.display()
    );
    path
}

#[test]
fn the_committed_example_workflows_match_the_example_config() {
    let out = xtask(&[
        "ci",
        "check",
        "--config",
        example_config_path().to_str().unwrap(),
        "--out",
        example_workflows_dir().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "run `cargo xtask ci generate --config examples/connect2/deploy.toml --out examples/connect2/.github/workflows`:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn one_deploy_workflow_per_environment_with_a_job_per_target() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    let names: Vec<String> = yaml_files(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "deploy-check.yml",
            "deploy-dev.yml",
            "deploy-prod.yml",
            "deploy-staging.yml",
            "drift.yml",
            "pr-preview.yml",
            "preview-sweep.yml",
            "rollback.yml"
        ]
    );
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(dir.path().join("deploy-prod.yml")).unwrap(),
    )
    .unwrap();
    let on = &doc["on"]["push"];
    assert_eq!(on["branches"], serde_yaml_ng::to_value(["main"]).unwrap());
    assert_eq!(
        doc["on"]["workflow_dispatch"]["inputs"]["targets"]["default"],
        "changed"
    );
    // No group holds the whole environment: each deploy job holds its
    // target's, queued, never cancelled in progress.
    assert!(doc["concurrency"].is_null());
    assert!(on["paths"].is_null(), "the plan decides, not `paths`");
    assert_eq!(doc["permissions"]["contents"], "read");
    let job = &doc["jobs"]["deploy-api"];
    assert_eq!(job["concurrency"]["group"], "deploy-prod-api");
    assert_eq!(
        job["concurrency"]["cancel-in-progress"],
        serde_yaml_ng::Value::Bool(false)
    );
    assert_eq!(job["permissions"]["id-token"], "write");
    // Its GitHub environment shows the target's address: the API's verify.url,
    // the web's `url`.
    assert_eq!(job["environment"]["name"], "prod");
    assert_eq!(
        job["environment"]["url"],
        "https://api.prod.connect.com/health"
    );
    assert_eq!(
        doc["jobs"]["deploy-web"]["environment"]["url"],
        "https://app.prod.connect.com"
    );
    // Its part of the run's message goes to the report job, which sends it.
    assert_eq!(
        job["outputs"]["notice"],
        "${{ steps.deploy.outputs.notice }}"
    );
    // api waits for everything it runs after, transitively: shared's plan and
    // apply, api-infra's plan and apply.
    let needs: Vec<String> = serde_yaml_ng::from_value(job["needs"].clone()).unwrap();
    for n in [
        "plan",
        "plan-shared",
        "deploy-shared",
        "plan-api-infra",
        "deploy-api-infra",
    ] {
        assert!(needs.contains(&n.to_string()), "{n} in {needs:?}");
    }
    assert!(!needs.iter().any(|n| n.contains("web")), "{needs:?}");
    let run = job["steps"].as_sequence().unwrap().last().unwrap()["run"]
        .as_str()
        .unwrap();
    assert_eq!(
        run,
        "exec .xtask/xtask deploy api --env prod --planned-at \"$XTASK_PLANNED_AT\" --no-notify --format github"
    );
    let report = &doc["jobs"]["report"]["steps"]
        .as_sequence()
        .unwrap()
        .last()
        .unwrap()["env"];
    // The webhooks' URLs come from secrets, never from the file.
    assert_eq!(
        report["SLACK_WEBHOOK_DEPLOYS"],
        "${{ secrets.SLACK_WEBHOOK_DEPLOYS }}"
    );
    assert_eq!(
        report["SLACK_WEBHOOK_ONCALL"],
        "${{ secrets.SLACK_WEBHOOK_ONCALL }}"
    );
    let plan = &doc["jobs"]["plan"];
    assert_eq!(
        plan["outputs"]["targets"],
        "${{ steps.plan.outputs.targets }}"
    );
    assert_eq!(plan["steps"][0]["with"]["fetch-depth"], 0);

    // Shared infrastructure waits for a person, who sees the plan first: a plan
    // job, then an apply job behind a GitHub environment with reviewers that
    // applies only the plan with the reviewed fingerprint.
    let plan = &doc["jobs"]["plan-shared"];
    assert_eq!(plan["environment"], "prod");
    assert_eq!(
        plan["outputs"]["fingerprint"],
        "${{ steps.plan.outputs.plan_fingerprint }}"
    );
    let plan_step = plan["steps"].as_sequence().unwrap().last().unwrap();
    assert_eq!(plan_step["id"], "plan");
    assert_eq!(
        plan_step["run"],
        "exec .xtask/xtask deploy shared --env prod --dry-run --no-notify"
    );
    // The reviewers' job: in prod-approval, with nothing to hand out.
    let approve = &doc["jobs"]["approve-shared"];
    assert_eq!(approve["environment"], "prod-approval");
    assert_eq!(
        approve["permissions"],
        serde_yaml_ng::Value::Mapping(serde_yaml_ng::Mapping::new())
    );
    assert_eq!(approve["steps"].as_sequence().unwrap().len(), 1);
    assert!(approve["concurrency"].is_null());
    let apply = &doc["jobs"]["deploy-shared"];
    assert_eq!(apply["environment"], "prod");
    assert_eq!(apply["permissions"]["actions"], "read");
    assert_eq!(
        apply["if"],
        "${{ !cancelled() && needs.approve-shared.result == 'success' && needs.plan-shared.outputs.fingerprint != '' }}"
    );
    let apply_step = apply["steps"].as_sequence().unwrap().last().unwrap();
    assert_eq!(
        apply_step["env"]["XTASK_EXPECT_PLAN"],
        "${{ needs.plan-shared.outputs.fingerprint }}"
    );
    assert_eq!(
        apply_step["env"]["XTASK_APPROVED_ENVIRONMENT"],
        "prod-approval"
    );
    assert_eq!(apply_step["env"]["GITHUB_TOKEN"], "${{ github.token }}");
    assert_eq!(
        apply_step["run"],
        "exec .xtask/xtask deploy shared --env prod --expect-plan \"$XTASK_EXPECT_PLAN\" --planned-at \"$XTASK_PLANNED_AT\" --no-notify --format github"
    );

    // Every `uses:` is pinned to a full commit SHA.
    for file in yaml_files(dir.path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text
            .lines()
            .filter(|l| l.trim_start().starts_with("- uses:"))
        {
            let reference = line
                .split('@')
                .nth(1)
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("");
            assert!(
                reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit()),
                "{}: {line}",
                file.display()
            );
        }
    }
}

#[test]
fn no_event_data_is_interpolated_into_scripts() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    for file in yaml_files(dir.path()) {
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for (_, job) in doc["jobs"].as_mapping().unwrap() {
            for step in job["steps"].as_sequence().unwrap() {
                if let Some(run) = step["run"].as_str() {
                    assert!(
                        !run.contains("${{"),
                        "{}: `{run}` interpolates an expression",
                        file.display()
                    );
                }
            }
        }
    }
}

#[test]
fn workflows_validate_against_githubs_schema() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    let out = Command::new(linter("check-jsonschema"))
        .args(["--builtin-schema", "vendor.github-workflows"])
        .args(yaml_files(dir.path()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn zizmor_finds_nothing_at_medium_or_above() {
    let dir = tempfile::tempdir().unwrap();
    let workflows = dir.path().join(".github/workflows");
    generate_into(&workflows);
    let out = Command::new(linter("zizmor"))
        .args(["--offline", "--no-progress", "--min-severity", "medium"])
        .arg(&workflows)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zizmor:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_fails_with_a_diff_after_a_hand_edit_and_generate_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    let file = dir.path().join("deploy-prod.yml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("      - 'main'\n", "      - 'main'\n      - 'web-extra'\n"),
    )
    .unwrap();
    // A generated file the config no longer makes is stale too.
    let stale = dir.path().join("deploy-old-prod.yml");
    std::fs::write(&stale, format!("{}\nname: old\n", xtask::ci::HEADER)).unwrap();
    // Files that are not ours are left alone.
    std::fs::write(dir.path().join("hand-written.yml"), "name: mine\n").unwrap();

    let check = |dir: &Path| {
        xtask(&[
            "ci",
            "check",
            "--config",
            example_config_path().to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ])
    };
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("-      - 'web-extra'"), "{stdout}");
    assert!(stdout.contains("deploy-old-prod.yml"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `cargo xtask ci generate`"));

    generate_into(dir.path());
    assert!(!stale.exists());
    assert!(dir.path().join("hand-written.yml").exists());
    assert!(check(dir.path()).status.success());
}

#[test]
fn generate_never_replaces_a_workflow_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("deploy-check.yml");
    std::fs::write(&mine, "name: my own check\n").unwrap();
    let out = xtask(&[
        "ci",
        "generate",
        "--config",
        example_config_path().to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("deploy-check.yml exists and was not written by `cargo xtask ci generate`"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "name: my own check\n"
    );
    assert_eq!(yaml_files(dir.path()).len(), 1, "nothing else written");
}

/// The binary's cache key hashes the toolkit's sources where it lives, and
/// nothing else of the repository: a push that does not touch the toolkit
/// restores the binary.
#[test]
fn the_binary_cache_key_is_made_of_the_toolkits_sources_only() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    for file in yaml_files(dir.path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("key: xtask-"))
            .collect();
        assert!(!keys.is_empty(), "{}: no binary cache", file.display());
        for key in keys {
            let files = key
                .split("hashFiles(")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
                .unwrap();
            for f in files.split(", ") {
                assert!(f.starts_with("'tools/deploy/"), "{}: {f}", file.display());
            }
            for wanted in ["Cargo.lock", "*/src/**", "*/Cargo.toml"] {
                assert!(files.contains(&format!("'tools/deploy/{wanted}'")), "{key}");
            }
        }
    }
}
