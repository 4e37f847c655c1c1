//! `cargo xtask iam --env ENV [--format json]`: the least-privilege IAM
//! policies for the environment's config — the deploy role's, the preview
//! role's (in the preview environment), the read-only drift role's, and
//! bootstrap's — with the config's own ARNs, and the roles' trust policies for
//! the repository's GitHub environments. Reads only the config: no AWS call.

use crate::flags::{Format, IamFlags};
use crate::iam::{self, Policies};
use crate::workspace::Workspace;

pub fn run(flags: &IamFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    let env = ws.environment(&flags.env)?;
    let role_arn = ws
        .config
        .environments
        .get(&env.name)
        .and_then(|e| e.aws_role_arn.as_deref());
    let account = iam::account(flags.account.as_deref(), role_arn);
    let repo = flags
        .github_repo
        .as_deref()
        .unwrap_or(iam::REPO_PLACEHOLDER);
    let policies = iam::render(&ws.config, &env, &account, repo);
    match flags.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&as_json(&policies))?),
        Format::Text | Format::Github => print!("{}", text(&policies, &ws.config.file_name())),
    }
    Ok(())
}

fn as_json(p: &Policies) -> serde_json::Value {
    serde_json::json!({
        "env": p.env,
        "region": p.arns.region,
        "account": p.arns.account,
        "deploy": p.deploy.to_json(),
        "preview": p.preview.to_json(),
        "drift": p.drift.to_json(),
        "bootstrap": p.bootstrap.to_json(),
        "trust": p
            .trust
            .iter()
            .map(|(role, environment, doc)| serde_json::json!({"roles": role, "environment": environment, "policy": doc}))
            .collect::<Vec<_>>(),
        "notes": p.notes,
    })
}

/// Each policy as the JSON to paste into IAM, under a line saying which role
/// holds it and for which commands.
fn text(p: &Policies, config_file: &str) -> String {
    let pretty = |doc: &iam::Document| doc.to_pretty();
    let mut out = format!(
        "IAM policies for environment {} of {config_file} (region {}, account {})\n\n",
        p.env, p.arns.region, p.arns.account
    );
    let preview_title = format!(
        "preview role (GitHub environment {}-preview): preview up, down, list, sweep; previews only",
        p.env
    );
    let sections = [
        ("deploy role: deploy, rollback, status, history", &p.deploy),
        (preview_title.as_str(), &p.preview),
        (
            "drift role (read-only): status, history, plan --changed --env",
            &p.drift,
        ),
        (
            "bootstrap (once, before the first deploy): the state buckets",
            &p.bootstrap,
        ),
    ];
    for (title, doc) in sections {
        if !doc.statements.is_empty() {
            out.push_str(&format!("# {title}\n{}\n\n", pretty(doc)));
        }
    }
    for (roles, environment, doc) in &p.trust {
        out.push_str(&format!(
            "# trust policy of the {roles}: GitHub Actions jobs in the environment {environment} only\n{}\n\n",
            iam::trust_to_pretty(doc)
        ));
    }
    if !p.notes.is_empty() {
        out.push_str("Notes:\n");
        for note in &p.notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}
