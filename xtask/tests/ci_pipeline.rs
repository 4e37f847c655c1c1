//! The committed example workflows, read the way GitHub runs them
//! (`test_support::actions`): push filters, `needs`, job conditions and
//! outputs. The `plan` and `report` jobs' scripts really run (bash, the xtask
//! binary as the `build` job's artifact, a real repository made from the
//! example); what the AWS jobs did is each test's to say.

mod workflow_support;

use serde_json::json;
use test_support::actions::{JobRun, Run};
use workflow_support::*;

#[test]
fn a_push_to_shared_and_the_api_applies_shared_before_the_api() {
    let repo = example_repo();
    let (ctx, event) = push(
        &repo,
        &[
            "infrastructure/terraform/environments/prod/main.tf",
            "api/app/main.py",
        ],
    );
    let paths = [
        "infrastructure/terraform/environments/prod/main.tf",
        "api/app/main.py",
    ];
    assert!(workflow("prod").runs_on_push("main", &paths));
    let (run, report) = run_prod(&repo, &ctx, event.path(), all_good);
    assert_eq!(planned(&run), ["shared", "api"]);
    // Shared's plan, its approval, its apply, then the API: never at the same time.
    assert!(run.position("plan-shared") < run.position("approve-shared"));
    assert!(run.position("approve-shared") < run.position("deploy-shared"));
    assert!(run.position("deploy-shared") < run.position("deploy-api"));
    for job in [
        "plan-api-infra",
        "deploy-api-infra",
        "plan-web-infra",
        "deploy-web-infra",
        "deploy-web",
    ] {
        assert_eq!(run.result(job), "skipped", "{job}");
    }
    assert_eq!(run.result("deploy-api"), "success");
    assert!(report.contains("web        not planned"), "{report}");
    assert!(report.contains("api        deployed"), "{report}");
}

#[test]
fn a_rejected_shared_apply_stops_what_runs_after_it_and_the_report_says_why() {
    let repo = example_repo();
    let (ctx, event) = push(
        &repo,
        &[
            "infrastructure/terraform/environments/prod/main.tf",
            "web/src/App.tsx",
        ],
    );
    let (run, report) = run_prod(&repo, &ctx, event.path(), |job| match job {
        // The reviewers rejected the approval: GitHub fails the job.
        "approve-shared" => JobRun::failure(),
        other => all_good(other),
    });
    assert_eq!(planned(&run), ["shared", "web"]);
    assert_eq!(run.result("deploy-shared"), "skipped");
    assert_eq!(run.result("deploy-web"), "skipped");
    assert!(!run.ran("deploy-web"));
    assert!(
        report.contains("web        did not run: shared failed or was cancelled"),
        "{report}"
    );
    assert!(report.contains("shared     not approved"), "{report}");
}

#[test]
fn a_target_whose_dependency_is_not_planned_or_has_nothing_to_apply_still_runs() {
    let repo = example_repo();
    let (ctx, event) = push(&repo, &["api/app/main.py"]);
    let (run, _) = run_prod(&repo, &ctx, event.path(), all_good);
    assert_eq!(planned(&run), ["api"]);
    assert_eq!(run.result("plan-shared"), "skipped");
    assert_eq!(run.result("deploy-api"), "success");

    // Shared planned, but its plan has no changes: no apply, no approval
    // asked for, and what runs after it goes on.
    let (ctx, event) = push(
        &repo,
        &[
            "infrastructure/terraform/environments/prod/main.tf",
            "api/app/main.py",
        ],
    );
    let (run, report) = run_prod(&repo, &ctx, event.path(), |job| match job {
        "plan-shared" => JobRun::success().with_output("plan", "plan_fingerprint", ""),
        other => all_good(other),
    });
    assert_eq!(run.result("deploy-shared"), "skipped");
    assert_eq!(run.result("deploy-api"), "success");
    assert!(
        report.contains("shared     planned: no changes to apply"),
        "{report}"
    );
}

/// Every push to the branch starts the run (no `paths` filter: GitHub's reads
/// 300 files, `ci_github.rs`); on a docs-only push the plan says there is
/// nothing to deploy, and no deploy job runs. Another branch starts nothing.
#[test]
fn a_docs_only_push_plans_nothing_and_another_branch_starts_no_workflow() {
    let repo = example_repo();
    for paths in [
        &["README.md", "docs/architecture.md"][..],
        &["api/docs/runbooks/ROLLBACK.md"],
        &["web/docs/x.md", ".github/workflows/deploy-check.yml"],
    ] {
        for (env, branch) in [("dev", "develop"), ("staging", "staging"), ("prod", "main")] {
            assert!(workflow(env).runs_on_push(branch, paths), "{env} {paths:?}");
        }
        let (ctx, event) = push(&repo, paths);
        let (run, report) = run_prod(&repo, &ctx, event.path(), all_good);
        assert!(planned(&run).is_empty(), "{paths:?}: {:?}", planned(&run));
        let deploying: Vec<&String> = run
            .started
            .iter()
            .filter(|j| !matches!(j.as_str(), "build" | "plan" | "report"))
            .collect();
        assert!(deploying.is_empty(), "{paths:?}: {deploying:?}");
        assert!(report.contains("api        not planned"), "{report}");
    }
    let prod = workflow("prod");
    assert!(!prod.runs_on_push("feature/x", &["api/app/main.py"]));
    assert!(!workflow("dev").runs_on_push("main", &["api/app/main.py"]));
}

#[test]
fn no_job_but_build_compiles_xtask_while_its_artifact_is_there() {
    for env in ["dev", "staging", "prod"] {
        let wf = workflow(env);
        let build = wf.scripts("build").join("\n");
        assert!(
            build.contains(
                "cargo build --locked --manifest-path tools/deploy/Cargo.toml --package xtask"
            ),
            "{build}"
        );
        assert!(wf
            .uses("build")
            .iter()
            .any(|u| u.starts_with("actions/upload-artifact@")));
        // Every job that runs xtask (the approval and wrong-branch jobs run none).
        let jobs: Vec<String> = wf
            .jobs()
            .into_iter()
            .filter(|j| j != "build" && wf.scripts(j).iter().any(|s| s.contains(".xtask/xtask ")))
            .collect();
        assert!(jobs.len() >= 10, "{env}: {jobs:?}");
        for job in jobs {
            let steps = wf.job(&job)["steps"].as_sequence().unwrap().clone();
            // The download comes first; every step that could compile or
            // restore runs only when it failed.
            let download = steps
                .iter()
                .position(|s| {
                    s["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("actions/download-artifact@"))
                })
                .unwrap_or_else(|| panic!("{env}/{job}: no download"));
            for step in &steps[download + 1..] {
                let compiles = step["run"].as_str().is_some_and(|r| r.contains("cargo"))
                    || step["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("actions/cache@"));
                if compiles {
                    let condition = step["if"].as_str().unwrap_or_default();
                    assert!(
                        condition.contains("steps.xtask-artifact.outcome != 'success'"),
                        "{env}/{job}: {step:?}"
                    );
                }
            }
            assert!(wf.needs(&job).contains(&"build".to_string()), "{env}/{job}");
        }
    }
}

#[test]
fn run_by_hand_it_deploys_the_named_targets_or_all() {
    let repo = example_repo();
    let (_, event) = push(&repo, &["README.md"]);
    let by_hand = |targets: &str| {
        let ctx = json!({ "inputs": { "targets": targets }, "github": { "event_name": "workflow_dispatch", "ref": "refs/heads/main" } });
        run_prod(&repo, &ctx, event.path(), all_good).0
    };
    assert_eq!(planned(&by_hand("web api")), ["api", "web"]);
    assert_eq!(planned(&by_hand("all")).len(), 5);
    // A name the config does not have fails the plan job (exit 2).
    let wf = workflow("prod");
    let ctx = json!({ "inputs": { "targets": "nope" }, "github": {} });
    let env = runner_env(event.path());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (out, _) = wf.run_step("plan", "plan", repo.path(), &ctx, &Run::default(), &env);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown target `nope`"));
}

/// What `deploy --format github` puts in its job's `notice` output.
fn notice(target: &str, outcome: xtask::notify::Outcome, why: Option<&str>) -> String {
    use xtask::notify::{Check, Commit, Line, Notice, PutBackBy};
    let failed = !outcome.ok();
    let line = Line {
        target: target.into(),
        summary: format!("{target}: what the deploy printed"),
        seconds: Some(95.0),
        notice: Notice {
            check: failed.then_some(Check::CircuitBreaker),
            put_back_by: failed.then_some(PutBackBy::Tool),
            deployed: Some(format!("{target}:8")),
            replaced: Some(format!("{target}:7")),
            commit: Some(Commit {
                sha: "3f2c1ab9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f".into(),
                author: Some("Alice".into()),
            }),
            why: why.map(str::to_string),
            ..Notice::new(outcome)
        },
    };
    serde_json::to_string(&[line]).unwrap()
}

#[test]
fn the_report_job_sends_the_runs_one_message_with_each_jobs_part() {
    use xtask::notify::Outcome;
    let repo = example_repo();
    let (mut ctx, event) = push(&repo, &["api/app/main.py", "web/src/App.tsx"]);
    let (deploys, oncall) = (
        test_support::SlackWebhook::start(),
        test_support::SlackWebhook::start(),
    );
    ctx["secrets"] = json!({
        "SLACK_WEBHOOK_DEPLOYS": deploys.url,
        "SLACK_WEBHOOK_ONCALL": oncall.url,
    });
    let mut env = runner_env(event.path());
    env.extend([
        ("GITHUB_SERVER_URL", "https://github.com".to_string()),
        ("GITHUB_REPOSITORY", "acme/connect2".to_string()),
        ("GITHUB_RUN_ID", "4242".to_string()),
    ]);
    let (run, _) = run_prod_with(&repo, &ctx, &env, |job| match job {
        // The API's deploy failed and was rolled back; the web's went out.
        "deploy-api" => JobRun::failure().with_output(
            "deploy",
            "notice",
            &notice(
                "api",
                Outcome::FailedRolledBack,
                Some("ECS deployment circuit breaker: tasks failed to start."),
            ),
        ),
        "deploy-web" => JobRun::success().with_output(
            "deploy",
            "notice",
            &notice("web", Outcome::Deployed, None),
        ),
        _ => JobRun::success(),
    });
    assert_eq!(run.result("deploy-api"), "failure");
    // One message per webhook: the on-call one hears of failures, and this is one.
    for hook in [&deploys, &oncall] {
        let message = hook.only_message();
        assert!(
            test_support::block_kit_problems(&message).is_empty(),
            "{message:#}"
        );
        let all = message.to_string();
        for expected in [
            "deploy to prod: FAILED: api",
            "*api* failed (ECS's deployment circuit breaker), and was rolled back",
            "tasks failed to start",
            "*web* deployed: web:8, replacing web:7",
            "commit `3f2c1ab` by Alice",
            "1m35s",
            "<https://github.com/acme/connect2/actions/runs/4242|CI run>",
        ] {
            assert!(all.contains(expected), "{expected:?} in {message:#}");
        }
        // Targets the push did not touch are not in it.
        assert!(!all.contains("api-infra"), "{message:#}");
    }

    // A run where everything went out: the on-call webhook hears nothing.
    let (deploys, oncall) = (
        test_support::SlackWebhook::start(),
        test_support::SlackWebhook::start(),
    );
    ctx["secrets"] = json!({
        "SLACK_WEBHOOK_DEPLOYS": deploys.url,
        "SLACK_WEBHOOK_ONCALL": oncall.url,
    });
    let (_, event) = push(&repo, &["web/src/App.tsx"]);
    run_prod(&repo, &ctx, event.path(), |job| match job {
        "deploy-web" => JobRun::success().with_output(
            "deploy",
            "notice",
            &notice("web", Outcome::Deployed, None),
        ),
        _ => JobRun::success(),
    });
    let message = deploys.only_message();
    assert!(
        message.to_string().contains("deploy to prod: done"),
        "{message:#}"
    );
    assert!(oncall.received().is_empty(), "{:?}", oncall.received());
}
