//! The runbook's one-line wrappers (`scripts/rollback-all.sh prod`,
//! `api/scripts/rollback.sh prod`, ...): each runs `cargo xtask rollback ...`
//! from its repository's root, whatever folder it is called from, so that cargo
//! finds the `xtask` alias. A stand-in `cargo` on PATH records what it was asked.

use std::path::{Path, PathBuf};
use std::process::Command;

fn toolkit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap()
}

/// Runs `script ARGS` from an unrelated folder with a recording `cargo`; returns
/// (exit code, the folder cargo ran in, its arguments).
fn run(script: &Path, args: &[&str]) -> (Option<i32>, PathBuf, Vec<String>, String) {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().unwrap();
    let record = bin.path().join("record");
    let cargo = bin.path().join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\n{{ pwd; for a in \"$@\"; do echo \"$a\"; done; }} > '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(script)
        .args(args)
        .current_dir(elsewhere.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let recorded = std::fs::read_to_string(&record).unwrap_or_default();
    let mut lines = recorded.lines().map(str::to_owned);
    let cwd = PathBuf::from(lines.next().unwrap_or_default());
    (
        out.status.code(),
        cwd,
        lines.collect(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether cargo, started in `dir`, finds the `xtask` alias (a `.cargo/config.toml`
/// that defines it, in `dir` or above).
fn alias_resolves_from(dir: &Path) -> bool {
    dir.ancestors().any(|d| {
        std::fs::read_to_string(d.join(".cargo/config.toml"))
            .is_ok_and(|c| c.lines().any(|l| l.trim_start().starts_with("xtask =")))
    })
}

#[test]
fn each_wrapper_runs_cargo_xtask_rollback_from_its_repository_root() {
    let root = toolkit();
    let example = root.join("examples/connect2");
    let config = example.join("deploy.toml").display().to_string();
    let rows: Vec<(PathBuf, &[&str], &Path, Vec<String>)> = vec![
        (
            root.join("scripts/rollback-all.sh"),
            &["prod"],
            &root,
            vec![
                "xtask".into(),
                "rollback".into(),
                "all".into(),
                "prod".into(),
            ],
        ),
        (
            example.join("scripts/rollback-all.sh"),
            &["prod", "--dry-run"],
            &example,
            [
                "xtask",
                "rollback",
                "all",
                "prod",
                "--config",
                &config,
                "--dry-run",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            example.join("api/scripts/rollback.sh"),
            &["prod"],
            &example,
            ["xtask", "rollback", "api", "prod", "--config", &config]
                .map(String::from)
                .to_vec(),
        ),
        (
            example.join("web/scripts/rollback.sh"),
            &["staging", "--to", "r-12"],
            &example,
            [
                "xtask", "rollback", "web", "staging", "--config", &config, "--to", "r-12",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            example.join("infrastructure/scripts/rollback.sh"),
            &["prod", "--commit", "abc123"],
            &example,
            [
                "xtask", "rollback", "shared", "prod", "--config", &config, "--commit", "abc123",
            ]
            .map(String::from)
            .to_vec(),
        ),
    ];
    for (script, args, dir, expected) in rows {
        let (code, cwd, got, stderr) = run(&script, args);
        assert_eq!(code, Some(0), "{}: {stderr}", script.display());
        assert_eq!(cwd.canonicalize().unwrap(), *dir, "{}", script.display());
        assert_eq!(got, expected, "{}", script.display());
        assert!(
            alias_resolves_from(dir),
            "no xtask alias above {}",
            dir.display()
        );

        // Without an environment: a usage line, and cargo is not run.
        let (code, _, got, stderr) = run(&script, &[]);
        assert_ne!(code, Some(0), "{}", script.display());
        assert!(got.is_empty(), "{}", script.display());
        assert!(stderr.contains("usage:"), "{}: {stderr}", script.display());
    }
}
