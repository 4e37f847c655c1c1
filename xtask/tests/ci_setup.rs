//! `cargo xtask ci setup --env ENV`: the printed script runs as printed. It is
//! parsed with `bash -n`, then run with bash against a stand-in `gh` on PATH
//! that records each call (its arguments and what it read on stdin) and
//! answers user-id lookups, as `gh api users/LOGIN --jq .id` does; each
//! request body is then read as JSON and held to GitHub's REST reference
//! ("Create or update an environment", "Create a deployment branch policy")
//! and `gh variable set`'s flags.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use test_support::cli::{all_output, text, Xtask};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/connect2")
}

fn setup(args: &[&str]) -> std::process::Output {
    let config = example().join("deploy.toml");
    let mut all = vec!["ci", "setup", "--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    Xtask::new(XTASK, example()).run(&all)
}

/// One call of the stand-in `gh`.
#[derive(Debug)]
struct Call {
    args: Vec<String>,
    stdin: String,
}

impl Call {
    fn body(&self) -> Value {
        serde_json::from_str(&self.stdin)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.stdin))
    }
    fn has(&self, words: &[&str]) -> bool {
        self.args.windows(words.len()).any(|w| w == words)
    }
}

/// Runs `script` with bash, the stand-in `gh` first on PATH, `stdin` as its
/// input; the calls it made.
fn run_with_gh(script: &str, stdin: &str) -> Vec<Call> {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::create_dir(&log).unwrap();
    let gh = dir.path().join("gh");
    std::fs::write(
        &gh,
        r#"#!/bin/bash
n=$(ls "$GH_LOG" | wc -l)
n=$(printf '%04d' $((n / 2)))
printf '%s\n' "$@" > "$GH_LOG/$n.args"
case "$*" in
  *"--jq .id"*) : > "$GH_LOG/$n.stdin"; echo 4242; exit 0 ;;
  *"--input -"*) cat > "$GH_LOG/$n.stdin" ;;
  "variable set"*"--body"*) : > "$GH_LOG/$n.stdin" ;;
  "variable set"*) IFS= read -r line; printf '%s' "$line" > "$GH_LOG/$n.stdin" ;;
  *) : > "$GH_LOG/$n.stdin" ;;
esac
"#,
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&gh).status().unwrap();
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env(
            "PATH",
            format!(
                "{}:{}",
                dir.path().display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .env("GH_LOG", &log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the script failed: {}",
        all_output(&out)
    );
    let mut names: Vec<PathBuf> = std::fs::read_dir(&log)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "args"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| Call {
            args: std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect(),
            stdin: std::fs::read_to_string(p.with_extension("stdin")).unwrap(),
        })
        .collect()
}

#[test]
fn the_staging_script_parses_and_runs_as_printed() {
    let out = setup(&[
        "--env",
        "staging",
        "--reviewers",
        "alice,bob",
        "--github-repo",
        "acme/connect2",
    ]);
    assert!(out.status.success(), "{}", all_output(&out));
    let script = text(&out.stdout);
    let parsed = Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "bash -n: {}\n{script}",
        all_output(&parsed)
    );

    // Two role ARNs deploy.toml does not hold are read from stdin (gh prompts).
    let calls = run_with_gh(
        &script,
        "arn:aws:iam::1:role/deploy\narn:aws:iam::1:role/drift\narn:aws:iam::1:role/preview\n",
    );
    let put = |env: &str| {
        calls
            .iter()
            .find(|c| {
                c.has(&[
                    "-X",
                    "PUT",
                    &format!("repos/acme/connect2/environments/{env}"),
                ])
            })
            .unwrap_or_else(|| panic!("no PUT of {env}: {calls:#?}"))
    };

    // staging: only its own branch, and main (the scheduled drift check's).
    let staging = put("staging").body();
    assert_eq!(
        staging["deployment_branch_policy"],
        serde_json::json!({"protected_branches": false, "custom_branch_policies": true})
    );
    assert!(staging.get("reviewers").is_none(), "{staging}");
    let branches = |env: &str| -> Vec<String> {
        let path = format!("repos/acme/connect2/environments/{env}/deployment-branch-policies");
        calls
            .iter()
            .filter(|c| c.has(&["-X", "POST", &path]) && c.has(&["-f", "type=branch"]))
            .map(|c| {
                let i = c.args.iter().position(|a| a.starts_with("name=")).unwrap();
                c.args[i].trim_start_matches("name=").to_string()
            })
            .collect()
    };
    assert_eq!(branches("staging"), ["staging", "main"]);

    // staging-approval: the two reviewers by id, no self-review, same branches.
    let approval = put("staging-approval").body();
    assert_eq!(approval["prevent_self_review"], true);
    assert_eq!(
        approval["reviewers"],
        serde_json::json!([{"type": "User", "id": 4242}, {"type": "User", "id": 4242}])
    );
    assert!(calls
        .iter()
        .any(|c| c.has(&["api", "users/alice", "--jq", ".id"])));
    assert!(calls
        .iter()
        .any(|c| c.has(&["api", "users/bob", "--jq", ".id"])));
    assert_eq!(branches("staging-approval"), ["staging", "main"]);

    // staging-preview: any branch (a pull request's).
    let preview = put("staging-preview").body();
    assert!(preview["deployment_branch_policy"].is_null(), "{preview}");
    assert!(branches("staging-preview").is_empty());

    // The variables the generated workflows read, in the right environments.
    let variable = |name: &str, env: &str| {
        calls
            .iter()
            .find(|c| {
                c.has(&["variable", "set", name])
                    && c.has(&["--env", env])
                    && c.has(&["--repo", "acme/connect2"])
            })
            .unwrap_or_else(|| panic!("no {name} in {env}: {calls:#?}"))
            .stdin
            .clone()
    };
    assert_eq!(
        variable("AWS_ROLE_ARN", "staging"),
        "arn:aws:iam::1:role/deploy"
    );
    assert_eq!(
        variable("AWS_READONLY_ROLE_ARN", "staging"),
        "arn:aws:iam::1:role/drift"
    );
    assert_eq!(
        variable("AWS_ROLE_ARN", "staging-preview"),
        "arn:aws:iam::1:role/preview"
    );
    // The approval environment gets no role.
    assert!(!calls
        .iter()
        .any(|c| c.has(&["variable", "set"]) && c.has(&["--env", "staging-approval"])));
}

#[test]
fn prod_has_no_preview_environment_and_defaults_to_the_current_repository() {
    let out = setup(&["--env", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let script = text(&out.stdout);
    assert!(
        script.contains("repos/{owner}/{repo}/environments/prod-approval"),
        "{script}"
    );
    assert!(script.contains("$(gh api user --jq .id)"), "{script}");
    assert!(!script.contains("preview"), "{script}");
    let calls = run_with_gh(&script, "a\nb\n");
    assert!(calls.iter().any(|c| c.has(&["api", "user", "--jq", ".id"])));
    let prod_branches: Vec<&Call> = calls
        .iter()
        .filter(|c| c.has(&["-f", "name=main"]))
        .collect();
    assert_eq!(prod_branches.len(), 2, "prod and prod-approval: main only");
    assert!(!calls.iter().any(|c| c.has(&["-f", "name=staging"])));
}

#[test]
fn bad_input_is_one_line_naming_the_flag() {
    for (args, flag) in [
        (vec!["--env", "nowhere"], "--env"),
        (vec!["--env", "local"], "branch"),
        (
            vec!["--env", "prod", "--github-repo", "not-a-repo"],
            "--github-repo",
        ),
        (
            vec!["--env", "prod", "--reviewers", "bad login"],
            "--reviewers",
        ),
        (
            vec!["--env", "prod", "--reviewers", "a,b,c,d,e,f,g"],
            "--reviewers",
        ),
    ] {
        let out = setup(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", all_output(&out));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing printed");
    }
}
