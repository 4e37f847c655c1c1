//! A stand-in for the `docker` executable (test machines have no Docker daemon):
//! a small `sh` script that records every call (arguments, and what `login`
//! read on stdin), fails a step when told to, and makes `push` real enough for
//! the deploy after it: the pushed tag is put into the emulator's ECR with
//! PutImage (a JSON call, by `python3`'s standard library, to `AWS_ENDPOINT_URL`,
//! the variable the product under test runs with), so ECR then holds the image
//! as after a real push. Select it with `DOCKER=<path>`.

use std::path::PathBuf;

/// One recorded call: its arguments, and its stdin for `login --password-stdin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerCall {
    pub args: Vec<String>,
    pub stdin: String,
}

impl DockerCall {
    /// The subcommand: `login`, `build`, `push`.
    pub fn step(&self) -> &str {
        self.args.first().map_or("", String::as_str)
    }
}

pub struct DockerStandIn {
    dir: tempfile::TempDir,
}

const SCRIPT: &str = r#"#!/bin/sh
# A stand-in for docker, written by test-support: records, pushes into the emulator's ECR, fails on demand.
here='@HERE@'
n=$(($(ls "$here"/call-* 2>/dev/null | wc -l) + 1))
call="$here/call-$(printf '%04d' "$n")"
for a in "$@"; do printf '%s\n' "$a"; done > "$call.args"
step="$1"
if [ "$step" = login ]; then cat > "$call.stdin"; else : > "$call.stdin"; fi
if [ -e "$here/fail-$step" ]; then echo "stand-in docker: $step fails, as the test asked" >&2; exit 1; fi
case "$step" in
  login) echo "Login Succeeded" ;;
  logout) echo "Removing login credentials" ;;
  build) echo "stand-in docker: built" ;;
  push)
    python3 - "$2" <<'PY' || { echo "stand-in docker: PutImage of $2 into the emulator failed" >&2; exit 1; }
import hashlib, json, os, sys, urllib.request
ref = sys.argv[1]
host, rest = ref.split("/", 1)
repo, tag = rest.rsplit(":", 1)
region = host.split(".")[3]
# the caller's access key: the front attributes the push to its command
key = os.environ.get("AWS_ACCESS_KEY_ID", "testing")
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 1,
        "digest": "sha256:" + hashlib.sha256(ref.encode()).hexdigest(),
    },
    "layers": [{
        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "size": 1,
        "digest": "sha256:" + hashlib.sha256(("layer " + ref).encode()).hexdigest(),
    }],
}
body = {"repositoryName": repo, "imageTag": tag, "imageManifest": json.dumps(manifest)}
request = urllib.request.Request(
    os.environ["AWS_ENDPOINT_URL"].rstrip("/") + "/",
    data=json.dumps(body).encode(),
    headers={
        "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.PutImage",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/ecr/aws4_request, SignedHeaders=host, Signature=0",
    },
)
urllib.request.urlopen(request, timeout=30).read()
PY
    echo "${2##*:}: pushed" ;;
  *) echo "stand-in docker: unexpected subcommand $step" >&2; exit 1 ;;
esac
"#;

impl DockerStandIn {
    pub fn new() -> DockerStandIn {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("docker-stand-in-")
            .tempdir()
            .expect("temp dir");
        let script = dir.path().join("docker");
        std::fs::write(
            &script,
            SCRIPT.replace("@HERE@", dir.path().to_str().expect("utf-8 temp path")),
        )
        .expect("write the stand-in");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        DockerStandIn { dir }
    }

    /// The executable, for `DOCKER`.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("docker")
    }

    /// From now on, `step` (`login`, `build`, `push`) exits 1.
    pub fn fail(&self, step: &str) -> &Self {
        std::fs::write(self.dir.path().join(format!("fail-{step}")), "").expect("write");
        self
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<DockerCall> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read the stand-in's folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "args"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|args| DockerCall {
                args: std::fs::read_to_string(args)
                    .expect("read args")
                    .lines()
                    .map(str::to_owned)
                    .collect(),
                stdin: std::fs::read_to_string(args.with_extension("stdin")).unwrap_or_default(),
            })
            .collect()
    }

    /// The subcommands called so far, in order.
    pub fn steps(&self) -> Vec<String> {
        self.calls().iter().map(|c| c.step().to_string()).collect()
    }
}

impl Default for DockerStandIn {
    fn default() -> Self {
        Self::new()
    }
}
