//! `{TARGET.OUTPUT}` in a target's strings: an output of a terraform target,
//! read from that target's state in S3 when the target runs (see
//! `crate::plan::outputs`), e.g. `cluster = "{shared.ecs_cluster_name}"`.
//!
//! Checked when the file loads: TARGET is another terraform target that has
//! `state_bucket` and `state_key` in that environment and that this target runs
//! after (directly or not). OUTPUT may be any output of that stack: only its
//! state can tell, so `plan::outputs` checks it before anything runs (or, for a
//! stack deployed in the same run, once it is).

use std::collections::BTreeSet;

use super::load::Loader;
use super::{template, ConfigError, Target, TargetSettings};

/// A setting `{TARGET.OUTPUT}` may fill: one string, or a list of strings.
pub enum Slot<'a> {
    Text(&'a mut String),
    /// A path, filled as text (`build_dir`, `dir`).
    Path(&'a mut std::path::PathBuf),
    List(&'a mut Vec<String>),
    /// Passed on as JSON (a terraform target's `vars`): a string that is just
    /// `{TARGET.OUTPUT}` takes the output's value, whatever its type.
    Value(&'a mut serde_json::Value),
}

/// One `{TARGET.OUTPUT}` in a target's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRef {
    /// The setting's key path below the target's table (`cache[0].glob`).
    pub key: String,
    /// The terraform target whose output it is.
    pub source: String,
    pub output: String,
}

/// Every `{TARGET.OUTPUT}` in `settings`, by key path (`cache[0].glob`), from
/// every string the target's keys hold.
pub fn references(settings: &TargetSettings) -> Vec<OutputRef> {
    let value = serde_json::to_value(settings).expect("settings serialize");
    let mut found = Vec::new();
    walk_json("", &value, &mut |key, s| {
        for name in template::placeholders(s).unwrap_or_default() {
            if let Some((source, output)) = name.split_once('.') {
                found.push(OutputRef {
                    key: key.clone(),
                    source: source.to_string(),
                    output: output.to_string(),
                });
            }
        }
    });
    found
}

fn walk_json(key: &str, v: &serde_json::Value, f: &mut impl FnMut(String, &str)) {
    match v {
        serde_json::Value::String(s) => f(key.to_string(), s),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_json(&format!("{key}[{i}]"), item, f);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                let inner = if key.is_empty() {
                    k.clone()
                } else {
                    format!("{key}.{k}")
                };
                walk_json(&inner, item, f);
            }
        }
        _ => {}
    }
}

pub(super) fn check(loader: &Loader<'_>, targets: &[Target]) -> Result<(), ConfigError> {
    for target in targets {
        for (env, settings) in &target.settings {
            for OutputRef {
                key: path,
                source,
                output,
            } in references(settings)
            {
                let key = format!("targets.{}.{path}", target.name);
                let placeholder = format!("{{{source}.{output}}}");
                let terraform_targets = || {
                    targets
                        .iter()
                        .filter(|t| matches!(t.settings[env], TargetSettings::Terraform(_)))
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let Some(src) = targets.iter().find(|t| t.name == source) else {
                    return Err(loader.error(
                        key,
                        format!("{placeholder}: unknown target `{source}` (outputs come from a terraform target: {})", terraform_targets()),
                    ));
                };
                let TargetSettings::Terraform(tf) = &src.settings[env] else {
                    return Err(loader.error(
                        key,
                        format!("{placeholder}: `{source}` is not a terraform target, so it has no outputs (terraform targets: {})", terraform_targets()),
                    ));
                };
                if source == target.name {
                    return Err(loader.error(
                        key,
                        format!("{placeholder}: a target cannot use its own outputs"),
                    ));
                }
                if tf.state_bucket.is_none() {
                    return Err(loader.error(
                        key,
                        format!("{placeholder}: `{source}` has no `state_bucket` and `state_key` (environment {env}), so its outputs cannot be read"),
                    ));
                }
                if !runs_after(targets, &target.name, &source) {
                    return Err(loader.error(
                        key,
                        format!("{placeholder}: `{}` must run after `{source}` to read its outputs: add \"{source}\" to targets.{}.after", target.name, target.name),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether `name` runs after `other`, directly or through other targets.
fn runs_after(targets: &[Target], name: &str, other: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo = vec![name];
    while let Some(n) = todo.pop() {
        let Some(t) = targets.iter().find(|t| t.name == n) else {
            continue;
        };
        for a in &t.after {
            if a == other {
                return true;
            }
            if seen.insert(a.as_str()) {
                todo.push(a);
            }
        }
    }
    false
}
