//! An environment's deploy history as one timeline: a lane per target, each
//! deploy and rollback a mark by time, coloured by outcome, the live one
//! marked — as a self-contained HTML page ([`html`]) or a Markdown table for
//! a GitHub step summary ([`markdown`]).

pub mod html;
pub mod markdown;

use std::time::{Duration, SystemTime};

use crate::state::ledger::{Action, Outcome, Record};

/// One target's records, newest first.
#[derive(Debug, Clone)]
pub struct Lane {
    pub target: String,
    pub kind: String,
    pub records: Vec<Record>,
    /// The id of the record whose result runs now (a site's live release, a
    /// service's revision, a stack's last apply), by the ledger.
    pub live: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    pub project: String,
    pub env: String,
    /// RFC 3339.
    pub generated_at: String,
    pub lanes: Vec<Lane>,
}

impl Timeline {
    /// The first start and the last finish over every record.
    pub fn span(&self) -> Option<(SystemTime, SystemTime)> {
        let times = self
            .lanes
            .iter()
            .flat_map(|l| &l.records)
            .flat_map(|r| [started(r), finished(r)])
            .flatten();
        let (mut lo, mut hi) = (None::<SystemTime>, None::<SystemTime>);
        for t in times {
            lo = Some(lo.map_or(t, |l| l.min(t)));
            hi = Some(hi.map_or(t, |h| h.max(t)));
        }
        Some((lo?, hi?))
    }

    pub fn record_count(&self) -> usize {
        self.lanes.iter().map(|l| l.records.len()).sum()
    }

    /// Every record with its lane, newest first.
    pub fn newest_first(&self) -> Vec<(&Lane, &Record)> {
        let mut all: Vec<(&Lane, &Record)> = self
            .lanes
            .iter()
            .flat_map(|l| l.records.iter().map(move |r| (l, r)))
            .collect();
        all.sort_by(|a, b| b.1.started_at.cmp(&a.1.started_at));
        all
    }
}

pub fn started(r: &Record) -> Option<SystemTime> {
    crate::targets::drift::parse_time(&r.started_at)
}

pub fn finished(r: &Record) -> Option<SystemTime> {
    crate::targets::drift::parse_time(&r.finished_at)
}

/// How long the record's deploy or rollback took.
pub fn duration(r: &Record) -> Option<Duration> {
    finished(r)?.duration_since(started(r)?).ok()
}

/// `1m 05s`, `12s`, `850ms`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        format!("{}ms", d.subsec_millis())
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

/// `family:rev` of a task definition ARN, the first 10 characters of a
/// commit, other ids (releases) as they are.
pub fn short_name(id: &str) -> String {
    let tail = id.rsplit('/').next().unwrap_or(id);
    if tail.len() == 40 && tail.bytes().all(|b| b.is_ascii_hexdigit()) {
        tail[..10].to_string()
    } else {
        tail.to_string()
    }
}

pub fn action_word(a: Action) -> &'static str {
    match a {
        Action::Deploy => "deploy",
        Action::Rollback => "rollback",
    }
}

pub fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Succeeded => "succeeded",
        Outcome::Failed => "failed",
    }
}

/// The record's message, and for an ECS deploy how its deployment ran
/// (strategy, service deployment, how it ended).
pub fn message(r: &Record) -> String {
    match &r.checks.rollout {
        Some(rollout) => format!("{} (rollout: {})", r.message, rollout.describe()),
        None => r.message.clone(),
    }
}

/// The commit, short.
pub fn short_sha(r: &Record) -> String {
    r.git_sha
        .as_deref()
        .map_or_else(|| "-".into(), |s| s[..s.len().min(7)].to_string())
}
