//! moto in server mode, started once per test process.
//!
//! The server runs under a small `sh` guard that reads its stdin: when the test
//! process exits (however it exits), the pipe closes, the guard wakes up and
//! kills moto, so no server outlives its tests.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Emulator {
    endpoint: String,
    // Held open for the life of the process: closing it stops the server.
    _guard: Mutex<ChildStdin>,
}

/// The emulator for this test process, started on first use.
pub fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| Emulator::start().unwrap_or_else(|e| panic!("emulator: {e}")))
}

/// A name no other test in this process uses, valid as an S3 bucket name.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

impl Emulator {
    /// The URL the SDK reaches it at (what `AWS_ENDPOINT_URL` would hold).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An `SdkConfig` for this emulator: its endpoint, a fixed region and
    /// dummy credentials, as the standard chain would build from the environment.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "test-support",
            ))
            .load()
            .await
    }

    fn start() -> Result<Emulator, String> {
        let server = moto_server()?;
        let port = free_port()?;
        let log = std::env::temp_dir().join(format!("moto-{}-{port}.log", std::process::id()));
        // `exec` keeps moto's pid in $!; `read` returns when our end of stdin closes.
        let script = r#"moto="$1"; port="$2"; log="$3"
"$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
read _ignored
kill "$pid" 2>/dev/null"#;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("moto-guard")
            .arg(&server)
            .arg(port.to_string())
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run sh to start {}: {e}", server.display()))?;
        let guard = child.stdin.take().expect("piped");
        let endpoint = format!("http://127.0.0.1:{port}");

        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if answers(port) {
                return Ok(Emulator {
                    endpoint,
                    _guard: Mutex::new(guard),
                });
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before answering; its log:\n{}",
                    server.display(),
                    std::fs::read_to_string(&log).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut guard = guard;
        let _ = guard.write_all(b"\n");
        Err(format!(
            "{} did not answer on {endpoint} within 60 s; its log:\n{}",
            server.display(),
            std::fs::read_to_string(&log).unwrap_or_default()
        ))
    }
}

/// `MOTO_SERVER`, else the venv `scripts/emulator.sh install` makes.
fn moto_server() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("MOTO_SERVER={} is not a file", path.display()))
        };
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.emulator/venv/bin/moto_server");
    if venv.is_file() {
        return Ok(venv);
    }
    Err(format!(
        "moto_server not found at {} and MOTO_SERVER is not set: run `scripts/emulator.sh install` (scripts/test.sh does)",
        venv.display()
    ))
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port on 127.0.0.1: {e}"))?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Whether moto answers its own health page.
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The harness fails with the reason when it cannot start the emulator; it
    /// never hands out a config that points nowhere.
    #[test]
    fn a_missing_emulator_is_an_error_with_the_reason() {
        std::env::set_var("MOTO_SERVER", "/nonexistent/moto_server");
        let err = Emulator::start().err().expect("cannot start");
        std::env::remove_var("MOTO_SERVER");
        assert!(
            err.contains("MOTO_SERVER=/nonexistent/moto_server is not a file"),
            "{err}"
        );
    }

    #[test]
    fn names_are_unique_and_valid_bucket_names() {
        let (a, b) = (unique_name("x"), unique_name("x"));
        assert_ne!(a, b);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }
}
