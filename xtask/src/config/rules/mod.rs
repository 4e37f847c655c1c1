//! What AWS, git and docker accept as names and values, checked when deploy.toml
//! loads (and again once `{TARGET.OUTPUT}` is filled) and when flags are
//! parsed, so a value they would refuse never gets as far as an AWS call or a
//! lock. Each rule says where it comes from: the API reference and botocore's
//! model of it (lengths and patterns), or the tool's own documentation. Each
//! returns what was expected, in words, for the one-line error.
//!
//! `mod.rs` holds the table of which key meets which rule and the checks
//! around it; `names.rs` the naming rules (AWS, git, docker, DNS); `values.rs`
//! the rules for other values (header values, URLs, paths, commands,
//! durations).

mod names;
mod values;

pub use names::*;
pub use values::*;

use regex::Regex;

/// Builds one of the rules' patterns (all are literals, checked by the tests).
fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("a valid pattern")
}

/// Whether `value` still holds a `{TARGET.OUTPUT}`: such a value is checked
/// once it is filled (`plan::outputs`).
pub fn pending(value: &str) -> bool {
    super::template::placeholders(value)
        .unwrap_or_default()
        .iter()
        .any(|name| name.contains('.'))
}

/// A rule: what was expected when `value` breaks it.
pub type Rule = fn(&str) -> Result<(), String>;

/// `rule` on the value of `key` (below the target's table), unless a
/// placeholder in it is still to be filled: the key and the message.
pub fn check(key: &str, value: &str, rule: Rule) -> Result<(), (String, String)> {
    if pending(value) {
        return Ok(());
    }
    rule(value).map_err(|m| (key.to_string(), m))
}

/// The rule a target's string setting meets, by its key below the target's
/// table as deploy.toml names it (`cluster`, `cache[0].cache_control`,
/// `alarms[2]`, `docker_build_args.APP_ENV`): one table for deploy.toml as it
/// loads and for the values `{TARGET.OUTPUT}` fills.
pub fn for_key(key: &str) -> Option<Rule> {
    Some(match shape(key).as_str() {
        "cluster" => ecs_cluster,
        "service" => ecs_service,
        "container" | "before_rollout.container" => ecs_container,
        "ecr_repository" => ecr_repository,
        "dockerfile" | "docker_context" | "build_dir" | "dir" => repo_path,
        "docker_target" => docker_stage,
        "docker_platform" => docker_platform,
        "docker_build_args.*" | "build_env.*" | "before_rollout.command[]" => process_text,
        "build" => command,
        "verify.url" => http_url,
        "alarms[]" => alarm_name,
        "bucket" | "state_bucket" => s3_bucket,
        "state_key" => s3_key,
        "distribution" => distribution_id,
        "cache[].glob" => path_glob,
        "cache[].cache_control" => header_value,
        "preview_bucket" => preview_bucket,
        "preview_domain" => preview_domain,
        "preview_zone_id" => hosted_zone_id,
        "preview_certificate_arn" => acm_certificate_arn,
        _ => return None,
    })
}

/// A key without its indexes and map keys: `cache[]`, `build_env.*`.
fn shape(key: &str) -> String {
    let mut shape = String::new();
    let mut rest = key;
    while let Some(open) = rest.find('[') {
        shape.push_str(&rest[..=open]);
        rest = rest[open..]
            .find(']')
            .map_or("", |close| &rest[open + close..]);
    }
    shape.push_str(rest);
    match shape.split_once('.') {
        Some((map @ ("docker_build_args" | "build_env" | "vars"), _)) => format!("{map}.*"),
        _ => shape,
    }
}

/// The keys whose values are paths inside the repository.
fn is_path(key: &str) -> bool {
    matches!(
        shape(key).as_str(),
        "dockerfile" | "docker_context" | "build_dir" | "dir"
    )
}

/// [`for_key`]'s rule on `value`, as deploy.toml loads. A value still holding
/// a `{TARGET.OUTPUT}` is checked once filled; a path is checked now too,
/// with each placeholder as one folder, so `../{shared.x}` is refused here.
pub fn check_key(key: &str, value: &str) -> Result<(), (String, String)> {
    let Some(rule) = for_key(key) else {
        return Ok(());
    };
    if is_path(key) && pending(value) {
        let mut template = value.to_string();
        for name in super::template::placeholders(value).unwrap_or_default() {
            template = template.replace(&format!("{{{name}}}"), "x");
        }
        return repo_path(&template).map_err(|m| (key.to_string(), m));
    }
    check(key, value, rule)
}

/// A setting `{TARGET.OUTPUT}` filled, by [`for_key`]'s rule: each string,
/// each item of a list (alarms: at most [`MAX_ALARMS`]); for a path (made
/// absolute before it was filled), each output's text in it, `parts`, by
/// [`path_part`]. The key (with an item's index) and the message.
pub fn check_filled(
    key: &str,
    slot: &super::outputs::Slot<'_>,
    parts: &[&str],
) -> Result<(), (String, String)> {
    use super::outputs::Slot;
    let at = |key: &str, value: &str, rule: Rule| rule(value).map_err(|m| (key.to_string(), m));
    match slot {
        Slot::Text(value) => match for_key(key) {
            Some(rule) => at(key, value, rule),
            None => Ok(()),
        },
        Slot::List(items) => {
            if key == "alarms" && items.len() > MAX_ALARMS {
                return Err((key.to_string(), too_many_alarms(items.len())));
            }
            for (i, item) in items.iter().enumerate() {
                let key = format!("{key}[{i}]");
                if let Some(rule) = for_key(&key) {
                    at(&key, item, rule)?;
                }
            }
            Ok(())
        }
        Slot::Path(_) => parts.iter().try_for_each(|p| at(key, p, path_part)),
        Slot::Value(_) => Ok(()),
    }
}

/// What a list of more alarms than DescribeAlarms reads is told.
pub fn too_many_alarms(count: usize) -> String {
    format!(
        "expected at most {MAX_ALARMS} alarms (what CloudWatch's DescribeAlarms reads at once), got {count}"
    )
}

/// A preview's name with `{pr}`: it must hold `{pr}` (else every pull request
/// would share one preview), and with a PR number be what `rule` takes.
fn with_pr(template: &str, rule: Rule) -> Result<(), String> {
    if !template.contains("{pr}") {
        return Err(format!(
            "expected {{pr}} in it (each pull request gets its own), {}",
            got(template)
        ));
    }
    let filled = template.replace("{pr}", "1");
    if pending(&filled) {
        return Ok(());
    }
    rule(&filled)
}

fn preview_bucket(template: &str) -> Result<(), String> {
    with_pr(template, s3_bucket)
}

fn preview_domain(template: &str) -> Result<(), String> {
    with_pr(template, dns_name)
}

/// `got "..."`, shortened: a message stays one line however long the value.
fn got(value: &str) -> String {
    let shown: String = value.chars().take(80).collect();
    let more = if shown.len() < value.len() { "…" } else { "" };
    format!("got {shown:?}{more}")
}

fn control(value: &str) -> bool {
    value.chars().any(char::is_control)
}

#[cfg(test)]
mod tests;
