//! moto in server mode, started once per test process, behind the AWS front.
//!
//! Tests reach moto through the AWS front (`test-support/aws_front/`, a Python
//! package): it forwards every call, simulates what moto lacks (ECS rollouts
//! and service deployments, one-off tasks, faults, eventually consistent
//! reads) and corrects the few moto answers the SDK rejects. See that
//! package's docstring. This module starts both servers ([`start`]), talks to
//! the front's control API ([`control`]), and wraps the control calls by
//! subject: rollouts, service deployments and what was recorded.

mod cloudfront;
mod control;
mod deployments;
mod recording;
mod rollouts;
mod s3;
mod start;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::process::ChildStdin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

pub use cloudfront::Busy;
pub(crate) use control::{http_with, query_escape};
pub use deployments::{DeploymentFailure, DeploymentScenario, FailureCause};
pub use recording::RecordedAction;
pub use rollouts::{RolloutOutcome, RolloutScenario};

/// A running moto server and the AWS front before it.
pub struct Emulator {
    /// The front: what tests use.
    endpoint: String,
    front_port: u16,
    /// moto itself, without the front.
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

impl Emulator {
    /// The URL the SDK reaches it at (what `AWS_ENDPOINT_URL` would hold): the
    /// AWS front, which forwards to moto.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// moto itself, without the front: its answers as they are, no rollouts.
    pub fn moto_endpoint(&self) -> &str {
        &self.moto_endpoint
    }

    /// moto's port (see [`Emulator::moto_endpoint`]).
    pub(crate) fn moto_port(&self) -> u16 {
        self.moto_endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("moto's endpoint ends with its port")
    }

    /// A control call to the front (`path` under `/__front`); panics unless
    /// it answers 200.
    pub(crate) fn control(&self, method: &str, path: &str, body: &str) -> String {
        let path = format!("/__front{path}");
        match control::http(self.front_port, method, &path, body) {
            Ok((200, answer)) => answer,
            Ok((status, answer)) => {
                panic!("aws front: {method} {path} answered {status}: {answer}")
            }
            Err(e) => panic!("aws front: {method} {path}: {e}"),
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
            // A CI run's link, which notifications add.
            "GITHUB_SERVER_URL",
            "GITHUB_REPOSITORY",
            "GITHUB_RUN_ID",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// An `SdkConfig` for this emulator: its endpoint, a fixed region and
    /// dummy credentials, as the standard chain would build from the environment.
    pub async fn sdk_config(&self) -> SdkConfig {
        self.sdk_config_as("testing", "testing").await
    }

    /// [`Emulator::sdk_config`] signing with this access key: the front records
    /// what its requests need (and refuses) under the key, and with moto's IAM
    /// enforcement on ([`Emulator::enforce_iam`]) moto checks them as that
    /// key's user.
    pub async fn sdk_config_as(&self, access_key_id: &str, secret_access_key: &str) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_credential_types::Credentials::new(
                access_key_id,
                secret_access_key,
                None,
                None,
                "test-support",
            ))
            .load()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_valid_bucket_names() {
        let (a, b) = (unique_name("x"), unique_name("x"));
        assert_ne!(a, b);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }
}
