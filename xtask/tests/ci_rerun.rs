//! The xtask binary when a job runs long after its run's `build` (#25,
//! finding 6): an apply approved days later, *Re-run failed jobs* after the
//! artifact expired, the cache evicted too. Each case runs a job's setup steps
//! with `test_support::runner` (artifacts by retention, the cache by key and
//! eviction, `hashFiles` over a checkout) on the example's committed prod
//! workflow, and on the one committed before (artifact only), where it fails.

use serde_json::json;
use std::path::{Path, PathBuf};
use test_support::actions::{JobRun, Workflow};
use test_support::runner::{set_up, Storage};

fn now() -> Workflow {
    Workflow::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/connect2/.github/workflows/deploy-prod.yml"),
    )
}

fn before() -> Workflow {
    Workflow::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../test-support/fixtures/workflows/deploy-prod-before-adoption.yml"),
    )
}

/// A checkout of the example adopted as docs/ADOPTING.md says: the toolkit's
/// sources under tools/deploy, the monorepo's own files beside it.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in [
        ("tools/deploy/Cargo.lock", "# lock\n"),
        ("tools/deploy/Cargo.toml", "[workspace]\n"),
        ("tools/deploy/xtask/Cargo.toml", "[package]\n"),
        ("tools/deploy/xtask/src/main.rs", "fn main() {}\n"),
        ("tools/deploy/docs/README.md", "toolkit docs\n"),
        ("api/app/main.py", "v1\n"),
    ] {
        write(dir.path(), path, text);
    }
    dir
}

fn write(root: &Path, path: &str, text: &str) {
    let file: PathBuf = root.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, text).unwrap();
}

#[test]
fn an_apply_approved_three_days_later_restores_the_binary_from_the_cache() {
    let repo = checkout();
    let mut storage = Storage::default();
    let build = set_up(&now(), "build", repo.path(), 0.0, &mut storage);
    assert!(build.ok && build.compiled, "{build:?}");
    let apply = set_up(&now(), "deploy-shared", repo.path(), 3.0, &mut storage);
    assert!(apply.ok, "{apply:?}");
    assert!(!apply.compiled, "restored, not compiled: {apply:?}");
    assert!(
        apply
            .steps
            .contains(&("actions/download-artifact".into(), "failure".into())),
        "{apply:?}"
    );

    // The workflow before: the download fails, and so does the apply.
    let mut storage = Storage::default();
    assert!(set_up(&before(), "build", repo.path(), 0.0, &mut storage).ok);
    let apply = set_up(&before(), "deploy-shared", repo.path(), 3.0, &mut storage);
    assert!(!apply.ok, "{apply:?}");
}

#[test]
fn a_rerun_after_the_cache_was_evicted_builds_the_binary() {
    let repo = checkout();
    let mut storage = Storage::default();
    assert!(set_up(&now(), "build", repo.path(), 0.0, &mut storage).ok);
    // Re-run failed jobs ten days later: `build` succeeded, so it does not
    // run again; its artifact expired after a day, its cache entry after 7
    // days without use.
    let rerun = set_up(&now(), "deploy-api", repo.path(), 10.0, &mut storage);
    assert!(rerun.ok && rerun.compiled, "{rerun:?}");
    // The rebuilt binary is cached again for the next job.
    let next = set_up(&now(), "deploy-web", repo.path(), 10.5, &mut storage);
    assert!(next.ok && !next.compiled, "{next:?}");

    let mut storage = Storage::default();
    assert!(set_up(&before(), "build", repo.path(), 0.0, &mut storage).ok);
    assert!(!set_up(&before(), "deploy-api", repo.path(), 10.0, &mut storage).ok);
}

#[test]
fn within_the_artifacts_day_jobs_download_it_and_nothing_else() {
    let repo = checkout();
    let mut storage = Storage::default();
    assert!(set_up(&now(), "build", repo.path(), 0.0, &mut storage).ok);
    // Every job that runs xtask; the approval and wrong-branch jobs run none.
    let runs_xtask = |j: &String| {
        now()
            .scripts(j)
            .iter()
            .any(|s| s.contains("exec .xtask/xtask"))
    };
    let jobs: Vec<String> = now()
        .jobs()
        .into_iter()
        .filter(|j| j != "build" && runs_xtask(j))
        .collect();
    assert_eq!(jobs.len(), 10, "{jobs:?}");
    for job in jobs {
        let setup = set_up(&now(), &job, repo.path(), 0.2, &mut storage);
        assert!(setup.ok && !setup.compiled, "{job}: {setup:?}");
        assert!(
            !setup.steps.iter().any(|(s, _)| s == "actions/cache"),
            "{job}: {setup:?}"
        );
    }
}

#[test]
fn a_push_that_does_not_touch_the_toolkit_restores_the_binary_instead_of_compiling() {
    let repo = checkout();
    let mut storage = Storage::default();
    assert!(set_up(&now(), "build", repo.path(), 0.0, &mut storage).compiled);
    // The monorepo's own code and the toolkit's docs: the same binary.
    write(repo.path(), "api/app/main.py", "v2\n");
    write(repo.path(), "tools/deploy/docs/README.md", "more docs\n");
    let build = set_up(&now(), "build", repo.path(), 1.0, &mut storage);
    assert!(build.ok && !build.compiled, "{build:?}");
    // The toolkit's sources: built once, then restored.
    write(
        repo.path(),
        "tools/deploy/xtask/src/main.rs",
        "fn main() { }\n",
    );
    assert!(set_up(&now(), "build", repo.path(), 2.0, &mut storage).compiled);
    assert!(!set_up(&now(), "build", repo.path(), 3.0, &mut storage).compiled);
    write(repo.path(), "tools/deploy/Cargo.lock", "# another lock\n");
    assert!(set_up(&now(), "build", repo.path(), 4.0, &mut storage).compiled);
}

/// *Re-run failed jobs* three days later (#25 findings 5 and 6): only the
/// failed deploy and what needs it run again; on the run's own commit (the
/// checkout names no `ref`, so it is `github.sha`, the first run's), with the
/// first plan's targets and time (`--planned-at`: xtask refuses a target
/// rolled back since); the artifact expired, the binary from the cache.
#[test]
fn a_rerun_days_later_runs_the_failed_jobs_on_the_original_commit() {
    let repo = checkout();
    let wf = now();
    let sha = "3f2c1ab9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f";
    let ctx = json!({
        "inputs": {},
        "github": { "event_name": "push", "ref": "refs/heads/main", "sha": sha },
    });
    let mut storage = Storage::default();
    let first = wf.run(&ctx, |job, _| {
        assert!(set_up(&wf, job, repo.path(), 0.0, &mut storage).ok, "{job}");
        match job {
            "plan" => JobRun::success()
                .with_output("plan", "targets", "[\"api\",\"web\"]")
                .with_output("plan", "planned_at", "2026-12-04T09:00:00Z"),
            "deploy-api" => JobRun::failure(),
            _ => JobRun::success(),
        }
    });
    assert_eq!(first.result("deploy-web"), "success");
    let rerun = wf.rerun_failed(&first, |job, run| {
        let setup = set_up(&wf, job, repo.path(), 3.0, &mut storage);
        assert!(setup.ok && !setup.compiled, "{job}: {setup:?}");
        assert!(
            setup
                .steps
                .contains(&("actions/download-artifact".into(), "failure".into())),
            "{job}: the artifact expired: {setup:?}"
        );
        assert_eq!(run.context["github"]["sha"], sha);
        JobRun::success()
    });
    assert_eq!(rerun.started, ["deploy-api", "report"]);
    assert_eq!(rerun.result("deploy-web"), "success", "kept, not re-run");
    let checkout = &wf.job("deploy-api")["steps"][0];
    assert!(checkout["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/checkout@"));
    assert!(
        checkout["with"]["ref"].is_null(),
        "github.sha: the run's own commit"
    );
    let env = wf.step_env("deploy-api", "deploy", &rerun.context, &rerun);
    assert_eq!(env["XTASK_PLANNED_AT"], "2026-12-04T09:00:00Z");
}
