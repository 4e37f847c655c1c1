//! Making a plan from what the command line asked: the targets whose paths
//! changed (in the run's range, or each in its own from what is deployed of
//! it), every target, or the ones named.

use anyhow::Context;

use crate::changes::{self, ChangeRequest, GithubEvent, RangeRequest};
use crate::context::EnvContext;
use crate::flags::{ChangeFlags, Chosen};
use crate::workspace::Workspace;

use super::{Plan, Selection};

/// What a command asked to plan.
pub struct PlanRequest<'a> {
    /// Its name, for messages ("plan", "deploy").
    pub command: &'a str,
    pub chosen: Chosen,
    pub change: &'a ChangeFlags,
    /// With `--changed` and no `--base`: each target compared from what is
    /// deployed of it in this environment, by its ledger ([`super::deployed`]).
    pub ledger: Option<&'a EnvContext>,
}

/// The plan `request` asks for; prints the range and why on stderr.
/// `settings` gives what each planned target carries (see [`Plan::with`]).
pub async fn make<S>(
    ws: &Workspace,
    request: &PlanRequest<'_>,
    env: Option<&str>,
    settings: impl FnMut(&crate::config::Target) -> S,
) -> anyhow::Result<Plan<S>> {
    let selection = match &request.chosen {
        Chosen::Changed => changed(ws, request, env).await?,
        Chosen::All => Selection::All,
        Chosen::Named(names) => Selection::Named(names.clone()),
    };
    let head = match &selection {
        Selection::Changed { changes, .. } => Some(changes.head.to_string()),
        _ => ws.head_sha(),
    };
    let plan = Plan::with(&ws.config, &selection, head, env, settings)
        .map_err(crate::error::BadInput::from)?;
    eprintln!("{}", describe_range(&plan));
    Ok(plan)
}

/// `--changed`: the run's range, and each target's own where the ledger knows
/// what is deployed of it.
async fn changed(
    ws: &Workspace,
    request: &PlanRequest<'_>,
    env: Option<&str>,
) -> anyhow::Result<Selection> {
    let change = request.change;
    let asked = change_request(ws, change)?;
    let ledger = request.ledger.filter(|_| change.base.is_none());
    let (changes, unknown) = match changes::detect(&ws.repo, &asked) {
        Ok(changes) => (changes, None),
        // Targets the ledger knows do not need the run's range (e.g. a
        // shallow clone without the push's `before`): only the others do.
        Err(changes::ChangeError::UnknownBase { why }) if ledger.is_some() => {
            let head = ws
                .repo
                .revparse_single(change.head.as_deref().unwrap_or("HEAD"))
                .and_then(|o| o.peel_to_commit())
                .map_err(|e| anyhow::anyhow!("reading the head commit: {e}"))?
                .id();
            let none = changes::ChangedPaths {
                base: None,
                head,
                why: why.clone(),
                paths: Vec::new(),
                everything: false,
            };
            (none, Some(why))
        }
        Err(e) => return Err(crate::error::from_change(e)),
    };
    let settings = crate::config::diff::in_range(ws, &changes, env);
    let own = match ledger {
        Some(ctx) => {
            super::deployed::own_ranges(ws, ctx, changes.head, &changes.why, &asked).await?
        }
        None => Default::default(),
    };
    if let Some(why) = unknown {
        if ws.config.targets.iter().any(|t| !own.contains_key(&t.name)) {
            return Err(crate::error::from_change(
                changes::ChangeError::UnknownBase { why },
            ));
        }
    }
    Ok(Selection::Changed {
        changes,
        settings,
        own,
    })
}

/// `--changed` as asked: the flags, and GitHub's event when there is one.
fn change_request(ws: &Workspace, flags: &ChangeFlags) -> anyhow::Result<ChangeRequest> {
    Ok(ChangeRequest {
        range: RangeRequest {
            base: flags.base.clone(),
            head: flags.head.clone(),
            github: github_event()?,
            default_branch: ws.config.project.default_branch.clone(),
        },
        uncommitted: flags.uncommitted,
        all_if_unknown: flags.all_if_unknown,
    })
}

/// The event of the GitHub Actions run we are in, if any.
fn github_event() -> anyhow::Result<Option<GithubEvent>> {
    let (Some(name), Some(path)) = (
        std::env::var_os("GITHUB_EVENT_NAME"),
        std::env::var_os("GITHUB_EVENT_PATH"),
    ) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading $GITHUB_EVENT_PATH ({})", path.to_string_lossy()))?;
    let payload = serde_json::from_str(&text)
        .with_context(|| format!("parsing $GITHUB_EVENT_PATH ({})", path.to_string_lossy()))?;
    Ok(Some(GithubEvent {
        name: name.to_string_lossy().into_owned(),
        payload,
    }))
}

/// A commit id as shown: its first ten characters, `-` for none.
pub fn short(sha: &Option<String>) -> &str {
    sha.as_deref().map_or("-", |s| &s[..s.len().min(10)])
}

fn describe_range<S>(plan: &Plan<S>) -> String {
    match &plan.base {
        Some(_) => format!(
            "comparing {}..{} ({})",
            short(&plan.base),
            short(&plan.head),
            plan.why
        ),
        None => format!("head {} ({})", short(&plan.head), plan.why),
    }
}
