//! Images pinned by digest, as a user meets them against the emulator (the
//! target: `test_support::EcsTarget`): a deploy names the image `tag@digest`,
//! the ledger and `--format json` say both, a rollback runs the bytes that ran
//! before even after the tag was pushed again, and `status` flags a running
//! tag that moved in ECR.

use test_support::cli::{all_output, text};
use test_support::EcsTarget;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn a_rollback_runs_the_first_digest_after_the_tag_was_pushed_again() {
    let f = EcsTarget::new(XTASK).await;
    let first_v2 = f.pinned("v2").await;
    for tag in ["v2", "v3"] {
        let out = f.deploy(tag, &[]);
        assert!(out.status.success(), "{}", all_output(&out));
    }
    assert_eq!(f.running().await, (3, f.pinned("v3").await));

    // Someone pushes other bytes as v2.
    f.push_again("v2", "v2, rebuilt").await;
    assert_ne!(f.pinned("v2").await, first_v2, "the tag moved");

    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        f.running().await,
        (2, first_v2.clone()),
        "the revision names the digest deployed first, not the tag's new one"
    );

    // status shows tag and digest, and says the tag moved since.
    let out = f.xtask(&["status", "--env", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let status = text(&out.stdout);
    let new_digest = f.digest("v2").await;
    assert!(status.contains(&first_v2), "{status}");
    assert!(
        status.contains("warning: tag v2 was pushed again")
            && status.contains(&format!("ECR has {new_digest}")),
        "{status}"
    );
    let out = f.xtask(&["status", "--env", "prod", "--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["image"], first_v2.as_str());
    assert!(
        rows[0]["image_tag_moved"]
            .as_str()
            .is_some_and(|m| m.contains(&new_digest)),
        "{rows}"
    );
}

#[tokio::test]
async fn the_ledger_and_json_output_record_the_tag_and_its_digest() {
    let f = EcsTarget::new(XTASK).await;
    let digest = f.digest("v2").await;

    let out = f.deploy("v2", &["--dry-run", "--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let document: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", all_output(&out)));
    assert_eq!(document["targets"][0]["image_tag"], "v2");
    assert_eq!(document["targets"][0]["image_digest"], digest.as_str());
    assert!(f.history().is_empty(), "a dry run records nothing");

    let out = f.deploy("v2", &["--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(document["targets"][0]["image_digest"], digest.as_str());

    let history = f.history();
    assert_eq!(history[0]["image_tag"], "v2");
    assert_eq!(history[0]["image_digest"], digest.as_str());
    assert_eq!(history[0]["detail"], f.pinned("v2").await.as_str());
}

#[tokio::test]
async fn the_same_tag_is_deployed_again_only_when_its_digest_moved() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));

    let out = f.deploy("v2", &[]);
    assert!(
        text(&out.stdout).contains("already deployed"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.revisions().await, 2);

    // A re-pushed tag is other bytes: a new revision pins them.
    f.push_again("v2", "v2, hotfixed").await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await, (3, f.pinned("v2").await));
    let history = f.history();
    assert_ne!(history[0]["image_digest"], history[1]["image_digest"]);
}
