//! The timeline as Markdown, for a GitHub step summary
//! (`cargo xtask history --env prod --format markdown >> "$GITHUB_STEP_SUMMARY"`):
//! per target its live record, then every record newest first in one table.

use std::fmt::Write;

use super::{action_word, duration, human_duration, short_name, short_sha, Timeline};

pub fn render(t: &Timeline) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Deploy timeline of {} ({} records)\n",
        cell(&t.env),
        t.record_count()
    );
    out.push_str("| target | kind | live now | since |\n|---|---|---|---|\n");
    for lane in &t.lanes {
        let live = lane
            .live
            .as_deref()
            .and_then(|id| lane.records.iter().find(|r| r.id == id));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&lane.target),
            cell(&lane.kind),
            live.map_or_else(
                || "-".into(),
                |r| format!("`{}`", cell(&short_name(&r.deployed)))
            ),
            live.map_or_else(|| "-".into(), |r| cell(&r.finished_at))
        );
    }
    if t.record_count() == 0 {
        out.push_str("\nNo deploys recorded in this environment yet.\n");
        return out;
    }
    out.push_str("\n| started | target | action | outcome | deployed | replaced | commit | who | duration | message |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (lane, r) in t.newest_first() {
        let live = lane.live.as_deref() == Some(r.id.as_str());
        let outcome = match r.outcome {
            crate::state::ledger::Outcome::Succeeded => "✅ succeeded",
            crate::state::ledger::Outcome::Failed => "❌ failed",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{}`{} | {} | `{}` | {} | {} | {} |",
            cell(&r.started_at),
            cell(&lane.target),
            action_word(r.action),
            outcome,
            cell(&short_name(&r.deployed)),
            if live { " **live**" } else { "" },
            r.replaced
                .as_deref()
                .map_or_else(|| "-".into(), |p| format!("`{}`", cell(&short_name(p)))),
            cell(&short_sha(r)),
            cell(&r.who),
            duration(r).map_or_else(|| "-".into(), human_duration),
            cell(&super::message(r))
        );
    }
    out
}

/// Text safe in a table cell: no `|`, no line breaks, no HTML.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
