//! The paths that differ between two trees, without rename detection.
//!
//! Both trees are walked side by side and every subtree whose id is equal on both
//! sides is skipped, so the cost follows the size of the change, not the size of
//! the repository. Rename detection is deliberately absent: a rename is a deletion
//! of its old path plus an addition of its new one, which is what a path filter
//! must see (both sides count), and it is what makes a generic diff slow.
//!
//! Trees are read as raw objects from the object database and parsed here: the
//! format is simple, and libgit2's own tree parsing and object cache cost as much
//! as inflating the objects (measured in docs/BENCHMARKS.md).

use git2::{Odb, Oid, Repository};
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

/// Every path that differs between the trees `old` and `new`; `old = None`
/// means "the empty tree" (every path of `new` is added).
pub fn diff_trees(
    repo: &Repository,
    old: Option<Oid>,
    new: Oid,
) -> Result<Vec<PathChange>, git2::Error> {
    let odb = repo.odb()?;
    let mut walk = Walk {
        odb: &odb,
        prefix: Vec::new(),
        out: Vec::new(),
    };
    match old {
        Some(old) => walk.pair(old, new)?,
        None => walk.one(new, ChangeKind::Added)?,
    }
    Ok(walk.out)
}

struct Walk<'a> {
    odb: &'a Odb<'a>,
    prefix: Vec<u8>,
    out: Vec<PathChange>,
}

impl Walk<'_> {
    fn pair(&mut self, old: Oid, new: Oid) -> Result<(), git2::Error> {
        let (old, new) = (self.odb.read(old)?, self.odb.read(new)?);
        let (old, new) = (entries(old.data())?, entries(new.data())?);
        let (mut a, mut b) = (old.iter().peekable(), new.iter().peekable());
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
                    self.gone_or_new(entry, ChangeKind::Deleted)?;
                }
                Ordering::Greater => {
                    let entry = b.next().expect("peeked");
                    self.gone_or_new(entry, ChangeKind::Added)?;
                }
                Ordering::Equal => {
                    let (x, y) = (a.next().expect("peeked"), b.next().expect("peeked"));
                    if x.id == y.id && x.mode == y.mode {
                        continue;
                    }
                    let len = self.push_name(x.name);
                    if x.is_tree() {
                        // Equal keys mean both sides are trees (see git_entry_order).
                        self.pair(x.oid()?, y.oid()?)?;
                    } else {
                        let kind = if file_type(x.mode) != file_type(y.mode) {
                            ChangeKind::TypeChanged
                        } else if x.id == y.id {
                            ChangeKind::ModeChanged
                        } else {
                            ChangeKind::Modified
                        };
                        self.record(kind);
                    }
                    self.prefix.truncate(len);
                }
            }
        }
    }

    /// An entry present on one side only: itself, or every file below it.
    fn gone_or_new(&mut self, entry: &Entry<'_>, kind: ChangeKind) -> Result<(), git2::Error> {
        let len = self.push_name(entry.name);
        if entry.is_tree() {
            self.one(entry.oid()?, kind)?;
        } else {
            self.record(kind);
        }
        self.prefix.truncate(len);
        Ok(())
    }

    fn one(&mut self, tree: Oid, kind: ChangeKind) -> Result<(), git2::Error> {
        let tree = self.odb.read(tree)?;
        for entry in entries(tree.data())? {
            self.gone_or_new(&entry, kind)?;
        }
        Ok(())
    }

    /// Appends `name` as the next path component; returns the length to truncate back to.
    fn push_name(&mut self, name: &[u8]) -> usize {
        let len = self.prefix.len();
        if !self.prefix.is_empty() {
            self.prefix.push(b'/');
        }
        self.prefix.extend_from_slice(name);
        len
    }

    /// git paths are bytes; the few that are not UTF-8 are shown with replacement
    /// characters (they can still match `*`/`**` patterns, never a literal).
    fn record(&mut self, kind: ChangeKind) {
        self.out.push(PathChange {
            path: String::from_utf8_lossy(&self.prefix).into_owned(),
            kind,
        });
    }
}

/// One entry of a raw tree object: `<octal mode> <name>\0<20-byte id>`.
#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    mode: u32,
    name: &'a [u8],
    id: &'a [u8],
}

const TREE_MODE: u32 = 0o040000;

impl Entry<'_> {
    fn is_tree(&self) -> bool {
        self.mode == TREE_MODE
    }

    fn oid(&self) -> Result<Oid, git2::Error> {
        Oid::from_bytes(self.id)
    }
}

/// The type bits of a git file mode: tree, regular file, symlink or submodule.
fn file_type(mode: u32) -> u32 {
    mode & 0o170000
}

const ID_LEN: usize = 20;

/// Parses a raw tree object.
fn entries(mut data: &[u8]) -> Result<Vec<Entry<'_>>, git2::Error> {
    let malformed = || git2::Error::from_str("malformed tree object");
    let mut out = Vec::new();
    while !data.is_empty() {
        let space = data.iter().position(|&b| b == b' ').ok_or_else(malformed)?;
        let mut mode = 0u32;
        for &d in &data[..space] {
            if !(b'0'..=b'7').contains(&d) {
                return Err(malformed());
            }
            mode = mode * 8 + u32::from(d - b'0');
        }
        let rest = &data[space + 1..];
        let nul = rest.iter().position(|&b| b == 0).ok_or_else(malformed)?;
        if rest.len() < nul + 1 + ID_LEN {
            return Err(malformed());
        }
        out.push(Entry {
            mode,
            name: &rest[..nul],
            id: &rest[nul + 1..nul + 1 + ID_LEN],
        });
        data = &rest[nul + 1 + ID_LEN..];
    }
    Ok(out)
}

/// git's order of tree entries: by name, where a tree's name compares as if it
/// ended in `/`. So a file `a` and a directory `a` are different keys, and a file
/// replaced by a directory shows as a deletion plus additions.
fn git_entry_order(x: &Entry<'_>, y: &Entry<'_>) -> Ordering {
    let (a, b) = (x.name, y.name);
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
    end(a, x.is_tree())
        .cmp(&end(b, y.is_tree()))
        .then(a.len().cmp(&b.len()))
}
