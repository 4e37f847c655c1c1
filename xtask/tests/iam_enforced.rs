//! The rendered deploy policy under moto's own IAM enforcement: users holding
//! exactly what `cargo xtask iam` renders for their config (fitted to how moto
//! reads policies: `test_support::iam::for_moto`) deploy an ECS service with a
//! `before_rollout` migration and an alarm, roll it back, read its status, and
//! put up and take down a PR preview; a write to a bucket outside the config
//! is denied.
//!
//! Enforcement is moto-wide, so this file is a test binary (and so an
//! emulator) of its own, and its one test sets everything up before turning
//! enforcement on. moto checks S3 requests against their bucket and key; the
//! other services' actions only (the audit that every test of the suite runs
//! checks their resources). The one-off task itself (RunTask, DescribeTasks,
//! StopTask) is answered by the front, not moto: the audit checks those.

use std::process::{Command, Output};

use test_support::cli::{all_output, text};
use test_support::iam::{for_moto, IamUser};
use test_support::{alarm, emulator, unique_name, EcsTarget, PreviewSite, Xtask};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// `xtask iam --env ENV --format json` in `dir`: the deploy policy.
fn deploy_policy(dir: &std::path::Path, env: &str) -> serde_json::Value {
    policy(dir, env, "deploy")
}

/// The policy of `role` (`deploy`, `preview`) that `xtask iam` renders.
fn policy(dir: &std::path::Path, env: &str, role: &str) -> serde_json::Value {
    let out = Xtask::new(XTASK, dir).run(&[
        "iam",
        "--env",
        env,
        "--format",
        "json",
        "--account",
        "123456789012",
    ]);
    assert!(out.status.success(), "{}", all_output(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc[role].clone()
}

/// `policy` without `action` (in whichever statement names it).
fn without(policy: &serde_json::Value, action: &str) -> serde_json::Value {
    let mut policy = policy.clone();
    for statement in policy["Statement"].as_array_mut().unwrap() {
        if let Some(list) = statement["Action"].as_array_mut() {
            list.retain(|a| a != action);
        }
    }
    policy
}

fn as_user(mut cmd: Command, user: &IamUser) -> Output {
    cmd.env("AWS_ACCESS_KEY_ID", &user.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &user.secret_access_key)
        .output()
        .unwrap()
}

/// Enforcement stays on while this lives: off again at the end of the test,
/// passed or failed, so what the test reads afterwards is read as before.
struct Enforced;

impl Enforced {
    fn on() -> Enforced {
        emulator().enforce_iam(true);
        Enforced
    }
}

impl Drop for Enforced {
    fn drop(&mut self) {
        emulator().enforce_iam(false);
    }
}

#[tokio::test]
async fn users_holding_the_rendered_policy_deploy_roll_back_read_status_and_preview() {
    // Everything the test itself needs is made while moto lets anyone in.
    let api = EcsTarget::new(XTASK).await;
    api.with_before_rollout(r#"{ command = ["alembic", "upgrade", "head"] }"#);
    let five_xx = unique_name("api-5xx");
    alarm(&five_xx).await;
    api.configure(&format!("alarms = [\"{five_xx}\"]\nbake = \"1s\""));
    let site = PreviewSite::new(XTASK).await;
    let outside = unique_name("not-in-any-config");
    let s3 = aws_sdk_s3::Client::new(&emulator().sdk_config().await);
    s3.create_bucket().bucket(&outside).send().await.unwrap();
    // The staging site's own bucket, which previews never touch.
    let site_bucket = format!("{}-site", site.project);
    let _ = s3.create_bucket().bucket(&site_bucket).send().await;

    let api_policy = deploy_policy(api.repo.path(), "prod");
    let site_policy = policy(site.repo.path(), "staging", "preview");
    let deployer = emulator().create_iam_user(&unique_name("api-deployer"), &for_moto(&api_policy));
    let previewer = emulator().create_iam_user(&unique_name("previewer"), &for_moto(&site_policy));
    let short = emulator().create_iam_user(
        &unique_name("short-of-one"),
        &without(&for_moto(&api_policy), "ecs:UpdateService"),
    );

    let enforced = Enforced::on();
    // Enforcement is real: a key no user holds gets nothing.
    s3.head_bucket()
        .bucket(&outside)
        .send()
        .await
        .expect_err("moto checks every request now");

    // One action short of the rendered policy, the deploy fails there.
    let refused = as_user(api.deploy_command("v3", &[]), &short);
    assert_eq!(refused.status.code(), Some(1), "{}", all_output(&refused));
    assert!(
        all_output(&refused).contains("UpdateService"),
        "{}",
        all_output(&refused)
    );

    let deployed = as_user(api.deploy_command("v2", &[]), &deployer);
    assert!(
        deployed.status.success(),
        "deploy: {}",
        all_output(&deployed)
    );
    let err = text(&deployed.stderr);
    assert!(
        err.contains("alembic") || err.contains("before_rollout"),
        "{err}"
    );
    assert!(err.contains("no alarm went off"), "{err}");

    let status = as_user(api.command(&["status", "--env", "prod"]), &deployer);
    assert!(
        status.status.code() == Some(0),
        "status: {}",
        all_output(&status)
    );

    let rolled_back = as_user(
        api.command(&["rollback", "api", "prod", "--poll-interval", "50ms"]),
        &deployer,
    );
    assert!(
        rolled_back.status.success(),
        "rollback: {}",
        all_output(&rolled_back)
    );

    let up = as_user(site.command(&["preview", "up", "--pr", "5"]), &previewer);
    assert!(up.status.success(), "preview up: {}", all_output(&up));
    let down = as_user(site.command(&["preview", "down", "--pr", "5"]), &previewer);
    assert!(down.status.success(), "preview down: {}", all_output(&down));

    // A write outside the config is denied, for either user; the preview
    // role cannot write the environment's own site either.
    for (user, bucket) in [
        (&deployer, &outside),
        (&previewer, &outside),
        (&previewer, &site_bucket),
    ] {
        let s3 = aws_sdk_s3::Client::new(
            &emulator()
                .sdk_config_as(&user.access_key_id, &user.secret_access_key)
                .await,
        );
        let denied = s3
            .put_object()
            .bucket(bucket)
            .key("x")
            .body(b"x".to_vec().into())
            .send()
            .await
            .expect_err("a bucket outside the role's policy");
        let code = denied
            .as_service_error()
            .and_then(|e| aws_sdk_s3::error::ProvideErrorMetadata::code(e))
            .unwrap_or_default()
            .to_string();
        assert_eq!(code, "AccessDenied", "{denied:?}");
    }
    drop(enforced);

    let running = api.running().await;
    assert_eq!(
        running.0, 1,
        "the rollback put revision 1 back: {running:?}"
    );
    assert!(!site.bucket_exists(5).await);
}
