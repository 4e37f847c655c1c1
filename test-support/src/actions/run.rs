//! A run of a workflow as GitHub schedules it: a job starts once every job it
//! needs has finished, if its `if:` holds (GitHub's status-check rules), and
//! its outputs are filled from its steps'.

use super::expressions::{eval, interpolate, status_ok, truthy};
use super::Workflow;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What a job did: `success`, `failure`, `cancelled` or `skipped`, and the
/// outputs of its steps by step id.
#[derive(Debug, Clone, Default)]
pub struct JobRun {
    pub result: String,
    pub steps: BTreeMap<String, BTreeMap<String, String>>,
}

impl JobRun {
    pub fn success() -> JobRun {
        JobRun {
            result: "success".into(),
            ..JobRun::default()
        }
    }

    pub fn failure() -> JobRun {
        JobRun {
            result: "failure".into(),
            ..JobRun::default()
        }
    }

    /// Success, with step `step`'s output `key`.
    pub fn with_output(mut self, step: &str, key: &str, value: &str) -> JobRun {
        self.steps
            .entry(step.into())
            .or_default()
            .insert(key.into(), value.into());
        self
    }
}

/// A run of the workflow: the jobs in the order they started (those that
/// ran), and every job's `needs` entry (result and outputs).
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub started: Vec<String>,
    pub needs: BTreeMap<String, Value>,
    /// The run's context (`github.sha`, `github.ref`, the event, `inputs`):
    /// what a re-run runs with again.
    pub context: Value,
}

impl Run {
    pub fn result(&self, job: &str) -> &str {
        self.needs[job]["result"].as_str().unwrap()
    }

    pub fn ran(&self, job: &str) -> bool {
        self.started.iter().any(|j| j == job)
    }

    /// Where `job` started, among the jobs that ran.
    pub fn position(&self, job: &str) -> usize {
        self.started
            .iter()
            .position(|j| j == job)
            .unwrap_or_else(|| panic!("{job} did not run: {:?}", self.started))
    }
}

impl Workflow {
    /// Runs the jobs as GitHub would: a job starts once every job it needs
    /// has finished, if its `if:` holds (else it is skipped); `execute` says
    /// what a job that runs did. `context` holds `inputs` and `github`.
    pub fn run(&self, context: &Value, execute: impl FnMut(&str, &Run) -> JobRun) -> Run {
        self.run_keeping(context, &BTreeMap::new(), execute)
    }

    /// *Re-run failed jobs* of `previous` (docs.github.com, "Re-running
    /// workflows and jobs"): the jobs that failed or were cancelled, and every
    /// job that needs one of them, directly or not, run again; the others keep
    /// their result and outputs (a `build` that succeeded is not re-run, so its
    /// artifact is the first run's, and `plan`'s outputs — its targets and its
    /// `planned_at` — are the first run's too). It runs with the run's own
    /// context: a re-run uses the original event's `GITHUB_SHA` and
    /// `GITHUB_REF`, never the branch's newest commit.
    pub fn rerun_failed(&self, previous: &Run, execute: impl FnMut(&str, &Run) -> JobRun) -> Run {
        let mut again: Vec<String> = previous
            .needs
            .iter()
            .filter(|(_, v)| matches!(v["result"].as_str(), Some("failure" | "cancelled")))
            .map(|(k, _)| k.clone())
            .collect();
        loop {
            let more: Vec<String> = self
                .jobs()
                .into_iter()
                .filter(|j| !again.contains(j) && self.needs(j).iter().any(|n| again.contains(n)))
                .collect();
            if more.is_empty() {
                break;
            }
            again.extend(more);
        }
        let kept = previous
            .needs
            .iter()
            .filter(|(k, _)| !again.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.run_keeping(&previous.context, &kept, execute)
    }

    /// [`Workflow::run`], with the jobs of `kept` already done.
    fn run_keeping(
        &self,
        context: &Value,
        kept: &BTreeMap<String, Value>,
        mut execute: impl FnMut(&str, &Run) -> JobRun,
    ) -> Run {
        let mut run = Run {
            needs: kept.clone(),
            context: context.clone(),
            ..Run::default()
        };
        let jobs = self.jobs();
        while run.needs.len() < jobs.len() {
            let ready = jobs
                .iter()
                .find(|j| {
                    !run.needs.contains_key(*j)
                        && self.needs(j).iter().all(|n| run.needs.contains_key(n))
                })
                .unwrap_or_else(|| panic!("a cycle in needs: {:?}", run.needs.keys()))
                .clone();
            let mut ctx = context.clone();
            ctx["needs"] = Value::Object(
                self.needs(&ready)
                    .iter()
                    .map(|n| (n.clone(), run.needs[n].clone()))
                    .collect(),
            );
            let condition = self.job(&ready)["if"].as_str().map(unwrap_expression);
            let runs = match condition {
                None => status_ok(&ctx),
                Some(expr) => {
                    let mut value = eval(expr, &ctx);
                    if !uses_status_function(expr) {
                        value = Value::Bool(status_ok(&ctx) && truthy(&value));
                    }
                    truthy(&value)
                }
            };
            let entry = if runs {
                run.started.push(ready.clone());
                let done = execute(&ready, &run);
                let steps = json!({ "steps": done
                    .steps
                    .iter()
                    .map(|(id, outs)| (id.clone(), json!({ "outputs": outs })))
                    .collect::<serde_json::Map<_, _>>() });
                let outputs: serde_json::Map<String, Value> = self.job(&ready)["outputs"]
                    .as_mapping()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                let k = k.as_str().unwrap().to_string();
                                (k, Value::String(interpolate(v.as_str().unwrap(), &steps)))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                json!({ "result": done.result, "outputs": outputs })
            } else {
                json!({ "result": "skipped", "outputs": {} })
            };
            run.needs.insert(ready, entry);
        }
        run
    }
}

/// `${{ x }}` → `x`; a bare expression as it is.
fn unwrap_expression(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .map_or(t, str::trim)
}

fn uses_status_function(expr: &str) -> bool {
    ["success()", "always()", "cancelled()", "failure()"]
        .iter()
        .any(|f| expr.contains(f))
}
