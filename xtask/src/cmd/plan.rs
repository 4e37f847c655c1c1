//! `cargo xtask plan`: what would deploy, in which order, and why.

use crate::flags::{Format, PlanFlags};
use crate::output;
use crate::plan::short;
use crate::plan::{Plan, PlanRequest, Since, Why};
use crate::workspace::Workspace;

/// How many matching paths the text table shows per target.
const PATHS_SHOWN: usize = 10;

pub async fn run(flags: &PlanFlags) -> anyhow::Result<()> {
    // Taken before the ledger is read: a rollback recorded after it is one
    // this plan did not see (`deploy --planned-at`).
    let planned_at = crate::state::now_rfc3339();
    let ws = Workspace::open(&flags.repo)?;
    let ctx = match &flags.env {
        Some(env) => Some(ws.connect(env).await?),
        None => None,
    };
    let request = PlanRequest {
        command: "plan",
        chosen: flags.chosen()?,
        change: &flags.change,
        ledger: ctx.as_ref(),
    };
    let plan = crate::plan::make(&ws, &request, flags.env.as_deref(), |_| ()).await?;
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
                ("planned_at", planned_at),
            ])?;
        }
    }
    Ok(())
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
