//! An ECS deploy that must not go through, as a user meets it against the
//! emulator (the target: `test_support::EcsTarget`): bad input and a missing
//! image or state bucket (one line, exit 2, nothing written), a failed image
//! build, a deploy that finds the target locked, and one interrupted by a
//! signal while it watches (the lock released, exit 130/143).

use std::process::Command;
use test_support::cli::{all_output, text};
use test_support::{emulator, DockerStandIn, EcsTarget, RolloutOutcome};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn a_missing_image_tag_changes_nothing() {
    let f = EcsTarget::new(XTASK).await;
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
async fn a_failed_image_build_changes_nothing_and_says_so() {
    let f = EcsTarget::new(XTASK).await;
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
    let f = EcsTarget::new(XTASK).await;
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
async fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let f = EcsTarget::new(XTASK).await;
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

/// A state bucket that does not exist (bootstrap not run, a typo): one line
/// that says how to create it, exit 2, and the service untouched.
#[tokio::test]
async fn a_missing_state_bucket_says_to_bootstrap_and_changes_nothing() {
    let f = EcsTarget::new(XTASK).await;
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

#[tokio::test]
async fn of_two_concurrent_deploys_one_wins_and_the_other_names_the_holder() {
    let f = EcsTarget::new(XTASK).await;
    f.slow_rollout(20).await;
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

/// Ctrl-C (or a cancelled CI job) while a rollout is watched: the lock is
/// released, the message says what may be half done, exit code 130; the next
/// deploy needs no --force-unlock.
#[tokio::test]
async fn an_interrupted_deploy_releases_its_lock_and_says_what_to_check() {
    let f = EcsTarget::new(XTASK).await;
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
    assert_eq!(f.running().await, (4, f.pinned("v1").await));
}
