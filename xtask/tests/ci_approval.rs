//! #25 finding 2: an approval GitHub really recorded, not an environment's
//! name. `test_support::actions::environments` models what GitHub does with a
//! job that names an environment: one the repository lacks is created without
//! protection (the job runs at once), reviewers hold the job and their review
//! goes into the run's history (the approvals endpoint), deployment branches
//! refuse other refs. The apply's check of that history is xtask's
//! (`approval_gate.rs`, against a stand-in of GitHub's API); here: what the
//! workflows give it, and what GitHub's history holds in each case.

mod workflow_support;

use test_support::actions::environments::{Environments, Gate, Protection};
use test_support::actions::Workflow;
use workflow_support::*;

const RUN: u64 = 4242;

/// Whether run [`RUN`]'s history holds an approval of `environment`: the
/// question the apply asks.
fn approved(envs: &Environments, environment: &str) -> bool {
    envs.approvals(RUN)
        .iter()
        .any(|r| r.environment == environment && r.state == "approved")
}

/// The `env:` of the apply step of `job`.
fn apply_env(wf: &Workflow, job: &str) -> serde_yaml_ng::Value {
    wf.job(job)["steps"].as_sequence().unwrap().last().unwrap()["env"].clone()
}

/// A repository whose environments were never set up: `prod-approval` does
/// not exist. GitHub creates it, unprotected, and nobody is asked.
#[test]
fn an_approval_environment_that_was_never_set_up_approves_nothing() {
    // Before: the apply ran at once, and its environment variable was the
    // only "proof": the ledger said approved.
    let old = before("deploy-prod");
    let mut envs = Environments::default();
    assert_eq!(
        envs.gate(&old, "deploy-shared", "refs/heads/main"),
        Gate::Runs
    );
    assert_eq!(
        apply_env(&old, "deploy-shared")["XTASK_APPROVED_ENVIRONMENT"],
        "prod-approval"
    );
    assert!(!approved(&envs, "prod-approval"));

    // Now the approval job runs at once too — and the run's history, which
    // the apply reads with its token and `actions: read`, holds no approval,
    // so the apply refuses.
    let wf = now("deploy-prod");
    let mut envs = Environments::default();
    assert_eq!(
        envs.gate(&wf, "approve-shared", "refs/heads/main"),
        Gate::Runs
    );
    assert_eq!(
        envs.gate(&wf, "deploy-shared", "refs/heads/main"),
        Gate::Runs
    );
    assert!(!approved(&envs, "prod-approval"));
    let env = apply_env(&wf, "deploy-shared");
    assert_eq!(env["XTASK_APPROVED_ENVIRONMENT"], "prod-approval");
    assert_eq!(env["GITHUB_TOKEN"], "${{ github.token }}");
    assert_eq!(
        wf.permission("deploy-shared", "actions").as_deref(),
        Some("read")
    );
    // Both environments were created as GitHub creates them: unprotected.
    assert!(!envs.known["prod-approval"].required_reviewers);
}

/// Set up as docs/DEPLOYMENT.md says: reviewers on `prod-approval`, `main`
/// only on both. The approval job waits, the review is recorded, the apply
/// (in `prod`, no reviewers) finds it.
#[test]
fn with_reviewers_the_approval_job_waits_and_the_apply_finds_the_review() {
    let wf = now("deploy-prod");
    let main_only = Some(vec!["main".to_string()]);
    let mut envs = Environments::default();
    envs.known.insert(
        "prod-approval".into(),
        Protection {
            required_reviewers: true,
            branches: main_only.clone(),
        },
    );
    envs.known.insert(
        "prod".into(),
        Protection {
            required_reviewers: false,
            branches: main_only,
        },
    );
    let main = "refs/heads/main";
    assert_eq!(
        envs.gate(&wf, "approve-shared", main),
        Gate::WaitsForReviewers("prod-approval".into())
    );
    // No job that holds a concurrency group or a role ever waits for people.
    for job in wf.jobs().into_iter().filter(|j| !j.starts_with("approve-")) {
        assert_eq!(envs.gate(&wf, &job, main), Gate::Runs, "{job}");
    }
    envs.review(RUN, "prod-approval", true, "bob");
    assert!(approved(&envs, "prod-approval"));
    // Another run's approval is not this run's.
    assert!(envs.approvals(RUN + 1).is_empty());
    // A rejection is recorded as such: it approves nothing.
    let mut rejected = envs.clone();
    rejected.review(RUN + 1, "prod-approval", false, "bob");
    assert!(!rejected
        .approvals(RUN + 1)
        .iter()
        .any(|r| r.state == "approved"));
    // The deployment-branch rule is the second lock on another branch.
    assert_eq!(
        envs.gate(&wf, "plan", "refs/heads/feature/x"),
        Gate::BranchNotAllowed("prod".into())
    );

    // Before: the apply itself waited for the reviewers, with the role.
    let old = before("deploy-prod");
    assert_eq!(
        envs.gate(&old, "deploy-shared", main),
        Gate::WaitsForReviewers("prod-approval".into())
    );
    assert!(old
        .uses("deploy-shared")
        .iter()
        .any(|u| u.contains("configure-aws-credentials")));
}
