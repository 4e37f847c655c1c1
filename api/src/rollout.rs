//! Watching a rollout: *our* deployment, the one UpdateService's answer named
//! (the new PRIMARY's `id`, and `currentServiceDeployment`, its service
//! deployment ARN), until it ends — not until the service is "stable", which
//! the AWS waiter also reports after ECS rolled it back (and which gives up
//! after 10 minutes).
//!
//! - With the service deployments API, the outcome is the deployment's status
//!   (DescribeServiceDeployments), for every strategy: SUCCESSFUL is deployed;
//!   ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED, ECS rolled back by itself; STOPPED
//!   with a newer current deployment, superseded. Without it (a Region or a
//!   role without the API), DescribeServices' `deployments[]` by our id.
//! - ECS reads are eventually consistent: a poll that does not show our
//!   deployment yet is "not visible yet" until the timeout, never "rolled back".
//! - Fails early when `failed_tasks_limit` tasks of ours stopped before
//!   becoming healthy (the circuit breaker itself waits for max(3, min(200,
//!   desired/2)) failures, which can take long).
//! - The time is `timeout` plus every bake the strategy is configured with;
//!   for BLUE_GREEN, LINEAR and CANARY the watch can hand over at BAKE_TIME
//!   (the old revision still runs) so the caller verifies during the bake.

use aws_sdk_ecs::types::Service;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::error::ApiError;
use crate::service_deployment::{self, Read};
use crate::task_definition::Revision;
use crate::verdict::{self, Verdict};
use crate::{ServiceSettings, Strategy};

/// How to watch: the defaults suit real ECS; tests poll faster.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    /// The rollout's own time; the strategy's bakes are added to it.
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
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub failed: i32,
    /// The rollout state of our deployment (`IN_PROGRESS`, ...), or the
    /// service deployment's status, whichever ECS reports.
    pub state: String,
    /// The service deployment's lifecycle stage (BLUE_GREEN, LINEAR, CANARY).
    pub stage: Option<String>,
    /// The traffic each revision takes, where ECS says.
    pub traffic: Option<Traffic>,
    /// How much of ECS's bake is left (in BAKE_TIME).
    pub bake_left: Option<Duration>,
    /// Service events since the watch began, oldest first, each shown once.
    pub new_events: Vec<String>,
    /// This poll failed for a reason that passes (throttling, a server error,
    /// a dropped connection, after the SDK's own retries); the watch goes on
    /// with a longer interval. The counts are the last poll's.
    pub retrying: Option<String>,
    /// Said once: e.g. that the watch follows `deployments[]` (no API here).
    pub note: Option<String>,
}

/// Percent of the traffic the new revision and the old one take.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    pub new_production: f64,
    pub new_test: Option<f64>,
    pub old_production: Option<f64>,
}

/// How a watched rollout ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutEnd {
    /// Our deployment is SUCCESSFUL (or COMPLETED as the PRIMARY one).
    Completed,
    /// It failed, and ECS did not roll it back: the caller may.
    Failed { reason: String },
    TimedOut {
        after: Duration,
        /// ECS never showed our deployment (its reads lag).
        never_seen: bool,
    },
    /// ECS rolled it back by itself (its alarms, the circuit breaker, a
    /// lifecycle hook), or after a StopServiceDeployment; `status` is
    /// ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED, or how far it got.
    RolledBackByEcs { reason: String, status: String },
    /// Another deployment replaced ours (someone else's UpdateService).
    Superseded { by: String },
}

impl RolloutEnd {
    pub fn succeeded(&self) -> bool {
        matches!(self, RolloutEnd::Completed)
    }

    /// Whether ECS or someone else already acted: nothing of ours should be
    /// sent after it.
    pub fn left_to_ecs(&self) -> bool {
        matches!(
            self,
            RolloutEnd::RolledBackByEcs { .. } | RolloutEnd::Superseded { .. }
        )
    }

    pub fn describe(&self) -> String {
        match self {
            RolloutEnd::Completed => "completed".into(),
            RolloutEnd::Failed { reason } => format!("failed: {reason}"),
            RolloutEnd::TimedOut { after, never_seen } => format!(
                "did not complete within {}s{}",
                after.as_secs(),
                if *never_seen {
                    " (ECS never showed the new deployment)"
                } else {
                    ""
                }
            ),
            RolloutEnd::RolledBackByEcs { reason, status } => {
                let how = match status.as_str() {
                    "ROLLBACK_SUCCESSFUL" => "ECS rolled it back",
                    "ROLLBACK_FAILED" => "ECS's rollback of it failed",
                    _ => "ECS is rolling it back",
                };
                format!("failed: {how} ({status}: {reason})")
            }
            RolloutEnd::Superseded { by } => {
                format!("was superseded by another deployment, {by}; nothing was touched")
            }
        }
    }

    /// The service deployment's status word for the ledger.
    pub fn status_word(&self) -> &str {
        match self {
            RolloutEnd::Completed => "SUCCESSFUL",
            RolloutEnd::Failed { .. } => "FAILED",
            RolloutEnd::TimedOut { .. } => "TIMED_OUT",
            RolloutEnd::RolledBackByEcs { status, .. } => status,
            RolloutEnd::Superseded { .. } => "STOPPED",
        }
    }
}

/// A deployment UpdateService started, as the watch follows it; kept while
/// it is in flight (it can be handed back during its bake, then finished or
/// stopped).
#[derive(Debug, Clone)]
pub struct Rollout {
    /// The revision it deploys.
    pub revision: Revision,
    /// Its service deployment ARN (`currentServiceDeployment`), when ECS has
    /// the service deployments API.
    pub service_deployment: Option<String>,
    pub strategy: Strategy,
    /// The revision that ran before (what ECS goes back to).
    pub source: Option<Revision>,
    /// The new PRIMARY deployment's `id` in `deployments[]`.
    pub(crate) deployment_id: Option<String>,
    pub(crate) deadline: Instant,
    pub(crate) allowed: Duration,
    pub(crate) events: HashSet<String>,
    /// Whether ECS showed it at least once.
    pub(crate) seen: bool,
    /// When the watch first saw it in BAKE_TIME.
    pub(crate) bake_started: Option<Instant>,
    /// Whether the service deployments API answered (else `deployments[]`).
    pub(crate) api: bool,
}

impl Rollout {
    /// The deployment UpdateService's answer names. `old_events` are the
    /// service events from before the update (not news).
    pub(crate) fn updated(
        service: &Service,
        revision: &Revision,
        watch: &WatchSettings,
        old_events: HashSet<String>,
    ) -> Rollout {
        let deployments = service.deployments();
        let ours = deployments
            .iter()
            .find(|d| d.status() == Some("PRIMARY") && d.task_definition() == Some(&revision.arn))
            .or_else(|| {
                deployments
                    .iter()
                    .find(|d| d.task_definition() == Some(&revision.arn))
            });
        let source = deployments
            .iter()
            .filter(|d| d.task_definition() != Some(&revision.arn))
            .filter_map(|d| d.task_definition().and_then(Revision::parse))
            .next();
        let strategy = Strategy::of(service.deployment_configuration());
        let allowed = watch.timeout + strategy.bakes();
        Rollout {
            revision: revision.clone(),
            service_deployment: service.current_service_deployment().map(str::to_owned),
            strategy,
            source,
            deployment_id: ours.and_then(|d| d.id()).map(str::to_owned),
            deadline: Instant::now() + allowed,
            allowed,
            events: old_events,
            seen: false,
            bake_started: None,
            api: true,
        }
    }

    /// A deployment found in flight (not started by this run).
    pub(crate) fn found(
        service: &Service,
        service_deployment: String,
        watch: &WatchSettings,
    ) -> Option<Rollout> {
        let revision = service.task_definition().and_then(Revision::parse)?;
        let mut rollout = Rollout::updated(service, &revision, watch, event_ids(service));
        rollout.service_deployment = Some(service_deployment);
        rollout.seen = true;
        Some(rollout)
    }

    /// From now, `timeout` more (a rollback after a stop does not bake).
    pub(crate) fn restart_clock(&mut self, timeout: Duration) {
        self.deadline = Instant::now() + timeout;
        self.allowed = timeout;
    }

    /// A one-line description for progress: `BLUE_GREEN (bake 5m), service
    /// deployment arn:...`.
    pub fn describe(&self) -> String {
        match &self.service_deployment {
            Some(arn) => format!("{}, service deployment {arn}", self.strategy.describe()),
            None => self.strategy.describe(),
        }
    }
}

/// Where a watch may stop before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    End,
    /// BAKE_TIME of a traffic-shifting deployment: the caller verifies while
    /// the old revision still runs.
    Bake,
}

/// How a watch returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// In BAKE_TIME (with [`Until::Bake`]): still in flight.
    Baking,
    Ended(RolloutEnd),
}

/// Polls until the rollout ends (or bakes, with [`Until::Bake`]). Service
/// events whose ids the rollout has not seen are reported, each once; ids,
/// not times, so clock skew cannot hide or repeat one.
pub async fn watch(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    rollout: &mut Rollout,
    watch: &WatchSettings,
    until: Until,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Watched, ApiError> {
    let mut interval = watch.poll_interval;
    let mut last: Option<Progress> = None;
    loop {
        match poll(ecs, settings, rollout).await {
            Ok((service, read)) => {
                interval = watch.poll_interval;
                let mut note = None;
                let view = match read {
                    Some(Read::Found(view)) => Some(*view),
                    Some(Read::Unsupported(why)) => {
                        rollout.api = false;
                        note = Some(format!("{why}: following DescribeServices' deployments"));
                        None
                    }
                    Some(Read::Missing) | None => None,
                };
                let (mut progress, verdict) =
                    verdict::assess(&service, view.as_ref(), rollout, watch);
                progress.new_events = new_events(&service, &mut rollout.events);
                progress.note = note;
                if progress.stage.as_deref() == Some("BAKE_TIME") {
                    let started = *rollout.bake_started.get_or_insert_with(Instant::now);
                    progress.bake_left =
                        Some(rollout.strategy.bake.saturating_sub(started.elapsed()));
                }
                on_progress(&progress);
                match verdict {
                    Verdict::End(end) => return Ok(Watched::Ended(end)),
                    Verdict::Baking if until == Until::Bake => return Ok(Watched::Baking),
                    _ => {}
                }
                progress.new_events.clear();
                progress.note = None;
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
                    stage: None,
                    traffic: None,
                    bake_left: None,
                    new_events: Vec::new(),
                    retrying: None,
                    note: None,
                });
                progress.retrying = Some(format!(
                    "{operation} failed ({message}); polling again in {interval:?}"
                ));
                on_progress(&progress);
            }
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        if now >= rollout.deadline {
            return Ok(Watched::Ended(timed_out(rollout, last.as_ref())));
        }
        tokio::time::sleep(interval.min(rollout.deadline - now)).await;
    }
}

/// One poll: our service deployment where the API is, then the service
/// (counts, events, the fallback's verdict, and which deployment is current
/// now: read after the status, so a STOPPED status meets the deployment that
/// replaced ours).
async fn poll(
    ecs: &aws_sdk_ecs::Client,
    settings: &ServiceSettings,
    rollout: &Rollout,
) -> Result<(Service, Option<Read>), ApiError> {
    let read = match (&rollout.service_deployment, rollout.api) {
        (Some(arn), true) => Some(service_deployment::describe(ecs, arn).await?),
        _ => None,
    };
    let service = crate::service::describe(ecs, settings).await?;
    Ok((service, read))
}

/// The deadline passed. ECS rolling back by itself is still ECS's rollback:
/// nothing of ours follows it.
fn timed_out(rollout: &Rollout, last: Option<&Progress>) -> RolloutEnd {
    match last {
        Some(p)
            if matches!(
                p.state.as_str(),
                "ROLLBACK_REQUESTED" | "ROLLBACK_IN_PROGRESS"
            ) =>
        {
            RolloutEnd::RolledBackByEcs {
                reason: format!("still rolling back after {}s", rollout.allowed.as_secs()),
                status: p.state.clone(),
            }
        }
        _ => RolloutEnd::TimedOut {
            after: rollout.allowed,
            never_seen: !rollout.seen,
        },
    }
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
