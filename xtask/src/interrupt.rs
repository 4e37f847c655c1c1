//! Ctrl-C, or a cancelled CI job (SIGINT, then SIGTERM): the work in flight is
//! dropped, the locks this run holds are released (so the next run does not
//! need `--force-unlock`), and the user is told what may be half done and how
//! to see it. Exit code 130 for SIGINT and 143 for SIGTERM, as shells report
//! a command ended by them.

use crate::state::lock;

/// Which signal ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    fn describe(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted (SIGINT)",
            Signal::Terminate => "terminated (SIGTERM)",
        }
    }

    /// 128 + the signal's number.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

/// Waits for SIGINT or SIGTERM; says which.
pub async fn signal() -> Signal {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).ok();
    let term = async {
        match terminate.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => Signal::Interrupt,
        _ = term => Signal::Terminate,
    }
}

/// Releases the held locks and describes the interruption, on one line.
pub async fn wind_down(signal: Signal, env: Option<&str>) -> Interrupted {
    let (released, kept) = lock::release_held().await;
    let mut message = signal.describe().to_string();
    if !released.is_empty() {
        message.push_str(&format!("; released the lock of {}", released.join(", ")));
    }
    if !kept.is_empty() {
        message.push_str(&format!(
            "; could not release the lock of {} (rerun with --force-unlock)",
            kept.join(", ")
        ));
    }
    if !released.is_empty() || !kept.is_empty() {
        let status = env.map_or_else(
            || "`cargo xtask status --env ENV`".to_string(),
            |e| format!("`cargo xtask status --env {e}`"),
        );
        message.push_str(&format!(
            "; what was in flight may be half done (an ECS rollout goes on in ECS): {status} shows what runs now; deploy again, or roll back"
        ));
    }
    Interrupted { signal, message }
}

/// The run was ended by a signal: exit code 130 or 143.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Interrupted {
    pub signal: Signal,
    pub message: String,
}
