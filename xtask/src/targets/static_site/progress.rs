//! A site's upload or copy progress on stderr.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

use super::report::bytes;

/// Progress on stderr: a bar (files and bytes) on a terminal, plain lines
/// otherwise (CI logs).
pub(super) struct Progress {
    name: String,
    verb: &'static str,
    bar: Option<ProgressBar>,
    bar_allowed: bool,
    files: (usize, usize),
    /// Whether the plan had anything to write: a failure after it may have
    /// left some of it written.
    writing: bool,
}

impl Progress {
    pub(super) fn new(name: &str, verb: &'static str, bar_allowed: bool) -> Progress {
        Progress {
            name: name.into(),
            verb,
            bar: None,
            bar_allowed,
            files: (0, 0),
            writing: false,
        }
    }

    /// Whether the run got as far as writing (or deleting) objects.
    pub(super) fn writing(&self) -> bool {
        self.writing
    }

    fn interactive(&self) -> bool {
        self.bar_allowed && std::io::stderr().is_terminal() && !crate::output::github_actions()
    }

    pub(super) fn show(&mut self, event: web_deployer::Event<'_>) {
        let name = self.name.clone();
        match event {
            web_deployer::Event::Planned {
                transfers,
                bytes: total,
                unchanged,
                deletes,
                kept,
            } => {
                eprintln!(
                    "{name}: {transfers} to {} ({}), {unchanged} unchanged, {deletes} to delete, {kept} kept for grace",
                    self.verb,
                    bytes(total)
                );
                self.files = (0, transfers);
                self.writing = transfers > 0 || deletes > 0;
                if transfers > 0 && self.interactive() {
                    let bar = ProgressBar::new(total);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix} [{bar:30}] {bytes}/{total_bytes} {msg} ({eta})",
                        )
                        .expect("a valid template")
                        .progress_chars("=> "),
                    );
                    bar.set_prefix(name);
                    bar.set_message(format!("0/{transfers} files"));
                    self.bar = Some(bar);
                }
            }
            web_deployer::Event::Transferred { key, bytes: n, .. } => {
                self.files.0 += 1;
                match &self.bar {
                    Some(bar) => {
                        bar.inc(n);
                        bar.set_message(format!("{}/{} files", self.files.0, self.files.1));
                    }
                    None => eprintln!(
                        "{name}: [{}/{}] {} {key} ({})",
                        self.files.0,
                        self.files.1,
                        if self.verb == "upload" {
                            "uploaded"
                        } else {
                            "copied"
                        },
                        bytes(n)
                    ),
                }
            }
            web_deployer::Event::Deleted { count } => {
                self.finish();
                eprintln!("{name}: deleted {count} objects");
            }
            web_deployer::Event::Invalidating { id, paths } => {
                self.finish();
                eprintln!(
                    "{name}: invalidation {id}: {}",
                    if paths.len() > 10 {
                        format!("{} paths", paths.len())
                    } else {
                        paths.join(" ")
                    }
                );
            }
        }
    }

    pub(super) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
