//! Cancelling a run while a step's `run:` script runs, as the runner does it
//! (docs.github.com, "Canceling a workflow"): the runner sends SIGINT to the
//! step's process, waits 7500 ms, sends SIGTERM if it is still running, waits
//! 2500 ms, and kills it. The step's process is the shell: a `run:` script is
//! written to a file and run as `bash -e {0}` (the default shell on Linux,
//! "Workflow syntax", `jobs.<job_id>.steps[*].shell`). Bash waiting for a
//! foreground child defers its SIGINT until the child ends and dies at once
//! of SIGTERM: neither reaches the child, which runs on. A script whose last
//! command is `exec`ed is that command, and gets the signals itself.
//!
//! `timeout-minutes` ends a job the same way.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The runner's waits between signals.
pub const SIGINT_TO_SIGTERM: Duration = Duration::from_millis(7500);
pub const SIGTERM_TO_SIGKILL: Duration = Duration::from_millis(2500);

/// What the cancel did.
#[derive(Debug, Clone)]
pub struct Cancelled {
    /// The signals sent, in order (`INT`, `TERM`, `KILL`).
    pub sent: Vec<&'static str>,
    /// How the step's process ended.
    pub status: ExitStatus,
}

/// Runs `script` as a step does (in `dir`, with `env`), waits until the file
/// `started` exists (the program under test writes it once it runs), then
/// cancels as the runner does. `scale` shrinks the runner's waits (1.0: as on
/// GitHub), so a test need not wait ten seconds.
pub fn run_and_cancel(
    script: &str,
    dir: &Path,
    env: &[(&str, &str)],
    started: &Path,
    scale: f64,
) -> Cancelled {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), script).unwrap();
    let mut child = Command::new("bash")
        .arg("-e")
        .arg(file.path())
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !started.exists() {
        assert!(
            Instant::now() < deadline,
            "the step never started its program"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the step ended before it was cancelled: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut sent = Vec::new();
    for (signal, then_wait) in [
        ("INT", SIGINT_TO_SIGTERM.mul_f64(scale)),
        ("TERM", SIGTERM_TO_SIGKILL.mul_f64(scale)),
        ("KILL", Duration::from_secs(5)),
    ] {
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .stderr(Stdio::null())
            .status();
        sent.push(signal);
        let until = Instant::now() + then_wait;
        while Instant::now() < until {
            if let Some(status) = child.try_wait().unwrap() {
                return Cancelled { sent, status };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let status = child.wait().unwrap();
    Cancelled { sent, status }
}
