//! A static site's verification after its deploy: on a failure, the release
//! before is restored the way `rollback` restores one (server-side copies of
//! its recorded versions, index.html last), and the deploy's ledger record says
//! the check, what it saw and what was restored.

use crate::context::EnvContext;
use crate::state::checks::VerificationCheck;
use crate::targets::verification;

use super::progress::Progress;
use super::SiteOptions;

/// How the verification of a deployed release ended.
pub(super) enum Verified {
    Passed(VerificationCheck),
    /// It failed; `what_runs` says what the site serves now.
    Failed {
        check: VerificationCheck,
        message: String,
    },
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn verify_release(
    ctx: &EnvContext<'_>,
    name: &str,
    clients: &web_deployer::Clients,
    settings: &web_deployer::SiteSettings,
    opts: &SiteOptions,
    v: &verify::VerifySettings,
    ignored: &[String],
    release: &str,
    deployed: &web_deployer::Manifest,
    previous: Option<(String, web_deployer::Manifest)>,
) -> Verified {
    let verdict = verification::run(ctx, name, v, ignored)
        .await
        .unwrap_or_else(|e| verify::Verdict::SmokeFailed {
            url: "(none)".into(),
            expected: 0,
            last: crate::error::one_line(&e),
            after: std::time::Duration::ZERO,
        });
    if verdict.passed() {
        return Verified::Passed(verification::check(v, ignored, Some(&verdict), None));
    }
    let now = match previous {
        None => format!("nothing ran before {release}: it stays in place"),
        Some((before, target)) => {
            eprintln!("{name}: verification failed: restoring release {before}");
            let request = web_deployer::RollbackRequest {
                target,
                current: Some(deployed.clone()),
                dry_run: false,
                concurrency: opts.concurrency,
                max_deletes: opts.max_deletes,
                wait: opts.wait.clone(),
            };
            let mut progress = Progress::new(name, "copy", opts.progress_bar);
            let result =
                web_deployer::rollback(clients, settings, &request, |e| progress.show(e)).await;
            progress.finish();
            let distribution = settings.distribution_id.as_deref().unwrap_or("-");
            match result {
                Ok(report) => match report.invalidation_failure(distribution) {
                    None => format!("rolled back: release {before} is served again"),
                    Some(failure) => format!(
                        "rolled back: release {before} is in the bucket again, but CloudFront may still serve the failed release's copies: {failure}"
                    ),
                },
                Err(e) => format!(
                    "the rollback to {before} failed part way ({e}): run `cargo xtask rollback {name} {}`",
                    ctx.env
                ),
            }
        }
    };
    let message = format!(
        "{release} was deployed, then verification failed: {}; {now}",
        verdict.describe()
    );
    Verified::Failed {
        check: verification::check(v, ignored, Some(&verdict), Some(now)),
        message,
    }
}
