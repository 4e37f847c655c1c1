//! Where what runs and the ledger disagree, as `status` reports it: one
//! [`Drift`] per difference, each saying what differs, since when (if known)
//! and what to do, as a command that works as printed.

use std::time::SystemTime;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// What kind of difference: `task-definition`, `rollout-in-progress`,
    /// `automatic-rollback`, `object-changed`, `object-added`, `object-removed`,
    /// `manifest-missing`, `state-changed`, `state-missing`.
    pub kind: &'static str,
    /// What differs, in a sentence.
    pub what: String,
    /// Since when, RFC 3339, when it is known.
    pub since: Option<String>,
    /// What to do: the command that puts ours back, or why nothing may be needed.
    pub action: String,
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
