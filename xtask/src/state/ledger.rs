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
    /// A rollback: the commit of the deploy it rolled away from (see
    /// [`Record::seen_commit`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_away_from: Option<String>,
    /// Terraform targets: the state object as the apply left it, to tell later
    /// whether anything else wrote it (records from before have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_object: Option<StateObject>,
    /// What the deploy pinned and checked (absent from older records).
    #[serde(flatten)]
    pub checks: Checks,
}

/// One version of an S3 object (a terraform state), as a record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateObject {
    /// The S3 version id, when the bucket keeps versions.
    pub version_id: Option<String>,
    pub etag: String,
    /// RFC 3339.
    pub last_modified: Option<String>,
}

impl Record {
    /// The commit the environment has "seen" for this target after this
    /// record: a deploy's own commit; a rollback's the commit it rolled away
    /// from, so that `deploy --changed` does not undo a deliberate rollback
    /// with the next unrelated push.
    pub fn seen_commit(&self) -> Option<&str> {
        match self.action {
            Action::Deploy => self.git_sha.as_deref(),
            Action::Rollback => self.rolled_away_from.as_deref(),
        }
    }

    /// The record's key: time first, so the listing is in time order; then
    /// what [`KeyFacts`] reads back, so the listing alone answers "what is
    /// deployed" without a GET per record.
    fn key(&self) -> String {
        format!(
            "ledger/{}/{}.{}-{}.{}.json",
            self.target,
            self.id,
            self.action.as_str(),
            self.outcome.as_str(),
            self.seen_commit().unwrap_or("-")
        )
    }
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Deploy => "deploy",
            Action::Rollback => "rollback",
        }
    }
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
        }
    }
}

/// What a record's key says about it. Keys written before these facts were
/// added (`<id>.json`) say nothing: the record is read then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    pub action: Action,
    pub outcome: Outcome,
    pub seen_commit: Option<String>,
}

impl KeyFacts {
    pub fn parse(key: &str) -> Option<KeyFacts> {
        let name = key.rsplit('/').next()?.strip_suffix(".json")?;
        let mut parts = name.split('.');
        let (_id, facts, commit) = (parts.next()?, parts.next()?, parts.next()?);
        let (action, outcome) = facts.split_once('-')?;
        let action = match action {
            "deploy" => Action::Deploy,
            "rollback" => Action::Rollback,
            _ => return None,
        };
        let outcome = match outcome {
            "succeeded" => Outcome::Succeeded,
            "failed" => Outcome::Failed,
            _ => return None,
        };
        let seen_commit = (commit != "-").then(|| commit.to_string());
        Some(KeyFacts {
            action,
            outcome,
            seen_commit,
        })
    }

    fn of(record: &Record) -> KeyFacts {
        KeyFacts {
            action: record.action,
            outcome: record.outcome,
            seen_commit: record.seen_commit().map(str::to_owned),
        }
    }
}

/// What is deployed of a target, as far as change detection goes: the commit
/// of the newest successful deploy, or the commit a newer successful rollback
/// rolled away from. Failed, cut-off and cancelled deploys do not count (they
/// left no successful record), so the next `deploy --changed` runs them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedBase {
    pub commit: String,
    pub action: Action,
}

impl DeployedBase {
    fn from_facts(facts: KeyFacts) -> Option<DeployedBase> {
        match (facts.outcome, facts.seen_commit) {
            (Outcome::Succeeded, Some(commit)) => Some(DeployedBase {
                commit,
                action: facts.action,
            }),
            _ => None,
        }
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

    /// What is deployed of `target` here (see [`DeployedBase`]): one listing
    /// (a LIST call per 1,000 records) and no GET, except for records written
    /// before keys carried their facts.
    pub async fn deployed_base(&self, target: &str) -> Result<Option<DeployedBase>, StateError> {
        let keys = self.list(&format!("ledger/{target}/")).await?;
        for key in keys.iter().rev() {
            let facts = match KeyFacts::parse(key) {
                Some(facts) => facts,
                None => match self.get_json::<Record>(key).await? {
                    Some(record) => KeyFacts::of(&record),
                    None => continue,
                },
            };
            if let Some(base) = DeployedBase::from_facts(facts) {
                return Ok(Some(base));
            }
        }
        Ok(None)
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
