//! `ci report`: the last job of a deploy workflow. From the results of the
//! jobs before it (GitHub's `needs` context, as JSON), what happened to each
//! target and — for the ones that did not run — why, for the run's summary:
//! a skipped job on GitHub's page does not say whether its target had nothing
//! to deploy or was stopped by a failed dependency. And the run's one
//! notification: each target's line, from what its deploy job said.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::pipeline::{ancestors, approve_job, deploy_job, needs_approval, plan_job};
use crate::config::Config;
use crate::notify;

/// One job's entry in the `needs` context.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JobResult {
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
}

/// What happened to a target in the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetOutcome {
    /// The plan found nothing of it changed.
    NotPlanned,
    Deployed,
    /// Its terraform plan had no changes: nothing to approve or apply.
    NothingToApply,
    /// Its job failed (for an apply behind approval: or was rejected).
    Failed {
        job: String,
    },
    Cancelled {
        job: String,
    },
    /// It did not run because `by` (a target it runs after, or the plan)
    /// failed or was cancelled.
    Stopped {
        by: String,
    },
    /// Planned, yet its job did not run, and nothing says why.
    DidNotRun,
}

impl TargetOutcome {
    pub fn describe(&self) -> String {
        match self {
            TargetOutcome::NotPlanned => "not planned: nothing of it changed".into(),
            TargetOutcome::Deployed => "deployed".into(),
            TargetOutcome::NothingToApply => "planned: no changes to apply".into(),
            TargetOutcome::Failed { job } if job.starts_with("approve-") => format!("not approved (job {job}: its reviewers rejected it, or it was not approved in time)"),
            TargetOutcome::Failed { job } => format!("failed (job {job})"),
            TargetOutcome::Cancelled { job } => format!("cancelled (job {job}): it runs again with the next deploy"),
            TargetOutcome::Stopped { by } => format!("did not run: {by} failed or was cancelled, and it runs after {by}; it runs with the next deploy"),
            TargetOutcome::DidNotRun => "did not run".into(),
        }
    }

    pub fn ok(&self) -> bool {
        matches!(
            self,
            TargetOutcome::NotPlanned | TargetOutcome::Deployed | TargetOutcome::NothingToApply
        )
    }
}

/// Each target's outcome, in run order, from the `needs` context of the
/// pipeline for `env` (see `pipeline.rs` for the job names).
pub fn outcomes(
    config: &Config,
    env: &str,
    needs: &BTreeMap<String, JobResult>,
) -> Vec<(String, TargetOutcome)> {
    let job = |id: &str| needs.get(id).cloned().unwrap_or_default();
    let plan = job("plan");
    let planned: Option<Vec<String>> = plan
        .outputs
        .get("targets")
        .and_then(|t| serde_json::from_str(t).ok());
    let broke = |id: &str| matches!(job(id).result.as_str(), "failure" | "cancelled");
    let mut out = Vec::new();
    for target in &config.targets {
        let name = &target.name;
        let outcome = match &planned {
            _ if plan.result != "success" => TargetOutcome::Stopped { by: "plan".into() },
            None => TargetOutcome::Stopped { by: "plan".into() },
            Some(planned) if !planned.contains(name) => TargetOutcome::NotPlanned,
            Some(_) => {
                let deploy = job(&deploy_job(name));
                let dry_run = needs_approval(target, env).then(|| job(&plan_job(name)));
                let approval = needs_approval(target, env).then(|| job(&approve_job(name)));
                match (deploy.result.as_str(), &dry_run) {
                    (_, Some(p)) if p.result == "failure" => TargetOutcome::Failed {
                        job: plan_job(name),
                    },
                    _ if approval.as_ref().is_some_and(|a| a.result == "failure") => {
                        TargetOutcome::Failed {
                            job: approve_job(name),
                        }
                    }
                    _ if approval.as_ref().is_some_and(|a| a.result == "cancelled") => {
                        TargetOutcome::Cancelled {
                            job: approve_job(name),
                        }
                    }
                    ("success", _) => TargetOutcome::Deployed,
                    ("failure", _) => TargetOutcome::Failed {
                        job: deploy_job(name),
                    },
                    ("cancelled", _) => TargetOutcome::Cancelled {
                        job: deploy_job(name),
                    },
                    (_, Some(p))
                        if p.result == "success"
                            && p.outputs.get("fingerprint").is_none_or(|f| f.is_empty()) =>
                    {
                        TargetOutcome::NothingToApply
                    }
                    _ => match ancestors(config, target).into_iter().find(|a| {
                        broke(&deploy_job(&a.name))
                            || broke(&plan_job(&a.name))
                            || broke(&approve_job(&a.name))
                    }) {
                        Some(a) => TargetOutcome::Stopped { by: a.name.clone() },
                        None => TargetOutcome::DidNotRun,
                    },
                }
            }
        };
        out.push((name.clone(), outcome));
    }
    out
}

/// Each planned target's line in the run's notification: what its deploy job
/// said of it (its `notice` output, which `deploy --format github` writes),
/// else what its job's result says (a job that failed before it could say
/// anything, a target stopped by another's failure, a cancelled run).
pub fn notice_lines(
    outcomes: &[(String, TargetOutcome)],
    needs: &BTreeMap<String, JobResult>,
) -> Vec<notify::Line> {
    use notify::{Line, Notice, Outcome};
    let said = |name: &str| -> Option<Line> {
        let job = needs.get(&deploy_job(name))?;
        let lines: Vec<Line> = serde_json::from_str(job.outputs.get("notice")?).ok()?;
        lines.into_iter().find(|l| l.target == name)
    };
    let line = |name: &str, outcome: &TargetOutcome, notice: Notice| Line {
        target: name.to_string(),
        summary: outcome.describe(),
        seconds: None,
        notice,
    };
    outcomes
        .iter()
        .filter_map(|(name, outcome)| {
            Some(match outcome {
                TargetOutcome::NotPlanned => return None,
                TargetOutcome::Deployed => said(name)
                    .unwrap_or_else(|| line(name, outcome, Notice::new(Outcome::Deployed))),
                TargetOutcome::NothingToApply => {
                    line(name, outcome, Notice::new(Outcome::Unchanged))
                }
                TargetOutcome::Failed { .. } => said(name)
                    .filter(|l| !l.notice.outcome.ok())
                    .unwrap_or_else(|| {
                        line(
                            name,
                            outcome,
                            Notice::new(Outcome::Failed).because(outcome.describe()),
                        )
                    }),
                TargetOutcome::Cancelled { .. }
                | TargetOutcome::Stopped { .. }
                | TargetOutcome::DidNotRun => said(name)
                    .filter(|l| !l.notice.outcome.ok())
                    .unwrap_or_else(|| {
                        line(
                            name,
                            outcome,
                            Notice::new(Outcome::Skipped).because(outcome.describe()),
                        )
                    }),
            })
        })
        .collect()
}

/// The outcomes as a Markdown table for the run's summary.
pub fn markdown(env: &str, outcomes: &[(String, TargetOutcome)]) -> String {
    let mut md = format!("### deploy to {env}: what ran\n\n| target | outcome |\n|---|---|\n");
    for (name, outcome) in outcomes {
        let mark = if outcome.ok() { "✅" } else { "❌" };
        md.push_str(&format!("| {name} | {mark} {} |\n", outcome.describe()));
    }
    md.push('\n');
    md
}
