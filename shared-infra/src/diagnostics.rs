//! Terraform's error messages, read back from what it wrote on stderr, so a
//! failed step's error says what terraform said rather than "exit status 1".
//!
//! Terraform prints each diagnostic as `Error: SUMMARY`, an optional source
//! excerpt (indented `with ...`, `on FILE line N`, `N: code`) and a detail
//! paragraph; with colours (no `-no-color`) the same inside a box drawn with
//! `╷ │ ╵`. A held state lock is its own case: the lock's holder is in the
//! detail (`Lock Info:` with `ID:`, `Who:`, ...).

use std::path::Path;

use crate::error::InfraError;

/// One `Error:` diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    pub summary: String,
    /// The paragraphs after the source excerpt, each as its lines.
    pub paragraphs: Vec<Vec<String>>,
}

impl Diagnostic {
    /// The summary and the first paragraph of detail, on one line.
    fn one_line(&self) -> String {
        match self.paragraphs.first() {
            Some(first) => format!("{}: {}", self.summary, join_wrapped(first)),
            None => self.summary.clone(),
        }
    }

    /// `Key:  value` lines of the detail (as under `Lock Info:`).
    fn field(&self, key: &str) -> Option<String> {
        self.paragraphs.iter().flatten().find_map(|line| {
            line.trim_start()
                .strip_prefix(key)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        })
    }
}

/// The error for a terraform step that exited with `status`, from its stderr.
pub(crate) fn failure(step: &'static str, dir: &Path, status: &str, stderr: &str) -> InfraError {
    let errors = errors(stderr);
    if let Some(lock) = errors
        .iter()
        .find(|d| d.summary == "Error acquiring the state lock")
    {
        if let Some(id) = lock.field("ID") {
            let operation = lock.field("Operation").map(|op| {
                op.strip_prefix("OperationType")
                    .unwrap_or(&op)
                    .to_lowercase()
            });
            return InfraError::StateLocked {
                step,
                dir: dir.to_path_buf(),
                holder: [
                    operation,
                    lock.field("Who").map(|w| format!("by {w}")),
                    lock.field("Created").map(|c| format!("since {c}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
                lock_object: lock.field("Path").map(|p| format!("s3://{p}.tflock")),
                id,
            };
        }
    }
    const SHOWN: usize = 3;
    let mut said: Vec<String> = errors
        .iter()
        .take(SHOWN)
        .map(Diagnostic::one_line)
        .collect();
    if errors.len() > SHOWN {
        said.push(format!("and {} more errors", errors.len() - SHOWN));
    }
    let message = if said.is_empty() {
        format!("{status} (its output is above)")
    } else {
        format!(
            "{} ({status}; its full output is above)",
            shorten(&said.join("; "))
        )
    };
    InfraError::Terraform {
        step,
        dir: dir.to_path_buf(),
        message,
    }
}

/// Every `Error:` diagnostic in terraform's stderr, in order.
pub(crate) fn errors(stderr: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    // The current diagnostic's summary and body lines; `None` outside one.
    let mut current: Option<(String, Vec<String>)> = None;
    for raw in stderr.lines() {
        let line = strip_ansi(raw);
        let trimmed = line.trim_end();
        // A box's top or bottom edge ends whatever diagnostic came before.
        if trimmed == "╷" || trimmed == "╵" {
            found.extend(current.take().map(finish));
            continue;
        }
        let line = trimmed
            .strip_prefix('│')
            .map(|rest| rest.strip_prefix(' ').unwrap_or(rest))
            .unwrap_or(trimmed);
        if let Some(summary) = line.strip_prefix("Error: ") {
            found.extend(current.take().map(finish));
            current = Some((summary.trim().to_string(), Vec::new()));
        } else if line.starts_with("Warning: ") {
            found.extend(current.take().map(finish));
        } else if let Some((_, body)) = current.as_mut() {
            body.push(line.to_string());
        }
    }
    found.extend(current.take().map(finish));
    found
}

/// Splits a diagnostic's body into paragraphs, without the source excerpt
/// (a paragraph whose lines are all indented).
fn finish((summary, body): (String, Vec<String>)) -> Diagnostic {
    let mut paragraphs = Vec::new();
    let mut paragraph: Vec<String> = Vec::new();
    for line in body.into_iter().chain([String::new()]) {
        if line.trim().is_empty() {
            let excerpt = paragraph.iter().all(|l| l.starts_with("  "));
            if !paragraph.is_empty() && !excerpt {
                paragraphs.push(std::mem::take(&mut paragraph));
            }
            paragraph.clear();
        } else {
            paragraph.push(line);
        }
    }
    Diagnostic {
        summary,
        paragraphs,
    }
}

/// Lines terraform wrapped to its width, joined back.
fn join_wrapped(lines: &[String]) -> String {
    lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
}

/// At most a few hundred characters: an error is read in one glance; the
/// whole text is in terraform's output above it.
fn shorten(text: &str) -> String {
    const MAX: usize = 500;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => {
            let head = &text[..cut];
            // At a word's end, when there is one in the second half.
            let head = match head.rfind(' ') {
                Some(space) if space > cut / 2 => &head[..space],
                _ => head,
            };
            format!("{head}...")
        }
        None => text.to_string(),
    }
}

/// Without ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written by Terraform 1.11.4 (see tests/fixtures/README.md).
    const APPLY_COLOR: &str = include_str!("../tests/fixtures/real-apply-error-color.stderr");
    const LOCK_COLOR: &str = include_str!("../tests/fixtures/real-lock-error-color.stderr");
    const PLAN_ERRORS: &str = include_str!("../tests/fixtures/real-plan-errors.stderr");

    #[test]
    fn a_coloured_error_reads_as_the_plain_one() {
        let found = errors(APPLY_COLOR);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].one_line(),
            "local-exec provisioner error: Error running command 'echo 'the database subnet group is full' >&2; exit 1': exit status 1. Output: the database subnet group is full"
        );
    }

    #[test]
    fn each_error_is_read_without_its_source_excerpt() {
        let found = errors(PLAN_ERRORS);
        let summaries: Vec<&str> = found.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Reference to undeclared input variable",
                "Reference to undeclared local value"
            ]
        );
        assert_eq!(
            found[1].one_line(),
            r#"Reference to undeclared local value: A local value with the name "nope" has not been declared."#
        );
        let err = failure("plan", Path::new("/stack"), "exit status: 1", PLAN_ERRORS).to_string();
        assert!(
            err.starts_with("terraform plan failed in /stack: Reference to undeclared input variable: An input variable with the name \"missing\" has not been declared. This variable can be declared with a variable \"missing\" {} block.; Reference to undeclared local value"),
            "{err}"
        );
        assert!(
            err.ends_with("(exit status: 1; its full output is above)"),
            "{err}"
        );
    }

    #[test]
    fn a_held_lock_names_its_holder_and_how_to_free_it() {
        let err = failure("plan", Path::new("/stack"), "exit status: 1", LOCK_COLOR);
        match &err {
            InfraError::StateLocked {
                id,
                holder,
                lock_object,
                ..
            } => {
                assert_eq!(id, "11111111-2222-3333-4444-555555555555");
                assert_eq!(
                    holder,
                    "apply by alice@laptop since 2026-12-02 13:00:00 +0000 UTC"
                );
                assert_eq!(
                    lock_object.as_deref(),
                    Some("s3://tfstate-b1/s/terraform.tfstate.tflock")
                );
            }
            other => panic!("expected StateLocked, got {other}"),
        }
        assert!(!err.is_bad_input());
    }

    #[test]
    fn without_diagnostics_the_status_is_the_message() {
        let err = failure(
            "init",
            Path::new("/stack"),
            "exit status: 2",
            "panic: oops\n",
        );
        assert_eq!(
            err.to_string(),
            "terraform init failed in /stack: exit status: 2 (its output is above)"
        );
        let long = format!("Error: x\n\n{}\n", "word ".repeat(200));
        let err = failure("plan", Path::new("/s"), "exit status: 1", &long).to_string();
        assert!(err.contains("word word...") && err.len() < 620, "{err}");
    }
}
