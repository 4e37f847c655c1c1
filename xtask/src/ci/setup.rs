//! `cargo xtask ci setup --env ENV`: the `gh` commands that make the GitHub
//! environments the generated workflows run in, as a script to read and run.
//! GitHub creates an environment a workflow names on the fly, *without*
//! protection rules, so nothing here may be left to chance:
//!
//! - `<env>`: the deploy jobs and the drift check; the only environment whose
//!   OIDC subject (`repo:O/R:environment:<env>`) the deploy role trusts.
//!   Deployment branches: the environment's `branch` (and the default branch,
//!   which the scheduled drift check runs on). Variables `AWS_ROLE_ARN`,
//!   `AWS_READONLY_ROLE_ARN`.
//! - `<env>-approval`: the approval job, which only waits for reviewers and
//!   gets no AWS credentials. Required reviewers, `prevent_self_review`, the
//!   same branches. The apply checks GitHub's record of this approval.
//! - `<preview_environment>-preview`, set up with the preview environment:
//!   pull-request previews, with a role of their own (`AWS_ROLE_ARN`), from any
//!   branch (a pull request's).
//!
//! Each command runs as printed: `gh api` fills `{owner}/{repo}` from the
//! current directory's repository unless `--github-repo` names one; reviewers' user
//! ids are looked up inline; a role ARN deploy.toml does not hold is read by
//! `gh variable set` from standard input (it prompts).

use crate::config::Config;
use crate::error::BadInput;

/// GitHub's limit on required reviewers per environment.
const MAX_REVIEWERS: usize = 6;

/// What to set up.
pub struct Setup<'a> {
    pub env: &'a str,
    pub reviewers: &'a [String],
    /// `OWNER/NAME`; `None`: the current directory's repository.
    pub repo: Option<&'a str>,
}

/// The script, or why the request cannot be met.
pub fn script(config: &Config, s: &Setup) -> Result<String, BadInput> {
    let file = config.file_name();
    let env = config.environment(s.env).map_err(BadInput::from)?;
    let raw = &config.environments[&env.name];
    let Some(branch) = raw.branch.as_deref() else {
        return Err(BadInput(format!(
            "--env {}: has no `branch` in {file}, so no generated workflow deploys there: nothing to set up",
            env.name
        )));
    };
    if s.reviewers.len() > MAX_REVIEWERS {
        return Err(BadInput(format!(
            "--reviewers: {} logins, GitHub allows at most {MAX_REVIEWERS} required reviewers",
            s.reviewers.len()
        )));
    }
    let mut branches = vec![branch.to_string()];
    if let Some(default) = config.project.default_branch.as_deref() {
        if default != branch {
            branches.push(default.to_string());
        }
    }
    let repo = s.repo.unwrap_or("{owner}/{repo}");
    let gh_repo = s.repo.map(|r| format!(" --repo {r}")).unwrap_or_default();
    let name = &env.name;
    let approval = format!("{name}-approval");
    let mut out = format!(
        "# GitHub environments for {name} of {file}: made by `cargo xtask ci setup --env {name}`.\n\
         # Run in the repository with the GitHub CLI, signed in as an admin of {repo}\n\
         # (`gh auth login`). Required reviewers on a private repository need a paid plan.\n\
         # Save it, then run it: `bash FILE` (not piped into bash: `gh variable set`\n\
         # reads a role ARN deploy.toml does not hold from the terminal).\n\
         set -euo pipefail\n\n"
    );
    let policy = CUSTOM_BRANCHES;
    out.push_str(&format!(
        "# {name}: the deploy jobs and the drift check; the deploy role trusts only this one.\n{}\n",
        put_environment(repo, name, policy)
    ));
    out.push_str(&branch_rules(repo, name, &branches));
    let reviewers = reviewers_json(s.reviewers);
    let who = if s.reviewers.is_empty() {
        "you (no --reviewers given: pass --reviewers a,b to name others)".to_string()
    } else {
        s.reviewers.join(", ")
    };
    out.push_str(&format!(
        "# {approval}: the approval job only waits here for {who}; it gets no AWS credentials.\n{}\n",
        put_environment(
            repo,
            &approval,
            &format!(
                "\"wait_timer\": 0,\n  \"prevent_self_review\": true,\n  \"reviewers\": {reviewers},\n  {policy}"
            )
        )
    ));
    out.push_str(&branch_rules(repo, &approval, &branches));
    out.push_str(&variable(
        name,
        "AWS_ROLE_ARN",
        raw.aws_role_arn.as_deref(),
        "the deploy role's ARN (`cargo xtask iam --env ENV`, docs/IAM.md)",
        &gh_repo,
    ));
    out.push_str(&variable(
        name,
        // The generator's drift job reads this one (ci/drift.rs).
        "AWS_READONLY_ROLE_ARN",
        raw.aws_readonly_role_arn.as_deref(),
        "the read-only drift role's ARN",
        &gh_repo,
    ));
    if config.project.preview_environment.as_deref() == Some(name.as_str()) {
        let preview = format!("{name}-preview");
        out.push_str(&format!(
            "# {preview}: pull-request previews, from any branch, with a role of their own\n\
             # (trusting only environment:{preview}; it cannot touch {name}'s site or service).\n{}\n",
            put_environment(repo, &preview, "\"deployment_branch_policy\": null")
        ));
        out.push_str(&variable(
            &preview,
            "AWS_ROLE_ARN",
            None,
            "the preview role's ARN",
            &gh_repo,
        ));
    }
    out.push_str(
        "# A repository-level AWS_ROLE_ARN would be read by a job of any environment that\n\
         # lacks its own (`vars.` falls back to the repository's): `gh variable list` shows\n\
         # one, `gh variable delete AWS_ROLE_ARN` removes it.\n",
    );
    Ok(out)
}

/// Only the branches added with [`branch_rules`] may deploy (`custom_branch_policies`).
const CUSTOM_BRANCHES: &str =
    "\"deployment_branch_policy\": {\"protected_branches\": false, \"custom_branch_policies\": true}";

/// `text` in single quotes for bash.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `PUT /repos/{owner}/{repo}/environments/{name}` ("Create or update an
/// environment"): `fields` are the JSON body's members. The heredoc is left
/// unquoted so `$(gh api users/LOGIN --jq .id)` runs.
fn put_environment(repo: &str, name: &str, fields: &str) -> String {
    format!("gh api -X PUT \"repos/{repo}/environments/{name}\" --input - <<EOF\n{{\n  {fields}\n}}\nEOF\n")
}

/// `POST .../deployment-branch-policies` for each branch ("Create a deployment
/// branch policy"; GitHub answers 303 for one it already has).
fn branch_rules(repo: &str, env: &str, branches: &[String]) -> String {
    let mut out = String::new();
    for b in branches {
        out.push_str(&format!(
            "gh api -X POST \"repos/{repo}/environments/{env}/deployment-branch-policies\" -f name={} -f type=branch\n",
            quoted(b)
        ));
    }
    out.push('\n');
    out
}

/// `[{"type": "User", "id": $(gh api users/LOGIN --jq .id)}, ...]`; the
/// signed-in user without logins.
fn reviewers_json(logins: &[String]) -> String {
    let ids: Vec<String> = if logins.is_empty() {
        vec!["$(gh api user --jq .id)".into()]
    } else {
        logins
            .iter()
            .map(|l| format!("$(gh api users/{l} --jq .id)"))
            .collect()
    };
    let entries: Vec<String> = ids
        .iter()
        .map(|id| format!("{{\"type\": \"User\", \"id\": {id}}}"))
        .collect();
    format!("[{}]", entries.join(", "))
}

/// `gh variable set NAME --env ENV`, with the value when deploy.toml has it;
/// else gh reads it from standard input.
fn variable(env: &str, var: &str, value: Option<&str>, what: &str, gh_repo: &str) -> String {
    match value {
        Some(v) => format!(
            "gh variable set {var} --env {env}{gh_repo} --body {}\n\n",
            quoted(v)
        ),
        None => format!(
            "# {what} for {env}: paste it when asked.\ngh variable set {var} --env {env}{gh_repo}\n\n"
        ),
    }
}
