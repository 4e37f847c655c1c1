//! A deployment still in flight: finished (watched to its end), stopped with
//! StopServiceDeployment(ROLLBACK) — ECS shifts traffic back to the revision
//! still running beside it, at once — or, once it has finished, undone with an
//! UpdateService to the revision that ran before.

use crate::deploy::{update_and_watch, DeployEvent};
use crate::error::ApiError;
use crate::rollout::{self, Rollout, RolloutEnd, Until, WatchSettings, Watched};
use crate::service_deployment::{self, Read, Stop};
use crate::task_definition::Revision;
use crate::{restore, service, Clients, ServiceSettings};

/// How a failed or unwanted deployment was put back.
#[derive(Debug, Clone)]
pub struct RolledBack {
    pub via: Via,
    /// The revision running again (registered again if it was INACTIVE).
    pub to: Revision,
    /// How the way back ended: `Completed` when `to` runs again.
    pub end: RolloutEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// ECS rolled its deployment back (the old revision still ran).
    StopServiceDeployment,
    /// A new deployment of the previous revision.
    UpdateService,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::StopServiceDeployment => "StopServiceDeployment(ROLLBACK)",
            Via::UpdateService => "UpdateService",
        }
    }
}

/// Watches a deployment handed back in its bake until it ends.
pub async fn finish(
    clients: &Clients,
    settings: &ServiceSettings,
    rollout: &mut Rollout,
    watch: &WatchSettings,
    mut on_event: impl FnMut(DeployEvent<'_>),
) -> Result<RolloutEnd, ApiError> {
    let revision = rollout.revision.clone();
    let watched = rollout::watch(&clients.ecs, settings, rollout, watch, Until::End, |p| {
        on_event(DeployEvent::Rollout(&revision, p))
    })
    .await?;
    Ok(ended(watched))
}

/// Puts `previous` back after `rollout` failed (or its verification did):
/// StopServiceDeployment(ROLLBACK) while a traffic-shifting deployment is in
/// flight; UpdateService otherwise, or when the stop finds it finished.
pub async fn undo(
    clients: &Clients,
    settings: &ServiceSettings,
    rollout: &mut Rollout,
    previous: &Revision,
    watch: &WatchSettings,
    mut on_event: impl FnMut(DeployEvent<'_>),
) -> Result<RolledBack, ApiError> {
    if rollout.strategy.shifts_traffic() && rollout.api && rollout.service_deployment.is_some() {
        if let Some(end) = stop(clients, settings, rollout, watch, &mut on_event).await? {
            return Ok(RolledBack {
                via: Via::StopServiceDeployment,
                to: rollout.source.clone().unwrap_or_else(|| previous.clone()),
                end,
            });
        }
    }
    let to = restore::active(&clients.ecs, previous, &mut on_event).await?;
    on_event(DeployEvent::RollingBack {
        from: &rollout.revision,
        to: &to,
    });
    let (_, watched) =
        update_and_watch(clients, settings, &to, watch, Until::End, &mut on_event).await?;
    Ok(RolledBack {
        via: Via::UpdateService,
        to,
        end: ended(watched),
    })
}

/// StopServiceDeployment(ROLLBACK), then the rollback watched to its end
/// (`Completed`: the previous revision runs again); `None` when the deployment
/// had already finished, so there was nothing to stop.
pub async fn stop(
    clients: &Clients,
    settings: &ServiceSettings,
    rollout: &mut Rollout,
    watch: &WatchSettings,
    mut on_event: impl FnMut(DeployEvent<'_>),
) -> Result<Option<RolloutEnd>, ApiError> {
    let Some(arn) = rollout.service_deployment.clone() else {
        return Ok(None);
    };
    on_event(DeployEvent::Stopping(rollout));
    if let Stop::AlreadyFinished(_) =
        service_deployment::stop_with_rollback(&clients.ecs, &arn).await?
    {
        return Ok(None);
    }
    // A rollback does not bake: the watch's own time from now.
    rollout.restart_clock(watch.timeout);
    let end = finish(clients, settings, rollout, watch, on_event).await?;
    Ok(Some(match end {
        RolloutEnd::RolledBackByEcs { status, .. } if status == "ROLLBACK_SUCCESSFUL" => {
            RolloutEnd::Completed
        }
        RolloutEnd::RolledBackByEcs { reason, status } => RolloutEnd::Failed {
            reason: format!("{status}: {reason}"),
        },
        RolloutEnd::Completed => RolloutEnd::Failed {
            reason: "ECS completed the deployment before the stop took effect".into(),
        },
        other => other,
    }))
}

/// The service's current deployment, when it is still in flight (and ECS has
/// the service deployments API): what `rollback` stops rather than replaces.
pub async fn in_flight(
    clients: &Clients,
    settings: &ServiceSettings,
    watch: &WatchSettings,
) -> Result<Option<Rollout>, ApiError> {
    let found = service::describe(&clients.ecs, settings).await?;
    let Some(arn) = found.current_service_deployment() else {
        return Ok(None);
    };
    match service_deployment::describe(&clients.ecs, arn).await? {
        Read::Found(view) if view.in_flight() => {
            let mut rollout = Rollout::found(&found, arn.to_string(), watch);
            if let (Some(r), Some(strategy)) = (rollout.as_mut(), view.strategy) {
                r.strategy = strategy;
            }
            Ok(rollout)
        }
        _ => Ok(None),
    }
}

fn ended(watched: Watched) -> RolloutEnd {
    match watched {
        Watched::Ended(end) => end,
        Watched::Baking => unreachable!("a watch until the end does not stop at the bake"),
    }
}
