//! ECS's record of one deployment of a service (DescribeServiceDeployments,
//! StopServiceDeployment): its status, lifecycle stage, the traffic each
//! revision takes, and why ECS rolled it back. Where the API is not there (a
//! Region without it, or a role without `ecs:DescribeServiceDeployments`), the
//! caller falls back to DescribeServices' `deployments[]`.

use aws_sdk_ecs::types::{
    ServiceDeployment, ServiceRevisionSummary, StopServiceDeploymentStopType,
};

use crate::error::{classify, ApiError};

/// One service deployment as ECS reports it now.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDeploymentView {
    pub arn: String,
    /// PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, STOP_REQUESTED,
    /// ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED.
    pub status: String,
    pub status_reason: Option<String>,
    /// SCALE_UP, TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, ...
    /// (traffic-shifting strategies).
    pub stage: Option<String>,
    /// The deployment's own strategy, when ECS reports its configuration.
    pub strategy: Option<crate::Strategy>,
    /// The revision it deploys, and those it replaces.
    pub target: Option<RevisionTraffic>,
    pub sources: Vec<RevisionTraffic>,
    pub rollback_reason: Option<String>,
    pub triggered_alarms: Vec<String>,
    pub circuit_breaker_triggered: bool,
    /// Lifecycle hooks that failed or timed out (their target ARNs).
    pub failed_hooks: Vec<String>,
}

/// One service revision of a deployment: its tasks and the traffic ECS routes
/// to it (where ECS says).
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionTraffic {
    pub running: i32,
    pub requested: i32,
    /// Percent of production traffic.
    pub production: Option<f64>,
    /// Percent of test traffic.
    pub test: Option<f64>,
}

impl ServiceDeploymentView {
    /// Not finished: PENDING, IN_PROGRESS, or on its way to STOPPED or a rollback.
    pub fn in_flight(&self) -> bool {
        matches!(
            self.status.as_str(),
            "PENDING"
                | "IN_PROGRESS"
                | "STOP_REQUESTED"
                | "ROLLBACK_REQUESTED"
                | "ROLLBACK_IN_PROGRESS"
        )
    }

    /// Rolling back, by ECS's decision or a StopServiceDeployment.
    pub fn rolling_back(&self) -> bool {
        matches!(
            self.status.as_str(),
            "ROLLBACK_REQUESTED" | "ROLLBACK_IN_PROGRESS"
        )
    }

    /// Why ECS rolled it back or stopped it, in its own words: the alarms
    /// that fired, the circuit breaker, a failed hook, the reason it gives.
    pub fn why(&self) -> String {
        let mut why = Vec::new();
        if !self.triggered_alarms.is_empty() {
            why.push(format!(
                "alarm(s) {} went into ALARM",
                self.triggered_alarms.join(", ")
            ));
        }
        if self.circuit_breaker_triggered {
            why.push("the deployment circuit breaker tripped".to_string());
        }
        if !self.failed_hooks.is_empty() {
            why.push(format!(
                "lifecycle hook {} failed",
                self.failed_hooks.join(", ")
            ));
        }
        for reason in [&self.rollback_reason, &self.status_reason]
            .into_iter()
            .flatten()
        {
            if !why.iter().any(|w| reason.contains(w.as_str())) {
                why.push(reason.trim_end_matches('.').to_string());
            }
        }
        if why.is_empty() {
            "ECS gave no reason".into()
        } else {
            why.join("; ")
        }
    }

    fn from(d: &ServiceDeployment) -> ServiceDeploymentView {
        let hooks = d
            .lifecycle_hook_details()
            .iter()
            .filter(|h| {
                h.status()
                    .is_some_and(|s| matches!(s.as_str(), "FAILED" | "TIMED_OUT"))
            })
            .map(|h| {
                let arn = h.target_arn().or(h.hook_id()).unwrap_or("a hook");
                arn.rsplit(':').next().unwrap_or(arn).to_string()
            })
            .collect();
        let triggered = |s: Option<
            &aws_sdk_ecs::types::ServiceDeploymentRollbackMonitorsStatus,
        >| { s.is_some_and(|s| s.as_str() == "TRIGGERED") };
        ServiceDeploymentView {
            arn: d.service_deployment_arn().unwrap_or_default().to_string(),
            status: d
                .status()
                .map_or_else(String::new, |s| s.as_str().to_string()),
            status_reason: d.status_reason().map(str::to_owned),
            stage: d.lifecycle_stage().map(|s| s.as_str().to_string()),
            strategy: d
                .deployment_configuration()
                .map(|c| crate::Strategy::of(Some(c))),
            target: d.target_service_revision().map(RevisionTraffic::from),
            sources: d
                .source_service_revisions()
                .iter()
                .map(RevisionTraffic::from)
                .collect(),
            rollback_reason: d.rollback().and_then(|r| r.reason()).map(str::to_owned),
            triggered_alarms: d
                .alarms()
                .map(|a| a.triggered_alarm_names().to_vec())
                .unwrap_or_default(),
            circuit_breaker_triggered: triggered(
                d.deployment_circuit_breaker().and_then(|c| c.status()),
            ),
            failed_hooks: hooks,
        }
    }
}

impl RevisionTraffic {
    fn from(r: &ServiceRevisionSummary) -> RevisionTraffic {
        RevisionTraffic {
            running: r.running_task_count(),
            requested: r.requested_task_count(),
            production: r.requested_production_traffic_weight(),
            test: r.requested_test_traffic_weight(),
        }
    }
}

/// What a read of one service deployment found.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    Found(Box<ServiceDeploymentView>),
    /// ECS does not show it (yet): its reads are eventually consistent.
    Missing,
    /// No service deployments API here (the Region, or the role's policy).
    Unsupported(String),
}

/// DescribeServiceDeployments of one ARN.
pub async fn describe(ecs: &aws_sdk_ecs::Client, arn: &str) -> Result<Read, ApiError> {
    let out = ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await;
    let out =
        match out {
            Ok(out) => out,
            Err(e) => {
                if let Some(why) = unsupported(e.as_service_error().and_then(|s| {
                    aws_sdk_ecs::error::ProvideErrorMetadata::code(s).map(str::to_owned)
                })) {
                    return Ok(Read::Unsupported(why));
                }
                return Err(classify("ECS DescribeServiceDeployments", e));
            }
        };
    Ok(
        match out
            .service_deployments()
            .iter()
            .find(|d| d.service_deployment_arn() == Some(arn))
        {
            Some(d) => Read::Found(Box::new(ServiceDeploymentView::from(d))),
            None => Read::Missing,
        },
    )
}

/// Codes that mean "no service deployments API for this caller here".
fn unsupported(code: Option<String>) -> Option<String> {
    match code.as_deref() {
        Some("UnsupportedFeatureException") => {
            Some("ECS has no service deployments API in this Region".into())
        }
        Some("UnknownOperationException" | "InvalidAction") => {
            Some("this ECS endpoint does not know DescribeServiceDeployments".into())
        }
        Some("AccessDeniedException") => {
            Some("the role may not call ecs:DescribeServiceDeployments (see docs/IAM.md)".into())
        }
        _ => None,
    }
}

/// How a StopServiceDeployment went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// ECS rolls it back now.
    Requested,
    /// It had already finished (ECS's ConflictException): nothing to stop.
    AlreadyFinished(String),
}

/// StopServiceDeployment with stopType ROLLBACK: ECS shifts traffic back to
/// the revision that ran before (the old one still runs during a bake).
pub async fn stop_with_rollback(ecs: &aws_sdk_ecs::Client, arn: &str) -> Result<Stop, ApiError> {
    let out = ecs
        .stop_service_deployment()
        .service_deployment_arn(arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await;
    match out {
        Ok(_) => Ok(Stop::Requested),
        Err(e) => {
            if let Some(s) = e.as_service_error() {
                if s.is_conflict_exception() {
                    let message = aws_sdk_ecs::error::ProvideErrorMetadata::message(s)
                        .unwrap_or("it has finished")
                        .to_string();
                    return Ok(Stop::AlreadyFinished(message));
                }
            }
            Err(classify("ECS StopServiceDeployment", e))
        }
    }
}
