//! The least-privilege IAM policies for one environment of a config, as data:
//! what each kind of target calls (read from its crate), on the config's own
//! resources. Four documents: the deploy role's (every command but previews),
//! the preview role's (previews only, in the preview environment), the drift
//! role's (read-only: `status`, `history`, `plan --changed --env`) and
//! bootstrap's (the state buckets, once).
//!
//! Resources are the config's ARNs; `*` only where the action takes no
//! resource (AWS Service Authorization Reference) or where the name is not
//! in the config: CloudFront ids of previews, a `{TARGET.OUTPUT}` known only
//! once its stack is applied, the task definition family and task roles of a
//! service (they are the running task definition's), each narrowed by a
//! condition where IAM has one. `cargo xtask iam --env ENV` prints them; the
//! test suite checks every action the tool sends against them. `trust.rs`:
//! who may assume each role (one GitHub environment's OIDC subject each).

mod arn;
mod document;
mod ecs;
mod state;
mod static_site;
mod terraform;
mod trust;

pub use arn::Arns;
pub use document::{Document, Statement};
pub use trust::{to_pretty as trust_to_pretty, REPO_PLACEHOLDER};

use crate::config::{Config, Env, TargetSettings};

/// What one target (or the state bucket) needs, per role.
#[derive(Debug, Default)]
pub struct Needs {
    pub deploy: Vec<Statement>,
    pub drift: Vec<Statement>,
}

/// The policies of one environment.
#[derive(Debug)]
pub struct Policies {
    pub env: String,
    pub arns: Arns,
    /// `deploy`, `rollback`, and everything the drift role does.
    pub deploy: Document,
    /// The preview environment's previews (`preview up|down|list|sweep`), in
    /// `<env>-preview` with a role of their own: empty elsewhere.
    pub preview: Document,
    /// Trust policies: (role, GitHub environment, document).
    pub trust: Vec<(&'static str, String, serde_json::Value)>,
    /// Read-only: `status`, `history`, `plan --changed --env`.
    pub drift: Document,
    /// `bootstrap` (without `--with-resources`): the state buckets.
    pub bootstrap: Document,
    /// What the documents leave out, or where they are wider than a name.
    pub notes: Vec<String>,
}

/// The settings whose values end up in ARNs.
const ARN_KEYS: &[&str] = &[
    "cluster",
    "service",
    "ecr_repository",
    "bucket",
    "distribution",
    "preview_bucket",
    "preview_zone_id",
    "state_bucket",
    "state_key",
];

/// The policy variable for the account the policy is used in.
pub const ANY_ACCOUNT: &str = "${aws:PrincipalAccount}";

/// The policies of `env` in `config`; `account` names the account in ARNs,
/// `repo` (`OWNER/NAME`) the GitHub repository the roles trust.
pub fn render(config: &Config, env: &Env, account: &str, repo: &str) -> Policies {
    let arns = Arns::new(&env.region, account);
    let mut deploy = Document::default();
    let mut drift = Document::default();
    let mut add = |needs: Needs| {
        drift.extend(needs.drift.iter().cloned());
        deploy.extend(needs.deploy);
        // The deploy role runs `status` too.
        deploy.extend_uncovered(needs.drift);
    };
    add(state::needs(&arns, &env.state_bucket));
    let previews = config.project.preview_environment.as_deref() == Some(env.name.as_str());
    let mut preview = Document::default();
    let mut state_buckets = vec![env.state_bucket.clone()];
    let (mut wildcards, mut stacks) = (Vec::new(), Vec::new());
    for target in &config.targets {
        let Some(settings) = target.settings.get(&env.name) else {
            continue;
        };
        let in_arns = crate::config::outputs::references(settings)
            .into_iter()
            .filter(|r| ARN_KEYS.contains(&r.key.as_str()))
            .map(|r| format!("{}.{}", target.name, r.key));
        wildcards.extend(in_arns);
        match settings {
            TargetSettings::Ecs(ecs) => add(ecs::needs(&arns, ecs)),
            TargetSettings::StaticSite(site) => {
                add(static_site::needs(&arns, site));
                if previews {
                    preview.extend(static_site::preview_needs(
                        &arns,
                        &target.name,
                        site,
                        &env.state_bucket,
                    ));
                    // The outputs a preview is built with ({shared.api_url}).
                    for source in crate::config::outputs::references(settings) {
                        if let Some(TargetSettings::Terraform(stack)) = config
                            .target(&source.source)
                            .and_then(|t| t.settings.get(&env.name))
                        {
                            preview.extend(terraform::needs(&arns, stack).drift);
                        }
                    }
                }
            }
            TargetSettings::Terraform(stack) => {
                add(terraform::needs(&arns, stack));
                if let Some(bucket) = &stack.state_bucket {
                    if !state_buckets.contains(bucket) {
                        state_buckets.push(bucket.clone());
                    }
                }
                stacks.push(target.name.clone());
            }
        }
    }
    let mut notes = Vec::new();
    if !stacks.is_empty() {
        notes.push(format!(
            "terraform targets ({}): these are their state's permissions only; Terraform also needs those of what each stack manages, a policy kept with the stack",
            stacks.join(", ")
        ));
    }
    if !wildcards.is_empty() {
        notes.push(format!(
            "{}: taken from a stack's output ({{TARGET.OUTPUT}}), known once it is applied: `*` in the ARN",
            wildcards.join(", ")
        ));
    }
    let mut bootstrap = Document::default();
    bootstrap.extend(state::bootstrap(&arns, &state_buckets));
    if account == ANY_ACCOUNT {
        notes.push(
            "ARNs name the account as ${aws:PrincipalAccount}, the account of the role holding the policy; --account ID writes it out".into(),
        );
    }
    let mut trust = vec![(
        "deploy and drift roles",
        env.name.clone(),
        trust::github_environment(&arns, repo, &env.name),
    )];
    if !preview.statements.is_empty() {
        let environment = format!("{}-preview", env.name);
        trust.push((
            "preview role",
            environment.clone(),
            trust::github_environment(&arns, repo, &environment),
        ));
    }
    if account == ANY_ACCOUNT {
        notes.push(format!(
            "trust policies name the OIDC provider's account as {}: IAM takes no policy variable in a Principal; --account ID writes it out",
            trust::ACCOUNT_PLACEHOLDER
        ));
    }
    if repo == REPO_PLACEHOLDER {
        notes.push(format!(
            "trust policies name the repository as {REPO_PLACEHOLDER}: --github-repo OWNER/NAME writes it out"
        ));
    }
    Policies {
        env: env.name.clone(),
        arns,
        deploy,
        preview,
        drift,
        bootstrap,
        notes,
        trust,
    }
}

/// The account for ARNs: `--account`, else the one in the environment's
/// `aws_role_arn`, else the policy variable.
pub fn account(flag: Option<&str>, role_arn: Option<&str>) -> String {
    if let Some(account) = flag {
        return account.to_string();
    }
    role_arn
        .and_then(|arn| arn.split(':').nth(4))
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map_or_else(|| ANY_ACCOUNT.to_string(), str::to_owned)
}
