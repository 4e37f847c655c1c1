//! `cargo xtask ci generate | check | report | setup`.

use anyhow::Context;
use std::path::{Path, PathBuf};

use crate::ci::{self, Workflow};
use crate::error::BadInput;
use crate::flags::{CiAction, CiFlags, CiReportFlags, CiSetupFlags, RepoFlags};
use crate::workspace::Workspace;

pub fn run(flags: &CiFlags) -> anyhow::Result<()> {
    let place = match &flags.action {
        CiAction::Generate(place) | CiAction::Check(place) => place,
        CiAction::Report(report_flags) => return report(report_flags),
        CiAction::Setup(setup_flags) => return setup(setup_flags),
    };
    let ws = Workspace::open(&place.repo)?;
    let dir = place
        .out
        .clone()
        .unwrap_or_else(|| ws.root.join(".github/workflows"));
    let workflows = ci::workflows(&ws.config);
    let stale = stale_files(&dir, &workflows)?;
    let tfvars = network_tfvars(&ws);
    let wanted: Vec<(PathBuf, &str)> = workflows
        .iter()
        .map(|w| (dir.join(&w.file_name), w.contents.as_str()))
        .chain(tfvars.iter().map(|(p, t)| (p.clone(), t.as_str())))
        .collect();
    match flags.action {
        CiAction::Generate(_) => {
            // Someone's own workflow of the same name is never replaced.
            for w in &workflows {
                let path = dir.join(&w.file_name);
                if let Ok(on_disk) = std::fs::read_to_string(&path) {
                    if !ci::is_generated(&on_disk) {
                        return Err(BadInput::error(format!(
                            "{} exists and was not written by `cargo xtask ci generate`: rename it (nothing was written)",
                            path.display()
                        )));
                    }
                }
            }
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for (path, contents) in &wanted {
                if std::fs::read_to_string(path).ok().as_deref() != Some(*contents) {
                    std::fs::write(path, contents)
                        .with_context(|| format!("writing {}", path.display()))?;
                    println!("wrote {}", path.display());
                }
            }
            for path in stale {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
                println!(
                    "removed {} (deploy.toml no longer makes it)",
                    path.display()
                );
            }
            Ok(())
        }
        CiAction::Report(_) | CiAction::Setup(_) => unreachable!("handled above"),
        CiAction::Check(_) => {
            let mut diffs = String::new();
            for (path, contents) in &wanted {
                let on_disk = std::fs::read_to_string(path).unwrap_or_default();
                if on_disk != *contents {
                    diffs.push_str(&unified_diff(path, &on_disk, contents));
                }
            }
            for path in &stale {
                let on_disk = std::fs::read_to_string(path).unwrap_or_default();
                diffs.push_str(&unified_diff(path, &on_disk, ""));
            }
            if diffs.is_empty() {
                println!(
                    "{} workflows in {} match deploy.toml{}",
                    workflows.len(),
                    dir.display(),
                    match tfvars.len() {
                        0 => String::new(),
                        n => format!(", and {n} network plan tfvars files"),
                    }
                );
                return Ok(());
            }
            print!("{diffs}");
            anyhow::bail!("the workflows in {} (or the network plans' tfvars) differ from what deploy.toml makes: run `cargo xtask ci generate`", dir.display())
        }
    }
}

/// The network plans' tfvars files (`network.auto.tfvars.json`) of every
/// terraform target and environment, in stack folders that exist.
fn network_tfvars(ws: &Workspace) -> Vec<(PathBuf, String)> {
    let config = &ws.config;
    let mut files = Vec::new();
    for target in &config.targets {
        for env in config.environments.keys() {
            if let Some((relative, text)) = config.network_tfvars(&target.name, env) {
                let path = ws.root.join(&relative);
                if path.parent().is_some_and(Path::is_dir) {
                    files.push((path, text));
                }
            }
        }
    }
    files
}

/// Generated files in `dir` that the config no longer makes.
fn stale_files(dir: &Path, wanted: &[Workflow]) -> anyhow::Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut stale = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let generated = std::fs::read_to_string(&path).is_ok_and(|c| ci::is_generated(&c));
        if generated && !wanted.iter().any(|w| w.file_name == name) {
            stale.push(path);
        }
    }
    stale.sort();
    Ok(stale)
}

fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{shown} (on disk)"),
            &format!("{shown} (from deploy.toml)"),
        )
        .to_string()
}

/// `ci report`: prints each target's outcome, writes them to the run's
/// summary, and sends the run's notification.
fn report(flags: &CiReportFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    ws.environment(&flags.env)?;
    let needs = std::env::var("NEEDS").map_err(|_| {
        BadInput("ci report: $NEEDS is not set (the workflow passes `toJSON(needs)` in it)".into())
    })?;
    let needs: std::collections::BTreeMap<String, ci::report::JobResult> =
        serde_json::from_str(&needs).map_err(|e| {
            BadInput(format!(
                "ci report: $NEEDS is not the JSON of GitHub's `needs` context: {e}"
            ))
        })?;
    let outcomes = ci::report::outcomes(&ws.config, &flags.env, &needs);
    let width = outcomes.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, outcome) in &outcomes {
        println!("{name:<width$}  {}", outcome.describe());
    }
    crate::output::write_step_summary(&ci::report::markdown(&flags.env, &outcomes))?;
    // The run's one message: the deploy jobs sent none (`--no-notify`).
    let settings = ws.config.notify.get(&flags.env);
    if let Some(settings) = settings.filter(|n| !n.slack.is_empty()) {
        let mut lines = ci::report::notice_lines(&outcomes, &needs);
        super::with_authors(&ws, &mut lines);
        let run = crate::notify::Run {
            command: "deploy".into(),
            env: flags.env.clone(),
            who: crate::state::who(),
            link: crate::notify::ci_run_link(),
            lines,
        };
        // Generation needs no runtime; sending does, for this once.
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(crate::notify::deliver(
                &run,
                settings,
                crate::notify::Mode::Send,
            ));
    }
    Ok(())
}

/// `ci setup`: the `gh` commands for the environment's GitHub environments, on
/// stdout (nothing is run).
fn setup(flags: &CiSetupFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&RepoFlags {
        repo: None,
        config: flags.config.clone(),
    })?;
    let script = ci::setup::script(
        &ws.config,
        &ci::setup::Setup {
            env: &flags.env,
            reviewers: &flags.reviewers,
            repo: flags.github_repo.as_deref(),
        },
    )?;
    print!("{script}");
    Ok(())
}
