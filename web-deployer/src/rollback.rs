//! A rollback: the bucket back to an earlier release, from its manifest, by
//! server-side CopyObject of the recorded versions (nothing re-uploaded),
//! only for keys that differ, in the deploy's order; then the same deletes
//! (with the same grace) and invalidation.

use std::collections::HashSet;

use crate::deploy::{check_deletes, execute, Event, Options, SiteReport};
use crate::error::WebError;
use crate::invalidation::WaitSettings;
use crate::manifest::{Entry, Manifest};
use crate::plan::{self, Change, Plan, Source, Transfer};
use crate::{remote, Clients, SiteSettings};

#[derive(Debug, Clone)]
pub struct RollbackRequest {
    /// The release to restore.
    pub target: Manifest,
    /// The manifest of what the bucket serves now, if the caller has it.
    pub current: Option<Manifest>,
    pub dry_run: bool,
    pub concurrency: usize,
    pub max_deletes: Option<usize>,
    pub wait: Option<WaitSettings>,
}

pub async fn rollback(
    clients: &Clients,
    settings: &SiteSettings,
    request: &RollbackRequest,
    on_event: impl FnMut(Event<'_>),
) -> Result<SiteReport, WebError> {
    let target = &request.target;
    for (key, e) in &target.files {
        if e.version_id.is_none() {
            return Err(WebError::NoVersion {
                release: target.release.clone(),
                key: key.clone(),
            });
        }
    }
    remote::check_versioning(&clients.s3, &settings.bucket).await?;
    if let Some(id) = &settings.distribution_id {
        remote::check_distribution(&clients.cloudfront, id).await?;
    }
    let listing = remote::list(&clients.s3, &settings.bucket).await?;
    let current = request
        .current
        .as_ref()
        .filter(|m| m.bucket == settings.bucket);

    let mut plan = Plan::default();
    for (key, e) in &target.files {
        let copy = |change| Transfer {
            source: Source::Version {
                key: key.clone(),
                version_id: e.version_id.clone().expect("checked above"),
                entry: Box::new(e.clone()),
            },
            headers: e.headers.clone(),
            change,
        };
        let Some(listed) = listing.get(key) else {
            plan.transfers.push(copy(Change::New));
            continue;
        };
        if e.etag.as_deref() != Some(listed.etag.as_str()) {
            plan.transfers.push(copy(Change::Content));
            continue;
        }
        // Same content: same headers too?
        let now: Entry = match plan::known(current, key, listed) {
            Some(c) => c.clone(),
            None => remote::head(&clients.s3, &settings.bucket, key).await?,
        };
        if now.headers != e.headers {
            plan.transfers.push(copy(Change::Headers));
        } else {
            plan.unchanged.insert(key.clone(), now);
        }
    }
    let keys: HashSet<&str> = target.files.keys().map(String::as_str).collect();
    let stale = plan::stale(&listing, &keys, current, settings.grace_releases, 1);
    plan.deletes = stale.deletes;
    plan.kept = stale.kept;
    plan.finish(settings, current);
    check_deletes(settings, request.max_deletes, &plan)?;
    execute(
        clients,
        settings,
        &target.release,
        plan,
        &Options {
            dry_run: request.dry_run,
            already: false,
            concurrency: request.concurrency,
            wait: request.wait.clone(),
        },
        on_event,
    )
    .await
}
