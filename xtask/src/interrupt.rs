//! Ctrl-C, or a cancelled CI job (SIGINT, then SIGTERM): the work in flight is
//! dropped, the locks this run holds are released (so the next run does not
//! need `--force-unlock`), and the user is told what may be half done and how
//! to see it. Exit code 130, as shells report an interrupted command.

use crate::state::lock;

/// Waits for SIGINT or SIGTERM; says which.
pub async fn signal() -> &'static str {
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
        _ = tokio::signal::ctrl_c() => "interrupted (SIGINT)",
        _ = term => "terminated (SIGTERM)",
    }
}

/// Releases the held locks and describes the interruption, on one line.
pub async fn wind_down(what: &str, env: Option<&str>) -> Interrupted {
    let (released, kept) = lock::release_held().await;
    let mut message = what.to_string();
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
    Interrupted(message)
}

/// The run was interrupted: exit code 130.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);
