//! A planned target's settings in the plan's environment, resolved: the crates'
//! own settings structs, paths made absolute from the repository root, the
//! region, the network plan's tfvars and the stack's uncommitted files, so
//! nothing after the plan goes back to the config or the repository. The
//! `{TARGET.OUTPUT}` placeholders are the one thing left: filled between waves
//! (`outputs.rs`) through [`Settings::slots`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::outputs::Slot;
use crate::config::{Config, Env, TargetSettings};

/// A target's settings, by kind.
#[derive(Debug, Clone)]
pub enum Settings {
    Ecs(EcsSettings),
    StaticSite(SiteSettings),
    Terraform(StackSettings),
}

#[derive(Debug, Clone)]
pub struct EcsSettings {
    pub service: api::ServiceSettings,
    /// `dockerfile`: built and pushed when the tag is not in ECR yet.
    pub image_build: Option<ImageBuild>,
    pub before_rollout: Option<api::OneOffTask>,
    /// Its `poll_interval` is the default; a run sets its own.
    pub verify: Option<verify::VerifySettings>,
}

/// `docker build`'s inputs, relative to the repository root where it runs.
#[derive(Debug, Clone)]
pub struct ImageBuild {
    pub root: PathBuf,
    pub dockerfile: String,
    pub context: String,
    pub stage: Option<String>,
    pub platform: Option<String>,
    pub build_args: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct SiteSettings {
    pub site: web_deployer::SiteSettings,
    /// `build`: run before a deploy (and a preview).
    pub build: Option<BuildStep>,
    pub verify: Option<verify::VerifySettings>,
    pub preview: PreviewTemplate,
}

/// A target's build command, run with `sh -c` at the repository root.
#[derive(Debug, Clone)]
pub struct BuildStep {
    pub root: PathBuf,
    pub command: String,
    pub env: BTreeMap<String, String>,
}

/// The preview keys of a static site (`{pr}` still in place).
#[derive(Debug, Clone, Default)]
pub struct PreviewTemplate {
    pub bucket: Option<String>,
    pub domain: Option<String>,
    pub zone_id: Option<String>,
    pub certificate_arn: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StackSettings {
    pub stack: shared_infra::StackSettings,
    /// `vars`: the module's input variables.
    pub vars: shared_infra::Variables,
    /// The network plan's tfvars file as deploy.toml renders it (`ci generate`
    /// writes it; a deploy checks it).
    pub network_tfvars: Option<GeneratedFile>,
    /// Uncommitted files in the stack's folder when the plan was made: the
    /// plan Terraform makes is of the working tree, not of the commit.
    pub uncommitted: Option<Uncommitted>,
}

/// A file made from deploy.toml by `ci generate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the repository root, as shown.
    pub shown: String,
    pub path: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncommitted {
    /// The stack's folder as deploy.toml names it.
    pub dir: String,
    /// The paths, comma separated.
    pub paths: String,
}

impl Settings {
    /// `target`'s settings in `env`, resolved from the repository at `root`.
    pub fn resolve(
        config: &Config,
        target: &crate::config::Target,
        env: &Env,
        repo: &git2::Repository,
        root: &Path,
    ) -> Settings {
        match &target.settings[&env.name] {
            TargetSettings::Ecs(ecs) => Settings::Ecs(EcsSettings {
                service: ecs.service(),
                image_build: ecs.dockerfile.as_ref().map(|dockerfile| ImageBuild {
                    root: root.to_path_buf(),
                    dockerfile: dockerfile.clone(),
                    context: ecs.docker_context.clone().unwrap_or_else(|| ".".into()),
                    stage: ecs.docker_target.clone(),
                    platform: ecs.docker_platform.clone(),
                    build_args: ecs.docker_build_args.clone(),
                }),
                before_rollout: ecs.before_rollout(),
                verify: ecs.verification(DEFAULT_POLL),
            }),
            TargetSettings::StaticSite(site) => Settings::StaticSite(SiteSettings {
                site: site.site(root),
                build: site.build.as_ref().map(|command| BuildStep {
                    root: root.to_path_buf(),
                    command: command.clone(),
                    env: site.build_env.clone(),
                }),
                verify: site.verification(DEFAULT_POLL),
                preview: PreviewTemplate {
                    bucket: site.preview_bucket.clone(),
                    domain: site.preview_domain.clone(),
                    zone_id: site.preview_zone_id.clone(),
                    certificate_arn: site.preview_certificate_arn.clone(),
                },
            }),
            TargetSettings::Terraform(tf) => Settings::Terraform(StackSettings {
                stack: tf.stack(root, &env.region),
                vars: tf.vars.clone(),
                network_tfvars: config.network_tfvars(&target.name, &env.name).map(
                    |(relative, text)| GeneratedFile {
                        shown: relative.display().to_string(),
                        path: root.join(&relative),
                        text,
                    },
                ),
                uncommitted: uncommitted(repo, &tf.dir).map(|paths| Uncommitted {
                    dir: tf.dir.clone(),
                    paths,
                }),
            }),
        }
    }

    /// Every string setting with its key path (`cache[0].glob`), as deploy.toml
    /// names it, for filling `{TARGET.OUTPUT}`.
    pub fn slots(&mut self) -> Vec<(String, Slot<'_>)> {
        match self {
            Settings::Ecs(ecs) => ecs.slots(),
            Settings::StaticSite(site) => site.slots(),
            Settings::Terraform(tf) => tf.slots(),
        }
    }

    /// The verification after the rollout, when the kind has one.
    pub fn verify(&self) -> Option<&verify::VerifySettings> {
        match self {
            Settings::Ecs(ecs) => ecs.verify.as_ref(),
            Settings::StaticSite(site) => site.verify.as_ref(),
            Settings::Terraform(_) => None,
        }
    }
}

/// Until a run says how often it polls (`--poll-interval`).
const DEFAULT_POLL: std::time::Duration = std::time::Duration::from_secs(5);

impl EcsSettings {
    fn slots(&mut self) -> Vec<(String, Slot<'_>)> {
        let s = &mut self.service;
        let mut slots = vec![
            ("cluster".to_string(), Slot::Text(&mut s.cluster)),
            ("service".to_string(), Slot::Text(&mut s.service)),
            ("container".to_string(), Slot::Text(&mut s.container)),
            (
                "ecr_repository".to_string(),
                Slot::Text(&mut s.ecr_repository),
            ),
        ];
        if let Some(b) = &mut self.image_build {
            slots.push(("dockerfile".into(), Slot::Text(&mut b.dockerfile)));
            slots.push(("docker_context".into(), Slot::Text(&mut b.context)));
            for (key, value) in [
                ("docker_target", &mut b.stage),
                ("docker_platform", &mut b.platform),
            ] {
                if let Some(v) = value {
                    slots.push((key.to_string(), Slot::Text(v)));
                }
            }
            for (name, v) in &mut b.build_args {
                slots.push((format!("docker_build_args.{name}"), Slot::Text(v)));
            }
        }
        if let Some(task) = &mut self.before_rollout {
            slots.push((
                "before_rollout.command".into(),
                Slot::List(&mut task.command),
            ));
            slots.push((
                "before_rollout.container".into(),
                Slot::Text(&mut task.container),
            ));
        }
        slots.extend(verify_slots(&mut self.verify));
        slots
    }
}

impl SiteSettings {
    fn slots(&mut self) -> Vec<(String, Slot<'_>)> {
        let s = &mut self.site;
        let mut slots = vec![
            ("build_dir".to_string(), Slot::Path(&mut s.build_dir)),
            ("bucket".to_string(), Slot::Text(&mut s.bucket)),
        ];
        let p = &mut self.preview;
        for (key, value) in [
            ("distribution", &mut s.distribution_id),
            ("preview_bucket", &mut p.bucket),
            ("preview_domain", &mut p.domain),
            ("preview_zone_id", &mut p.zone_id),
            ("preview_certificate_arn", &mut p.certificate_arn),
        ] {
            if let Some(v) = value {
                slots.push((key.to_string(), Slot::Text(v)));
            }
        }
        if let Some(build) = &mut self.build {
            slots.push(("build".into(), Slot::Text(&mut build.command)));
            for (name, v) in &mut build.env {
                slots.push((format!("build_env.{name}"), Slot::Text(v)));
            }
        }
        for (i, rule) in s.cache_rules.iter_mut().enumerate() {
            slots.push((format!("cache[{i}].glob"), Slot::Text(&mut rule.glob)));
            slots.push((
                format!("cache[{i}].cache_control"),
                Slot::Text(&mut rule.cache_control),
            ));
        }
        slots.extend(verify_slots(&mut self.verify));
        slots
    }
}

impl StackSettings {
    fn slots(&mut self) -> Vec<(String, Slot<'_>)> {
        let mut slots = vec![("dir".to_string(), Slot::Path(&mut self.stack.dir))];
        if let Some(state) = &mut self.stack.state {
            slots.push(("state_bucket".into(), Slot::Text(&mut state.bucket)));
            slots.push(("state_key".into(), Slot::Text(&mut state.key)));
        }
        for (name, value) in &mut self.vars {
            slots.push((format!("vars.{name}"), Slot::Value(value)));
        }
        slots
    }
}

fn verify_slots(v: &mut Option<verify::VerifySettings>) -> Vec<(String, Slot<'_>)> {
    let mut slots = Vec::new();
    if let Some(v) = v {
        if let Some(smoke) = &mut v.smoke {
            slots.push(("verify.url".to_string(), Slot::Text(&mut smoke.url)));
        }
        if !v.alarms.is_empty() {
            slots.push(("alarms".to_string(), Slot::List(&mut v.alarms)));
        }
    }
    slots
}

/// The uncommitted (staged, unstaged or untracked) paths under `dir`, if any;
/// Terraform's own working folder `.terraform/` (never committed) aside.
fn uncommitted(repo: &git2::Repository, dir: &str) -> Option<String> {
    let mut opts = git2::StatusOptions::new();
    opts.pathspec(format!("{}/", dir.trim_end_matches('/')))
        .include_untracked(true)
        .recurse_untracked_dirs(true);
    let statuses = repo.statuses(Some(&mut opts)).ok()?;
    let paths: Vec<String> = statuses
        .iter()
        .filter(|e| !e.status().is_ignored())
        .filter_map(|e| e.path().map(str::to_owned))
        .filter(|p| !p.split('/').any(|c| c == ".terraform"))
        .collect();
    (!paths.is_empty()).then(|| paths.join(", "))
}
