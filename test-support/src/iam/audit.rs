//! Every `xtask` command a test runs on the emulator is checked twice after it
//! ran, so the whole suite keeps the permissions and the requests honest:
//!
//! - each AWS action its requests needed (recorded by the front,
//!   `aws_front/actions.py`) must be allowed by the policy `cargo xtask iam`
//!   renders for the test's own config and environment — the read-only drift
//!   policy for `status`, `history` and `plan`, the bootstrap policy for
//!   `bootstrap`, the deploy policy for the rest;
//! - no request may have been refused by the front's contract check (a request
//!   AWS would refuse).
//!
//! How a request is tied to its test: tests run in parallel in one process
//! against one emulator, so each command gets its own access key
//! (`AWS_ACCESS_KEY_ID`), which the front reads from the request's signature;
//! the key belongs to one command of one test, with its config and
//! environment. The policy is rendered when the command is made (the config
//! may change later in the test), and the check runs when `Xtask::run`
//! returns, or, for commands the test spawned itself, when the last copy of
//! the `Xtask` is dropped at the end of the test. A miss panics, naming the
//! test, the command, the action and the resource.
//!
//! A command whose arguments do not name its environment when it is made (a
//! test may add them to the `Command` later) is held to the role's policies
//! of every environment of its config: an action must be allowed in one.
//!
//! Not checked: `bootstrap --with-resources` (it creates, for the local
//! emulator, what Terraform owns in a real account), and commands run with
//! credentials the test set itself.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use super::command_line::{environments, Words};
use super::policy::Policy;
use crate::emulator;

/// moto's account, in which every test request is made.
pub const ACCOUNT: &str = "123456789012";

/// The commands one `Xtask` (and its clones) made, checked when it is dropped.
#[derive(Debug)]
pub(crate) struct Audit {
    bin: PathBuf,
    commands: Mutex<Vec<Audited>>,
}

#[derive(Debug)]
struct Audited {
    key: String,
    test: String,
    command: String,
    role: &'static str,
    /// The environment the command names, or those of its config when its
    /// arguments do not say (a test may add them to the `Command` later).
    envs: Vec<String>,
    /// The role's policy in each of `envs`.
    policies: Result<Vec<Policy>, String>,
    checked: usize,
}

impl Audit {
    pub(crate) fn new(bin: &Path) -> Audit {
        Audit {
            bin: bin.to_path_buf(),
            commands: Mutex::new(Vec::new()),
        }
    }

    /// The access key for a new command `args` run in `dir`, or None when the
    /// command is not audited.
    pub(crate) fn enlist(&self, dir: &Path, args: &[&str]) -> Option<String> {
        let words = Words::new(args);
        let role = match words.command() {
            "bootstrap" if words.has("--with-resources") => return None,
            "bootstrap" => "bootstrap",
            "status" | "history" | "plan" => "drift",
            // Previews run in `<env>-preview` with a role of their own.
            "preview" => "preview",
            _ => "deploy",
        };
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let key = format!(
            "XTASKTEST{}N{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let config = words.config_text(dir);
        let envs = match words.env(config.as_deref()) {
            Some(env) => vec![env],
            None => config.as_deref().map(environments).unwrap_or_default(),
        };
        let policies = if envs.is_empty() {
            Err("neither the command nor its config names an environment".into())
        } else {
            envs.iter()
                .map(|env| rendered(&self.bin, dir, &words, env, config.as_deref(), role))
                .collect()
        };
        let test = std::thread::current()
            .name()
            .unwrap_or("(unnamed thread)")
            .to_string();
        self.lock().push(Audited {
            key: key.clone(),
            test,
            command: format!("xtask {}", args.join(" ")),
            role,
            envs,
            policies,
            checked: 0,
        });
        Some(key)
    }

    /// Checks what the commands sent since the last check; panics on a miss.
    pub(crate) fn check(&self) {
        let mut problems = Vec::new();
        for audited in self.lock().iter_mut() {
            problems.extend(audited.check());
        }
        if !problems.is_empty() {
            panic!("{}", problems.join("\n"));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Audited>> {
        self.commands.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Audit {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.check();
        }
    }
}

impl Audited {
    fn check(&mut self) -> Vec<String> {
        let emulator = emulator();
        let mut problems = Vec::new();
        let refused = emulator.refused_requests(&self.key);
        if !refused.is_empty() {
            problems.push(format!(
                "test `{}`: `{}` sent requests AWS would refuse (the front's contract check, botocore's service models):\n  {}",
                self.test,
                self.command,
                refused.join("\n  ")
            ));
        }
        let (actions, next) = emulator.actions_of(&self.key, self.checked);
        self.checked = next;
        if actions.is_empty() {
            return problems;
        }
        let env = self.envs.join("|");
        match &self.policies {
            Err(why) => problems.push(format!(
                "test `{}`: `{}` called AWS ({} first), but its policy cannot be rendered: {why}",
                self.test, self.command, actions[0].action
            )),
            Ok(policies) => {
                let mut missing: Vec<String> = actions
                    .iter()
                    .filter(|a| {
                        !policies
                            .iter()
                            .any(|p| p.allows(&a.action, &a.resource, ACCOUNT))
                    })
                    .map(|a| format!("{} on {} ({})", a.action, a.resource, a.operation))
                    .collect();
                missing.dedup();
                if !missing.is_empty() {
                    problems.push(format!(
                        "test `{}`: `{}` needed what the {} policy of `cargo xtask iam --env {env}` does not allow:\n  {}",
                        self.test,
                        self.command,
                        self.role,
                        missing.join("\n  ")
                    ));
                }
            }
        }
        problems
    }
}

/// The policy `role` of `xtask iam --env ENV --format json`, run as the
/// command will run (same folder, same --repo/--config); cached per config
/// text, so a test renders once per environment.
fn rendered(
    bin: &Path,
    dir: &Path,
    words: &Words,
    env: &str,
    config: Option<&str>,
    role: &str,
) -> Result<Policy, String> {
    type Cache =
        Mutex<HashMap<(PathBuf, Vec<String>, String, String), Result<serde_json::Value, String>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let flags = words.repo_flags();
    let cache_key = config.map(|text| {
        (
            dir.to_path_buf(),
            flags.clone(),
            env.to_string(),
            text.to_string(),
        )
    });
    let cached = cache_key.as_ref().and_then(|k| {
        CACHE
            .get_or_init(Default::default)
            .lock()
            .ok()?
            .get(k)
            .cloned()
    });
    let doc = match cached {
        Some(doc) => doc,
        None => {
            let doc = render(bin, dir, &flags, env);
            if let Some(k) = cache_key {
                if let Ok(mut cache) = CACHE.get_or_init(Default::default).lock() {
                    cache.insert(k, doc.clone());
                }
            }
            doc
        }
    }?;
    Policy::from_json(&doc[role]).map_err(|e| format!("the {role} policy: {e}"))
}

fn render(
    bin: &Path,
    dir: &Path,
    flags: &[String],
    env: &str,
) -> Result<serde_json::Value, String> {
    let out = std::process::Command::new(bin)
        .args([
            "iam",
            "--env",
            env,
            "--format",
            "json",
            "--account",
            ACCOUNT,
        ])
        .args(flags)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "`xtask iam --env {env}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("`xtask iam` printed no JSON: {e}"))
}
