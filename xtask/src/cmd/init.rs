//! `cargo xtask init [--repo DIR] [--dry-run] [--names PATTERN]`: reads the
//! repository (`init::scan`), renders a commented deploy.toml, checks that it
//! loads, then writes it — never over an existing file — and says what it
//! guessed, what to check, and what to run next.

use anyhow::Context;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::BadInput;
use crate::flags::InitFlags;
use crate::init::{self, Note, Settings};

pub fn run(flags: &InitFlags) -> anyhow::Result<()> {
    check_names(&flags.names)?;
    let start = match &flags.repo {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(BadInput::error(format!(
                    "--repo {}: no such folder",
                    dir.display()
                )));
            }
            dir.clone()
        }
        None => std::env::current_dir().context("reading the current directory")?,
    };
    let repo = git2::Repository::discover(&start).map_err(|e| {
        BadInput(format!(
            "{}no git repository at or above {} ({}): init reads its branches; run `git init` first",
            if flags.repo.is_some() { "--repo: " } else { "" },
            start.display(),
            e.message()
        ))
    })?;
    let root = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
        BadInput(format!(
            "{}: a bare repository has no working tree",
            start.display()
        ))
    })?;
    let file = root.join("deploy.toml");
    if !flags.dry_run && file.exists() {
        return Err(BadInput::error(format!(
            "{} exists: init never overwrites it (`cargo xtask init --dry-run` prints what it would write)",
            file.display()
        )));
    }

    let settings = Settings {
        names: flags.names.clone(),
        toolkit: toolkit_dir(),
    };
    let found = init::scan(&repo, &root, &settings);
    if found.targets.is_empty() {
        return Err(BadInput::error(format!(
            "found nothing to deploy in {}: no Dockerfile, no package.json whose build writes a static site, no Terraform in an environments/<env>/ folder (docs/CONFIG.md says how to write deploy.toml by hand)",
            root.display()
        )));
    }
    let text = init::render::render(&found, &flags.names);
    // What init writes must load: a file that does not is init's bug.
    Config::parse(&file, &text).map_err(|e| {
        anyhow::anyhow!("init made a deploy.toml that does not load ({e}); nothing was written")
    })?;

    if flags.dry_run {
        print!("{text}");
        eprint!("{}", notes(&found, None));
        return Ok(());
    }
    write_new(&file, &text)?;
    let kinds: Vec<String> = found
        .targets
        .iter()
        .map(|t| {
            let kind = match t.kind {
                init::GuessKind::Ecs { .. } => "ecs",
                init::GuessKind::StaticSite { .. } => "static-site",
                init::GuessKind::Terraform(_) => "terraform",
            };
            format!("{} ({kind})", t.name)
        })
        .collect();
    println!(
        "wrote {}: {} targets: {}",
        file.display(),
        kinds.len(),
        kinds.join(", ")
    );
    print!("{}", notes(&found, Some(&root)));
    Ok(())
}

/// Created, never replaced: a file that appeared since the check stays.
fn write_new(file: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                BadInput::error(format!(
                    "{} exists: init never overwrites it",
                    file.display()
                ))
            } else {
                anyhow::Error::from(e).context(format!("writing {}", file.display()))
            }
        })?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", file.display()))
}

/// What was guessed, what to check, what was left out, then what to run.
fn notes(found: &init::Found, written: Option<&PathBuf>) -> String {
    let mut out = String::new();
    for (title, pick) in [
        ("guessed", 0),
        ("check before the first deploy", 1),
        ("left out", 2),
    ] {
        let lines: Vec<&String> = found
            .notes
            .iter()
            .filter_map(|n| match (n, pick) {
                (Note::Guessed(t), 0) | (Note::Check(t), 1) | (Note::Skipped(t), 2) => Some(t),
                _ => None,
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n"));
        for l in lines {
            out.push_str(&format!("  - {l}\n"));
        }
    }
    if check_count(found) > 0 {
        out.push_str("\nEvery guess is marked CHECK in deploy.toml.\n");
    }
    if written.is_some() {
        let env = found
            .environments
            .first()
            .map_or("prod", |e| e.name.as_str());
        out.push_str(&format!(
            "\nnext:\n  cargo xtask plan --all --env {env}   # what would deploy, with these settings\n  cargo xtask ci generate             # the GitHub Actions workflows\n"
        ));
    }
    out
}

fn check_count(found: &init::Found) -> usize {
    found
        .notes
        .iter()
        .filter(|n| matches!(n, Note::Check(_)))
        .count()
}

/// `--names`: `{target}` in it, and no placeholder deploy.toml does not know.
fn check_names(pattern: &str) -> Result<(), BadInput> {
    if !pattern.contains(init::TARGET_PLACEHOLDER) {
        return Err(BadInput(format!(
            "--names {pattern}: expected {} in it (each target needs a name of its own), e.g. {}",
            init::TARGET_PLACEHOLDER,
            init::DEFAULT_NAMES
        )));
    }
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        if !["target", "project", "env", "region"].contains(&name) {
            return Err(BadInput(format!(
                "--names {pattern}: unknown placeholder {{{name}}}; expected {{target}}, {{project}}, {{env}} or {{region}}"
            )));
        }
        rest = &rest[open + close + 1..];
    }
    let literal = pattern
        .replace("{target}", "")
        .replace("{project}", "")
        .replace("{env}", "")
        .replace("{region}", "");
    if !literal
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(BadInput(format!(
            "--names {pattern}: expected lowercase letters, digits and `-` around the placeholders (names of buckets, clusters and repositories)"
        )));
    }
    Ok(())
}

/// The toolkit's workspace: the folder above the xtask crate this binary was
/// built from (cargo sets CARGO_MANIFEST_DIR when it runs it, and at build time).
fn toolkit_dir() -> Option<PathBuf> {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .filter(|d| d.join("src/init/mod.rs").is_file())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let dir = crate_dir.parent()?.to_path_buf();
    dir.join("xtask/Cargo.toml").is_file().then_some(dir)
}
