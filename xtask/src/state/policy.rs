//! Which ledger record answers a question — what is live, what ran before,
//! what a rollback goes back to — in one place, for every kind.
//!
//! Rollbacks walk the ledger through *deploys*: the record that put the current
//! version in place says what it replaced, and rollback records are skipped, so
//! rolling back twice walks further back instead of bouncing between two
//! versions.

use super::ledger::{Action, Detail, Outcome, Record};

/// The newest record that left the target in a known state: a successful
/// deploy or rollback (a static site's live release).
pub fn live(history: &[Record]) -> Option<&Record> {
    history.iter().find(|r| r.outcome == Outcome::Succeeded)
}

/// What a static site's bucket serves, by the ledger: the newest successful
/// deploy or rollback, or a deploy after it whose verification failed and
/// restored the release before (its `detail` names the manifest of the bucket
/// after that restore). The release it serves is [`served`].
pub fn site_state(history: &[Record]) -> Option<&Record> {
    history
        .iter()
        .find(|r| r.outcome == Outcome::Succeeded || restored(r))
}

/// A deploy that failed its verification and put the release before back.
pub fn restored(record: &Record) -> bool {
    record.action == Action::Deploy
        && record.outcome == Outcome::Failed
        && matches!(&record.detail, Detail::Manifest(key) if super::releases::is_rollback_key(key))
}

/// The release a [`site_state`] record left in place.
pub fn served(record: &Record) -> &str {
    match (restored(record), &record.replaced) {
        (true, Some(before)) => before,
        _ => &record.deployed,
    }
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
/// bouncing between two versions. A revision a rollback registered again
/// (its original was deregistered) stands for that original.
pub fn replaced_by_deploy_of<'a>(history: &'a [Record], current: &str) -> Option<&'a Record> {
    let deploy_of = |deployed: &str| {
        history.iter().find(|r| {
            r.action == Action::Deploy
                && r.outcome == Outcome::Succeeded
                && r.deployed == deployed
                && r.replaced.as_deref().is_some_and(|p| p != deployed)
        })
    };
    deploy_of(current).or_else(|| {
        let original = history
            .iter()
            .filter(|r| r.deployed == current)
            .find_map(|r| r.checks.registered_again_from.as_deref())?;
        deploy_of(original)
    })
}

/// What a static site's rollback goes back to, by the ledger.
#[derive(Debug)]
pub enum SiteRollback<'a> {
    /// The newest deploy failed part way: back to the release it replaced.
    BeforeFailed { failed: &'a Record, to: String },
    /// The release that was live before the deploy of the live one.
    BeforeLive {
        live: String,
        deploy: &'a Record,
        to: String,
    },
}

/// Why the ledger names no release to roll back to.
#[derive(Debug, PartialEq, Eq)]
pub enum NoSiteRollback {
    /// No record at all.
    NeverDeployed,
    /// The first deploy failed: nothing ran before it.
    FirstDeployFailed { release: String },
    /// The live release is the first the ledger knows.
    NothingBefore { live: String },
}

/// After a failed deploy, the release it replaced; else what the deploy of the
/// live release replaced.
pub fn site_rollback(history: &[Record]) -> Result<SiteRollback<'_>, NoSiteRollback> {
    let newest = history.first().ok_or(NoSiteRollback::NeverDeployed)?;
    if newest.action == Action::Deploy && newest.outcome == Outcome::Failed {
        let to = newest
            .replaced
            .clone()
            .ok_or_else(|| NoSiteRollback::FirstDeployFailed {
                release: newest.deployed.clone(),
            })?;
        return Ok(SiteRollback::BeforeFailed { failed: newest, to });
    }
    let live = live(history).ok_or(NoSiteRollback::NeverDeployed)?;
    let deploy = replaced_by_deploy_of(history, &live.deployed).ok_or_else(|| {
        NoSiteRollback::NothingBefore {
            live: live.deployed.clone(),
        }
    })?;
    Ok(SiteRollback::BeforeLive {
        live: live.deployed.clone(),
        to: deploy.replaced.clone().unwrap_or_default(),
        deploy,
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
            detail: Default::default(),
            outcome,
            message: String::new(),
            started_at: String::new(),
            finished_at: String::new(),
            who: String::new(),
            rolled_away_from: None,
            state_object: None,
            checks: Default::default(),
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

    #[test]
    fn a_revision_registered_again_stands_for_its_original() {
        use Action::*;
        use Outcome::*;
        // Deploys 1→2, 2→3; r2 deregistered; the rollback registers it again as r4.
        let mut again = record(Rollback, "r4", "r3", Succeeded);
        again.checks.registered_again_from = Some("r2".into());
        let history = vec![
            again,
            record(Deploy, "r3", "r2", Succeeded),
            record(Deploy, "r2", "r1", Succeeded),
        ];
        // Running r4: a second rollback goes on to r1, not back to r3.
        assert_eq!(
            replaced_by_deploy_of(&history, "r4")
                .unwrap()
                .replaced
                .as_deref(),
            Some("r1")
        );
    }

    #[test]
    fn a_site_served_by_a_restore_after_a_failed_verification() {
        use Action::*;
        use Outcome::*;
        let mut restore = record(Deploy, "r3", "r2", Failed);
        restore.detail =
            Detail::Manifest("releases/web/r2.rollback-20261201T100000000Z.json".into());
        let mut cut_off = record(Deploy, "r4", "r2", Failed);
        cut_off.detail = Detail::None;
        let history = vec![cut_off, restore, record(Deploy, "r2", "r1", Succeeded)];
        // The failed deploy cut off part way left no known state; the restore did.
        let state = site_state(&history).unwrap();
        assert_eq!(state.deployed, "r3");
        assert_eq!(served(state), "r2");
        assert_eq!(live(&history).unwrap().deployed, "r2");
        // Without a restore, the live record.
        let plain = vec![record(Deploy, "r2", "r1", Succeeded)];
        assert_eq!(served(site_state(&plain).unwrap()), "r2");
        // A failed verification whose detail names its own release (it had
        // nothing to restore, or records from before): not a restore.
        let mut own = record(Deploy, "r5", "r2", Failed);
        own.detail = Detail::Manifest("releases/web/r5.json".into());
        assert!(!restored(&own));
    }
}
