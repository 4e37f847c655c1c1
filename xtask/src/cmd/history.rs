//! `cargo xtask history TARGET ENV`: the deploy ledger, newest first.

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::flags::{Format, HistoryFlags};
use crate::workspace::Workspace;

pub async fn run(flags: &HistoryFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    if ws.config.target(&flags.target).is_none() {
        return Err(BadInput(format!("unknown target `{}`", flags.target)).into());
    }
    let ctx = EnvContext::new(&ws, &flags.env).await?;
    let mut records = ctx
        .store
        .history_until(&flags.target, |read| read.len() >= flags.limit)
        .await?;
    records.truncate(flags.limit);
    if flags.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&records)?);
        return Ok(());
    }
    if records.is_empty() {
        println!("no deploys of {} in {} yet", flags.target, flags.env);
        return Ok(());
    }
    for r in &records {
        let sha = r.git_sha.as_deref().map_or("-", |s| &s[..s.len().min(7)]);
        println!(
            "{}  {:<8} {:<9} {:<28} replaced {:<28} git {}  by {}",
            r.started_at,
            format!("{:?}", r.action).to_lowercase(),
            format!("{:?}", r.outcome).to_lowercase(),
            short_name(&r.deployed),
            short_name(r.replaced.as_deref().unwrap_or("-")),
            sha,
            r.who
        );
        if !r.message.is_empty() {
            println!("    {}", r.message);
        }
    }
    Ok(())
}

/// `family:rev` of an ARN; other ids as they are.
fn short_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}
