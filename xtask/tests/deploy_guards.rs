//! What a deploy refuses by the ledger, before any lock: moving a target to a
//! commit that does not come after the live one (a GitHub re-run of an older
//! run), unless `--allow-rewind`; and deploying a target rolled back after the
//! run's `--planned-at` (a run that waited for an approval while someone
//! rolled back). Real git repositories, the binary, the emulator
//! (`test_support::StaticSite`: a static site, cheap to deploy for real).

use std::process::{Command, Output};

use test_support::cli::{all_output, text, Xtask};
use test_support::StaticSite;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// Exit 2 and one `error:` line holding each of `words`.
fn assert_refused(out: &Output, words: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "{}", all_output(out));
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    for w in words {
        assert!(errors[0].contains(w), "{w:?} in {}", errors[0]);
    }
}

/// The site at v1 deployed, then v2 on top: (c1, c2).
async fn deployed_twice() -> (StaticSite, String, String) {
    let s = StaticSite::versioned(XTASK).await;
    let c1 = s.repo.git(&["rev-parse", "HEAD"]);
    s.deploy_ok(&[]);
    s.put_file("index.html", b"<h1>v2</h1>");
    let c2 = s.repo.commit("web: v2");
    s.deploy_ok(&[]);
    (s, c1, c2)
}

#[tokio::test]
async fn an_older_commit_is_refused_and_allow_rewind_deploys_it() {
    let (s, c1, c2) = deployed_twice().await;
    // A re-run of the first run: its commit, checked out.
    s.repo.git(&["checkout", "-q", &c1]);
    let (records, calls) = (s.history().len(), s.calls().len());
    let out = s.deploy(&[]);
    assert_refused(
        &out,
        &[
            &c1,
            &c2,
            "`cargo xtask rollback web prod`",
            "--allow-rewind",
        ],
    );
    assert_eq!(s.history().len(), records, "nothing recorded");
    assert_eq!(
        StaticSite::writes(&s.calls()[calls..]),
        Vec::<String>::new(),
        "nothing written"
    );
    assert_eq!(s.served("index.html").await.unwrap().body, b"<h1>v2</h1>");
    let keys = s.state_keys().await;
    assert!(!keys.iter().any(|k| k.starts_with("locks/")), "{keys:?}");

    // A dry run is refused the same way: it says what the deploy would do.
    let out = s.deploy(&["--dry-run"]);
    assert_refused(&out, &[&c1, "--allow-rewind"]);

    let out = s.deploy_ok(&["--allow-rewind"]);
    let history = s.history();
    assert_eq!(history.len(), records + 1, "{}", all_output(&out));
    assert_eq!(history[0]["git_sha"], c1.as_str());
    assert_ne!(s.served("index.html").await.unwrap().body, b"<h1>v2</h1>");
}

#[tokio::test]
async fn the_same_commit_or_a_later_one_deploys() {
    let (s, _, c2) = deployed_twice().await;
    // The same commit again (a re-run of the newest run).
    s.deploy_ok(&[]);
    s.put_file("index.html", b"<h1>v3</h1>");
    let c3 = s.repo.commit("web: v3");
    s.deploy_ok(&[]);
    let history = s.history();
    assert_eq!(history[0]["git_sha"], c3.as_str());
    assert_eq!(history[1]["git_sha"], c2.as_str());
}

#[tokio::test]
async fn a_live_commit_that_cannot_be_fetched_warns_and_deploys() {
    let (s, c1, c2) = deployed_twice().await;
    // A clone of the first commit only, whose origin no longer has the live
    // one (a force-push): nothing can say whether c1 comes after it.
    let clone = tempfile::tempdir().unwrap();
    let status = Command::new("git")
        .args(["clone", "-q", "--no-local", "--branch", "main"])
        .arg(s.repo.path())
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    for args in [
        vec!["reset", "-q", "--hard", c1.as_str()],
        vec!["remote", "set-head", "origin", "-d"],
        vec!["update-ref", "-d", "refs/remotes/origin/main"],
        vec!["remote", "set-url", "origin", "file:///nonexistent/repo"],
        vec!["reflog", "expire", "--expire=now", "--all"],
        vec!["gc", "-q", "--prune=now"],
    ] {
        let status = Command::new("git")
            .args(&args)
            .current_dir(clone.path())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }
    let out = Xtask::on_emulator(XTASK, clone.path()).run(&[
        "deploy",
        "web",
        "--env",
        "prod",
        "--poll-interval",
        "50ms",
    ]);
    assert!(out.status.success(), "{}", all_output(&out));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("the commit live in prod by the ledger, {c2}"))
            && stderr.contains("could not be fetched")
            && stderr.contains("deploying"),
        "{stderr}"
    );
    assert_eq!(s.history()[0]["git_sha"], c1.as_str());
}

#[tokio::test]
async fn a_rollback_after_the_plan_stops_the_deploy_and_a_new_plan_goes_on() {
    let (s, _, c2) = deployed_twice().await;
    // The workflow's plan job, then the wait for an approval...
    let outputs = tempfile::NamedTempFile::new().unwrap();
    let out = s
        .command(&[
            "plan",
            "--changed",
            "--env",
            "prod",
            "--format",
            "github",
            "--all-if-unknown",
        ])
        .env("GITHUB_OUTPUT", outputs.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    let written = std::fs::read_to_string(outputs.path()).unwrap();
    let planned_at = written
        .lines()
        .find_map(|l| l.strip_prefix("planned_at="))
        .unwrap_or_else(|| panic!("no planned_at in $GITHUB_OUTPUT: {written}"))
        .to_string();
    assert!(planned_at.ends_with('Z'), "{planned_at}");
    std::thread::sleep(std::time::Duration::from_millis(20));
    // ...during which someone rolls web back.
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let records = s.history().len();
    let rolled_back_at = s.history()[0]["finished_at"].as_str().unwrap().to_string();

    let out = s.deploy(&["--planned-at", &planned_at]);
    assert_refused(
        &out,
        &[
            &format!("web was rolled back in prod at {rolled_back_at}, after this run planned at {planned_at}"),
            "run the workflow again",
        ],
    );
    assert_eq!(s.history().len(), records, "nothing recorded");

    // A run planned after the rollback deploys (the same commit: no rewind).
    let later = s.history()[0]["finished_at"].as_str().unwrap().to_string();
    let later = later.replace('Z', "1Z");
    s.deploy_ok(&["--planned-at", &later]);
    assert_eq!(s.history()[0]["git_sha"], c2.as_str());
    assert_eq!(s.history()[0]["action"], "deploy");
}

#[tokio::test]
async fn planned_at_must_be_an_rfc_3339_utc_time() {
    let s = StaticSite::versioned(XTASK).await;
    for bad in ["yesterday", "2026-12-07", "2026-12-07T11:00:00+02:00"] {
        let out = s.deploy(&["--planned-at", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", all_output(&out));
        assert!(
            text(&out.stderr).contains("--planned-at") && text(&out.stderr).contains("RFC 3339"),
            "{}",
            all_output(&out)
        );
    }
    assert!(s.history().is_empty());
}
