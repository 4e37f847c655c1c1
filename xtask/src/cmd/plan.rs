//! `cargo xtask plan`: what would deploy, in which order, and why.

use anyhow::Context;

use crate::changes::{self, ChangeRequest, GithubEvent, RangeRequest};
use crate::error::BadInput;
use crate::flags::{ChangeFlags, Format, PlanFlags};
use crate::output;
use crate::plan::{Plan, Selection, Since, Why};
use crate::workspace::Workspace;

/// How many matching paths the text table shows per target.
const PATHS_SHOWN: usize = 10;

pub async fn run(flags: &PlanFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    if let Some(env) = &flags.env {
        ws.environment(env)?;
    }
    let plan = make_plan(
        &ws,
        "plan",
        &flags.targets,
        flags.changed,
        flags.all,
        &flags.change,
        flags.env.as_deref(),
        |_| (),
    )
    .await?;
    match flags.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
        Format::Text => print!("{}", table(&plan, &ws)),
        Format::Github => {
            let table = table(&plan, &ws);
            print!("{table}");
            output::write_step_summary(&summary(&plan))?;
            output::append_github_output(&[
                ("targets", serde_json::to_string(&plan.target_names())?),
                ("any", (!plan.targets.is_empty()).to_string()),
            ])?;
        }
    }
    Ok(())
}

/// The plan for `--changed`, `--all` or named targets, as `plan` and `deploy`
/// take them; prints the range and why on stderr. With `env` and no `--base`,
/// each target the ledger knows is compared from what is deployed of it there
/// ([`crate::plan::deployed`]). `settings` gives what each planned target
/// carries (see [`Plan::new`]).
#[allow(clippy::too_many_arguments)]
pub async fn make_plan<S>(
    ws: &Workspace,
    command: &str,
    targets: &[String],
    changed: bool,
    all: bool,
    change: &ChangeFlags,
    env: Option<&str>,
    settings: impl FnMut(&crate::config::Target) -> S,
) -> anyhow::Result<Plan<S>> {
    let selection = if changed {
        let request = change_request(ws, change)?;
        let from_ledger = env.filter(|_| change.base.is_none());
        let (changes, unknown) = match changes::detect(&ws.repo, &request) {
            Ok(changes) => (changes, None),
            // Targets the ledger knows do not need the run's range (e.g. a
            // shallow clone without the push's `before`): only the others do.
            Err(changes::ChangeError::UnknownBase { why }) if from_ledger.is_some() => {
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
        let own = match from_ledger {
            Some(env) => {
                crate::plan::deployed::own_ranges(ws, env, changes.head, &changes.why, &request)
                    .await?
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
        Selection::Changed {
            changes,
            settings,
            own,
        }
    } else if all {
        Selection::All
    } else if !targets.is_empty() {
        Selection::Named(targets.to_vec())
    } else {
        return Err(BadInput::error(format!(
            "{command}: say what to {command}: --changed, --all, or target names"
        )));
    };
    let head = match &selection {
        Selection::Changed { changes, .. } => Some(changes.head.to_string()),
        _ => ws.head_sha(),
    };
    let plan = Plan::with(&ws.config, &selection, head, env, settings).map_err(BadInput::from)?;
    eprintln!("{}", describe_range(&plan));
    Ok(plan)
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

fn short(sha: &Option<String>) -> &str {
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

/// `since X (why)` for a target compared in another range than the run's
/// (the one printed on stderr), else nothing.
fn own_range<S>(plan: &Plan<S>, since: Option<&Since>) -> Option<String> {
    let since = since?;
    if since.base == plan.base && since.why == plan.why {
        return None;
    }
    Some(match &since.base {
        Some(base) => format!("since {} ({})", short(&Some(base.clone())), since.why),
        None => since.why.clone(),
    })
}

fn table<S>(plan: &Plan<S>, ws: &Workspace) -> String {
    let mut out = String::new();
    let env = plan
        .env
        .as_deref()
        .map(|e| format!(" to {e}"))
        .unwrap_or_default();
    if plan.targets.is_empty() {
        out.push_str(&format!(
            "nothing to deploy{env}: no target's paths changed\n"
        ));
    } else {
        out.push_str(&format!(
            "{} of {} targets deploy{env}, in this order:\n",
            plan.targets.len(),
            ws.config.targets.len()
        ));
    }
    let width = plan.targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for (i, t) in plan.targets.iter().enumerate() {
        let after = if t.after.is_empty() {
            String::new()
        } else {
            format!(" (after {})", t.after.join(", "))
        };
        let since = own_range(plan, t.since.as_ref())
            .map(|s| format!("  {s}"))
            .unwrap_or_default();
        let line = format!(
            "{:>3}. {:<width$}  {:<11}{after}{since}",
            i + 1,
            t.name,
            t.kind.to_string()
        );
        out.push_str(line.trim_end());
        out.push('\n');
        for p in t.paths.iter().take(PATHS_SHOWN) {
            out.push_str(&format!("       {p}\n"));
        }
        if t.paths.len() > PATHS_SHOWN {
            out.push_str(&format!(
                "       ... and {} more\n",
                t.paths.len() - PATHS_SHOWN
            ));
        }
    }
    let skipped: Vec<String> = ws
        .config
        .targets
        .iter()
        .filter(|t| !plan.targets.iter().any(|p| p.name == t.name))
        .map(|t| {
            let since = plan.not_planned.iter().find(|n| n.name == t.name);
            match own_range(plan, since.map(|n| &n.since)) {
                Some(s) => format!("{} (unchanged {s})", t.name),
                None => t.name.clone(),
            }
        })
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!("not deploying: {}\n", skipped.join(", ")));
    }
    out
}

/// The plan for the run page: each target, planned or not, and why.
fn summary<S>(plan: &Plan<S>) -> String {
    let env = plan.env.as_deref().unwrap_or("-");
    let mut md = format!(
        "### plan for {env}\n\n| target | deploys | why | compared since |\n|---|---|---|---|\n"
    );
    let since = |s: Option<&Since>| match s {
        Some(Since {
            base: Some(base),
            why,
            ..
        }) => format!("`{}` ({why})", short(&Some(base.clone()))),
        Some(Since { base: None, why }) => why.clone(),
        None => "-".into(),
    };
    let cell = |s: &str| s.replace('|', "\\|");
    for t in &plan.targets {
        let why = match t.why {
            Why::Changed => {
                let mut shown: Vec<&str> = t.paths.iter().take(3).map(String::as_str).collect();
                if t.paths.len() > 3 {
                    shown.push("...");
                }
                format!("changed: {}", shown.join(", "))
            }
            Why::BaseUnknown => "the base is unknown: every target".into(),
            Why::All => "all targets".into(),
            Why::Named => "named".into(),
        };
        md.push_str(&format!(
            "| {} | yes | {} | {} |\n",
            t.name,
            cell(&why),
            cell(&since(t.since.as_ref()))
        ));
    }
    for n in &plan.not_planned {
        md.push_str(&format!(
            "| {} | no | nothing changed | {} |\n",
            n.name,
            cell(&since(Some(&n.since)))
        ));
    }
    md.push('\n');
    md
}
