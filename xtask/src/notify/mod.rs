//! Telling people: one message per run and environment — every target's
//! outcome, commit and author, time, what it replaced, and for a rollback
//! what was put back and why; or, from `status --notify`, what drifted — posted to the Slack incoming webhooks that
//! `[notify]` names for the environment.
//!
//! - [`Notice`] is what a run says of one target, plain data: the pipeline
//!   fills it from what it recorded, the command adds the commit's author, and
//!   `--format github` hands it to the workflow's `report` job, which sends the
//!   run's message (`ci report`).
//! - `message.rs` renders a [`Run`] in Slack's format (blocks, and a `text`
//!   fallback for notifications), within Block Kit's limits.
//! - `sender.rs` posts it: a bounded number of attempts, each with a timeout.
//!
//! A notification is never the deploy's business: one that fails is a warning,
//! after the ledger record is written, and the exit code stays the deploy's. A
//! webhook URL is a secret: it is read from its environment variable when the
//! message goes out, used for the request, and never printed, returned or kept.

mod message;
mod sender;

pub use message::{payload, plain, text};
/// One HTTP client for the whole binary: Slack's webhooks and GitHub's REST API.
pub(crate) use sender::{client as http_client, describe as describe_http_error};

use serde::{Deserialize, Serialize};

use crate::config::notify::{Notify, Outcomes, SlackWebhook};

/// How one target's run ended, as a notification says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// What was deployed runs.
    Deployed,
    /// Nothing to do, or nothing changed in AWS (a terraform plan not applied,
    /// a revert prepared in git).
    Unchanged,
    /// `--dry-run`: what it would do.
    DryRun,
    /// A rollback asked for (`cargo xtask rollback`) put back what ran before.
    RolledBack,
    /// It did not work, and nothing put back what ran before (or that failed too).
    Failed,
    /// It failed, and what ran before runs again (see [`PutBackBy`]).
    FailedRolledBack,
    /// Another deployment replaced it while it rolled out; nothing was touched.
    Superseded,
    /// It did not run: a target it runs after failed, or the run was cancelled.
    Skipped,
    /// `status --notify`: what runs differs from the ledger (`why` says how).
    Drifted,
}

impl Outcome {
    pub fn ok(self) -> bool {
        matches!(
            self,
            Outcome::Deployed | Outcome::Unchanged | Outcome::DryRun | Outcome::RolledBack
        )
    }

    /// Whether AWS changed (or, in a dry run, would), or something went
    /// wrong: worth a message.
    fn newsworthy(self) -> bool {
        self != Outcome::Unchanged
    }
}

/// The check that stopped a deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// ECS's deployment circuit breaker failed the deployment (with rollback
    /// on, ECS rolls the service back itself).
    CircuitBreaker,
    /// The rollout did not complete: tasks stopped before healthy, ECS marked
    /// it FAILED, or the timeout passed.
    Rollout,
    /// The HTTP smoke check after the rollout.
    SmokeCheck,
    /// A CloudWatch alarm during the bake.
    Alarm,
    /// The one-off task before the rollout (`before_rollout`).
    BeforeRollout,
}

impl Check {
    pub fn describe(self) -> &'static str {
        match self {
            Check::CircuitBreaker => "ECS's deployment circuit breaker",
            Check::Rollout => "the rollout",
            Check::SmokeCheck => "the smoke check",
            Check::Alarm => "an alarm",
            Check::BeforeRollout => "the before_rollout task",
        }
    }
}

/// Who put back what ran before a failed deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PutBackBy {
    /// The tool, after a failed rollout or verification.
    Tool,
    /// ECS itself: its rollback was under way when the tool looked.
    Ecs,
}

/// What stopped a deploy, and who put back what ran before: what a kind
/// knows of a failure beyond its words, for the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub check: Check,
    /// `None`: nothing was put back (`--no-rollback`, or that failed too).
    pub put_back_by: Option<PutBackBy>,
    /// Another deployment replaced ours while it rolled out (its id): nothing
    /// of ours was sent after it.
    pub superseded_by: Option<String>,
}

/// A commit, and who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

/// What a notification says of one target's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub outcome: Outcome,
    /// The check that stopped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
    /// With `FailedRolledBack`: who put back what ran before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub put_back_by: Option<PutBackBy>,
    /// What it put in place, or tried to (`family:7`, a release id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployed: Option<String>,
    /// What ran before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<String>,
    /// The commit deployed; for a rollback, the commit of the deploy it rolled away from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<Commit>,
    /// Why it failed, was put back, superseded or skipped; for a rollback
    /// asked for, why it went back to that version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

impl Notice {
    pub fn new(outcome: Outcome) -> Notice {
        Notice {
            outcome,
            check: None,
            put_back_by: None,
            deployed: None,
            replaced: None,
            commit: None,
            why: None,
        }
    }

    pub fn because(self, why: impl Into<String>) -> Notice {
        Notice {
            why: Some(why.into()),
            ..self
        }
    }
}

/// One target's line in a run's message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub target: String,
    /// One line: what was done (the summary the command printed).
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    #[serde(flatten)]
    pub notice: Notice,
}

/// One run in one environment: what its message says.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// `deploy` or `rollback`.
    pub command: String,
    pub env: String,
    /// Who ran it (`who` of the ledger).
    pub who: String,
    /// The CI run, when there is one.
    pub link: Option<String>,
    pub lines: Vec<Line>,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.lines.iter().all(|l| l.notice.outcome.ok())
    }

    /// Whether `webhook` hears of this run.
    fn wanted_by(&self, webhook: &SlackWebhook) -> bool {
        let newsworthy = self.lines.iter().any(|l| l.notice.outcome.newsworthy());
        match webhook.outcomes {
            Outcomes::All => newsworthy,
            Outcomes::Failed => !self.ok(),
        }
    }
}

/// `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`, when
/// all three are set (a GitHub Actions run).
pub fn ci_run_link() -> Option<String> {
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/actions/runs/{}",
        var("GITHUB_SERVER_URL")?.trim_end_matches('/'),
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?
    ))
}

/// Whether a run sends its message or says what it would send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Send,
    /// `--dry-run`: nothing is sent; what would be is printed.
    DryRun,
}

/// Sends `run`'s message to every webhook of `notify` that wants it, saying on
/// stderr what went where. A webhook that cannot be reached is a warning (an
/// annotation under GitHub Actions); nothing here fails the run.
pub async fn deliver(run: &Run, notify: &Notify, mode: Mode) {
    if mode == Mode::DryRun {
        return dry_run(run, notify);
    }
    let wanting: Vec<&SlackWebhook> = notify.slack.iter().filter(|w| run.wanted_by(w)).collect();
    if wanting.is_empty() {
        if !notify.slack.is_empty() {
            let why = if run.lines.is_empty() {
                "no target ran"
            } else if !run.lines.iter().any(|l| l.notice.outcome.newsworthy()) {
                "nothing changed"
            } else {
                "its webhooks hear only of failures"
            };
            eprintln!("notify: no message ({why})");
        }
        return;
    }
    let body = payload(run).to_string();
    for webhook in wanting {
        let name = &webhook.url_env;
        let url = match std::env::var(name) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                warn(&format!(
                    "${name} is not set: no message sent to it (in GitHub Actions, pass the secret {name} to this step)"
                ));
                continue;
            }
        };
        let sent = sender::post(url.trim(), body.as_bytes(), notify.timeout, |retry| {
            eprintln!("notify: ${name}: {retry}")
        })
        .await;
        match sent {
            Ok(attempts) => eprintln!(
                "notify: message sent to ${name}{}",
                if attempts > 1 {
                    format!(" (attempt {attempts})")
                } else {
                    String::new()
                }
            ),
            Err(why) => warn(&format!(
                "${name}: the message was not sent: {why}; the {} itself is not affected",
                run.command
            )),
        }
    }
}

/// What a run that ended like this dry run would send, and where.
fn dry_run(run: &Run, notify: &Notify) {
    let mut lines = Vec::new();
    for webhook in &notify.slack {
        let name = &webhook.url_env;
        let set = std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
        let unset = if set { "" } else { " (not set here)" };
        lines.push(match (run.wanted_by(webhook), webhook.outcomes) {
            (true, _) => format!("would post to ${name}{unset}"),
            (false, Outcomes::Failed) => {
                format!("${name}{unset} hears only of failures: it would get nothing unless a target failed")
            }
            (false, Outcomes::All) => format!("${name}{unset}: nothing to tell"),
        });
    }
    eprintln!("notify (dry run): nothing sent; {}", lines.join("; "));
    if notify.slack.iter().any(|w| run.wanted_by(w)) {
        eprintln!("{}", indent(&plain(run)));
        if crate::output::verbose() {
            eprintln!("notify (dry run): the payload: {}", payload(run));
        }
    }
}

/// A warning: on stderr, and as an annotation under GitHub Actions.
fn warn(text: &str) {
    if crate::output::github_actions() {
        eprintln!(
            "::warning title=notification not sent::{}",
            text.replace('\n', " ")
        );
    } else {
        eprintln!("notify: WARNING: {text}");
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
