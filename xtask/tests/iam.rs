//! `cargo xtask iam`: the policies rendered from a config — the statements
//! each option adds, the config's own ARNs, docs/IAM.md showing the example's
//! — and the audit that holds every command of the suite to them (a request
//! outside the policy, or one AWS would refuse, fails the test that sent it).
//! moto's own enforcement of the rendered policy is `iam_enforced.rs`.

use serde_json::Value;
use std::panic::AssertUnwindSafe;
use test_support::cli::{all_output, text};
use test_support::iam::Policy;
use test_support::{deploy_toml, emulator, unique_name, GitRepo, Xtask};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `iam --env prod --format json` of `config` (a deploy.toml) in a new repository.
fn render(config: &str, extra: &[&str]) -> Value {
    let repo = GitRepo::new();
    repo.write("deploy.toml", config);
    let mut args = vec!["iam", "--env", "prod", "--format", "json"];
    args.extend(extra);
    let out = Xtask::new(XTASK, repo.path()).run(&args);
    assert!(out.status.success(), "{}", all_output(&out));
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

/// Every (action, resource) of a policy document, conditions aside.
fn grants(doc: &Value) -> Vec<(String, String)> {
    let list = |v: &Value| match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap().to_string())
            .collect(),
        _ => panic!("not a string or list: {v}"),
    };
    let mut out = Vec::new();
    for s in doc["Statement"].as_array().unwrap() {
        for a in list(&s["Action"]) {
            for r in list(&s["Resource"]) {
                out.push((a.clone(), r));
            }
        }
    }
    out
}

fn ecs_target(options: &str) -> String {
    format!(
        r#"{head}
[targets.api]
kind = "ecs"
paths = ["api/**"]
cluster = "c-{{env}}"
service = "s-{{env}}"
container = "app"
ecr_repository = "repo-{{env}}"
{options}
"#,
        head = deploy_toml::project("demo", "demo-state-{env}")
    )
}

#[test]
fn an_ecs_target_gets_its_service_and_repository_and_what_each_option_adds() {
    let plain = render(&ecs_target(""), &["--account", "111122223333"]);
    let deploy = Policy::from_json(&plain["deploy"]).unwrap();
    let account = "111122223333";
    let service = "arn:aws:ecs:us-east-1:111122223333:service/c-prod/s-prod";
    let repo = "arn:aws:ecr:us-east-1:111122223333:repository/repo-prod";
    assert!(deploy.allows("ecs:UpdateService", service, account));
    assert!(!deploy.allows(
        "ecs:UpdateService",
        &service.replace("s-prod", "other"),
        account
    ));
    assert!(deploy.allows("ecr:DescribeImages", repo, account));
    assert!(deploy.allows("ecs:RegisterTaskDefinition", "*", account));
    assert!(deploy.allows(
        "s3:PutObject",
        "arn:aws:s3:::demo-state-prod/locks/api.json",
        account
    ));
    assert!(!deploy.allows(
        "s3:PutObject",
        "arn:aws:s3:::demo-state-staging/locks/api.json",
        account
    ));
    // Nothing an option adds, without the option.
    for action in [
        "ecs:RunTask",
        "ecs:StopTask",
        "ecs:DeregisterTaskDefinition",
        "cloudwatch:DescribeAlarms",
        "ecr:PutImage",
        "ecr:GetAuthorizationToken",
    ] {
        assert!(
            !grants(&plain["deploy"]).iter().any(|(a, _)| a == action),
            "{action} without its option: {:#}",
            plain["deploy"]
        );
    }

    let full = render(
        &ecs_target(
            r#"before_rollout = { command = ["migrate"] }
alarms = ["api-5xx-{env}"]
dockerfile = "api/Dockerfile""#,
        ),
        &["--account", "111122223333"],
    );
    let deploy = Policy::from_json(&full["deploy"]).unwrap();
    let task = "arn:aws:ecs:us-east-1:111122223333:task/c-prod/0123456789abcdef";
    assert!(deploy.allows(
        "ecs:RunTask",
        "arn:aws:ecs:us-east-1:111122223333:task-definition/app:7",
        account
    ));
    assert!(deploy.allows("ecs:DescribeTasks", task, account));
    assert!(deploy.allows("ecs:StopTask", task, account));
    assert!(!deploy.allows("ecs:StopTask", &task.replace("c-prod", "other"), account));
    assert!(deploy.allows("ecs:DeregisterTaskDefinition", "*", account));
    assert!(deploy.allows("cloudwatch:DescribeAlarms", "*", account));
    assert!(deploy.allows("ecr:GetAuthorizationToken", "*", account));
    for push in [
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
    ] {
        assert!(deploy.allows(push, repo, account), "{push}");
    }
    // RunTask in this cluster only, and roles passed to ECS tasks only.
    let statements = full["deploy"]["Statement"].as_array().unwrap();
    let condition = |sid: &str| {
        statements
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no {sid}"))["Condition"]
            .clone()
    };
    assert_eq!(
        condition("BeforeRolloutRunTask")["ArnEquals"]["ecs:cluster"],
        "arn:aws:ecs:us-east-1:111122223333:cluster/c-prod"
    );
    assert_eq!(
        condition("PassTaskRoles")["StringEquals"]["iam:PassedToService"],
        "ecs-tasks.amazonaws.com"
    );

    // The drift role reads, never writes.
    let drift = Policy::from_json(&full["drift"]).unwrap();
    assert!(drift.allows("ecs:DescribeServices", service, account));
    for (action, resource) in grants(&full["drift"]) {
        let verb = action.split(':').nth(1).unwrap();
        assert!(
            ["Describe", "Get", "List"]
                .iter()
                .any(|v| verb.starts_with(v)),
            "the drift role may {action} on {resource}"
        );
    }
}

#[test]
fn sites_previews_and_terraform_states_get_their_own_arns() {
    let config = r#"[project]
name = "demo"
region = "us-east-1"
state_bucket = "demo-state-{env}"
preview_environment = "prod"

[environments.prod]
branch = "main"

[targets.shared]
kind = "terraform"
paths = ["infra/**"]
dir = "infra"
state_bucket = "demo-tf-{env}"
state_key = "shared/terraform.tfstate"

[targets.web]
kind = "static-site"
paths = ["web/**"]
after = ["shared"]
build_dir = "web/dist"
bucket = "demo-web-{env}"
distribution = "E2EXAMPLE"
preview_bucket = "pr-{pr}-demo-web"
preview_zone_id = "{shared.zone_id}"
"#;
    let json = render(config, &[]);
    assert_eq!(json["account"], "${aws:PrincipalAccount}");
    let deploy = Policy::from_json(&json["deploy"]).unwrap();
    let account = "123456789012";
    let allows = |action: &str, resource: &str| deploy.allows(action, resource, account);
    assert!(allows(
        "s3:PutObject",
        "arn:aws:s3:::demo-web-prod/assets/app.js"
    ));
    assert!(allows(
        "s3:GetObjectVersion",
        "arn:aws:s3:::demo-web-prod/index.html"
    ));
    assert!(allows(
        "s3:GetBucketVersioning",
        "arn:aws:s3:::demo-web-prod"
    ));
    assert!(!allows("s3:DeleteBucket", "arn:aws:s3:::demo-web-prod"));
    assert!(allows(
        "cloudfront:CreateInvalidation",
        "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
    ));
    assert!(!allows(
        "cloudfront:CreateInvalidation",
        "arn:aws:cloudfront::999999999999:distribution/E2EXAMPLE"
    ));
    // Previews: a role of their own (below); the deploy role has none of it.
    assert!(!allows("s3:CreateBucket", "arn:aws:s3:::pr-42-demo-web"));
    assert!(!allows(
        "cloudfront:CreateDistribution",
        "arn:aws:cloudfront::123456789012:distribution/*"
    ));
    let preview = Policy::from_json(&json["preview"]).unwrap();
    let allows_preview = |action: &str, resource: &str| preview.allows(action, resource, account);
    // Their buckets by the pattern, distributions by CloudFront's ids.
    assert!(allows_preview(
        "s3:CreateBucket",
        "arn:aws:s3:::pr-42-demo-web"
    ));
    assert!(allows_preview(
        "s3:DeleteObjectVersion",
        "arn:aws:s3:::pr-42-demo-web/index.html"
    ));
    assert!(!allows_preview(
        "s3:CreateBucket",
        "arn:aws:s3:::someone-elses-bucket"
    ));
    assert!(allows_preview(
        "cloudfront:CreateDistribution",
        "arn:aws:cloudfront::123456789012:distribution/*"
    ));
    assert!(allows_preview("cloudfront:ListDistributions", "*"));
    // The zone comes from a stack output: any zone, and a note says why;
    // the stack's state is read, never written.
    assert!(allows_preview(
        "route53:ChangeResourceRecordSets",
        "arn:aws:route53:::hostedzone/Z123"
    ));
    assert!(allows_preview(
        "s3:GetObject",
        "arn:aws:s3:::demo-tf-prod/shared/terraform.tfstate"
    ));
    assert!(!allows_preview(
        "s3:PutObject",
        "arn:aws:s3:::demo-tf-prod/shared/terraform.tfstate"
    ));
    // A preview's own lock, ledger and releases; not the site's.
    for key in [
        "locks/web-pr-42.json",
        "ledger/web-pr-42/x.json",
        "releases/web-pr-42/r.json",
    ] {
        assert!(allows_preview(
            "s3:PutObject",
            &format!("arn:aws:s3:::demo-state-prod/{key}")
        ));
    }
    for key in ["locks/web.json", "ledger/web/x.json", "releases/web/r.json"] {
        assert!(!allows_preview(
            "s3:PutObject",
            &format!("arn:aws:s3:::demo-state-prod/{key}")
        ));
    }
    // Nothing of the environment's own site's bucket. (Its distribution is
    // not told apart: previews' distribution ids are CloudFront's, unknown
    // in advance, so `distribution/*`; docs/IAM.md says so.)
    assert!(!allows_preview(
        "s3:PutObject",
        "arn:aws:s3:::demo-web-prod/index.html"
    ));
    assert!(!allows_preview(
        "s3:ListBucket",
        "arn:aws:s3:::demo-web-prod"
    ));
    // Each role trusts only its GitHub environment; the approval environment none.
    let json = render(
        config,
        &["--github-repo", "acme/demo", "--account", account],
    );
    let subjects: Vec<(String, String)> = json["trust"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let policy = &t["policy"]["Statement"][0];
            assert_eq!(
                policy["Principal"]["Federated"],
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
            );
            assert_eq!(
                policy["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"],
                "sts.amazonaws.com"
            );
            (
                t["roles"].as_str().unwrap().to_string(),
                policy["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        subjects,
        [
            (
                "deploy and drift roles".to_string(),
                "repo:acme/demo:environment:prod".to_string()
            ),
            (
                "preview role".to_string(),
                "repo:acme/demo:environment:prod-preview".to_string()
            ),
        ]
    );
    let json = render(config, &[]);
    let notes = json["notes"].to_string();
    assert!(notes.contains("web.preview_zone_id"), "{notes}");
    // Terraform's state: ListBucket (a missing state is a 404, not a 403),
    // the state object and its lock file.
    assert!(allows("s3:ListBucket", "arn:aws:s3:::demo-tf-prod"));
    assert!(allows(
        "s3:PutObject",
        "arn:aws:s3:::demo-tf-prod/shared/terraform.tfstate"
    ));
    assert!(allows(
        "s3:DeleteObject",
        "arn:aws:s3:::demo-tf-prod/shared/terraform.tfstate.tflock"
    ));
    assert!(!allows(
        "s3:DeleteObject",
        "arn:aws:s3:::demo-tf-prod/shared/terraform.tfstate"
    ));
    assert!(!allows(
        "s3:PutObject",
        "arn:aws:s3:::demo-tf-prod/other/terraform.tfstate"
    ));
    // Bootstrap makes the state buckets, nothing else.
    let bootstrap = Policy::from_json(&json["bootstrap"]).unwrap();
    assert!(bootstrap.allows("s3:CreateBucket", "arn:aws:s3:::demo-state-prod", account));
    assert!(bootstrap.allows("s3:CreateBucket", "arn:aws:s3:::demo-tf-prod", account));
    assert!(!bootstrap.allows("s3:CreateBucket", "arn:aws:s3:::demo-web-prod", account));
}

#[test]
fn bad_flags_are_exit_2_naming_them() {
    let repo = GitRepo::new();
    repo.write("deploy.toml", &ecs_target(""));
    let xtask = Xtask::new(XTASK, repo.path());
    let out = xtask.run(&["iam", "--env", "nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("--env nope"),
        "{}",
        all_output(&out)
    );
    let out = xtask.run(&["iam", "--env", "prod", "--account", "12"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("12-digit"),
        "{}",
        all_output(&out)
    );
}

/// docs/IAM.md shows what `cargo xtask iam --env prod` prints for the example:
/// a change to the policies that the page does not show fails here.
#[test]
fn docs_iam_md_shows_the_example_policies_as_rendered() {
    let root = workspace_root();
    let out = Xtask::new(XTASK, &root).run(&[
        "iam",
        "--env",
        "prod",
        "--config",
        "examples/connect2/deploy.toml",
    ]);
    assert!(out.status.success(), "{}", all_output(&out));
    let rendered = text(&out.stdout);
    let page = std::fs::read_to_string(root.join("docs/IAM.md")).unwrap();
    assert!(
        page.contains(&rendered),
        "docs/IAM.md does not show the example's policies as `cargo xtask iam --env prod --config examples/connect2/deploy.toml` prints them now:\n{rendered}"
    );
}

/// The audit fails the test whose command needed an action its policy does
/// not allow, naming the test, the command, the action and the resource.
#[tokio::test]
async fn an_action_outside_the_rendered_policy_fails_the_test_that_sent_it() {
    let repo = GitRepo::new();
    repo.write("deploy.toml", &ecs_target(""));
    repo.commit("config");
    let xtask = Xtask::on_emulator(XTASK, repo.path());
    let cmd = xtask.command(&["status", "--env", "prod"]);
    let key = cmd
        .get_envs()
        .find(|(k, _)| *k == "AWS_ACCESS_KEY_ID")
        .and_then(|(_, v)| v)
        .expect("each command has its own key")
        .to_string_lossy()
        .into_owned();
    // What the command might have done: write to a bucket of no config.
    let elsewhere = unique_name("not-in-the-config");
    let s3 = aws_sdk_s3::Client::new(&emulator().sdk_config_as(&key, "x").await);
    let _ = s3.create_bucket().bucket(&elsewhere).send().await;
    let failed = std::panic::catch_unwind(AssertUnwindSafe(move || drop(xtask)))
        .expect_err("the audit fails the test");
    let message = failed.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("an_action_outside_the_rendered_policy_fails_the_test_that_sent_it"),
        "{message}"
    );
    assert!(message.contains("`xtask status --env prod`"), "{message}");
    assert!(message.contains("drift policy"), "{message}");
    assert!(
        message.contains(&format!(
            "s3:CreateBucket on arn:aws:s3:::{elsewhere} (CreateBucket)"
        )),
        "{message}"
    );
}

/// A request AWS would refuse fails the test that sent it, even when the
/// command itself carried on.
#[tokio::test]
async fn a_request_aws_would_refuse_fails_the_test_that_sent_it() {
    let repo = GitRepo::new();
    repo.write("deploy.toml", &ecs_target(""));
    repo.commit("config");
    let xtask = Xtask::on_emulator(XTASK, repo.path());
    let cmd = xtask.command(&["deploy", "--all", "--env", "prod", "--dry-run"]);
    let key = cmd
        .get_envs()
        .find(|(k, _)| *k == "AWS_ACCESS_KEY_ID")
        .and_then(|(_, v)| v)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let ecr = aws_sdk_ecr::Client::new(&emulator().sdk_config_as(&key, "x").await);
    let _ = ecr
        .describe_images()
        .repository_name("Not A Repository Name")
        .send()
        .await;
    let failed = std::panic::catch_unwind(AssertUnwindSafe(move || drop(xtask)))
        .expect_err("the audit fails the test");
    let message = failed.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("sent requests AWS would refuse"),
        "{message}"
    );
    assert!(message.contains("ecr DescribeImages (POST /)"), "{message}");
    assert!(
        message.contains("Member must satisfy regular expression pattern"),
        "{message}"
    );
}
