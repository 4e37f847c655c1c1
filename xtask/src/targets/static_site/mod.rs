//! Static-site targets: deploy and roll back through the `web-deployer` crate,
//! with the release manifests (in the state bucket) beside the ledger.
//!
//! A release is one deploy: its id is the start time and the git sha
//! (`20261126T120000.123Z-3f2c1ab`), its manifest `releases/<target>/<id>.json`.
//! The ledger record of a deploy has `deployed` = the release, `replaced` = the
//! release before; a rollback's has `deployed` = the release it restored, so
//! rolling back twice walks further back, as for ECS.

mod deploy;
mod progress;
mod report;
mod rollback;
mod status;
mod verified;

pub use deploy::deploy;
pub use rollback::{rollback, RollbackOptions};
pub use status::status;

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::state::ledger::Record;
use crate::state::releases::release_key;

#[derive(Clone)]
pub struct SiteOptions {
    pub dry_run: bool,
    pub force_unlock: bool,
    pub concurrency: usize,
    pub max_deletes: Option<usize>,
    pub wait: Option<web_deployer::WaitSettings>,
    /// A progress bar on a terminal; off while other targets deploy at the same
    /// time (their lines would tear it), and in CI.
    pub progress_bar: bool,
}

impl SiteOptions {
    pub fn from_flags(
        site: &crate::flags::SiteFlags,
        watch: &crate::flags::WatchFlags,
        dry_run: bool,
        force_unlock: bool,
    ) -> SiteOptions {
        SiteOptions {
            dry_run,
            force_unlock,
            concurrency: site.concurrency,
            max_deletes: site.max_deletes,
            wait: site.wait.then_some(web_deployer::WaitSettings {
                timeout: watch.timeout,
                poll_interval: watch.poll_interval,
            }),
            progress_bar: true,
        }
    }
}

/// A `web-deployer` error in the words of deploy.toml and the flags, with the
/// target's name; bad input stays bad input (exit code 2).
pub(crate) fn explain(
    ctx: &EnvContext<'_>,
    name: &str,
    e: web_deployer::WebError,
) -> anyhow::Error {
    use web_deployer::WebError;
    if !e.is_bad_input() {
        return anyhow::Error::new(e).context(name.to_string());
    }
    let file = ctx.config_name();
    let message = match &e {
        WebError::BuildDirMissing(dir) => format!(
            "build_dir {}: does not exist; build the site first (or check build_dir in {file})",
            dir.display()
        ),
        WebError::BuildDirNotAFolder(dir) => format!("build_dir {}: is not a folder", dir.display()),
        WebError::BuildDirEmpty(dir) => format!(
            "build_dir {}: holds no file to upload; build the site first (an empty build would empty the site)",
            dir.display()
        ),
        WebError::BadCacheRule { index, message } => format!(
            "cache rule {index} (the {}. [[cache]] table): {message}",
            index + 1
        ),
        WebError::BucketNotFound(_) => format!("{e} (check bucket in {file} and the region)"),
        WebError::DistributionNotFound(_) => format!("{e} (check distribution in {file})"),
        WebError::WrongRegion { region, .. } => format!(
            "{e}: environment {env} uses {here}: set region = \"{region}\" under [environments.{env}] in {file}, or check bucket there",
            env = ctx.env,
            here = ctx.store.region,
        ),
        WebError::TooManyDeletes { count, .. } => format!(
            "{e} (max_deletes); check build_dir, or if that is meant, rerun with --max-deletes {count}"
        ),
        _ => e.to_string(),
    };
    BadInput(format!("{name}: {message}")).into()
}

/// A manifest as read, with its equal headers shared again (memory).
fn shared(mut manifest: web_deployer::Manifest) -> web_deployer::Manifest {
    manifest.share_headers();
    manifest
}

/// The manifest of the state a record left: its `detail`, else the release's.
fn manifest_of(name: &str, record: &Record) -> String {
    if record.detail.starts_with("releases/") {
        record.detail.clone()
    } else {
        release_key(name, &record.deployed)
    }
}

/// The manifest of what the bucket serves now, by the ledger's live record.
async fn live_manifest(
    ctx: &EnvContext<'_>,
    name: &str,
    live: Option<&Record>,
) -> anyhow::Result<Option<web_deployer::Manifest>> {
    Ok(match live {
        Some(r) => ctx.store.manifest(&manifest_of(name, r)).await?,
        None => None,
    }
    .map(shared))
}
