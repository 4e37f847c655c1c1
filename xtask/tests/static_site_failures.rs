//! A static-site deploy or rollback that fails, as a user meets it against the
//! emulator (the target: `test_support::StaticSite`): passing S3 faults
//! retried; a deploy or rollback cut off part way keeps the site consistent,
//! says how to recover, and a re-run finishes it; bad input is one line, exit
//! 2, nothing written.

use std::process::{Command, Output};
use test_support::cli::{all_output, text};
use test_support::fixtures::site::build_v1;
use test_support::{emulator, Fault, FaultKind, FaultScope, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn throttled_failed_and_dropped_requests_are_retried_and_the_deploy_completes() {
    let s = StaticSite::versioned(XTASK).await;
    let scope = FaultScope::Bucket(s.bucket.clone());
    for fault in [
        Fault::s3(&s.bucket, "PutObject", FaultKind::Throttle, 2),
        Fault::s3(&s.bucket, "PutObject", FaultKind::Error, 1).after(2),
        Fault::s3(&s.bucket, "PutObject", FaultKind::Drop, 1).after(3),
        // S3 stores index.html, and the answer is lost: the retry stores it again.
        Fault::s3(&s.bucket, "PutObject", FaultKind::DropResponse, 1).on_key("index.html"),
        Fault::s3(&s.bucket, "ListObjectsV2", FaultKind::Throttle, 1),
    ] {
        emulator().inject(&fault);
    }
    let out = s.deploy_ok(&[]);
    assert_eq!(emulator().faults_fired(&scope), 6, "{}", all_output(&out));
    for (key, body) in build_v1() {
        match s.served(key).await {
            None if key == ".env" => {}
            Some(served) => assert_eq!(served.body, body, "{key}"),
            None => panic!("{key} is not served"),
        }
    }
    let history = s.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["outcome"], "succeeded");
    let writes = StaticSite::writes(&s.calls());
    assert_eq!(writes.last().map(String::as_str), Some("index.html"));
}

#[tokio::test]
async fn a_deploy_cut_off_part_way_keeps_the_old_index_and_says_how_to_recover() {
    let s = StaticSite::versioned(XTASK).await;
    let scope = FaultScope::Bucket(s.bucket.clone());
    s.deploy_ok(&[]);
    let v1 = s.snapshot().await;

    // v2: a new hashed chunk, and pages that load it; S3 keeps failing one page.
    s.put_file("assets/app-9z8y.js", b"console.log('v2')");
    s.put_file("about/index.html", b"<h1>About v2</h1>");
    s.put_file("index.html", b"<script src=/assets/app-9z8y.js></script>v2");
    emulator().inject(
        &Fault::s3(&s.bucket, "PutObject", FaultKind::Error, 1000).on_key("about/index.html"),
    );
    let out = s.deploy(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("failed part way")
            && err.contains("deploy again")
            && err.contains("cargo xtask rollback web prod"),
        "{err}"
    );
    // index.html goes last, so the site still serves v1: the old index, the
    // chunks it loads, the page that failed.
    let now = s.snapshot().await;
    for key in ["index.html", "assets/app-1a2b.js", "about/index.html"] {
        assert_eq!(now[key], v1[key], "{key}");
    }
    let history = s.history();
    assert_eq!(history[0]["outcome"], "failed", "{history:?}");
    assert!(
        !s.state_keys().await.iter().any(|k| k.starts_with("locks/")),
        "the lock is released"
    );

    // S3 answers again: the same deploy finishes what was left, index.html last.
    emulator().clear_faults(&scope);
    let before = s.calls().len();
    s.deploy_ok(&[]);
    let writes = StaticSite::writes(&s.calls()[before..]);
    assert!(
        writes.contains(&"about/index.html".to_string()),
        "{writes:?}"
    );
    assert_eq!(
        writes.last().map(String::as_str),
        Some("index.html"),
        "{writes:?}"
    );
    assert_eq!(
        s.served("index.html").await.unwrap().body,
        b"<script src=/assets/app-9z8y.js></script>v2"
    );
    assert_eq!(
        s.served("assets/app-9z8y.js").await.unwrap().body,
        b"console.log('v2')"
    );
    assert_eq!(s.history()[0]["outcome"], "succeeded");
}

/// A rollback cut off part way (S3 keeps failing one copy): it says to run it
/// again, the lock is released, and the rerun finishes it byte for byte.
#[tokio::test]
async fn a_rollback_cut_off_part_way_finishes_when_run_again() {
    let s = StaticSite::versioned(XTASK).await;
    let scope = FaultScope::Bucket(s.bucket.clone());
    s.deploy_ok(&[]);
    let v1 = s.snapshot().await;
    s.put_file("robots.txt", b"User-agent: *\nDisallow: /\n");
    s.put_file("about/index.html", b"<h1>About v2</h1>");
    s.put_file("index.html", b"<script src=/assets/app-1a2b.js></script>v2");
    s.deploy_ok(&[]);

    emulator().inject(
        &Fault::s3(&s.bucket, "CopyObject", FaultKind::Error, 1000).on_key("about/index.html"),
    );
    let out = s.rollback(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("failed part way; run it again"),
        "{}",
        all_output(&out)
    );
    assert!(
        !s.state_keys().await.iter().any(|k| k.starts_with("locks/")),
        "the lock is released"
    );

    emulator().clear_faults(&scope);
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(s.snapshot().await, v1);
}

#[tokio::test]
async fn bad_input_fails_with_exit_2_and_writes_nothing() {
    let s = StaticSite::versioned(XTASK).await;
    let check = |out: Output, expect: &str| {
        assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
        let err = text(&out.stderr);
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{err}"
        );
        assert!(err.contains(expect), "expected {expect:?} in: {err}");
    };

    std::fs::rename(s.dist(), s.repo.file("web/dist-moved")).unwrap();
    check(s.deploy(&[]), "web/dist: does not exist");
    std::fs::rename(s.repo.file("web/dist-moved"), s.dist()).unwrap();

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("id_rsa"), "PRIVATE KEY").unwrap();
    std::os::unix::fs::symlink(outside.path().join("id_rsa"), s.dist().join("key.txt")).unwrap();
    check(s.deploy(&[]), "key.txt: a symlink to");
    std::fs::remove_file(s.dist().join("key.txt")).unwrap();

    let fifo = s.dist().join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    check(s.deploy(&[]), "pipe: a FIFO");
    std::fs::remove_file(&fifo).unwrap();

    let config = std::fs::read_to_string(s.repo.file("deploy.toml")).unwrap();
    s.repo.write(
        "deploy.toml",
        &config.replace(&s.distribution, "E000000NOTHERE"),
    );
    check(s.deploy(&[]), "distribution E000000NOTHERE does not exist");
    s.repo.write("deploy.toml", &config);

    let unversioned = StaticSite::unversioned(XTASK).await;
    check(unversioned.deploy(&[]), "versioning");
    let out = unversioned.deploy(&[]);
    assert!(
        text(&out.stderr).contains("put-bucket-versioning --bucket"),
        "{}",
        all_output(&out)
    );

    for site in [&s, &unversioned] {
        assert!(
            StaticSite::writes(&site.calls()).is_empty(),
            "{:?}",
            site.calls()
        );
        assert!(
            site.state_keys().await.is_empty(),
            "no ledger, release or lock"
        );
    }
    // The rollback of a target never deployed.
    check(s.rollback(&[]), "nothing to roll back to");
}
