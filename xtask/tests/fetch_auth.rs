//! The fetch of a deployed commit the clone lacks, authenticated as
//! actions/checkout authenticates: with `GITHUB_TOKEN` set and an https
//! origin, `git fetch` gets the token as an `http.<origin>/.extraheader`
//! through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0` — never in
//! its arguments — and a commit that still cannot be fetched plans its target
//! in full, saying why. A stand-in `git` first on PATH records what it was
//! given, then runs the real one; origin is an https URL nothing answers.

use std::path::Path;
use std::process::Command;

use test_support::cli::{all_output, text, Xtask};
use test_support::StaticSite;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");
const TOKEN: &str = "ghs_fetchtoken0123456789";

fn git_in(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[tokio::test]
async fn the_token_goes_in_git_config_variables_and_an_unfetchable_commit_plans_in_full() {
    let s = StaticSite::versioned(XTASK).await;
    let c1 = s.repo.git(&["rev-parse", "HEAD"]);
    s.put_file("index.html", b"<h1>v2</h1>");
    let c2 = s.repo.commit("web: v2");
    s.deploy_ok(&[]);

    // A clone at c1 that has never seen c2, whose origin is an https URL.
    let clone = tempfile::tempdir().unwrap();
    let status = Command::new("git")
        .args(["clone", "-q", "--no-local"])
        .arg(s.repo.path())
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    for args in [
        vec!["reset", "-q", "--hard", c1.as_str()],
        vec!["remote", "set-head", "origin", "-d"],
        vec!["update-ref", "-d", "refs/remotes/origin/main"],
        vec![
            "remote",
            "set-url",
            "origin",
            "https://127.0.0.1:1/acme/connect2.git",
        ],
        vec!["reflog", "expire", "--expire=now", "--all"],
        vec!["gc", "-q", "--prune=now"],
    ] {
        git_in(clone.path(), &args);
    }

    // The stand-in git: its arguments and GIT_CONFIG_* variables, then the real one.
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("calls.log");
    let real =
        String::from_utf8(Command::new("which").arg("git").output().unwrap().stdout).unwrap();
    std::fs::write(
        bin.path().join("git"),
        format!(
            "#!/bin/bash\n{{ printf 'ARGS'; printf ' %s' \"$@\"; echo; env | grep '^GIT_CONFIG_' | sort; }} >> '{}'\nexec {} \"$@\"\n",
            log.display(),
            real.trim()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.path().join("git"))
        .status()
        .unwrap();

    let out = Xtask::on_emulator(XTASK, clone.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.path().display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .env("GITHUB_TOKEN", TOKEN)
        .env_remove("GIT_CONFIG_COUNT")
        .run(&[
            "plan",
            "--changed",
            "--env",
            "prod",
            "--format",
            "json",
            "--all-if-unknown",
        ]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(!all_output(&out).contains(TOKEN), "{}", all_output(&out));

    let calls = std::fs::read_to_string(&log).unwrap();
    let fetch = calls
        .split("ARGS")
        .find(|c| c.contains(" fetch "))
        .unwrap_or_else(|| panic!("no git fetch: {calls}"));
    let (args, env) = fetch.split_once('\n').unwrap();
    assert!(args.contains(&format!("--depth=1 origin {c2}")), "{args}");
    assert!(
        !args.contains(TOKEN) && !args.contains("extraheader"),
        "{args}"
    );
    // base64("x-access-token:" + TOKEN), as actions/checkout sends it.
    let basic = "eC1hY2Nlc3MtdG9rZW46Z2hzX2ZldGNodG9rZW4wMTIzNDU2Nzg5";
    let expected = format!(
        "GIT_CONFIG_COUNT=1\nGIT_CONFIG_KEY_0=http.https://127.0.0.1:1/.extraheader\nGIT_CONFIG_VALUE_0=AUTHORIZATION: basic {basic}\n"
    );
    assert_eq!(env, expected);

    // The commit could not be fetched: web is planned in full, saying why.
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let web = &plan["targets"][0];
    assert_eq!(web["name"], "web", "{plan}");
    let why = web["since"]["why"].as_str().unwrap();
    assert!(
        why.contains(&c2)
            && why.contains("could not be fetched")
            && why.contains("planned in full"),
        "{why}"
    );
    assert!(text(&out.stderr).contains("could not be fetched"));
}
