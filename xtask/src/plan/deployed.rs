//! `--changed --env ENV`: each target compared from what is deployed of it in
//! that environment, by the ledger — not from the push before — so a deploy
//! that failed, was cut off or was cancelled runs again with the next push, and
//! a deliberate rollback is not undone by an unrelated one.
//!
//! A target the ledger knows nothing of keeps the run's range (push, merge-base,
//! ...). The base commit may be missing from a shallow clone, or from any clone
//! once its branch was deleted or force-pushed: the tree diff needs only its
//! tree, so it is fetched (`fetch.rs`, with the job's token in Actions); when
//! that fails, that target is planned in full with the reason — never "nothing
//! changed", and the other targets plan as usual.

use std::collections::BTreeMap;

use futures_util::future::join_all;

use crate::changes::{self, ChangeRequest, ChangedPaths, RangeRequest};
use crate::context::EnvContext;
use crate::state::ledger::{Action, DeployedBase};
use crate::workspace::Workspace;

use super::TargetRange;

/// The targets' own ranges in `env` up to `head`, from their ledger;
/// `run_why` says how the run's range was chosen (for the targets without one)
/// and `request` how it was asked for (`--uncommitted` carries over).
pub async fn own_ranges(
    ws: &Workspace,
    ctx: &EnvContext,
    head: git2::Oid,
    run_why: &str,
    request: &ChangeRequest,
) -> anyhow::Result<BTreeMap<String, TargetRange>> {
    let env = ctx.env.name.as_str();
    let Some(bases) = deployed_bases(ws, ctx, run_why).await? else {
        return Ok(BTreeMap::new());
    };
    let mut ranges = BTreeMap::new();
    // Targets deployed from one commit share one tree diff.
    let mut by_commit: BTreeMap<&str, Vec<(&str, Action)>> = BTreeMap::new();
    for (target, base) in &bases {
        by_commit
            .entry(base.commit.as_str())
            .or_default()
            .push((target.as_str(), base.action));
    }
    for (commit, targets) in by_commit {
        let names: Vec<&str> = targets.iter().map(|(t, _)| *t).collect();
        if let Err(problem) = fetched(ws, commit, &names, env).await {
            // One lost commit does not stop the other targets: these deploy
            // in full, and the plan says why.
            let why = format!(
                "its last deploy to {env} was from {commit}, which is not in this repository and could not be fetched ({problem}): planned in full"
            );
            eprintln!("{}: {why}", names.join(", "));
            for name in names {
                ranges.insert(name.to_string(), in_full(head, &why));
            }
            continue;
        }
        let mut req = request.clone();
        req.all_if_unknown = false;
        req.range = RangeRequest {
            base: Some(commit.to_string()),
            head: Some(head.to_string()),
            github: None,
            default_branch: None,
        };
        let changes = changes::detect(&ws.repo, &req).map_err(crate::error::from_change)?;
        let settings = crate::config::diff::in_range(ws, &changes, Some(env));
        for (target, action) in targets {
            let why = match action {
                Action::Deploy => format!("its last good deploy to {env}"),
                Action::Rollback => format!("what its last rollback in {env} rolled away from"),
            };
            ranges.insert(
                target.to_string(),
                TargetRange {
                    changes: ChangedPaths {
                        why,
                        ..changes.clone()
                    },
                    settings: settings.get(target).cloned(),
                },
            );
        }
    }
    Ok(ranges)
}

/// What is deployed of each target in `env` (the ones the ledger knows), or
/// `None` when there is no ledger to read: no credentials, or no state bucket
/// yet. Either is said on stderr, with the range used instead.
async fn deployed_bases(
    ws: &Workspace,
    ctx: &EnvContext,
    run_why: &str,
) -> anyhow::Result<Option<BTreeMap<String, DeployedBase>>> {
    let (env, store) = (&ctx.env.name, &ctx.store);
    if ctx.check_credentials().await.is_err() {
        eprintln!(
            "note: no AWS credentials to read the {env} ledger: every target is compared in the run's range ({})",
            run_why
        );
        return Ok(None);
    }
    let reads = join_all(
        ws.config
            .targets
            .iter()
            .map(|t| async { (t.name.clone(), store.deployed_base(&t.name).await) }),
    )
    .await;
    let mut bases = BTreeMap::new();
    for (target, read) in reads {
        match read {
            Ok(Some(base)) => {
                bases.insert(target, base);
            }
            Ok(None) => {}
            Err(e) if e.missing_bucket => {
                eprintln!(
                    "note: state bucket {} does not exist yet, so nothing is deployed to {env}: every target is compared in the run's range ({})",
                    store.bucket, run_why
                );
                return Ok(None);
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "reading the {env} ledger to find what is deployed (pass --base REV to compare from a commit instead)"
                )))
            }
        }
    }
    Ok(Some(bases))
}

/// `commit`, fetched when this clone lacks it; why it could not be had.
async fn fetched(ws: &Workspace, commit: &str, targets: &[&str], env: &str) -> Result<(), String> {
    if git2::Oid::from_str(commit).is_ok_and(|oid| ws.repo.find_commit(oid).is_ok()) {
        return Ok(());
    }
    eprintln!(
        "{}: last deployed to {env} from {commit}, which this clone does not have: fetching it from origin",
        targets.join(", ")
    );
    super::fetch::ensure_commit(ws, commit).await
}

/// A range that plans its target whatever changed (`everything`), with `why`.
fn in_full(head: git2::Oid, why: &str) -> TargetRange {
    TargetRange {
        changes: ChangedPaths {
            base: None,
            head,
            why: why.to_string(),
            paths: Vec::new(),
            everything: true,
        },
        settings: None,
    }
}
