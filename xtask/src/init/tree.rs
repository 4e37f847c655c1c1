//! The repository's files as init reads them: relative, `/`-separated, sorted;
//! without what git ignores, `.git` and other hidden folders, installed
//! dependencies, build folders, and the toolkit's own copy (its example
//! monorepo is not this repository's).

use std::path::Path;

/// Folders never read, whatever .gitignore says.
const SKIPPED: [&str; 6] = [
    "node_modules",
    "target",
    "vendor",
    "bower_components",
    "__pycache__",
    "venv",
];

/// At most this many files are read: init is for a repository, not a disk.
const LIMIT: usize = 200_000;

pub fn files(repo: &git2::Repository, root: &Path, toolkit: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    walk(repo, root, "", toolkit, &mut out);
    out.sort();
    out
}

fn walk(
    repo: &git2::Repository,
    root: &Path,
    rel: &str,
    toolkit: Option<&str>,
    out: &mut Vec<String>,
) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if out.len() >= LIMIT {
            return;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let skip = name.starts_with('.')
                || SKIPPED.contains(&name.as_str())
                || toolkit.is_some_and(|t| t == path)
                || is_toolkit_copy(&root.join(&path))
                || repo
                    .is_path_ignored(Path::new(&format!("{path}/")))
                    .unwrap_or(false);
            if !skip {
                walk(repo, root, &path, toolkit, out);
            }
        } else if kind.is_file() && !repo.is_path_ignored(Path::new(&path)).unwrap_or(false) {
            out.push(path);
        }
    }
}

/// A copy of the toolkit: its workspace with `xtask/` in it.
fn is_toolkit_copy(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("xtask/Cargo.toml").is_file()
}

/// `path` relative to `root`, `/`-separated (`""` for the root itself), when
/// it is inside it.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let root = root.canonicalize().ok()?;
    let path = path.canonicalize().ok()?;
    let rel = path.strip_prefix(&root).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// The folder of a file path (`""` at the root).
pub fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `rel` under `dir`, as a path from the root.
pub fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}
