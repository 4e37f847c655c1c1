//! `cargo xtask deploy/history/status` on an ECS target, as a user runs them:
//! the binary against the emulator (moto behind the AWS front, which
//! simulates rollouts), a real git repository and a real deploy.toml (the
//! target: `test_support::EcsTarget`). Deploys that go through: the new
//! revision, the image built and pushed when it is missing, dry runs, GitHub
//! Actions output, `deploy --all` in waves, faults the watch rides out.

use aws_sdk_ecs::types::NetworkMode;
use test_support::cli::{all_output, text};
use test_support::fixtures::ecs::POLL;
use test_support::{
    emulator, DockerStandIn, EcsTarget, Fault, FaultKind, FaultScope, RolloutOutcome,
};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn healthy_deploy_registers_a_copy_with_only_the_image_swapped() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!("deployed {}:2", f.family)),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.running().await, (2, f.pinned("v2").await));

    // Everything but the app image is copied: the sidecar, sizes, network mode, tags.
    let td = f
        .ecs
        .describe_task_definition()
        .task_definition(format!("{}:2", f.family))
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    let def = td.task_definition().unwrap();
    assert_eq!(def.cpu(), Some("256"));
    assert_eq!(def.memory(), Some("512"));
    assert_eq!(def.network_mode(), Some(&NetworkMode::Awsvpc));
    let sidecar = def
        .container_definitions()
        .iter()
        .find(|c| c.name() == Some("log-router"))
        .unwrap();
    assert_eq!(
        sidecar.image(),
        Some("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable")
    );
    assert_eq!(td.tags().len(), 1, "tags are kept");

    let history = f.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["action"], "deploy");
    assert_eq!(history[0]["outcome"], "succeeded");
    assert!(history[0]["deployed"]
        .as_str()
        .unwrap()
        .ends_with(&format!("{}:2", f.family)));
    assert!(history[0]["replaced"]
        .as_str()
        .unwrap()
        .ends_with(&format!("{}:1", f.family)));
    assert_eq!(history[0]["git_sha"], f.repo.git(&["rev-parse", "HEAD"]));
    assert!(!f.lock_exists().await, "the lock is released");

    // The same image again: nothing to do, no new revision, no record.
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("already deployed"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.revisions().await, 2);
    assert_eq!(f.history().len(), 1);

    let out = f.xtask(&["status", "--env", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let status = text(&out.stdout);
    assert!(
        status.contains(&format!("{}:2", f.family)) && status.contains(":v2"),
        "{status}"
    );
}

#[tokio::test]
async fn image_tag_defaults_to_the_head_commits_short_sha() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.xtask(&["deploy", "api", "--env", "prod", "--poll-interval", POLL]);
    let short = &f.repo.git(&["rev-parse", "HEAD"])[..7];
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!(":{short} is not in ECR")),
        "{}",
        all_output(&out)
    );
}

#[tokio::test]
async fn a_missing_tag_is_built_pushed_and_deployed_and_never_rebuilt() {
    let f = EcsTarget::new(XTASK).await;
    f.with_dockerfile();
    let docker = DockerStandIn::new();
    let out = f.deploy_with_docker(&docker, "v9", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(docker.steps(), ["login", "build", "push", "logout"]);

    let calls = docker.calls();
    let registry = f.image_uri.split('/').next().unwrap();
    assert_eq!(
        calls[0].args,
        ["login", "--username", "AWS", "--password-stdin", registry]
    );
    // The password from ECR's token reaches docker on stdin only.
    assert!(!calls[0].stdin.is_empty());
    assert!(calls.iter().all(|c| !c.args.contains(&calls[0].stdin)));
    let image = format!("{}:v9", f.image_uri);
    assert_eq!(
        calls[1].args,
        [
            "build",
            "--file",
            "api/Dockerfile",
            "--platform",
            "linux/amd64",
            "--target",
            "production",
            "--build-arg",
            "APP_ENV=prod",
            "--tag",
            &image,
            "."
        ]
    );
    assert_eq!(calls[2].args, ["push", &image]);
    assert_eq!(calls[3].args, ["logout", registry], "no login left behind");
    assert_eq!(f.running().await, (2, f.pinned("v9").await));
    assert_eq!(f.history().len(), 1);

    // Run again (a re-run job) and for a tag pushed by something else: the
    // image in ECR is the one deployed, never rebuilt.
    let out = f.deploy_with_docker(&docker, "v9", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("not rebuilt"),
        "{}",
        all_output(&out)
    );
    let out = f.deploy_with_docker(&docker, "v3", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(docker.steps().len(), 4, "{:?}", docker.steps());
    assert_eq!(f.running().await, (3, f.pinned("v3").await));
}

#[tokio::test]
async fn dry_run_prints_the_image_diff_and_writes_nothing() {
    let f = EcsTarget::new(XTASK).await;
    let out = f.deploy("v2", &["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    let minus: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let plus: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(minus.len(), 1, "only the image line differs:\n{stdout}");
    assert_eq!(plus.len(), 1, "only the image line differs:\n{stdout}");
    assert!(
        minus[0].contains(":v1") && plus[0].contains(":v2"),
        "{stdout}"
    );
    assert_eq!(f.revisions().await, 1);
    assert_eq!(f.running().await.0, 1);
    assert!(f.history().is_empty());
    assert!(!f.lock_exists().await);
}

#[tokio::test]
async fn throttling_errors_and_dropped_connections_do_not_end_the_rollout_watch() {
    let f = EcsTarget::new(XTASK).await;
    let scope = FaultScope::Cluster(f.cluster.clone());
    // Each DescribeServices fault outlasts the SDK's own three attempts, so the
    // watch itself meets it (the first two calls, before the update, pass).
    for fault in [
        Fault::ecs(&f.cluster, "DescribeServices", FaultKind::Throttle, 3).after(2),
        Fault::ecs(&f.cluster, "DescribeServices", FaultKind::Drop, 3).after(2),
        Fault::ecs(&f.cluster, "DescribeServices", FaultKind::Error, 1).after(2),
        // ECS takes the update, the answer is lost: the SDK sends it again.
        Fault::ecs(&f.cluster, "UpdateService", FaultKind::DropResponse, 1),
    ] {
        emulator().inject(&fault);
    }
    // The SDK's default of 3 attempts (xtask raises it to 8, which would
    // absorb these faults before the watch sees them).
    let out = f
        .deploy_command("v2", &[])
        .env("AWS_MAX_ATTEMPTS", "3")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(emulator().faults_fired(&scope), 8, "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("polling again"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.running().await, (2, f.pinned("v2").await));
    assert_eq!(f.history()[0]["outcome"], "succeeded");
}

#[tokio::test]
async fn under_github_actions_targets_are_grouped_annotated_and_summarised() {
    let f = EcsTarget::new(XTASK).await;
    f.scenario(RolloutOutcome::CrashLoop, 2, false).await;
    let summary = f.repo.path().join("step_summary.md");
    let out = f
        .command(&[
            "deploy",
            "api",
            "--env",
            "prod",
            "--image-tag",
            "v2",
            "--poll-interval",
            POLL,
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("::group::deploy api (ecs) to prod"),
        "{stderr}"
    );
    assert!(stderr.contains("::endgroup::"), "{stderr}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("::error title=deploy api (ecs) to prod failed::rollout of"),
        "{stdout}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("| target | env | what | duration | outcome | if it broke |"),
        "{md}"
    );
    assert!(
        md.contains("| api | prod | rollout of") && md.contains("❌ failed"),
        "{md}"
    );
    assert!(md.contains("`cargo xtask rollback api prod`"), "{md}");
}

/// `deploy --all`: shared infrastructure first, then the API and the web at the
/// same time (neither runs `after` the other): the site's uploads happen while
/// the API's rollout is still being watched.
#[tokio::test]
async fn targets_that_do_not_wait_for_each_other_deploy_at_the_same_time() {
    let f = EcsTarget::new(XTASK).await;
    let site_bucket = format!("{}-site", f.family);
    f.s3.create_bucket()
        .bucket(&site_bucket)
        .send()
        .await
        .unwrap();
    test_support::enable_versioning(&f.s3, &site_bucket).await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo
        .write(
            "deploy.toml",
            &format!(
                "{config}after = [\"shared\"]\n\n\
                 [targets.web]\nkind = \"static-site\"\npaths = [\"web/**\"]\nafter = [\"shared\"]\n\
                 build_dir = \"web/dist\"\nbucket = \"{site_bucket}\"\n\n\
                 [targets.shared]\nkind = \"terraform\"\npaths = [\"infra/**\"]\ndir = \"infra\"\n"
            ),
        )
        .write("web/dist/index.html", "<h1>v1</h1>")
        .write("web/dist/app.js", "console.log(1)")
        .write("infra/main.tf", "# shared\n");
    f.repo.commit("web and shared");
    // A rollout that takes a while: 20 polls.
    f.slow_rollout(20).await;
    let terraform = test_support::TerraformStandIn::new("real-plan-no-changes.json");
    let out = f
        .command(&[
            "deploy",
            "--all",
            "--env",
            "prod",
            "--image-tag",
            "v2",
            "--poll-interval",
            POLL,
        ])
        .env("TERRAFORM", terraform.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    let first = |prefix: &str| lines.iter().position(|l| l.starts_with(prefix));
    let last = |prefix: &str| lines.iter().rposition(|l| l.starts_with(prefix));
    assert!(err.contains("==> at the same time: api, web"), "{err}");
    // shared ran first, alone; then api and web interleave.
    assert!(last("shared:") < first("api:"), "{err}");
    assert!(last("shared:") < first("web:"), "{err}");
    assert!(
        first("web: [") < last("api: "),
        "the site uploads while the API rolls out:\n{err}"
    );
    assert_eq!(terraform.steps(), ["init", "plan", "show"]);
    assert_eq!(f.running().await, (2, f.pinned("v2").await));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("ok     api:")
            && stdout.contains("ok     web:")
            && stdout.contains("ok     shared:"),
        "{stdout}"
    );
}
