//! One poll's verdict on a rollout: from our service deployment's status where
//! the API answered, else from DescribeServices' `deployments[]` by our
//! deployment's id.

use aws_sdk_ecs::types::{Deployment, DeploymentRolloutState, Service};

use crate::rollout::{Progress, Rollout, RolloutEnd, Traffic, WatchSettings};
use crate::service_deployment::ServiceDeploymentView;
use crate::task_definition::Revision;

pub(crate) enum Verdict {
    Going,
    /// In BAKE_TIME: the caller may verify now, the old revision still runs.
    Baking,
    End(RolloutEnd),
}

pub(crate) fn assess(
    service: &Service,
    view: Option<&ServiceDeploymentView>,
    rollout: &mut Rollout,
    watch: &WatchSettings,
) -> (Progress, Verdict) {
    let ours = ours(service, rollout);
    if ours.is_some() || view.is_some() {
        rollout.seen = true;
    }
    let progress = progress(service, ours, view);
    let verdict = match view {
        Some(view) => by_service_deployment(service, view, ours, rollout, watch),
        None => by_deployments(service, ours, rollout, watch),
    };
    (progress, verdict)
}

/// Our deployment in `deployments[]`: by the id UpdateService's answer gave
/// it, else (an answer without one) by our task definition.
fn ours<'a>(service: &'a Service, rollout: &Rollout) -> Option<&'a Deployment> {
    let deployments = service.deployments();
    match &rollout.deployment_id {
        Some(id) => deployments.iter().find(|d| d.id() == Some(id.as_str())),
        None => deployments
            .iter()
            .find(|d| d.task_definition() == Some(rollout.revision.arn.as_str())),
    }
}

fn progress(
    service: &Service,
    ours: Option<&Deployment>,
    view: Option<&ServiceDeploymentView>,
) -> Progress {
    let target = view.and_then(|v| v.target.as_ref());
    // Traffic shifts only in the stages of BLUE_GREEN, LINEAR and CANARY.
    let traffic = view.filter(|v| v.stage.is_some()).and_then(|v| {
        let target = v.target.as_ref()?;
        Some(Traffic {
            new_production: target.production?,
            new_test: target.test,
            old_production: v.sources.first().and_then(|s| s.production),
        })
    });
    let state = match (view, ours) {
        (Some(v), _) => v.status.clone(),
        (None, Some(d)) => d
            .rollout_state()
            .map_or_else(String::new, |s| s.as_str().to_string()),
        (None, None) => String::new(),
    };
    Progress {
        desired: ours.map_or_else(
            || target.map_or(service.desired_count(), |t| t.requested),
            Deployment::desired_count,
        ),
        running: ours.map_or_else(
            || target.map_or(0, |t| t.running),
            Deployment::running_count,
        ),
        pending: ours.map_or(0, Deployment::pending_count),
        failed: ours.map_or(0, Deployment::failed_tasks),
        state,
        stage: view.and_then(|v| v.stage.clone()),
        traffic,
        bake_left: None,
        new_events: Vec::new(),
        retrying: None,
        note: None,
    }
}

fn by_service_deployment(
    service: &Service,
    view: &ServiceDeploymentView,
    ours: Option<&Deployment>,
    rollout: &Rollout,
    watch: &WatchSettings,
) -> Verdict {
    match view.status.as_str() {
        "SUCCESSFUL" => Verdict::End(RolloutEnd::Completed),
        "ROLLBACK_SUCCESSFUL" | "ROLLBACK_FAILED" => Verdict::End(RolloutEnd::RolledBackByEcs {
            reason: view.why(),
            status: view.status.clone(),
        }),
        "STOPPED" => match service.current_service_deployment() {
            Some(current) if Some(current) != rollout.service_deployment.as_deref() => {
                Verdict::End(RolloutEnd::Superseded {
                    by: newer(service, Some(current)),
                })
            }
            _ => Verdict::End(RolloutEnd::Failed {
                reason: format!("ECS stopped the deployment ({})", view.why()),
            }),
        },
        "PENDING" | "IN_PROGRESS" => {
            // deployments[] (read after the status) may be a step ahead: a
            // deployment ECS just marked FAILED is STOPPED or rolled back by
            // ECS next; the service deployment says which.
            let failed_now =
                ours.is_some_and(|d| d.rollout_state() == Some(&DeploymentRolloutState::Failed));
            if failed_now {
                Verdict::Going
            } else if let Some(end) = too_many_failed(ours, rollout, watch) {
                Verdict::End(end)
            } else if view.stage.as_deref() == Some("BAKE_TIME")
                && rollout.strategy.shifts_traffic()
            {
                Verdict::Baking
            } else {
                Verdict::Going
            }
        }
        // STOP_REQUESTED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS: on its
        // way to an end ECS decides.
        _ => Verdict::Going,
    }
}

fn by_deployments(
    service: &Service,
    ours: Option<&Deployment>,
    rollout: &Rollout,
    watch: &WatchSettings,
) -> Verdict {
    let deployments = service.deployments();
    let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"));
    let ecs_rollback = primary.filter(|p| p.rollout_state_reason().is_some_and(is_rollback));
    match (ours, ecs_rollback) {
        // Not listed yet: ECS reads lag behind UpdateService's answer.
        (None, _) if !rollout.seen => Verdict::Going,
        (Some(d), _) if d.status() == Some("PRIMARY") => match d.rollout_state() {
            Some(DeploymentRolloutState::Completed) => Verdict::End(RolloutEnd::Completed),
            // The circuit breaker puts the last completed deployment back
            // itself when the service says so: wait for that, send nothing.
            Some(DeploymentRolloutState::Failed) if breaker_rolls_back(service) => Verdict::Going,
            Some(DeploymentRolloutState::Failed) => Verdict::End(RolloutEnd::Failed {
                reason: d
                    .rollout_state_reason()
                    .unwrap_or("ECS marked the deployment FAILED")
                    .to_string(),
            }),
            // No rollout state (e.g. a service behind a Classic Load Balancer):
            // done when ours is the only deployment and runs the desired count.
            None if deployments.len() == 1 && d.running_count() >= d.desired_count() => {
                Verdict::End(RolloutEnd::Completed)
            }
            _ => too_many_failed(Some(d), rollout, watch).map_or(Verdict::Going, Verdict::End),
        },
        // ECS is putting the previous deployment back by itself: its end is ours.
        (_, Some(back)) => {
            let reason = ours
                .and_then(Deployment::rollout_state_reason)
                .or(back.rollout_state_reason())
                .unwrap_or("ECS rolled back")
                .to_string();
            let to = back
                .task_definition()
                .and_then(Revision::parse)
                .map_or_else(|| "the previous revision".into(), |r| r.short());
            let reason = format!("ECS rolled the service back to {to} ({reason})");
            match back.rollout_state() {
                Some(DeploymentRolloutState::Completed) => {
                    Verdict::End(RolloutEnd::RolledBackByEcs {
                        reason,
                        status: "ROLLBACK_SUCCESSFUL".into(),
                    })
                }
                Some(DeploymentRolloutState::Failed) => Verdict::End(RolloutEnd::RolledBackByEcs {
                    reason,
                    status: "ROLLBACK_FAILED".into(),
                }),
                _ => Verdict::Going,
            }
        }
        // Another deployment took over, not a rollback: someone else's.
        _ => Verdict::End(RolloutEnd::Superseded {
            by: newer(service, None),
        }),
    }
}

fn too_many_failed(
    ours: Option<&Deployment>,
    rollout: &Rollout,
    watch: &WatchSettings,
) -> Option<RolloutEnd> {
    let d = ours?;
    (d.failed_tasks() >= watch.failed_tasks_limit).then(|| RolloutEnd::Failed {
        reason: format!(
            "{} tasks of {} stopped before becoming healthy",
            d.failed_tasks(),
            rollout.revision.short()
        ),
    })
}

/// The deployment that replaced ours: its service deployment ARN where ECS
/// names one, and the revision the PRIMARY deployment runs.
fn newer(service: &Service, current: Option<&str>) -> String {
    let primary = service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"));
    let revision = primary
        .and_then(|p| p.task_definition())
        .and_then(Revision::parse)
        .map(|r| r.short());
    match (current, revision) {
        (Some(arn), Some(rev)) => format!("service deployment {arn} ({rev})"),
        (Some(arn), None) => format!("service deployment {arn}"),
        (None, Some(rev)) => format!(
            "deployment {} of {rev}",
            primary.and_then(|p| p.id()).unwrap_or("?")
        ),
        (None, None) => "another deployment".into(),
    }
}

fn breaker_rolls_back(service: &Service) -> bool {
    service
        .deployment_configuration()
        .and_then(|c| c.deployment_circuit_breaker())
        .is_some_and(|b| b.enable() && b.rollback())
}

/// ECS's words for a rollback it started: "rolling back to deployment ...",
/// "ECS deployment circuit breaker: rolling back to deploymentId ...".
pub(crate) fn is_rollback(message: &str) -> bool {
    message.contains("rolling back to deployment")
}
