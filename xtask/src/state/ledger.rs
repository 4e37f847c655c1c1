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
    /// What `deployed` is, in its kind's terms (`detail` and `detail_kind`).
    #[serde(flatten)]
    pub detail: Detail,
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

/// What a record says of what it deployed, by kind. In the record's JSON it is
/// `detail` (the text, as every record had it) and `detail_kind`; a record
/// written before kinds were kept is read by [`Detail::legacy`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Detail {
    #[default]
    None,
    /// ECS deploy: the image the new revision runs.
    Image(String),
    /// ECS rollback: why it went back to this revision.
    Reason(String),
    /// Static site: the manifest of what the record left in the bucket.
    Manifest(String),
    /// Terraform apply: the plan's headline.
    Plan(String),
    /// A record from before kinds were kept, which names no manifest.
    Unknown(String),
}

impl Detail {
    /// The text, as `history` shows it.
    pub fn text(&self) -> &str {
        match self {
            Detail::None => "",
            Detail::Image(s)
            | Detail::Reason(s)
            | Detail::Manifest(s)
            | Detail::Plan(s)
            | Detail::Unknown(s) => s,
        }
    }

    fn kind(&self) -> Option<&'static str> {
        Some(match self {
            Detail::None | Detail::Unknown(_) => return None,
            Detail::Image(_) => "image",
            Detail::Reason(_) => "reason",
            Detail::Manifest(_) => "manifest",
            Detail::Plan(_) => "plan",
        })
    }

    /// A record written before `detail_kind`: only static sites wrote a
    /// state-bucket key there (`releases/...`), which a reader must find.
    fn legacy(text: String) -> Detail {
        match text.as_str() {
            "" => Detail::None,
            t if t.starts_with("releases/") => Detail::Manifest(text),
            _ => Detail::Unknown(text),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct DetailFields {
    #[serde(default)]
    detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail_kind: Option<String>,
}

impl Serialize for Detail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DetailFields {
            detail: self.text().to_string(),
            detail_kind: self.kind().map(str::to_owned),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Detail, D::Error> {
        let fields = DetailFields::deserialize(d)?;
        Ok(match fields.detail_kind.as_deref() {
            Some("image") => Detail::Image(fields.detail),
            Some("reason") => Detail::Reason(fields.detail),
            Some("manifest") => Detail::Manifest(fields.detail),
            Some("plan") => Detail::Plan(fields.detail),
            // A kind this version does not know (a newer one's): its text.
            Some(_) => Detail::Unknown(fields.detail),
            None => Detail::legacy(fields.detail),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::Detail;

    fn read(json: &str) -> Detail {
        #[derive(serde::Deserialize)]
        struct Wrapper {
            #[serde(flatten)]
            detail: Detail,
        }
        serde_json::from_str::<Wrapper>(json).unwrap().detail
    }

    #[test]
    fn a_detail_keeps_its_kind_and_old_records_still_read() {
        for detail in [
            Detail::Image("repo:v2@sha256:ab".into()),
            Detail::Reason("--to 3".into()),
            Detail::Manifest("releases/web/r1.rollback-x.json".into()),
            Detail::Plan("Plan: 1 to add".into()),
            Detail::None,
        ] {
            let json = serde_json::to_value(&detail).unwrap();
            assert_eq!(json["detail"], detail.text(), "the text stays where it was");
            assert_eq!(read(&json.to_string()), detail);
        }
        // Records written before `detail_kind`: a manifest key is found as one.
        assert_eq!(
            read(r#"{"detail": "releases/web/r1.json"}"#),
            Detail::Manifest("releases/web/r1.json".into())
        );
        assert_eq!(
            read(r#"{"detail": "repo:v1"}"#),
            Detail::Unknown("repo:v1".into())
        );
        assert_eq!(read("{}"), Detail::None);
    }
}
