//! moto in server mode, started once per test process, behind the rollout proxy.
//!
//! Tests reach moto through `rollout_proxy.py` (in this crate's folder): it
//! forwards every call, simulates ECS rollouts (moto has none) and corrects the
//! few moto answers the SDK rejects. See that file's doc comment.
//!
//! Both servers run under a small `sh` guard that reads its stdin: when the test
//! process exits (however it exits), the pipe closes, the guard wakes up and
//! kills them, so no server outlives its tests. If either server exits, the
//! guard stops the other one and exits too, so a crash at startup is reported
//! at once.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running moto server and the rollout proxy in front of it.
pub struct Emulator {
    /// The proxy: what tests use.
    endpoint: String,
    proxy_port: u16,
    /// moto itself, without the proxy.
    moto_endpoint: String,
    // Held open for the life of the process: closing it stops both servers.
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

/// How the next ECS rollout of a service goes in the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutOutcome {
    /// The new tasks come up over `steps` polls; the rollout is COMPLETED.
    Healthy,
    /// Each poll, one new task starts and exits; the deployment circuit breaker
    /// fails the rollout after max(3, min(200, ceil(desired / 2))) failed tasks.
    CrashLoop,
    /// The new deployment stays IN_PROGRESS with no running task, forever.
    Stuck,
}

impl RolloutOutcome {
    fn as_str(self) -> &'static str {
        match self {
            RolloutOutcome::Healthy => "healthy",
            RolloutOutcome::CrashLoop => "crash-loop",
            RolloutOutcome::Stuck => "stuck",
        }
    }
}

/// A service's rollout scenario; it applies to the service's next rollout
/// (UpdateService to another task definition) and stays until changed.
/// Every service starts with the default: healthy, 3 steps, no rollback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutScenario {
    pub outcome: RolloutOutcome,
    /// DescribeServices calls a healthy rollout (or ECS's rollback) takes.
    pub steps: u32,
    /// Whether the circuit breaker rolls back to the last completed deployment.
    pub circuit_breaker_rollback: bool,
    /// Only rollouts to this revision (`family:rev` or ARN) follow `outcome`;
    /// rollouts to any other revision (a rollback to a known-good one) are
    /// healthy. `None`: every rollout follows it.
    pub task_definition: Option<String>,
}

impl Default for RolloutScenario {
    fn default() -> Self {
        RolloutScenario {
            outcome: RolloutOutcome::Healthy,
            steps: 3,
            circuit_breaker_rollback: false,
            task_definition: None,
        }
    }
}

impl Emulator {
    /// The URL the SDK reaches it at (what `AWS_ENDPOINT_URL` would hold): the
    /// rollout proxy, which forwards to moto.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// moto itself, without the proxy: its answers as they are, no rollouts.
    pub fn moto_endpoint(&self) -> &str {
        &self.moto_endpoint
    }

    /// Sets how the next rollout of `service` in `cluster` goes (names or ARNs).
    /// Panics if the proxy refuses it.
    pub async fn set_rollout(&self, cluster: &str, service: &str, scenario: RolloutScenario) {
        let body = format!(
            r#"{{"cluster": {}, "service": {}, "outcome": "{}", "steps": {}, "circuit_breaker_rollback": {}, "task_definition": {}}}"#,
            json_string(cluster),
            json_string(service),
            scenario.outcome.as_str(),
            scenario.steps,
            scenario.circuit_breaker_rollback,
            scenario
                .task_definition
                .as_deref()
                .map_or_else(|| "null".to_string(), json_string),
        );
        self.control("POST", "/__rollout/scenario", &body);
    }

    /// Every ECS operation the emulator has answered in this test process, in
    /// order (e.g. `["CreateCluster", "UpdateService", "DescribeServices"]`).
    /// Tests run in parallel: prefer [`Emulator::ecs_calls_for`].
    pub fn ecs_calls(&self) -> Vec<String> {
        parse_names(&self.control("GET", "/__rollout/calls", ""))
    }

    /// The ECS operations whose request named `cluster` (name or ARN, as
    /// `cluster`, `clusters` or `clusterName`), in order.
    pub fn ecs_calls_for(&self, cluster: &str) -> Vec<String> {
        let name = cluster.rsplit('/').next().unwrap_or(cluster);
        let path = format!("/__rollout/calls?cluster={}", query_escape(name));
        parse_names(&self.control("GET", &path, ""))
    }

    /// Every S3 request on `bucket` the emulator has answered, in the order the
    /// proxy received them: (operation, key), e.g. `("PutObject", "index.html")`,
    /// `("ListObjectsV2", "")`. Buckets are unique per test, so this is the
    /// test's own traffic.
    pub fn s3_calls_for(&self, bucket: &str) -> Vec<(String, String)> {
        let path = format!("/__rollout/s3?bucket={}", query_escape(bucket));
        let answer = self.control("GET", &path, "");
        serde_json::from_str(&answer).unwrap_or_else(|e| {
            panic!("rollout proxy: not a list of [op, key] pairs ({e}): {answer}")
        })
    }

    /// A control call to the proxy; panics unless it answers 200.
    pub(crate) fn control(&self, method: &str, path: &str, body: &str) -> String {
        match http(self.proxy_port, method, path, body) {
            Ok((200, answer)) => answer,
            Ok((status, answer)) => {
                panic!("rollout proxy: {method} {path} answered {status}: {answer}")
            }
            Err(e) => panic!("rollout proxy: {method} {path}: {e}"),
        }
    }

    /// Points a command (the `xtask` binary, as a user runs it) at this emulator
    /// through the SDK's standard variables only, with dummy credentials and none
    /// of the runner's own AWS profile or GitHub Actions variables.
    pub fn cli_env<'a>(&self, cmd: &'a mut std::process::Command) -> &'a mut std::process::Command {
        cmd.env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE");
        for var in [
            "GITHUB_ACTIONS",
            "GITHUB_EVENT_NAME",
            "GITHUB_EVENT_PATH",
            "GITHUB_OUTPUT",
            "GITHUB_STEP_SUMMARY",
        ] {
            cmd.env_remove(var);
        }
        cmd
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

    /// Starts moto and the proxy, again on other ports when one of them lost its
    /// port to another process between our pick and its bind.
    fn start() -> Result<Emulator, String> {
        let mut tries = 0;
        loop {
            tries += 1;
            match Self::start_once() {
                Err(e) if tries < 4 && e.contains("in use") => continue,
                result => return result,
            }
        }
    }

    fn start_once() -> Result<Emulator, String> {
        let server = moto_server()?;
        let python = proxy_python(&server)?;
        let proxy = proxy_script()?;
        let [moto_port, proxy_port] = free_ports()?;
        let logs = std::env::temp_dir();
        let pid = std::process::id();
        let moto_log = logs.join(format!("moto-{pid}-{moto_port}.log"));
        let proxy_log = logs.join(format!("rollout-proxy-{pid}-{proxy_port}.log"));
        // Background jobs get /dev/null as stdin, so the pipe is kept as fd 3
        // for the watcher that waits for it to close. The loop notices either
        // server exiting, stops the other and ends the guard.
        let script = r#"moto="$1"; port="$2"; log="$3"; python="$4"; proxy="$5"; pport="$6"; plog="$7"
"$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
mpid=$!
"$python" "$proxy" --port "$pport" --upstream "http://127.0.0.1:$port" >"$plog" 2>&1 &
ppid=$!
exec 3<&0
( read _ignored <&3; kill "$ppid" "$mpid" 2>/dev/null ) &
while kill -0 "$mpid" 2>/dev/null && kill -0 "$ppid" 2>/dev/null; do sleep 1; done
kill "$ppid" "$mpid" 2>/dev/null
wait "$mpid" "$ppid" 2>/dev/null
exit 1"#;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("moto-guard")
            .arg(&server)
            .arg(moto_port.to_string())
            .arg(&moto_log)
            .arg(&python)
            .arg(&proxy)
            .arg(proxy_port.to_string())
            .arg(&proxy_log)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run sh to start {}: {e}", server.display()))?;
        let guard = child.stdin.take().expect("piped");
        let moto_endpoint = format!("http://127.0.0.1:{moto_port}");
        let endpoint = format!("http://127.0.0.1:{proxy_port}");
        let logs = || {
            format!(
                "moto's log ({}):\n{}\nthe rollout proxy's log ({}):\n{}",
                moto_log.display(),
                std::fs::read_to_string(&moto_log).unwrap_or_default(),
                proxy_log.display(),
                std::fs::read_to_string(&proxy_log).unwrap_or_default()
            )
        };

        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if answers(moto_port, "/moto-api/") && answers(proxy_port, "/__rollout/health") {
                return Ok(Emulator {
                    endpoint,
                    proxy_port,
                    moto_endpoint,
                    _guard: Mutex::new(guard),
                });
            }
            if let Ok(Some(_)) = child.try_wait() {
                return Err(format!(
                    "{} (on {moto_endpoint}) or the rollout proxy ({} {}, on {endpoint}) exited before answering; {}",
                    server.display(),
                    python.display(),
                    proxy.display(),
                    logs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut guard = guard;
        let _ = guard.write_all(b"\n");
        Err(format!(
            "{} on {moto_endpoint} and the rollout proxy on {endpoint} did not both answer within 60 s; {}",
            server.display(),
            logs()
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

/// The Python that runs the proxy (standard library only): `MOTO_PYTHON`, else
/// the `python` (or `python3`) next to `moto_server`, i.e. moto's venv.
fn proxy_python(moto_server: &Path) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("MOTO_PYTHON") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("MOTO_PYTHON={} is not a file", path.display()))
        };
    }
    let dir = moto_server.parent().unwrap_or(Path::new("."));
    ["python", "python3"]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            format!(
                "no python or python3 next to {} to run the rollout proxy: set MOTO_PYTHON",
                moto_server.display()
            )
        })
}

fn proxy_script() -> Result<PathBuf, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rollout_proxy.py");
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("the rollout proxy {} is missing", path.display()))
    }
}

/// Two ports free just now, and different: both listeners are held until both
/// are picked (one after the other, the kernel may hand out the same port twice).
fn free_ports() -> Result<[u16; 2], String> {
    let bind =
        || TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port on 127.0.0.1: {e}"));
    let (a, b) = (bind()?, bind()?);
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).map_err(|e| e.to_string());
    Ok([port(&a)?, port(&b)?])
}

/// Whether the server on `port` answers `GET path` with 200.
fn answers(port: u16, path: &str) -> bool {
    matches!(http(port, "GET", path, ""), Ok((200, _)))
}

/// One HTTP/1.0 request to 127.0.0.1 (the server closes the connection after
/// answering): the status and the body.
fn http(port: u16, method: &str, path: &str, body: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| format!("cannot connect to 127.0.0.1:{port}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("cannot send to 127.0.0.1:{port}: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| format!("no answer from 127.0.0.1:{port}: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer from 127.0.0.1:{port}: {head:?}"))?;
    Ok((status, body.to_string()))
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A JSON list of operation names (letters and digits only), as the proxy
/// writes it: `["CreateCluster", "DescribeServices"]`.
fn parse_names(json: &str) -> Vec<String> {
    let inner = json
        .trim()
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or_else(|| panic!("rollout proxy: not a JSON list: {json}"));
    inner
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric()))
                .unwrap_or_else(|| panic!("rollout proxy: not an operation name: {item} in {json}"))
                .to_string()
        })
        .collect()
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
    fn operation_lists_and_json_strings() {
        assert_eq!(
            parse_names(r#"["CreateCluster", "DescribeServices"]"#),
            ["CreateCluster", "DescribeServices"]
        );
        assert!(parse_names("[]").is_empty());
        assert_eq!(json_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(query_escape("arn:aws/x y"), "arn%3Aaws%2Fx%20y");
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
