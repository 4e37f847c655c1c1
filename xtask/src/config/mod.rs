//! `deploy.toml`: the monorepo's project, environments and targets.
//!
//! Loading validates everything a later step would trip over (unknown keys, wrong
//! types, unknown targets in `after`, cycles, bad path patterns, unknown
//! environments in overrides, unknown placeholders) and resolves each target's
//! settings for every environment up front, so a bad file fails before anything
//! else runs, with the file, the key and what was expected.

pub mod diff;
mod network;
pub(crate) mod outputs;
mod template;
mod topo;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use path_filter::PathFilter;

/// A config problem: which file, which key, what was expected. Always bad input.
#[derive(Debug, thiserror::Error)]
#[error("{}: {key}: {message}", file.display())]
pub struct ConfigError {
    pub file: PathBuf,
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    pub region: String,
    /// Holds the ledger, release manifests and locks; usually per environment.
    pub state_bucket: String,
    /// The branch `plan --changed` compares feature branches with; found from
    /// `origin/HEAD`, `main` or `master` when absent.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// The environment PR previews deploy into (its account, region and role).
    #[serde(default)]
    pub preview_environment: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The git branch whose pushes deploy to this environment; an environment
    /// without one (e.g. `local`) gets no generated workflows.
    #[serde(default)]
    pub branch: Option<String>,
    /// Overrides `project.region`.
    #[serde(default)]
    pub region: Option<String>,
    /// The IAM role GitHub Actions assumes (OIDC) to deploy here; without it the
    /// generated workflows read the GitHub environment's `AWS_ROLE_ARN` variable.
    #[serde(default)]
    pub aws_role_arn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Ecs,
    StaticSite,
    Terraform,
}

impl TargetKind {
    const ALL: [(&'static str, TargetKind); 3] = [
        ("ecs", TargetKind::Ecs),
        ("static-site", TargetKind::StaticSite),
        ("terraform", TargetKind::Terraform),
    ];
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::ALL.iter().find(|(_, k)| k == self).expect("listed").0;
        f.write_str(name)
    }
}

/// An ECS service running one container image from ECR.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EcsTarget {
    pub cluster: String,
    pub service: String,
    /// The container in the task definition whose image a deploy swaps.
    pub container: String,
    /// The ECR repository of that image; the tag comes from `--image-tag` or the
    /// head commit.
    pub ecr_repository: String,
    /// The Dockerfile, relative to the repository root: a deploy whose tag is not
    /// in ECR yet builds the image with `docker build` and pushes it first. None:
    /// something else pushes the image.
    #[serde(default)]
    pub dockerfile: Option<String>,
    /// The build context, relative to the repository root [default: the root].
    #[serde(default)]
    pub docker_context: Option<String>,
    /// The Dockerfile stage to build (`docker build --target`).
    #[serde(default)]
    pub docker_target: Option<String>,
    /// The platform to build for (`docker build --platform`), e.g. `linux/arm64`
    /// for Graviton tasks [default: `linux/amd64`, Fargate's default, so a
    /// build on an ARM laptop still runs there].
    #[serde(default)]
    pub docker_platform: Option<String>,
    /// `docker build --build-arg NAME=VALUE` for each entry.
    #[serde(default)]
    pub docker_build_args: BTreeMap<String, String>,
}

/// A static build uploaded to S3 behind CloudFront.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StaticSiteTarget {
    /// The build output folder, relative to the repository root.
    pub build_dir: String,
    pub bucket: String,
    /// The CloudFront distribution id in front of the bucket.
    #[serde(default)]
    pub distribution: Option<String>,
    /// Cache-Control by the first matching rule.
    #[serde(default)]
    pub cache: Vec<CacheRule>,
    /// PR previews: the bucket name, with `{pr}`.
    #[serde(default)]
    pub preview_bucket: Option<String>,
    /// PR previews: the domain name, with `{pr}`.
    #[serde(default)]
    pub preview_domain: Option<String>,
    /// PR previews: the Route53 hosted zone for `preview_domain`'s alias record
    /// (e.g. `{shared.hosted_zone_id}`); without it, previews use the
    /// distribution's own `*.cloudfront.net` name.
    #[serde(default)]
    pub preview_zone_id: Option<String>,
    /// PR previews: an ACM certificate (in us-east-1) for `preview_domain`.
    #[serde(default)]
    pub preview_certificate_arn: Option<String>,
    /// The command that builds `build_dir`, run with `sh -c` at the repository
    /// root before each deploy (and preview); none: `build_dir` is deployed as it is.
    #[serde(default)]
    pub build: Option<String>,
    /// Variables for `build`, e.g. the API URL the build bakes in; set them per
    /// environment (`[targets.web.env.staging] build_env = {...}`): previews
    /// build with the preview environment's.
    #[serde(default)]
    pub build_env: BTreeMap<String, String>,
    /// Upload dotfiles and dot-folders too (`.well-known/` always is).
    #[serde(default)]
    pub include_hidden: bool,
    /// How many releases a non-HTML file that left the build stays in the
    /// bucket, so tabs still open on an older release can load its chunks.
    #[serde(default = "default_grace_releases")]
    pub grace_releases: u32,
    /// A deploy or rollback that would delete more objects is refused
    /// (`--max-deletes N` allows it once).
    #[serde(default = "default_max_deletes")]
    pub max_deletes: usize,
    /// Past this many changed paths, one invalidation of `/*`.
    #[serde(default = "default_invalidation_max_paths")]
    pub invalidation_max_paths: usize,
}

fn default_grace_releases() -> u32 {
    web_deployer::SiteSettings::DEFAULT_GRACE_RELEASES
}

fn default_max_deletes() -> usize {
    web_deployer::SiteSettings::DEFAULT_MAX_DELETES
}

fn default_invalidation_max_paths() -> usize {
    web_deployer::SiteSettings::DEFAULT_INVALIDATION_MAX_PATHS
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CacheRule {
    /// A path pattern with the same rules as `paths`, relative to `build_dir`.
    pub glob: String,
    pub cache_control: String,
}

/// A Terraform root module, applied only with approval.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TerraformTarget {
    /// The root module's folder, relative to the repository root.
    pub dir: String,
    /// Whether `apply` needs an explicit approval.
    #[serde(default = "yes")]
    pub approval: bool,
    /// Where the stack keeps its state, so others can read its outputs.
    #[serde(default)]
    pub state_bucket: Option<String>,
    #[serde(default)]
    pub state_key: Option<String>,
    /// The network plan, all four or none (checked in `network.rs`): the VPC's
    /// CIDR block, its availability zones, and one public and one private
    /// subnet per zone, in the order of `azs`.
    #[serde(default)]
    pub vpc_cidr: Option<String>,
    #[serde(default)]
    pub azs: Option<Vec<String>>,
    #[serde(default)]
    pub public_subnets: Option<Vec<String>>,
    #[serde(default)]
    pub private_subnets: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}

/// A target's settings for one environment, templates filled.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TargetSettings {
    Ecs(EcsTarget),
    StaticSite(StaticSiteTarget),
    Terraform(TerraformTarget),
}

#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub kind: TargetKind,
    pub paths: PathFilter,
    /// Targets that must finish first.
    pub after: Vec<String>,
    /// Resolved settings per environment name.
    pub settings: BTreeMap<String, TargetSettings>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub file: PathBuf,
    pub project: Project,
    pub environments: BTreeMap<String, Environment>,
    /// In run order: each target after everything it runs `after`.
    pub targets: Vec<Target>,
}

impl Config {
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// The environment names, for messages.
    pub fn environment_names(&self) -> String {
        self.environments
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn region(&self, env: &str) -> &str {
        self.environments
            .get(env)
            .and_then(|e| e.region.as_deref())
            .unwrap_or(&self.project.region)
    }

    pub fn state_bucket(&self, env: &str) -> String {
        template::fill(&self.project.state_bucket, &self.values(env))
    }

    fn values<'a>(&'a self, env: &'a str) -> [(&'a str, &'a str); 3] {
        [
            ("env", env),
            ("project", &self.project.name),
            ("region", self.region(env)),
        ]
    }

    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            key: "(file)".into(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(file, &text)
    }

    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        Loader { file }.parse(text)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    project: Project,
    environments: BTreeMap<String, Environment>,
    targets: BTreeMap<String, toml::Table>,
}

/// Keys every target has; the rest are kind-specific settings.
const COMMON_KEYS: [&str; 4] = ["kind", "paths", "after", "env"];

struct Loader<'a> {
    file: &'a Path,
}

impl Loader<'_> {
    fn error(&self, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            key: key.into(),
            message: message.into(),
        }
    }

    fn parse(&self, text: &str) -> Result<Config, ConfigError> {
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
            false,
            false,
        )?;
        if let Some(env) = &raw.project.preview_environment {
            if !raw.environments.contains_key(env) {
                return Err(self.error(
                    "project.preview_environment",
                    format!(
                        "unknown environment `{env}` (expected one of: {})",
                        raw.environments
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
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

        Ok(Config {
            file: self.file.to_path_buf(),
            project: raw.project,
            environments: raw.environments,
            targets,
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
        let kind = TargetKind::ALL
            .iter()
            .find(|(n, _)| *n == kind_name)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                self.error(
                    format!("{key}.kind"),
                    format!("unknown kind `{kind_name}`; expected one of `ecs`, `static-site`, `terraform`"),
                )
            })?;

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

        let base: toml::Table = table
            .iter()
            .filter(|(k, _)| !COMMON_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.check_table_templates(&key, &base)?;

        let overrides: BTreeMap<String, toml::Table> = match table.get("env") {
            Some(v) => self.typed(&format!("{key}.env"), v.clone())?,
            None => BTreeMap::new(),
        };
        for (env, over) in &overrides {
            let okey = format!("{key}.env.{env}");
            if !raw.environments.contains_key(env) {
                return Err(self.error(
                    okey,
                    format!(
                        "unknown environment `{env}` (expected one of: {})",
                        raw.environments
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if let Some(k) = over.keys().find(|k| COMMON_KEYS.contains(&k.as_str())) {
                return Err(self.error(
                    format!("{okey}.{k}"),
                    "`kind`, `paths`, `after` and `env` are the same in every environment and cannot be overridden",
                ));
            }
            self.check_table_templates(&okey, over)?;
        }

        let mut settings = BTreeMap::new();
        for (env, environment) in &raw.environments {
            let over = overrides.get(env);
            let mut merged = base.clone();
            if let Some(over) = over {
                merged.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            let region = environment.region.as_deref().unwrap_or(&raw.project.region);
            let values = [
                ("env", env.as_str()),
                ("project", raw.project.name.as_str()),
                ("region", region),
            ];
            let merged = fill_table(merged, &values);
            let value = toml::Value::Table(merged);
            let resolved = (|| -> Result<TargetSettings, (String, String)> {
                Ok(match kind {
                    TargetKind::Ecs => TargetSettings::Ecs(typed_at(value)?),
                    TargetKind::StaticSite => TargetSettings::StaticSite(typed_at(value)?),
                    TargetKind::Terraform => TargetSettings::Terraform(typed_at(value)?),
                })
            })();
            let resolved = resolved.map_err(|(path, message)| {
                let first = path.split(['.', '[']).next().unwrap_or("");
                let from_override = over.is_some_and(|o| o.contains_key(first));
                let prefix = if from_override {
                    format!("{key}.env.{env}")
                } else {
                    key.clone()
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
            if let TargetSettings::Terraform(tf) = &resolved {
                if tf.state_bucket.is_some() != tf.state_key.is_some() {
                    return Err(self.error(
                        format!("{key}.state_key"),
                        "`state_bucket` and `state_key` go together: give both or neither",
                    ));
                }
            }
            if let TargetSettings::StaticSite(site) = &resolved {
                for (i, rule) in site.cache.iter().enumerate() {
                    path_filter::single(&rule.glob)
                        .map_err(|e| self.error(format!("{key}.cache[{i}].glob"), e.to_string()))?;
                }
            }
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

    /// Deserializes `value`, naming the key path of any error.
    fn typed<T: serde::de::DeserializeOwned>(
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
            let allow_pr = k.starts_with("preview_");
            let mut strings = Vec::new();
            collect_strings(&format!("{key}.{k}"), v, &mut strings);
            for (path, s) in strings {
                self.check_templates(&path, s, allow_pr, true)?;
            }
        }
        Ok(())
    }

    /// `allow_outputs`: `{target.output}` may be used (checked once every target
    /// is known, in `outputs.rs`).
    fn check_templates(
        &self,
        key: &str,
        value: &str,
        allow_pr: bool,
        allow_outputs: bool,
    ) -> Result<(), ConfigError> {
        let names = template::placeholders(value).map_err(|m| self.error(key, m))?;
        for name in names {
            let known = template::EVERYWHERE.contains(&name)
                || (allow_pr && name == template::PR)
                || (allow_outputs && name.contains('.'));
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
