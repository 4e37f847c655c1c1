//! A stack's last apply, by the ledger (Terraform's state holds the rest), and
//! whether its state object is still the version that apply left: a state
//! written since (an apply from elsewhere, `terraform import`, `state rm`)
//! means what runs may not be what this repository describes.

use crate::context::EnvContext;
use crate::plan::StackSettings;
use crate::state::ledger::{Action, StateObject};
use crate::state::policy;
use crate::targets::drift::{rfc3339, Drift};
use crate::targets::Observed;

pub async fn status(ctx: &EnvContext, name: &str, s: &StackSettings) -> anyhow::Result<Observed> {
    let applied = ctx.store.newest(name, policy::last_deploy).await?;
    let running = applied.as_ref().map_or_else(
        || "never applied by xtask".to_string(),
        |r| {
            format!(
                "applied {} at {}",
                &r.deployed[..r.deployed.len().min(10)],
                r.finished_at
            )
        },
    );
    // What the newest apply left, successful or not: a failed apply writes the state too.
    let newest_apply = ctx
        .store
        .history_until(name, |read| read.iter().any(|r| r.action == Action::Deploy))
        .await?
        .into_iter()
        .find(|r| r.action == Action::Deploy);
    let mut drift = Vec::new();
    let location = s.stack.state.as_ref();
    if let (Some(record), Some(location)) = (&newest_apply, &location) {
        // Records from before state versions were kept say nothing to compare.
        if let Some(left) = &record.state_object {
            let env = &ctx.env.name;
            let action = format!(
                "see what differs: `cargo xtask deploy {name} --env {env} --dry-run`; put ours back: `cargo xtask deploy {name} --env {env} --approve`; if the change was meant, nothing"
            );
            let clients = shared_infra::Clients::new(&ctx.sdk);
            let now = shared_infra::state_version(&clients, location)
                .await
                .map_err(|e| crate::targets::explain(ctx, name, e))?;
            match now {
                None => drift.push(Drift {
                    kind: "state-missing",
                    what: format!(
                        "the state object s3://{}/{} that the apply at {} left is gone",
                        location.bucket, location.key, record.finished_at
                    ),
                    since: None,
                    action,
                }),
                Some(now) if !now.same_as(&from_record(left)) => drift.push(Drift {
                    kind: "state-changed",
                    what: format!(
                        "the state s3://{}/{} was written after the apply at {} (version {}, not {})",
                        location.bucket,
                        location.key,
                        record.finished_at,
                        describe(now.version_id.as_deref(), &now.etag),
                        describe(left.version_id.as_deref(), &left.etag)
                    ),
                    since: now.last_modified.map(rfc3339),
                    action,
                }),
                Some(_) => {}
            }
        }
    }
    Ok(Observed {
        running,
        image: None,
        rollout_in_progress: None,
        deployment: None,
        drift,
        kept: Vec::new(),
        image_tag_moved: None,
    })
}

/// The state object as an apply left it, for its ledger record; `None` (and a
/// warning) when it cannot be read: the apply stands either way.
pub async fn state_object(
    ctx: &EnvContext,
    name: &str,
    location: Option<&shared_infra::StateLocation>,
) -> Option<StateObject> {
    let location = location?;
    let clients = shared_infra::Clients::new(&ctx.sdk);
    match shared_infra::state_version(&clients, location).await {
        Ok(Some(v)) => Some(StateObject {
            version_id: v.version_id,
            etag: v.etag,
            last_modified: v.last_modified.map(rfc3339),
        }),
        Ok(None) => None,
        Err(e) => {
            eprintln!("{name}: WARNING: the state object's version was not recorded: {e}");
            None
        }
    }
}

fn from_record(o: &StateObject) -> shared_infra::StateObjectVersion {
    shared_infra::StateObjectVersion {
        version_id: o.version_id.clone(),
        etag: o.etag.clone(),
        last_modified: None,
    }
}

/// A version id, else the ETag.
fn describe(version_id: Option<&str>, etag: &str) -> String {
    match version_id {
        Some(v) if v != "null" => v.to_string(),
        _ => format!("ETag {etag}"),
    }
}
