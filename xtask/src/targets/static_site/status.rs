//! A site's live release — what the last successful deploy or rollback put
//! there, or the release a failed verification restored — and where the bucket
//! differs from its manifest: keys changed, added or removed out of band,
//! found from the listing (ETags and sizes against the manifest's), never by
//! reading an object. Files of earlier releases the manifest keeps for the
//! grace period are listed with when each goes, not reported as drift; a key
//! no release had is drift until a deploy deletes it (at once).

use crate::context::EnvContext;
use crate::plan::SiteSettings;
use crate::state::ledger::{Action, Record};
use crate::state::policy;
use crate::targets::drift::{rfc3339, Drift, Kept};
use crate::targets::Observed;

pub async fn status(ctx: &EnvContext, name: &str, s: &SiteSettings) -> anyhow::Result<Observed> {
    let live = ctx.store.newest(name, policy::site_state).await?;
    let Some(live) = live else {
        return Ok(Observed {
            running: "never deployed by xtask".into(),
            image: None,
            rollout_in_progress: None,
            deployment: None,
            drift: Vec::new(),
            image_tag_moved: None,
            kept: Vec::new(),
        });
    };
    let release = policy::served(&live).to_string();
    let running = format!("release {release} ({})", how(&live));
    let put_back = format!("`cargo xtask deploy {name} --env {}`", ctx.env.name);
    let mut drift = Vec::new();
    let mut kept = Vec::new();
    match super::live_manifest(ctx, name, Some(&live)).await? {
        None => drift.push(Drift {
            kind: "manifest-missing",
            what: format!(
                "the manifest of the live release {release} is not in the state bucket {}: the bucket cannot be compared",
                ctx.store.bucket
            ),
            since: None,
            action: format!("deploy again to write a new release: {put_back}"),
        }),
        Some(manifest) => {
            let s3 = aws_sdk_s3::Client::new(&ctx.sdk);
            let bucket = &s.site.bucket;
            let found = web_deployer::drift(&s3, bucket, &manifest)
                .await
                .map_err(|e| crate::targets::explain(ctx, name, e))?;
            for k in found.keys {
                let (kind, what) = match k.how {
                    web_deployer::KeyChange::Changed => (
                        "object-changed",
                        format!("{} in s3://{bucket} is not the live release's ({release} has other content)", k.key),
                    ),
                    web_deployer::KeyChange::KeptChanged => (
                        "kept-object-changed",
                        format!("{} in s3://{bucket} is kept for the grace period from an earlier release, but has other content than that release had (the next deploy deletes it)", k.key),
                    ),
                    web_deployer::KeyChange::Added => (
                        "object-added",
                        format!("{} in s3://{bucket} is in no release (added out of band; the next deploy deletes it)", k.key),
                    ),
                    web_deployer::KeyChange::Removed => (
                        "object-removed",
                        format!("{} of release {release} is missing from s3://{bucket}", k.key),
                    ),
                };
                drift.push(Drift {
                    kind,
                    what,
                    since: k.since.map(rfc3339),
                    action: format!(
                        "put ours back: {put_back} (uploads what differs from the build, deletes what no release has); if the change was meant, commit it to the build"
                    ),
                });
            }
            kept = found
                .kept
                .into_iter()
                .map(|k| Kept::new(k.key, k.releases_since, s.site.grace_releases))
                .collect();
        }
    }
    Ok(Observed {
        running,
        image: None,
        rollout_in_progress: None,
        deployment: None,
        drift,
        image_tag_moved: None,
        kept,
    })
}

/// How the record put the release in place, for the status line.
fn how(record: &Record) -> String {
    if policy::restored(record) {
        return format!(
            "restored at {} after the deploy of {} failed its verification",
            record.finished_at, record.deployed
        );
    }
    let action = match record.action {
        Action::Deploy => "deploy",
        Action::Rollback => "rollback",
    };
    format!("by {action} at {}", record.finished_at)
}
