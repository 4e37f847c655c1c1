//! Which targets' settings a change to deploy.toml itself changed: its paths
//! are not the target's, yet a new cache rule, build argument or network CIDR
//! must deploy. The config at the base commit is read from git and each
//! target's resolved settings (templates filled, per environment) compared.

use std::collections::BTreeMap;
use std::path::Path;

use super::Config;

/// When deploy.toml itself changed in the range: the targets whose settings it
/// changed (compared with the file at the base commit), with why.
pub fn in_range(
    ws: &crate::workspace::Workspace,
    changes: &crate::changes::ChangedPaths,
    env: Option<&str>,
) -> BTreeMap<String, String> {
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    let relative = canonical(&ws.config.file)
        .zip(canonical(&ws.root))
        .and_then(|(file, root)| {
            file.strip_prefix(root)
                .ok()
                .and_then(|p| p.to_str())
                .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"))
        });
    match (changes.base, relative) {
        (Some(base), Some(relative)) if changes.paths.contains(&relative) => {
            let old = at_commit(&ws.repo, base, &relative, &ws.config.file);
            changed_targets(old.as_ref(), &ws.config, env)
        }
        _ => Default::default(),
    }
}

/// Targets of `new` whose settings differ from `old`'s, with why: in `env`, or
/// in any environment without one. A target new in `new` counts as changed;
/// `old` `None` (the base's file did not load, or there was none) changes all.
pub fn changed_targets(
    old: Option<&Config>,
    new: &Config,
    env: Option<&str>,
) -> BTreeMap<String, String> {
    let file = new.file.file_name().map_or_else(
        || "deploy.toml".into(),
        |f| f.to_string_lossy().into_owned(),
    );
    let mut out = BTreeMap::new();
    for target in &new.targets {
        let why = match old.and_then(|o| o.target(&target.name)) {
            None if old.is_none() => Some(format!("{file} (it did not load at the base)")),
            None => Some(format!("{file} (targets.{} is new)", target.name)),
            Some(before) => {
                let differs = |e: &str| {
                    let value =
                        |t: &super::Target| t.settings.get(e).map(|s| serde_json::to_value(s).ok());
                    value(before) != value(target)
                };
                let envs: Vec<&str> = match env {
                    Some(e) => vec![e],
                    None => target.settings.keys().map(String::as_str).collect(),
                };
                let changed: Vec<&str> = envs.into_iter().filter(|e| differs(e)).collect();
                (!changed.is_empty()).then(|| {
                    format!(
                        "{file} (targets.{} settings for {})",
                        target.name,
                        changed.join(", ")
                    )
                })
            }
        };
        if let Some(why) = why {
            out.insert(target.name.clone(), why);
        }
    }
    out
}

/// The config as it was at `commit` (at `relative`, its path in the
/// repository), from git; `None` when the file was not there or did not load
/// then. `file` names it in messages.
pub fn at_commit(
    repo: &git2::Repository,
    commit: git2::Oid,
    relative: &str,
    file: &Path,
) -> Option<Config> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    let entry = tree.get_path(Path::new(relative)).ok()?;
    let blob = repo.find_blob(entry.id()).ok()?;
    let text = std::str::from_utf8(blob.content()).ok()?;
    Config::parse(file, text).ok()
}
