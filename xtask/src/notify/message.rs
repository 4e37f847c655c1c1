//! A run's message in Slack's format: Block Kit `blocks` (a header, a section
//! per target, a context line) and a `text` fallback, which Slack shows in
//! notifications and where blocks cannot be shown.
//!
//! Slack's rules, from its Block Kit reference and formatting guide: at most 50
//! blocks in a message; a header's `plain_text` at most 150 characters; a
//! section's text at most 3,000; a context block at most 10 elements; `text`
//! is cut at 40,000 and best kept under 4,000. In `mrkdwn` and in `text`, `&`,
//! `<` and `>` are control characters (`<url|label>` links, `<!channel>`
//! mentions): every value from elsewhere — summaries, reasons, names — is
//! escaped as `&amp;`, `&lt;`, `&gt;`, so an error message can never ping a
//! channel or forge a link.

use serde_json::{json, Value};

use super::{Line, Outcome, PutBackBy, Run};

const MAX_BLOCKS: usize = 50;
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3000;
const TEXT_MAX: usize = 4000;
/// A reason inside a section: long ones are cut, so the rest still fits.
const WHY_MAX: usize = 1500;

/// The JSON body to post to an incoming webhook.
pub fn payload(run: &Run) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": fit(&headline(run), HEADER_MAX), "emoji": true},
    })];
    // The header and the context line take two of the 50.
    let room = MAX_BLOCKS - 2;
    let shown = if run.lines.len() > room {
        room - 1
    } else {
        run.lines.len()
    };
    for line in &run.lines[..shown] {
        blocks.push(section(&fit(&target_text(line), SECTION_MAX)));
    }
    if shown < run.lines.len() {
        let rest: Vec<&str> = run.lines[shown..]
            .iter()
            .map(|l| l.target.as_str())
            .collect();
        let more = format!("…and {} more: {}", rest.len(), escape(&rest.join(", ")));
        blocks.push(section(&fit(&more, SECTION_MAX)));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": fit(&context(run), SECTION_MAX)}],
    }));
    json!({
        "text": text(run),
        "blocks": blocks,
    })
}

/// The `text` fallback: the headline and a line per target, escaped.
pub fn text(run: &Run) -> String {
    fit(&escape(&plain(run)), TEXT_MAX)
}

/// The message as plain text, for a terminal (a dry run says what it would send).
pub fn plain(run: &Run) -> String {
    let mut out = headline(run);
    for line in &run.lines {
        out.push('\n');
        out.push_str(&format!("{}: {}", line.target, label(line)));
        if let Some(what) = what(line) {
            out.push_str(&format!(" — {what}"));
        }
        if let Some(why) = &line.notice.why {
            out.push_str(&format!(" (why: {})", cut(why, WHY_MAX)));
        }
        if let Some(c) = &line.notice.commit {
            out.push_str(&format!(", commit {}", short_sha(&c.sha)));
            if let Some(a) = &c.author {
                out.push_str(&format!(" by {a}"));
            }
        }
    }
    if let Some(link) = &run.link {
        out.push_str(&format!("\n{link}"));
    }
    out
}

/// "deploy to prod: api failed (rolled back), web deployed"; "drift in
/// prod: api, web".
fn headline(run: &Run) -> String {
    if !run.lines.is_empty()
        && run
            .lines
            .iter()
            .all(|l| l.notice.outcome == Outcome::Drifted)
    {
        let names: Vec<&str> = run.lines.iter().map(|l| l.target.as_str()).collect();
        return format!(":warning: drift in {}: {}", run.env, names.join(", "));
    }
    let failed: Vec<&str> = run
        .lines
        .iter()
        .filter(|l| !l.notice.outcome.ok())
        .map(|l| l.target.as_str())
        .collect();
    let (icon, what) = if failed.is_empty() {
        let icon = if run.command == "rollback" {
            ":leftwards_arrow_with_hook:"
        } else {
            ":white_check_mark:"
        };
        (icon, "done".to_string())
    } else {
        (":rotating_light:", format!("FAILED: {}", failed.join(", ")))
    };
    format!("{icon} {} to {}: {what}", run.command, run.env)
}

fn section(mrkdwn: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}})
}

/// A target's section: what happened, why, the commit, how long.
fn target_text(line: &Line) -> String {
    let n = &line.notice;
    let mut out = format!(
        "{} *{}* {}",
        icon(n.outcome),
        escape(&line.target),
        escape(&label(line))
    );
    if let Some(what) = what(line) {
        out.push_str(&format!(": {}", escape(&what)));
    }
    // What went wrong, or what was done (the command's summary).
    out.push('\n');
    match (n.why.as_deref(), n.outcome) {
        (Some(why), Outcome::RolledBack) => out.push_str(&format!(
            "{}\n*why this version:* {}",
            escape(&cut(&line.summary, WHY_MAX)),
            escape(&cut(why, WHY_MAX))
        )),
        (Some(why), Outcome::Drifted) => out.push_str(&format!(
            "{}\n*what drifted:* {}",
            escape(&cut(&line.summary, WHY_MAX)),
            escape(&cut(why, WHY_MAX))
        )),
        (Some(why), outcome) if !outcome.ok() => {
            out.push_str(&format!("*why:* {}", escape(&cut(why, WHY_MAX))))
        }
        _ => out.push_str(&escape(&cut(&line.summary, WHY_MAX))),
    }
    let mut facts = Vec::new();
    if let Some(c) = &n.commit {
        let mut commit = format!("commit `{}`", escape(short_sha(&c.sha)));
        if let Some(a) = &c.author {
            commit.push_str(&format!(" by {}", escape(a)));
        }
        facts.push(commit);
    }
    if let Some(s) = line.seconds {
        facts.push(duration(s));
    }
    if !facts.is_empty() {
        out.push('\n');
        out.push_str(&facts.join(" · "));
    }
    out
}

fn icon(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Deployed => ":white_check_mark:",
        Outcome::Unchanged => ":white_circle:",
        Outcome::DryRun => ":memo:",
        Outcome::RolledBack => ":leftwards_arrow_with_hook:",
        Outcome::Failed => ":x:",
        Outcome::FailedRolledBack => ":rotating_light:",
        Outcome::Superseded => ":warning:",
        Outcome::Skipped => ":double_vertical_bar:",
        Outcome::Drifted => ":warning:",
    }
}

/// The outcome in words.
fn label(line: &Line) -> String {
    let n = &line.notice;
    let failed = match n.check {
        Some(check) => format!("failed ({})", check.describe()),
        None => "failed".into(),
    };
    match n.outcome {
        Outcome::Deployed => "deployed".into(),
        Outcome::Unchanged => "no change".into(),
        Outcome::DryRun => "dry run".into(),
        Outcome::RolledBack => "rolled back".into(),
        Outcome::Failed => failed,
        Outcome::FailedRolledBack => match n.put_back_by {
            Some(PutBackBy::Ecs) => format!("{failed}, and ECS rolled it back"),
            _ => format!("{failed}, and was rolled back"),
        },
        Outcome::Superseded => "superseded by another deployment".into(),
        Outcome::Skipped => "did not run".into(),
        Outcome::Drifted => "drifted".into(),
    }
}

/// What it put in place and what that replaced: "api:8, replacing api:7";
/// for a rollback "api:8 → api:7".
fn what(line: &Line) -> Option<String> {
    let n = &line.notice;
    let (deployed, replaced) = (n.deployed.as_deref()?, n.replaced.as_deref());
    Some(match (n.outcome, replaced) {
        (Outcome::RolledBack, Some(r)) => format!("{r} → {deployed}"),
        (Outcome::FailedRolledBack, Some(r)) => format!("{deployed} did not stay; {r} runs again"),
        (_, Some(r)) => format!("{deployed}, replacing {r}"),
        (_, None) => deployed.to_string(),
    })
}

fn context(run: &Run) -> String {
    let mut parts = vec![format!(
        "`cargo xtask {}` · {} · run by {}",
        escape(&run.command),
        escape(&run.env),
        escape(&run.who)
    )];
    if let Some(link) = &run.link {
        // A link's URL is escaped like any text; `|` would end it early.
        parts.push(format!("<{}|CI run>", escape(&link.replace('|', "%7C"))));
    }
    parts.join(" · ")
}

fn duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{seconds:.1}s")
    }
}

fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// Slack's control characters as HTML entities (its formatting guide: only
/// these three, never the whole text).
pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `max` characters, ending in `…` when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// [`cut`] for escaped text: never ends inside an entity (`&am…`).
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    if let Some(amp) = out.rfind('&') {
        if !out[amp..].contains(';') {
            out.truncate(amp);
        }
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_never_splits_an_entity() {
        assert_eq!(fit("ab&amp;cd", 5), "ab…");
        assert_eq!(fit("ab&amp;cd", 9), "ab&amp;cd");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ééééé", 3).chars().count(), 3);
    }

    #[test]
    fn escapes_only_the_three() {
        assert_eq!(
            escape("<!channel> & *b* > a"),
            "&lt;!channel&gt; &amp; *b* &gt; a"
        );
    }
}
