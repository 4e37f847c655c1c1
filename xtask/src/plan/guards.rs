//! Before a deploy takes any lock, two questions the ledger answers for each
//! planned target; a wrong answer refuses the run (exit 2, nothing written),
//! naming every target it holds for:
//!
//! - **No rewind.** A GitHub re-run deploys its run's original commit: re-running
//!   yesterday's failed run after today's good deploy would bring yesterday's
//!   code back. The commit deployed must be the live one (by the ledger: the
//!   newest successful deploy's, or what a rollback rolled away from) or a
//!   descendant of it; `--allow-rewind` says it is meant, and `rollback` is the
//!   way back. A live commit that cannot be had even by fetching (its branch
//!   force-pushed or deleted) cannot be compared: a warning, and the deploy goes on.
//! - **No deploy over a newer rollback.** A run that planned, then waited for
//!   an approval, must not undo a rollback made meanwhile: with `--planned-at`,
//!   a target whose newest record is a rollback finished after that time is refused.

use std::time::SystemTime;

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::flags::PlannedAt;
use crate::state::ledger::Action;
use crate::workspace::Workspace;

/// Refuses the run when a target would move backwards, naming each (see the
/// module note).
pub async fn no_rewind(
    ws: &Workspace,
    ctx: &EnvContext,
    targets: &[&str],
    head: &str,
) -> anyhow::Result<()> {
    let env = &ctx.env.name;
    let Ok(head_oid) = git2::Oid::from_str(head) else {
        return Ok(());
    };
    let mut refused = Vec::new();
    for target in targets {
        let Some(live) = ctx.store.deployed_base(target).await? else {
            continue;
        };
        if live.commit == head {
            continue;
        }
        if let Err(problem) = super::fetch::ensure_commit(ws, &live.commit).await {
            eprintln!(
                "{target}: WARNING: the commit live in {env} by the ledger, {}, is not in this repository and could not be fetched ({problem}; a force-push or a deleted branch?): cannot tell whether {head} comes after it; deploying",
                live.commit
            );
            continue;
        }
        let live_oid = git2::Oid::from_str(&live.commit)?;
        let after = ws
            .repo
            .graph_descendant_of(head_oid, live_oid)
            .map_err(|e| anyhow::anyhow!("comparing {head} with {}: {e}", live.commit))?;
        if !after {
            refused.push(format!(
                "{target}: {head} is not a descendant of {}, the commit live in {env} (by the ledger): deploying it would move {target} backwards (a re-run of an older run?); to go back, `cargo xtask rollback {target} {env}`; to deploy it anyway, pass --allow-rewind",
                live.commit
            ));
        }
    }
    refuse(refused)
}

/// One error line for every refused target, if any.
fn refuse(refused: Vec<String>) -> anyhow::Result<()> {
    if refused.is_empty() {
        Ok(())
    } else {
        Err(BadInput::error(refused.join("; ")))
    }
}

/// Refuses the run when a target was rolled back after `planned`, naming each
/// (see the module note).
pub async fn not_rolled_back_since(
    ctx: &EnvContext,
    targets: &[&str],
    planned: &PlannedAt,
) -> anyhow::Result<()> {
    let env = &ctx.env.name;
    let mut refused = Vec::new();
    for target in targets {
        let newest = ctx
            .store
            .history_until(target, |read| !read.is_empty())
            .await?;
        let Some(record) = newest.first() else {
            continue;
        };
        if record.action == Action::Rollback && after(&record.finished_at, planned.at) {
            refused.push(format!(
                "{target} was rolled back in {env} at {}, after this run planned at {}: run the workflow again to deploy it",
                record.finished_at, planned.text
            ));
        }
    }
    refuse(refused)
}

/// Whether the record's time is after `planned`; an unreadable time is not.
fn after(time: &str, planned: SystemTime) -> bool {
    humantime::parse_rfc3339_weak(time).is_ok_and(|t| t > planned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_compare_to_the_millisecond() {
        let planned = humantime::parse_rfc3339_weak("2026-12-07T11:00:00Z").unwrap();
        assert!(after("2026-12-07T11:00:00.001Z", planned));
        assert!(!after("2026-12-07T11:00:00.000Z", planned));
        assert!(!after("2026-12-07T10:59:59Z", planned));
        assert!(!after("not a time", planned));
    }
}
