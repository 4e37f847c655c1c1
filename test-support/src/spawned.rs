//! The binary run in the background, for tests that act while it runs (move
//! an alarm, start another deployment, send a signal): its stderr is read as
//! it comes, and a test waits for a line before it acts.

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running `xtask` whose stderr is collected.
pub struct Spawned {
    child: Child,
    stderr: Arc<Mutex<String>>,
    reader: Option<JoinHandle<()>>,
}

impl Spawned {
    /// Starts `command` with its stdout and stderr piped.
    pub fn start(mut command: Command) -> Spawned {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr is piped");
        let collected = stderr.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                collected
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Spawned {
            child,
            stderr,
            reader: Some(reader),
        }
    }

    /// Waits until stderr contains `text`; panics with what it printed after
    /// `within`, or if the process ended first.
    pub async fn wait_for(&mut self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if self.stderr().contains(text) {
                return;
            }
            let ended = self.child.try_wait().ok().flatten();
            assert!(
                ended.is_none() && Instant::now() < deadline,
                "never printed {text:?} ({}): {}",
                ended.map_or_else(|| "timed out".into(), |s| format!("ended {s}")),
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What it printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends `signal` (`-INT`, `-TERM`, `-KILL`) with `kill`.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} failed");
    }

    /// Waits for it to end: its exit status, stdout and the whole stderr.
    pub fn finish(mut self) -> Output {
        let stdout = self.child.stdout.take();
        let status = self.child.wait().expect("the binary ends");
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the stderr reader ends");
        }
        let mut out = Vec::new();
        if let Some(mut pipe) = stdout {
            pipe.read_to_end(&mut out).expect("stdout reads");
        }
        Output {
            status,
            stdout: out,
            stderr: self.stderr().into_bytes(),
        }
    }
}
