//! Static-site targets: deploy and roll back through the `web-deployer` crate,
//! with the release manifests (in the state bucket) beside the ledger.
//!
//! A release is one deploy: its id is the start time and the git sha
//! (`20261126T120000.123Z-3f2c1ab`), its manifest `releases/<target>/<id>.json`.
//! The ledger record of a deploy has `deployed` = the release, `replaced` = the
//! release before; a rollback's has `deployed` = the release it restored, so
//! rolling back twice walks further back, as for ECS. Each record's `detail`
//! names the manifest of what it left in the bucket.

mod deploy;
mod progress;
mod report;
mod restore;
mod rollback;
mod status;

pub use deploy::deploy;
pub use rollback::{rollback, RollbackOptions};
pub use status::status;

use crate::context::EnvContext;
use crate::state::ledger::{Detail, Record};
use crate::state::releases::release_key;

use super::explain::CrateError;

#[derive(Clone)]
pub struct SiteOptions {
    pub concurrency: usize,
    pub max_deletes: Option<usize>,
    pub wait: Option<web_deployer::WaitSettings>,
    /// A progress bar on a terminal; off while other targets deploy at the same
    /// time (their lines would tear it), and in CI.
    pub progress_bar: bool,
}

impl SiteOptions {
    /// How often a verification polls: `--poll-interval` with `--wait`, else 2s.
    pub fn verify_poll(&self) -> std::time::Duration {
        self.wait
            .as_ref()
            .map_or(std::time::Duration::from_secs(2), |w| w.poll_interval)
    }
}

impl CrateError for web_deployer::WebError {
    fn is_bad_input(&self) -> bool {
        web_deployer::WebError::is_bad_input(self)
    }

    fn advice(&self, ctx: &EnvContext) -> String {
        let file = &ctx.config_file;
        use web_deployer::WebError;
        match self {
            WebError::BuildDirMissing(dir) => format!(
                "build_dir {}: does not exist; build the site first (or check build_dir in {file})",
                dir.display()
            ),
            WebError::BuildDirNotAFolder(dir) => {
                format!("build_dir {}: is not a folder", dir.display())
            }
            WebError::BuildDirEmpty(dir) => format!(
                "build_dir {}: holds no file to upload; build the site first (an empty build would empty the site)",
                dir.display()
            ),
            WebError::BadCacheRule { index, message } => format!(
                "cache rule {index} (the {}. [[cache]] table): {message}",
                index + 1
            ),
            WebError::BucketNotFound(_) => format!("{self} (check bucket in {file} and the region)"),
            WebError::DistributionNotFound(_) => format!("{self} (check distribution in {file})"),
            WebError::WrongRegion { region, .. } => format!(
                "{self}: environment {env} uses {here}: set region = \"{region}\" under [environments.{env}] in {file}, or check bucket there",
                env = ctx.env.name,
                here = ctx.env.region,
            ),
            WebError::TooManyDeletes { count, .. } => format!(
                "{self} (max_deletes); check build_dir, or if that is meant, rerun with --max-deletes {count}"
            ),
            _ => self.to_string(),
        }
    }
}

/// A manifest as read, with its equal headers shared again (memory).
fn shared(mut manifest: web_deployer::Manifest) -> web_deployer::Manifest {
    manifest.share_headers();
    manifest
}

/// The manifest of the state a record left: the one it names, else the release's.
fn manifest_of(name: &str, record: &Record) -> String {
    match &record.detail {
        Detail::Manifest(key) => key.clone(),
        _ => release_key(name, &record.deployed),
    }
}

/// The manifest of what the bucket serves now, by the ledger's live record.
async fn live_manifest(
    ctx: &EnvContext,
    name: &str,
    live: Option<&Record>,
) -> anyhow::Result<Option<web_deployer::Manifest>> {
    Ok(match live {
        Some(r) => ctx.store.manifest(&manifest_of(name, r)).await?,
        None => None,
    }
    .map(shared))
}
