//! What a kind says in its ledger record; the pipeline adds who, when, where
//! and the commit.

use crate::state::checks::Checks;
use crate::state::ledger::{Action, Detail, Outcome, StateObject};

#[derive(Debug, Clone)]
pub struct Entry {
    pub action: Action,
    /// What this put in place: a task definition ARN, a release id, a commit.
    pub deployed: String,
    pub replaced: Option<String>,
    pub detail: Detail,
    pub outcome: Outcome,
    pub message: String,
    /// A rollback: the commit of the deploy it rolled away from, when the
    /// ledger knows it (see `pipeline::rolled_away`).
    pub rolled_away_from: Option<String>,
    /// Terraform targets: the state object the apply left (boxed: most
    /// entries have none, and a step's error carries its entry).
    pub state_object: Option<Box<StateObject>>,
    /// Boxed: most entries have none, and results travel by value.
    pub checks: Box<Checks>,
}

impl Entry {
    /// A deploy that put `deployed` in place of `replaced`.
    pub fn deploy(
        deployed: impl Into<String>,
        replaced: Option<String>,
        detail: Detail,
        message: impl Into<String>,
    ) -> Entry {
        Entry {
            action: Action::Deploy,
            deployed: deployed.into(),
            replaced,
            detail,
            outcome: Outcome::Succeeded,
            message: message.into(),
            rolled_away_from: None,
            state_object: None,
            checks: Box::default(),
        }
    }

    /// A rollback to `deployed` from `replaced`, rolling away from the commit
    /// `rolled_away_from`.
    pub fn rollback(
        deployed: impl Into<String>,
        replaced: Option<String>,
        detail: Detail,
        message: impl Into<String>,
        rolled_away_from: Option<String>,
    ) -> Entry {
        Entry {
            action: Action::Rollback,
            rolled_away_from,
            ..Entry::deploy(deployed, replaced, detail, message)
        }
    }

    /// The same record of a run that failed, with what happened.
    pub fn failed(self, message: impl Into<String>) -> Entry {
        Entry {
            outcome: Outcome::Failed,
            message: message.into(),
            ..self
        }
    }

    /// With what the run pinned and checked.
    pub fn with_checks(self, checks: Checks) -> Entry {
        Entry {
            checks: Box::new(checks),
            ..self
        }
    }
}
