//! #25 findings 9 and 14: what the steps are handed. The plan and every
//! deploy or rollback step get the job's token (xtask fetches a deployed
//! commit the clone lacks with it, `git fetch origin <sha>` over https, which
//! on a private repository needs it: checkout keeps no credentials); the
//! drift check tells drift through `[notify]`, with the webhooks' secrets.

mod workflow_support;

use test_support::actions::Workflow;
use workflow_support::*;

/// The `env:` of job `job`'s last step (the one that runs xtask).
fn last_step_env(wf: &Workflow, job: &str) -> serde_yaml_ng::Value {
    wf.job(job)["steps"].as_sequence().unwrap().last().unwrap()["env"].clone()
}

/// The jobs of `wf` whose last step plans, deploys or rolls back.
fn changing_jobs(wf: &Workflow) -> Vec<String> {
    wf.jobs()
        .into_iter()
        .filter(|j| {
            wf.scripts(j).last().is_some_and(|s| {
                s.contains(".xtask/xtask plan ")
                    || (s.contains(".xtask/xtask deploy ") && !s.contains("--dry-run"))
                    || s.contains(".xtask/xtask rollback ")
            })
        })
        .collect()
}

#[test]
fn the_plan_and_every_deploy_or_rollback_step_has_the_jobs_token() {
    for file in ["deploy-prod", "rollback"] {
        let old = before(file);
        let jobs = changing_jobs(&old);
        assert!(!jobs.is_empty(), "{file}");
        for job in jobs {
            assert!(
                last_step_env(&old, &job)["GITHUB_TOKEN"].is_null(),
                "{file}/{job}"
            );
        }
    }
    let mut seen = 0;
    for file in ["deploy-dev", "deploy-staging", "deploy-prod", "rollback"] {
        let wf = now(file);
        for job in changing_jobs(&wf) {
            assert_eq!(
                last_step_env(&wf, &job)["GITHUB_TOKEN"],
                "${{ github.token }}",
                "{file}/{job}"
            );
            // Read access is all the fetch needs.
            assert_eq!(wf.permission(&job, "contents").as_deref(), Some("read"));
            seen += 1;
        }
    }
    // plan and 5 deploy jobs per environment; 2 targets in 3 environments.
    assert_eq!(seen, 3 * 6 + 6);
}

#[test]
fn drift_is_told_through_notify_with_the_reports_webhooks() {
    let old = before("drift");
    assert_eq!(
        old.scripts("drift-prod").last().unwrap(),
        ".xtask/xtask status --env prod"
    );
    assert!(last_step_env(&old, "drift-prod").is_null());

    let wf = now("drift");
    for env in ["dev", "staging", "prod"] {
        let job = format!("drift-{env}");
        assert_eq!(
            wf.scripts(&job).last().unwrap(),
            &format!("exec .xtask/xtask status --env {env} --notify")
        );
        // The same webhooks the deploy's report job passes, from secrets.
        let report = last_step_env(&now(&format!("deploy-{env}")), "report");
        let drift = last_step_env(&wf, &job);
        for (name, value) in report.as_mapping().unwrap() {
            if name.as_str() != Some("NEEDS") {
                assert_eq!(&drift[name.as_str().unwrap()], value, "{job}: {name:?}");
            }
        }
    }
    assert_eq!(
        last_step_env(&wf, "drift-prod")["SLACK_WEBHOOK_ONCALL"],
        "${{ secrets.SLACK_WEBHOOK_ONCALL }}"
    );
}
