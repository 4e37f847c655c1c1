//! Exit codes: 2 for input the user can fix (flags, config, revisions, a missing
//! set-up step), 130 or 143 for a run ended by SIGINT or SIGTERM, 1 for everything
//! else (a failed deploy, AWS or git trouble); 3 for `status` finding drift.
//!
//! One type decides exit code 2: [`BadInput`]. Errors that come from elsewhere
//! (the config loader, change detection, the deploy crates) become a `BadInput`
//! where they enter xtask's flow, with the wording that names the file or flag;
//! nothing downstream has to know their types.

/// A problem with what the user passed, not with what happened: exit code 2,
/// and nothing was changed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

impl BadInput {
    /// `message` as the run's error.
    pub fn error(message: impl Into<String>) -> anyhow::Error {
        BadInput(message.into()).into()
    }
}

impl From<crate::config::ConfigError> for BadInput {
    fn from(e: crate::config::ConfigError) -> BadInput {
        BadInput(e.to_string())
    }
}

impl From<crate::config::UnknownEnvironment> for BadInput {
    fn from(e: crate::config::UnknownEnvironment) -> BadInput {
        BadInput(e.to_string())
    }
}

impl From<crate::plan::UnknownTarget> for BadInput {
    fn from(e: crate::plan::UnknownTarget) -> BadInput {
        BadInput(e.to_string())
    }
}

/// A change-detection error as the run's error: bad input unless the repository
/// itself could not be read.
pub fn from_change(e: crate::changes::ChangeError) -> anyhow::Error {
    if e.is_bad_input() {
        BadInput(e.to_string()).into()
    } else {
        e.into()
    }
}

/// `status` found what runs differing from the ledger: exit code 3, so a
/// scheduled job can alert on it (the drifts themselves are already printed).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Drifted(pub String);

pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.chain().any(|e| e.is::<Drifted>()) {
        return 3;
    }
    if let Some(i) = err.downcast_ref::<crate::interrupt::Interrupted>() {
        return i.signal.exit_code();
    }
    if err.chain().any(|e| e.is::<BadInput>()) {
        2
    } else {
        1
    }
}

/// The whole error on one line: each cause after the one it explains.
pub fn one_line(err: &anyhow::Error) -> String {
    err.chain()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}
