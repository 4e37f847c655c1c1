//! GitHub's `hashFiles(...)`: one hash of the files under `github.workspace`
//! that match any pattern (GitHub's glob rules), in path order, or `''` when
//! none does. The hash itself is not GitHub's SHA-256; a key depends on the
//! same files.

use serde_json::Value;
use std::path::{Path, PathBuf};

pub(super) fn hash_files(ctx: &Value, patterns: &[String]) -> String {
    use std::hash::{Hash, Hasher};
    let root = ctx["github"]["workspace"]
        .as_str()
        .expect("hashFiles needs github.workspace in the context");
    let filter = path_filter::PathFilter::new(patterns).unwrap();
    let mut files = Vec::new();
    let mut todo = vec![PathBuf::from(root)];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != ".git" {
                    todo.push(path);
                }
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if filter.matches(&rel) {
                    files.push(rel);
                }
            }
        }
    }
    if files.is_empty() {
        return String::new();
    }
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for f in &files {
        f.hash(&mut hasher);
        std::fs::read(Path::new(root).join(f))
            .unwrap()
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}
