//! `cargo xtask plan` as a user runs it: the binary, its stdout, stderr and exit
//! code, on a real repository.

use std::process::{Command, Output};
use test_support::GitRepo;

fn example_repo() -> GitRepo {
    let repo = GitRepo::new();
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/connect2/deploy.toml"
    );
    repo.write("deploy.toml", &std::fs::read_to_string(config).unwrap())
        .write("api/app/main.py", "x\n")
        .write("web/src/App.tsx", "x\n")
        .write("infrastructure/terraform/environments/prod/main.tf", "x\n");
    repo.commit("initial");
    repo
}

fn xtask(repo: &GitRepo, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(repo.path())
        .env_remove("GITHUB_EVENT_NAME")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn json_is_one_object_on_stdout_in_run_order() {
    let repo = example_repo();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.write("web/src/App.tsx", "y\n")
        .write("infrastructure/terraform/environments/prod/main.tf", "y\n")
        .write("api/docs/x.md", "y\n");
    let head = repo.commit("change");
    let out = xtask(&repo, &["plan", "--changed", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert_eq!(plan["base"], base);
    assert_eq!(plan["head"], head);
    let targets = plan["targets"].as_array().unwrap();
    let names: Vec<&str> = targets
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shared", "web"]);
    assert_eq!(targets[0]["kind"], "terraform");
    assert_eq!(targets[1]["kind"], "static-site");
    assert_eq!(targets[1]["paths"], serde_json::json!(["web/src/App.tsx"]));
    // Which base and why goes to stderr.
    assert!(stderr(&out).contains("HEAD is on main"), "{}", stderr(&out));
}

#[test]
fn nothing_changed_is_an_empty_array_not_an_error() {
    let repo = example_repo();
    repo.write("README.md", "docs only\n");
    repo.commit("docs");
    let out = xtask(&repo, &["plan", "--changed", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["targets"], serde_json::json!([]));
}

#[test]
fn text_lists_matching_paths_per_target() {
    let repo = example_repo();
    repo.write("api/app/main.py", "y\n")
        .write("api/app/other.py", "y\n");
    repo.commit("api");
    let out = xtask(&repo, &["plan", "--changed", "--env", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("1 of 5 targets deploy to prod"), "{text}");
    assert!(
        text.contains("api/app/main.py") && text.contains("api/app/other.py"),
        "{text}"
    );
    assert!(
        text.contains("not deploying: shared, api-infra, web-infra, web"),
        "{text}"
    );
}

#[test]
fn github_format_writes_step_outputs() {
    let repo = example_repo();
    repo.write("api/app/main.py", "y\n")
        .write("web/src/App.tsx", "y\n");
    repo.commit("both");
    let output_file = repo.path().join("github_output");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["plan", "--changed", "--format", "github"])
        .current_dir(repo.path())
        .env("GITHUB_OUTPUT", &output_file)
        .env_remove("GITHUB_EVENT_NAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&output_file).unwrap();
    let (head, planned_at) = written
        .rsplit_once("planned_at=")
        .unwrap_or_else(|| panic!("no planned_at: {written}"));
    assert_eq!(head, "targets=[\"api\",\"web\"]\nany=true\n");
    // When the plan was made, for `deploy --planned-at`: RFC 3339 UTC.
    let planned_at = planned_at.strip_suffix('\n').unwrap();
    assert!(
        planned_at.len() == "2026-12-07T11:00:00.000Z".len() && planned_at.ends_with('Z'),
        "{planned_at}"
    );
}

#[test]
fn github_push_event_is_read_from_the_environment() {
    let repo = example_repo();
    let before = repo.git(&["rev-parse", "HEAD"]);
    repo.write("infrastructure/modules/vpc.tf", "y\n");
    let after = repo.commit("infra");
    repo.write("web/src/App.tsx", "later\n");
    repo.commit("a later commit the event does not cover");
    let event = repo.path().join("event.json");
    std::fs::write(
        &event,
        serde_json::json!({"before": before, "after": after}).to_string(),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["plan", "--changed", "--format", "json"])
        .current_dir(repo.path())
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["head"], after);
    assert_eq!(plan["targets"][0]["name"], "shared");
    assert_eq!(plan["targets"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let repo = example_repo();
    repo.write("api/app/main.py", "y\n");
    repo.commit("api");
    let cases: &[(&[&str], &str)] = &[
        (&["plan", "--changed", "--env", "qa"], "--env qa"),
        (&["plan", "nope"], "unknown target `nope`"),
        (&["plan"], "--changed, --all, or target names"),
        (
            &["plan", "--changed", "--base", "HEAD", "--head", "nope"],
            "--head",
        ),
        (
            &["plan", "--changed", "--config", "missing.toml"],
            "missing.toml",
        ),
        (
            &["plan", "--changed", "--format", "github"],
            "GITHUB_OUTPUT",
        ),
        (&["plan", "--changed", "--format", "yaml"], "yaml"),
    ];
    for (args, expected) in cases {
        let out = xtask(&repo, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(expected), "{args:?}: {err}");
        if !args.contains(&"yaml") {
            // clap's own usage errors span several lines; ours are one.
            assert_eq!(
                err.trim_end()
                    .lines()
                    .filter(|l| l.starts_with("error"))
                    .count(),
                1,
                "{err}"
            );
        }
    }
}

#[test]
fn bad_config_exits_2_naming_file_and_key() {
    let repo = example_repo();
    let config = std::fs::read_to_string(repo.file("deploy.toml")).unwrap();
    repo.write(
        "deploy.toml",
        &config.replace("after = [\"shared\"]", "after = [\"sharde\"]"),
    );
    let out = xtask(&repo, &["plan", "--all"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("deploy.toml: targets.") && err.contains("sharde"),
        "{err}"
    );
}

#[test]
fn unknown_base_exits_2_unless_all_if_unknown() {
    let repo = GitRepo::new();
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/connect2/deploy.toml"
    );
    repo.write("deploy.toml", &std::fs::read_to_string(config).unwrap())
        .write("api/app/main.py", "x\n");
    repo.commit("root commit only");
    let out = xtask(&repo, &["plan", "--changed"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--all-if-unknown"),
        "{}",
        stderr(&out)
    );
    let out = xtask(
        &repo,
        &["plan", "--changed", "--all-if-unknown", "--format", "json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["targets"].as_array().unwrap().len(), 5);
    assert_eq!(plan["base"], serde_json::Value::Null);
}

#[test]
fn works_from_a_subdirectory_and_with_repo() {
    let repo = example_repo();
    repo.write("web/src/App.tsx", "y\n");
    repo.commit("web");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["plan", "--changed", "--format", "json"])
        .current_dir(repo.path().join("api/app"))
        .env_remove("GITHUB_EVENT_NAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"web\""));
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["plan", "--changed", "--repo"])
        .arg(repo.path())
        .current_dir(elsewhere.path())
        .env_remove("GITHUB_EVENT_NAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The names `plan --changed --format json` selects, with `args` added.
fn planned_names(repo: &GitRepo, args: &[&str]) -> Vec<String> {
    let mut all = vec!["plan", "--changed", "--base", "HEAD~1", "--format", "json"];
    all.extend_from_slice(args);
    let out = xtask(repo, &all);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    plan["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// A change to deploy.toml alone deploys the targets whose settings it
/// changed (their paths did not change), and only those, per environment.
#[test]
fn a_deploy_toml_change_selects_the_targets_whose_settings_changed() {
    let repo = example_repo();
    let config = std::fs::read_to_string(repo.file("deploy.toml")).unwrap();

    // A cache rule of web: web, in every environment.
    repo.write(
        "deploy.toml",
        &config.replace("public, max-age=300", "public, max-age=600"),
    );
    repo.commit("web: shorter cache");
    assert_eq!(planned_names(&repo, &[]), ["web"]);
    let out = xtask(&repo, &["plan", "--changed", "--base", "HEAD~1"]);
    assert!(
        stdout(&out).contains("deploy.toml (targets.web settings for"),
        "{}",
        stdout(&out)
    );

    // The dev network of shared: shared for dev, nothing for prod.
    let config = std::fs::read_to_string(repo.file("deploy.toml")).unwrap();
    repo.write(
        "deploy.toml",
        &config
            .replacen(
                "vpc_cidr = \"10.10.0.0/16\"",
                "vpc_cidr = \"10.10.0.0/16\" # dev",
                1,
            )
            .replace("10.10.32.0/20", "10.10.48.0/20"),
    );
    repo.commit("dev: another private subnet");
    assert_eq!(planned_names(&repo, &["--env", "dev"]), ["shared"]);
    assert!(planned_names(&repo, &["--env", "prod"]).is_empty());

    // Only a target's paths (not its settings) and a comment: nothing deploys.
    let config = std::fs::read_to_string(repo.file("deploy.toml")).unwrap();
    repo.write(
        "deploy.toml",
        &format!(
            "# reviewed\n{}",
            config.replace(
                "paths = [\"api/**\", \"!api/docs/**\"]",
                "paths = [\"api/**\"]"
            )
        ),
    );
    repo.commit("api paths");
    assert!(planned_names(&repo, &[]).is_empty());

    // A deploy.toml that did not load at the base: every target.
    repo.write("deploy.toml", "not toml [");
    repo.commit("broken");
    repo.write("deploy.toml", &config);
    repo.commit("fixed");
    assert_eq!(
        planned_names(&repo, &[]),
        ["shared", "api-infra", "web-infra", "api", "web"]
    );
}
