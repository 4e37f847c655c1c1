//! Change detection: which paths differ between two commits (plus, on request,
//! the working tree), read with git2 from the repository itself.

mod base;
mod tree_diff;

pub use base::{GithubEvent, RangeRequest};
pub use tree_diff::{diff_trees, ChangeKind, PathChange};

use git2::{Oid, Repository};
use std::collections::BTreeSet;

/// The request: a range (see [`RangeRequest`]) and what to do at its edges.
#[derive(Debug, Clone, Default)]
pub struct ChangeRequest {
    pub range: RangeRequest,
    /// Also count staged, unstaged and untracked changes of the working tree.
    pub uncommitted: bool,
    /// When the base cannot be known, plan everything instead of failing.
    pub all_if_unknown: bool,
}

/// The answer: the paths that changed and how the range was chosen.
#[derive(Debug, Clone)]
pub struct ChangedPaths {
    /// `None` when the base could not be known and `all_if_unknown` was given:
    /// then `everything` is true.
    pub base: Option<Oid>,
    pub head: Oid,
    /// Why this base: printed with every plan.
    pub why: String,
    /// Sorted and unique; both sides of a rename.
    pub paths: Vec<String>,
    /// Every target counts as changed.
    pub everything: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{flag} {rev:?} is not a commit in this repository{}", if *shallow { " (this is a shallow clone: fetch more history)" } else { "" })]
    RevisionNotFound {
        flag: String,
        rev: String,
        shallow: bool,
    },
    #[error("the repository has no commit at HEAD")]
    NoHead,
    #[error("cannot find the default branch (tried {}): pass --base REV or set project.default_branch in deploy.toml", tried.join(", "))]
    NoDefaultBranch { tried: Vec<String> },
    #[error("cannot tell what changed: {why}. Fetch more history (e.g. actions/checkout with fetch-depth: 0, or `git fetch --unshallow`), pass --base REV, or pass --all-if-unknown to plan every target")]
    UnknownBase { why: String },
    #[error("reading the repository: {0}")]
    Git(#[from] git2::Error),
}

impl ChangeError {
    /// Whether the user can fix this with different input (exit code 2), as
    /// opposed to a broken repository.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ChangeError::Git(_))
    }
}

pub fn detect(repo: &Repository, req: &ChangeRequest) -> Result<ChangedPaths, ChangeError> {
    // libgit2 re-hashes every object it reads (SHA-1 with collision detection),
    // which was half the time of a large diff; git itself does not, and the pack
    // was checked when it was fetched.
    git2::opts::strict_hash_verification(false);
    let (base, head, why) = match base::resolve(repo, &req.range)? {
        base::Resolved::Range { base, head, why } => (Some(base), head, why),
        base::Resolved::Unknown { head, why } if req.all_if_unknown => {
            (None, head, format!("{why}; --all-if-unknown: every target"))
        }
        base::Resolved::Unknown { why, .. } => return Err(ChangeError::UnknownBase { why }),
    };

    let mut paths = BTreeSet::new();
    let head_tree = repo.find_commit(head)?.tree_id();
    if let Some(base) = base {
        let base_tree = repo.find_commit(base)?.tree_id();
        for change in tree_diff::diff_trees(repo, Some(base_tree), head_tree)? {
            paths.insert(change.path);
        }
    }
    if req.uncommitted {
        paths.extend(working_tree_changes(repo, &repo.find_tree(head_tree)?)?);
    }
    Ok(ChangedPaths {
        base,
        head,
        why,
        paths: paths.into_iter().collect(),
        everything: base.is_none(),
    })
}

/// Paths changed in the index or the working tree relative to `head_tree`,
/// untracked files included, both sides of each change.
fn working_tree_changes(
    repo: &Repository,
    head_tree: &git2::Tree<'_>,
) -> Result<Vec<String>, git2::Error> {
    let mut opts = git2::DiffOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_typechange(true);
    let diff = repo.diff_tree_to_workdir_with_index(Some(head_tree), Some(&mut opts))?;
    let mut out = Vec::new();
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            if let Some(p) = file.path_bytes() {
                out.push(String::from_utf8_lossy(p).into_owned());
            }
        }
    }
    Ok(out)
}
