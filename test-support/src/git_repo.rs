//! A real git repository in a temp folder, built with the `git` command line.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct GitRepo {
    dir: tempfile::TempDir,
}

impl GitRepo {
    /// An empty repository whose first branch is `main`.
    pub fn new() -> GitRepo {
        let dir = tempfile::Builder::new()
            .prefix("xtask-git-")
            .tempdir()
            .expect("temp dir");
        let repo = GitRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git in the repository with a fixed identity and no user config;
    /// panics with git's output if it fails. Returns stdout, trimmed.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes a file (creating folders), without staging it.
    pub fn write(&self, path: &str, content: &str) -> &Self {
        let full = self.file(path);
        std::fs::create_dir_all(full.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
        self
    }

    pub fn remove(&self, path: &str) -> &Self {
        self.git(&["rm", "-q", "-r", "-f", path]);
        self
    }

    pub fn rename(&self, from: &str, to: &str) -> &Self {
        if let Some(parent) = self.file(to).parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        self.git(&["mv", from, to]);
        self
    }

    /// Stages everything and commits; returns the new commit's sha.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    pub fn file(&self, path: &str) -> PathBuf {
        self.path().join(path)
    }
}

impl Default for GitRepo {
    fn default() -> Self {
        Self::new()
    }
}
