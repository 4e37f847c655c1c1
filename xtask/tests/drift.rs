//! `cargo xtask status --env prod` comparing what runs with the ledger, as a
//! user meets it against the emulator: an ECS service moved to another task
//! definition out of band, a deployment in progress, a rollback ECS's circuit
//! breaker made by itself (the rollout simulator's); a site whose objects were
//! changed, added or removed behind the tool's back (found from the listing,
//! no object read); a terraform state written after the last apply. Each drift
//! is one line with a command that works as printed; exit 3 while anything
//! drifts, 0 once it is put back.

use test_support::cli::{all_output, text};
use test_support::{terraform_fixture, EcsTarget, RolloutOutcome, SharedStack, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn an_ecs_service_moved_out_of_band_drifts_until_the_printed_command_puts_ours_back() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let out = f.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    assert!(!text(&out.stdout).contains("DRIFT"), "{}", all_output(&out));

    // Someone points the service at a revision with image v3, outside xtask.
    f.slow_rollout(1).await;
    out_of_band::update(&f, "v3").await;
    settle(&f).await;

    let out = f.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(3), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    let drift: Vec<&str> = stdout.lines().filter(|l| l.contains("DRIFT")).collect();
    assert_eq!(drift.len(), 1, "{stdout}");
    assert!(
        drift[0].contains(&format!("runs {}:3", f.family))
            && drift[0].contains(&format!("not {}:2", f.family))
            && drift[0].contains(":v2")
            && drift[0].contains("(since "),
        "{stdout}"
    );
    let command = printed_command(drift[0]);
    assert_eq!(command, "cargo xtask deploy api --env prod --image-tag v2");
    assert!(
        text(&out.stderr).contains("1 drift in prod: what runs differs from the ledger for api"),
        "{}",
        all_output(&out)
    );

    let json = f.xtask(&["status", "--env", "prod", "--format", "json"]);
    assert_eq!(json.status.code(), Some(3), "{}", all_output(&json));
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows[0]["target"], "api");
    assert_eq!(rows[0]["drift"][0]["kind"], "task-definition");
    assert!(rows[0]["drift"][0]["since"].is_string(), "{rows}");

    // The command as printed puts ours back; then nothing drifts.
    f.slow_rollout(1).await;
    let out = run_printed(&f.command(&[]), &command);
    assert!(out.status.success(), "{}", all_output(&out));
    let out = f.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    assert!(!text(&out.stdout).contains("DRIFT"), "{}", all_output(&out));
}

#[tokio::test]
async fn a_rollback_the_circuit_breaker_made_by_itself_is_reported() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    // An update outside xtask crash-loops; ECS puts revision 2 back by itself.
    f.scenario(RolloutOutcome::CrashLoop, 3, true).await;
    out_of_band::update(&f, "v3").await;
    settle(&f).await;
    assert_eq!(f.running().await.0, 2, "ECS rolled back to revision 2");

    let out = f.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(3), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    let drift: Vec<&str> = stdout.lines().filter(|l| l.contains("DRIFT")).collect();
    assert_eq!(
        drift.len(),
        1,
        "only the rollback, it runs ours again: {stdout}"
    );
    assert!(
        drift[0].contains("ECS rolled the service back by itself")
            && drift[0].contains(&format!("runs {}:2 now", f.family))
            && drift[0].contains(&format!(
                "aws ecs describe-services --cluster {} --services {}",
                f.cluster, f.service
            )),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_deployment_in_progress_outside_xtask_is_reported() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    f.scenario(RolloutOutcome::Stuck, 3, false).await;
    out_of_band::update(&f, "v3").await;

    let out = f.xtask(&["status", "--env", "prod", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", all_output(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = rows[0]["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["task-definition", "rollout-in-progress"], "{rows}");
    let what = rows[0]["drift"][1]["what"].as_str().unwrap();
    assert!(
        what.contains("not by xtask")
            && what.contains(&format!("{}:3 IN_PROGRESS, 0/2 running", f.family)),
        "{what}"
    );
    assert_eq!(
        rows[0]["drift"][1]["action"],
        "wait for it to finish, then check again: `cargo xtask status --env prod`"
    );
}

#[tokio::test]
async fn site_objects_changed_added_or_removed_out_of_band_are_found_from_the_listing() {
    let site = StaticSite::versioned(XTASK).await;
    site.deploy_ok(&[]);
    let out = site.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));

    for (key, body) in [
        ("robots.txt", "User-agent: evil\n"),
        ("stray.html", "<p>hi"),
    ] {
        site.s3
            .put_object()
            .bucket(&site.bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    site.s3
        .delete_object()
        .bucket(&site.bucket)
        .key("about/index.html")
        .send()
        .await
        .unwrap();

    let before = site.calls().len();
    let out = site.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(3), "{}", all_output(&out));
    let reads: Vec<String> = site.calls()[before..]
        .iter()
        .map(|(op, _)| op.clone())
        .collect();
    assert!(
        !reads.is_empty() && reads.iter().all(|op| op == "ListObjectsV2"),
        "the listing only, no object read: {reads:?}"
    );
    let stdout = text(&out.stdout);
    let drift: Vec<&str> = stdout.lines().filter(|l| l.contains("DRIFT")).collect();
    assert_eq!(drift.len(), 3, "{stdout}");
    assert!(
        drift[0].contains("about/index.html of release") && drift[0].contains("is missing"),
        "{stdout}"
    );
    assert!(
        drift[1].contains("robots.txt in s3://")
            && drift[1].contains("other content")
            && drift[1].contains("(since "),
        "{stdout}"
    );
    assert!(
        drift[2].contains("stray.html in s3://") && drift[2].contains("added out of band"),
        "{stdout}"
    );
    let command = printed_command(drift[0]);
    assert_eq!(command, "cargo xtask deploy web --env prod");

    let out = run_printed(&site.command(&[]), &command);
    assert!(out.status.success(), "{}", all_output(&out));
    let out = site.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
}

#[tokio::test]
async fn a_terraform_state_written_after_the_last_apply_drifts() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let state = std::fs::read_to_string(terraform_fixture("real-shared.tfstate")).unwrap();
    put_state(&f, &state).await;
    let out = f.deploy(&["--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let record = &f.history()[0];
    assert!(
        record["state_object"]["etag"].is_string(),
        "the apply recorded the state's version: {record}"
    );

    let out = f.command(&["status", "--env", "prod"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));

    // An apply from elsewhere writes the state.
    put_state(&f, &state.replace("\"serial\": ", "\"serial\": 1")).await;
    let out = f.command(&["status", "--env", "prod"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    let drift: Vec<&str> = stdout.lines().filter(|l| l.contains("DRIFT")).collect();
    assert_eq!(drift.len(), 1, "{stdout}");
    assert!(
        drift[0].contains(&format!(
            "the state s3://{}/shared/terraform.tfstate was written after the apply",
            f.tf_bucket
        )) && drift[0].contains("`cargo xtask deploy shared --env prod --dry-run`")
            && drift[0].contains("`cargo xtask deploy shared --env prod --approve`"),
        "{stdout}"
    );
}

/// Records written before the state version was kept still read.
#[test]
fn an_old_record_without_a_state_object_still_reads() {
    let old = r#"{"id": "x", "target": "shared", "env": "prod", "action": "deploy",
        "git_sha": null, "deployed": "abc", "replaced": null, "detail": "",
        "outcome": "succeeded", "message": "", "started_at": "2026-11-01T10:00:00Z",
        "finished_at": "2026-11-01T10:01:00Z", "who": "someone"}"#;
    let record: xtask::state::ledger::Record = serde_json::from_str(old).unwrap();
    assert_eq!(record.state_object, None);
}

/// The command between the backticks after "put ours back: ".
fn printed_command(line: &str) -> String {
    let rest = line
        .split("put ours back: `")
        .nth(1)
        .expect("a command to put ours back");
    rest.split('`').next().unwrap().to_string()
}

/// `command` as printed (`cargo xtask ...`), run as the test's binary with the
/// fixture's environment and folder.
fn run_printed(base: &std::process::Command, command: &str) -> std::process::Output {
    let args: Vec<&str> = command
        .strip_prefix("cargo xtask ")
        .expect("a cargo xtask command")
        .split_whitespace()
        .collect();
    let mut cmd = std::process::Command::new(base.get_program());
    if let Some(dir) = base.get_current_dir() {
        cmd.current_dir(dir);
    }
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.args(args).output().unwrap()
}

/// Polls the service until its rollout has settled (one deployment).
async fn settle(f: &EcsTarget) {
    for _ in 0..50 {
        let svc = f
            .ecs
            .describe_services()
            .cluster(&f.cluster)
            .services(&f.service)
            .send()
            .await
            .unwrap();
        let s = &svc.services()[0];
        if s.deployments().len() == 1
            && s.deployments()[0].rollout_state()
                == Some(&aws_sdk_ecs::types::DeploymentRolloutState::Completed)
        {
            return;
        }
    }
    panic!("the rollout did not settle");
}

async fn put_state(f: &SharedStack, body: &str) {
    f.s3.put_object()
        .bucket(&f.tf_bucket)
        .key("shared/terraform.tfstate")
        .body(body.as_bytes().to_vec().into())
        .send()
        .await
        .unwrap();
}

/// What someone does with the AWS CLI or console, not through xtask.
mod out_of_band {
    use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode};
    use test_support::EcsTarget;

    /// Registers the next revision with the app's image `tag` and points the
    /// service at it.
    pub async fn update(f: &EcsTarget, tag: &str) {
        let registered = f
            .ecs
            .register_task_definition()
            .family(&f.family)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image(format!("{}:{tag}", f.image_uri))
                    .essential(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let arn = registered
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap()
            .to_string();
        f.ecs
            .update_service()
            .cluster(&f.cluster)
            .service(&f.service)
            .task_definition(arn)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_image_tag_pushed_again_after_a_pinned_deploy_is_a_warning_not_drift() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let out = f.xtask(&["status", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));

    // Someone pushes other code under the tag the service runs.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let repository = f.image_uri.rsplit('/').next().unwrap().to_string();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": format!("sha256:{:0>64}", "99")},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1,
                    "digest": format!("sha256:{:0>64}", "beef")}]
    });
    aws_sdk_ecr::Client::new(&test_support::emulator().sdk_config().await)
        .put_image()
        .repository_name(&repository)
        .image_manifest(manifest.to_string())
        .image_tag("v2")
        .send()
        .await
        .unwrap();

    // The deploy pinned the digest: the service runs what we deployed, so it
    // is no drift (exit 0); status warns that the tag names other bytes now.
    let out = f.xtask(&["status", "--env", "prod", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows[0]["drift"].as_array().unwrap().is_empty(), "{rows}");
    let moved = rows[0]["image_tag_moved"].as_str().unwrap();
    assert!(
        moved.contains("tag v2 was pushed again") && moved.contains("sha256:"),
        "{moved}"
    );
}

/// `status --env prod` finds nothing: exit 0, no DRIFT line.
fn assert_no_drift(out: &std::process::Output, after: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "false drift after {after}:\n{}",
        all_output(out)
    );
    assert!(!text(&out.stdout).contains("DRIFT"), "{}", all_output(out));
}

/// Release 2 of the example build: a new hashed chunk, the old one gone.
fn build_v2(site: &StaticSite) {
    site.put_file("index.html", b"<script src=/assets/app-9z9z.js></script>v2");
    site.put_file("assets/app-9z9z.js", b"console.log('v2')");
    std::fs::remove_file(site.dist().join("assets/app-1a2b.js")).unwrap();
    std::fs::remove_file(site.dist().join("assets/app-1a2b.js.gz")).unwrap();
}

#[tokio::test]
async fn no_site_drift_after_deploys_and_rollbacks_while_files_are_kept_for_grace() {
    let site = StaticSite::versioned(XTASK).await;
    site.deploy_ok(&[]);
    assert_no_drift(
        &site.xtask(&["status", "--env", "prod"]),
        "the first deploy",
    );
    build_v2(&site);
    site.deploy_ok(&[]);
    assert_no_drift(&site.xtask(&["status", "--env", "prod"]), "a second deploy");
    site.put_file("index.html", b"<script src=/assets/app-9z9z.js></script>v3");
    site.put_file("assets/app-3c3c.css", b"body{color:blue}");
    site.deploy_ok(&[]);
    assert_no_drift(&site.xtask(&["status", "--env", "prod"]), "a third deploy");
    for n in ["a rollback", "a second rollback"] {
        let out = site.rollback(&[]);
        assert!(out.status.success(), "{}", all_output(&out));
        let out = site.xtask(&["status", "--env", "prod"]);
        assert_no_drift(&out, n);
        assert!(
            text(&out.stdout).contains("kept for grace"),
            "the rolled-away release's files are listed in their grace: {}",
            all_output(&out)
        );
    }
}

#[tokio::test]
async fn no_site_drift_after_a_deploy_failed_part_way_and_its_rollback() {
    let site = StaticSite::versioned(XTASK).await;
    site.deploy_ok(&[]);
    build_v2(&site);
    site.put_file("about/index.html", b"<h1>About v2</h1>");
    test_support::emulator().inject(
        &test_support::Fault::s3(
            &site.bucket,
            "PutObject",
            test_support::FaultKind::Error,
            1000,
        )
        .on_key("about/index.html"),
    );
    let out = site.deploy(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    test_support::emulator().clear_faults(&test_support::FaultScope::Bucket(site.bucket.clone()));
    let out = site.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_no_drift(
        &site.xtask(&["status", "--env", "prod"]),
        "the rollback of a failed deploy",
    );
}

#[tokio::test]
async fn no_site_drift_after_a_failed_verification_restored_the_release_before() {
    let site = StaticSite::versioned(XTASK).await;
    let health = test_support::HealthEndpoint::start(200);
    site.config(&format!(
        "verify = {{ url = \"{}\", within = \"1s\" }}",
        health.url
    ));
    site.repo.commit("verify the site");
    site.deploy_ok(&[]);
    build_v2(&site);
    site.deploy_ok(&[]);
    site.put_file(
        "index.html",
        b"<script src=/assets/app-4d4d.js></script>broken",
    );
    site.put_file("assets/app-4d4d.js", b"throw new Error('v3')");
    health.answer(503);
    let out = site.deploy(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("is served again"),
        "{}",
        all_output(&out)
    );
    let out = site.xtask(&["status", "--env", "prod"]);
    assert_no_drift(&out, "a failed verification");
    // The next deploy starts from what the bucket serves: v3's chunk, which
    // was live while it was verified, stays for the grace period.
    health.answer(200);
    site.put_file("index.html", b"<script src=/assets/app-9z9z.js></script>v4");
    std::fs::remove_file(site.dist().join("assets/app-4d4d.js")).unwrap();
    site.deploy_ok(&[]);
    assert!(site.served("assets/app-4d4d.js").await.is_some());
    assert_no_drift(
        &site.xtask(&["status", "--env", "prod"]),
        "the deploy after a failed verification",
    );
}

#[tokio::test]
async fn no_ecs_drift_after_a_failed_rollout_or_verification_rolled_back() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    settle(&f).await;
    assert_no_drift(&f.xtask(&["status", "--env", "prod"]), "a deploy");

    f.scenario(RolloutOutcome::CrashLoop, 3, false).await;
    let out = f.deploy("v3", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    settle(&f).await;
    assert_no_drift(
        &f.xtask(&["status", "--env", "prod"]),
        "a failed rollout rolled back",
    );

    let health = test_support::HealthEndpoint::start(503);
    f.configure(&format!(
        "verify = {{ url = \"{}\", within = \"1s\" }}",
        health.url
    ));
    let out = f.deploy("v3", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    settle(&f).await;
    assert_no_drift(
        &f.xtask(&["status", "--env", "prod"]),
        "a failed verification rolled back",
    );

    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    settle(&f).await;
    assert_no_drift(&f.xtask(&["status", "--env", "prod"]), "a rollback");
}

/// `status --format json`'s row for `web`.
fn web_row(site: &StaticSite) -> (Option<i32>, serde_json::Value, String) {
    let out = site.xtask(&["status", "--env", "prod", "--format", "json"]);
    let rows: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", all_output(&out)));
    (out.status.code(), rows[0].clone(), all_output(&out))
}

#[tokio::test]
async fn a_foreign_file_is_drift_from_the_moment_it_appears_until_the_next_deploy_deletes_it() {
    let site = StaticSite::versioned(XTASK).await;
    site.deploy_ok(&[]);
    build_v2(&site);
    site.deploy_ok(&[]);

    // The files release 2 left behind are kept for the grace, listed with
    // when each goes, and are no drift.
    let (code, row, all) = web_row(&site);
    assert_eq!(code, Some(0), "{all}");
    let kept: Vec<(&str, u64, u64)> = row["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["key"].as_str().unwrap(),
                k["releases_since"].as_u64().unwrap(),
                k["goes_with"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            ("assets/app-1a2b.js", 1, 2),
            ("assets/app-1a2b.js.gz", 1, 2)
        ],
        "{all}"
    );
    let out = site.xtask(&["status", "--env", "prod"]);
    assert!(
        text(&out.stdout).contains("web        kept for grace: assets/app-1a2b.js (left the build 1 release ago; deleted by the 2nd deploy or rollback from now)"),
        "{}",
        all_output(&out)
    );

    // Someone puts evil.js into the bucket, and overwrites a kept chunk.
    for (key, body) in [("evil.js", "steal()"), ("assets/app-1a2b.js", "steal()")] {
        site.s3
            .put_object()
            .bucket(&site.bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    // It is drift, every time status looks, until it is gone.
    for _ in 0..2 {
        let (code, row, all) = web_row(&site);
        assert_eq!(code, Some(3), "{all}");
        let drift: Vec<(&str, &str)> = row["drift"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["kind"].as_str().unwrap(), d["what"].as_str().unwrap()))
            .collect();
        assert_eq!(drift.len(), 2, "{all}");
        assert_eq!(drift[0].0, "kept-object-changed", "{all}");
        assert!(
            drift[0].1.starts_with("assets/app-1a2b.js in s3://"),
            "{all}"
        );
        assert_eq!(drift[1].0, "object-added", "{all}");
        assert!(
            drift[1].1.starts_with("evil.js in s3://") && drift[1].1.contains("in no release"),
            "{all}"
        );
        assert!(row["drift"][1]["since"].is_string(), "{all}");
    }
    let out = site.xtask(&["status", "--env", "prod"]);
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("DRIFT evil.js"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let command = printed_command(line);
    assert_eq!(command, "cargo xtask deploy web --env prod");

    // The printed command, with the build unchanged, deletes both at once;
    // the kept chunk of release 1 keeps its place and its age.
    let before = site.calls().len();
    let out = run_printed(&site.command(&[]), &command);
    assert!(out.status.success(), "{}", all_output(&out));
    let writes = StaticSite::writes(&site.calls()[before..]);
    assert_eq!(writes, ["DeleteObjects "], "{}", all_output(&out));
    assert!(site.served("evil.js").await.is_none());
    assert!(site.served("assets/app-1a2b.js").await.is_none());
    assert_eq!(
        site.served("assets/app-1a2b.js.gz").await.unwrap().body,
        test_support::fixtures::site::v1("assets/app-1a2b.js.gz")
    );
    let (code, row, all) = web_row(&site);
    assert_eq!(code, Some(0), "{all}");
    assert_eq!(row["kept"][0]["key"], "assets/app-1a2b.js.gz", "{all}");
    assert_eq!(row["kept"][0]["releases_since"], 1, "{all}");
    assert_eq!(row["kept"].as_array().unwrap().len(), 1, "{all}");
}
