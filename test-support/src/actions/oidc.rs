//! The OIDC token a job gets, and whether `configure-aws-credentials` can
//! assume a role with it.
//!
//! The rules (docs.github.com, "OpenID Connect" and "OpenID Connect reference";
//! "Automatic token authentication" for forks; "Automating Dependabot with
//! GitHub Actions" for Dependabot):
//! - A job gets a token only with the permission `id-token: write` (its own
//!   `permissions`, else the workflow's).
//! - Its subject: `repo:OWNER/REPO:environment:NAME` for a job in an
//!   environment; else `repo:OWNER/REPO:pull_request` on a pull request; else
//!   `repo:OWNER/REPO:ref:REF`.
//! - A pull request from a fork, and one Dependabot opened, get a read-only
//!   token and no `id-token: write`, whatever the workflow asks: no token.
//! - `aws-actions/configure-aws-credentials` with `role-to-assume` and no token
//!   fails the step (and so the job); with a token, the role's trust policy
//!   must name its subject.

use super::Workflow;

/// What triggered the run, as far as the token cares.
#[derive(Debug, Clone)]
pub struct Event {
    /// `push`, `pull_request`, `workflow_dispatch`, `schedule`.
    pub name: String,
    /// `OWNER/REPO` of the workflow's repository.
    pub repository: String,
    /// A pull request's head repository (a fork's name differs).
    pub head_repository: Option<String>,
    /// `github.actor`.
    pub actor: String,
    /// `github.ref`.
    pub git_ref: String,
}

impl Event {
    pub fn push(repository: &str, branch: &str) -> Event {
        Event {
            name: "push".into(),
            repository: repository.into(),
            head_repository: None,
            actor: "alice".into(),
            git_ref: format!("refs/heads/{branch}"),
        }
    }

    /// A pull request from `head` (the repository itself, or a fork) by `actor`.
    pub fn pull_request(repository: &str, head: &str, actor: &str, number: u64) -> Event {
        Event {
            name: "pull_request".into(),
            repository: repository.into(),
            head_repository: Some(head.into()),
            actor: actor.into(),
            git_ref: format!("refs/pull/{number}/merge"),
        }
    }

    /// No OIDC token for the run, whatever its workflow asks.
    fn withheld(&self) -> Option<&'static str> {
        if self.name != "pull_request" {
            return None;
        }
        if self.head_repository.as_deref() != Some(&self.repository) {
            return Some("a pull request from a fork gets no id-token: write");
        }
        if self.actor == "dependabot[bot]" {
            return Some("a Dependabot pull request gets no id-token: write");
        }
        None
    }
}

/// The subject of the token `job` gets, or why it gets none.
pub fn subject(wf: &Workflow, job: &str, event: &Event) -> Result<String, String> {
    if wf.permission(job, "id-token").as_deref() != Some("write") {
        return Err(format!("{job} has no id-token: write"));
    }
    if let Some(why) = event.withheld() {
        return Err(why.to_string());
    }
    let repo = &event.repository;
    Ok(match wf.environment(job) {
        Some(env) => format!("repo:{repo}:environment:{env}"),
        None if event.name == "pull_request" => format!("repo:{repo}:pull_request"),
        None => format!("repo:{repo}:ref:{}", event.git_ref),
    })
}

/// Whether `job` has a step that assumes an AWS role.
pub fn assumes_role(wf: &Workflow, job: &str) -> bool {
    wf.uses(job)
        .iter()
        .any(|u| u.starts_with("aws-actions/configure-aws-credentials@"))
}

/// What `configure-aws-credentials` does in `job`: `Ok` with the subject the
/// role accepted, or the failure, when the role trusts the subjects `trusted`.
/// A job that assumes no role is `Ok("")`.
pub fn credentials(
    wf: &Workflow,
    job: &str,
    event: &Event,
    trusted: &[&str],
) -> Result<String, String> {
    if !assumes_role(wf, job) {
        return Ok(String::new());
    }
    let subject = subject(wf, job, event)
        .map_err(|why| format!("configure-aws-credentials: could not get an OIDC token: {why}"))?;
    if trusted.contains(&subject.as_str()) {
        Ok(subject)
    } else {
        Err(format!(
            "configure-aws-credentials: Not authorized to perform sts:AssumeRoleWithWebIdentity ({subject} is not trusted)"
        ))
    }
}
