//! CloudFront invalidations as CloudFront takes them, through the AWS front:
//! paths matched as written (only non-ASCII and RFC 1738 unsafe characters
//! percent-encoded), and at most 3,000 file paths and 15 wildcard paths in
//! progress per distribution (400 TooManyInvalidationsInProgress). Each test
//! ends by asking the front's edge-cache model which keys CloudFront may still
//! serve an old copy of: none, after a deploy, a rollback or a restore.

use std::time::{Duration, Instant};

use test_support::cli::{all_output, text};
use test_support::fixtures::site::build_v1;
use test_support::{emulator, Busy, HealthEndpoint, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// Pages whose names hold characters CloudFront must see as written (`+`,
/// `@`, parentheses) or encoded (a space, non-ASCII).
const ODD: [&str; 5] = [
    "a+b.html",
    "img/logo@2x.png",
    "page (1).html",
    "docs/über.html",
    "x=1&y=2;z.html",
];

fn build_with_odd_names(version: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = build_v1()
        .into_iter()
        .map(|(k, b)| (k.to_string(), b))
        .collect();
    files.extend(
        ODD.iter()
            .map(|k| (k.to_string(), format!("{k} {version}").into_bytes())),
    );
    files
}

#[tokio::test]
async fn pages_with_odd_names_are_invalidated_as_cloudfront_matches_them() {
    let s = StaticSite::versioned(XTASK).await;
    s.build(&build_with_odd_names("v1"));
    s.deploy_ok(&[]);
    s.build(&build_with_odd_names("v2"));
    s.deploy_ok(&[]);
    let last = s.invalidations().await.pop().expect("an invalidation");
    for path in [
        "/a+b.html",
        "/img/logo@2x.png",
        "/page%20(1).html",
        "/docs/%C3%BCber.html",
        "/x=1&y=2;z.html",
    ] {
        assert!(last.contains(&path.to_string()), "{path} in {last:?}");
    }
    assert_eq!(emulator().stale_keys(&s.distribution), Vec::<String>::new());

    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        emulator().stale_keys(&s.distribution),
        Vec::<String>::new(),
        "after the rollback"
    );
}

#[tokio::test]
async fn a_deploy_waits_while_cloudfront_has_too_many_invalidations_in_progress() {
    let s = StaticSite::versioned(XTASK).await;
    s.deploy_ok(&[]);
    // Someone else's invalidations fill both of CloudFront's limits for 2s.
    emulator().invalidations_busy(
        &s.distribution,
        Busy {
            file_paths: 3000,
            wildcard_paths: 15,
            for_: Duration::from_secs(2),
        },
    );
    s.put_file("index.html", b"v2");
    s.put_file("robots.txt", b"User-agent: nobody\n");
    let started = Instant::now();
    let out = s.deploy(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(
        text(&out.stderr).contains("CloudFront had too many invalidations in progress"),
        "{}",
        all_output(&out)
    );
    assert_eq!(
        s.invalidations().await.pop().unwrap(),
        ["/", "/index.html", "/robots.txt"],
        "the planned paths, once CloudFront took them"
    );
    assert_eq!(emulator().stale_keys(&s.distribution), Vec::<String>::new());
    assert_eq!(s.history()[0]["outcome"], "succeeded");
}

#[tokio::test]
async fn with_the_file_path_limit_full_the_paths_fold_into_one_wildcard() {
    let s = StaticSite::versioned(XTASK).await;
    s.deploy_ok(&[]);
    emulator().invalidations_busy(
        &s.distribution,
        Busy {
            file_paths: 3000,
            wildcard_paths: 0,
            for_: Duration::from_secs(600),
        },
    );
    s.put_file("index.html", b"v2");
    let started = Instant::now();
    s.deploy_ok(&[]);
    assert!(started.elapsed() < Duration::from_secs(30), "no waiting");
    assert_eq!(s.invalidations().await.pop().unwrap(), ["/*"]);
    assert_eq!(emulator().stale_keys(&s.distribution), Vec::<String>::new());
}

/// A build where 15 folders change two pages each: more paths than
/// `invalidation_max_paths`, so each folder is one wildcard, 15 in all.
fn fifteen_folders(version: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = build_v1()
        .into_iter()
        .map(|(k, b)| (k.to_string(), b))
        .collect();
    for f in 0..15 {
        for page in ["a", "b"] {
            files.push((
                format!("f{f}/{page}.html"),
                format!("{f}{page} {version}").into_bytes(),
            ));
        }
    }
    files
}

#[tokio::test]
async fn a_rollback_right_after_a_deploy_waits_for_the_deploys_invalidation() {
    let s = StaticSite::versioned(XTASK).await;
    s.build(&fifteen_folders("v1"));
    s.deploy_ok(&[]);
    // From now on an invalidation stays in progress for 2s.
    emulator().invalidations_take(&s.distribution, Duration::from_secs(2));
    s.build(&fifteen_folders("v2"));
    s.deploy_ok(&[]);
    let deployed = s.invalidations().await.pop().unwrap();
    assert_eq!(deployed.iter().filter(|p| p.ends_with('*')).count(), 15);

    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("CloudFront had too many invalidations in progress"),
        "{}",
        all_output(&out)
    );
    assert_eq!(emulator().stale_keys(&s.distribution), Vec::<String>::new());
}

#[tokio::test]
async fn a_failed_verification_restores_the_release_and_invalidates_it() {
    let s = StaticSite::versioned(XTASK).await;
    let health = HealthEndpoint::start(200);
    s.config(&format!(
        "verify = {{ url = \"{}\", within = \"1s\" }}",
        health.url
    ));
    s.repo.commit("verify the site");
    s.build(&fifteen_folders("v1"));
    s.deploy_ok(&[]);
    emulator().invalidations_take(&s.distribution, Duration::from_secs(3));
    s.build(&fifteen_folders("v2"));
    health.answer(503);
    let out = s.deploy(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains("rolled back: release") && all.contains("is served again"),
        "{all}"
    );
    assert_eq!(emulator().stale_keys(&s.distribution), Vec::<String>::new());
}

#[tokio::test]
async fn still_too_many_after_the_bound_fails_with_the_command_that_invalidates() {
    let s = StaticSite::versioned(XTASK).await;
    s.config("invalidation_busy_timeout = \"2s\"");
    s.repo.commit("wait 2s at most");
    s.deploy_ok(&[]);
    emulator().invalidations_busy(
        &s.distribution,
        Busy {
            file_paths: 3000,
            wildcard_paths: 15,
            for_: Duration::from_secs(600),
        },
    );
    s.put_file("index.html", b"v2");
    let out = s.deploy(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(all.contains("too many invalidations in progress"), "{all}");
    // The command works as printed: each path quoted for the shell.
    let command = format!(
        "aws cloudfront create-invalidation --distribution-id {} --paths '/' '/index.html'",
        s.distribution
    );
    assert!(all.contains(&command), "{all}");
    // The release is in place: its record says the invalidation is missing.
    assert_eq!(s.served("index.html").await.unwrap().body, b"v2");
}
