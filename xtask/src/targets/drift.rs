//! Where what runs and the ledger disagree, as `status` reports it: one
//! [`Drift`] per difference, each saying what differs, since when (if known)
//! and what to do, as a command that works as printed.

use std::time::SystemTime;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// What kind of difference: `task-definition`, `rollout-in-progress`,
    /// `automatic-rollback`, `object-changed`, `object-added`, `object-removed`,
    /// `kept-object-changed`, `manifest-missing`, `state-changed`, `state-missing`.
    pub kind: &'static str,
    /// What differs, in a sentence.
    pub what: String,
    /// Since when, RFC 3339, when it is known.
    pub since: Option<String>,
    /// What to do: the command that puts ours back, or why nothing may be needed.
    pub action: String,
}

/// A static site's file of an earlier release, still in the bucket for the
/// grace period (open pages may still fetch it): expected, not drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    pub key: String,
    /// How many releases ago it left the build.
    pub releases_since: u32,
    /// It is deleted by the n-th deploy or rollback from now that writes a
    /// release (one that changes nothing does not count).
    pub goes_with: u32,
    /// The same in words.
    pub goes: String,
}

impl Kept {
    pub fn new(key: String, releases_since: u32, grace: u32) -> Kept {
        let goes_with = web_deployer::plan::releases_left(releases_since, grace);
        let goes = match goes_with {
            1 => "deleted by the next deploy or rollback".to_string(),
            n => format!("deleted by the {} deploy or rollback from now", ordinal(n)),
        };
        Kept {
            key,
            releases_since,
            goes_with,
            goes,
        }
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// RFC 3339 UTC, to the second.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// A ledger time (RFC 3339) as a point in time.
pub fn parse_time(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(s.trim_end_matches('Z'))
        .ok()
        .or_else(|| humantime::parse_rfc3339(s).ok())
}
