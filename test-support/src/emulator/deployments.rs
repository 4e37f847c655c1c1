//! ECS service deployments in the front (`aws_front/ecs_deployments*.py`):
//! how a service's BLUE_GREEN, LINEAR and CANARY deployments go (stages by
//! time, failures, ECS's own rollback), reads that lag after UpdateService
//! (`ecs_consistency.py`), a Region without the API, and what the front
//! recorded of each deployment.

use serde_json::{json, Value};

use super::control::query_escape;
use super::Emulator;

/// Why ECS fails a traffic-shifting deployment in the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureCause {
    /// The deployment circuit breaker trips (rolls back if the service's
    /// `deploymentCircuitBreaker.rollback` says so, else STOPPED).
    CircuitBreaker,
    /// A lifecycle hook returns FAILED: ECS rolls back.
    Hook,
}

/// A failure at `stage`, `after` seconds into it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentFailure {
    pub cause: FailureCause,
    /// A lifecycle stage: `SCALE_UP`, `TEST_TRAFFIC_SHIFT`, `BAKE_TIME`, ...
    pub stage: &'static str,
    pub after: f64,
}

/// How a service's next BLUE_GREEN, LINEAR and CANARY deployments go. An
/// alarm of the service's `deploymentConfiguration.alarms` in ALARM (moto's
/// CloudWatch: [`crate::set_alarm`]) rolls one back as ECS does.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentScenario {
    /// Seconds each lifecycle stage other than the bakes lasts.
    pub stage_seconds: f64,
    /// Seconds one minute of `bakeTimeInMinutes` (and of a step bake) lasts.
    pub minute_seconds: f64,
    pub fail: Option<DeploymentFailure>,
    /// A stage the deployment never leaves.
    pub stuck_at: Option<&'static str>,
    /// How long ECS's rollback takes [default: two stages].
    pub rollback_seconds: Option<f64>,
    pub rollback_fails: bool,
}

impl Default for DeploymentScenario {
    /// Quick stages (0.1 s) and a minute of bake in 1 s.
    fn default() -> Self {
        DeploymentScenario {
            stage_seconds: 0.1,
            minute_seconds: 1.0,
            fail: None,
            stuck_at: None,
            rollback_seconds: None,
            rollback_fails: false,
        }
    }
}

impl Emulator {
    /// Sets how `service`'s next traffic-shifting deployments go. Panics if
    /// the front refuses it.
    pub fn set_deployments(&self, cluster: &str, service: &str, scenario: &DeploymentScenario) {
        let fail = scenario.fail.as_ref().map(|f| {
            json!({
                "cause": match f.cause {
                    FailureCause::CircuitBreaker => "circuit-breaker",
                    FailureCause::Hook => "hook",
                },
                "stage": f.stage,
                "after": f.after,
            })
        });
        let body = json!({
            "cluster": cluster,
            "service": service,
            "stage_seconds": scenario.stage_seconds,
            "minute_seconds": scenario.minute_seconds,
            "fail": fail,
            "stuck_at": scenario.stuck_at,
            "rollback_seconds": scenario.rollback_seconds,
            "rollback_fails": scenario.rollback_fails,
        });
        self.control("POST", "/ecs/deployments", &body.to_string());
    }

    /// After each UpdateService of `service`, the next `stale_describes`
    /// DescribeServices answer the service as it was before, and the next
    /// `missing_reads` DescribeServiceDeployments do not know the new one
    /// (MISSING), as ECS's eventually consistent reads may.
    pub fn set_consistency(
        &self,
        cluster: &str,
        service: &str,
        stale_describes: u32,
        missing_reads: u32,
    ) {
        let body = json!({
            "cluster": cluster,
            "service": service,
            "stale_describes": stale_describes,
            "missing_deployment_reads": missing_reads,
        });
        self.control("POST", "/ecs/consistency", &body.to_string());
    }

    /// Whether `cluster` is in a "Region" with the service deployments API:
    /// without it, ListServiceDeployments, DescribeServiceDeployments and
    /// StopServiceDeployment answer UnsupportedFeatureException and no answer
    /// names a service deployment.
    pub fn set_deployments_api(&self, cluster: &str, available: bool) {
        let body = json!({"cluster": cluster, "available": available});
        self.control("POST", "/ecs/deployments-api", &body.to_string());
    }

    /// Every service deployment of `service`, oldest first, as
    /// DescribeServiceDeployments shows it (status, lifecycleStage, rollback, ...).
    pub fn service_deployments(&self, cluster: &str, service: &str) -> Vec<Value> {
        let name = |s: &str| query_escape(s.rsplit('/').next().unwrap_or(s));
        let path = format!(
            "/ecs/deployments?cluster={}&service={}",
            name(cluster),
            name(service)
        );
        let answer = self.control("GET", &path, "");
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("aws front: not a list of deployments ({e}): {answer}"))
    }
}
