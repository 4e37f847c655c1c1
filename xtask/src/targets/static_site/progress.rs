//! A site's upload or copy progress on stderr.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use super::report::bytes;

/// Without a terminal (CI logs), a progress line at most this often...
const LINE_EVERY: Duration = Duration::from_secs(5);
/// ...or when another tenth of the files is done; every file with `-v`.
const LINE_EVERY_FRACTION: usize = 10;

/// Progress on stderr: a bar (files and bytes) on a terminal, plain lines at
/// a human rate otherwise (CI logs).
pub(super) struct Progress {
    name: String,
    verb: &'static str,
    bar: Option<ProgressBar>,
    bar_allowed: bool,
    files: (usize, usize),
    bytes: (u64, u64),
    /// When the last plain progress line was printed, and at how many files.
    last_line: (Instant, usize),
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
            bytes: (0, 0),
            last_line: (Instant::now(), 0),
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
                self.bytes = (0, total);
                self.last_line = (Instant::now(), 0);
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
                self.bytes.0 += n;
                let done = if self.verb == "upload" {
                    "uploaded"
                } else {
                    "copied"
                };
                match &self.bar {
                    Some(bar) => {
                        bar.inc(n);
                        bar.set_message(format!("{}/{} files", self.files.0, self.files.1));
                    }
                    None if crate::output::verbose() => eprintln!(
                        "{name}: [{}/{}] {done} {key} ({})",
                        self.files.0,
                        self.files.1,
                        bytes(n)
                    ),
                    None if self.line_due() => {
                        self.last_line = (Instant::now(), self.files.0);
                        eprintln!(
                            "{name}: {done} {}/{} files ({} of {})",
                            self.files.0,
                            self.files.1,
                            bytes(self.bytes.0),
                            bytes(self.bytes.1)
                        );
                    }
                    None => {}
                }
            }
            web_deployer::Event::Deleted { count } => {
                self.finish();
                eprintln!("{name}: deleted {count} objects");
            }
            web_deployer::Event::Invalidating { id, paths, waited } => {
                self.finish();
                if !waited.is_zero() {
                    eprintln!(
                        "{name}: CloudFront had too many invalidations in progress; it took this one after {}s",
                        waited.as_secs()
                    );
                }
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

    /// A plain progress line is due: the last file, a tenth more of them, or
    /// [`LINE_EVERY`] since the last line.
    fn line_due(&self) -> bool {
        let (done, total) = self.files;
        let step = total.div_ceil(LINE_EVERY_FRACTION).max(1);
        done == total || done >= self.last_line.1 + step || self.last_line.0.elapsed() >= LINE_EVERY
    }

    pub(super) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
