//! Exit codes: 2 for input the user can fix (flags, config, revisions), 130 or
//! 143 for a run ended by SIGINT or SIGTERM, 1 for everything else (a failed
//! deploy, AWS or git trouble).

use crate::changes::ChangeError;
use crate::config::ConfigError;
use crate::plan::UnknownTarget;

/// A problem with what the user passed, not with what happened: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

pub fn exit_code(err: &anyhow::Error) -> i32 {
    if let Some(i) = err.downcast_ref::<crate::interrupt::Interrupted>() {
        return i.signal.exit_code();
    }
    let bad_input = err.chain().any(|e| {
        e.is::<BadInput>()
            || e.is::<ConfigError>()
            || e.is::<UnknownTarget>()
            || e.downcast_ref::<ChangeError>()
                .is_some_and(ChangeError::is_bad_input)
            || e.downcast_ref::<crate::state::StateError>()
                .is_some_and(|s| s.missing_bucket)
            || matches!(
                e.downcast_ref::<crate::state::lock::LockError>(),
                Some(crate::state::lock::LockError::State(s)) if s.missing_bucket
            )
    });
    if bad_input {
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
