//! One-off ECS tasks (RunTask) in the emulator: the AWS front runs them
//! (moto's need real subnets and never finish), each cluster's as its
//! [`TaskScenario`] says; and the network an awsvpc service needs in moto.

use crate::emulator::Emulator;

/// How a one-off task started by RunTask goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskOutcome {
    /// PROVISIONING, PENDING, RUNNING, then STOPPED with this exit code of the
    /// container whose command was overridden.
    Exits(i32),
    /// STOPPED without an exit code: CannotPullContainerError (TaskFailedToStart).
    NeverStarts,
    /// RUNNING until StopTask.
    Hangs,
}

/// A cluster's one-off tasks from now on; every cluster starts with the
/// default: exit code 0 after 2 polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskScenario {
    pub outcome: TaskOutcome,
    /// The DescribeTasks calls until the task is STOPPED.
    pub steps: u32,
}

/// A VPC's subnet and security group in moto's EC2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    pub subnet: String,
    pub security_group: String,
}

impl Network {
    /// A service's or task's awsvpc configuration in this network (no public IP).
    pub fn awsvpc(&self) -> aws_sdk_ecs::types::NetworkConfiguration {
        use aws_sdk_ecs::types::{AssignPublicIp, AwsVpcConfiguration, NetworkConfiguration};
        NetworkConfiguration::builder()
            .awsvpc_configuration(
                AwsVpcConfiguration::builder()
                    .subnets(&self.subnet)
                    .security_groups(&self.security_group)
                    .assign_public_ip(AssignPublicIp::Disabled)
                    .build()
                    .expect("an awsvpc configuration"),
            )
            .build()
    }
}

impl Emulator {
    /// Sets how the one-off tasks of `cluster` go. Panics if the front refuses.
    pub fn set_task(&self, cluster: &str, scenario: TaskScenario) {
        let (outcome, exit_code) = match scenario.outcome {
            TaskOutcome::Exits(code) => ("exits", code),
            TaskOutcome::NeverStarts => ("never-starts", 0),
            TaskOutcome::Hangs => ("hangs", 0),
        };
        let body = serde_json::json!({
            "cluster": cluster,
            "outcome": outcome,
            "exit_code": exit_code,
            "steps": scenario.steps,
        });
        self.control("POST", "/task", &body.to_string());
    }

    /// The one-off tasks started in `cluster`, in order: each with `taskArn`,
    /// `request` (the RunTask payload), `lastStatus`, `stoppedReason` and
    /// `stopRequested` (StopTask's reason, or null).
    pub fn tasks_for(&self, cluster: &str) -> Vec<serde_json::Value> {
        let name = cluster.rsplit('/').next().unwrap_or(cluster);
        let path = format!("/tasks?cluster={}", crate::emulator::query_escape(name));
        let answer = self.control("GET", &path, "");
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("aws front: tasks are not a JSON list ({e}): {answer}"))
    }

    /// A new VPC with a subnet and a security group in moto's EC2.
    pub fn network(&self) -> Network {
        let answer = self.control("POST", "/network", "{}");
        let value: serde_json::Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("aws front: network is not JSON ({e}): {answer}"));
        Network {
            subnet: value["subnet"].as_str().expect("subnet").into(),
            security_group: value["security_group"]
                .as_str()
                .expect("security_group")
                .into(),
        }
    }
}
