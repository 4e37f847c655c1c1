//! `cargo xtask plan`: what would deploy, in which order, and why.

use anyhow::Context;

use crate::changes::{self, ChangeRequest, GithubEvent, RangeRequest};
use crate::error::BadInput;
use crate::flags::{ChangeFlags, Format, PlanFlags};
use crate::output;
use crate::plan::{Plan, Selection};
use crate::workspace::Workspace;

/// How many matching paths the text table shows per target.
const PATHS_SHOWN: usize = 10;

pub fn run(flags: &PlanFlags) -> anyhow::Result<()> {
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
    )?;
    match flags.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
        Format::Text => print!("{}", table(&plan, &ws)),
        Format::Github => {
            print!("{}", table(&plan, &ws));
            output::append_github_output(&[
                ("targets", serde_json::to_string(&plan.target_names())?),
                ("any", (!plan.targets.is_empty()).to_string()),
            ])?;
        }
    }
    Ok(())
}

/// The plan for `--changed`, `--all` or named targets, as `plan` and `deploy`
/// take them; prints the range and why on stderr. `settings` gives what each
/// planned target carries (see [`Plan::new`]).
#[allow(clippy::too_many_arguments)]
pub fn make_plan<S>(
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
        let changes = changed_paths(ws, change)?;
        let settings = settings_changed(ws, &changes, env);
        Selection::Changed { changes, settings }
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

/// When deploy.toml itself changed in the range: the targets whose settings it
/// changed (compared with the file at the base commit), with why.
fn settings_changed(
    ws: &Workspace,
    changes: &changes::ChangedPaths,
    env: Option<&str>,
) -> std::collections::BTreeMap<String, String> {
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    let relative = canonical(&ws.config.file)
        .zip(canonical(&ws.root))
        .and_then(|(file, root)| {
            file.strip_prefix(root)
                .ok()
                .and_then(|p| p.to_str())
                .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"))
        });
    match (changes.base, relative) {
        (Some(base), Some(relative)) if changes.paths.contains(&relative) => {
            let old = crate::config::diff::at_commit(&ws.repo, base, &relative, &ws.config.file);
            crate::config::diff::changed_targets(old.as_ref(), &ws.config, env)
        }
        _ => Default::default(),
    }
}

/// Resolves `--changed` against the repository, GitHub's event when there is one.
pub fn changed_paths(ws: &Workspace, flags: &ChangeFlags) -> anyhow::Result<changes::ChangedPaths> {
    let request = ChangeRequest {
        range: RangeRequest {
            base: flags.base.clone(),
            head: flags.head.clone(),
            github: github_event()?,
            default_branch: ws.config.project.default_branch.clone(),
        },
        uncommitted: flags.uncommitted,
        all_if_unknown: flags.all_if_unknown,
    };
    changes::detect(&ws.repo, &request).map_err(crate::error::from_change)
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
        let line = format!(
            "{:>3}. {:<width$}  {:<11}{after}",
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
    let skipped: Vec<&str> = ws
        .config
        .targets
        .iter()
        .filter(|t| !plan.targets.iter().any(|p| p.name == t.name))
        .map(|t| t.name.as_str())
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!("not deploying: {}\n", skipped.join(", ")));
    }
    out
}
