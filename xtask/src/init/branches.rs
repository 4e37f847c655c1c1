//! Environments from the branches: `main` (or `master`, `production`) deploys
//! to prod, `staging` to staging, `develop` to dev. When Terraform stacks have
//! `environments/<env>/` folders, those names are the environments (a stack's
//! `dir` is `.../environments/{env}`), and each takes the branch that matches it.

use super::{Environment, Note};

/// Branch names by the environment they usually deploy.
const PROD: [&str; 5] = ["main", "master", "production", "prod", "release"];
const STAGING: [&str; 4] = ["staging", "stage", "preprod", "pre-prod"];
const DEV: [&str; 3] = ["develop", "development", "dev"];
/// Branch names that are environments of their own name.
const OTHER: [&str; 5] = ["qa", "uat", "test", "sandbox", "demo"];

/// The kind of environment a branch or folder name stands for.
fn canonical(name: &str) -> Option<&'static str> {
    if PROD.contains(&name) || name == "live" {
        Some("prod")
    } else if STAGING.contains(&name) {
        Some("staging")
    } else if DEV.contains(&name) {
        Some("dev")
    } else {
        None
    }
}

/// Every branch name, local and remote (without the remote's name).
fn branch_names(repo: &git2::Repository) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(branches) = repo.branches(None) {
        for (branch, kind) in branches.flatten() {
            let Ok(Some(name)) = branch.name() else {
                continue;
            };
            let name = match kind {
                git2::BranchType::Local => name.to_string(),
                git2::BranchType::Remote => match name.split_once('/') {
                    Some((_, rest)) => rest.to_string(),
                    None => continue,
                },
            };
            if name != "HEAD" && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    // A repository without a commit still has the branch HEAD names.
    if names.is_empty() {
        if let Ok(head) = repo.find_reference("HEAD") {
            if let Some(target) = head.symbolic_target() {
                names.push(target.trim_start_matches("refs/heads/").to_string());
            }
        }
    }
    names
}

/// The branch feature branches are compared with: `origin/HEAD`'s, else
/// `main` or `master`.
pub fn default_branch(repo: &git2::Repository) -> Option<String> {
    if let Ok(r) = repo.find_reference("refs/remotes/origin/HEAD") {
        if let Some(t) = r.symbolic_target() {
            return Some(t.trim_start_matches("refs/remotes/origin/").to_string());
        }
    }
    let names = branch_names(repo);
    ["main", "master"]
        .iter()
        .find(|b| names.iter().any(|n| n == *b))
        .map(|b| b.to_string())
}

/// Environments in the order dev, staging, prod, then the rest.
pub fn environments(
    repo: &git2::Repository,
    stack_envs: &[String],
    notes: &mut Vec<Note>,
) -> Vec<Environment> {
    let branches = branch_names(repo);
    let default = default_branch(repo);
    let mut envs: Vec<Environment> = Vec::new();
    if stack_envs.is_empty() {
        let mut prod_branches: Vec<&String> = branches
            .iter()
            .filter(|b| canonical(b) == Some("prod"))
            .collect();
        // Of main and master, the default branch deploys.
        prod_branches.sort_by_key(|b| Some(b.as_str()) != default.as_deref());
        for b in &branches {
            let env = canonical(b)
                .map(str::to_string)
                .or_else(|| OTHER.contains(&b.as_str()).then(|| b.clone()));
            let Some(env) = env else {
                continue;
            };
            if env == "prod" && prod_branches.first() != Some(&b) {
                continue;
            }
            if !envs.iter().any(|e| e.name == env) {
                notes.push(Note::Guessed(format!(
                    "environment {env}: pushes to branch `{b}` deploy there"
                )));
                envs.push(Environment {
                    name: env,
                    branch: Some(b.clone()),
                });
            }
        }
        if envs.is_empty() {
            let b = default
                .clone()
                .or_else(|| branches.first().cloned())
                .unwrap_or_else(|| "main".into());
            notes.push(Note::Guessed(format!(
                "environment prod: pushes to branch `{b}` deploy there (no branch named for an environment)"
            )));
            envs.push(Environment {
                name: "prod".into(),
                branch: Some(b),
            });
        }
    } else {
        for env in stack_envs {
            let exact = branches.iter().find(|b| *b == env);
            let by_kind = canonical(env).and_then(|kind| {
                let mut matching: Vec<&String> = branches
                    .iter()
                    .filter(|b| canonical(b) == Some(kind))
                    .collect();
                matching.sort_by_key(|b| Some(b.as_str()) != default.as_deref());
                matching.first().copied()
            });
            let branch = exact.or(by_kind).cloned();
            match &branch {
                Some(b) => notes.push(Note::Guessed(format!(
                    "environment {env} (a Terraform environments/{env} folder): pushes to branch `{b}` deploy there"
                ))),
                None => notes.push(Note::Check(format!(
                    "environment {env} (a Terraform environments/{env} folder) has no branch: add `branch = \"...\"` for pushes to deploy there"
                ))),
            }
            envs.push(Environment {
                name: env.clone(),
                branch,
            });
        }
        for b in &branches {
            let matched = envs.iter().any(|e| e.branch.as_deref() == Some(b.as_str()));
            if !matched && (canonical(b).is_some() || OTHER.contains(&b.as_str())) {
                notes.push(Note::Skipped(format!(
                    "branch `{b}`: no environments/<env>/ folder of a stack for it, so no environment deploys from it"
                )));
            }
        }
    }
    let rank = |name: &str| match canonical(name).unwrap_or(name) {
        "dev" => 0,
        "staging" => 1,
        "prod" => 3,
        _ => 2,
    };
    envs.sort_by(|a, b| rank(&a.name).cmp(&rank(&b.name)).then(a.name.cmp(&b.name)));
    envs
}
