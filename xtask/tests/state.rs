//! The ledger and the lock, against the emulator's S3.

use test_support::{emulator, unique_name};
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
            detail: String::new(),
            outcome: Outcome::Succeeded,
            message: String::new(),
            started_at: at.to_string(),
            finished_at: at.to_string(),
            who: "test".into(),
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
