//! `cargo xtask deploy/rollback/history/status` on an ECS target, as a user runs
//! them: the binary against the emulator (moto behind the rollout proxy, which
//! simulates rollouts), a real git repository and a real deploy.toml.

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode};
use std::process::{Command, Output};
use test_support::{
    emulator, unique_name, DockerStandIn, Fault, FaultKind, FaultScope, GitRepo, RolloutOutcome,
    RolloutScenario,
};

struct Fixture {
    repo: GitRepo,
    ecs: aws_sdk_ecs::Client,
    s3: aws_sdk_s3::Client,
    cluster: String,
    service: String,
    family: String,
    state_bucket: String,
    image_uri: String,
}

const POLL: &str = "50ms";

async fn fixture() -> Fixture {
    let sdk = emulator().sdk_config().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let ecr = aws_sdk_ecr::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let id = unique_name("e2e");
    let (cluster, service, family, ecr_repo, state_bucket) = (
        format!("{id}-cluster"),
        format!("{id}-service"),
        format!("{id}-api"),
        format!("{id}-repo"),
        format!("{id}-state"),
    );
    s3.create_bucket()
        .bucket(&state_bucket)
        .send()
        .await
        .unwrap();
    let repo_out = ecr
        .create_repository()
        .repository_name(&ecr_repo)
        .send()
        .await
        .unwrap();
    let image_uri = repo_out
        .repository()
        .unwrap()
        .repository_uri()
        .unwrap()
        .to_string();
    for tag in ["v1", "v2", "v3"] {
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                       "digest": format!("sha256:{:0>64}", tag.trim_start_matches('v'))},
            "layers": []
        });
        ecr.put_image()
            .repository_name(&ecr_repo)
            .image_manifest(manifest.to_string())
            .image_tag(tag)
            .send()
            .await
            .unwrap();
    }
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    ecs.register_task_definition()
        .family(&family)
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image(format!("{image_uri}:v1"))
                .essential(true)
                .build(),
        )
        .container_definitions(
            ContainerDefinition::builder()
                .name("log-router")
                .image("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable")
                .essential(false)
                .build(),
        )
        .tags(
            aws_sdk_ecs::types::Tag::builder()
                .key("team")
                .value("api")
                .build(),
        )
        .send()
        .await
        .unwrap();
    ecs.create_service()
        .cluster(&cluster)
        .service_name(&service)
        .task_definition(format!("{family}:1"))
        .desired_count(2)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .send()
        .await
        .unwrap();

    let repo = GitRepo::new();
    repo.write(
        "deploy.toml",
        &format!(
            r#"[project]
name = "e2e"
region = "us-east-1"
state_bucket = "{state_bucket}"

[environments.prod]
branch = "main"

[targets.api]
kind = "ecs"
paths = ["api/**"]
cluster = "{cluster}"
service = "{service}"
container = "app"
ecr_repository = "{ecr_repo}"
"#
        ),
    )
    .write("api/app/main.py", "app = 1\n");
    repo.commit("initial");
    Fixture {
        repo,
        ecs,
        s3,
        cluster,
        service,
        family,
        state_bucket,
        image_uri,
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

    fn deploy_command(&self, tag: &str, extra: &[&str]) -> Command {
        let mut args = vec![
            "deploy",
            "api",
            "--env",
            "prod",
            "--image-tag",
            tag,
            "--poll-interval",
            POLL,
        ];
        args.extend_from_slice(extra);
        self.command(&args)
    }

    fn deploy(&self, tag: &str, extra: &[&str]) -> Output {
        self.deploy_command(tag, extra).output().unwrap()
    }

    /// The api target builds its image: a Dockerfile in the repository and the
    /// docker keys in deploy.toml (the `[targets.api]` table is the file's last).
    fn with_dockerfile(&self) {
        let config = std::fs::read_to_string(self.repo.file("deploy.toml")).unwrap();
        self.repo
            .write(
                "deploy.toml",
                &format!(
                    "{config}dockerfile = \"api/Dockerfile\"\ndocker_target = \"production\"\n\
                     docker_build_args = {{ APP_ENV = \"{{env}}\" }}\n"
                ),
            )
            .write("api/Dockerfile", "FROM python:3.12-slim AS production\n");
        self.repo.commit("the api builds its image");
    }

    /// A deploy with `DOCKER` set to the stand-in.
    fn deploy_with_docker(&self, docker: &DockerStandIn, tag: &str, extra: &[&str]) -> Output {
        self.deploy_command(tag, extra)
            .env("DOCKER", docker.path())
            .output()
            .unwrap()
    }

    /// Nothing was written: no service update, no new revision, no ledger
    /// record, no lock left.
    async fn assert_unchanged(&self) {
        let calls = emulator().ecs_calls_for(&self.cluster);
        assert!(!calls.iter().any(|c| c == "UpdateService"), "{calls:?}");
        assert_eq!(self.revisions().await, 1, "no revision registered");
        assert!(self.history().is_empty());
        assert!(!self.lock_exists().await);
    }

    fn rollback(&self, extra: &[&str]) -> Output {
        let mut args = vec!["rollback", "api", "prod", "--poll-interval", POLL];
        args.extend_from_slice(extra);
        self.xtask(&args)
    }

    async fn scenario(&self, outcome: RolloutOutcome, revision: u32, cb_rollback: bool) {
        emulator()
            .set_rollout(
                &self.cluster,
                &self.service,
                RolloutScenario {
                    outcome,
                    steps: 2,
                    circuit_breaker_rollback: cb_rollback,
                    task_definition: Some(format!("{}:{revision}", self.family)),
                },
            )
            .await;
    }

    /// The revision number the service runs, and its app container's image.
    async fn running(&self) -> (i32, String) {
        let svc = self
            .ecs
            .describe_services()
            .cluster(&self.cluster)
            .services(&self.service)
            .send()
            .await
            .unwrap();
        let arn = svc.services()[0].task_definition().unwrap().to_string();
        let td = self
            .ecs
            .describe_task_definition()
            .task_definition(&arn)
            .send()
            .await
            .unwrap();
        let td = td.task_definition().unwrap();
        let image = td
            .container_definitions()
            .iter()
            .find(|c| c.name() == Some("app"))
            .unwrap();
        (td.revision(), image.image().unwrap().to_string())
    }

    async fn revisions(&self) -> usize {
        self.ecs
            .list_task_definitions()
            .family_prefix(&self.family)
            .send()
            .await
            .unwrap()
            .task_definition_arns()
            .len()
    }

    fn history(&self) -> Vec<serde_json::Value> {
        let out = self.xtask(&["history", "api", "prod", "--format", "json"]);
        assert!(out.status.success(), "history: {}", text(&out.stderr));
        serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
    }

    async fn lock_exists(&self) -> bool {
        self.s3
            .head_object()
            .bucket(&self.state_bucket)
            .key("locks/api.json")
            .send()
            .await
            .is_ok()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn all_output(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[tokio::test]
async fn healthy_deploy_registers_a_copy_with_only_the_image_swapped() {
    let f = fixture().await;
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!("deployed {}:2", f.family)),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.running().await, (2, format!("{}:v2", f.image_uri)));

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
    let f = fixture().await;
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
async fn a_missing_image_tag_changes_nothing() {
    let f = fixture().await;
    let out = f.deploy("not-pushed", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("not-pushed") && err.contains("not in ECR"),
        "{err}"
    );
    f.assert_unchanged().await;
}

#[tokio::test]
async fn a_missing_tag_is_built_pushed_and_deployed_and_never_rebuilt() {
    let f = fixture().await;
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
    assert_eq!(f.running().await, (2, image.clone()));
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
    assert_eq!(f.running().await, (3, format!("{}:v3", f.image_uri)));
}

#[tokio::test]
async fn a_failed_image_build_changes_nothing_and_says_so() {
    let f = fixture().await;
    f.with_dockerfile();
    let docker = DockerStandIn::new();
    docker.fail("build");
    let out = f.deploy_with_docker(&docker, "v9", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("docker build failed")
            && text(&out.stderr).contains("not changed"),
        "{}",
        all_output(&out)
    );
    assert_eq!(docker.steps(), ["login", "build", "logout"]);
    f.assert_unchanged().await;
}

#[tokio::test]
async fn image_builds_are_bad_input_without_docker_or_dockerfile_and_skipped_by_no_build() {
    let f = fixture().await;
    f.with_dockerfile();
    let docker = DockerStandIn::new();

    // A dry run says what it would build and push, and runs nothing.
    let out = f.deploy_with_docker(&docker, "v9", &["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!(
            "would build api/Dockerfile and push {}:v9",
            f.image_uri
        )),
        "{}",
        all_output(&out)
    );
    assert!(text(&out.stdout).contains(":v9"), "{}", all_output(&out));
    assert!(docker.steps().is_empty(), "{:?}", docker.steps());

    // --no-build: the tag must be in ECR already.
    let out = f.deploy_with_docker(&docker, "v9", &["--no-build"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("v9 is not in ECR"),
        "{}",
        all_output(&out)
    );

    // No docker: one line, exit 2, nothing run.
    let out = f
        .command(&["deploy", "api", "--env", "prod", "--image-tag", "v9"])
        .env("DOCKER", "no-such-docker-here")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("no-such-docker-here not found: install Docker"),
        "{}",
        all_output(&out)
    );

    // A Dockerfile that is not there: named with its key, before any call.
    f.repo.remove("api/Dockerfile");
    f.repo.commit("no Dockerfile");
    let out = f.deploy_with_docker(&docker, "v9", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr)
            .contains("deploy.toml: targets.api.dockerfile: api/Dockerfile is not a file"),
        "{}",
        all_output(&out)
    );
    assert!(docker.steps().is_empty(), "{:?}", docker.steps());
    f.assert_unchanged().await;
}

#[tokio::test]
async fn dry_run_prints_the_image_diff_and_writes_nothing() {
    let f = fixture().await;
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
    let f = fixture().await;
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
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(emulator().faults_fired(&scope), 8, "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("polling again"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.running().await, (2, format!("{}:v2", f.image_uri)));
    assert_eq!(f.history()[0]["outcome"], "succeeded");
}

#[tokio::test]
async fn an_unreachable_service_times_out_rolls_back_and_says_what_runs() {
    let f = fixture().await;
    let scope = FaultScope::Cluster(f.cluster.clone());
    emulator()
        .inject(&Fault::ecs(&f.cluster, "DescribeServices", FaultKind::Error, 100_000).after(2));
    let out = f.deploy("v2", &["--timeout", "3s"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(err.contains("polling again"), "{err}");
    assert!(err.contains("rolling back"), "{err}");
    emulator().clear_faults(&scope);
    let history = f.history();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["outcome"], "failed");
    assert!(!f.lock_exists().await, "the lock is released");
    // The rollback's UpdateService went through: the service is back on 1.
    assert_eq!(f.running().await, (1, format!("{}:v1", f.image_uri)));
}

#[tokio::test]
async fn a_crash_loop_is_detected_and_rolled_back() {
    let f = fixture().await;
    f.scenario(RolloutOutcome::CrashLoop, 2, false).await;
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains("circuit breaker") || all.contains("stopped before becoming healthy"),
        "{all}"
    );
    assert!(
        all.contains(&format!("rolled back: {}:1 runs again", f.family)),
        "{all}"
    );
    assert!(all.contains("aws ecs describe-services"), "{all}");
    assert!(all.contains("event: "), "service events are shown: {all}");
    assert_eq!(f.running().await, (1, format!("{}:v1", f.image_uri)));
    let history = f.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert!(
        !f.lock_exists().await,
        "the lock is released on failure too"
    );
}

#[tokio::test]
async fn ecs_circuit_breaker_rollback_is_a_failure_not_a_success() {
    let f = fixture().await;
    f.scenario(RolloutOutcome::CrashLoop, 2, true).await;
    // A high failed-task limit is not configurable; ECS's FAILED or its own
    // rollback must be caught either way.
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 1);
}

#[tokio::test]
async fn a_stuck_rollout_times_out_and_rolls_back() {
    let f = fixture().await;
    f.scenario(RolloutOutcome::Stuck, 2, false).await;
    let out = f.deploy("v2", &["--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(all.contains("did not complete within 1s"), "{all}");
    assert!(all.contains("rolled back"), "{all}");
    assert_eq!(f.running().await.0, 1);
}

#[tokio::test]
async fn no_rollback_leaves_the_failed_revision_in_place() {
    let f = fixture().await;
    f.scenario(RolloutOutcome::CrashLoop, 2, false).await;
    let out = f.deploy("v2", &["--no-rollback"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("--no-rollback"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.running().await.0, 2, "left on the new revision");
    let calls = emulator().ecs_calls_for(&f.cluster);
    assert_eq!(
        calls.iter().filter(|c| *c == "UpdateService").count(),
        1,
        "{calls:?}"
    );
}

#[tokio::test]
async fn rolling_back_twice_walks_further_back_and_to_picks_one() {
    let f = fixture().await;
    for tag in ["v2", "v3"] {
        let out = f.deploy(tag, &[]);
        assert!(out.status.success(), "{}", all_output(&out));
    }
    assert_eq!(f.running().await.0, 3);

    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await, (2, format!("{}:v2", f.image_uri)));
    let stdout = text(&out.stdout);
    let sha = f.repo.git(&["rev-parse", "HEAD"]);
    // A plain commit (not a merge): git refuses `-m 1` for it.
    assert!(
        stdout.contains(&format!("git revert {sha}")) && !stdout.contains("git revert -m 1"),
        "{stdout}"
    );

    // Again: to revision 1, not back to 3.
    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 1);

    // Nothing ran before 1.
    let out = f.rollback(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("no earlier ACTIVE revision"),
        "{}",
        all_output(&out)
    );

    let out = f.rollback(&["--to", "3"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 3);

    let history = f.history();
    let actions: Vec<&str> = history
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["rollback", "rollback", "rollback", "deploy", "deploy"]
    );
    assert_eq!(f.revisions().await, 3, "rollbacks register nothing");
}

#[tokio::test]
async fn without_a_ledger_rollback_takes_the_highest_active_revision_below_the_current() {
    let f = fixture().await;
    // Revisions 2, 3 and 4 exist; the service runs 3 (4 was registered, never ran).
    let td = f
        .ecs
        .describe_task_definition()
        .task_definition(format!("{}:1", f.family))
        .send()
        .await
        .unwrap();
    let def = td.task_definition().unwrap().clone();
    for _ in 0..3 {
        f.ecs
            .register_task_definition()
            .family(&f.family)
            .set_container_definitions(Some(def.container_definitions().to_vec()))
            .set_network_mode(def.network_mode().cloned())
            .set_requires_compatibilities(Some(def.requires_compatibilities().to_vec()))
            .cpu("256")
            .memory("512")
            .send()
            .await
            .unwrap();
    }
    f.ecs
        .update_service()
        .cluster(&f.cluster)
        .service(&f.service)
        .task_definition(format!("{}:3", f.family))
        .send()
        .await
        .unwrap();
    let out = f.rollback(&["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("highest ACTIVE revision"),
        "{}",
        all_output(&out)
    );
    assert!(
        text(&out.stdout).contains(&format!("from {f}:3 to {f}:2", f = f.family)),
        "{}",
        all_output(&out)
    );
    assert!(f.history().is_empty(), "a dry run records nothing");
    let out = f.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 2, "not 4, the second most recent");
}

#[tokio::test]
async fn of_two_concurrent_deploys_one_wins_and_the_other_names_the_holder() {
    let f = fixture().await;
    emulator()
        .set_rollout(
            &f.cluster,
            &f.service,
            RolloutScenario {
                steps: 20,
                ..Default::default()
            },
        )
        .await;
    let args = [
        "deploy",
        "api",
        "--env",
        "prod",
        "--image-tag",
        "v2",
        "--poll-interval",
        "100ms",
    ];
    let a = f
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let b = f
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let (won, lost) = match (a.status.success(), b.status.success()) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ => panic!(
            "exactly one must win:\nA: {}\nB: {}",
            all_output(&a),
            all_output(&b)
        ),
    };
    assert!(
        text(&won.stdout).contains("deployed"),
        "{}",
        all_output(&won)
    );
    let err = text(&lost.stderr);
    assert!(
        err.contains("api in prod is locked by") && err.contains("--force-unlock"),
        "{err}"
    );
    // Nothing interleaved: one revision, one update, one record.
    assert_eq!(f.revisions().await, 2);
    let calls = emulator().ecs_calls_for(&f.cluster);
    assert_eq!(
        calls.iter().filter(|c| *c == "UpdateService").count(),
        1,
        "{calls:?}"
    );
    assert_eq!(f.history().len(), 1);
}

#[tokio::test]
async fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let f = fixture().await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();

    f.repo.write(
        "deploy.toml",
        &config.replace("container = \"app\"", "container = \"web\""),
    );
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("container \"web\" is not in task definition"),
        "{}",
        all_output(&out)
    );
    assert!(
        text(&out.stderr).contains("app, log-router"),
        "{}",
        all_output(&out)
    );

    f.repo.write(
        "deploy.toml",
        &config.replace(
            &format!("service = \"{}\"", f.service),
            "service = \"nope\"",
        ),
    );
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("service nope not found"),
        "{}",
        all_output(&out)
    );

    f.repo.write("deploy.toml", &config);
    let out = f.xtask(&["deploy", "api", "--env", "qa", "--image-tag", "v2"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("--env qa"),
        "{}",
        all_output(&out)
    );

    let out = f
        .command(&["deploy", "api", "--env", "prod", "--image-tag", "v2"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("no AWS credentials"),
        "{}",
        all_output(&out)
    );

    assert_eq!(f.revisions().await, 1);
    assert_eq!(f.running().await.0, 1);
    assert!(f.history().is_empty());
}

#[tokio::test]
async fn under_github_actions_targets_are_grouped_annotated_and_summarised() {
    let f = fixture().await;
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
    let f = fixture().await;
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
    emulator()
        .set_rollout(
            &f.cluster,
            &f.service,
            RolloutScenario {
                steps: 20,
                ..RolloutScenario::default()
            },
        )
        .await;
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
    assert_eq!(f.running().await, (2, format!("{}:v2", f.image_uri)));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("ok     api:")
            && stdout.contains("ok     web:")
            && stdout.contains("ok     shared:"),
        "{stdout}"
    );
}

/// Ctrl-C (or a cancelled CI job) while a rollout is watched: the lock is
/// released, the message says what may be half done, exit code 130; the next
/// deploy needs no --force-unlock.
#[tokio::test]
async fn an_interrupted_deploy_releases_its_lock_and_says_what_to_check() {
    let f = fixture().await;
    // A deploy watching a stuck rollout, ended by `signal` once it updated the
    // service: its exit code and stderr.
    let ended_by = |signal: &'static str, tag: &'static str| {
        let f = &f;
        async move {
            let updates = || {
                emulator()
                    .ecs_calls_for(&f.cluster)
                    .iter()
                    .filter(|c| *c == "UpdateService")
                    .count()
            };
            let before = updates();
            let child = f
                .deploy_command(tag, &["--timeout", "10m"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let started = std::time::Instant::now();
            while updates() == before {
                assert!(
                    started.elapsed().as_secs() < 30,
                    "the deploy never updated the service"
                );
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            assert!(
                f.lock_exists().await,
                "the deploy holds its lock while it watches"
            );
            let killed = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
            let out = child.wait_with_output().unwrap();
            (out.status.code(), text(&out.stderr))
        }
    };

    f.scenario(RolloutOutcome::Stuck, 2, false).await;
    let (code, err) = ended_by("-INT", "v2").await;
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("interrupted (SIGINT); released the lock of api in prod")
            && err.contains("cargo xtask status --env prod"),
        "{err}"
    );
    assert!(!f.lock_exists().await, "the lock is released");

    // A cancelled CI job ends with SIGTERM: the same, exit code 143.
    f.scenario(RolloutOutcome::Stuck, 3, false).await;
    let (code, err) = ended_by("-TERM", "v3").await;
    assert_eq!(code, Some(143), "{err}");
    assert!(
        err.contains("terminated (SIGTERM); released the lock of api in prod"),
        "{err}"
    );
    assert!(!f.lock_exists().await, "the lock is released");

    f.scenario(RolloutOutcome::Healthy, 4, false).await;
    let out = f.deploy("v1", &[]);
    assert!(
        out.status.success(),
        "no --force-unlock needed: {}",
        all_output(&out)
    );
    assert_eq!(f.running().await, (4, format!("{}:v1", f.image_uri)));
}

/// A state bucket that does not exist (bootstrap not run, a typo): one line
/// that says how to create it, exit 2, and the service untouched.
#[tokio::test]
async fn a_missing_state_bucket_says_to_bootstrap_and_changes_nothing() {
    let f = fixture().await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo.write(
        "deploy.toml",
        &config.replace(&f.state_bucket, &format!("{}-missing", f.state_bucket)),
    );
    f.repo.commit("a state bucket nobody made");
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("does not exist") && err.contains("cargo xtask bootstrap --env prod"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    let calls = emulator().ecs_calls_for(&f.cluster);
    assert!(!calls.iter().any(|c| c == "UpdateService"), "{calls:?}");
    assert_eq!(f.revisions().await, 1, "no revision registered");

    // Following the hint: a dry run says what bootstrap would make, and makes
    // nothing; bootstrap makes it; then the deploy goes through.
    let missing = format!("{}-missing", f.state_bucket);
    let out = f.xtask(&["bootstrap", "--env", "prod", "--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!("would create state bucket {missing}")),
        "{}",
        all_output(&out)
    );
    assert!(f.s3.head_bucket().bucket(&missing).send().await.is_err());
    let out = f.xtask(&["bootstrap", "--env", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(text(&out.stdout).contains(&format!("created state bucket {missing}")));
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
}
