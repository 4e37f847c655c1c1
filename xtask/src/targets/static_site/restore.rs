//! A static site's undo after a failed verification: the release before is
//! restored the way `rollback` restores one (server-side copies of its
//! recorded versions, index.html last); what the site serves then, and the
//! manifest of the bucket after it, go into the deploy's ledger record.

use crate::context::EnvContext;
use crate::plan::SiteSettings;
use crate::state::ledger::Detail;
use crate::state::now_rfc3339;
use crate::state::releases::rollback_key;
use crate::targets::pipeline::{Undo, Undone};

use super::progress::Progress;
use super::SiteOptions;

/// What the undo of one deploy needs.
pub(super) struct Restore<'a> {
    pub ctx: &'a EnvContext,
    pub name: &'a str,
    pub s: &'a SiteSettings,
    pub opts: SiteOptions,
    /// The release deployed, and its manifest.
    pub release: String,
    pub deployed: web_deployer::Manifest,
    /// The release that was live before, and its manifest.
    pub before: Option<(String, web_deployer::Manifest)>,
}

pub(super) fn restore(r: Restore<'_>) -> Undo<'_> {
    Box::new(move || {
        Box::pin(async move {
            let (name, env) = (r.name, &r.ctx.env.name);
            let Some((before, target)) = r.before else {
                return Ok(Undone::left(format!(
                    "nothing ran before {}: it stays in place",
                    r.release
                )));
            };
            eprintln!("{name}: verification failed: restoring release {before}");
            let request = web_deployer::RollbackRequest {
                target,
                current: Some(r.deployed),
                dry_run: false,
                concurrency: r.opts.concurrency,
                max_deletes: r.opts.max_deletes,
                wait: r.opts.wait.clone(),
            };
            let clients = web_deployer::Clients::new(&r.ctx.sdk);
            let mut progress = Progress::new(name, "copy", r.opts.progress_bar);
            let result =
                web_deployer::rollback(&clients, &r.s.site, &request, |e| progress.show(e)).await;
            progress.finish();
            let report = match result {
                Ok(report) => report,
                Err(e) => {
                    return Ok(Undone::left(format!(
                        "the rollback to {before} failed part way ({e}): run `cargo xtask rollback {name} {env}`"
                    )))
                }
            };
            // The release is back in the bucket either way: what ran before
            // is what the bucket serves.
            let distribution = r.s.site.distribution_id.as_deref().unwrap_or("-");
            let now = match report.invalidation_failure(distribution) {
                None => format!("rolled back: release {before} is served again"),
                Some(failure) => format!(
                    "rolled back: release {before} is in the bucket again, but CloudFront may still serve the failed release's copies: {failure}"
                ),
            };
            // The manifest of the bucket after the restore, files kept for the
            // grace included, becomes the record's: `status`, the next deploy
            // and a rollback start from what the bucket serves.
            let detail = match report.manifest() {
                Some(manifest) => {
                    let key = rollback_key(name, &before, &now_rfc3339());
                    match r.ctx.store.put_manifest(&key, manifest).await {
                        Ok(()) => Some(Detail::Manifest(key)),
                        Err(e) => {
                            eprintln!(
                                "{name}: the manifest of the restored bucket was not written: {e}"
                            );
                            None
                        }
                    }
                }
                None => None,
            };
            Ok(Undone {
                now,
                put_back: true,
                rollout: None,
                detail,
            })
        })
    })
}
