//! Deploys and rollbacks of a 600-file site on a bad network: the proxy in
//! front of moto fails a share of every request to the site's bucket —
//! connection resets (TCP RST), answers lost after moto did the write,
//! throttling (503 SlowDown) and server errors (500). Each run completes, the
//! bucket serves exactly the build (bytes and headers), and the proxy's
//! counters say how many faults were injected. The state bucket stays clean, so
//! what is measured is the site's traffic. The figures are in docs/RELIABILITY.md.

use test_support::cli::{all_output, text};
use test_support::{emulator, Fault, FaultKind, FaultScope, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");
const FILES: usize = 600;

fn build(version: u8) -> Vec<(String, Vec<u8>)> {
    (0..FILES - 1)
        .map(|i| {
            (
                format!("assets/chunk-{i:03}.js"),
                format!("console.log({i}, 'v{version}')").into_bytes(),
            )
        })
        .chain([(
            "index.html".to_string(),
            format!("<h1>v{version}</h1>").into_bytes(),
        )])
        .collect()
}

/// Every file of `files` is served byte for byte (faults cleared first: the
/// check's own reads go through the proxy too).
async fn serves(s: &StaticSite, files: &[(String, Vec<u8>)]) {
    emulator().clear_faults(&FaultScope::Bucket(s.bucket.clone()));
    for (key, body) in files {
        let served = s
            .served(key)
            .await
            .unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(&served.body, body, "{key}");
    }
}

/// Deploys v1 and v2 and rolls back to v1 while `share` of the requests to
/// the site's bucket fail (kind, percent); returns how many requests failed.
async fn deploy_and_roll_back_under(share: &[(FaultKind, u32)]) -> u64 {
    let s = StaticSite::versioned(XTASK).await;
    let scope = FaultScope::Bucket(s.bucket.clone());
    let mut fired = 0;
    for (i, step) in ["deploy v1", "deploy v2", "rollback"].iter().enumerate() {
        match i {
            0 => s.build(&build(1)),
            1 => s.build(&build(2)),
            _ => {}
        }
        for (kind, percent) in share {
            emulator().inject(&Fault::s3_share(&s.bucket, *kind, *percent));
        }
        let out = if i < 2 {
            s.deploy(&[])
        } else {
            s.rollback(&[])
        };
        fired += emulator().faults_fired(&scope);
        assert!(out.status.success(), "{step}: {}", all_output(&out));
        let err = text(&out.stderr);
        assert!(!err.contains("hyper") && !err.contains("Some("), "{err}");
        serves(&s, &build(if i == 1 { 2 } else { 1 })).await;
    }
    assert!(fired > 0, "no fault fired");
    fired
}

#[tokio::test]
async fn twenty_percent_connection_resets() {
    let fired = deploy_and_roll_back_under(&[(FaultKind::Reset, 20)]).await;
    eprintln!("connection resets injected: {fired}");
}

#[tokio::test]
async fn ten_percent_answers_lost_after_the_write() {
    let fired = deploy_and_roll_back_under(&[(FaultKind::DropResponse, 10)]).await;
    eprintln!("answers lost: {fired}");
}

#[tokio::test]
async fn throttling_and_server_errors() {
    let fired =
        deploy_and_roll_back_under(&[(FaultKind::Throttle, 15), (FaultKind::Error, 10)]).await;
    eprintln!("throttled or failed with 500: {fired}");
}

/// A preview up and down while half the requests to its bucket are reset and
/// almost a third of the answers are lost (a preview makes few requests to its
/// bucket, so the shares are high): both complete, and down leaves no bucket.
#[tokio::test]
async fn a_preview_goes_up_and_down_on_a_bad_network() {
    let p = test_support::PreviewSite::new(XTASK).await;
    let bucket = format!("pr-21-{}", p.project);
    for (kind, percent) in [(FaultKind::Reset, 50), (FaultKind::DropResponse, 30)] {
        emulator().inject(&Fault::s3_share(&bucket, kind, percent));
    }
    let up = p.xtask(&["preview", "up", "--pr", "21"]);
    assert!(up.status.success(), "{}", all_output(&up));
    let down = p.xtask(&["preview", "down", "--pr", "21"]);
    assert!(down.status.success(), "{}", all_output(&down));
    let fired = emulator().faults_fired(&FaultScope::Bucket(bucket.clone()));
    emulator().clear_faults(&FaultScope::Bucket(bucket));
    assert!(fired > 0, "no fault fired");
    assert!(!p.bucket_exists(21).await, "down removed the bucket");
    eprintln!("preview faults injected: {fired}");
}
