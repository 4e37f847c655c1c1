//! A command line of the `xtask` binary read the way the binary reads it, as
//! far as the audit needs: the command, its environment, and where its config
//! is.

use std::path::Path;

/// A command line read the way the binary reads it, as far as the audit needs:
/// the command, its environment, and where its config is.
pub(super) struct Words<'a> {
    args: &'a [&'a str],
}

/// Flags that take a value (so the value is not a positional argument).
const VALUED: &[&str] = &[
    "--env",
    "--to",
    "--commit",
    "--format",
    "--timeout",
    "--poll-interval",
    "--concurrency",
    "--max-deletes",
    "--repo",
    "--config",
    "--image-tag",
    "--expect-plan",
    "--base",
    "--head",
    "--limit",
    "--out",
    "--pr",
    "--target",
    "--older-than",
];

impl<'a> Words<'a> {
    pub(super) fn new(args: &'a [&'a str]) -> Words<'a> {
        Words { args }
    }

    pub(super) fn command(&self) -> &str {
        self.positionals().first().copied().unwrap_or("")
    }

    pub(super) fn has(&self, flag: &str) -> bool {
        self.args.contains(&flag)
    }

    fn value(&self, flag: &str) -> Option<&'a str> {
        let prefix = format!("{flag}=");
        self.args.iter().enumerate().find_map(|(i, a)| {
            if *a == flag {
                self.args.get(i + 1).copied()
            } else {
                a.strip_prefix(&prefix)
            }
        })
    }

    fn positionals(&self) -> Vec<&'a str> {
        let mut out = Vec::new();
        let mut skip = false;
        for a in self.args {
            if skip {
                skip = false;
            } else if a.starts_with("--") {
                skip = VALUED.contains(a);
            } else if !a.starts_with('-') {
                out.push(*a);
            }
        }
        out
    }

    /// The environment the command works in: `--env`, `rollback TARGET ENV`,
    /// `history TARGET ENV`, or for `preview` the config's
    /// `project.preview_environment`.
    pub(super) fn env(&self, config: Option<&str>) -> Option<String> {
        if let Some(env) = self.value("--env") {
            return Some(env.to_string());
        }
        let positionals = self.positionals();
        match positionals.first().copied() {
            Some("rollback") | Some("history") => positionals.get(2).map(|s| s.to_string()),
            Some("preview") => config.and_then(preview_environment),
            _ => None,
        }
    }

    pub(super) fn repo_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        for flag in ["--repo", "--config"] {
            if let Some(v) = self.value(flag) {
                flags.extend([flag.to_string(), v.to_string()]);
            }
        }
        flags
    }

    /// The config file's text, found as the binary finds it: `--config`, else
    /// deploy.toml at the root of the repository around `--repo` or `dir`.
    pub(super) fn config_text(&self, dir: &Path) -> Option<String> {
        if let Some(file) = self.value("--config") {
            return std::fs::read_to_string(dir.join(file)).ok();
        }
        let start = self
            .value("--repo")
            .map_or(dir.to_path_buf(), |r| dir.join(r));
        start
            .ancestors()
            .find(|d| d.join(".git").exists())
            .and_then(|root| std::fs::read_to_string(root.join("deploy.toml")).ok())
    }
}

/// The `[environments.NAME]` tables of a deploy.toml's text.
pub(super) fn environments(config: &str) -> Vec<String> {
    config
        .lines()
        .filter_map(|line| {
            let name = line
                .trim()
                .strip_prefix("[environments.")?
                .strip_suffix(']')?;
            Some(name.trim_matches('"').to_string())
        })
        .collect()
}

/// `project.preview_environment = "..."` in a deploy.toml's text.
fn preview_environment(config: &str) -> Option<String> {
    config.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("preview_environment")?;
        let value = rest.trim_start().strip_prefix('=')?.trim();
        Some(value.trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_command_and_its_environment() {
        let w = Words::new(&["rollback", "api", "prod", "--to", "3"]);
        assert_eq!(
            (w.command(), w.env(None).as_deref()),
            ("rollback", Some("prod"))
        );
        let w = Words::new(&["deploy", "--all", "--env=staging", "--image-tag", "v2"]);
        assert_eq!(w.env(None).as_deref(), Some("staging"));
        let w = Words::new(&["history", "web", "prod", "--format", "json"]);
        assert_eq!(w.env(None).as_deref(), Some("prod"));
        let w = Words::new(&["preview", "up", "--pr", "7"]);
        let config = "[project]\nname = \"x\"\npreview_environment = \"staging\"\n";
        assert_eq!(w.env(Some(config)).as_deref(), Some("staging"));
        assert_eq!(Words::new(&["ci", "check"]).env(None), None);
        let config = "[environments.prod]\nbranch = \"main\"\n[environments.\"qa\"]\n";
        assert_eq!(environments(config), ["prod", "qa"]);
    }
}
