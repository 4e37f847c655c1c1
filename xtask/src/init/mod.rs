//! `cargo xtask init`: a first deploy.toml, read from the repository.
//!
//! Like the rest of xtask it decides first and acts after: [`scan`] turns the
//! repository into plain data ([`Found`]: the project, its environments, each
//! target with what it was found from, and the notes — what was guessed and
//! what to check), and `render` writes that as a commented deploy.toml, which
//! the command checks by loading it before it writes anything.
//!
//! - `tree`: the repository's files, without what git ignores, dependencies
//!   and the toolkit itself;
//! - `docker`: ECS services from Dockerfiles;
//! - `node`: static sites from package.json builds, the build folder from the
//!   framework's config;
//! - `terraform`: stacks from `environments/<env>/` folders, `after` and `vars`
//!   from variables that take another stack's outputs;
//! - `branches`: environments from the branches (and the stacks' folders).

mod branches;
mod docker;
mod hcl;
mod node;
pub mod render;
mod terraform;
mod tree;

use std::path::Path;

/// The placeholder of a target's name in a naming pattern.
pub const TARGET_PLACEHOLDER: &str = "{target}";
/// AWS names, unless `--names` says otherwise.
pub const DEFAULT_NAMES: &str = "{project}-{target}-{env}";

/// Everything init found, before it is written.
#[derive(Debug, Clone)]
pub struct Found {
    pub project: String,
    pub region: String,
    pub default_branch: Option<String>,
    /// The toolkit's folder relative to the root, when it is inside the repository.
    pub toolkit: Option<String>,
    pub environments: Vec<Environment>,
    /// In the order they were found: stacks, then services, then sites.
    pub targets: Vec<Guess>,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub branch: Option<String>,
}

/// One target, as init guessed it.
#[derive(Debug, Clone)]
pub struct Guess {
    pub name: String,
    /// The folder it lives in, relative to the root (`""` for the root).
    pub folder: String,
    /// What it was found from, for the comment above it.
    pub source: String,
    pub paths: Vec<String>,
    pub after: Vec<String>,
    pub kind: GuessKind,
}

#[derive(Debug, Clone)]
pub enum GuessKind {
    Ecs {
        dockerfile: String,
        context: String,
    },
    StaticSite {
        build: String,
        build_dir: String,
        /// `(glob, Cache-Control)`, first match wins.
        cache: Vec<(String, String)>,
    },
    Terraform(terraform::Stack),
}

/// A line for the user: what init guessed, what to check, what it left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Guessed(String),
    Check(String),
    Skipped(String),
}

/// What init needs besides the repository.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The naming pattern for AWS names, with `{target}`.
    pub names: String,
    /// The toolkit's workspace, absolute, when known: never scanned, and
    /// written as `project.toolkit`.
    pub toolkit: Option<std::path::PathBuf>,
}

/// Reads the repository at `root`.
pub fn scan(repo: &git2::Repository, root: &Path, settings: &Settings) -> Found {
    let mut notes = Vec::new();
    let toolkit = settings
        .toolkit
        .as_ref()
        .and_then(|t| tree::relative(root, t));
    let files = tree::files(repo, root, toolkit.as_deref());

    let mut stacks = terraform::stacks(root, &files, &mut notes);
    let services = docker::services(&files, &mut notes);
    let sites = node::sites(root, &files, &services, &mut notes);

    let stack_envs: Vec<String> = {
        let mut envs: Vec<String> = stacks.iter().flat_map(|s| s.envs.clone()).collect();
        envs.sort();
        envs.dedup();
        envs
    };
    let environments = branches::environments(repo, &stack_envs, &mut notes);
    for stack in &stacks {
        for env in &environments {
            if !stack.envs.contains(&env.name) {
                notes.push(Note::Check(format!(
                    "{}/environments/{} does not exist: that stack cannot deploy to `{}` (add the folder, or remove the environment)",
                    stack.base_shown(),
                    env.name,
                    env.name
                )));
            }
        }
    }

    let project = project_name(repo, root);
    let region = terraform::region(&stacks)
        .map(|(r, from)| {
            notes.push(Note::Guessed(format!("region {r}, from {from}")));
            r
        })
        .or_else(|| {
            let r = std::env::var("AWS_REGION")
                .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                .ok()
                .filter(|r| !r.is_empty())?;
            notes.push(Note::Guessed(format!("region {r}, from $AWS_REGION")));
            Some(r)
        })
        .unwrap_or_else(|| {
            notes.push(Note::Check(
                "region: none found (no provider or backend region, no $AWS_REGION); us-east-1 is written".into(),
            ));
            "us-east-1".into()
        });

    let app_names: Vec<String> = services
        .iter()
        .chain(sites.iter())
        .map(|g| g.name.clone())
        .collect();
    terraform::settle(&mut stacks, &app_names, &mut notes);
    terraform::link(&mut stacks, &mut notes);
    let mut targets: Vec<Guess> = stacks.iter().map(terraform::guess).collect();
    targets.extend(services);
    targets.extend(sites);
    name_targets(&mut targets);
    terraform::order_apps(&mut targets, &stacks, &mut notes);
    exclude_nested(&mut targets);

    if toolkit.is_none() {
        notes.push(Note::Check(
            "the toolkit is not inside this repository: vendor it as docs/ADOPTING.md says (tools/deploy), then set project.toolkit".into(),
        ));
    }
    Found {
        project,
        region,
        default_branch: branches::default_branch(repo),
        toolkit: toolkit.filter(|t| !t.is_empty()),
        environments,
        targets,
        notes,
    }
}

/// The project's name: the `origin` remote's repository name, else the
/// root folder's, as a name AWS accepts in buckets.
fn project_name(repo: &git2::Repository, root: &Path) -> String {
    let from_remote = repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().map(str::to_string))
        .and_then(|url| {
            let last = url.trim_end_matches('/').rsplit(['/', ':']).next()?;
            Some(last.trim_end_matches(".git").to_string())
        });
    let raw = from_remote
        .or_else(|| root.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let mut name = sanitize(&raw);
    if name.is_empty() {
        name = "app".into();
    }
    name
}

/// Lowercase letters, digits and single `-`, starting with a letter.
pub(crate) fn sanitize(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("x-{out}")
    } else {
        out
    }
}

/// Unique names: a clash gets the parent folder in front (`services-api`),
/// then a number.
fn name_targets(targets: &mut [Guess]) {
    for i in 0..targets.len() {
        let clashes = |targets: &[Guess], i: usize| {
            targets
                .iter()
                .enumerate()
                .any(|(j, t)| j != i && t.name == targets[i].name)
        };
        if clashes(targets, i) {
            let parent = Path::new(&targets[i].folder)
                .parent()
                .and_then(|p| p.file_name())
                .map(|p| sanitize(&p.to_string_lossy()))
                .filter(|p| !p.is_empty());
            if let Some(parent) = parent {
                targets[i].name = format!("{parent}-{}", targets[i].name);
            }
        }
        let mut n = 2;
        let base = targets[i].name.clone();
        while clashes(targets, i) {
            targets[i].name = format!("{base}-{n}");
            n += 1;
        }
    }
}

/// A target's paths leave out the folders of targets nested in it (the API's
/// own Terraform under `services/orders/infra/`).
fn exclude_nested(targets: &mut [Guess]) {
    let folders: Vec<String> = targets.iter().map(|t| t.folder.clone()).collect();
    for t in targets.iter_mut() {
        for f in &folders {
            let nested = if t.folder.is_empty() {
                !f.is_empty()
            } else {
                f.starts_with(&format!("{}/", t.folder))
            };
            if nested {
                let pattern = format!("!{f}/**");
                if !t.paths.contains(&pattern) {
                    t.paths.push(pattern);
                }
            }
        }
    }
}
