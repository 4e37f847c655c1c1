//! The `xtask` binary as a user runs it, and what it printed.
//!
//! Only xtask's own tests know where the binary is (`env!("CARGO_BIN_EXE_xtask")`
//! exists nowhere else), so they hand its path in.

use crate::emulator;
use crate::iam::audit::Audit;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

/// How to run the binary: where, and with which changes to the test process's
/// environment.
#[derive(Debug, Clone)]
pub struct Xtask {
    bin: PathBuf,
    dir: PathBuf,
    on_emulator: bool,
    /// Applied in order after the emulator's variables; `None` removes one.
    env: Vec<(OsString, Option<OsString>)>,
    /// On the emulator: each command's AWS actions checked against the policy
    /// `xtask iam` renders, and its requests against the service models
    /// (see `iam::audit`).
    audit: Option<Arc<Audit>>,
}

impl Xtask {
    /// The binary at `bin`, run in `dir`, with the test process's environment.
    pub fn new(bin: impl AsRef<Path>, dir: impl AsRef<Path>) -> Xtask {
        Xtask {
            bin: bin.as_ref().to_path_buf(),
            dir: dir.as_ref().to_path_buf(),
            on_emulator: false,
            env: Vec::new(),
            audit: None,
        }
    }

    /// The binary at `bin`, run in `dir` against the emulator (started on first
    /// use): its endpoint and dummy credentials through the SDK's standard
    /// variables, none of the runner's AWS profile or GitHub Actions variables.
    /// Each command gets an access key of its own, by which the AWS actions it
    /// needed and any request AWS would refuse are found and checked (the
    /// actions against the policy `xtask iam` renders for the config): after
    /// [`Xtask::run`], and for commands spawned from [`Xtask::command`] when
    /// the last copy of this `Xtask` is dropped. A miss fails the test.
    pub fn on_emulator(bin: impl AsRef<Path>, dir: impl AsRef<Path>) -> Xtask {
        let audit = Some(Arc::new(Audit::new(bin.as_ref())));
        Xtask {
            on_emulator: true,
            audit,
            ..Xtask::new(bin, dir)
        }
    }

    /// Sets `key` for every run.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Xtask {
        self.env.push((
            key.as_ref().to_os_string(),
            Some(value.as_ref().to_os_string()),
        ));
        self
    }

    /// Removes `key` for every run.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Xtask {
        self.env.push((key.as_ref().to_os_string(), None));
        self
    }

    /// The command, ready to run, spawn or change further.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args).current_dir(&self.dir);
        if self.on_emulator {
            emulator().cli_env(&mut cmd);
            if let Some(key) = self.audit.as_ref().and_then(|a| a.enlist(&self.dir, args)) {
                cmd.env("AWS_ACCESS_KEY_ID", key);
            }
        }
        for (key, value) in &self.env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }

    /// Runs it to the end; panics if it cannot start, or (on the emulator) if
    /// it needed an AWS action the config's policy does not allow or sent a
    /// request AWS would refuse.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self
            .command(args)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", self.bin.display()));
        if let Some(audit) = &self.audit {
            audit.check();
        }
        out
    }

    /// `history TARGET ENV --format json`: the ledger's records, newest first.
    /// Panics with the output unless the command succeeds.
    pub fn history(&self, target: &str, env: &str) -> Vec<serde_json::Value> {
        let out = self.run(&["history", target, env, "--format", "json"]);
        assert!(out.status.success(), "history: {}", all_output(&out));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("history is not a JSON array ({e}): {}", all_output(&out)))
    }
}

/// The string field `key` of each of `records` (as [`Xtask::history`] returns
/// them), in order; panics if one has none.
pub fn column<'a>(records: &'a [serde_json::Value], key: &str) -> Vec<&'a str> {
    records
        .iter()
        .map(|r| {
            r[key]
                .as_str()
                .unwrap_or_else(|| panic!("no string {key:?} in {r}"))
        })
        .collect()
}

/// Output bytes as text (invalid UTF-8 replaced).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// stdout then stderr, for assertion messages.
pub fn all_output(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}
