//! `cargo xtask deploy/history` on a static-site target, as a user runs them:
//! the binary against the emulator (moto behind the test proxy, which logs
//! every S3 request in order), a real git repository, a real build folder and a
//! CloudFront distribution created in moto (the target:
//! `test_support::StaticSite`). What a deploy uploads, in which order, with
//! which headers; invalidations; grace; dry runs; the delete guard; `--wait`;
//! `--format json`.

use std::process::Output;
use std::time::{Duration, SystemTime};
use test_support::cli::{all_output, text};
use test_support::fixtures::site::{build_v1, v1, IMMUTABLE};
use test_support::StaticSite;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn redeploy_uploads_exactly_the_two_changed_files_and_invalidates_their_paths() {
    let s = StaticSite::versioned(XTASK).await;
    let out = s.deploy_ok(&[]);
    assert!(
        text(&out.stdout).contains("uploaded 9 ") && text(&out.stdout).contains("no invalidation"),
        "a first deploy uploads everything but .env, and new keys need no invalidation:\n{}",
        all_output(&out)
    );
    assert!(s.invalidations().await.is_empty());

    s.put_file("robots.txt", b"User-agent: *\nDisallow: /admin\n");
    s.put_file("about/index.html", b"<h1>About us</h1>");
    let before = s.calls().len();
    let out = s.deploy_ok(&[]);
    let writes = StaticSite::writes(&s.calls()[before..]);
    assert_eq!(
        writes,
        ["robots.txt", "about/index.html"],
        "{}",
        all_output(&out)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("uploaded 2 "), "{stdout}");
    assert!(stdout.contains("unchanged 7"), "{stdout}");
    let invalidations = s.invalidations().await;
    assert_eq!(invalidations.len(), 1, "{invalidations:?}");
    assert_eq!(
        invalidations[0],
        ["/about/", "/about/index.html", "/robots.txt"]
    );
    assert_eq!(
        s.served("robots.txt").await.unwrap().body,
        b"User-agent: *\nDisallow: /admin\n"
    );
    let history = s.history();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["replaced"], history[1]["deployed"]);
}

#[tokio::test]
async fn a_rebuild_with_new_mtimes_and_the_same_content_uploads_nothing() {
    let s = StaticSite::versioned(XTASK).await;
    s.deploy_ok(&[]);
    // A CI rebuild: every file written again, an hour later.
    s.build(&build_v1());
    let later = SystemTime::now() + Duration::from_secs(3600);
    for (key, _) in build_v1() {
        let file = std::fs::File::options()
            .write(true)
            .open(s.dist().join(key))
            .unwrap();
        file.set_modified(later).unwrap();
    }
    let before = s.calls().len();
    let out = s.deploy_ok(&[]);
    assert!(
        text(&out.stdout).contains("already deployed"),
        "{}",
        all_output(&out)
    );
    let ops: Vec<String> = s.calls()[before..]
        .iter()
        .map(|(op, _)| op.clone())
        .collect();
    assert_eq!(
        ops,
        ["GetBucketVersioning", "ListObjectsV2"],
        "no upload, no HEAD per object"
    );
    assert!(s.invalidations().await.is_empty());
    assert_eq!(s.history().len(), 1, "no new release");
}

#[tokio::test]
async fn headers_follow_the_first_matching_rule() {
    let s = StaticSite::versioned(XTASK).await;
    s.deploy_ok(&[]);
    let all = s.snapshot().await;
    let h = |key: &str| {
        all.get(key)
            .cloned()
            .unwrap_or_else(|| panic!("{key} missing"))
    };
    let index = h("index.html");
    assert_eq!(
        index.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.cache_control.as_deref(), Some("no-cache"));
    let js = h("assets/app-1a2b.js");
    assert!(
        js.content_type
            .as_deref()
            .unwrap()
            .ends_with("javascript; charset=utf-8"),
        "{js:?}"
    );
    assert_eq!(js.cache_control.as_deref(), Some(IMMUTABLE));
    let gz = h("assets/app-1a2b.js.gz");
    assert_eq!(
        gz.content_type, js.content_type,
        "served as the script it compresses"
    );
    assert_eq!(gz.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(gz.body, v1("assets/app-1a2b.js.gz"));
    let css = h("assets/app-1a2b.css");
    assert_eq!(css.content_type.as_deref(), Some("text/css; charset=utf-8"));
    let png = h("img/hero.png");
    assert_eq!(png.content_type.as_deref(), Some("image/png"));
    assert_eq!(png.cache_control.as_deref(), Some("public, max-age=300"));
    assert_eq!(png.body, v1("img/hero.png"));
    let json = h("data/config.json");
    assert_eq!(
        json.content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    let about = h("about/index.html");
    assert_eq!(
        about.cache_control.as_deref(),
        Some("public, max-age=300"),
        "the first rule is for the root index.html only"
    );
    assert!(s.served(".env").await.is_none(), "hidden files stay local");
    assert!(s.served(".well-known/security.txt").await.is_some());
    let head =
        s.s3.head_object()
            .bucket(&s.bucket)
            .key("img/hero.png")
            .send()
            .await
            .unwrap();
    assert_eq!(
        head.metadata().unwrap()["md5"],
        format!("{:x}", md5_hex(&v1("img/hero.png")))
    );
}

fn md5_hex(bytes: &[u8]) -> u128 {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), bytes).unwrap();
    let files = web_deployer::walk(dir.path(), false).unwrap();
    u128::from_str_radix(&files[0].md5, 16).unwrap()
}

#[tokio::test]
async fn index_html_is_the_last_put_after_every_asset_and_page() {
    let s = StaticSite::versioned(XTASK).await;
    s.deploy_ok(&[]);
    let writes = StaticSite::writes(&s.calls());
    assert_eq!(writes.len(), 9, "{writes:?}");
    assert_eq!(
        writes.last().map(String::as_str),
        Some("index.html"),
        "{writes:?}"
    );
    let first_page = writes.iter().position(|k| k.ends_with(".html")).unwrap();
    assert!(
        writes[..first_page].iter().all(|k| !k.ends_with(".html"))
            && writes[first_page..].iter().all(|k| k.ends_with(".html")),
        "assets, then pages: {writes:?}"
    );
}

#[tokio::test]
async fn grace_keeps_assets_that_left_the_build_for_two_releases_then_deletes_them() {
    let s = StaticSite::versioned(XTASK).await;
    let release = |n: u32, extra_page: bool| {
        let mut files = vec![
            (
                "index.html".to_string(),
                format!("<script src=/assets/app-{n}.js></script>").into_bytes(),
            ),
            (
                format!("assets/app-{n}.js"),
                format!("release {n}").into_bytes(),
            ),
        ];
        if extra_page {
            files.push(("old.html".to_string(), b"old page".to_vec()));
        }
        files
    };
    s.build(&release(1, true));
    s.deploy_ok(&[]);
    s.build(&release(2, false));
    let out = s.deploy_ok(&[]);
    assert!(
        text(&out.stdout).contains("deleted 1, kept for grace 1"),
        "{}",
        all_output(&out)
    );
    assert!(s.served("old.html").await.is_none(), "pages go at once");
    assert!(s.served("assets/app-1.js").await.is_some());

    s.build(&release(3, false));
    s.deploy_ok(&[]);
    assert!(
        s.served("assets/app-1.js").await.is_some(),
        "two releases after it left, still there"
    );
    assert!(s.served("assets/app-2.js").await.is_some());

    s.build(&release(4, false));
    let out = s.deploy_ok(&[]);
    assert!(
        text(&out.stdout).contains("deleted 1, kept for grace 2"),
        "{}",
        all_output(&out)
    );
    assert!(
        s.served("assets/app-1.js").await.is_none(),
        "the third release after deletes it"
    );
    for n in [2, 3, 4] {
        assert!(
            s.served(&format!("assets/app-{n}.js")).await.is_some(),
            "app-{n}"
        );
    }
    // Deleted, not destroyed: the versions stay for rollbacks.
    let versions =
        s.s3.list_object_versions()
            .bucket(&s.bucket)
            .prefix("assets/app-1.js")
            .send()
            .await
            .unwrap();
    assert_eq!(versions.versions().len(), 1);
    assert_eq!(versions.delete_markers().len(), 1);
}

#[tokio::test]
async fn dry_run_says_what_would_change_and_writes_nothing() {
    let s = StaticSite::versioned(XTASK).await;
    s.deploy_ok(&[]);
    s.put_file("robots.txt", b"changed");
    std::fs::remove_file(s.dist().join("about/index.html")).unwrap();
    let before = s.calls().len();
    let state_before = s.state_keys().await;
    let out = s.deploy_ok(&["--dry-run"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("would write robots.txt (changed)"),
        "{stdout}"
    );
    assert!(stdout.contains("would delete about/index.html"), "{stdout}");
    assert!(
        stdout.contains("would invalidate /about/ /about/index.html /robots.txt"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: would upload 1"), "{stdout}");
    assert!(StaticSite::writes(&s.calls()[before..]).is_empty());
    assert_eq!(s.state_keys().await, state_before);
    assert_eq!(s.served("robots.txt").await.unwrap().body, v1("robots.txt"));
    assert_eq!(s.invalidations().await.len(), 0);
}

#[tokio::test]
async fn the_delete_guard_refuses_a_mass_delete_unless_told() {
    let s = StaticSite::versioned(XTASK).await;
    s.config("max_deletes = 2\n");
    for page in ["a.html", "b.html", "c.html"] {
        s.put_file(page, b"page");
    }
    s.deploy_ok(&[]);
    for page in ["a.html", "b.html", "c.html"] {
        std::fs::remove_file(s.dist().join(page)).unwrap();
    }
    let before = s.calls().len();
    let out = s.deploy(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("delete 3 objects")
            && text(&out.stderr).contains("--max-deletes 3"),
        "{}",
        all_output(&out)
    );
    assert!(StaticSite::writes(&s.calls()[before..]).is_empty());
    assert!(s.served("a.html").await.is_some());

    let out = s.deploy_ok(&["--max-deletes", "3"]);
    assert!(
        text(&out.stdout).contains("deleted 3"),
        "{}",
        all_output(&out)
    );
    assert!(s.served("a.html").await.is_none());
}

#[tokio::test]
async fn wait_waits_until_the_invalidation_completes() {
    let s = StaticSite::versioned(XTASK).await;
    s.deploy_ok(&[]);
    s.put_file("robots.txt", b"changed");
    let out = s.deploy_ok(&["--wait"]);
    assert!(
        text(&out.stdout).contains("(1 paths), completed"),
        "{}",
        all_output(&out)
    );
}

/// `--format json`: stdout is one JSON document (details such as a dry run's
/// list go to stderr), also when the one target fails (with its exit code).
#[tokio::test]
async fn format_json_keeps_stdout_for_one_document() {
    let s = StaticSite::versioned(XTASK).await;
    let json = |out: &Output| -> serde_json::Value {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}",
                all_output(out)
            )
        })
    };

    let out = s.deploy(&["--dry-run", "--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let doc = json(&out);
    assert_eq!(doc["command"], "deploy");
    assert_eq!(doc["env"], "prod");
    assert_eq!(doc["ok"], true);
    assert!(
        doc["targets"][0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("dry run"),
        "{doc}"
    );
    assert!(text(&out.stderr).contains("web: would write index.html (new)"));

    let out = s.deploy(&["--format", "json"]);
    let doc = json(&out);
    assert_eq!(doc["targets"][0]["target"], "web");
    assert_eq!(doc["targets"][0]["ok"], true);
    assert!(doc["targets"][0]["seconds"].is_number(), "{doc}");

    s.put_file("robots.txt", b"changed");
    s.deploy_ok(&[]);
    let out = s.rollback(&["--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let doc = json(&out);
    assert_eq!(doc["command"], "rollback");
    assert!(
        doc["targets"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("rolled back to"),
        "{doc}"
    );

    // One target, bad input: the document says so, the exit code stays 2.
    std::fs::rename(s.dist(), s.repo.file("web/dist-moved")).unwrap();
    let out = s.deploy(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    assert!(
        doc["targets"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{doc}"
    );
    let err = text(&out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(!err.contains("report failed"), "{err}");
}

/// In a CI log (no terminal), a 600-file deploy prints progress at a human
/// rate — a line per tenth of the files at most, plus one every few seconds —
/// and every file only with `-v`.
#[tokio::test]
async fn ci_logs_get_progress_at_a_human_rate_and_every_file_only_with_v() {
    let s = StaticSite::versioned(XTASK).await;
    let files: Vec<(String, Vec<u8>)> = (0..600)
        .map(|i| {
            (
                format!("assets/chunk-{i:03}.js"),
                format!("c{i}").into_bytes(),
            )
        })
        .chain([("index.html".to_string(), b"<h1>many</h1>".to_vec())])
        .collect();
    s.build(&files);
    let out = s.deploy_ok(&[]);
    let err = text(&out.stderr);
    let progress = err
        .lines()
        .filter(|l| l.starts_with("web: uploaded "))
        .count();
    assert!((1..=15).contains(&progress), "{progress} lines:\n{err}");
    assert!(
        err.contains("web: uploaded 601/601 files"),
        "the last line says it is done:\n{err}"
    );
    assert!(!err.contains("chunk-123.js"), "{err}");

    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(k, mut v)| {
            v.push(b'2');
            (k, v)
        })
        .collect();
    s.build(&files);
    let out = s.deploy_ok(&["-v"]);
    let err = text(&out.stderr);
    let per_file = err.lines().filter(|l| l.contains("] uploaded ")).count();
    assert_eq!(per_file, 601, "{err}");
}
