//! The deploy ledger: one record per deploy or rollback, never rewritten.

use serde::{Deserialize, Serialize};

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

/// The newest record that left the target in a known state: a successful
/// deploy or rollback (a static site's live release).
pub fn live(history: &[Record]) -> Option<&Record> {
    history.iter().find(|r| r.outcome == Outcome::Succeeded)
}

/// The newest successful deploy (a terraform target's last apply).
pub fn last_deploy(history: &[Record]) -> Option<&Record> {
    history
        .iter()
        .find(|r| r.action == Action::Deploy && r.outcome == Outcome::Succeeded)
}

/// What ran before `current`, by the ledger: the `replaced` of the newest
/// successful *deploy* that put `current` in place. Rollback records are
/// skipped on purpose, so rolling back twice walks further back instead of
/// bouncing between two versions.
pub fn replaced_by_deploy_of<'a>(history: &'a [Record], current: &str) -> Option<&'a Record> {
    history.iter().find(|r| {
        r.action == Action::Deploy
            && r.outcome == Outcome::Succeeded
            && r.deployed == current
            && r.replaced.as_deref().is_some_and(|p| p != current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(action: Action, deployed: &str, replaced: &str, outcome: Outcome) -> Record {
        Record {
            id: String::new(),
            target: "api".into(),
            env: "prod".into(),
            action,
            git_sha: None,
            deployed: deployed.into(),
            replaced: Some(replaced.into()),
            detail: String::new(),
            outcome,
            message: String::new(),
            started_at: String::new(),
            finished_at: String::new(),
            who: String::new(),
        }
    }

    #[test]
    fn rolling_back_twice_walks_further_back() {
        use Action::*;
        use Outcome::*;
        // Newest first: deploys 1→2, 2→3, a failed 3→4, then a rollback 3→2.
        let history = vec![
            record(Rollback, "r2", "r3", Succeeded),
            record(Deploy, "r4", "r3", Failed),
            record(Deploy, "r3", "r2", Succeeded),
            record(Deploy, "r2", "r1", Succeeded),
        ];
        // Running r2 after the rollback: the deploy that put r2 in place replaced r1.
        assert_eq!(
            replaced_by_deploy_of(&history, "r2")
                .unwrap()
                .replaced
                .as_deref(),
            Some("r1")
        );
        // Running r3: back to r2, never to the failed r4.
        assert_eq!(
            replaced_by_deploy_of(&history, "r3")
                .unwrap()
                .replaced
                .as_deref(),
            Some("r2")
        );
        // A version the ledger never deployed: no answer (the caller falls back).
        assert!(replaced_by_deploy_of(&history, "r9").is_none());
    }
}
