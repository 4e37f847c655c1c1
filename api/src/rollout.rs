//! Watching a rollout until the service's PRIMARY deployment runs *our* revision
//! and is COMPLETED — not until the service is "stable", which the AWS waiter
//! also reports after ECS's circuit breaker rolled it back to the old revision
//! (and which gives up after 10 minutes).
//!
//! Fails early when ECS marks the deployment FAILED, when ECS put another
//! revision back as PRIMARY, or when `failed_tasks_limit` tasks of the new
//! revision stopped before becoming healthy (the circuit breaker itself waits
//! for max(3, min(200, desired/2)) failures, which can take long).

use aws_sdk_ecs::types::{Deployment, DeploymentRolloutState, Service};
use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::error::ApiError;
use crate::task_definition::Revision;
use crate::ServiceSettings;

/// How to watch: the defaults suit real ECS; tests poll faster.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    pub timeout: Duration,
    pub poll_interval: Duration,
    /// The interval grows up to this on throttling.
    pub max_poll_interval: Duration,
    /// Fail once this many tasks of the new revision stopped before healthy.
    pub failed_tasks_limit: i32,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            timeout: Duration::from_secs(15 * 60),
            poll_interval: Duration::from_secs(5),
            max_poll_interval: Duration::from_secs(30),
            failed_tasks_limit: 3,
        }
    }
}

/// What one poll saw, for progress output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub failed: i32,
    /// The rollout state of our deployment (`IN_PROGRESS`, ...), if ECS reports one.
    pub state: String,
    /// Service events since the watch began, oldest first, each shown once.
    pub new_events: Vec<String>,
    /// This poll failed for a reason that passes (throttling, a server error,
    /// a dropped connection, after the SDK's own retries); the watch goes on
    /// with a longer interval. The counts are the last poll's.
    pub retrying: Option<String>,
}

/// How a watched rollout ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutEnd {
    /// The PRIMARY deployment runs our revision and is COMPLETED.
    Completed,
    Failed {
        reason: String,
    },
    TimedOut {
        after: Duration,
    },
}

impl RolloutEnd {
    pub fn succeeded(&self) -> bool {
        matches!(self, RolloutEnd::Completed)
    }

    pub fn describe(&self) -> String {
        match self {
            RolloutEnd::Completed => "completed".into(),
            RolloutEnd::Failed { reason } => format!("failed: {reason}"),
            RolloutEnd::TimedOut { after } => {
                format!("did not complete within {}s", after.as_secs())
            }
        }
    }
}

/// Polls the service until the rollout to `target` ends. Service events whose
/// ids are not in `old_events` (the ones there before the update) are reported,
/// each once; ids, not times, so clock skew cannot hide or repeat one.
pub async fn watch(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    target: &Revision,
    watch: &WatchSettings,
    old_events: HashSet<String>,
    mut on_progress: impl FnMut(&Progress),
) -> Result<RolloutEnd, ApiError> {
    let started = Instant::now();
    let mut interval = watch.poll_interval;
    let mut seen_events = old_events;
    let mut last: Option<Progress> = None;
    loop {
        match crate::service::describe(ecs, settings).await {
            Ok(service) => {
                interval = watch.poll_interval;
                let (progress, end) = assess(&service, target, watch);
                let mut progress = progress;
                progress.new_events = new_events(&service, &mut seen_events);
                on_progress(&progress);
                if let Some(end) = end {
                    return Ok(end);
                }
                progress.new_events.clear();
                last = Some(progress);
            }
            // A rollout takes minutes; a passing failure of one poll must not
            // end the watch (it ends at the timeout if the failures do not pass).
            Err(ApiError::Transient { operation, message }) => {
                interval = (interval * 2).min(watch.max_poll_interval);
                let mut progress = last.clone().unwrap_or_else(|| Progress {
                    desired: 0,
                    running: 0,
                    pending: 0,
                    failed: 0,
                    state: String::new(),
                    new_events: Vec::new(),
                    retrying: None,
                });
                progress.retrying = Some(format!(
                    "{operation} failed ({message}); polling again in {interval:?}"
                ));
                on_progress(&progress);
            }
            Err(e) => return Err(e),
        }
        if started.elapsed() >= watch.timeout {
            return Ok(RolloutEnd::TimedOut {
                after: watch.timeout,
            });
        }
        tokio::time::sleep(interval.min(watch.timeout.saturating_sub(started.elapsed()))).await;
    }
}

/// One poll's verdict: progress, and the end if the rollout ended.
fn assess(
    service: &Service,
    target: &Revision,
    watch: &WatchSettings,
) -> (Progress, Option<RolloutEnd>) {
    let deployments = service.deployments();
    let ours = deployments
        .iter()
        .find(|d| d.task_definition() == Some(target.arn.as_str()));
    let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"));
    let progress = Progress {
        desired: ours.map_or(service.desired_count(), Deployment::desired_count),
        running: ours.map_or(0, Deployment::running_count),
        pending: ours.map_or(0, Deployment::pending_count),
        failed: ours.map_or(0, Deployment::failed_tasks),
        state: ours
            .and_then(|d| d.rollout_state())
            .map_or_else(String::new, |s| s.as_str().to_string()),
        new_events: Vec::new(),
        retrying: None,
    };

    let primary_is_ours = primary.is_some_and(|p| p.task_definition() == Some(target.arn.as_str()));
    let end = match (ours, primary_is_ours) {
        (Some(d), true) => match d.rollout_state() {
            Some(DeploymentRolloutState::Completed) => Some(RolloutEnd::Completed),
            Some(DeploymentRolloutState::Failed) => Some(RolloutEnd::Failed {
                reason: d
                    .rollout_state_reason()
                    .unwrap_or("ECS marked the deployment FAILED")
                    .to_string(),
            }),
            // No rollout state (e.g. an external deployment controller): done
            // when ours is the only deployment and runs the desired count.
            None if deployments.len() == 1 && d.running_count() >= d.desired_count() => {
                Some(RolloutEnd::Completed)
            }
            _ if d.failed_tasks() >= watch.failed_tasks_limit => Some(RolloutEnd::Failed {
                reason: format!(
                    "{} tasks of {} stopped before becoming healthy",
                    d.failed_tasks(),
                    target.short()
                ),
            }),
            _ => None,
        },
        // Another revision is PRIMARY: ECS's circuit breaker is rolling back.
        (Some(d), false) => Some(RolloutEnd::Failed {
            reason: format!(
                "ECS rolled the service back to {}{}",
                primary
                    .and_then(|p| p.task_definition())
                    .and_then(Revision::parse)
                    .map_or_else(|| "another revision".into(), |r| r.short()),
                d.rollout_state_reason()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
        }),
        (None, _) => Some(RolloutEnd::Failed {
            reason: format!(
                "the service no longer has a deployment of {} (running {})",
                target.short(),
                service
                    .task_definition()
                    .and_then(Revision::parse)
                    .map_or_else(|| "unknown".into(), |r| r.short())
            ),
        }),
    };
    (progress, end)
}

/// The ids of the service's events now: what a watch should not report again.
pub fn event_ids(service: &Service) -> HashSet<String> {
    service
        .events()
        .iter()
        .filter_map(|e| e.id().map(str::to_owned))
        .collect()
}

fn new_events(service: &Service, seen: &mut HashSet<String>) -> Vec<String> {
    let mut events: Vec<(f64, String)> = service
        .events()
        .iter()
        .filter(|e| seen.insert(e.id().unwrap_or_default().to_string()))
        .map(|e| {
            (
                e.created_at().map_or(0.0, |t| t.as_secs_f64()),
                e.message().unwrap_or_default().to_string(),
            )
        })
        .collect();
    // ECS lists events newest first.
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    events.into_iter().map(|(_, m)| m).collect()
}
