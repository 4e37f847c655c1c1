//! Terraform stacks from `environments/<env>/` folders: one target per folder
//! holding them (`infra/network/environments/{staging,prod}` is `network`),
//! deployed from `dir = "infra/network/environments/{env}"`.
//!
//! Where it can tell, a stack runs `after` another: when one of its variables
//! has the name of the other's output (and no tfvars file of its own sets it),
//! the variable takes that output (`vars = { vpc_id = "{network.vpc_id}" }`);
//! when it reads the other's state with `terraform_remote_state`, by its key.

use std::collections::BTreeMap;
use std::path::Path;

use super::hcl::{self, Module};
use super::tree::{folder, join};
use super::{sanitize, Guess, GuessKind, Note};

/// Folder names that say nothing about what a stack holds.
const GENERIC: [&str; 11] = [
    "terraform",
    "tf",
    "infrastructure",
    "infra",
    "iac",
    "deploy",
    "deployment",
    "stacks",
    "stack",
    "live",
    "environments",
];

/// Variables too common to say that one stack takes another's output.
const COMMON: [&str; 10] = [
    "region",
    "aws_region",
    "env",
    "environment",
    "name",
    "project",
    "tags",
    "stage",
    "account_id",
    "default_tags",
];

/// A setting that is one template for every environment, or one value each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PerEnv {
    One(String),
    Each(Vec<(String, String)>),
}

impl PerEnv {
    fn for_env(&self, env: &str) -> Option<String> {
        match self {
            PerEnv::One(t) => Some(t.replace("{env}", env)),
            PerEnv::Each(values) => values
                .iter()
                .find(|(e, _)| e == env)
                .map(|(_, v)| v.clone()),
        }
    }

    /// From each environment's literal: one value, one template with
    /// `{env}`, or each its own.
    fn from(values: &[(String, String)]) -> PerEnv {
        if values.windows(2).all(|w| w[0].1 == w[1].1) {
            return PerEnv::One(values[0].1.clone());
        }
        let templates: Vec<String> = values
            .iter()
            .map(|(e, v)| v.replace(e.as_str(), "{env}"))
            .collect();
        if templates.windows(2).all(|w| w[0] == w[1]) && templates[0].contains("{env}") {
            return PerEnv::One(templates[0].clone());
        }
        PerEnv::Each(values.to_vec())
    }
}

#[derive(Debug, Clone)]
pub struct Stack {
    pub name: String,
    /// The folder holding `environments/` (`""` at the root).
    pub base: String,
    pub envs: Vec<String>,
    pub modules: BTreeMap<String, Module>,
    pub state_bucket: Option<PerEnv>,
    pub state_key: Option<PerEnv>,
    /// Local modules outside `base` that it uses: their changes deploy it.
    pub module_paths: Vec<String>,
    pub after: Vec<String>,
    pub vars: Vec<(String, String)>,
}

impl Stack {
    pub fn base_shown(&self) -> String {
        if self.base.is_empty() {
            ".".into()
        } else {
            self.base.clone()
        }
    }

    pub fn dir(&self) -> String {
        join(&self.base, "environments/{env}")
    }

    fn has_state(&self) -> bool {
        self.state_bucket.is_some() && self.state_key.is_some()
    }

    fn outputs(&self) -> Vec<&String> {
        let mut out: Vec<&String> = self.modules.values().flat_map(|m| &m.outputs).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Every `<base>/environments/<env>/*.tf` grouped by base.
pub fn stacks(root: &Path, files: &[String], notes: &mut Vec<Note>) -> Vec<Stack> {
    let mut by_base: BTreeMap<String, BTreeMap<String, Module>> = BTreeMap::new();
    for file in files {
        let is_tf = file.ends_with(".tf");
        let is_vars = file.ends_with(".tfvars") || file.ends_with(".tfvars.json");
        if !is_tf && !is_vars {
            continue;
        }
        let env_dir = folder(file);
        let Some((base, env)) = split_env_dir(env_dir) else {
            continue;
        };
        if !valid_env(env) {
            notes.push(Note::Skipped(format!(
                "{env_dir}: `{env}` cannot be an environment's name (a lowercase letter, then a-z, 0-9, -, _)"
            )));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        let module = by_base
            .entry(base.to_string())
            .or_default()
            .entry(env.to_string())
            .or_default();
        if is_tf {
            hcl::read_tf(&text, module);
        } else {
            let name = file.rsplit('/').next().unwrap_or(file);
            hcl::read_tfvars(name, &text, module);
        }
    }
    let mut out = Vec::new();
    for (base, modules) in by_base {
        // A folder of tfvars alone is no root module.
        let modules: BTreeMap<String, Module> = modules
            .into_iter()
            .filter(|(_, m)| {
                !m.variables.is_empty()
                    || !m.outputs.is_empty()
                    || m.backend.is_some()
                    || m.provider_region.is_some()
                    || !m.module_sources.is_empty()
            })
            .collect();
        if modules.is_empty() {
            continue;
        }
        let envs: Vec<String> = modules.keys().cloned().collect();
        let mut module_paths = Vec::new();
        for (env, m) in &modules {
            for source in &m.module_sources {
                if let Some(dir) = resolve(&join(&base, &format!("environments/{env}")), source) {
                    let inside =
                        base.is_empty() || dir == base || dir.starts_with(&format!("{base}/"));
                    let pattern = format!("{dir}/**");
                    if !inside && !module_paths.contains(&pattern) {
                        module_paths.push(pattern);
                    }
                }
            }
        }
        out.push(Stack {
            name: stack_name(&base),
            base,
            envs,
            modules,
            state_bucket: None,
            state_key: None,
            module_paths,
            after: Vec::new(),
            vars: Vec::new(),
        });
    }
    out
}

/// `(base, env)` of `<base>/environments/<env>`.
fn split_env_dir(dir: &str) -> Option<(&str, &str)> {
    let (rest, env) = dir.rsplit_once('/')?;
    if rest == "environments" {
        return Some(("", env));
    }
    let base = rest.strip_suffix("/environments")?;
    Some((base, env))
}

fn valid_env(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A folder relative to `from`, as a path from the root (`None` outside it).
fn resolve(from: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn stack_name(base: &str) -> String {
    base.rsplit('/')
        .filter(|p| !p.is_empty())
        .find(|p| !GENERIC.contains(p))
        .map(sanitize)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "infra".into())
}

/// Stack names that are no app's name (`orders-infra` beside `orders`) and no
/// other stack's, then each one's remote state.
pub fn settle(stacks: &mut [Stack], app_names: &[String], notes: &mut Vec<Note>) {
    for i in 0..stacks.len() {
        if app_names.contains(&stacks[i].name) {
            stacks[i].name = format!("{}-infra", stacks[i].name);
        }
        let base = stacks[i].name.clone();
        let mut n = 2;
        while stacks[..i].iter().any(|s| s.name == stacks[i].name)
            || app_names.contains(&stacks[i].name)
        {
            stacks[i].name = format!("{base}-{n}");
            n += 1;
        }
    }
    for stack in stacks.iter_mut() {
        state(stack, notes);
    }
}

/// `state_bucket` and `state_key` from the S3 backend blocks.
fn state(stack: &mut Stack, notes: &mut Vec<Note>) {
    let backends: Vec<(String, Option<&hcl::Backend>)> = stack
        .modules
        .iter()
        .map(|(env, m)| (env.clone(), m.backend.as_ref()))
        .collect();
    if backends
        .iter()
        .any(|(_, b)| b.is_none_or(|b| b.kind != "s3"))
    {
        let kinds: Vec<String> = backends
            .iter()
            .map(|(e, b)| format!("{e}: {}", b.map_or("none", |b| b.kind.as_str())))
            .collect();
        notes.push(Note::Check(format!(
            "{}: not every environment has a `backend \"s3\"` block ({}): without one the state stays on the machine that ran terraform, and other targets cannot read its outputs; add `backend \"s3\" {{}}` and state_bucket/state_key",
            stack.name,
            kinds.join(", ")
        )));
        return;
    }
    let literal = |get: fn(&hcl::Backend) -> Option<String>| -> Option<Vec<(String, String)>> {
        backends
            .iter()
            .map(|(e, b)| Some((e.clone(), get(b.expect("checked above"))?)))
            .collect()
    };
    match literal(|b| b.bucket.clone()) {
        Some(values) => stack.state_bucket = Some(PerEnv::from(&values)),
        None => {
            stack.state_bucket = Some(PerEnv::One("{project}-terraform-state-{env}".into()));
            notes.push(Note::Check(format!(
                "{}: its S3 backend names no bucket; `{{project}}-terraform-state-{{env}}` is written (`cargo xtask bootstrap` creates it)",
                stack.name
            )));
        }
    }
    match literal(|b| b.key.clone()) {
        Some(values) => stack.state_key = Some(PerEnv::from(&values)),
        None => {
            stack.state_key = Some(PerEnv::One(format!("{}/terraform.tfstate", stack.name)));
            notes.push(Note::Guessed(format!(
                "{}: state key `{}/terraform.tfstate` (its backend names none)",
                stack.name, stack.name
            )));
        }
    }
}

/// The region a stack names (backend first, then the AWS provider), and where.
pub fn region(stacks: &[Stack]) -> Option<(String, String)> {
    stacks.iter().find_map(|s| {
        s.modules.iter().find_map(|(env, m)| {
            let at = join(&s.base, &format!("environments/{env}"));
            m.backend
                .as_ref()
                .and_then(|b| b.region.clone())
                .map(|r| (r, format!("the backend block in {at}")))
                .or_else(|| {
                    m.provider_region
                        .clone()
                        .map(|r| (r, format!("the aws provider in {at}")))
                })
        })
    })
}

/// `after` and `vars` between stacks, where it can tell; an edge that would
/// close a cycle is left out, with a note.
pub fn link(stacks: &mut [Stack], notes: &mut Vec<Note>) {
    let mut edges: Vec<(usize, usize, Option<String>)> = Vec::new(); // (from, to: runs after, variable)
    for (b, stack) in stacks.iter().enumerate() {
        let mut variables: Vec<&String> = stack
            .modules
            .values()
            .flat_map(|m| m.variables.iter().filter(|v| !m.assigned.contains(v)))
            .collect();
        variables.sort();
        variables.dedup();
        for v in variables {
            if COMMON.contains(&v.as_str()) {
                continue;
            }
            let givers: Vec<usize> = stacks
                .iter()
                .enumerate()
                .filter(|(a, s)| *a != b && s.outputs().contains(&v))
                .map(|(a, _)| a)
                .collect();
            match givers.as_slice() {
                [a] => edges.push((b, *a, Some(v.clone()))),
                [] => {}
                many => notes.push(Note::Check(format!(
                    "{}: variable `{v}` has the name of an output of {}: init cannot tell which it takes",
                    stack.name,
                    many.iter().map(|a| format!("`{}`", stacks[*a].name)).collect::<Vec<_>>().join(" and ")
                ))),
            }
        }
        for (env, m) in &stack.modules {
            for key in &m.remote_state_keys {
                for (a, other) in stacks.iter().enumerate() {
                    if a != b
                        && other
                            .state_key
                            .as_ref()
                            .and_then(|k| k.for_env(env))
                            .as_deref()
                            == Some(key)
                    {
                        edges.push((b, a, None));
                    }
                }
            }
        }
    }
    for (b, a, variable) in edges {
        let (before, after) = (stacks[a].name.clone(), stacks[b].name.clone());
        if runs_after(stacks, &before, &after) {
            notes.push(Note::Check(format!(
                "{after} seems to take {before}'s outputs, but {before} already runs after {after}: left out"
            )));
            continue;
        }
        if !stacks[b].after.contains(&before) {
            stacks[b].after.push(before.clone());
        }
        match variable {
            Some(v) if stacks[a].has_state() => {
                if !stacks[b].vars.iter().any(|(n, _)| *n == v) {
                    notes.push(Note::Guessed(format!(
                        "{after}: variable `{v}` takes {before}'s output `{v}`"
                    )));
                    stacks[b].vars.push((v.clone(), format!("{{{before}.{v}}}")));
                }
            }
            Some(v) => notes.push(Note::Check(format!(
                "{after}: variable `{v}` looks like {before}'s output `{v}`, but {before} has no S3 state to read it from: set it yourself"
            ))),
            None => notes.push(Note::Guessed(format!(
                "{after} runs after {before}: it reads {before}'s state"
            ))),
        }
    }
}

/// Whether `a` runs after `b`, directly or not.
fn runs_after(stacks: &[Stack], a: &str, b: &str) -> bool {
    let mut todo = vec![a.to_string()];
    let mut seen = Vec::new();
    while let Some(n) = todo.pop() {
        if n == b {
            return true;
        }
        if seen.contains(&n) {
            continue;
        }
        if let Some(s) = stacks.iter().find(|s| s.name == n) {
            todo.extend(s.after.iter().cloned());
        }
        seen.push(n);
    }
    false
}

pub fn guess(stack: &Stack) -> Guess {
    let mut paths = vec![if stack.base.is_empty() {
        "environments/**".to_string()
    } else {
        format!("{}/**", stack.base)
    }];
    paths.extend(stack.module_paths.iter().cloned());
    Guess {
        name: stack.name.clone(),
        folder: stack.base.clone(),
        source: format!(
            "{}: Terraform, one root module per environment ({})",
            join(&stack.base, "environments/"),
            stack.envs.join(", ")
        ),
        paths,
        after: stack.after.clone(),
        kind: GuessKind::Terraform(stack.clone()),
    }
}

/// Services and sites run after the stacks in their own folder; without
/// one, after the stacks that are no app's own (the shared ones), so the
/// infrastructure goes first.
pub fn order_apps(targets: &mut [Guess], stacks: &[Stack], notes: &mut Vec<Note>) {
    let app_folders: Vec<String> = targets
        .iter()
        .filter(|t| !matches!(t.kind, GuessKind::Terraform(_)))
        .map(|t| t.folder.clone())
        .collect();
    let inside = |f: &str, dir: &str| dir.is_empty() || f.starts_with(&format!("{dir}/"));
    let shared: Vec<&Stack> = stacks
        .iter()
        .filter(|s| !app_folders.iter().any(|a| inside(&s.base, a)))
        .collect();
    for t in targets.iter_mut() {
        if matches!(t.kind, GuessKind::Terraform(_)) {
            continue;
        }
        let own: Vec<&Stack> = stacks
            .iter()
            .filter(|s| !t.folder.is_empty() && inside(&s.base, &t.folder))
            .collect();
        let chosen = if own.is_empty() {
            shared.clone()
        } else {
            own.clone()
        };
        // Only the last of a chain: `after` is transitive.
        let names: Vec<String> = chosen
            .iter()
            .filter(|s| {
                !chosen
                    .iter()
                    .any(|o| o.name != s.name && runs_after(stacks, &o.name, &s.name))
            })
            .map(|s| s.name.clone())
            .collect();
        if names.is_empty() {
            continue;
        }
        if own.is_empty() {
            notes.push(Note::Check(format!(
                "{} runs after {} (shared infrastructure first): keep only what its deploy needs",
                t.name,
                names.join(", ")
            )));
        }
        t.after = names;
    }
}
