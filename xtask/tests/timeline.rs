//! `cargo xtask history --env prod --format html|markdown`: the environment's
//! timeline. The page's content is checked from its HTML (a lane per target,
//! a mark per record coloured by outcome, the live one marked, the details,
//! the table, nothing loaded from elsewhere); then it is rendered in headless
//! Chromium and the screenshot is checked to be the page (not blank, the lanes
//! and the outcome colours drawn), for 200 records. `history TARGET ENV` keeps
//! its list.

use test_support::cli::{all_output, text};
use test_support::deploy_toml::project;
use test_support::{browser, emulator, unique_name, GitRepo, Xtask};
use xtask::history::html::{FAILED_COLOUR, LANE_COLOUR, LIVE_COLOUR, SUCCEEDED_COLOUR};
use xtask::state::ledger::{Action, Outcome, Record};
use xtask::state::StateStore;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn the_page_has_a_lane_per_target_a_mark_per_record_and_the_details() {
    let env = Ledgered::new().await;
    let at = |m: u32| format!("2026-11-20T10:{m:02}:00.000Z");
    let api = |n: u32| format!("arn:aws:ecs:us-east-1:123456789012:task-definition/api:{n}");
    env.append(record(
        "api",
        Action::Deploy,
        &api(2),
        Some(&api(1)),
        Outcome::Succeeded,
        &at(0),
        65,
    ))
    .await;
    let mut failed = record(
        "api",
        Action::Deploy,
        &api(3),
        Some(&api(2)),
        Outcome::Failed,
        &at(10),
        30,
    );
    failed.message = "rollout of api:3 failed: <script>alert(1)</script>".into();
    env.append(failed).await;
    env.append(record(
        "api",
        Action::Rollback,
        &api(2),
        Some(&api(3)),
        Outcome::Succeeded,
        &at(20),
        12,
    ))
    .await;
    env.append(record(
        "web",
        Action::Deploy,
        "20261120T100500.000Z-aaaaaaa",
        None,
        Outcome::Succeeded,
        &at(5),
        8,
    ))
    .await;
    env.append(record(
        "web",
        Action::Deploy,
        "20261120T103000.000Z-bbbbbbb",
        Some("20261120T100500.000Z-aaaaaaa"),
        Outcome::Succeeded,
        &at(30),
        9,
    ))
    .await;

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("prod.html");
    let out = env.xtask.run(&[
        "history",
        "--env",
        "prod",
        "--format",
        "html",
        "--out",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        text(&out.stdout).trim(),
        format!(
            "wrote the timeline page of prod (5 records, 3 targets): {}",
            page.canonicalize().unwrap().display()
        )
    );
    let html = std::fs::read_to_string(&page).unwrap();

    // Self-contained: nothing is loaded from anywhere, no script at all.
    for outside in [
        "<script", "<link", "src=", "@import", "url(", "http://", "https://",
    ] {
        assert!(!html.contains(outside), "{outside} in the page");
    }
    // A lane per target in run order, the terraform one empty.
    let lanes: Vec<usize> = ["lane-api", "lane-shared", "lane-web"]
        .iter()
        .map(|id| {
            html.find(&format!("id=\"{id}\""))
                .unwrap_or_else(|| panic!("{id}"))
        })
        .collect();
    assert!(lanes.windows(2).all(|w| w[0] < w[1]), "{lanes:?}");
    assert!(html.contains("shared<small>terraform · 0 records</small>"));
    // A mark per record, coloured by outcome, rollbacks told apart, one live per lane.
    assert_eq!(html.matches("<a class=\"mark ").count(), 5);
    assert_eq!(html.matches("class=\"mark deploy failed").count(), 1);
    assert_eq!(
        html.matches("class=\"mark rollback succeeded live").count(),
        1,
        "api's live record is its rollback"
    );
    assert_eq!(
        html.matches("class=\"mark deploy succeeded live").count(),
        1,
        "web's live release"
    );
    assert!(html.contains(&format!(
        ".succeeded .dot {{ background: {SUCCEEDED_COLOUR}; }}"
    )));
    assert!(html.contains(&format!(".failed .dot {{ background: {FAILED_COLOUR}; }}")));
    // Details on hover: commit, who, when, duration, what was replaced, the
    // message (escaped); a click goes to the record's row.
    for detail in [
        "<dt>commit</dt><dd>1234567890abcdef1234567890abcdef12345678</dd>",
        "<dt>who</dt><dd>alice@laptop</dd>",
        "<dt>when</dt><dd>2026-11-20T10:00:00.000Z → 2026-11-20T10:01:05.000Z</dd>",
        "<dt>duration</dt><dd>1m 05s</dd>",
        "<dt>replaced</dt><dd>arn:aws:ecs:us-east-1:123456789012:task-definition/api:1</dd>",
        "<dd>rollout of api:3 failed: &lt;script&gt;alert(1)&lt;/script&gt;</dd>",
    ] {
        assert!(html.contains(detail), "{detail}");
    }
    // The table: every record, newest first, each row the target of its mark.
    let rows: Vec<&str> = html.split("<tr id=\"").skip(1).collect();
    assert_eq!(rows.len(), 5);
    assert!(
        rows[0].starts_with("r-web-")
            && rows[0].contains("20261120T103000.000Z-bbbbbbb<span class=\"badge\">live</span>"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].starts_with("r-api-") && rows[1].contains("<td>rollback</td>"),
        "{}",
        rows[1]
    );
    for row in &rows {
        let id = row.split('"').next().unwrap();
        assert!(
            html.contains(&format!("href=\"#{id}\"")),
            "a mark links to {id}"
        );
    }

    // Markdown for a step summary.
    let out = env
        .xtask
        .run(&["history", "--env", "prod", "--format", "markdown"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let md = text(&out.stdout);
    assert!(
        md.starts_with("### Deploy timeline of prod (5 records)"),
        "{md}"
    );
    assert!(
        md.contains("| api | ecs | `api:2` | 2026-11-20T10:20:12.000Z |"),
        "{md}"
    );
    assert!(md.contains("| shared | terraform | - | - |"), "{md}");
    assert!(md.contains("| 2026-11-20T10:10:00.000Z | api | deploy | ❌ failed | `api:3` | `api:2` | `1234567` | alice@laptop | 30s | rollout of api:3 failed: &lt;script&gt;alert(1)&lt;/script&gt; |"), "{md}");
    assert!(
        md.contains("`20261120T103000.000Z-bbbbbbb` **live**"),
        "{md}"
    );

    // Without --env: the list, as before.
    let out = env.xtask.run(&["history", "api", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let list = text(&out.stdout);
    assert_eq!(
        list.lines().filter(|l| l.starts_with("2026-")).count(),
        3,
        "{list}"
    );
    assert!(
        list.starts_with("2026-11-20T10:20:00.000Z  rollback succeeded api:2"),
        "{list}"
    );
    let out = env.xtask.run(&["history", "api"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("--env ENV"),
        "{}",
        all_output(&out)
    );
}

#[tokio::test]
async fn two_hundred_records_render_in_chromium_with_the_lanes_and_outcome_colours() {
    let env = Ledgered::new().await;
    let mut records = Vec::new();
    for i in 0..200u32 {
        let target = match i % 10 {
            0..=5 => "api",
            6..=8 => "web",
            _ => "shared",
        };
        let outcome = if i % 7 == 3 {
            Outcome::Failed
        } else {
            Outcome::Succeeded
        };
        let action = if i % 11 == 5 {
            Action::Rollback
        } else {
            Action::Deploy
        };
        let at = format!(
            "2026-11-{:02}T{:02}:{:02}:00.000Z",
            1 + i / 10,
            (i * 7) % 24,
            (i * 13) % 60
        );
        records.push(record(
            target,
            action,
            &format!("{target}-release-{i:03}"),
            None,
            outcome,
            &at,
            40 + i % 90,
        ));
    }
    env.append_all(records).await;
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("prod.html");
    let out = env.xtask.run(&[
        "history",
        "--env",
        "prod",
        "--format",
        "html",
        "--out",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("(200 records, 3 targets)"),
        "{}",
        all_output(&out)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<a class=\"mark ").count(), 200);

    // A laptop's screen.
    let shot = browser::screenshot(&page, &dir.path().join("prod.png"), 1366, 768);
    assert_eq!((shot.width, shot.height), (1366, 768));
    assert!(
        shot.distinct_colours() > 50,
        "not a blank page: {} colours",
        shot.distinct_colours()
    );
    // The timeline is at the top: its lanes and marks in the first half.
    let top = 0..(shot.height / 2);
    let lane = shot.count(LANE_COLOUR, top.clone(), 2);
    assert!(
        lane > 3 * 1000 * 20,
        "three lanes drawn: {lane} lane pixels"
    );
    let green = shot.count(SUCCEEDED_COLOUR, top.clone(), 12);
    let red = shot.count(FAILED_COLOUR, top.clone(), 12);
    let blue = shot.count(LIVE_COLOUR, top, 12);
    assert!(green > 2000, "succeeded marks: {green} pixels");
    assert!(red > 200, "failed marks: {red} pixels");
    assert!(blue > 100, "the live marks' rings: {blue} pixels");
    assert!(green > red, "most deploys succeeded: {green} vs {red}");
}

/// A repository whose deploy.toml names three targets (none of them exists in
/// AWS: `history` reads only the ledger) and their state bucket, its ledger
/// written through `StateStore::append`.
struct Ledgered {
    store: StateStore,
    xtask: Xtask,
    _repo: GitRepo,
}

impl Ledgered {
    async fn new() -> Ledgered {
        let sdk = emulator().sdk_config().await;
        let bucket = unique_name("timeline");
        aws_sdk_s3::Client::new(&sdk)
            .create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        let repo = GitRepo::new();
        repo.write(
            "deploy.toml",
            &format!(
                r#"{head}
[targets.api]
kind = "ecs"
paths = ["api/**"]
cluster = "c"
service = "s"
container = "app"
ecr_repository = "api-repo"

[targets.web]
kind = "static-site"
paths = ["web/**"]
build_dir = "web/dist"
bucket = "timeline-site"

[targets.shared]
kind = "terraform"
paths = ["infra/**"]
dir = "infra/{{env}}"
"#,
                head = project("timeline", &bucket)
            ),
        );
        repo.commit("initial");
        Ledgered {
            store: StateStore::new(&sdk, bucket, "prod".into()),
            xtask: Xtask::on_emulator(XTASK, repo.path()),
            _repo: repo,
        }
    }

    async fn append(&self, r: Record) {
        self.store.append(&r).await.unwrap();
    }

    async fn append_all(&self, records: Vec<Record>) {
        use futures_util::stream::{self, StreamExt};
        stream::iter(records)
            .for_each_concurrent(16, |r| async move { self.store.append(&r).await.unwrap() })
            .await;
    }
}

/// A record that started at `at` and took `seconds`.
fn record(
    target: &str,
    action: Action,
    deployed: &str,
    replaced: Option<&str>,
    outcome: Outcome,
    at: &str,
    seconds: u32,
) -> Record {
    let start = humantime::parse_rfc3339(at).unwrap();
    let end = start + std::time::Duration::from_secs(seconds.into());
    Record {
        id: xtask::state::ledger::new_id(at),
        target: target.into(),
        env: "prod".into(),
        action,
        git_sha: Some("1234567890abcdef1234567890abcdef12345678".into()),
        deployed: deployed.into(),
        replaced: replaced.map(str::to_owned),
        detail: Default::default(),
        outcome,
        message: format!("{target} {}", deployed),
        started_at: at.into(),
        finished_at: humantime::format_rfc3339_millis(end).to_string(),
        who: "alice@laptop".into(),
        state_object: None,
        rolled_away_from: None,
        checks: Default::default(),
    }
}
