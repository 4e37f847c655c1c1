//! A stack's last apply, by the ledger (Terraform's state holds the rest).

use crate::context::EnvContext;
use crate::state::policy;
use crate::targets::Observed;

pub async fn status(ctx: &EnvContext<'_>, name: &str) -> anyhow::Result<Observed> {
    let applied = ctx.store.newest(name, policy::last_deploy).await?;
    let running = applied.map_or_else(
        || "never applied by xtask".to_string(),
        |r| {
            format!(
                "applied {} at {}",
                &r.deployed[..r.deployed.len().min(10)],
                r.finished_at
            )
        },
    );
    Ok(Observed {
        running,
        image: None,
        rollout_in_progress: None,
        image_tag_moved: None,
    })
}
