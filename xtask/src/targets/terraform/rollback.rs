//! A terraform rollback: the `git revert` of a change, prepared on a new
//! branch; it deploys like any other change (plan, approval, apply). It goes
//! through the pipeline as a job that takes no lock and writes no record: its
//! one write is a git branch (pushed only with `--push`).

use std::path::PathBuf;

use path_filter::PathFilter;

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::revert::PreparedRevert as Prepared;
use crate::targets::pipeline::{Mode, Step, StepEnd};
use crate::targets::TargetResult;

pub struct RollbackOptions {
    pub commit: Option<String>,
    pub push: bool,
    /// The repository the revert is prepared in.
    pub repo_root: PathBuf,
    /// Every target's paths, by name: what a revert touches.
    pub paths: Vec<(String, PathFilter)>,
}

/// How far back `rollback` looks for commits to suggest when `--commit` is missing.
const SUGGEST_DEPTH: usize = 500;

/// Prepares the `git revert` of `--commit` on a new branch and prints the next
/// steps; pushes only with `--push`. No AWS call.
pub async fn rollback<'a>(
    ctx: &'a EnvContext,
    name: &'a str,
    opts: &'a RollbackOptions,
    mode: Mode,
) -> anyhow::Result<Step<'a>> {
    Ok(Box::new(move |_| {
        Box::pin(async move {
            let (env, branch) = (&ctx.env.name, &ctx.env.branch);
            let repo = git2::Repository::open(&opts.repo_root)
                .map_err(|e| anyhow::anyhow!("opening the repository: {}", e.message()))?;
            let (base_ref, base) = crate::revert::base_ref(&repo, branch)?;
            let Some(asked) = &opts.commit else {
                return Err(missing_commit(&repo, name, opts, &base_ref, base)?.into());
            };
            let trailer =
                format!("Prepared by `cargo xtask rollback {name} {env} --commit {asked}`.");
            let topic = format!("revert-{name}-{env}");
            let prepared = crate::revert::prepare(
                &repo,
                &base_ref,
                base,
                asked,
                &topic,
                &trailer,
                mode.dry_run(),
            )?;
            let mut out = describe(name, opts, &prepared, &base_ref, mode);
            let reverted = crate::revert::short(prepared.reverted);
            let b = &prepared.branch;
            if mode.dry_run() {
                crate::output::detail(&out);
                let summary =
                    format!("dry run: would prepare the revert of {reverted} on branch {b}");
                return Ok(StepEnd::Unrecorded(TargetResult::ok(name, summary)));
            }
            if opts.push {
                if repo.find_remote("origin").is_err() {
                    crate::output::detail(&out);
                    return Err(BadInput::error(format!(
                        "--push: this repository has no remote `origin`; the branch {b} is ready locally"
                    ))
                    .into());
                }
                crate::revert::push(&opts.repo_root, b).await?;
            }
            out.push_str(&next_steps(name, env, branch, b, opts.push));
            crate::output::detail(&out);
            let pushed = if opts.push {
                ", pushed to origin"
            } else {
                " (not pushed)"
            };
            let summary = format!("revert of {reverted} prepared on branch {b}{pushed}");
            Ok(StepEnd::Unrecorded(TargetResult::ok(name, summary)))
        })
    }))
}

/// Without `--commit`: the error, naming the latest commits that changed the
/// target's paths.
fn missing_commit(
    repo: &git2::Repository,
    name: &str,
    opts: &RollbackOptions,
    base_ref: &str,
    base: git2::Oid,
) -> anyhow::Result<BadInput> {
    let on = crate::revert::short_ref(base_ref);
    let own = opts.paths.iter().find(|(n, _)| n == name).map(|(_, p)| p);
    let matches = |p: &str| own.is_some_and(|own| own.matches(p));
    let recent = crate::revert::recent_changes(repo, base, matches, 5, SUGGEST_DEPTH)?;
    let hint = if recent.is_empty() {
        format!("no commit of the last {SUGGEST_DEPTH} on {on} changed {name}'s paths")
    } else {
        let listed: Vec<String> = recent
            .iter()
            .map(|(id, s)| format!("{} ({s})", crate::revert::short(*id)))
            .collect();
        format!(
            "the latest on {on} that changed {name}'s paths: {}",
            listed.join(", ")
        )
    };
    Ok(BadInput(format!(
        "rollback {name}: --commit SHA is required: the change to revert (a terraform target is rolled back by a git revert); {hint}"
    )))
}

/// What the revert is, what it changes, and which targets that deploys.
fn describe(
    name: &str,
    opts: &RollbackOptions,
    prepared: &Prepared,
    base_ref: &str,
    mode: Mode,
) -> String {
    let on = crate::revert::short_ref(base_ref);
    let reverted = crate::revert::short(prepared.reverted);
    let how = match prepared.mainline {
        Some(m) => {
            format!("git revert -m {m} (back to its first parent: {on} as it was before the merge)")
        }
        None => "git revert".into(),
    };
    let via = if prepared.reverted != prepared.asked {
        format!(
            ", the merge that brought {} into {on}",
            crate::revert::short(prepared.asked)
        )
    } else {
        String::new()
    };
    let verb = if mode.dry_run() {
        "would revert"
    } else {
        "prepared the revert of"
    };
    let mut out = format!(
        "{name}: {verb} {reverted} (\"{}\"){via}, with {how}, on a new branch {} on top of {on}.\n",
        prepared.reverted_summary, prepared.branch
    );
    out.push_str(&format!("  it changes: {}\n", prepared.paths.join(", ")));
    let touched: Vec<&str> = opts
        .paths
        .iter()
        .filter(|(_, filter)| prepared.paths.iter().any(|p| filter.matches(p)))
        .map(|(n, _)| n.as_str())
        .collect();
    if !touched.contains(&name) {
        let own = opts.paths.iter().find(|(n, _)| n == name);
        let patterns = own
            .map(|(_, p)| p.patterns().join(", "))
            .unwrap_or_default();
        out.push_str(&format!(
            "  WARNING: none of these paths is {name}'s ({patterns}): is this the right commit?\n"
        ));
    }
    let others: Vec<&str> = touched.into_iter().filter(|t| *t != name).collect();
    if !others.is_empty() {
        out.push_str(&format!(
            "  note: it also changes the paths of {}: merging it deploys them too\n",
            others.join(", ")
        ));
    }
    out
}

/// The steps after a prepared revert, as commands that work as printed.
fn next_steps(name: &str, env: &str, branch: &str, b: &str, pushed: bool) -> String {
    let mut out = String::from("Next steps:\n");
    out.push_str(&format!("  1. look at it:     git show {b}\n"));
    if pushed {
        out.push_str(&format!("  2. pushed:         origin/{b}\n"));
    } else {
        out.push_str(&format!(
            "  2. push it:        git push origin {b}    (or rerun with --push)\n"
        ));
    }
    out.push_str(&format!(
        "  3. open a pull request from {b} into {branch}, and merge it once reviewed\n"
    ));
    out.push_str(&format!(
        "  4. deploy it:      cargo xtask deploy {name} --env {env} --approve    (read its plan first; in CI, the deploy workflow's environment gate)\n"
    ));
    if !pushed {
        out.push_str("Nothing was pushed.\n");
    }
    out
}
