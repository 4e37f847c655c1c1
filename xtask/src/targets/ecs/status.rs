//! What an ECS service runs now.

use crate::config::EcsTarget;
use crate::context::EnvContext;
use crate::targets::Observed;

pub async fn status(ctx: &EnvContext<'_>, config: &EcsTarget) -> Result<Observed, String> {
    let clients = api::Clients::new(&ctx.sdk);
    let s = api::status(&clients, &config.service())
        .await
        .map_err(|e| e.to_string())?;
    Ok(Observed {
        running: s.revision.short(),
        image: Some(s.image),
        rollout_in_progress: Some(s.rollout_in_progress),
        image_tag_moved: s.tag_moved.map(|m| m.describe()),
    })
}
