//! What a deploy pinned, ran before its rollout and checked after it, beyond
//! what it put in place: recorded in the ledger and shown in `--format json`.
//! Every field is optional, so records written before one existed still read.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checks {
    /// ECS: the tag deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<String>,
    /// ECS: the digest that tag named in ECR when the deploy resolved it; the
    /// revision names the image by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// ECS: the one-off task before the rollout (`before_rollout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_rollout: Option<TaskCheck>,
    /// The verification after the rollout (`verify`, `alarms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationCheck>,
    /// ECS: the deployment ECS ran, and how it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<RolloutCheck>,
    /// ECS: the deregistered revision this one registers again, with the same
    /// definition (a rollback to an INACTIVE revision); the ledger reads this
    /// revision as that one, so a second rollback walks on from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_again_from: Option<String>,
}

/// An ECS deployment as ECS ran it: its strategy, its service deployment,
/// how it ended, and how a failure was undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutCheck {
    /// ROLLING, BLUE_GREEN, LINEAR or CANARY.
    pub strategy: String,
    /// The service deployment ARN (`currentServiceDeployment`), where ECS has
    /// the service deployments API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_deployment: Option<String>,
    /// How it ended: the service deployment's status (SUCCESSFUL, STOPPED,
    /// ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED, ...), or FAILED / TIMED_OUT where
    /// the watch decided, or how it was left (e.g. `cancelled`).
    pub ended: String,
    /// Why, in ECS's words or ours (the alarms that fired, the circuit
    /// breaker, a hook, the deployment that superseded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How a failure was undone: `StopServiceDeployment(ROLLBACK)`,
    /// `UpdateService`, or `ECS` (its own rollback; nothing of ours sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_by: Option<String>,
}

impl RolloutCheck {
    /// One line: `BLUE_GREEN service deployment ARN: ROLLBACK_SUCCESSFUL (why); undone by ...`.
    pub fn describe(&self) -> String {
        let mut s = self.strategy.clone();
        if let Some(arn) = &self.service_deployment {
            s.push_str(&format!(" service deployment {arn}"));
        }
        s.push_str(&format!(": {}", self.ended));
        if let Some(reason) = &self.reason {
            s.push_str(&format!(" ({reason})"));
        }
        if let Some(by) = &self.undone_by {
            s.push_str(&format!("; undone by {by}"));
        }
        s
    }
}

/// The smoke check and the alarms watched after a rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationCheck {
    pub outcome: CheckOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smoke_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<String>,
    /// How long the alarms were (or would be) watched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake: Option<String>,
    /// Alarms already in ALARM before the deploy: reported, not blamed on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub already_in_alarm: Vec<String>,
    /// The check that failed and what it saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    /// What the failure rolled back, and how that went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back: Option<String>,
}

/// How a check went: planned in a dry run, or run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckOutcome {
    /// `--dry-run`: it would run.
    WouldRun,
    Passed,
    Failed,
}

/// The one-off task run before an ECS rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCheck {
    pub command: Vec<String>,
    pub container: String,
    pub outcome: CheckOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// How it ended, in words (exit code, ECS's stop reason, the timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// Where it logged (CloudWatch Logs), from the task definition's `awslogs` options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_stream: Option<String>,
}

impl Checks {
    pub fn is_empty(&self) -> bool {
        self == &Checks::default()
    }
}
