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
