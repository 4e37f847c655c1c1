//! The ledger and the lock, against the emulator's S3.

use test_support::{emulator, unique_name, Fault, FaultKind, FaultScope};
use xtask::state::ledger::{Action, Outcome, Record};
use xtask::state::lock::LockError;
use xtask::state::StateStore;

async fn store() -> StateStore {
    let sdk = emulator().sdk_config().await;
    let bucket = unique_name("state");
    aws_sdk_s3::Client::new(&sdk)
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    StateStore::new(&sdk, bucket, "prod".into())
}

#[tokio::test]
async fn a_held_lock_names_its_holder_until_released() {
    let store = store().await;
    let lock = store.lock("api", false).await.expect("free lock");
    let err = store.lock("api", false).await.expect_err("already held");
    let msg = err.to_string();
    assert!(matches!(err, LockError::Held { .. }), "{msg}");
    assert!(msg.contains("api in prod is locked by"), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    assert!(msg.contains("--force-unlock"), "{msg}");
    // Another target is independent.
    store
        .lock("web", false)
        .await
        .expect("web is free")
        .release()
        .await
        .unwrap();
    lock.release().await.unwrap();
    assert!(store.lock_holder("api").await.unwrap().is_none());
    store
        .lock("api", false)
        .await
        .expect("free again")
        .release()
        .await
        .unwrap();
}

#[tokio::test]
async fn of_two_racing_deploys_exactly_one_gets_the_lock() {
    let store = store().await;
    for round in 0..5 {
        let (a, b) = tokio::join!(store.lock("api", false), store.lock("api", false));
        let winners = [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count();
        assert_eq!(winners, 1, "round {round}: exactly one wins");
        let (won, lost) = match (a, b) {
            (Ok(l), Err(e)) | (Err(e), Ok(l)) => (l, e),
            _ => unreachable!(),
        };
        assert!(matches!(lost, LockError::Held { .. }), "{lost}");
        won.release().await.unwrap();
    }
}

/// S3 answers a conditional write 409 ConditionalRequestConflict while another
/// write to the key is in flight, and says to retry (S3 user guide,
/// conditional writes): the lock is taken on a retry, not reported as held.
#[tokio::test]
async fn a_conflicting_write_of_the_lock_is_retried_not_read_as_held() {
    let store = store().await;
    let scope = FaultScope::Bucket(store.bucket.clone());
    emulator().inject(
        &Fault::s3(&store.bucket, "PutObject", FaultKind::Conflict, 2).on_key("locks/api.json"),
    );
    let lock = store
        .lock("api", false)
        .await
        .expect("409 ConditionalRequestConflict is retried");
    assert_eq!(emulator().faults_fired(&scope), 2);
    let holder = store.lock_holder("api").await.unwrap().expect("our lock");
    assert_eq!(holder.pid, std::process::id());
    lock.release().await.unwrap();
}

/// A conflict that does not pass is an S3 failure that says so, not a lock
/// "held by someone".
#[tokio::test]
async fn a_conflict_that_lasts_is_an_error_naming_it() {
    let store = store().await;
    emulator().inject(
        &Fault::s3(&store.bucket, "PutObject", FaultKind::Conflict, 1000).on_key("locks/api.json"),
    );
    let err = store.lock("api", false).await.expect_err("never written");
    let msg = err.to_string();
    assert!(!matches!(err, LockError::Held { .. }), "{msg}");
    assert!(msg.contains("ConditionalRequestConflict"), "{msg}");
    assert!(!msg.contains("locked by"), "{msg}");
    assert!(store.lock_holder("api").await.unwrap().is_none());
    emulator().clear_faults(&FaultScope::Bucket(store.bucket.clone()));
}

#[tokio::test]
async fn force_unlock_takes_a_crashed_holders_lock() {
    let store = store().await;
    let _crashed = store.lock("api", false).await.unwrap(); // never released
    let lock = store
        .lock("api", true)
        .await
        .expect("--force-unlock takes it");
    lock.release().await.unwrap();
}

#[tokio::test]
async fn history_lists_records_newest_first() {
    let store = store().await;
    for (i, at) in [
        "2026-11-01T10:00:00Z",
        "2026-11-03T10:00:00Z",
        "2026-11-02T10:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let record = Record {
            id: xtask::state::ledger::new_id(at),
            target: "api".into(),
            env: "prod".into(),
            action: Action::Deploy,
            git_sha: Some(format!("{i}")),
            deployed: format!("rev{i}"),
            replaced: None,
            detail: Default::default(),
            outcome: Outcome::Succeeded,
            message: String::new(),
            started_at: at.to_string(),
            finished_at: at.to_string(),
            who: "test".into(),
            rolled_away_from: None,
            state_object: None,
            checks: Default::default(),
        };
        store.append(&record).await.unwrap();
    }
    let history = store.history("api").await.unwrap();
    let order: Vec<&str> = history.iter().map(|r| r.started_at.as_str()).collect();
    assert_eq!(
        order,
        [
            "2026-11-03T10:00:00Z",
            "2026-11-02T10:00:00Z",
            "2026-11-01T10:00:00Z"
        ]
    );
    assert!(store.history("web").await.unwrap().is_empty());
}

/// A long ledger: `history` reads it all, newest first; `history_until` stops
/// after the batch that answers (the GETs the proxy saw are counted).
#[tokio::test]
async fn history_until_reads_only_the_newest_batches_it_needs() {
    let store = store().await;
    let records: Vec<Record> = (0..70)
        .map(|i| {
            let at = format!("2026-10-01T10:{:02}:{:02}Z", i / 60, i % 60);
            Record {
                id: xtask::state::ledger::new_id(&at),
                target: "web".into(),
                env: "prod".into(),
                action: Action::Deploy,
                git_sha: None,
                deployed: format!("release-{i:02}"),
                replaced: None,
                detail: Default::default(),
                // The newest two failed: the live release is the third newest.
                outcome: if i >= 68 {
                    Outcome::Failed
                } else {
                    Outcome::Succeeded
                },
                message: String::new(),
                started_at: at.clone(),
                finished_at: at,
                who: "test".into(),
                rolled_away_from: None,
                state_object: None,
                checks: Default::default(),
            }
        })
        .collect();
    futures_util::future::join_all(records.iter().map(|r| store.append(r)))
        .await
        .into_iter()
        .collect::<Result<Vec<()>, _>>()
        .unwrap();
    let gets = || {
        emulator()
            .s3_calls_for(&store.bucket)
            .iter()
            .filter(|(op, _)| op == "GetObject")
            .count()
    };

    let before = gets();
    let newest = store
        .history_until("web", |read| {
            read.iter().any(|r| r.outcome == Outcome::Succeeded)
        })
        .await
        .unwrap();
    assert_eq!(gets() - before, 32, "one batch of reads");
    assert_eq!(newest[0].deployed, "release-69");
    assert_eq!(
        newest
            .iter()
            .find(|r| r.outcome == Outcome::Succeeded)
            .unwrap()
            .deployed,
        "release-67"
    );

    let before = gets();
    let all = store.history("web").await.unwrap();
    assert_eq!(gets() - before, 70);
    let order: Vec<&str> = all.iter().map(|r| r.deployed.as_str()).collect();
    let expected: Vec<String> = (0..70).rev().map(|i| format!("release-{i:02}")).collect();
    assert_eq!(order, expected);
}
