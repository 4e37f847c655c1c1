//! Starting moto and the AWS front, under a small `sh` guard that reads its
//! stdin: when the test process exits (however it exits), the pipe closes, the
//! guard wakes up and kills them, so no server outlives its tests. If either
//! server exits, the guard stops the other one and exits too, so a crash at
//! startup is reported at once.

use super::control::answers;
use super::Emulator;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

impl Emulator {
    /// Starts moto and the front, again on other ports when one of them lost its
    /// port to another process between our pick and its bind.
    pub(super) fn start() -> Result<Emulator, String> {
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
        let python = front_python(&server)?;
        let front = front_package()?;
        let [moto_port, front_port] = free_ports()?;
        let logs = std::env::temp_dir();
        let pid = std::process::id();
        let moto_log = logs.join(format!("moto-{pid}-{moto_port}.log"));
        let front_log = logs.join(format!("aws-front-{pid}-{front_port}.log"));
        // Background jobs get /dev/null as stdin, so the pipe is kept as fd 3
        // for the watcher that waits for it to close. The loop notices either
        // server exiting, stops the other and ends the guard. The front is a
        // package run with -m from its parent folder; -B writes no bytecode
        // into the source tree.
        let script = r#"moto="$1"; port="$2"; log="$3"; python="$4"; home="$5"; fport="$6"; flog="$7"
"$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
mpid=$!
PYTHONPATH="$home" "$python" -B -m aws_front --port "$fport" --upstream "http://127.0.0.1:$port" >"$flog" 2>&1 &
fpid=$!
exec 3<&0
( read _ignored <&3; kill "$fpid" "$mpid" 2>/dev/null ) &
while kill -0 "$mpid" 2>/dev/null && kill -0 "$fpid" 2>/dev/null; do sleep 1; done
kill "$fpid" "$mpid" 2>/dev/null
wait "$mpid" "$fpid" 2>/dev/null
exit 1"#;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("moto-guard")
            .arg(&server)
            .arg(moto_port.to_string())
            .arg(&moto_log)
            .arg(&python)
            .arg(&front)
            .arg(front_port.to_string())
            .arg(&front_log)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run sh to start {}: {e}", server.display()))?;
        let guard = child.stdin.take().expect("piped");
        let moto_endpoint = format!("http://127.0.0.1:{moto_port}");
        let endpoint = format!("http://127.0.0.1:{front_port}");
        let logs = || {
            format!(
                "moto's log ({}):\n{}\nthe AWS front's log ({}):\n{}",
                moto_log.display(),
                std::fs::read_to_string(&moto_log).unwrap_or_default(),
                front_log.display(),
                std::fs::read_to_string(&front_log).unwrap_or_default()
            )
        };

        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if answers(moto_port, "/moto-api/") && answers(front_port, "/__front/health") {
                return Ok(Emulator {
                    endpoint,
                    front_port,
                    moto_endpoint,
                    _guard: Mutex::new(guard),
                });
            }
            if let Ok(Some(_)) = child.try_wait() {
                return Err(format!(
                    "{} (on {moto_endpoint}) or the AWS front ({} -m aws_front from {}, on {endpoint}) exited before answering; {}",
                    server.display(),
                    python.display(),
                    front.display(),
                    logs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut guard = guard;
        let _ = guard.write_all(b"\n");
        Err(format!(
            "{} on {moto_endpoint} and the AWS front on {endpoint} did not both answer within 60 s; {}",
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

/// The Python that runs the front (standard library only): `MOTO_PYTHON`, else
/// the `python` (or `python3`) next to `moto_server`, i.e. moto's venv.
fn front_python(moto_server: &Path) -> Result<PathBuf, String> {
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
                "no python or python3 next to {} to run the AWS front: set MOTO_PYTHON",
                moto_server.display()
            )
        })
}

/// The folder holding the `aws_front` package (this crate's).
fn front_package() -> Result<PathBuf, String> {
    let home = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let main = home.join("aws_front/__main__.py");
    if main.is_file() {
        Ok(home)
    } else {
        Err(format!("the AWS front {} is missing", main.display()))
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
}
