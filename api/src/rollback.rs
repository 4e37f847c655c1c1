//! Putting the service back on an earlier revision.
//!
//! Which revision is the caller's choice (it owns the deploy ledger, which knows
//! what ran before). Without a ledger, [`previous_active`] is the fallback: the
//! highest ACTIVE revision below the current one — never "the second most
//! recent", which after one rollback is the revision already running.

use crate::deploy::{update_and_watch, DeployEvent};
use crate::error::ApiError;
use crate::rollout::{Rollout, RolloutEnd, Until, WatchSettings, Watched};
use crate::task_definition::{self, Revision};
use crate::{restore, Clients, ServiceSettings};

/// The highest ACTIVE revision of `current`'s family below it.
pub async fn previous_active(
    ecs: &aws_sdk_ecs::Client,
    current: &Revision,
) -> Result<Revision, ApiError> {
    task_definition::active_revisions(ecs, &current.family)
        .await?
        .into_iter()
        .rev()
        .find(|r| r.number < current.number)
        .ok_or_else(|| ApiError::NoEarlierRevision {
            family: current.family.clone(),
            below: current.number,
        })
}

/// `--to`: a revision number of the current family, `family:N`, or an ARN; it
/// must exist ([`ApiError::RevisionNotFound`] names the ACTIVE ones).
pub async fn resolve(
    ecs: &aws_sdk_ecs::Client,
    current: &Revision,
    to: &str,
) -> Result<Revision, ApiError> {
    let name = if to.chars().all(|c| c.is_ascii_digit()) && !to.is_empty() {
        format!("{}:{to}", current.family)
    } else if to.contains(':') {
        to.to_string()
    } else {
        return Err(ApiError::BadRevision(to.to_string()));
    };
    match task_definition::describe(ecs, &name).await {
        Ok(found) => Ok(found.revision),
        Err(ApiError::TaskDefinitionNotFound(_)) => {
            let family =
                Revision::parse(&name).map_or_else(|| current.family.clone(), |r| r.family);
            let active = task_definition::active_revisions(ecs, &family).await?;
            Err(ApiError::RevisionNotFound {
                asked: name,
                family,
                active: active.iter().map(|r| r.number).collect(),
            })
        }
        Err(e) => Err(e),
    }
}

/// What a rollback did.
#[derive(Debug, Clone)]
pub struct RollbackReport {
    pub from: Revision,
    /// The revision the service was pointed at: the one asked for, or, when
    /// that was INACTIVE, its definition registered again.
    pub to: Revision,
    /// The INACTIVE revision `to` was registered again from.
    pub registered_again_from: Option<Revision>,
    /// The deployment the rollback started.
    pub rollout: Rollout,
    /// How the rollout back to `to` ended.
    pub end: RolloutEnd,
}

/// Points the service at `to` (registered again first if it is INACTIVE) and
/// watches the rollout (a dry run is the caller's: it knows `from` and `to`,
/// and [`crate::restore_plan`], before calling).
pub async fn rollback(
    clients: &Clients,
    settings: &ServiceSettings,
    from: &Revision,
    to: &Revision,
    watch: &WatchSettings,
    mut on_event: impl FnMut(DeployEvent<'_>),
) -> Result<RollbackReport, ApiError> {
    let target = restore::active(&clients.ecs, to, &mut on_event).await?;
    on_event(DeployEvent::RollingBack { from, to: &target });
    let (rollout, watched) =
        update_and_watch(clients, settings, &target, watch, Until::End, &mut on_event).await?;
    let end = match watched {
        Watched::Ended(end) => end,
        Watched::Baking => unreachable!("a watch until the end does not stop at the bake"),
    };
    Ok(RollbackReport {
        from: from.clone(),
        registered_again_from: (target != *to).then(|| to.clone()),
        to: target,
        rollout,
        end,
    })
}
