//! GitHub environments and their protection rules, as far as a job that
//! names one is concerned (docs.github.com, "Managing environments for
//! deployment" and "Reviewing deployments"; the REST API's "Get the review
//! history for a workflow run", `GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`):
//!
//! - A workflow that names an environment the repository does not have
//!   creates it, with no protection rules: the job runs at once.
//! - An environment with required reviewers holds the job until one approves
//!   (or rejects: the job fails); each review is recorded in the run's review
//!   history, which the approvals endpoint lists.
//! - Deployment branches: a job on a ref the environment does not allow fails
//!   before it starts.

use std::collections::BTreeMap;

use super::Workflow;

/// One environment's protection rules.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    pub required_reviewers: bool,
    /// The branches allowed to deploy to it; `None`: any.
    pub branches: Option<Vec<String>>,
}

/// What GitHub does with a job before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// No environment, or one without reviewers: it runs.
    Runs,
    /// It waits for a reviewer of this environment.
    WaitsForReviewers(String),
    /// Its ref may not deploy to this environment: the job fails.
    BranchNotAllowed(String),
}

/// A review in a run's history, as the approvals endpoint lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub environment: String,
    /// `approved` or `rejected`.
    pub state: String,
    pub user: String,
}

/// A repository's environments, and the review history of its runs.
#[derive(Debug, Clone, Default)]
pub struct Environments {
    pub known: BTreeMap<String, Protection>,
    reviews: BTreeMap<u64, Vec<Review>>,
}

impl Environments {
    /// The gate of `job` in a run on `git_ref`; an environment the repository
    /// does not have is created, unprotected, as GitHub does.
    pub fn gate(&mut self, wf: &Workflow, job: &str, git_ref: &str) -> Gate {
        let Some(name) = wf.environment(job) else {
            return Gate::Runs;
        };
        let protection = self.known.entry(name.clone()).or_default();
        if let Some(branches) = &protection.branches {
            let branch = git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref);
            if !branches.iter().any(|b| b == branch) {
                return Gate::BranchNotAllowed(name);
            }
        }
        if protection.required_reviewers {
            Gate::WaitsForReviewers(name)
        } else {
            Gate::Runs
        }
    }

    /// `user` approves (or rejects) the job waiting on `environment` in run `run_id`.
    pub fn review(&mut self, run_id: u64, environment: &str, approved: bool, user: &str) {
        self.reviews.entry(run_id).or_default().push(Review {
            environment: environment.to_string(),
            state: if approved { "approved" } else { "rejected" }.to_string(),
            user: user.to_string(),
        });
    }

    /// What the approvals endpoint answers for run `run_id`.
    pub fn approvals(&self, run_id: u64) -> &[Review] {
        self.reviews.get(&run_id).map_or(&[], Vec::as_slice)
    }
}
