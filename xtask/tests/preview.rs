//! `cargo xtask preview` as a user runs it, against the emulator (the
//! project: `test_support::PreviewSite`).

use std::net::TcpListener;
use test_support::cli::all_output;
use test_support::PreviewSite;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn up_deploys_the_build_and_up_again_changes_only_content() {
    let f = PreviewSite::new(XTASK).await;
    let github_output = f.repo.path().join("gh_output");
    let out = f
        .command(&["preview", "up", "--pr", "7", "--format", "github"])
        .env("GITHUB_OUTPUT", &github_output)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    let bucket = format!("pr-7-{}", f.project);
    assert_eq!(f.object(&bucket, "index.html").await, b"<h1>preview</h1>\n");
    let url = format!("https://pr-7.{}", f.zone_name);
    assert_eq!(
        std::fs::read_to_string(&github_output).unwrap(),
        format!("url={url}\n")
    );
    assert!(f.alias(7).await.is_some());

    // Again, with one file changed: infrastructure untouched, the change deployed.
    f.repo.write("web/dist/index.html", "<h1>preview 2</h1>\n");
    let out = f.xtask(&["preview", "up", "--pr", "7"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let text = all_output(&out);
    assert!(text.contains("infrastructure in place"), "{text}");
    assert!(!text.contains("created or updated"), "{text}");
    assert_eq!(
        f.object(&bucket, "index.html").await,
        b"<h1>preview 2</h1>\n"
    );

    let out = f.xtask(&["preview", "list", "--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["pr"], 7);
}

#[tokio::test]
async fn down_removes_bucket_and_record_and_down_twice_succeeds() {
    let f = PreviewSite::new(XTASK).await;
    let out = f.xtask(&["preview", "up", "--pr", "8"]);
    assert!(out.status.success(), "{}", all_output(&out));
    // A dry run names what would go, and removes nothing.
    let out = f.xtask(&["preview", "down", "--pr", "8", "--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let said = all_output(&out);
    for part in [
        format!("would remove DNS record pr-8.{}", f.zone_name),
        format!("would remove bucket pr-8-{} (2 object versions)", f.project),
        "would remove distribution ".to_string(),
    ] {
        assert!(said.contains(&part), "{part:?} in:\n{said}");
    }
    assert!(f.bucket_exists(8).await);
    assert!(f.alias(8).await.is_some());
    let out = f.xtask(&["preview", "down", "--pr", "8"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(!f.bucket_exists(8).await);
    assert_eq!(f.alias(8).await, None);
    let out = f.xtask(&["preview", "down", "--pr", "8"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("nothing to remove"),
        "{}",
        all_output(&out)
    );
}

#[tokio::test]
async fn bad_pr_numbers_exit_2_before_any_call() {
    let f = PreviewSite::new(XTASK).await;
    // Any call would connect here.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    for pr in [
        "feature/login",
        "1; rm -rf /",
        "../x",
        "0",
        "-3",
        "007",
        "12a",
        "",
        "99999999999",
    ] {
        for action in ["up", "down"] {
            let out = f
                .command(&["preview", action, "--pr", pr])
                .env("AWS_ENDPOINT_URL", &endpoint)
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(2),
                "{action} --pr {pr:?}: {}",
                all_output(&out)
            );
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("--pr"),
                "{}",
                all_output(&out)
            );
        }
    }
    assert!(listener.accept().is_err(), "no call reached AWS");
}

#[tokio::test]
async fn a_bucket_name_s3_would_reject_is_bad_input() {
    let f = PreviewSite::new(XTASK).await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo.write(
        "deploy.toml",
        &config.replace("preview_bucket = \"pr-{pr}-", "preview_bucket = \"PR_{pr}_"),
    );
    let out = f.xtask(&["preview", "up", "--pr", "9"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("bucket name"),
        "{}",
        all_output(&out)
    );
}

#[tokio::test]
async fn a_preview_is_built_with_the_preview_environments_variables() {
    let f = PreviewSite::new(XTASK).await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo.write(
        "deploy.toml",
        &format!(
            "{config}build = \"printf '%s' \\\"$API_URL\\\" > web/dist/config.txt\"\n\n[targets.web.env.staging]\nbuild_env = {{ API_URL = \"https://api.staging.example.com\" }}\n"
        ),
    );
    let out = f.xtask(&["preview", "up", "--pr", "11"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        f.object(&format!("pr-11-{}", f.project), "config.txt")
            .await,
        b"https://api.staging.example.com"
    );

    // A failing build deploys nothing.
    f.repo
        .write("deploy.toml", &format!("{config}build = \"exit 3\"\n"));
    f.repo
        .write("web/dist/index.html", "<h1>must not ship</h1>\n");
    let out = f.xtask(&["preview", "up", "--pr", "11"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("the build command failed"),
        "{}",
        all_output(&out)
    );
    assert_eq!(
        f.object(&format!("pr-11-{}", f.project), "index.html")
            .await,
        b"<h1>preview</h1>\n"
    );
}

#[tokio::test]
async fn sweep_older_than_takes_down_stale_previews_and_finishes_deletions() {
    let f = PreviewSite::new(XTASK).await;
    let out = f.xtask(&["preview", "up", "--pr", "21"]);
    assert!(out.status.success(), "{}", all_output(&out));
    // Nothing is pending yet, and the preview is not older than 100,000 days.
    // (moto 5.2.5 reports every distribution's LastModifiedTime as 2021-11-27, so
    // "a day old" cannot be told from "five years old" here.)
    let out = f.xtask(&["preview", "sweep", "--older-than", "100000"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(f.bucket_exists(21).await);
    // Older than 0 days: every preview is stale. A dry run only says so.
    let out = f.xtask(&["preview", "sweep", "--older-than", "0", "--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("dry run: would take down pr-21"),
        "{}",
        all_output(&out)
    );
    assert!(f.bucket_exists(21).await);
    let out = f.xtask(&["preview", "sweep", "--older-than", "0"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("pr-21: taken down"),
        "{}",
        all_output(&out)
    );
    assert!(!f.bucket_exists(21).await);
    assert_eq!(f.alias(21).await, None);
    let out = f.xtask(&["preview", "list", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["enabled"] == false),
        "{listed}"
    );
}
