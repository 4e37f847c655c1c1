//! `{TARGET.OUTPUT}` in a target's strings: an output of a terraform target,
//! read from that target's state in S3 when the target runs (see
//! `crate::shared_outputs`), e.g. `cluster = "{shared.ecs_cluster_name}"`.
//!
//! Checked when the file loads: TARGET is another terraform target that has
//! `state_bucket` and `state_key` in that environment and that this target runs
//! after (directly or not), and OUTPUT is one of the single-valued outputs the
//! shared stack declares ([`shared_infra::SCALAR_OUTPUTS`]).

use std::collections::BTreeSet;

use super::{template, ConfigError, Loader, Target, TargetSettings};

/// Every `(key path, TARGET, OUTPUT)` in a value's strings.
pub fn references(value: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    walk("", value, &mut |path, s| {
        for name in template::placeholders(s).unwrap_or_default() {
            if let Some((target, output)) = name.split_once('.') {
                found.push((path.to_string(), target.to_string(), output.to_string()));
            }
        }
    });
    found
}

/// Calls `f` with each string in `value` and its key path (`cache[0].glob`).
pub fn walk(path: &str, value: &serde_json::Value, f: &mut impl FnMut(&str, &str)) {
    match value {
        serde_json::Value::String(s) => f(path, s),
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(&format!("{path}[{i}]"), v, f);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(&path, v, f);
            }
        }
        _ => {}
    }
}

pub(super) fn check(loader: &Loader<'_>, targets: &[Target]) -> Result<(), ConfigError> {
    for target in targets {
        for (env, settings) in &target.settings {
            let value = serde_json::to_value(settings).expect("plain data serializes");
            for (path, source, output) in references(&value) {
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
                if !shared_infra::SCALAR_OUTPUTS.contains(&output.as_str()) {
                    return Err(loader.error(
                        key,
                        format!(
                            "{placeholder}: unknown output `{output}` (expected one of: {})",
                            shared_infra::SCALAR_OUTPUTS.join(", ")
                        ),
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
