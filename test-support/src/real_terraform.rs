//! The real `terraform` (1.10 or later, on `PATH`), run offline against the
//! emulator: stacks of built-in `terraform_data` resources (and `local-exec`
//! provisioners) need no provider download, and the built-in S3 backend keeps
//! its state and its lock (`use_lockfile`) in the emulator's S3.
//!
//! What the S3 backend of Terraform 1.11 needs to reach moto, found by trying:
//! `AWS_ENDPOINT_URL` (S3, and STS for the backend's credentials check, which
//! moto answers) and any credentials. Path-style requests need no setting: the
//! endpoint is an IP address, which the SDK never puts a bucket name in front of.
//! All of it is environment, set here; product code and the stacks' backend
//! blocks stay as they are for real AWS.
//!
//! Tests select it as a user would select another terraform: `TERRAFORM=`
//! [`RealTerraform::executable`], a two-line `sh` wrapper that sets that
//! environment and `exec`s the real binary with the arguments unchanged. It
//! also keeps terraform away from `$HOME`: its home, CLI config, AWS config
//! files and data folders (`TF_DATA_DIR`, one per working folder) are in the
//! wrapper's temp folder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::{unique_name, Emulator};

/// The oldest Terraform whose S3 backend has `use_lockfile`.
pub const MIN_TERRAFORM: (u32, u32) = (1, 10);

/// How to install terraform, for the messages of a missing one.
pub const INSTALL_TERRAFORM: &str = "install Terraform 1.10 or later: from HashiCorp's Debian/Ubuntu repository (https://developer.hashicorp.com/terraform/install#linux: add apt.releases.hashicorp.com, then `apt-get install terraform`), or unzip the release from https://releases.hashicorp.com/terraform/ into a folder on PATH";

/// The real terraform on `PATH` and its version. Panics, saying how to install
/// it, when there is none or it is older than [`MIN_TERRAFORM`]: a test that
/// needs it fails, it never skips.
pub fn real_terraform() -> &'static (PathBuf, String) {
    static FOUND: OnceLock<(PathBuf, String)> = OnceLock::new();
    FOUND.get_or_init(|| {
        find().unwrap_or_else(|e| panic!("real terraform: {e}; {INSTALL_TERRAFORM}"))
    })
}

fn find() -> Result<(PathBuf, String), String> {
    let program = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("terraform"))
        .find(|p| p.is_file())
        .ok_or("no terraform on PATH")?;
    let out = Command::new(&program)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let version = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v["terraform_version"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            format!(
                "`{} version -json` printed no terraform_version: {}",
                program.display(),
                String::from_utf8_lossy(&out.stdout)
            )
        })?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < MIN_TERRAFORM {
        return Err(format!(
            "{} is Terraform {version}, older than {}.{} (no use_lockfile in its S3 backend)",
            program.display(),
            MIN_TERRAFORM.0,
            MIN_TERRAFORM.1
        ));
    }
    Ok((program, version))
}

/// A new, empty bucket in the emulator for stacks' states (`tf-state-...`).
pub async fn state_bucket(s3: &aws_sdk_s3::Client) -> String {
    let bucket = unique_name("tf-state");
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating bucket {bucket}: {e:?}"));
    bucket
}

/// The real terraform, wrapped to reach one emulator from a temp home.
pub struct RealTerraform {
    home: tempfile::TempDir,
}

impl RealTerraform {
    pub fn new(emulator: &Emulator) -> RealTerraform {
        use std::os::unix::fs::PermissionsExt;
        let (program, _) = real_terraform();
        let home = tempfile::Builder::new()
            .prefix("real-terraform-")
            .tempdir()
            .expect("temp dir");
        let root = home.path().to_str().expect("utf-8 temp path").to_string();
        assert!(!root.contains('\''), "no quote in {root}");
        std::fs::write(
            home.path().join("terraformrc"),
            "disable_checkpoint = true\n",
        )
        .expect("write the CLI config");
        let script = format!(
            r#"#!/bin/sh
# The real terraform against the emulator at {endpoint}, written by test-support.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_STS TF_WORKSPACE TF_CLI_ARGS TF_PLUGIN_CACHE_DIR
export HOME='{root}' TF_CLI_CONFIG_FILE='{root}/terraformrc' CHECKPOINT_DISABLE=1 TF_DATA_DIR='{root}/data'"$(pwd)"
# A key the test harness gave an xtask command (its requests are audited) stays.
case "$AWS_ACCESS_KEY_ID" in XTASKTEST*) ;; *) AWS_ACCESS_KEY_ID=testing ;; esac
export AWS_ENDPOINT_URL='{endpoint}' AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE='{root}/aws-config' AWS_SHARED_CREDENTIALS_FILE='{root}/aws-credentials'
exec '{program}' "$@"
"#,
            endpoint = emulator.endpoint(),
            program = program.display(),
        );
        let wrapper = home.path().join("terraform");
        std::fs::write(&wrapper, script).expect("write the wrapper");
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        RealTerraform { home }
    }

    /// The executable, for `TERRAFORM` (or `Terraform::locate`).
    pub fn executable(&self) -> PathBuf {
        self.home.path().join("terraform")
    }

    /// A new root module in a temp folder of its own, holding `main_tf`.
    pub fn stack(&self, main_tf: &str) -> PathBuf {
        let stacks = self.home.path().join("stacks");
        std::fs::create_dir_all(&stacks).expect("stacks folder");
        let dir = tempfile::Builder::new()
            .prefix("stack-")
            .tempdir_in(&stacks)
            .expect("stack folder")
            .keep();
        std::fs::write(dir.join("main.tf"), main_tf).expect("write main.tf");
        dir
    }

    /// `terraform ARGS` in `dir`, through the wrapper: for what a test does
    /// by hand (another run holding the lock, `output -json`).
    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(self.executable());
        cmd.current_dir(dir).args(args).env("TF_IN_AUTOMATION", "1");
        cmd
    }
}
