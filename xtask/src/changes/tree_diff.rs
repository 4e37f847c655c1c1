//! The paths that differ between two trees, without rename detection.
//!
//! Both trees are walked side by side and every subtree whose id is equal on both
//! sides is skipped, so the cost follows the size of the change, not the size of
//! the repository. Rename detection is deliberately absent: a rename is a deletion
//! of its old path plus an addition of its new one, which is what a path filter
//! must see (both sides count), and it is what makes a generic diff slow.

use git2::{ObjectType, Repository, Tree, TreeEntry};
use std::cmp::Ordering;

/// What happened to one path between the two trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Deleted,
    Modified,
    /// Same content, different file mode (e.g. the executable bit).
    ModeChanged,
    /// A file became a symlink or a submodule, or the other way round.
    TypeChanged,
}

/// One changed path, `/`-separated and relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathChange {
    pub path: String,
    pub kind: ChangeKind,
}

/// Every path that differs between `old` and `new`; `old = None` means "the empty
/// tree" (every path of `new` is added).
pub fn diff_trees(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
) -> Result<Vec<PathChange>, git2::Error> {
    let mut out = Vec::new();
    let mut prefix = Vec::new();
    match old {
        Some(old) => walk_pair(repo, old, new, &mut prefix, &mut out)?,
        None => walk_one(repo, new, ChangeKind::Added, &mut prefix, &mut out)?,
    }
    Ok(out)
}

fn walk_pair(
    repo: &Repository,
    old: &Tree<'_>,
    new: &Tree<'_>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<PathChange>,
) -> Result<(), git2::Error> {
    let mut a = old.iter().peekable();
    let mut b = new.iter().peekable();
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => return Ok(()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => git_entry_order(x, y),
        };
        match order {
            Ordering::Less => {
                let entry = a.next().expect("peeked");
                gone_or_new(repo, &entry, ChangeKind::Deleted, prefix, out)?;
            }
            Ordering::Greater => {
                let entry = b.next().expect("peeked");
                gone_or_new(repo, &entry, ChangeKind::Added, prefix, out)?;
            }
            Ordering::Equal => {
                let (x, y) = (a.next().expect("peeked"), b.next().expect("peeked"));
                if x.id() == y.id() && x.filemode() == y.filemode() {
                    continue;
                }
                let len = push_name(prefix, x.name_bytes());
                if is_tree(&x) {
                    // Equal keys mean both sides are trees (see git_entry_order).
                    let (xt, yt) = (repo.find_tree(x.id())?, repo.find_tree(y.id())?);
                    walk_pair(repo, &xt, &yt, prefix, out)?;
                } else {
                    let kind = if file_type(x.filemode()) != file_type(y.filemode()) {
                        ChangeKind::TypeChanged
                    } else if x.id() == y.id() {
                        ChangeKind::ModeChanged
                    } else {
                        ChangeKind::Modified
                    };
                    out.push(PathChange {
                        path: path_string(prefix),
                        kind,
                    });
                }
                prefix.truncate(len);
            }
        }
    }
}

/// An entry present on one side only: itself, or every file below it.
fn gone_or_new(
    repo: &Repository,
    entry: &TreeEntry<'_>,
    kind: ChangeKind,
    prefix: &mut Vec<u8>,
    out: &mut Vec<PathChange>,
) -> Result<(), git2::Error> {
    let len = push_name(prefix, entry.name_bytes());
    if is_tree(entry) {
        let tree = repo.find_tree(entry.id())?;
        walk_one(repo, &tree, kind, prefix, out)?;
    } else {
        out.push(PathChange {
            path: path_string(prefix),
            kind,
        });
    }
    prefix.truncate(len);
    Ok(())
}

fn walk_one(
    repo: &Repository,
    tree: &Tree<'_>,
    kind: ChangeKind,
    prefix: &mut Vec<u8>,
    out: &mut Vec<PathChange>,
) -> Result<(), git2::Error> {
    for entry in tree.iter() {
        gone_or_new(repo, &entry, kind, prefix, out)?;
    }
    Ok(())
}

/// The type bits of a git file mode: regular file, symlink or submodule.
fn file_type(mode: i32) -> i32 {
    mode & 0o170000
}

fn is_tree(entry: &TreeEntry<'_>) -> bool {
    entry.kind() == Some(ObjectType::Tree)
}

/// Appends `name` as the next path component; returns the length to truncate back to.
fn push_name(prefix: &mut Vec<u8>, name: &[u8]) -> usize {
    let len = prefix.len();
    if !prefix.is_empty() {
        prefix.push(b'/');
    }
    prefix.extend_from_slice(name);
    len
}

/// git paths are bytes; the few that are not UTF-8 are shown with replacement
/// characters (they can still match `*`/`**` patterns, never a literal).
fn path_string(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// git's order of tree entries: by name, where a tree's name compares as if it
/// ended in `/`. So a file `a` and a directory `a` are different keys, and a file
/// replaced by a directory shows as a deletion plus additions.
fn git_entry_order(x: &TreeEntry<'_>, y: &TreeEntry<'_>) -> Ordering {
    let (a, b) = (x.name_bytes(), y.name_bytes());
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        Ordering::Equal => {}
        other => return other,
    }
    let end = |name: &[u8], tree: bool| match name.get(n) {
        Some(&c) => c,
        None if tree => b'/',
        None => 0,
    };
    end(a, is_tree(x))
        .cmp(&end(b, is_tree(y)))
        .then(a.len().cmp(&b.len()))
}
