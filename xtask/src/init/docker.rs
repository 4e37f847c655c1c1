//! ECS services from Dockerfiles: one target per folder with a `Dockerfile`
//! (or `Containerfile`), built from that folder, deployed when it changes
//! (its docs aside).

use super::tree::{folder, join};
use super::{sanitize, Guess, GuessKind, Note};

/// Folders whose Dockerfiles are not services.
const NOT_SERVICES: [&str; 7] = [
    "test", "tests", "e2e", "examples", "example", "fixtures", "testdata",
];

pub fn services(files: &[String], notes: &mut Vec<Note>) -> Vec<Guess> {
    let mut out = Vec::new();
    for file in files {
        let name = file.rsplit('/').next().unwrap_or(file);
        if name != "Dockerfile" && name != "Containerfile" {
            if name.starts_with("Dockerfile.") || name.ends_with(".Dockerfile") {
                notes.push(Note::Skipped(format!(
                    "{file}: only a folder's `Dockerfile` is a service; add it by hand if this one is"
                )));
            }
            continue;
        }
        let dir = folder(file).to_string();
        if dir
            .split('/')
            .any(|part| NOT_SERVICES.contains(&part) || part == "docs")
        {
            notes.push(Note::Skipped(format!(
                "{file}: under a test, example or docs folder"
            )));
            continue;
        }
        let target = if dir.is_empty() {
            "app".to_string()
        } else {
            sanitize(dir.rsplit('/').next().unwrap_or(&dir))
        };
        let paths = if dir.is_empty() {
            vec!["**".to_string(), "!**/*.md".to_string()]
        } else {
            vec![
                format!("{dir}/**"),
                format!("!{dir}/docs/**"),
                format!("!{dir}/**/*.md"),
            ]
        };
        out.push(Guess {
            name: target,
            folder: dir.clone(),
            source: format!("{file}: an image built from {}", shown(&dir)),
            paths,
            after: Vec::new(),
            kind: GuessKind::Ecs {
                dockerfile: file.clone(),
                context: if dir.is_empty() {
                    ".".into()
                } else {
                    dir.clone()
                },
            },
        });
    }
    out
}

/// A folder as the user reads it.
pub fn shown(dir: &str) -> String {
    if dir.is_empty() {
        "the repository root".into()
    } else {
        join(dir, "")
    }
}
