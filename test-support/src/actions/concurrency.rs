//! Concurrency groups, as GitHub runs them (docs.github.com, "Control the
//! concurrency of workflows and jobs"):
//!
//! - A group holds at most one running and one pending workflow run or job.
//!   "When a concurrent job or workflow is queued, if another job or workflow
//!   using the same concurrency group in the repository is in progress, the
//!   queued job or workflow will be pending. Any existing pending job or
//!   workflow in the same concurrency group, if it exists, will be canceled
//!   and the new queued job or workflow will take its place." It is not a
//!   queue: of three runs, the middle one is cancelled.
//! - With `cancel-in-progress: true` the running one is cancelled instead.
//! - A workflow-level group is held by the whole run, from its start to its
//!   end, while any of its jobs waits (for reviewers too); a job-level group is
//!   held by that job from when it is queued (its `needs` done) to its end —
//!   including while it waits for its environment's reviewers.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{interpolate, Workflow};

/// Where a queued run or job stands in its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    Running,
    Pending,
}

/// What queuing did: where the newcomer stands, and whom it cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    pub state: Queued,
    pub cancelled: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Slot {
    running: Option<String>,
    pending: Option<String>,
}

/// Every group of a repository.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    slots: BTreeMap<String, Slot>,
}

impl Groups {
    /// `who` (a run, or a run's job) is queued in `group`.
    pub fn queue(&mut self, group: &str, who: &str, cancel_in_progress: bool) -> Admission {
        let slot = self.slots.entry(group.to_string()).or_default();
        match &slot.running {
            None => {
                slot.running = Some(who.to_string());
                Admission {
                    state: Queued::Running,
                    cancelled: None,
                }
            }
            Some(_) if cancel_in_progress => {
                let cancelled = slot.running.replace(who.to_string());
                Admission {
                    state: Queued::Running,
                    cancelled,
                }
            }
            Some(_) => {
                let cancelled = slot.pending.replace(who.to_string());
                Admission {
                    state: Queued::Pending,
                    cancelled,
                }
            }
        }
    }

    /// `who` ended (or was cancelled) in `group`: the pending one, if any,
    /// starts, and is returned.
    pub fn finish(&mut self, group: &str, who: &str) -> Option<String> {
        let slot = self.slots.get_mut(group)?;
        if slot.pending.as_deref() == Some(who) {
            slot.pending = None;
            return None;
        }
        if slot.running.as_deref() != Some(who) {
            return None;
        }
        slot.running = slot.pending.take();
        slot.running.clone()
    }

    pub fn running(&self, group: &str) -> Option<&str> {
        self.slots.get(group)?.running.as_deref()
    }

    pub fn pending(&self, group: &str) -> Option<&str> {
        self.slots.get(group)?.pending.as_deref()
    }
}

/// A `concurrency:` value: its group (expressions filled from `ctx`) and
/// whether it cancels in progress. A bare string is a group that queues.
fn read(value: &serde_yaml_ng::Value, ctx: &Value) -> Option<(String, bool)> {
    match value {
        serde_yaml_ng::Value::Null => None,
        serde_yaml_ng::Value::String(group) => Some((interpolate(group, ctx), false)),
        map => Some((
            interpolate(map["group"].as_str().expect("concurrency.group"), ctx),
            map["cancel-in-progress"].as_bool().unwrap_or(false),
        )),
    }
}

/// The workflow's own group, held by the whole run.
pub fn workflow_group(wf: &Workflow, ctx: &Value) -> Option<(String, bool)> {
    read(&wf.doc()["concurrency"], ctx)
}

/// `job`'s group, held by the job.
pub fn job_group(wf: &Workflow, job: &str, ctx: &Value) -> Option<(String, bool)> {
    read(&wf.job(job)["concurrency"], ctx)
}

/// Every group a run holds while `job` (queued, or waiting for reviewers)
/// has not ended: the workflow's, then the job's.
pub fn groups_held_by(wf: &Workflow, job: &str, ctx: &Value) -> Vec<(String, bool)> {
    workflow_group(wf, ctx)
        .into_iter()
        .chain(job_group(wf, job, ctx))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_running_one_pending_and_the_newer_pending_wins() {
        let mut g = Groups::default();
        assert_eq!(g.queue("x", "a", false).state, Queued::Running);
        assert_eq!(g.queue("x", "b", false).state, Queued::Pending);
        let c = g.queue("x", "c", false);
        assert_eq!(
            (c.state, c.cancelled.as_deref()),
            (Queued::Pending, Some("b"))
        );
        assert_eq!(g.finish("x", "a").as_deref(), Some("c"));
        assert_eq!(g.running("x"), Some("c"));
        assert_eq!(g.pending("x"), None);
        // cancel-in-progress: the running one goes.
        let d = g.queue("x", "d", true);
        assert_eq!(
            (d.state, d.cancelled.as_deref()),
            (Queued::Running, Some("c"))
        );
        // Another group is another slot.
        assert_eq!(g.queue("y", "e", false).state, Queued::Running);
    }
}
