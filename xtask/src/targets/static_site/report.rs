//! What a static-site run shows: its plan in a dry run, its summary line.

use crate::targets::TargetResult;

pub(super) fn summary(report: &web_deployer::SiteReport) -> String {
    let mut s = format!(
        "upload {} ({}), unchanged {}, delete {}, keep for grace {}",
        report.transferred.len(),
        bytes(report.transferred_bytes),
        report.unchanged,
        report.deleted.len(),
        report.kept.len()
    );
    match &report.invalidation {
        Some(inv) => {
            s.push_str(&format!(
                "; invalidate {} path{}",
                inv.paths.len(),
                if inv.paths.len() == 1 { "" } else { "s" }
            ));
            if let Some(id) = &inv.id {
                s.push_str(&format!(" ({id})"));
            }
        }
        None => s.push_str("; no invalidation"),
    }
    s
}

/// The summary after a real run; failed when the invalidation failed or did
/// not complete in time (the release is in place either way).
pub(super) fn finished(
    name: &str,
    what: &str,
    report: &web_deployer::SiteReport,
    settings: &web_deployer::SiteSettings,
) -> TargetResult {
    let line = format!(
        "{what} {}: uploaded {} ({}), unchanged {}, deleted {}, kept for grace {}, {}",
        report.release,
        report.transferred.len(),
        bytes(report.transferred_bytes),
        report.unchanged,
        report.deleted.len(),
        report.kept.len(),
        match &report.invalidation {
            None => "no invalidation".to_string(),
            Some(inv) => format!(
                "invalidation {} ({} paths){}",
                inv.id.as_deref().unwrap_or("-"),
                inv.paths.len(),
                match inv.completed {
                    Some(true) => ", completed",
                    Some(false) => ", NOT completed in time",
                    None => "",
                }
            ),
        }
    );
    let distribution = settings.distribution_id.as_deref().unwrap_or("-");
    match report.invalidation_failure(distribution) {
        Some(failure) => TargetResult::failed(name, format!("{line}; {failure}")),
        None => TargetResult::ok(name, line),
    }
}

/// What a run writes, key by key, on stdout: exactly what `--dry-run` promises.
pub(super) fn print_plan(name: &str, report: &web_deployer::SiteReport) {
    if !report.dry_run() {
        return;
    }
    for (key, change) in &report.transferred {
        let why = match change {
            web_deployer::Change::New => "new",
            web_deployer::Change::Content => "changed",
            web_deployer::Change::Headers => "headers changed",
        };
        crate::output::detail(&format!("{name}: would write {key} ({why})\n"));
    }
    for key in &report.deleted {
        crate::output::detail(&format!("{name}: would delete {key}\n"));
    }
    for key in &report.kept {
        crate::output::detail(&format!("{name}: would keep {key} (grace)\n"));
    }
    if let Some(inv) = &report.invalidation {
        crate::output::detail(&format!(
            "{name}: would invalidate {}\n",
            inv.paths.join(" ")
        ));
    }
}

pub(super) fn bytes(n: u64) -> String {
    indicatif::HumanBytes(n).to_string()
}
