//! One deploy or rollback per target and environment at a time: a lock object
//! written with `If-None-Match: *`, so S3 itself decides who wins a race.

use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

use super::{StateError, StateStore};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub who: String,
    pub pid: u32,
    /// The command line that took the lock.
    pub command: String,
    pub acquired_at: String,
    /// Unique to one taking of the lock: when the answer to our write was
    /// lost and the SDK's retry finds the lock taken, this says it is ours.
    #[serde(default)]
    pub nonce: String,
}

impl Holder {
    pub fn me() -> Holder {
        let acquired_at = super::now_rfc3339();
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Holder {
            who: super::who(),
            pid: std::process::id(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
            nonce: format!("{:x}-{nanos:x}", std::process::id()),
            acquired_at,
        }
    }

    /// How long the lock has been held.
    pub fn age(&self) -> Option<Duration> {
        let at = humantime::parse_rfc3339(&self.acquired_at).ok()?;
        SystemTime::now().duration_since(at).ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{target} in {env} is locked by {} since {} ({} ago, pid {}, `{}`); wait for it to finish, or if it crashed rerun with --force-unlock",
        holder.who, holder.acquired_at,
        holder.age().map_or_else(|| "?".into(), |a| humantime::format_duration(Duration::from_secs(a.as_secs())).to_string()),
        holder.pid, holder.command)]
    Held {
        target: String,
        env: String,
        holder: Holder,
    },
    #[error(transparent)]
    State(#[from] StateError),
}

/// A held lock. Release it with [`Lock::release`] on every path (an async
/// release cannot run in `Drop`); [`release_held`] releases what an
/// interrupted run still holds; a crashed holder's lock is cleared with
/// `--force-unlock`.
#[derive(Debug)]
pub struct Lock {
    store: StateStore,
    key: String,
}

/// The locks this process holds now, so that an interrupted run (Ctrl-C, a
/// cancelled CI job) can release them instead of leaving them for
/// `--force-unlock`.
static HELD: std::sync::Mutex<Vec<(StateStore, String)>> = std::sync::Mutex::new(Vec::new());

fn held() -> std::sync::MutexGuard<'static, Vec<(StateStore, String)>> {
    HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Releases every lock this process still holds (after an interruption); the
/// keys released, and the ones that could not be.
pub async fn release_held() -> (Vec<String>, Vec<String>) {
    let locks: Vec<(StateStore, String)> = held().drain(..).collect();
    let (mut released, mut kept) = (Vec::new(), Vec::new());
    for (store, key) in locks {
        let name = format!(
            "{} in {}",
            key.trim_start_matches("locks/").trim_end_matches(".json"),
            store.env
        );
        let deleted = store
            .s3
            .delete_object()
            .bucket(&store.bucket)
            .key(&key)
            .send()
            .await;
        match deleted {
            Ok(_) => released.push(name),
            Err(_) => kept.push(name),
        }
    }
    (released, kept)
}

/// Conditional writes of the lock tried before giving up on a conflict that
/// does not pass, and the first wait between two (doubling): about 6s in all.
const ATTEMPTS: u32 = 6;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

fn key(target: &str) -> String {
    format!("locks/{target}.json")
}

impl StateStore {
    /// Takes the lock of `target`, or says who holds it. With `force`, a lock
    /// left by someone else is removed first.
    pub async fn lock(&self, target: &str, force: bool) -> Result<Lock, LockError> {
        let key = key(target);
        if force {
            if let Some(old) = self.get_json::<Holder>(&key).await? {
                eprintln!(
                    "--force-unlock: removing the lock of {target} in {} held by {} since {}",
                    self.env, old.who, old.acquired_at
                );
            }
            self.s3
                .delete_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .map_err(self.sdk_error("DeleteObject", &key))?;
        }
        let holder = Holder::me();
        let body = serde_json::to_vec_pretty(&holder).expect("plain data serializes");
        let taken = |key: String| {
            held().push((self.clone(), key.clone()));
            Lock {
                store: self.clone(),
                key,
            }
        };
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            let put = self
                .s3
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .if_none_match("*")
                .content_type("application/json")
                .body(body.clone().into())
                .send()
                .await;
            let again = match put {
                Ok(_) => return Ok(taken(key)),
                // S3: "If a concurrent operation occurs during the upload S3
                // returns a 409 ConditionalRequestConflict response. On a 409
                // failure you should retry the upload."
                Err(e) if sdk_error::status(&e) == Some(409) => {
                    if attempt == ATTEMPTS {
                        return Err(self.sdk_error("PutObject (lock)", &key)(e).into());
                    }
                    true
                }
                Err(e) if sdk_error::status(&e) == Some(412) => {
                    match self.get_json::<Holder>(&key).await? {
                        // Our first write went through and its answer was lost;
                        // the SDK's retry then met our own lock.
                        Some(found) if found.nonce == holder.nonce => return Ok(taken(key)),
                        Some(found) => {
                            return Err(LockError::Held {
                                target: target.into(),
                                env: self.env.clone(),
                                holder: found,
                            })
                        }
                        // Released between our write and our read: free again.
                        None => true,
                    }
                }
                Err(e) => return Err(self.sdk_error("PutObject (lock)", &key)(e).into()),
            };
            if again {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
        Err(StateError {
            bucket: self.bucket.clone(),
            env: self.env.clone(),
            operation: "PutObject (lock)",
            key,
            message: format!(
                "the lock was taken and released {ATTEMPTS} times while we tried to take it; try again"
            ),
            missing_bucket: false,
            bucket_region: None,
            region: self.region.clone(),
        }
        .into())
    }

    /// Who holds `target`'s lock, if anyone.
    pub async fn lock_holder(&self, target: &str) -> Result<Option<Holder>, StateError> {
        self.get_json(&key(target)).await
    }
}

impl Lock {
    pub async fn release(self) -> Result<(), StateError> {
        held().retain(|(store, key)| !(key == &self.key && store.bucket == self.store.bucket));
        self.store
            .s3
            .delete_object()
            .bucket(&self.store.bucket)
            .key(&self.key)
            .send()
            .await
            .map_err(self.store.sdk_error("DeleteObject (lock)", &self.key))?;
        Ok(())
    }
}
