//! What a terraform run shows: its steps, the plan's summary with networking
//! destroys called out, and the fingerprint its reviewers approve.

use super::FINGERPRINT_OUTPUT;

/// Progress on stderr; the plan's summary on stdout, with networking destroys
/// and replacements called out (and annotated under GitHub Actions).
pub(super) fn show_event(name: &str, env: &str, event: shared_infra::DeployEvent<'_>) {
    match event {
        shared_infra::DeployEvent::Step(step) => eprintln!("{name}: terraform {step}"),
        shared_infra::DeployEvent::Planned(summary) => {
            crate::output::detail(&summary_text(name, env, summary));
            if !summary.fingerprint.is_empty() {
                crate::output::detail(&format!(
                    "{name}: plan fingerprint {}\n",
                    summary.fingerprint
                ));
            }
            if crate::output::github_actions() && std::env::var_os("GITHUB_OUTPUT").is_some() {
                let written = crate::output::append_github_output(&[(
                    FINGERPRINT_OUTPUT,
                    summary.fingerprint.clone(),
                )]);
                if let Err(e) = written {
                    eprintln!(
                        "{name}: the plan fingerprint was not written to $GITHUB_OUTPUT: {e:#}"
                    );
                }
            }
        }
    }
}

/// How many changes the summary lists by name.
const CHANGES_SHOWN: usize = 40;

pub fn summary_text(name: &str, env: &str, s: &shared_infra::PlanSummary) -> String {
    let mut out = format!("{name}: {}\n", s.headline());
    for c in s.changes.iter().take(CHANGES_SHOWN) {
        out.push_str(&format!(
            "  {:<8} {}{}\n",
            c.kind.as_str(),
            c.address,
            forced(c)
        ));
    }
    if s.changes.len() > CHANGES_SHOWN {
        out.push_str(&format!(
            "  ... and {} more\n",
            s.changes.len() - CHANGES_SHOWN
        ));
    }
    let dangerous = s.dangerous();
    if !dangerous.is_empty() {
        let bar = "!".repeat(78);
        out.push_str(&format!(
            "{bar}\n!!! DANGER: this plan DESTROYS OR REPLACES {} NETWORKING RESOURCE{} of {name} in {env}:\n",
            dangerous.len(),
            if dangerous.len() == 1 { "" } else { "S" }
        ));
        for c in &dangerous {
            out.push_str(&format!(
                "!!!   {:<8} {}{}\n",
                c.kind.as_str(),
                c.address,
                forced(c)
            ));
        }
        out.push_str("!!! Everything that runs in this network (API, web, databases) can lose it\n!!! while these are rebuilt. Read the plan above before approving.\n");
        out.push_str(&format!("{bar}\n"));
        if crate::output::github_actions() {
            let list: Vec<String> = dangerous
                .iter()
                .map(|c| format!("{} {}", c.kind.as_str(), c.address))
                .collect();
            out.push_str(&format!(
                "::warning title={name} destroys networking in {env}::{}\n",
                list.join("; ").replace('%', "%25")
            ));
        }
    }
    out
}

fn forced(c: &shared_infra::ResourceChange) -> String {
    if c.forced_by.is_empty() {
        String::new()
    } else {
        format!("  (forced by {})", c.forced_by.join(", "))
    }
}
