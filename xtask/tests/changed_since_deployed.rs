//! `plan/deploy --changed --env ENV`: each target compared from what is
//! deployed of it there, by the ledger, on a real repository against the
//! emulator (an ECS target `api`, a static-site target `web`): a failed deploy
//! comes back with the next push whatever it touches, a rollback is not undone
//! by an unrelated push, a cut-off run's target comes back, and a shallow clone
//! fetches the base commit it lacks (or plans that target in full, saying why).

use std::process::Command;
use test_support::cli::{all_output, text, Xtask};
use test_support::{emulator, enable_versioning, unique_name, EcsTarget, RolloutOutcome};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// The ECS fixture's repository with a static-site target `web` beside `api`.
async fn api_and_web() -> EcsTarget {
    let f = EcsTarget::new(XTASK).await;
    let bucket = unique_name("web");
    f.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    enable_versioning(&f.s3, &bucket).await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo
        .write(
            "deploy.toml",
            &format!(
                "{config}\n[targets.web]\nkind = \"static-site\"\npaths = [\"web/**\"]\n\
                 build_dir = \"web/dist\"\nbucket = \"{bucket}\"\n"
            ),
        )
        .write("web/dist/index.html", "<h1>v1</h1>");
    f.repo.commit("a web target");
    f
}

/// `plan --changed --env prod --format json`, in `dir`.
fn plan_in(dir: &std::path::Path, extra: &[&str]) -> (serde_json::Value, String) {
    let mut args = vec!["plan", "--changed", "--env", "prod", "--format", "json"];
    args.extend_from_slice(extra);
    let out = Xtask::on_emulator(XTASK, dir).run(&args);
    assert!(out.status.success(), "{}", all_output(&out));
    (
        serde_json::from_slice(&out.stdout).expect("the plan is JSON"),
        text(&out.stderr),
    )
}

fn planned(plan: &serde_json::Value) -> Vec<String> {
    plan["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// The range a target was compared in: planned or not.
fn since(plan: &serde_json::Value, target: &str) -> (String, String) {
    let entry = plan["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == target)
        .map(|t| &t["since"])
        .or_else(|| {
            plan["not_planned"]
                .as_array()?
                .iter()
                .find(|t| t["name"] == target)
                .map(|t| &t["since"])
        })
        .unwrap_or_else(|| panic!("{target} in {plan}"));
    (
        entry["base"].as_str().unwrap_or_default().to_string(),
        entry["why"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_failed_deploy_comes_back_and_a_rollback_stays() {
    let f = api_and_web().await;
    let root = f.repo.path();

    // Commit 1 deploys.
    let c1 = f.repo.git(&["rev-parse", "HEAD"]);
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));

    // Commit 2 changes the API; its rollout crash-loops and ECS rolls it back.
    f.repo.write("api/app/main.py", "app = 2\n");
    f.repo.commit("api: v3");
    f.scenario(RolloutOutcome::CrashLoop, 3, true).await;
    let out = f.deploy("v3", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));

    // Commit 3 touches only the site: by the push alone nothing of the API
    // changed; by the ledger the API is still at commit 1.
    f.repo.write("web/dist/index.html", "<h1>v2</h1>");
    let c3 = f.repo.commit("web: v2");
    let (plan, _) = plan_in(root, &[]);
    assert_eq!(planned(&plan), ["api", "web"], "{plan}");
    assert_eq!(
        since(&plan, "api"),
        (c1.clone(), "its last good deploy to prod".to_string())
    );
    assert!(since(&plan, "web").1.contains("first parent"), "{plan}");
    // Without --env (no ledger): today's rules, the site only.
    let out = Xtask::on_emulator(XTASK, root).run(&["plan", "--changed", "--format", "json"]);
    let plain: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(planned(&plain), ["web"]);
    // --base wins over the ledger.
    let (plan, _) = plan_in(root, &["--base", "HEAD~1"]);
    assert_eq!(planned(&plan), ["web"]);
    // The text plan says which base each target used.
    let out = Xtask::on_emulator(XTASK, root).run(&["plan", "--changed", "--env", "prod"]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains(&format!(
            "since {} (its last good deploy to prod)",
            &c1[..10]
        )),
        "{shown}"
    );

    // The next deploy --changed deploys both, and then nothing is left.
    let out = f
        .command(&[
            "deploy",
            "--changed",
            "--env",
            "prod",
            "--image-tag",
            "v3",
            "--poll-interval",
            "50ms",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    let (plan, _) = plan_in(root, &[]);
    assert!(planned(&plan).is_empty(), "{plan}");
    assert_eq!(
        since(&plan, "api"),
        (c3.clone(), "its last good deploy to prod".to_string())
    );

    // A deliberate rollback: the next push touching only the site must not
    // deploy the API again.
    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    f.repo.write("web/dist/index.html", "<h1>v3</h1>");
    f.repo.commit("web: v3");
    let (plan, _) = plan_in(root, &[]);
    assert_eq!(planned(&plan), ["web"], "{plan}");
    assert_eq!(
        since(&plan, "api"),
        (
            c3.clone(),
            "what its last rollback in prod rolled away from".to_string()
        )
    );

    // A shallow clone (the push's commit only) fetches the base it lacks.
    let clone = tempfile::tempdir().unwrap();
    let status = Command::new("git")
        .args(["clone", "-q", "--depth=1"])
        .arg(format!("file://{}", root.display()))
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    let (plan, err) = plan_in(clone.path(), &["--all-if-unknown"]);
    assert!(
        err.contains(&format!("last deployed to prod from {c3}")) && err.contains("fetching"),
        "{err}"
    );
    assert!(!planned(&plan).contains(&"api".to_string()), "{plan}");
    assert_eq!(since(&plan, "api").0, c3);

    // Where the commit cannot be fetched (a force-push, a deleted branch):
    // that target is planned in full, saying why; the run goes on.
    let orphan = tempfile::tempdir().unwrap();
    let status = Command::new("git")
        .args(["clone", "-q", "--depth=1"])
        .arg(format!("file://{}", root.display()))
        .arg(orphan.path())
        .status()
        .unwrap();
    assert!(status.success());
    let status = Command::new("git")
        .args(["remote", "set-url", "origin", "file:///nonexistent/repo"])
        .current_dir(orphan.path())
        .status()
        .unwrap();
    assert!(status.success());
    let (plan, err) = plan_in(orphan.path(), &["--all-if-unknown"]);
    assert!(planned(&plan).contains(&"api".to_string()), "{plan}");
    let (base, why) = since(&plan, "api");
    assert_eq!(base, "", "no base: planned in full");
    assert!(
        why.contains(&c3)
            && why.contains("could not be fetched")
            && why.contains("planned in full"),
        "{why}"
    );
    assert!(err.contains("could not be fetched"), "{err}");
    assert!(!err.contains("error:"), "{err}");
}

/// A run cut off mid-rollout (a cancelled CI job's SIGKILL) leaves no
/// successful record: its target comes back in the next plan.
#[tokio::test]
async fn a_cut_off_deploy_comes_back() {
    let f = api_and_web().await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    f.repo.write("api/app/main.py", "app = 2\n");
    f.repo.commit("api: v3");
    f.scenario(RolloutOutcome::Stuck, 3, false).await;
    let mut child = f.deploy_command("v3", &[]).spawn().unwrap();
    let updates = || {
        emulator()
            .ecs_calls_for(&f.cluster)
            .iter()
            .filter(|c| *c == "UpdateService")
            .count()
    };
    let started = std::time::Instant::now();
    while updates() < 2 {
        assert!(
            started.elapsed().as_secs() < 30,
            "the deploy never rolled out"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    f.repo.write("web/dist/index.html", "<h1>v2</h1>");
    f.repo.commit("web: v2");
    let (plan, _) = plan_in(f.repo.path(), &[]);
    assert_eq!(planned(&plan), ["api", "web"], "{plan}");
}
