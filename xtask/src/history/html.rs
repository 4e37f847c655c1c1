//! The timeline as one self-contained HTML page: inline CSS only — no script,
//! font or stylesheet from anywhere — so it opens from a file, an artifact or
//! an e-mail. Hover or focus a mark for its details (a CSS tooltip, and the
//! browser's own `title`); a click jumps to its row in the table below, which
//! holds every record and works with no JavaScript (there is none).

use std::fmt::Write;
use std::time::SystemTime;

use super::{
    action_word, duration, human_duration, outcome_word, short_name, short_sha, started, Lane,
    Timeline,
};
use crate::state::ledger::Record;

/// The outcome colours (the screenshot test looks for them).
pub const SUCCEEDED_COLOUR: &str = "#1a7f37";
pub const FAILED_COLOUR: &str = "#cf222e";
/// The live record's ring and a lane's background.
pub const LIVE_COLOUR: &str = "#0969da";
pub const LANE_COLOUR: &str = "#eef2f6";

pub fn render(t: &Timeline) -> String {
    let mut out = String::new();
    let title = format!("{} · {} · deploy timeline", t.project, t.env);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n",
        esc(&title),
        css()
    );
    let span = t.span();
    let _ = write!(
        out,
        "<header>\n<h1>Deploy timeline of <span class=\"env\">{}</span></h1>\n<p class=\"meta\">project {} · {} records in {} targets{} · written {} by <code>cargo xtask history --env {}</code></p>\n",
        esc(&t.env),
        esc(&t.project),
        t.record_count(),
        t.lanes.len(),
        span.map(|(lo, hi)| format!(" · from {} to {}", when(lo), when(hi))).unwrap_or_default(),
        esc(&t.generated_at),
        esc(&t.env)
    );
    out.push_str(
        "<p class=\"legend\"><span class=\"key succeeded\"></span> succeeded <span class=\"key failed\"></span> failed <span class=\"key diamond\"></span> rollback (a diamond) <span class=\"key live\"></span> live now</p>\n</header>\n",
    );
    out.push_str("<main>\n<section class=\"timeline\" aria-label=\"timeline\">\n");
    if let Some((lo, hi)) = span {
        axis(&mut out, lo, hi);
        for lane in &t.lanes {
            render_lane(&mut out, lane, lo, hi);
        }
    } else {
        out.push_str("<p class=\"empty\">No deploys recorded in this environment yet.</p>\n");
    }
    out.push_str("</section>\n");
    table(&mut out, t);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn css() -> String {
    format!(
        "body {{ font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; padding: 16px 24px; color: #1f2328; background: #fff; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }} h2 {{ font-size: 16px; margin: 24px 0 8px; }}
.env {{ color: {LIVE_COLOUR}; }} .meta {{ color: #59636e; margin: 0 0 8px; }}
.legend {{ margin: 0 0 12px; color: #59636e; }}
.key {{ display: inline-block; width: 11px; height: 11px; border-radius: 50%; vertical-align: -1px; margin-left: 10px; }}
.key.succeeded {{ background: {SUCCEEDED_COLOUR}; }} .key.failed {{ background: {FAILED_COLOUR}; }}
.key.diamond {{ background: #59636e; border-radius: 1px; transform: rotate(45deg) scale(.85); }}
.key.live {{ background: #fff; box-shadow: 0 0 0 3px {LIVE_COLOUR}; }}
.timeline {{ border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px 12px 12px; }}
.axis, .lane {{ display: grid; grid-template-columns: 150px 1fr; align-items: center; }}
.utc {{ color: #59636e; font-size: 12px; }}
.axis .ticks {{ position: relative; height: 20px; color: #59636e; font-size: 12px; }}
.tick {{ position: absolute; transform: translateX(-50%); white-space: nowrap; }}
.tick.first {{ transform: none; }} .tick.last {{ transform: translateX(-100%); }}
.lane {{ margin-top: 6px; }}
.lane-name {{ font-weight: 600; overflow: hidden; text-overflow: ellipsis; }}
.lane-name small {{ display: block; font-weight: 400; color: #59636e; }}
.track {{ position: relative; height: 58px; background: {LANE_COLOUR}; border-radius: 4px; }}
.mark {{ position: absolute; width: 14px; height: 14px; margin-left: -7px; display: block; text-decoration: none; }}
.dot {{ position: absolute; inset: 0; border-radius: 50%; border: 1px solid rgba(0,0,0,.25); }}
.succeeded .dot {{ background: {SUCCEEDED_COLOUR}; }} .failed .dot {{ background: {FAILED_COLOUR}; }}
.rollback .dot {{ border-radius: 2px; transform: rotate(45deg) scale(.85); }}
.mark.live {{ z-index: 2; }}
.mark.live .dot {{ box-shadow: 0 0 0 2px #fff, 0 0 0 5px {LIVE_COLOUR}; }}
.live-label {{ position: absolute; bottom: 1px; transform: translateX(-50%); font-size: 11px; font-weight: 700; color: {LIVE_COLOUR}; }}
.tip {{ display: none; position: absolute; top: 20px; left: -8px; z-index: 10; width: 340px; padding: 8px 10px; background: #fff; color: #1f2328; border: 1px solid #d1d9e0; border-radius: 6px; box-shadow: 0 4px 12px rgba(0,0,0,.15); font-size: 12px; }}
.mark.right .tip {{ left: auto; right: -8px; }}
.mark:hover, .mark:focus {{ z-index: 20; outline: none; }}
.mark:hover .tip, .mark:focus .tip {{ display: block; }}
.tip b {{ display: block; font-size: 13px; margin-bottom: 2px; }}
.tip dl {{ display: grid; grid-template-columns: 80px 1fr; margin: 0; gap: 1px 6px; }}
.tip dt {{ color: #59636e; }} .tip dd {{ margin: 0; overflow-wrap: anywhere; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ text-align: left; padding: 4px 8px; border-bottom: 1px solid #d1d9e0; vertical-align: top; }}
th {{ background: #f6f8fa; position: sticky; top: 0; }}
td.o-succeeded {{ color: {SUCCEEDED_COLOUR}; font-weight: 600; }} td.o-failed {{ color: {FAILED_COLOUR}; font-weight: 600; }}
.badge {{ color: #fff; background: {LIVE_COLOUR}; border-radius: 8px; padding: 0 6px; font-size: 11px; margin-left: 4px; }}
tr:target {{ background: #fff8c5; }}
code {{ font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }}
.empty {{ color: #59636e; }}"
    )
}

/// Where `t` falls between `lo` and `hi`, in percent, kept off the edges.
fn position(t: SystemTime, lo: SystemTime, hi: SystemTime) -> f64 {
    let whole = hi.duration_since(lo).map_or(0.0, |d| d.as_secs_f64());
    if whole <= 0.0 {
        return 50.0;
    }
    let part = t.duration_since(lo).map_or(0.0, |d| d.as_secs_f64());
    1.5 + 97.0 * (part / whole).clamp(0.0, 1.0)
}

fn axis(out: &mut String, lo: SystemTime, hi: SystemTime) {
    const TICKS: u32 = 5;
    let whole = hi.duration_since(lo).unwrap_or_default();
    // Labels as fine as the span needs: seconds within an hour, minutes within
    // two days, else days.
    let label: fn(SystemTime) -> String = if whole.as_secs() < 3600 {
        |t| rfc3339(t)[11..19].to_string()
    } else if whole.as_secs() < 2 * 86400 {
        |t| format!("{} {}", &rfc3339(t)[5..10], &rfc3339(t)[11..16])
    } else {
        |t| rfc3339(t)[..10].to_string()
    };
    out.push_str("<div class=\"axis\"><div class=\"utc\">UTC</div><div class=\"ticks\">");
    for i in 0..=TICKS {
        let t = lo + whole.mul_f64(f64::from(i) / f64::from(TICKS));
        let class = match i {
            0 => " first",
            TICKS => " last",
            _ => "",
        };
        let left = if i == 0 {
            0.0
        } else if i == TICKS {
            100.0
        } else {
            position(t, lo, hi)
        };
        let _ = write!(
            out,
            "<span class=\"tick{class}\" style=\"left:{left:.2}%\">{}</span>",
            label(t)
        );
        if whole.is_zero() {
            break;
        }
    }
    out.push_str("</div></div>\n");
}

fn render_lane(out: &mut String, lane: &Lane, lo: SystemTime, hi: SystemTime) {
    let _ = write!(
        out,
        "<div class=\"lane\" id=\"lane-{}\"><div class=\"lane-name\">{}<small>{} · {} records</small></div><div class=\"track\">",
        esc(&lane.target),
        esc(&lane.target),
        esc(&lane.kind),
        lane.records.len()
    );
    // Oldest first, so newer marks are drawn over older ones; three rows so
    // that marks close in time do not hide each other.
    for (i, r) in lane.records.iter().rev().enumerate() {
        let Some(at) = started(r) else { continue };
        let left = position(at, lo, hi);
        let live = lane.live.as_deref() == Some(r.id.as_str());
        let top = if live { 22 } else { 6 + (i % 3) * 16 };
        let classes = format!(
            "mark {} {}{}{}",
            action_word(r.action),
            outcome_word(r.outcome),
            if live { " live" } else { "" },
            if left > 60.0 { " right" } else { "" }
        );
        let _ = write!(
            out,
            "<a class=\"{classes}\" href=\"#{}\" style=\"left:{left:.2}%;top:{top}px\" title=\"{}\"><span class=\"dot\"></span><span class=\"tip\">{}</span></a>",
            row_id(lane, r),
            esc(&plain_details(lane, r, live)),
            tip(lane, r, live)
        );
        if live {
            let _ = write!(
                out,
                "<span class=\"live-label\" style=\"left:{left:.2}%\">live</span>"
            );
        }
    }
    out.push_str("</div></div>\n");
}

fn row_id(lane: &Lane, r: &Record) -> String {
    format!("r-{}-{}", esc(&lane.target), esc(&r.id))
}

fn details(r: &Record) -> Vec<(&'static str, String)> {
    vec![
        ("commit", r.git_sha.clone().unwrap_or_else(|| "-".into())),
        ("who", r.who.clone()),
        ("when", format!("{} → {}", r.started_at, r.finished_at)),
        (
            "duration",
            duration(r).map_or_else(|| "-".into(), human_duration),
        ),
        ("deployed", r.deployed.clone()),
        ("replaced", r.replaced.clone().unwrap_or_else(|| "-".into())),
        ("message", r.message.clone()),
    ]
    .into_iter()
    .chain(r.checks.rollout.as_ref().map(|o| ("rollout", o.describe())))
    .collect()
}

fn headline(lane: &Lane, r: &Record, live: bool) -> String {
    format!(
        "{} {} {} {}{}",
        lane.target,
        action_word(r.action),
        outcome_word(r.outcome),
        short_name(&r.deployed),
        if live { " (live)" } else { "" }
    )
}

fn tip(lane: &Lane, r: &Record, live: bool) -> String {
    let mut s = format!("<b>{}</b><dl>", esc(&headline(lane, r, live)));
    for (k, v) in details(r) {
        let _ = write!(s, "<dt>{k}</dt><dd>{}</dd>", esc(&v));
    }
    s.push_str("</dl>");
    s
}

fn plain_details(lane: &Lane, r: &Record, live: bool) -> String {
    let mut s = headline(lane, r, live);
    for (k, v) in details(r) {
        let _ = write!(s, "\n{k}: {v}");
    }
    s
}

fn table(out: &mut String, t: &Timeline) {
    out.push_str("<section>\n<h2>Every record, newest first</h2>\n<table>\n<thead><tr><th>started</th><th>target</th><th>action</th><th>outcome</th><th>deployed</th><th>replaced</th><th>commit</th><th>who</th><th>duration</th><th>message</th></tr></thead>\n<tbody>\n");
    for (lane, r) in t.newest_first() {
        let live = lane.live.as_deref() == Some(r.id.as_str());
        let _ = writeln!(
            out,
            "<tr id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td class=\"o-{}\">{}</td><td title=\"{}\">{}{}</td><td title=\"{}\">{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row_id(lane, r),
            esc(&r.started_at),
            esc(&lane.target),
            action_word(r.action),
            outcome_word(r.outcome),
            outcome_word(r.outcome),
            esc(&r.deployed),
            esc(&short_name(&r.deployed)),
            if live { "<span class=\"badge\">live</span>" } else { "" },
            esc(r.replaced.as_deref().unwrap_or("-")),
            esc(&r.replaced.as_deref().map_or_else(|| "-".into(), short_name)),
            esc(&short_sha(r)),
            esc(&r.who),
            duration(r).map_or_else(|| "-".into(), human_duration),
            esc(&super::message(r))
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// `2026-12-02 15:40 UTC`.
fn when(t: SystemTime) -> String {
    let s = rfc3339(t);
    format!("{} {} UTC", &s[..10], &s[11..16])
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
