//! `cargo xtask deploy/rollback/history` on a static-site target, as a user
//! runs them: the binary against the emulator (moto behind the test proxy,
//! which also logs every S3 request in order), a real git repository, a real
//! build folder and a CloudFront distribution created in moto.

use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig, ViewerProtocolPolicy,
};
use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};
use test_support::{emulator, unique_name, Fault, FaultKind, FaultScope, GitRepo};

struct Site {
    repo: GitRepo,
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
    bucket: String,
    state_bucket: String,
    distribution: String,
}

/// An object as the bucket serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Served {
    body: Vec<u8>,
    content_type: Option<String>,
    cache_control: Option<String>,
    content_encoding: Option<String>,
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The build of the example app: pages, hashed assets, a precompressed
/// variant, binary files, a dotfile that stays local and `.well-known/`.
fn build_v1() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "index.html",
            b"<script src=/assets/app-1a2b.js></script>v1".to_vec(),
        ),
        ("about/index.html", b"<h1>About</h1>".to_vec()),
        ("robots.txt", b"User-agent: *\n".to_vec()),
        ("assets/app-1a2b.js", b"console.log('v1')".to_vec()),
        ("assets/app-1a2b.js.gz", vec![0x1f, 0x8b, 8, 0, 1, 2, 3]),
        ("assets/app-1a2b.css", b"body{color:red}".to_vec()),
        ("img/hero.png", vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255]),
        ("data/config.json", b"{\"api\":\"/api\"}".to_vec()),
        (".env", b"SECRET=do-not-upload".to_vec()),
        (
            ".well-known/security.txt",
            b"Contact: mailto:security@example.com".to_vec(),
        ),
    ]
}

async fn site(versioned: bool) -> Site {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk);
    let id = unique_name("web");
    let (bucket, state_bucket) = (format!("{id}-site"), format!("{id}-state"));
    for b in [&bucket, &state_bucket] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    if versioned {
        test_support::enable_versioning(&s3, &bucket).await;
    }
    let origin = format!("{bucket}.s3.us-east-1.amazonaws.com");
    let created = cloudfront
        .create_distribution()
        .distribution_config(
            DistributionConfig::builder()
                .caller_reference(&id)
                .comment("static-site tests")
                .enabled(true)
                .default_root_object("index.html")
                .origins(
                    Origins::builder()
                        .quantity(1)
                        .items(
                            Origin::builder()
                                .id("site")
                                .domain_name(&origin)
                                .s3_origin_config(
                                    S3OriginConfig::builder().origin_access_identity("").build(),
                                )
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .default_cache_behavior(
                    DefaultCacheBehavior::builder()
                        .target_origin_id("site")
                        .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                        .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let distribution = created.distribution().unwrap().id().to_string();

    let repo = GitRepo::new();
    let site = Site {
        repo,
        s3,
        cloudfront,
        bucket,
        state_bucket,
        distribution,
    };
    site.config("");
    site.build(&build_v1());
    site.repo.commit("initial");
    site
}

impl Site {
    /// deploy.toml, with `extra` keys in the web target.
    fn config(&self, extra: &str) {
        self.repo.write(
            "deploy.toml",
            &format!(
                r#"[project]
name = "e2e"
region = "us-east-1"
state_bucket = "{state}"

[environments.prod]
branch = "main"

[targets.web]
kind = "static-site"
paths = ["web/**"]
build_dir = "web/dist"
bucket = "{bucket}"
distribution = "{distribution}"
{extra}
[[targets.web.cache]]
glob = "index.html"
cache_control = "no-cache"

[[targets.web.cache]]
glob = "assets/**"
cache_control = "{IMMUTABLE}"

[[targets.web.cache]]
glob = "**"
cache_control = "public, max-age=300"
"#,
                state = self.state_bucket,
                bucket = self.bucket,
                distribution = self.distribution,
            ),
        );
    }

    fn dist(&self) -> std::path::PathBuf {
        self.repo.file("web/dist")
    }

    /// Replaces the build folder's content with `files`.
    fn build<K: AsRef<str>>(&self, files: &[(K, Vec<u8>)]) {
        let _ = std::fs::remove_dir_all(self.dist());
        for (key, body) in files {
            self.put_file(key.as_ref(), body);
        }
    }

    fn put_file(&self, key: &str, body: &[u8]) {
        let path = self.dist().join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(args).current_dir(self.repo.path());
        emulator().cli_env(&mut cmd);
        cmd
    }

    fn xtask(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn deploy(&self, extra: &[&str]) -> Output {
        let mut args = vec!["deploy", "web", "--env", "prod", "--poll-interval", "50ms"];
        args.extend_from_slice(extra);
        self.xtask(&args)
    }

    fn deploy_ok(&self, extra: &[&str]) -> Output {
        let out = self.deploy(extra);
        assert!(out.status.success(), "{}", all_output(&out));
        out
    }

    fn rollback(&self, extra: &[&str]) -> Output {
        let mut args = vec!["rollback", "web", "prod", "--poll-interval", "50ms"];
        args.extend_from_slice(extra);
        self.xtask(&args)
    }

    /// The site bucket's S3 requests so far: (operation, key), in order.
    fn calls(&self) -> Vec<(String, String)> {
        emulator().s3_calls_for(&self.bucket)
    }

    /// Keys written (PutObject, multipart, CopyObject) in `calls`, in order.
    fn writes(calls: &[(String, String)]) -> Vec<String> {
        calls
            .iter()
            .filter(|(op, _)| {
                matches!(
                    op.as_str(),
                    "PutObject"
                        | "CreateMultipartUpload"
                        | "CopyObject"
                        | "DeleteObjects"
                        | "DeleteObject"
                )
            })
            .map(|(op, k)| {
                if op.starts_with("Delete") {
                    format!("{op} {k}")
                } else {
                    k.clone()
                }
            })
            .collect()
    }

    async fn served(&self, key: &str) -> Option<Served> {
        let got = match self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(got) => got,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return None,
            Err(e) => panic!("GetObject {key}: {e:?}"),
        };
        Some(Served {
            content_type: got.content_type().map(str::to_owned),
            cache_control: got.cache_control().map(str::to_owned),
            content_encoding: got.content_encoding().map(str::to_owned),
            body: got.body.collect().await.unwrap().into_bytes().to_vec(),
        })
    }

    /// Every object of the bucket as served.
    async fn snapshot(&self) -> BTreeMap<String, Served> {
        let list = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .send()
            .await
            .unwrap();
        let mut all = BTreeMap::new();
        for o in list.contents() {
            let key = o.key().unwrap().to_string();
            let served = self.served(&key).await.unwrap();
            all.insert(key, served);
        }
        all
    }

    /// The paths of each invalidation of the distribution, oldest first.
    async fn invalidations(&self) -> Vec<Vec<String>> {
        let list = self
            .cloudfront
            .list_invalidations()
            .distribution_id(&self.distribution)
            .send()
            .await
            .unwrap();
        let mut out = Vec::new();
        let items = list
            .invalidation_list()
            .map(|l| l.items().to_vec())
            .unwrap_or_default();
        for summary in items {
            let inv = self
                .cloudfront
                .get_invalidation()
                .distribution_id(&self.distribution)
                .id(summary.id())
                .send()
                .await
                .unwrap();
            let inv = inv.invalidation().unwrap();
            let mut paths = inv
                .invalidation_batch()
                .unwrap()
                .paths()
                .unwrap()
                .items()
                .to_vec();
            paths.sort();
            out.push((inv.create_time().secs(), inv.id().to_string(), paths));
        }
        out.sort();
        out.into_iter().map(|(_, _, p)| p).collect()
    }

    fn history(&self) -> Vec<serde_json::Value> {
        let out = self.xtask(&["history", "web", "prod", "--format", "json"]);
        assert!(out.status.success(), "history: {}", all_output(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Keys in the state bucket (ledger, releases, locks).
    async fn state_keys(&self) -> Vec<String> {
        let list = self
            .s3
            .list_objects_v2()
            .bucket(&self.state_bucket)
            .send()
            .await
            .unwrap();
        list.contents()
            .iter()
            .map(|o| o.key().unwrap().to_string())
            .collect()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn all_output(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

fn v1(key: &str) -> Vec<u8> {
    build_v1().into_iter().find(|(k, _)| *k == key).unwrap().1
}

#[tokio::test]
async fn redeploy_uploads_exactly_the_two_changed_files_and_invalidates_their_paths() {
    let s = site(true).await;
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
    let writes = Site::writes(&s.calls()[before..]);
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
async fn throttled_failed_and_dropped_requests_are_retried_and_the_deploy_completes() {
    let s = site(true).await;
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
    let writes = Site::writes(&s.calls());
    assert_eq!(writes.last().map(String::as_str), Some("index.html"));
}

#[tokio::test]
async fn a_deploy_cut_off_part_way_keeps_the_old_index_and_says_how_to_recover() {
    let s = site(true).await;
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
    let writes = Site::writes(&s.calls()[before..]);
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

#[tokio::test]
async fn a_rebuild_with_new_mtimes_and_the_same_content_uploads_nothing() {
    let s = site(true).await;
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
    let s = site(true).await;
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
    let s = site(true).await;
    s.deploy_ok(&[]);
    let writes = Site::writes(&s.calls());
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
    let s = site(true).await;
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
async fn rollback_restores_byte_identical_content_and_headers_and_twice_walks_further_back() {
    let s = site(true).await;
    s.deploy_ok(&[]);
    let r1 = s.snapshot().await;

    // Release 2: content changes, a removed and a new asset, a new page, and a
    // cache rule change (a headers-only change for every `**` key).
    s.put_file("index.html", b"<script src=/assets/app-9z9z.js></script>v2");
    s.put_file("robots.txt", b"User-agent: *\nDisallow: /\n");
    s.put_file("assets/app-9z9z.js", b"console.log('v2')");
    std::fs::remove_file(s.dist().join("assets/app-1a2b.js")).unwrap();
    std::fs::remove_file(s.dist().join("assets/app-1a2b.js.gz")).unwrap();
    s.put_file("new.html", b"<h1>New</h1>");
    let config = std::fs::read_to_string(s.repo.file("deploy.toml")).unwrap();
    s.repo
        .write("deploy.toml", &config.replace("max-age=300", "max-age=600"));
    s.deploy_ok(&[]);
    let r2 = s.snapshot().await;
    assert_eq!(
        r2["img/hero.png"].cache_control.as_deref(),
        Some("public, max-age=600")
    );

    // Release 3: one more change.
    s.put_file("index.html", b"<script src=/assets/app-9z9z.js></script>v3");
    s.deploy_ok(&[]);
    let releases: Vec<String> = s
        .history()
        .iter()
        .map(|r| r["deployed"].as_str().unwrap().to_string())
        .collect();

    // Back to release 2: only index.html differs. A rollback is a release
    // change too: release 1's assets, which left the build three releases ago
    // (2, 3, and now 2 again), are past their grace.
    let before = s.calls().len();
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let calls = &s.calls()[before..];
    assert_eq!(
        Site::writes(calls),
        ["index.html", "DeleteObjects "],
        "{calls:?}"
    );
    assert!(
        calls.iter().any(|(op, _)| op == "CopyObject"),
        "server-side copies"
    );
    assert!(
        !calls.iter().any(|(op, _)| op == "PutObject"),
        "no re-upload"
    );
    let mut expected = r2.clone();
    expected.remove("assets/app-1a2b.js").unwrap();
    expected.remove("assets/app-1a2b.js.gz").unwrap();
    assert_eq!(s.snapshot().await, expected);

    // Again: back to release 1, not forward to 3.
    let before = s.calls().len();
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let calls = &s.calls()[before..];
    assert!(!calls.iter().any(|(op, _)| op == "PutObject"), "{calls:?}");
    let after = s.snapshot().await;
    for (key, served) in &r1 {
        assert_eq!(
            after.get(key),
            Some(served),
            "{key} is byte- and header-identical"
        );
    }
    // What release 2 added: its page is deleted at once, its asset kept for grace.
    assert!(!after.contains_key("new.html"), "{:?}", after.keys());
    assert!(after.contains_key("assets/app-9z9z.js"));
    assert_eq!(after.len(), r1.len() + 1);
    // Only keys that differ were copied: content (index.html, robots.txt, the
    // deleted release-1 assets) or headers (the `**` rule); the CSS was not.
    let copied: Vec<&str> = calls
        .iter()
        .filter(|(op, _)| op == "CopyObject")
        .map(|(_, k)| k.as_str())
        .collect();
    let mut sorted = copied.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            ".well-known/security.txt",
            "about/index.html",
            "assets/app-1a2b.js",
            "assets/app-1a2b.js.gz",
            "data/config.json",
            "img/hero.png",
            "index.html",
            "robots.txt"
        ]
    );
    assert_eq!(
        copied.last(),
        Some(&"index.html"),
        "index.html last: {copied:?}"
    );
    let invalidations = s.invalidations().await;
    assert!(
        invalidations
            .last()
            .unwrap()
            .contains(&"/robots.txt".to_string()),
        "{invalidations:?}"
    );

    // Nothing before release 1.
    let out = s.rollback(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("no release before"),
        "{}",
        all_output(&out)
    );

    // --to picks one: release 3.
    let out = s.rollback(&["--to", &releases[0]]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        s.served("index.html").await.unwrap().body,
        b"<script src=/assets/app-9z9z.js></script>v3"
    );
    let out = s.rollback(&["--to", "20990101T000000.000Z-nothere"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));

    let history = s.history();
    let actions: Vec<&str> = history
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["rollback", "rollback", "rollback", "deploy", "deploy", "deploy"]
    );
    let deployed: Vec<&str> = history
        .iter()
        .map(|r| r["deployed"].as_str().unwrap())
        .collect();
    assert_eq!(
        deployed[..3],
        [
            releases[0].as_str(),
            releases[2].as_str(),
            releases[1].as_str()
        ]
    );

    // `history` lists the releases.
    let out = s.xtask(&["history", "web", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    for r in &releases {
        assert!(
            text(&out.stdout).contains(r.as_str()),
            "{r}: {}",
            text(&out.stdout)
        );
    }
}

#[tokio::test]
async fn bad_input_fails_with_exit_2_and_writes_nothing() {
    let s = site(true).await;
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

    let unversioned = site(false).await;
    check(unversioned.deploy(&[]), "versioning");
    let out = unversioned.deploy(&[]);
    assert!(
        text(&out.stderr).contains("put-bucket-versioning --bucket"),
        "{}",
        all_output(&out)
    );

    for site in [&s, &unversioned] {
        assert!(Site::writes(&site.calls()).is_empty(), "{:?}", site.calls());
        assert!(
            site.state_keys().await.is_empty(),
            "no ledger, release or lock"
        );
    }
    // The rollback of a target never deployed.
    check(s.rollback(&[]), "nothing to roll back to");
}

#[tokio::test]
async fn dry_run_says_what_would_change_and_writes_nothing() {
    let s = site(true).await;
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
    assert!(Site::writes(&s.calls()[before..]).is_empty());
    assert_eq!(s.state_keys().await, state_before);
    assert_eq!(s.served("robots.txt").await.unwrap().body, v1("robots.txt"));
    assert_eq!(s.invalidations().await.len(), 0);
}

#[tokio::test]
async fn the_delete_guard_refuses_a_mass_delete_unless_told() {
    let s = site(true).await;
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
    assert!(Site::writes(&s.calls()[before..]).is_empty());
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
    let s = site(true).await;
    s.deploy_ok(&[]);
    s.put_file("robots.txt", b"changed");
    let out = s.deploy_ok(&["--wait"]);
    assert!(
        text(&out.stdout).contains("(1 paths), completed"),
        "{}",
        all_output(&out)
    );
}

/// Keys as real builds name them: spaces, non-ASCII, `+`, `%`, `#`, `?`, `=`,
/// `&`, an empty file, and a deep path. Uploaded, listed back as unchanged,
/// invalidated, and restored by server-side copies (whose source must be
/// encoded) byte for byte.
#[tokio::test]
async fn odd_key_names_deploy_redeploy_and_roll_back_byte_for_byte() {
    let s = site(true).await;
    let odd: Vec<(&str, Vec<u8>)> = vec![
        ("index.html", b"<h1>odd</h1>".to_vec()),
        ("docs/read me.txt", b"spaces".to_vec()),
        (
            "i18n/\u{fc}bersicht-\u{65e5}\u{672c}.json",
            b"{\"de\":1}".to_vec(),
        ),
        ("assets/c++ & a=b.js", b"plus".to_vec()),
        ("assets/100%.css", b"percent".to_vec()),
        ("media/#hash?.svg", b"<svg/>".to_vec()),
        ("empty.txt", Vec::new()),
        ("a/b/c/d/e/f/g/deep.html", b"deep".to_vec()),
    ];
    s.build(&odd);
    s.deploy_ok(&[]);
    let v1 = s.snapshot().await;
    for (key, body) in &odd {
        assert_eq!(&v1[*key].body, body, "{key}");
    }

    // Nothing changed: nothing is written (the listing's keys match the build's).
    let before = s.calls().len();
    let out = s.deploy_ok(&[]);
    assert!(
        Site::writes(&s.calls()[before..]).is_empty(),
        "{}",
        all_output(&out)
    );

    // Change every file, then roll back: the copies bring back each one.
    let changed: Vec<(&str, Vec<u8>)> = odd
        .iter()
        .map(|(k, b)| (*k, [b.as_slice(), b" v2"].concat()))
        .collect();
    s.build(&changed);
    s.deploy_ok(&[]);
    let invalidated = s.invalidations().await.concat();
    assert!(
        invalidated.contains(&"/docs/read%20me.txt".to_string()),
        "{invalidated:?}"
    );
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(s.snapshot().await, v1);
}

/// `--format json`: stdout is one JSON document (details such as a dry run's
/// list go to stderr), also when the one target fails (with its exit code).
#[tokio::test]
async fn format_json_keeps_stdout_for_one_document() {
    let s = site(true).await;
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

/// A rollback cut off part way (S3 keeps failing one copy): it says to run it
/// again, the lock is released, and the rerun finishes it byte for byte.
#[tokio::test]
async fn a_rollback_cut_off_part_way_finishes_when_run_again() {
    let s = site(true).await;
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
