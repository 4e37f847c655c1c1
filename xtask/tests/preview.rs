//! `cargo xtask preview` as a user runs it, against the emulator.

use std::net::TcpListener;
use std::process::{Command, Output};
use test_support::{emulator, unique_name, GitRepo};

struct Fixture {
    repo: GitRepo,
    s3: aws_sdk_s3::Client,
    route53: aws_sdk_route53::Client,
    project: String,
    zone_id: String,
    zone_name: String,
}

async fn fixture() -> Fixture {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let route53 = aws_sdk_route53::Client::new(&sdk);
    let project = unique_name("pv");
    let state_bucket = format!("{project}-state");
    s3.create_bucket()
        .bucket(&state_bucket)
        .send()
        .await
        .unwrap();
    let zone = route53
        .create_hosted_zone()
        .name(format!("{project}.example.com"))
        .caller_reference(unique_name("ref"))
        .send()
        .await
        .unwrap();
    let zone_id = zone
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string();
    let zone_name = format!("{project}.example.com");
    let repo = GitRepo::new();
    repo.write(
        "deploy.toml",
        &format!(
            r#"[project]
name = "{project}"
region = "us-east-1"
state_bucket = "{state_bucket}"
preview_environment = "staging"

[environments.staging]
branch = "staging"

[targets.web]
kind = "static-site"
paths = ["web/**"]
build_dir = "web/dist"
bucket = "{project}-site"
preview_bucket = "pr-{{pr}}-{project}"
preview_domain = "pr-{{pr}}.{zone_name}"
preview_zone_id = "{zone_id}"
"#
        ),
    )
    .write("web/dist/index.html", "<h1>preview</h1>\n")
    .write("web/dist/assets/app.js", "console.log(1)\n");
    repo.commit("site");
    Fixture {
        repo,
        s3,
        route53,
        project,
        zone_id,
        zone_name,
    }
}

impl Fixture {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(args).current_dir(self.repo.path());
        emulator().cli_env(&mut cmd);
        cmd
    }

    fn xtask(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// An object's body as the bucket serves it.
    async fn object(&self, bucket: &str, key: &str) -> Vec<u8> {
        let out = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        out.body.collect().await.unwrap().into_bytes().to_vec()
    }

    async fn bucket_exists(&self, pr: u64) -> bool {
        self.s3
            .head_bucket()
            .bucket(format!("pr-{pr}-{}", self.project))
            .send()
            .await
            .is_ok()
    }

    async fn alias(&self, pr: u64) -> Option<String> {
        let name = format!("pr-{pr}.{}", self.zone_name);
        let out = self
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(&self.zone_id)
            .send()
            .await
            .unwrap();
        out.resource_record_sets()
            .iter()
            .find(|r| r.name().trim_end_matches('.') == name)
            .and_then(|r| r.alias_target().map(|a| a.dns_name().to_string()))
    }
}

fn all(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn up_deploys_the_build_and_up_again_changes_only_content() {
    let f = fixture().await;
    let github_output = f.repo.path().join("gh_output");
    let out = f
        .command(&["preview", "up", "--pr", "7", "--format", "github"])
        .env("GITHUB_OUTPUT", &github_output)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all(&out));
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
    assert!(out.status.success(), "{}", all(&out));
    let text = all(&out);
    assert!(text.contains("infrastructure in place"), "{text}");
    assert!(!text.contains("created or updated"), "{text}");
    assert_eq!(
        f.object(&bucket, "index.html").await,
        b"<h1>preview 2</h1>\n"
    );

    let out = f.xtask(&["preview", "list", "--format", "json"]);
    assert!(out.status.success(), "{}", all(&out));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["pr"], 7);
}

#[tokio::test]
async fn down_removes_bucket_and_record_and_down_twice_succeeds() {
    let f = fixture().await;
    let out = f.xtask(&["preview", "up", "--pr", "8"]);
    assert!(out.status.success(), "{}", all(&out));
    // A dry run names what would go, and removes nothing.
    let out = f.xtask(&["preview", "down", "--pr", "8", "--dry-run"]);
    assert!(out.status.success(), "{}", all(&out));
    let said = all(&out);
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
    assert!(out.status.success(), "{}", all(&out));
    assert!(!f.bucket_exists(8).await);
    assert_eq!(f.alias(8).await, None);
    let out = f.xtask(&["preview", "down", "--pr", "8"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(all(&out).contains("nothing to remove"), "{}", all(&out));
}

#[tokio::test]
async fn bad_pr_numbers_exit_2_before_any_call() {
    let f = fixture().await;
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
                all(&out)
            );
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("--pr"),
                "{}",
                all(&out)
            );
        }
    }
    assert!(listener.accept().is_err(), "no call reached AWS");
}

#[tokio::test]
async fn a_bucket_name_s3_would_reject_is_bad_input() {
    let f = fixture().await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo.write(
        "deploy.toml",
        &config.replace("preview_bucket = \"pr-{pr}-", "preview_bucket = \"PR_{pr}_"),
    );
    let out = f.xtask(&["preview", "up", "--pr", "9"]);
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(all(&out).contains("bucket name"), "{}", all(&out));
}

#[tokio::test]
async fn a_preview_is_built_with_the_preview_environments_variables() {
    let f = fixture().await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo.write(
        "deploy.toml",
        &format!(
            "{config}build = \"printf '%s' \\\"$API_URL\\\" > web/dist/config.txt\"\n\n[targets.web.env.staging]\nbuild_env = {{ API_URL = \"https://api.staging.example.com\" }}\n"
        ),
    );
    let out = f.xtask(&["preview", "up", "--pr", "11"]);
    assert!(out.status.success(), "{}", all(&out));
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
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    assert!(
        all(&out).contains("the build command failed"),
        "{}",
        all(&out)
    );
    assert_eq!(
        f.object(&format!("pr-11-{}", f.project), "index.html")
            .await,
        b"<h1>preview</h1>\n"
    );
}

#[tokio::test]
async fn sweep_older_than_takes_down_stale_previews_and_finishes_deletions() {
    let f = fixture().await;
    let out = f.xtask(&["preview", "up", "--pr", "21"]);
    assert!(out.status.success(), "{}", all(&out));
    // Nothing is pending yet, and the preview is not older than 100,000 days.
    // (moto 5.2.5 reports every distribution's LastModifiedTime as 2021-11-27, so
    // "a day old" cannot be told from "five years old" here.)
    let out = f.xtask(&["preview", "sweep", "--older-than", "100000"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(f.bucket_exists(21).await);
    // Older than 0 days: every preview is stale. A dry run only says so.
    let out = f.xtask(&["preview", "sweep", "--older-than", "0", "--dry-run"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(
        all(&out).contains("dry run: would take down pr-21"),
        "{}",
        all(&out)
    );
    assert!(f.bucket_exists(21).await);
    let out = f.xtask(&["preview", "sweep", "--older-than", "0"]);
    assert!(out.status.success(), "{}", all(&out));
    assert!(all(&out).contains("pr-21: taken down"), "{}", all(&out));
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
