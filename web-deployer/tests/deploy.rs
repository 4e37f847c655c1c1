//! The library against the emulator: real folders in temp dirs, a versioned
//! bucket in moto, the S3 requests counted by the proxy in front of it.

use std::path::Path;
use test_support::{emulator, unique_name};
use web_deployer::{
    Change, Clients, DeployRequest, Manifest, RollbackRequest, SiteReport, SiteSettings,
};

async fn versioned_bucket(clients: &Clients) -> String {
    let bucket = unique_name("web-lib");
    clients
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    test_support::enable_versioning(&clients.s3, &bucket).await;
    bucket
}

fn write(dir: &Path, key: &str, content: &[u8]) {
    let path = dir.join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

async fn deploy(
    clients: &Clients,
    settings: &SiteSettings,
    release: &str,
    previous: Option<&Manifest>,
) -> SiteReport {
    let mut request = DeployRequest::new(release);
    request.previous = previous.cloned();
    web_deployer::deploy(clients, settings, request, |_| {})
        .await
        .unwrap()
}

fn writes(calls: &[(String, String)]) -> Vec<&str> {
    calls
        .iter()
        .filter(|(op, _)| {
            matches!(
                op.as_str(),
                "PutObject" | "CreateMultipartUpload" | "CopyObject"
            )
        })
        .map(|(_, k)| k.as_str())
        .collect()
}

#[tokio::test]
async fn large_files_go_multipart_and_compare_by_the_md5_in_metadata() {
    let sdk = emulator().sdk_config().await;
    let clients = Clients::new(&sdk);
    let bucket = versioned_bucket(&clients).await;
    let dir = tempfile::tempdir().unwrap();
    // 2.5 parts: the multipart ETag is not an MD5.
    let big: Vec<u8> = (0..(web_deployer::PART_SIZE * 5 / 2))
        .map(|i| (i % 251) as u8)
        .collect();
    write(dir.path(), "video/intro.mp4", &big);
    write(dir.path(), "index.html", b"<h1>hi</h1>");
    let settings = SiteSettings::new(dir.path(), &bucket);

    let first = deploy(&clients, &settings, "r1", None).await;
    assert_eq!(first.transferred.len(), 2);
    let calls = emulator().s3_calls_for(&bucket);
    assert_eq!(
        calls.iter().filter(|(op, _)| op == "UploadPart").count(),
        3,
        "{calls:?}"
    );
    let head = clients
        .s3
        .head_object()
        .bucket(&bucket)
        .key("video/intro.mp4")
        .send()
        .await
        .unwrap();
    assert!(
        head.e_tag().unwrap().contains('-'),
        "a multipart ETag: {:?}",
        head.e_tag()
    );
    assert_eq!(
        head.metadata().unwrap()["md5"],
        first.manifest().unwrap().files["video/intro.mp4"].md5
    );
    assert_eq!(head.content_type(), Some("video/mp4"));
    let got = clients
        .s3
        .get_object()
        .bucket(&bucket)
        .key("video/intro.mp4")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().len(),
        big.len()
    );

    // With the manifest: nothing uploaded, no HEAD.
    let before = emulator().s3_calls_for(&bucket).len();
    let again = deploy(&clients, &settings, "r2", first.manifest()).await;
    assert!(
        again.transferred.is_empty() && again.already_deployed(),
        "{again:?}"
    );
    let calls = emulator().s3_calls_for(&bucket)[before..].to_vec();
    let ops: Vec<&str> = calls.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(ops, ["GetBucketVersioning", "ListObjectsV2"]);

    // Without it (a lost state bucket): the multipart object is HEADed (its
    // ETag answers nothing), the single-part one is not needed... but its
    // headers are unknown, so it is HEADed too; nothing is uploaded.
    let before = emulator().s3_calls_for(&bucket).len();
    let blind = deploy(&clients, &settings, "r3", None).await;
    assert!(blind.transferred.is_empty(), "{:?}", blind.transferred);
    let calls = emulator().s3_calls_for(&bucket)[before..].to_vec();
    assert_eq!(
        calls.iter().filter(|(op, _)| op == "HeadObject").count(),
        2,
        "{calls:?}"
    );
    assert!(writes(&calls).is_empty(), "{calls:?}");
}

#[tokio::test]
async fn rollback_copies_only_the_keys_that_differ() {
    let sdk = emulator().sdk_config().await;
    let clients = Clients::new(&sdk);
    let bucket = versioned_bucket(&clients).await;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20 {
        write(
            dir.path(),
            &format!("assets/f{i}.js"),
            format!("v1 {i}").as_bytes(),
        );
    }
    write(dir.path(), "index.html", b"one");
    let settings = SiteSettings::new(dir.path(), &bucket);
    let r1 = deploy(&clients, &settings, "r1", None)
        .await
        .manifest()
        .unwrap()
        .clone();
    for i in 0..3 {
        write(
            dir.path(),
            &format!("assets/f{i}.js"),
            format!("v2 {i}").as_bytes(),
        );
    }
    write(dir.path(), "index.html", b"two");
    let r2 = deploy(&clients, &settings, "r2", Some(&r1)).await;
    assert_eq!(r2.transferred.len(), 4);
    let r2 = r2.manifest().unwrap().clone();

    let before = emulator().s3_calls_for(&bucket).len();
    let request = RollbackRequest {
        target: r1.clone(),
        current: Some(r2),
        dry_run: false,
        concurrency: 8,
        max_deletes: None,
        wait: None,
    };
    let report = web_deployer::rollback(&clients, &settings, &request, |_| {})
        .await
        .unwrap();
    let calls = emulator().s3_calls_for(&bucket)[before..].to_vec();
    let mut written = writes(&calls);
    assert_eq!(
        written.last(),
        Some(&"index.html"),
        "index.html is copied last"
    );
    written.sort();
    assert_eq!(
        written,
        ["assets/f0.js", "assets/f1.js", "assets/f2.js", "index.html"]
    );
    assert!(report
        .transferred
        .iter()
        .all(|(_, c)| *c == Change::Content));
    for (key, entry) in &r1.files {
        let got = clients
            .s3
            .get_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        let body = got.body.collect().await.unwrap().into_bytes();
        assert_eq!(md5_hex(&body), entry.md5, "{key}");
    }
}

/// The MD5 of bytes, the way the crate computes it for files.
fn md5_hex(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), bytes).unwrap();
    web_deployer::walk(dir.path(), false).unwrap()[0]
        .md5
        .clone()
}

#[tokio::test]
async fn an_unversioned_bucket_is_refused_before_any_write() {
    let sdk = emulator().sdk_config().await;
    let clients = Clients::new(&sdk);
    let bucket = unique_name("web-unversioned");
    clients
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "index.html", b"x");
    let settings = SiteSettings::new(dir.path(), &bucket);
    let err = web_deployer::deploy(&clients, &settings, DeployRequest::new("r1"), |_| {})
        .await
        .unwrap_err();
    assert!(err.is_bad_input(), "{err}");
    assert!(err.to_string().contains("put-bucket-versioning"), "{err}");
    let calls = emulator().s3_calls_for(&bucket);
    assert!(writes(&calls).is_empty(), "{calls:?}");
}
