//! A deploy: walk the build, compare with the bucket by content, then write in
//! a safe order, delete what left the build (after its grace), invalidate.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::error::WebError;
use crate::headers::{HeaderRules, Headers};
use crate::invalidation::{self, WaitSettings};
use crate::manifest::{Entry, Manifest, SharedHeaders};
use crate::plan::{self, Change, Plan, Source, Transfer};
use crate::walk::{self, LocalFile};
use crate::{remote, transfer, Clients, SiteSettings};

#[derive(Debug, Clone)]
pub struct DeployRequest {
    /// The id of the release this deploy makes (goes into its manifest).
    pub release: String,
    /// The manifest of the release the bucket serves now, if the caller has it.
    pub previous: Option<Manifest>,
    /// Work out and report the plan; write nothing.
    pub dry_run: bool,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Overrides `SiteSettings::max_deletes` for this run.
    pub max_deletes: Option<usize>,
    /// Wait for the invalidation to complete.
    pub wait: Option<WaitSettings>,
    /// The build and the bucket as [`prepare`] checked them; none: the deploy
    /// checks them itself, first.
    pub prepared: Option<Prepared>,
}

/// A deploy's input checked before it starts: the build walked (every file
/// hashed, nothing a deploy would refuse) and the cache rules, the bucket
/// (there, versioning on) and the distribution (there). A caller that takes a
/// lock calls [`prepare`] first, so bad input is refused before the lock.
#[derive(Debug, Clone)]
pub struct Prepared {
    files: Vec<LocalFile>,
}

impl Prepared {
    /// How many files the build holds.
    pub fn files(&self) -> usize {
        self.files.len()
    }
}

/// Checks everything about a deploy's input that needs no plan: the cache
/// rules, the build folder (walked and hashed), and, with read-only calls,
/// that the bucket has versioning on and the distribution exists.
pub async fn prepare(clients: &Clients, settings: &SiteSettings) -> Result<Prepared, WebError> {
    HeaderRules::new(&settings.cache_rules)?;
    let (dir, hidden) = (settings.build_dir.clone(), settings.include_hidden);
    let files = tokio::task::spawn_blocking(move || walk::walk(&dir, hidden))
        .await
        .map_err(|e| WebError::Io {
            path: settings.build_dir.clone(),
            message: e.to_string(),
        })??;
    remote::check_versioning(&clients.s3, &settings.bucket).await?;
    if let Some(id) = &settings.distribution_id {
        remote::check_distribution(&clients.cloudfront, id).await?;
    }
    Ok(Prepared { files })
}

impl DeployRequest {
    pub const DEFAULT_CONCURRENCY: usize = 32;

    pub fn new(release: impl Into<String>) -> DeployRequest {
        DeployRequest {
            release: release.into(),
            previous: None,
            dry_run: false,
            concurrency: Self::DEFAULT_CONCURRENCY,
            max_deletes: None,
            wait: None,
            prepared: None,
        }
    }
}

/// What a deploy or rollback did (or, for a dry run, would do).
#[derive(Debug, Clone)]
pub struct SiteReport {
    pub release: String,
    pub outcome: SiteOutcome,
    /// Keys uploaded (deploy) or copied from an earlier version (rollback), in
    /// the order they were written.
    pub transferred: Vec<(String, Change)>,
    pub transferred_bytes: u64,
    pub unchanged: usize,
    pub deleted: Vec<String>,
    /// Keys not in the release, kept for the grace period.
    pub kept: Vec<String>,
    pub invalidation: Option<InvalidationReport>,
}

/// Whether a run wrote anything, and what the bucket serves after it.
#[derive(Debug, Clone)]
pub enum SiteOutcome {
    /// Nothing differs from the last release: nothing was (or would be) written.
    AlreadyDeployed,
    /// A dry run: the report says what would be written; nothing was.
    DryRun,
    /// The release is in place: the manifest of what the bucket serves now.
    Done { manifest: Manifest },
}

impl SiteReport {
    /// When the run's invalidation failed or did not complete in time (the
    /// release is in place regardless): what happened, and the command that
    /// invalidates by hand.
    pub fn invalidation_failure(&self, distribution: &str) -> Option<String> {
        let inv = self.invalidation.as_ref()?;
        let what = match (&inv.error, inv.completed) {
            (Some(e), _) => e.clone(),
            (None, Some(false)) => "did not complete in time (it goes on in CloudFront)".into(),
            _ => return None,
        };
        Some(format!(
            "the invalidation {what}: invalidate by hand: {}",
            invalidation::by_hand(distribution, &inv.paths)
        ))
    }

    pub fn dry_run(&self) -> bool {
        matches!(self.outcome, SiteOutcome::DryRun)
    }

    pub fn already_deployed(&self) -> bool {
        matches!(self.outcome, SiteOutcome::AlreadyDeployed)
    }

    /// What the bucket serves after a run that wrote it.
    pub fn manifest(&self) -> Option<&Manifest> {
        match &self.outcome {
            SiteOutcome::Done { manifest } => Some(manifest),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct InvalidationReport {
    /// The paths invalidated (planned: to be invalidated); `/*` when CloudFront
    /// took no more file paths for a while.
    pub paths: Vec<String>,
    /// How long CloudFront's in-progress limit held it back.
    pub waited: std::time::Duration,
    /// `None` for a dry run.
    pub id: Option<String>,
    /// With `--wait`: whether it completed in time.
    pub completed: Option<bool>,
    /// Creating or waiting for it failed (the release is in place regardless).
    pub error: Option<String>,
}

/// Progress for the caller to show.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// The plan, before anything is written.
    Planned {
        transfers: usize,
        bytes: u64,
        unchanged: usize,
        deletes: usize,
        kept: usize,
    },
    /// One key written.
    Transferred {
        key: &'a str,
        bytes: u64,
        change: Change,
    },
    Deleted {
        count: usize,
    },
    Invalidating {
        id: &'a str,
        paths: &'a [String],
        /// How long CloudFront's in-progress limit held it back.
        waited: std::time::Duration,
    },
}

/// Takes the request by value: the last manifest's entries move into the new
/// one (no copies of 100,000 entries).
pub async fn deploy(
    clients: &Clients,
    settings: &SiteSettings,
    request: DeployRequest,
    on_event: impl FnMut(Event<'_>),
) -> Result<SiteReport, WebError> {
    // Everything that can be wrong with the input is found before any write.
    let rules = HeaderRules::new(&settings.cache_rules)?;
    let files = match request.prepared {
        Some(p) => p.files,
        None => prepare(clients, settings).await?.files,
    };
    let listing = remote::list(&clients.s3, &settings.bucket).await?;
    let mut previous_manifest = request.previous.filter(|m| m.bucket == settings.bucket);
    let previous = previous_manifest.as_ref();

    // Memory matters at 100,000 files: the files move into the plan (no
    // copies), equal headers are one shared value.
    let mut shared = SharedHeaders::default();
    let mut plan = Plan::default();
    let same_keys;
    let headers: Vec<Arc<Headers>>;
    // What goes if nothing in the build changed: only the objects no release
    // had (the kept ones keep their age).
    let clean_up;
    {
        let keys: HashSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
        headers = files
            .iter()
            .map(|f| shared.get(&rules.headers(&f.key, &keys)))
            .collect();
        let stale = plan::stale(&listing, &keys, previous, settings.grace_releases, 1);
        (plan.deletes, plan.kept) = (stale.deletes, stale.kept);
        clean_up = (!stale.foreign.is_empty())
            .then(|| plan::stale(&listing, &keys, previous, settings.grace_releases, 0));
        // A rebuild that changed nothing is no new release: the grace clock of
        // kept objects does not move either.
        same_keys = previous.is_some_and(|m| {
            m.files.len() == keys.len() && m.files.keys().all(|k| keys.contains(k.as_str()))
        });
    }
    let mut decisions: Vec<Decision> = files
        .iter()
        .zip(&headers)
        .map(|(f, h)| match listing.get(&f.key) {
            None => Decision::Upload(Change::New),
            Some(listed) => match plan::known(previous, &f.key, listed) {
                Some(e) => compare(f, h, e, Decision::Unchanged),
                None if listed.plain_md5().is_some_and(|m| m != f.md5) => {
                    Decision::Upload(Change::Content)
                }
                // Neither the listing nor the manifest answers: ask the object.
                None => Decision::Head,
            },
        })
        .collect();
    let to_head: Vec<usize> = (0..files.len())
        .filter(|&i| matches!(decisions[i], Decision::Head))
        .collect();
    let heads: Vec<(usize, Entry)> = stream::iter(to_head)
        .map(|i| {
            let key = &files[i].key;
            async move {
                remote::head(&clients.s3, &settings.bucket, key)
                    .await
                    .map(|e| (i, e))
            }
        })
        .buffer_unordered(request.concurrency.max(1))
        .try_collect()
        .await?;
    let mut from_heads: HashMap<usize, Entry> = HashMap::new();
    for (i, mut e) in heads {
        e.headers = shared.get(&e.headers);
        decisions[i] = compare(&files[i], &headers[i], &e, Decision::Headed);
        from_heads.insert(i, e);
    }
    for (i, ((f, h), decision)) in files.into_iter().zip(headers).zip(decisions).enumerate() {
        match decision {
            Decision::Upload(change) => plan.transfers.push(Transfer {
                source: Source::File(f),
                headers: h,
                change,
            }),
            Decision::Unchanged => {
                let e = previous_manifest
                    .as_mut()
                    .and_then(|m| m.files.remove(&f.key))
                    .expect("an unchanged key is in the manifest");
                plan.unchanged.insert(f.key, e);
            }
            Decision::Headed => {
                let e = from_heads.remove(&i).expect("HEADed");
                plan.unchanged.insert(f.key, e);
            }
            Decision::Head => unreachable!("every HEAD was answered"),
        }
    }
    let previous = previous_manifest.as_ref();

    let unchanged = plan.transfers.is_empty() && same_keys;
    if let (true, Some(clean_up)) = (unchanged, clean_up.as_ref()) {
        // Nothing of ours changed, but objects no release had are there: they
        // go now, and no grace clock moves.
        plan.deletes = clean_up.deletes.clone();
        plan.kept = clean_up.kept.clone();
    }
    plan.finish(settings, previous);
    let already = unchanged && clean_up.is_none();
    drop(previous_manifest);
    check_deletes(settings, request.max_deletes, &plan)?;
    execute(
        clients,
        settings,
        &request.release,
        plan,
        &Options {
            dry_run: request.dry_run,
            already,
            concurrency: request.concurrency,
            wait: request.wait.clone(),
        },
        on_event,
    )
    .await
}

#[derive(Debug, Clone, Copy)]
enum Decision {
    Upload(Change),
    /// As the last manifest says.
    Unchanged,
    /// As a HEAD said.
    Headed,
    /// To ask with a HEAD.
    Head,
}

/// Compares a build file (and the headers it should have) with what the
/// bucket holds (`e`, from the manifest or a HEAD); `same` when equal.
fn compare(f: &LocalFile, headers: &Arc<Headers>, e: &Entry, same: Decision) -> Decision {
    if e.md5 != f.md5 {
        Decision::Upload(Change::Content)
    } else if e.headers != *headers {
        Decision::Upload(Change::Headers)
    } else {
        same
    }
}

pub(crate) fn check_deletes(
    settings: &SiteSettings,
    max_deletes: Option<usize>,
    plan: &Plan,
) -> Result<(), WebError> {
    let limit = max_deletes.unwrap_or(settings.max_deletes);
    if plan.deletes.len() > limit {
        return Err(WebError::TooManyDeletes {
            bucket: settings.bucket.clone(),
            count: plan.deletes.len(),
            limit,
        });
    }
    Ok(())
}

pub(crate) struct Options {
    pub dry_run: bool,
    /// Nothing to do: report the plan, write nothing.
    pub already: bool,
    pub concurrency: usize,
    pub wait: Option<WaitSettings>,
}

/// Carries out a plan: transfers phase by phase, then deletes, then the
/// invalidation; the manifest of what the bucket then serves.
pub(crate) async fn execute(
    clients: &Clients,
    settings: &SiteSettings,
    release: &str,
    plan: Plan,
    options: &Options,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<SiteReport, WebError> {
    on_event(Event::Planned {
        transfers: plan.transfers.len(),
        bytes: plan.transfer_bytes(),
        unchanged: plan.unchanged.len(),
        deletes: if options.already {
            0
        } else {
            plan.deletes.len()
        },
        kept: plan.kept.len(),
    });
    let mut report = SiteReport {
        release: release.to_string(),
        outcome: if options.already {
            SiteOutcome::AlreadyDeployed
        } else {
            SiteOutcome::DryRun
        },
        transferred: if options.dry_run || options.already {
            plan.transfers
                .iter()
                .map(|t| (t.key().to_string(), t.change))
                .collect()
        } else {
            Vec::new()
        },
        transferred_bytes: plan.transfer_bytes(),
        unchanged: plan.unchanged.len(),
        deleted: if options.already {
            Vec::new()
        } else {
            plan.deletes.clone()
        },
        kept: plan.kept.keys().cloned().collect(),
        invalidation: (!plan.invalidation_paths.is_empty() && !options.already).then(|| {
            InvalidationReport {
                paths: plan.invalidation_paths.clone(),
                waited: std::time::Duration::ZERO,
                id: None,
                completed: None,
                error: None,
            }
        }),
    };
    if options.dry_run || options.already {
        return Ok(report);
    }

    let mut order = Vec::with_capacity(plan.transfers.len());
    let written = transfer::run(
        clients,
        &settings.bucket,
        &settings.build_dir,
        &plan.transfers,
        options.concurrency,
        |t, _| {
            order.push((t.key().to_string(), t.change));
            on_event(Event::Transferred {
                key: t.key(),
                bytes: t.size(),
                change: t.change,
            })
        },
    )
    .await?;
    report.transferred = order;
    drop(plan.transfers);
    if !plan.deletes.is_empty() {
        transfer::delete(clients, &settings.bucket, &plan.deletes).await?;
        on_event(Event::Deleted {
            count: plan.deletes.len(),
        });
    }
    let mut files = plan.unchanged;
    files.extend(written);
    report.outcome = SiteOutcome::Done {
        manifest: Manifest {
            release: release.to_string(),
            bucket: settings.bucket.clone(),
            files,
            retained: plan.kept,
        },
    };

    if let (Some(inv), Some(distribution)) = (&mut report.invalidation, &settings.distribution_id) {
        let reference = format!("{release}-{}", caller_nonce());
        let created = invalidation::create(
            &clients.cloudfront,
            distribution,
            &inv.paths,
            &reference,
            settings.invalidation_busy_timeout,
        )
        .await;
        match created {
            Ok(created) => {
                inv.paths = created.paths;
                inv.waited = created.waited;
                on_event(Event::Invalidating {
                    id: &created.id,
                    paths: &inv.paths,
                    waited: created.waited,
                });
                if let Some(wait) = &options.wait {
                    match invalidation::wait(&clients.cloudfront, distribution, &created.id, wait)
                        .await
                    {
                        Ok(done) => inv.completed = Some(done),
                        Err(e) => inv.error = Some(e.to_string()),
                    }
                }
                inv.id = Some(created.id);
            }
            Err(e) => inv.error = Some(e.to_string()),
        }
    }
    Ok(report)
}

/// Distinguishes two invalidations of the same release (a retried deploy).
fn caller_nonce() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}")
}
