//! A terraform rollback: the `git revert` of a change, prepared on a new
//! branch; it deploys like any other change (plan, approval, apply).

use crate::config::Target;
use crate::error::BadInput;
use crate::targets::TargetResult;

pub struct RollbackOptions {
    pub commit: Option<String>,
    pub push: bool,
    pub dry_run: bool,
}

/// How far back `rollback` looks for commits to suggest when `--commit` is missing.
const SUGGEST_DEPTH: usize = 500;

/// Prepares the `git revert` of `--commit` on a new branch and prints the next
/// steps; pushes only with `--push`. No AWS call: the revert deploys like any
/// other change (plan, approval, apply).
pub fn rollback(
    ws: &crate::workspace::Workspace,
    name: &str,
    env: &str,
    opts: &RollbackOptions,
) -> anyhow::Result<TargetResult> {
    let target: &Target = ws
        .config
        .target(name)
        .ok_or_else(|| BadInput(format!("unknown target `{name}`")))?;
    let branch = ws.config.environments[env]
        .branch
        .clone()
        .or_else(|| ws.config.project.default_branch.clone())
        .unwrap_or_else(|| "main".into());
    let (base_ref, base) = crate::revert::base_ref(&ws.repo, &branch)?;
    let on = crate::revert::short_ref(&base_ref);
    let Some(asked) = &opts.commit else {
        let recent = crate::revert::recent_changes(
            &ws.repo,
            base,
            |p| target.paths.matches(p),
            5,
            SUGGEST_DEPTH,
        )?;
        let hint = if recent.is_empty() {
            format!("no commit of the last {SUGGEST_DEPTH} on {on} changed {name}'s paths")
        } else {
            format!(
                "the latest on {on} that changed {name}'s paths: {}",
                recent
                    .iter()
                    .map(|(id, s)| format!("{} ({s})", crate::revert::short(*id)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(BadInput(format!(
            "rollback {name}: --commit SHA is required: the change to revert (a terraform target is rolled back by a git revert); {hint}"
        ))
        .into());
    };
    let trailer = format!("Prepared by `cargo xtask rollback {name} {env} --commit {asked}`.");
    let prepared = crate::revert::prepare(
        &ws.repo,
        &base_ref,
        base,
        asked,
        &format!("revert-{name}-{env}"),
        &trailer,
        opts.dry_run,
    )?;

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
    let mut out = String::new();
    out.push_str(&format!(
        "{name}: {} {reverted} (\"{}\"){via}, with {how}, on a new branch {} on top of {on}.\n",
        if opts.dry_run {
            "would revert"
        } else {
            "prepared the revert of"
        },
        prepared.reverted_summary,
        prepared.branch
    ));
    out.push_str(&format!("  it changes: {}\n", prepared.paths.join(", ")));
    let touched: Vec<&str> = ws
        .config
        .targets
        .iter()
        .filter(|t| prepared.paths.iter().any(|p| t.paths.matches(p)))
        .map(|t| t.name.as_str())
        .collect();
    if !touched.contains(&name) {
        out.push_str(&format!(
            "  WARNING: none of these paths is {name}'s ({}): is this the right commit?\n",
            target.paths.patterns().join(", ")
        ));
    }
    let others: Vec<&str> = touched.into_iter().filter(|t| *t != name).collect();
    if !others.is_empty() {
        out.push_str(&format!(
            "  note: it also changes the paths of {}: merging it deploys them too\n",
            others.join(", ")
        ));
    }
    if opts.dry_run {
        crate::output::detail(&out);
        return Ok(TargetResult::ok(
            name,
            format!(
                "dry run: would prepare the revert of {reverted} on branch {}",
                prepared.branch
            ),
        ));
    }
    let pushed = if opts.push {
        if ws.repo.find_remote("origin").is_err() {
            crate::output::detail(&out);
            return Err(BadInput(format!(
                "--push: this repository has no remote `origin`; the branch {} is ready locally",
                prepared.branch
            ))
            .into());
        }
        crate::revert::push(&ws.root, &prepared.branch)?;
        true
    } else {
        false
    };
    let b = &prepared.branch;
    out.push_str("Next steps:\n");
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
    crate::output::detail(&out);
    Ok(TargetResult::ok(
        name,
        format!(
            "revert of {reverted} prepared on branch {b}{}",
            if pushed {
                ", pushed to origin"
            } else {
                " (not pushed)"
            }
        ),
    ))
}
