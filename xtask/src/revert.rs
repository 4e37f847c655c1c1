//! A rollback by `git revert`, prepared on a new branch: the seeds' runbook
//! (`git revert -m 1 <sha> && git push`) done carefully. Nothing in the working
//! tree, the index or HEAD is touched, and nothing is pushed unless asked.
//!
//! The commit to revert is found on the environment's branch (its remote
//! branch when there is one, since that is what deploys): the given commit when
//! it is on the branch's first-parent line, else the merge that brought it in.
//! A merge is reverted against its first parent (`-m 1`: the branch as it was
//! before the merge).

use git2::{Commit, Oid, Repository};

use crate::error::BadInput;

#[derive(Debug, Clone)]
pub struct PreparedRevert {
    /// The ref the revert sits on, e.g. `refs/remotes/origin/main`.
    pub base_ref: String,
    pub base: Oid,
    /// What was asked for.
    pub asked: Oid,
    /// What is reverted: `asked`, or the merge that brought it in.
    pub reverted: Oid,
    pub reverted_summary: String,
    /// `Some(1)` for a merge (`-m 1`).
    pub mainline: Option<u32>,
    pub branch: String,
    /// The revert commit on `branch`; `None` for a dry run.
    pub commit: Option<Oid>,
    /// Paths the revert changes.
    pub paths: Vec<String>,
}

/// The branch the environment deploys from: `origin/<branch>` if the repository
/// has it, else the local `<branch>`.
pub fn base_ref(repo: &Repository, branch: &str) -> Result<(String, Oid), BadInput> {
    for name in [
        format!("refs/remotes/origin/{branch}"),
        format!("refs/heads/{branch}"),
    ] {
        if let Ok(r) = repo.find_reference(&name) {
            if let Ok(c) = r.peel_to_commit() {
                return Ok((name, c.id()));
            }
        }
    }
    Err(BadInput(format!(
        "no branch `{branch}` in this repository, locally or as origin/{branch}: fetch it (git fetch origin {branch})"
    )))
}

/// Finds what to revert on `base`'s first-parent line and commits the revert
/// on a new branch `<branch_prefix>-<reverted commit>`, on top of `base` (with
/// `dry_run`, checks that it applies and stops there).
pub fn prepare(
    repo: &Repository,
    base_ref: &str,
    base: Oid,
    asked: &str,
    branch_prefix: &str,
    trailer: &str,
    dry_run: bool,
) -> anyhow::Result<PreparedRevert> {
    let asked_commit = repo
        .revparse_single(asked)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| {
            BadInput(format!(
                "--commit {asked}: not a commit in this repository (fetch it first?)"
            ))
        })?;
    let short_base = short_ref(base_ref);
    let target = asked_commit.id();
    if target != base && !repo.graph_descendant_of(base, target)? {
        return Err(BadInput(format!(
            "--commit {asked}: {} is not on {short_base}, so it is not deployed from there: nothing to revert",
            short(target)
        ))
        .into());
    }
    let reverted = first_parent_commit_bringing(repo, base, target)?;
    let reverted_commit = repo.find_commit(reverted)?;
    let branch = &format!("{branch_prefix}-{}", short(reverted));
    let mainline = (reverted_commit.parent_count() > 1).then_some(1);
    let base_commit = repo.find_commit(base)?;

    let mut index =
        repo.revert_commit(&reverted_commit, &base_commit, mainline.unwrap_or(0), None)?;
    if index.has_conflicts() {
        let paths: Vec<String> = index
            .conflicts()?
            .filter_map(|c| c.ok())
            .filter_map(|c| c.our.or(c.their).or(c.ancestor))
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .collect();
        anyhow::bail!(
            "reverting {} on {short_base} conflicts with later changes in: {}. Revert it by hand: git switch -c {branch} {short_base} && git revert {}{} (resolve, then git revert --continue)",
            short(reverted),
            paths.join(", "),
            mainline.map_or_else(String::new, |m| format!("-m {m} ")),
            reverted
        );
    }
    let tree_id = index.write_tree_to(repo)?;
    if tree_id == base_commit.tree_id() {
        return Err(BadInput(format!(
            "--commit {asked}: reverting {} changes nothing on {short_base} (already reverted?)",
            short(reverted)
        ))
        .into());
    }
    let tree = repo.find_tree(tree_id)?;
    let sig = repo.signature().map_err(|_| {
        BadInput("git has no identity to commit the revert with: set user.name and user.email (git config user.name ...)".into())
    })?;
    let summary = reverted_commit.summary().unwrap_or_default().to_string();
    // git's own revert message, plus how it was made.
    let mut message = format!("Revert \"{summary}\"\n\nThis reverts commit {reverted}");
    if mainline.is_some() {
        let first_parent = reverted_commit.parent_id(0)?;
        message.push_str(&format!(", reversing\nchanges made to {first_parent}"));
    }
    message.push_str(&format!(".\n\n{trailer}\n"));
    if repo.find_branch(branch, git2::BranchType::Local).is_ok() {
        return Err(BadInput(format!(
            "branch {branch} exists already: look at it (git log {branch}), and delete it (git branch -D {branch}) to prepare the revert again"
        ))
        .into());
    }
    let commit = if dry_run {
        None
    } else {
        let commit = repo.commit(None, &sig, &sig, &message, &tree, &[&base_commit])?;
        repo.branch(branch, &repo.find_commit(commit)?, false)?;
        Some(commit)
    };
    let paths = crate::changes::diff_trees(repo, Some(base_commit.tree_id()), tree_id)?
        .into_iter()
        .map(|c| c.path)
        .collect();
    Ok(PreparedRevert {
        base_ref: base_ref.to_string(),
        base,
        asked: target,
        reverted,
        reverted_summary: summary,
        mainline,
        branch: branch.to_string(),
        commit,
        paths,
    })
}

/// The commit on `base`'s first-parent line that brought `target` in: `target`
/// itself when it is on that line, else the merge whose first parent does not
/// contain it yet.
fn first_parent_commit_bringing(repo: &Repository, base: Oid, target: Oid) -> anyhow::Result<Oid> {
    let mut current: Commit = repo.find_commit(base)?;
    loop {
        if current.id() == target {
            return Ok(target);
        }
        let Ok(parent) = current.parent(0) else {
            return Ok(current.id());
        };
        let parent_has_it =
            parent.id() == target || repo.graph_descendant_of(parent.id(), target)?;
        if !parent_has_it {
            return Ok(current.id());
        }
        current = parent;
    }
}

/// The newest commits on `base`'s first-parent line whose change (against
/// their first parent) touches a path `matches` accepts: the candidates to
/// revert. At most `limit`, looking `depth` commits back.
pub fn recent_changes(
    repo: &Repository,
    base: Oid,
    matches: impl Fn(&str) -> bool,
    limit: usize,
    depth: usize,
) -> anyhow::Result<Vec<(Oid, String)>> {
    let mut found = Vec::new();
    let mut current = Some(repo.find_commit(base)?);
    for _ in 0..depth {
        let Some(c) = current else { break };
        let parent = c.parent(0).ok();
        let changes =
            crate::changes::diff_trees(repo, parent.as_ref().map(|p| p.tree_id()), c.tree_id())?;
        if changes.iter().any(|p| matches(&p.path)) {
            found.push((c.id(), c.summary().unwrap_or_default().to_string()));
            if found.len() == limit {
                break;
            }
        }
        current = parent;
    }
    Ok(found)
}

/// `git push origin <branch>` with the git command line (the user's own
/// credentials and helpers).
pub async fn push(workdir: &std::path::Path, branch: &str) -> anyhow::Result<()> {
    let out = tokio::process::Command::new("git")
        .args([
            "push",
            "origin",
            &format!("refs/heads/{branch}:refs/heads/{branch}"),
        ])
        .current_dir(workdir)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| anyhow::anyhow!("running git push: {e}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "git push origin {branch} failed ({}): {}. The branch is ready locally: push it by hand",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim().replace('\n', " ")
        );
    }
    Ok(())
}

pub fn short(oid: Oid) -> String {
    oid.to_string()[..10].to_string()
}

/// `origin/main` for `refs/remotes/origin/main`, `main` for `refs/heads/main`.
pub fn short_ref(name: &str) -> &str {
    name.strip_prefix("refs/remotes/")
        .or_else(|| name.strip_prefix("refs/heads/"))
        .unwrap_or(name)
}

/// The next steps after a rollback, so git stays true to what runs: revert the
/// commit the rolled-back deploy shipped, on a branch from the environment's
/// branch, for a pull request. `-m 1` only for a merge (git refuses it for a
/// plain commit).
pub fn hint(
    repo: &Repository,
    env: &crate::config::Env,
    name: &str,
    revert: &crate::targets::pipeline::Revert,
) -> String {
    use crate::targets::pipeline::Revert;
    let branch = &env.branch;
    let env = &env.name;
    let Revert::Commit(sha) = revert else {
        return format!("IMPORTANT: create a revert PR to keep git history accurate: revert the commit that shipped what was rolled back (see `cargo xtask history {name} {env}`) on a branch from {branch}\n");
    };
    let commit = Oid::from_str(sha)
        .ok()
        .and_then(|id| repo.find_commit(id).ok());
    let revert = match commit.map(|c| c.parent_count()) {
        Some(n) if n > 1 => format!("git revert -m 1 {sha}"),
        _ => format!("git revert {sha}"),
    };
    let short = &sha[..sha.len().min(7)];
    let topic = format!("revert-{name}-{env}-{short}");
    format!(
        "IMPORTANT: create a revert PR to keep git history accurate (then open a pull request from {topic} into {branch}):\n  git fetch origin {branch}\n  git switch -c {topic} origin/{branch}\n  {revert}\n  git push origin {topic}\n"
    )
}
