//! `cargo xtask status --env ENV`: what runs where now.

use serde::Serialize;

use crate::config::TargetKind;
use crate::context::EnvContext;
use crate::error::BadInput;
use crate::flags::{Format, StatusFlags};
use crate::plan::{Plan, Selection};
use crate::workspace::Workspace;

#[derive(Debug, Serialize)]
struct TargetStatus {
    target: String,
    kind: String,
    /// What runs: a task definition revision, a release.
    running: Option<String>,
    image: Option<String>,
    rollout_in_progress: Option<bool>,
    /// ECS: the running image's tag names other bytes in ECR now.
    #[serde(skip_serializing_if = "Option::is_none")]
    image_tag_moved: Option<String>,
    /// Who holds the deploy lock, if anyone.
    locked_by: Option<String>,
    error: Option<String>,
}

pub async fn run(flags: &StatusFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    let ctx = EnvContext::new(&ws, &flags.env).await?;
    let env = flags.env.as_str();
    let plan = Plan::for_env(&ws.config, &Selection::All, ctx.git_sha.clone(), env)
        .map_err(BadInput::from)?;
    let mut rows = Vec::new();
    for mut target in plan.targets {
        let mut row = TargetStatus {
            target: target.name.clone(),
            kind: target.kind.to_string(),
            running: None,
            image: None,
            rollout_in_progress: None,
            image_tag_moved: None,
            locked_by: ctx
                .store
                .lock_holder(&target.name)
                .await?
                .map(|h| format!("{} since {}", h.who, h.acquired_at)),
            error: None,
        };
        let observed = match crate::plan::outputs::fill_one(&ctx, &mut target).await {
            Ok(()) => crate::targets::status(&ctx, &target).await,
            Err(e) => Err(e),
        };
        match observed {
            Ok(o) => {
                row.running = Some(o.running);
                row.image = o.image;
                row.rollout_in_progress = o.rollout_in_progress;
                row.image_tag_moved = o.image_tag_moved;
            }
            // A service that cannot be read is a row of its own; the others
            // read only the state bucket, which every row needs.
            Err(e) if target.kind == TargetKind::Ecs => {
                row.error = Some(crate::error::one_line(&e))
            }
            Err(e) => return Err(e),
        }
        rows.push(row);
    }
    if flags.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    for r in &rows {
        let what = match (&r.running, &r.error) {
            (Some(rev), _) => format!(
                "{rev}  {}{}",
                r.image.as_deref().unwrap_or(""),
                if r.rollout_in_progress == Some(true) {
                    "  (rollout in progress)"
                } else {
                    ""
                }
            ),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => "(status not available for this kind yet)".into(),
        };
        let line = format!("{:<10} {:<12} {what}", r.target, r.kind);
        println!("{}", line.trim_end());
        if let Some(moved) = &r.image_tag_moved {
            println!("{:<10} warning: {moved}", "");
        }
        if let Some(l) = &r.locked_by {
            println!("{:<10} locked by {l}", "");
        }
    }
    Ok(())
}
