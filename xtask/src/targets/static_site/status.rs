//! A site's live release — the one the last successful deploy or rollback put
//! there — and where the bucket differs from its manifest: keys changed, added
//! or removed out of band, found from the listing (ETags and sizes against the
//! manifest's), never by reading an object.

use crate::context::EnvContext;
use crate::plan::SiteSettings;
use crate::state::ledger::Action;
use crate::state::policy;
use crate::targets::drift::{rfc3339, Drift};
use crate::targets::Observed;

pub async fn status(ctx: &EnvContext, name: &str, s: &SiteSettings) -> anyhow::Result<Observed> {
    let bucket = &s.site.bucket;
    let live = ctx.store.newest(name, policy::live).await?;
    let Some(live) = live else {
        return Ok(Observed {
            running: "never deployed by xtask".into(),
            image: None,
            rollout_in_progress: None,
            deployment: None,
            drift: Vec::new(),
            image_tag_moved: None,
        });
    };
    let how = match live.action {
        Action::Deploy => "deploy",
        Action::Rollback => "rollback",
    };
    let running = format!(
        "release {} (by {how} at {})",
        live.deployed, live.finished_at
    );
    let put_back = format!("`cargo xtask deploy {name} --env {}`", ctx.env.name);
    let mut drift = Vec::new();
    match super::live_manifest(ctx, name, Some(&live)).await? {
        None => drift.push(Drift {
            kind: "manifest-missing",
            what: format!(
                "the manifest of the live release {} is not in the state bucket {}: the bucket cannot be compared",
                live.deployed, ctx.store.bucket
            ),
            since: None,
            action: format!("deploy again to write a new release: {put_back}"),
        }),
        Some(manifest) => {
            let s3 = aws_sdk_s3::Client::new(&ctx.sdk);
            let keys = web_deployer::drift(&s3, bucket, &manifest)
                .await
                .map_err(|e| crate::targets::explain(ctx, name, e))?;
            for k in keys {
                let (kind, what) = match k.how {
                    web_deployer::KeyChange::Changed => (
                        "object-changed",
                        format!("{} in s3://{} is not the live release's ({} has other content)", k.key, bucket, live.deployed),
                    ),
                    web_deployer::KeyChange::Added => (
                        "object-added",
                        format!("{} in s3://{} is in no release (added out of band)", k.key, bucket),
                    ),
                    web_deployer::KeyChange::Removed => (
                        "object-removed",
                        format!("{} of release {} is missing from s3://{}", k.key, live.deployed, bucket),
                    ),
                };
                drift.push(Drift {
                    kind,
                    what,
                    since: k.since.map(rfc3339),
                    action: format!(
                        "put ours back: {put_back} (uploads what differs from the build); if the change was meant, commit it to the build"
                    ),
                });
            }
        }
    }
    Ok(Observed {
        running,
        image: None,
        rollout_in_progress: None,
        deployment: None,
        drift,
        image_tag_moved: None,
    })
}
