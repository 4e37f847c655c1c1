//! A site's live release: the one the last successful deploy or rollback put there.

use crate::context::EnvContext;
use crate::state::ledger::Action;
use crate::state::policy;
use crate::targets::Observed;

pub async fn status(ctx: &EnvContext<'_>, name: &str) -> anyhow::Result<Observed> {
    let live = ctx.store.newest(name, policy::live).await?;
    let running = live.map_or_else(
        || "never deployed by xtask".to_string(),
        |r| {
            let how = match r.action {
                Action::Deploy => "deploy",
                Action::Rollback => "rollback",
            };
            format!("release {} (by {how} at {})", r.deployed, r.finished_at)
        },
    );
    Ok(Observed {
        running,
        image: None,
        rollout_in_progress: None,
        image_tag_moved: None,
    })
}
