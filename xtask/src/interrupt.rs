//! Ctrl-C, or a cancelled CI job (SIGINT, then SIGTERM): the work in flight is
//! dropped, what registered an action for this case does it ([`on_interrupt`]:
//! an ECS blue/green deployment in flight is stopped with a rollback and
//! recorded), the locks this run holds are released (so the next run does not
//! need `--force-unlock`), and the user is told what may be half done and how
//! to see it. Exit code 130 for SIGINT and 143 for SIGTERM, as shells report
//! a command ended by them.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::state::lock;

/// Which signal ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn describe(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted (SIGINT)",
            Signal::Terminate => "terminated (SIGTERM)",
        }
    }

    /// `SIGINT`, `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
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
    let signal = tokio::select! {
        _ = tokio::signal::ctrl_c() => Signal::Interrupt,
        _ = term => Signal::Terminate,
    };
    // Set before the work in flight is dropped: what it registered stays for
    // `wind_down`.
    INTERRUPTED.store(true, Ordering::SeqCst);
    signal
}

/// What to do when the run is interrupted while it runs: its one-line account.
pub type Action = Box<dyn FnOnce(Signal) -> Pin<Box<dyn Future<Output = String> + Send>> + Send>;

static ACTIONS: Mutex<Vec<(u64, Action)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How long [`wind_down`] gives each action: a cancelled CI job is killed a
/// few seconds after its signal.
const ACTION_TIME: Duration = Duration::from_secs(5);

fn actions() -> std::sync::MutexGuard<'static, Vec<(u64, Action)>> {
    ACTIONS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `action` for an interruption while the returned guard lives:
/// dropping it (the work ended) removes the action, unless the run is being
/// interrupted, when [`wind_down`] runs it.
pub fn on_interrupt(action: Action) -> OnInterrupt {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    actions().push((id, action));
    OnInterrupt(id)
}

/// See [`on_interrupt`].
#[must_use = "the action is removed when the guard is dropped"]
pub struct OnInterrupt(u64);

impl Drop for OnInterrupt {
    fn drop(&mut self) {
        if !INTERRUPTED.load(Ordering::SeqCst) {
            actions().retain(|(id, _)| *id != self.0);
        }
    }
}

/// Runs the registered actions, releases the held locks and describes the
/// interruption, on one line.
pub async fn wind_down(signal: Signal, env: Option<&str>) -> Interrupted {
    let pending: Vec<(u64, Action)> = actions().drain(..).collect();
    let mut done = Vec::new();
    for (_, action) in pending {
        match tokio::time::timeout(ACTION_TIME, action(signal)).await {
            Ok(account) => done.push(account),
            Err(_) => done.push(format!(
                "an action on interruption did not finish within {}s",
                ACTION_TIME.as_secs()
            )),
        }
    }
    let (released, kept) = lock::release_held().await;
    let mut message = signal.describe().to_string();
    for account in &done {
        message.push_str(&format!("; {account}"));
    }
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
