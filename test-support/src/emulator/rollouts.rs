//! ECS rollouts in the front (`aws_front/ecs_rollouts.py`): how a service's
//! next rollout goes.

use super::control::json_string;
use super::Emulator;

/// How the next ECS rollout of a service goes in the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutOutcome {
    /// The new tasks come up over `steps` polls; the rollout is COMPLETED.
    Healthy,
    /// Each poll, one new task starts and exits; the deployment circuit breaker
    /// fails the rollout after max(3, min(200, ceil(desired / 2))) failed tasks.
    CrashLoop,
    /// The new deployment stays IN_PROGRESS with no running task, forever.
    Stuck,
}

impl RolloutOutcome {
    fn as_str(self) -> &'static str {
        match self {
            RolloutOutcome::Healthy => "healthy",
            RolloutOutcome::CrashLoop => "crash-loop",
            RolloutOutcome::Stuck => "stuck",
        }
    }
}

/// A service's rollout scenario; it applies to the service's next rollout
/// (UpdateService to another task definition) and stays until changed.
/// Every service starts with the default: healthy, 3 steps, no rollback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutScenario {
    pub outcome: RolloutOutcome,
    /// DescribeServices calls a healthy rollout (or ECS's rollback) takes.
    pub steps: u32,
    /// Whether the circuit breaker rolls back to the last completed deployment.
    pub circuit_breaker_rollback: bool,
    /// Only rollouts to this revision (`family:rev` or ARN) follow `outcome`;
    /// rollouts to any other revision (a rollback to a known-good one) are
    /// healthy. `None`: every rollout follows it.
    pub task_definition: Option<String>,
}

impl Default for RolloutScenario {
    fn default() -> Self {
        RolloutScenario {
            outcome: RolloutOutcome::Healthy,
            steps: 3,
            circuit_breaker_rollback: false,
            task_definition: None,
        }
    }
}

impl Emulator {
    /// Sets how the next rollout of `service` in `cluster` goes (names or ARNs).
    /// Panics if the front refuses it.
    pub async fn set_rollout(&self, cluster: &str, service: &str, scenario: RolloutScenario) {
        let body = format!(
            r#"{{"cluster": {}, "service": {}, "outcome": "{}", "steps": {}, "circuit_breaker_rollback": {}, "task_definition": {}}}"#,
            json_string(cluster),
            json_string(service),
            scenario.outcome.as_str(),
            scenario.steps,
            scenario.circuit_breaker_rollback,
            scenario
                .task_definition
                .as_deref()
                .map_or_else(|| "null".to_string(), json_string),
        );
        self.control("POST", "/scenario", &body);
    }
}
