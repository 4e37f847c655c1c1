//! #25 findings 7 and 11: concurrency as GitHub runs it
//! (`test_support::actions::concurrency`: one running and one pending per
//! group, a newer pending one cancels the older), on the example's prod
//! workflow and rollback as generated before #25 and as committed now.

mod workflow_support;

use serde_json::{json, Value};
use test_support::actions::concurrency::{
    groups_held_by, job_group, workflow_group, Groups, Queued,
};
use test_support::actions::{JobRun, Workflow};
use workflow_support::*;

fn push_ctx() -> Value {
    json!({ "inputs": {}, "github": { "event_name": "push", "ref": "refs/heads/main" } })
}

/// The job of `wf` that waits for prod's reviewers before shared is applied.
fn waiting_for_approval(wf: &Workflow) -> String {
    wf.jobs()
        .into_iter()
        .find(|j| wf.environment(j).as_deref() == Some("prod-approval") && j.ends_with("-shared"))
        .unwrap()
}

/// Run `run` of `wf` reaches `job`: queued in the workflow's group (once per
/// run) and the job's own. Whether the job can start.
fn reach(groups: &mut Groups, wf: &Workflow, run: &str, job: &str, first: bool) -> Queued {
    let ctx = push_ctx();
    if first {
        if let Some((group, cancel)) = workflow_group(wf, &ctx) {
            if groups.queue(&group, run, cancel).state == Queued::Pending {
                return Queued::Pending;
            }
        }
    }
    match job_group(wf, job, &ctx) {
        Some((group, cancel)) => groups.queue(&group, &format!("{run}/{job}"), cancel).state,
        None => Queued::Running,
    }
}

#[test]
fn a_run_waiting_for_a_shared_approval_does_not_hold_back_an_api_hotfix() {
    for (wf, hotfix_deploys) in [(before("deploy-prod"), false), (now("deploy-prod"), true)] {
        let mut groups = Groups::default();
        // Run 1 changed shared and the API: it waits for shared's reviewers.
        let waiting = waiting_for_approval(&wf);
        let held = groups_held_by(&wf, &waiting, &push_ctx());
        for (group, cancel) in &held {
            groups.queue(group, "run-1", *cancel);
        }
        // Run 2, an API hotfix, an hour later.
        let hotfix = reach(&mut groups, &wf, "run-2", "deploy-api", true);
        assert_eq!(hotfix == Queued::Running, hotfix_deploys, "{held:?}");
        if !hotfix_deploys {
            // Before: it waits for run 1's reviewers, and the next push
            // (run 3) cancels it: "concurrency is not a queue".
            let ctx = push_ctx();
            let (group, _) = workflow_group(&wf, &ctx).unwrap();
            let third = groups.queue(&group, "run-3", false);
            assert_eq!(third.cancelled.as_deref(), Some("run-2"));
        }
    }
    // Now the waiting job holds no group at all.
    let wf = now("deploy-prod");
    assert!(groups_held_by(&wf, "approve-shared", &push_ctx()).is_empty());
}

#[test]
fn a_rollback_and_a_deploy_of_one_target_never_run_at_once() {
    let rollback_ctx = json!({
        "inputs": { "target": "api", "env": "prod" },
        "github": { "event_name": "workflow_dispatch", "ref": "refs/heads/main" },
    });
    // Before: rollback-prod and deploy-prod, two groups.
    let (old_deploy, old_rollback) = (before("deploy-prod"), before("rollback"));
    let deploy = workflow_group(&old_deploy, &push_ctx()).unwrap().0;
    let rollback = workflow_group(&old_rollback, &rollback_ctx).unwrap().0;
    assert_ne!(deploy, rollback);

    // Now: the API's rollback job holds the API's deploy group.
    let (wf, rb) = (now("deploy-prod"), now("rollback"));
    assert!(workflow_group(&rb, &rollback_ctx).is_none());
    let deploy = job_group(&wf, "deploy-api", &push_ctx()).unwrap();
    assert_eq!(deploy, ("deploy-prod-api".to_string(), false));
    assert_eq!(
        job_group(&rb, "rollback-prod-api", &rollback_ctx).unwrap(),
        deploy
    );
    assert_eq!(
        job_group(&rb, "rollback-prod-web", &rollback_ctx).unwrap(),
        job_group(&wf, "deploy-web", &push_ctx()).unwrap()
    );
    let mut groups = Groups::default();
    assert_eq!(
        groups.queue(&deploy.0, "deploy", false).state,
        Queued::Running
    );
    assert_eq!(
        groups.queue(&deploy.0, "rollback", false).state,
        Queued::Pending
    );
    // The deploy ends: the rollback runs.
    assert_eq!(
        groups.finish(&deploy.0, "deploy").as_deref(),
        Some("rollback")
    );
}

/// A run waits; meanwhile someone rolls the API back. When the run goes on,
/// its deploy job hands xtask the time its plan was made (`--planned-at`),
/// and xtask refuses to undo a rollback made after it (the refusal is
/// xtask's, tested with it; here: the wiring, and that a re-run days later
/// still hands the first plan's time).
#[test]
fn every_deploy_step_hands_on_the_plans_time() {
    let wf = now("deploy-prod");
    let planned_at = "2026-12-07T09:00:00Z";
    let run = wf.run(&push_ctx(), |job, _| match job {
        "plan" => JobRun::success()
            .with_output("plan", "targets", "[\"shared\",\"api\"]")
            .with_output("plan", "planned_at", planned_at),
        "plan-shared" => JobRun::success().with_output("plan", "plan_fingerprint", "fp"),
        "deploy-api" => JobRun::failure(),
        _ => JobRun::success(),
    });
    assert_eq!(run.result("deploy-api"), "failure");
    let deploys: Vec<String> = wf
        .jobs()
        .into_iter()
        .filter(|j| j.starts_with("deploy-"))
        .collect();
    assert_eq!(deploys.len(), 5);
    for job in &deploys {
        let step = wf.job(job)["steps"]
            .as_sequence()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        let id = step["id"].as_str().unwrap();
        let env = wf.step_env(job, id, &push_ctx(), &run);
        assert_eq!(env["XTASK_PLANNED_AT"], planned_at, "{job}");
        assert!(
            step["run"]
                .as_str()
                .unwrap()
                .contains("--planned-at \"$XTASK_PLANNED_AT\""),
            "{job}"
        );
    }
    // *Re-run failed jobs* the next day: the plan is not re-run, its time is
    // the first run's.
    let rerun = wf.rerun_failed(&run, |job, _| {
        assert!(
            matches!(job, "deploy-api" | "report"),
            "{job}: only the failed job and what needs it"
        );
        JobRun::success()
    });
    assert_eq!(rerun.started, ["deploy-api", "report"]);
    let env = wf.step_env("deploy-api", "deploy", &push_ctx(), &rerun);
    assert_eq!(env["XTASK_PLANNED_AT"], planned_at);
}

/// Three API pushes while the first rolls out: the middle run's deploy job
/// is cancelled while pending (GitHub's rule). Harmless: nothing of it ran,
/// so the ledger still names the first run's commit as the API's, and the
/// third run's plan compares from there, so it deploys the middle push's
/// change with its own — even when the third push touched only the web.
/// The third run's `plan` step runs as written, with the real binary, against
/// the emulator's state bucket holding the API's ledger record.
#[tokio::test]
async fn a_cancelled_pending_deploy_is_deployed_by_the_next_run() {
    let repo = example_repo();
    let wf = now("deploy-prod");
    let deployed = repo.git(&["rev-parse", "HEAD"]);
    ledger_says_deployed("api", &deployed, "20261207T090000000Z").await;
    let mut groups = Groups::default();
    let group = job_group(&wf, "deploy-api", &push_ctx()).unwrap().0;
    // Run 1's API rollout runs; runs 2 and 3 arrive.
    groups.queue(&group, "run-1", false);
    let (_, _event2) = push(&repo, &["api/app/main.py"]);
    let middle = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(groups.queue(&group, "run-2", false).state, Queued::Pending);
    let (ctx3, event3) = push(&repo, &["web/src/App.tsx"]);
    let third = groups.queue(&group, "run-3", false);
    assert_eq!(third.cancelled.as_deref(), Some("run-2"));

    // Run 3's push range alone (no ledger: no credentials) would miss the API.
    let (run, _) = run_prod(&repo, &ctx3, event3.path(), |_| JobRun::success());
    assert_eq!(planned(&run), ["web"]);
    // From what the ledger says is deployed: the API too.
    let env = emulator_env(event3.path());
    let (run, _) = run_prod_with(&repo, &ctx3, &env, |_| JobRun::success());
    assert_eq!(planned(&run), ["api", "web"]);
    assert_eq!(run.result("deploy-api"), "success");
    // Had the middle run deployed (the ledger saying so), only the web.
    ledger_says_deployed("api", &middle, "20261207T100000000Z").await;
    let (run, _) = run_prod_with(&repo, &ctx3, &env, |_| JobRun::success());
    assert_eq!(planned(&run), ["web"]);
    // Run 1 ends: run 3's deploy starts.
    assert_eq!(groups.finish(&group, "run-1").as_deref(), Some("run-3"));
}

/// The example's prod state bucket in the emulator, with one ledger record:
/// `target` deployed at `commit`, at `time` (the key alone says so; `plan`
/// reads no more).
async fn ledger_says_deployed(target: &str, commit: &str, time: &str) {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let sdk = test_support::emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .region(aws_sdk_s3::config::Region::new("us-west-2"))
            .force_path_style(true)
            .build(),
    );
    let bucket = "connect2-deploy-state-prod";
    let _ = s3
        .create_bucket()
        .bucket(bucket)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::UsWest2)
                .build(),
        )
        .send()
        .await;
    s3.put_object()
        .bucket(bucket)
        .key(format!(
            "ledger/{target}/{time}-0000beef.deploy-succeeded.{commit}.json"
        ))
        .body(b"{}".to_vec().into())
        .send()
        .await
        .unwrap();
}

/// A job's environment with the emulator's credentials and endpoint.
fn emulator_env(event: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_ACTIONS", "true".into()),
        ("GITHUB_EVENT_NAME", "push".into()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        (
            "AWS_ENDPOINT_URL",
            test_support::emulator().endpoint().into(),
        ),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", "/nonexistent".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".into()),
    ]
}
