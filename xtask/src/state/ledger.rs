//! The deploy ledger: one record per deploy or rollback, never rewritten.

use serde::{Deserialize, Serialize};

use super::checks::Checks;
use super::{StateError, StateStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Deploy,
    Rollback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// What was deployed runs.
    Succeeded,
    /// It did not; `message` says what runs now.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub target: String,
    pub env: String,
    pub action: Action,
    /// The commit deployed (for a rollback: the commit the tool ran from).
    pub git_sha: Option<String>,
    /// What this put in place: an ECS task definition ARN, a release id.
    pub deployed: String,
    /// What it replaced.
    pub replaced: Option<String>,
    /// Kind-specific detail, e.g. the image.
    #[serde(default)]
    pub detail: String,
    pub outcome: Outcome,
    pub message: String,
    pub started_at: String,
    pub finished_at: String,
    pub who: String,
    /// What the deploy pinned and checked (absent from older records).
    #[serde(flatten)]
    pub checks: Checks,
}

impl Record {
    /// The record's key: time first, so the listing is in time order.
    fn key(&self) -> String {
        format!("ledger/{}/{}.json", self.target, self.id)
    }
}

/// A new record id: the start time (sortable) and a few random characters, so
/// two records of the same second never collide.
pub fn new_id(started_at: &str) -> String {
    let compact: String = started_at
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{compact}-{:08x}",
        nanos ^ std::process::id().rotate_left(16)
    )
}

impl StateStore {
    pub async fn append(&self, record: &Record) -> Result<(), StateError> {
        self.put_json(&record.key(), record).await
    }

    /// The target's records, newest first: all of them.
    pub async fn history(&self, target: &str) -> Result<Vec<Record>, StateError> {
        self.history_until(target, |_| false).await
    }

    /// The record `pick` finds in the target's history (e.g. [`live`]), reading
    /// only as far back as it takes to find it.
    pub async fn newest(
        &self,
        target: &str,
        pick: fn(&[Record]) -> Option<&Record>,
    ) -> Result<Option<Record>, StateError> {
        let history = self
            .history_until(target, |read| pick(read).is_some())
            .await?;
        Ok(pick(&history).cloned())
    }

    /// The target's newest records, newest first, read until `enough` says the
    /// ones read so far answer the question (or none are left): a deploy that
    /// needs the live release reads a batch, not a year of records. One GET per
    /// record, `READS_IN_FLIGHT` at a time.
    pub async fn history_until(
        &self,
        target: &str,
        mut enough: impl FnMut(&[Record]) -> bool,
    ) -> Result<Vec<Record>, StateError> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        const READS_IN_FLIGHT: usize = 32;
        let mut keys = self.list(&format!("ledger/{target}/")).await?;
        keys.reverse();
        let mut records = Vec::new();
        for batch in keys.chunks(READS_IN_FLIGHT) {
            let read: Vec<Option<Record>> = stream::iter(batch)
                .map(|key| async move { self.get_json::<Record>(key).await })
                .buffered(READS_IN_FLIGHT)
                .try_collect()
                .await?;
            records.extend(read.into_iter().flatten());
            if enough(&records) {
                break;
            }
        }
        Ok(records)
    }
}
