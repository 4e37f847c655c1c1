//! #25 finding 8: a cancelled run reaches xtask, and no job runs six hours.
//! A step's script runs as GitHub runs it (a file, `bash -e`), is cancelled
//! as the runner cancels it (`test_support::actions::cancel`: SIGINT to the
//! shell, SIGTERM 7.5 s later, then SIGKILL), with a stand-in for xtask that
//! records the signals it gets.

mod workflow_support;

use std::path::Path;
use test_support::actions::cancel::run_and_cancel;
use test_support::actions::Workflow;
use workflow_support::*;

const FILES: &[&str] = &[
    "deploy-dev",
    "deploy-staging",
    "deploy-prod",
    "rollback",
    "drift",
    "pr-preview",
    "preview-sweep",
    "deploy-check",
];

/// Every `run:` script of `wf` that runs xtask.
fn xtask_scripts(wf: &Workflow) -> Vec<(String, String)> {
    wf.jobs()
        .into_iter()
        .flat_map(|job| {
            wf.scripts(&job)
                .into_iter()
                .filter(|s| s.contains(".xtask/xtask ") && !s.contains("chmod"))
                .map(move |s| (job.clone(), s))
        })
        .collect()
}

#[test]
fn every_step_execs_xtask_as_its_last_command() {
    let old = xtask_scripts(&before("deploy-prod"));
    assert!(!old.is_empty());
    assert!(old.iter().all(|(_, s)| !s.contains("exec ")), "{old:?}");

    let mut seen = 0;
    for file in FILES {
        for (job, script) in xtask_scripts(&now(file)) {
            let last = script.trim_end().lines().last().unwrap().trim();
            assert!(
                last.starts_with("exec .xtask/xtask "),
                "{file}/{job}: {script}"
            );
            // xtask runs nowhere else in it.
            assert_eq!(script.matches(".xtask/xtask ").count(), 1, "{file}/{job}");
            seen += 1;
        }
    }
    assert!(seen >= 40, "{seen}");
}

#[test]
fn every_job_has_a_timeout_that_fits_its_work() {
    let old = before("deploy-prod");
    assert!(old
        .jobs()
        .iter()
        .all(|j| old.job(j)["timeout-minutes"].is_null()));

    for file in FILES {
        let wf = now(file);
        for job in wf.jobs() {
            let minutes = wf.job(&job)["timeout-minutes"]
                .as_u64()
                .unwrap_or_else(|| panic!("{file}/{job}: no timeout-minutes"));
            assert!((5..=120).contains(&minutes), "{file}/{job}: {minutes}");
        }
    }
    let wf = now("deploy-prod");
    let minutes = |job: &str| wf.job(job)["timeout-minutes"].as_u64().unwrap();
    // The API: its image build (20m), migrations (before_rollout's 15m), the
    // rollout (15m) stretched by the bake (5m), the bake, the smoke check
    // (2m), 10m of margin, and a fallback build of xtask (30m).
    assert_eq!(minutes("deploy-api"), 20 + 15 + 15 + 5 + 5 + 2 + 10 + 30);
    assert_eq!(minutes("deploy-shared"), 60 + 30);
    // The approval job's wait for reviewers is not run time: only its echo is.
    assert_eq!(minutes("approve-shared"), 5);
}

/// A stand-in for xtask: says it started, then waits, recording each
/// signal it gets (and exiting on it, as xtask does after releasing its
/// locks). It ends by itself after 20 s, so an orphan does not linger.
fn stand_in(dir: &Path) {
    let script = r#"#!/usr/bin/env bash
trap 'echo INT >> signals; exit 130' INT
trap 'echo TERM >> signals; exit 143' TERM
echo $$ > pid
touch started
for _ in $(seq 400); do sleep 0.05; done
"#;
    std::fs::create_dir_all(dir.join(".xtask")).unwrap();
    let path = dir.join(".xtask/xtask");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Cancels job `job`'s deploy step of `wf` and says what the stand-in got.
fn cancel_deploy(wf: &Workflow, job: &str) -> (String, Vec<&'static str>) {
    let dir = tempfile::tempdir().unwrap();
    stand_in(dir.path());
    let script = wf.scripts(job).last().unwrap().clone();
    let cancelled = run_and_cancel(&script, dir.path(), &[], &dir.path().join("started"), 0.2);
    // Give an orphaned stand-in a moment to write what it got.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let got = std::fs::read_to_string(dir.path().join("signals")).unwrap_or_default();
    // The stand-in this test started, by its id, if the shell left it behind.
    if let Ok(pid) = std::fs::read_to_string(dir.path().join("pid")) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", pid.trim()])
            .stderr(std::process::Stdio::null())
            .status();
    }
    (got, cancelled.sent)
}

#[test]
fn a_cancel_reaches_xtask_only_when_the_step_execs_it() {
    // Before: the runner's SIGINT and SIGTERM stop at the shell; xtask runs
    // on, its lock held, until the runner's machine goes away.
    let (got, sent) = cancel_deploy(&before("deploy-prod"), "deploy-api");
    assert_eq!(got, "", "the stand-in got {got:?}");
    assert_eq!(sent, ["INT", "TERM"], "the shell died of SIGTERM");

    // Now: xtask is the step's process; SIGINT reaches it at once.
    let (got, sent) = cancel_deploy(&now("deploy-prod"), "deploy-api");
    assert_eq!(got, "INT\n");
    assert_eq!(sent, ["INT"]);
}
