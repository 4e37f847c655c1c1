//! Who approved an apply. `--approve` on a laptop; under GitHub Actions the
//! workflow names the gate its apply job waited behind (`XTASK_APPROVED_ENVIRONMENT`,
//! `<env>-approval`), and that is checked, not believed: an environment GitHub
//! does not have is created on the fly *without* protection rules, so a job
//! "behind" it proves nothing. GitHub's review history for the run ("Get the
//! review history for a workflow run",
//! `GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`, read with the
//! job's token and `permissions: actions: read`) must hold an `approved` review
//! of that environment; the reviewer goes into the ledger.
//!
//! Everything here runs before the lock: a refusal writes nothing.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use serde::Deserialize;

use crate::error::BadInput;

use super::GATE_VAR;

/// How long GitHub gets to answer (one attempt: a failed check is re-run).
const TIMEOUT: Duration = Duration::from_secs(20);
const BODY_READ: usize = 1024 * 1024;

/// The approval of this run, or why there is none that counts (a bad-input
/// error: exit 2, before the lock). `None`: no approval was claimed (a stack
/// that needs one is planned, not applied). A dry run applies nothing, so its
/// gate is not checked.
pub async fn approval(
    approve: bool,
    dry_run: bool,
    target: &str,
    env: &str,
) -> anyhow::Result<Option<shared_infra::Approval>> {
    if approve {
        return Ok(Some(shared_infra::Approval::Flag));
    }
    let Some(gate) = std::env::var(GATE_VAR).ok().filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if !crate::output::github_actions() {
        eprintln!("{GATE_VAR}={gate} is ignored outside GitHub Actions: pass --approve");
        return Ok(None);
    }
    if dry_run {
        return Ok(None);
    }
    let setup = format!(
        "the environment `{gate}` needs required reviewers: `cargo xtask ci setup --env {env}` prints the commands"
    );
    let run = RunRef::from_env().map_err(|missing| {
        BadInput(format!(
            "{target}: not applied: {GATE_VAR}={gate} cannot be checked: {missing} is not set (the apply step needs `GITHUB_TOKEN: ${{{{ github.token }}}}` and the job `permissions: actions: read`)"
        ))
    })?;
    let reviews = run.reviews().await.map_err(|why| {
        BadInput(format!(
            "{target}: not applied: cannot read run {}'s approvals from GitHub to check `{gate}` ({why}): give the job `permissions: actions: read` and the step `GITHUB_TOKEN`, then re-run the job",
            run.run_id
        ))
    })?;
    match decide(&reviews, &gate) {
        Decision::Approved { by, comment } => Ok(Some(shared_infra::Approval::EnvironmentGate {
            environment: gate,
            approved_by: by,
            comment,
        })),
        Decision::Rejected { by } => Err(BadInput::error(format!(
            "{target}: not applied: {by} rejected this run in the GitHub environment `{gate}`: run the workflow again for a new review"
        ))),
        Decision::None => Err(BadInput::error(format!(
            "{target}: not applied: nobody approved run {} in the GitHub environment `{gate}`: {setup}",
            run.run_id
        ))),
    }
}

/// One review of the run, as GitHub's review history gives it.
#[derive(Debug, Deserialize)]
struct Review {
    state: String,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    environments: Vec<Named>,
    user: Login,
}

#[derive(Debug, Deserialize)]
struct Named {
    name: String,
}

#[derive(Debug, Deserialize)]
struct Login {
    login: String,
}

#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Approved { by: String, comment: String },
    Rejected { by: String },
    None,
}

/// An approval of `gate` counts (the newest, should a re-run have asked
/// again); without one, a rejection is named; otherwise there is none.
fn decide(reviews: &[Review], gate: &str) -> Decision {
    let of_gate = |r: &&Review| r.environments.iter().any(|e| e.name == gate);
    let mine: Vec<&Review> = reviews.iter().filter(of_gate).collect();
    if let Some(r) = mine.iter().rev().find(|r| r.state == "approved") {
        return Decision::Approved {
            by: r.user.login.clone(),
            comment: r.comment.clone().unwrap_or_default(),
        };
    }
    match mine.iter().rev().find(|r| r.state == "rejected") {
        Some(r) => Decision::Rejected {
            by: r.user.login.clone(),
        },
        None => Decision::None,
    }
}

/// The run this job belongs to, from the variables GitHub sets in every job.
struct RunRef {
    api: String,
    repository: String,
    run_id: String,
    token: String,
}

impl RunRef {
    fn from_env() -> Result<RunRef, &'static str> {
        let var = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or(name)
        };
        Ok(RunRef {
            api: var("GITHUB_API_URL").unwrap_or_else(|_| "https://api.github.com".into()),
            repository: var("GITHUB_REPOSITORY")?,
            run_id: var("GITHUB_RUN_ID")?,
            token: var("GITHUB_TOKEN")?,
        })
    }

    fn url(&self) -> String {
        format!(
            "{}/repos/{}/actions/runs/{}/approvals",
            self.api.trim_end_matches('/'),
            self.repository,
            self.run_id
        )
    }

    /// The run's review history; an error says what went wrong, never the token.
    async fn reviews(&self) -> Result<Vec<Review>, String> {
        let url = self.url();
        let uri: hyper::Uri = url
            .parse()
            .map_err(|_| format!("GITHUB_API_URL makes no URL: {url}"))?;
        // The notifier's client: one HTTP stack in the binary.
        let client = crate::notify::http_client()?;
        let request = hyper::Request::get(uri)
            .header("authorization", format!("Bearer {}", self.token))
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", "xtask-deploy")
            .body(Full::new(Bytes::new()))
            .map_err(|e| format!("the request could not be made: {e}"))?;
        let answer = tokio::time::timeout(TIMEOUT, async {
            let response = client
                .request(request)
                .await
                .map_err(|e| crate::notify::describe_http_error(&e))?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), BODY_READ)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, body))
        })
        .await
        .map_err(|_| format!("GitHub did not answer within {}s", TIMEOUT.as_secs()))?;
        let (status, body) = answer.map_err(|e| e.replace(&self.token, "***"))?;
        if !(200..300).contains(&status) {
            let text = String::from_utf8_lossy(&body);
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(format!("GET {url} answered HTTP {status}: {message}"));
        }
        serde_json::from_slice(&body)
            .map_err(|e| format!("GET {url} answered what is not a review history: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviews(json: &str) -> Vec<Review> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn only_an_approval_of_the_gate_counts() {
        let history = reviews(
            r#"[{"state":"approved","comment":"Ship it!","environments":[{"id":1,"name":"staging-approval"}],"user":{"login":"alice"}},
                {"state":"rejected","comment":"","environments":[{"id":2,"name":"prod-approval"}],"user":{"login":"bob"}}]"#,
        );
        assert_eq!(
            decide(&history, "staging-approval"),
            Decision::Approved {
                by: "alice".into(),
                comment: "Ship it!".into()
            }
        );
        assert_eq!(
            decide(&history, "prod-approval"),
            Decision::Rejected { by: "bob".into() }
        );
        assert_eq!(decide(&history, "qa-approval"), Decision::None);
        assert_eq!(decide(&[], "prod-approval"), Decision::None);
    }
}
