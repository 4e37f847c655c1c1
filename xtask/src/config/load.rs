//! Loading deploy.toml: parse, check, and resolve every target for every
//! environment (overrides merged, placeholders filled, typed by its kind), so a
//! bad file fails before anything else runs, naming the key.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

use path_filter::PathFilter;

use super::{
    network, notify, outputs, rules, template, topo, Config, ConfigError, Environment, Project,
    Target, TargetKind, TargetSettings,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) project: Project,
    pub(super) environments: BTreeMap<String, Environment>,
    pub(super) targets: BTreeMap<String, toml::Table>,
    /// `[notify]`, checked and resolved by `notify.rs`.
    #[serde(default)]
    pub(super) notify: Option<toml::Table>,
}

/// Keys every target has; the rest are kind-specific settings.
const COMMON_KEYS: [&str; 4] = ["kind", "paths", "after", "env"];

pub(super) struct Loader<'a> {
    pub(super) file: &'a Path,
}

impl Loader<'_> {
    pub(super) fn error(&self, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            key: key.into(),
            message: message.into(),
        }
    }

    pub(super) fn parse(&self, text: &str) -> Result<Config, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            self.error(
                format!("line {line}, column {col}"),
                e.message().trim().replace('\n', " "),
            )
        })?;
        let raw: RawConfig = self.typed("", toml::Value::Table(table))?;

        if raw.environments.is_empty() {
            return Err(self.error(
                "environments",
                "expected at least one [environments.NAME] table",
            ));
        }
        for name in raw.environments.keys() {
            check_name(name).map_err(|m| self.error(format!("environments.{name}"), m))?;
        }
        self.check_templates(
            "project.state_bucket",
            &raw.project.state_bucket,
            Allowed::Everywhere,
        )?;
        self.check_project(&raw)?;
        if let Some(toolkit) = &raw.project.toolkit {
            check_toolkit(toolkit).map_err(|m| self.error("project.toolkit", m))?;
        }
        if let Some(env) = &raw.project.preview_environment {
            if !raw.environments.contains_key(env) {
                return Err(self.error("project.preview_environment", unknown_env(env, &raw)));
            }
        }
        if raw.targets.is_empty() {
            return Err(self.error("targets", "expected at least one [targets.NAME] table"));
        }

        let names: Vec<&String> = raw.targets.keys().collect();
        let mut targets = Vec::new();
        for (name, table) in &raw.targets {
            targets.push(self.target(name, table, &raw, &names)?);
        }
        let order = topo::run_order(&targets).map_err(|cycle| {
            self.error(
                format!("targets.{}.after", cycle[0]),
                format!("`after` makes a cycle: {}", cycle.join(" → ")),
            )
        })?;
        let mut by_name: BTreeMap<String, Target> =
            targets.into_iter().map(|t| (t.name.clone(), t)).collect();
        let targets: Vec<Target> = order
            .iter()
            .map(|n| {
                by_name
                    .remove(n)
                    .expect("ordered names come from the targets")
            })
            .collect();

        network::check(self, &targets, &raw)?;
        outputs::check(self, &targets)?;
        let notify = notify::resolve(self, raw.notify.as_ref(), &raw.environments)?;

        Ok(Config {
            file: self.file.to_path_buf(),
            project: raw.project,
            environments: raw.environments,
            targets,
            notify,
        })
    }

    fn target(
        &self,
        name: &str,
        table: &toml::Table,
        raw: &RawConfig,
        all: &[&String],
    ) -> Result<Target, ConfigError> {
        let key = format!("targets.{name}");
        check_name(name).map_err(|m| self.error(&key, m))?;
        let kind = self.kind(&key, table)?;
        let patterns: Vec<String> = match table.get("paths") {
            Some(v) => self.typed(&format!("{key}.paths"), v.clone())?,
            None => {
                return Err(self.error(
                    format!("{key}.paths"),
                    "missing; expected a list of path patterns, e.g. [\"api/**\"]",
                ))
            }
        };
        let paths = PathFilter::new(&patterns)
            .map_err(|e| self.error(format!("{key}.paths"), e.to_string()))?;
        let after = self.after(name, &key, table, all)?;

        let base: toml::Table = table
            .iter()
            .filter(|(k, _)| !COMMON_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.check_table_templates(&key, &base)?;
        let overrides = self.overrides(&key, table, raw)?;
        let mut settings = BTreeMap::new();
        for env in raw.environments.keys() {
            let resolved = self.resolve(&key, kind, &base, overrides.get(env), env, raw)?;
            settings.insert(env.clone(), resolved);
        }
        Ok(Target {
            name: name.to_string(),
            kind,
            paths,
            after,
            settings,
        })
    }

    fn kind(&self, key: &str, table: &toml::Table) -> Result<TargetKind, ConfigError> {
        let kind_name = match table.get("kind") {
            Some(toml::Value::String(s)) => s.as_str(),
            Some(other) => {
                return Err(self.error(
                    format!("{key}.kind"),
                    format!("expected a string, found {}", other.type_str()),
                ))
            }
            None => {
                return Err(self.error(
                    format!("{key}.kind"),
                    "missing; expected one of `ecs`, `static-site`, `terraform`",
                ))
            }
        };
        TargetKind::ALL
            .iter()
            .find(|(n, _)| *n == kind_name)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                self.error(
                    format!("{key}.kind"),
                    format!("unknown kind `{kind_name}`; expected one of `ecs`, `static-site`, `terraform`"),
                )
            })
    }

    fn after(
        &self,
        name: &str,
        key: &str,
        table: &toml::Table,
        all: &[&String],
    ) -> Result<Vec<String>, ConfigError> {
        let after: Vec<String> = match table.get("after") {
            Some(v) => self.typed(&format!("{key}.after"), v.clone())?,
            None => Vec::new(),
        };
        for dep in &after {
            if dep == name {
                return Err(self.error(
                    format!("{key}.after"),
                    format!("`{name}` cannot run after itself"),
                ));
            }
            if !all.contains(&dep) {
                return Err(self.error(
                    format!("{key}.after"),
                    format!(
                        "unknown target `{dep}` (expected one of: {})",
                        all.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Ok(after)
    }

    /// `[targets.NAME.env.ENV]` tables: known environments, no common keys.
    fn overrides(
        &self,
        key: &str,
        table: &toml::Table,
        raw: &RawConfig,
    ) -> Result<BTreeMap<String, toml::Table>, ConfigError> {
        let overrides: BTreeMap<String, toml::Table> = match table.get("env") {
            Some(v) => self.typed(&format!("{key}.env"), v.clone())?,
            None => BTreeMap::new(),
        };
        for (env, over) in &overrides {
            let okey = format!("{key}.env.{env}");
            if !raw.environments.contains_key(env) {
                return Err(self.error(okey, unknown_env(env, raw)));
            }
            if let Some(k) = over.keys().find(|k| COMMON_KEYS.contains(&k.as_str())) {
                return Err(self.error(
                    format!("{okey}.{k}"),
                    "`kind`, `paths`, `after` and `env` are the same in every environment and cannot be overridden",
                ));
            }
            self.check_table_templates(&okey, over)?;
        }
        Ok(overrides)
    }

    /// A target's settings for one environment: its keys with the
    /// environment's overrides, placeholders filled, typed by its kind and
    /// checked. An error names the key where the value came from.
    fn resolve(
        &self,
        key: &str,
        kind: TargetKind,
        base: &toml::Table,
        over: Option<&toml::Table>,
        env: &str,
        raw: &RawConfig,
    ) -> Result<TargetSettings, ConfigError> {
        let environment = &raw.environments[env];
        let mut merged = base.clone();
        if let Some(over) = over {
            merged.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let region = environment.region.as_deref().unwrap_or(&raw.project.region);
        let values = [
            ("env", env),
            ("project", raw.project.name.as_str()),
            ("region", region),
        ];
        let value = toml::Value::Table(fill_table(merged, &values));
        let resolved = (|| -> Result<TargetSettings, (String, String)> {
            Ok(match kind {
                TargetKind::Ecs => TargetSettings::Ecs(typed_at(value)?),
                TargetKind::StaticSite => TargetSettings::StaticSite(typed_at(value)?),
                TargetKind::Terraform => TargetSettings::Terraform(typed_at(value)?),
            })
        })();
        let settings = resolved.map_err(|(path, message)| {
            let first = path.split(['.', '[']).next().unwrap_or("");
            let from_override = over.is_some_and(|o| o.contains_key(first));
            let prefix = if from_override {
                format!("{key}.env.{env}")
            } else {
                key.to_string()
            };
            let full = if path.is_empty() {
                prefix
            } else {
                format!("{prefix}.{path}")
            };
            let message = if over.is_some() && !from_override {
                format!("{message} (environment {env})")
            } else {
                message
            };
            self.error(full, message)
        })?;
        settings.check().map_err(|(path, message)| {
            // Named where the value came from: the environment's override,
            // or the target's table (for this environment).
            let first = path.split(['.', '[']).next().unwrap_or("");
            match over {
                Some(o) if o.contains_key(first) => {
                    self.error(format!("{key}.env.{env}.{path}"), message)
                }
                Some(_) => self.error(
                    format!("{key}.{path}"),
                    format!("{message} (environment {env})"),
                ),
                None => self.error(format!("{key}.{path}"), message),
            }
        })?;
        Ok(settings)
    }

    /// `[project]` and `[environments.*]` values AWS, git and the generated
    /// workflows would refuse; the state bucket as each environment names it.
    fn check_project(&self, raw: &RawConfig) -> Result<(), ConfigError> {
        let project = &raw.project;
        let at =
            |key: &str, value: &str, rule: rules::Rule| rule(value).map_err(|m| self.error(key, m));
        at("project.name", &project.name, rules::project_name)?;
        at("project.region", &project.region, rules::region)?;
        if let Some(b) = &project.default_branch {
            at("project.default_branch", b, rules::git_branch)?;
        }
        for (name, env) in &raw.environments {
            let key = |k: &str| format!("environments.{name}.{k}");
            if let Some(b) = &env.branch {
                at(&key("branch"), b, rules::git_branch)?;
            }
            if let Some(r) = &env.region {
                at(&key("region"), r, rules::region)?;
            }
            if let Some(a) = &env.aws_role_arn {
                at(&key("aws_role_arn"), a, rules::iam_role_arn)?;
            }
            if let Some(a) = &env.aws_readonly_role_arn {
                at(&key("aws_readonly_role_arn"), a, rules::iam_role_arn)?;
            }
            let region = env.region.as_deref().unwrap_or(&project.region);
            let bucket = template::fill(
                &project.state_bucket,
                &[
                    ("env", name.as_str()),
                    ("project", project.name.as_str()),
                    ("region", region),
                ],
            );
            rules::s3_bucket(&bucket).map_err(|m| {
                self.error("project.state_bucket", format!("{m} (environment {name})"))
            })?;
        }
        Ok(())
    }

    /// Deserializes `value`, naming the key path of any error.
    pub(super) fn typed<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        value: toml::Value,
    ) -> Result<T, ConfigError> {
        typed_at(value).map_err(|(path, message)| {
            let full = match (key.is_empty(), path.is_empty()) {
                (true, _) => path,
                (false, true) => key.to_string(),
                (false, false) => format!("{key}.{path}"),
            };
            self.error(
                if full.is_empty() {
                    "(top level)".into()
                } else {
                    full
                },
                message,
            )
        })
    }

    fn check_table_templates(&self, key: &str, table: &toml::Table) -> Result<(), ConfigError> {
        for (k, v) in table {
            let allowed = Allowed::InTarget {
                preview: k.starts_with("preview_"),
            };
            let mut strings = Vec::new();
            collect_strings(&format!("{key}.{k}"), v, &mut strings);
            for (path, s) in strings {
                self.check_templates(&path, s, allowed)?;
            }
        }
        Ok(())
    }

    fn check_templates(&self, key: &str, value: &str, allowed: Allowed) -> Result<(), ConfigError> {
        let names = template::placeholders(value).map_err(|m| self.error(key, m))?;
        for name in names {
            let known = template::EVERYWHERE.contains(&name)
                || match allowed {
                    Allowed::Everywhere => false,
                    // `{TARGET.OUTPUT}` is checked once every target is known
                    // (`outputs.rs`).
                    Allowed::InTarget { preview } => {
                        name.contains('.') || (preview && name == template::PR)
                    }
                };
            if !known {
                return Err(self.error(
                    key,
                    format!("unknown placeholder {{{name}}}; expected {{env}}, {{project}} or {{region}} ({{pr}} only in preview_* fields, {{TARGET.OUTPUT}} only in targets)"),
                ));
            }
        }
        Ok(())
    }
}

/// Which placeholders a value may use besides `{env}`, `{project}` and `{region}`.
#[derive(Clone, Copy)]
enum Allowed {
    /// None (the project's keys).
    Everywhere,
    /// A target's keys: `{TARGET.OUTPUT}`, and `{pr}` in `preview_*` keys.
    InTarget { preview: bool },
}

fn unknown_env(env: &str, raw: &RawConfig) -> String {
    let known: Vec<&str> = raw.environments.keys().map(String::as_str).collect();
    format!(
        "unknown environment `{env}` (expected one of: {})",
        known.join(", ")
    )
}

/// Deserializes a TOML value; on error, the key path inside it and the message.
fn typed_at<T: serde::de::DeserializeOwned>(value: toml::Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let mut message = e.inner().to_string().trim().replace('\n', " ");
        // The value deserializer appends " in `key`": the key is already named.
        if let Some(i) = message.rfind(" in `").filter(|_| message.ends_with('`')) {
            message.truncate(i);
        }
        (path, message)
    })
}

fn collect_strings<'a>(path: &str, value: &'a toml::Value, out: &mut Vec<(String, &'a str)>) {
    match value {
        toml::Value::String(s) => out.push((path.to_string(), s)),
        toml::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_strings(&format!("{path}[{i}]"), v, out);
            }
        }
        toml::Value::Table(t) => {
            for (k, v) in t {
                collect_strings(&format!("{path}.{k}"), v, out);
            }
        }
        _ => {}
    }
}

fn fill_table(table: toml::Table, values: &[(&str, &str)]) -> toml::Table {
    fn fill(v: toml::Value, values: &[(&str, &str)]) -> toml::Value {
        match v {
            toml::Value::String(s) => toml::Value::String(template::fill(&s, values)),
            toml::Value::Array(items) => {
                toml::Value::Array(items.into_iter().map(|v| fill(v, values)).collect())
            }
            toml::Value::Table(t) => toml::Value::Table(fill_table(t, values)),
            other => other,
        }
    }
    table
        .into_iter()
        .map(|(k, v)| (k, fill(v, values)))
        .collect()
}

/// Target and environment names end up in resource names, file names and
/// workflow names: keep them plain.
/// A folder inside the repository, written the same on every machine: the
/// generated workflows put it in paths and cache keys.
fn check_toolkit(dir: &str) -> Result<(), String> {
    let ok = !dir.is_empty()
        && !dir.starts_with('/')
        && !dir.ends_with('/')
        && dir.split('/').all(|part| {
            !part.is_empty()
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if ok {
        Ok(())
    } else {
        Err(format!("`{dir}`: expected a folder relative to the repository root, such as `tools/deploy` (`/`-separated; letters, digits, `-`, `_`, `.`; no `..`)"))
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "name `{name}` must start with a lowercase letter and hold only a-z, 0-9, `-` and `_`"
        ))
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
