//! `cargo xtask deploy` on a terraform target, as a user runs it: the binary
//! with a stand-in terraform (selected by `TERRAFORM`; it records its calls),
//! the emulator's S3 for the lock and the ledger, a real git repository and a
//! real deploy.toml (the target: `test_support::SharedStack`). Also
//! `{shared.OUTPUT}` filled from a state file in S3.

use test_support::cli::{all_output, text};
use test_support::fixtures::shared_stack::config;
use test_support::{emulator, terraform_fixture, unique_name, SharedStack};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn without_approval_the_plan_is_shown_and_nothing_is_applied() {
    let f = SharedStack::new(XTASK, "aws-plan-replaces-vpc.json").await;
    let out = f.deploy(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "shared: Plan: 4 to add, 1 to change, 4 to destroy (3 replaced, 1 outputs change)."
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("replace  module.networking.aws_vpc.main  (forced by cidr_block)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "DANGER: this plan DESTROYS OR REPLACES 4 NETWORKING RESOURCES of shared in prod"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("!!!   destroy  module.networking.aws_nat_gateway.main[\"us-west-2b\"]"),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("not applied") && errors[0].contains("rerun with --approve"),
        "{stderr}"
    );

    // Only init, plan and show ran: no apply.
    assert_eq!(f.tf.steps(), ["init", "plan", "show"]);
    let calls = f.tf.calls();
    assert_eq!(
        calls[0].cwd.canonicalize().unwrap(),
        f.repo.file("infra/prod").canonicalize().unwrap()
    );
    for arg in [
        format!("-backend-config=bucket={}", f.tf_bucket),
        "-backend-config=key=shared/terraform.tfstate".into(),
        "-backend-config=region=us-east-1".into(),
        "-backend-config=use_lockfile=true".into(),
    ] {
        assert!(calls[0].args.contains(&arg), "{arg} in {:?}", calls[0].args);
    }
    assert!(f.history().is_empty(), "nothing applied, nothing recorded");
    let status = f.command(&["status", "--env", "prod"]).output().unwrap();
    assert!(
        text(&status.stdout).contains("never applied by xtask"),
        "{}",
        all_output(&status)
    );
    assert!(!f.lock_exists().await, "the lock is released");

    // The network plan was rendered for terraform to read.
    let tfvars: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(f.repo.file("infra/prod/network.auto.tfvars.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(tfvars["vpc_cidr"], "10.0.0.0/16");
    assert_eq!(tfvars["private_subnets"][1], "10.0.32.0/20");
}

#[tokio::test]
async fn approve_applies_the_saved_plan_and_records_it() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let out = f.deploy(&["--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("applied: Plan: 2 to add, 1 to change, 0 to destroy."),
        "{}",
        all_output(&out)
    );
    assert!(
        !text(&out.stdout).contains("DANGER"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.tf.steps(), ["init", "plan", "show", "apply"]);
    let apply = &f.tf.calls()[3];
    assert_eq!(apply.args.last(), Some(&f.plan_file()), "the saved plan");

    let history = f.history();
    assert_eq!(history.len(), 1);
    let sha = f.repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(history[0]["action"], "deploy");
    assert_eq!(history[0]["outcome"], "succeeded");
    assert_eq!(history[0]["deployed"], sha.as_str());
    assert_eq!(history[0]["git_sha"], sha.as_str());
    assert!(history[0]["replaced"].is_null(), "{:?}", history[0]);
    assert_eq!(
        history[0]["detail"],
        "Plan: 2 to add, 1 to change, 0 to destroy."
    );
    let message = history[0]["message"].as_str().unwrap();
    assert!(message.contains("approved by --approve"), "{message}");
    // The first run wrote network.auto.tfvars.json, which is not committed yet.
    assert!(
        message.contains("with uncommitted changes: infra/prod/network.auto.tfvars.json"),
        "{message}"
    );
    assert!(
        text(&out.stderr).contains("infra/prod has uncommitted changes"),
        "{}",
        all_output(&out)
    );
    assert!(!f.lock_exists().await);
    let out = f.command(&["status", "--env", "prod"]).output().unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!("applied {} at ", &sha[..10])),
        "{}",
        all_output(&out)
    );

    // The next apply records what it replaced: the commit applied before.
    f.repo
        .write("infra/prod/main.tf", "# the shared stack, v2\n");
    let second = f.repo.commit("v2, with the rendered network plan");
    // Terraform's own working folder is never committed (nor reported).
    f.repo
        .write("infra/prod/.terraform/terraform.tfstate", "{}\n");
    let out = f.deploy(&["--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let history = f.history();
    assert_eq!(history[0]["deployed"], second.as_str());
    assert_eq!(history[0]["replaced"], sha.as_str());
    assert!(
        !history[0]["message"]
            .as_str()
            .unwrap()
            .contains("uncommitted"),
        "{:?}",
        history[0]
    );
}

#[tokio::test]
async fn the_github_environment_gate_approves_only_inside_github_actions() {
    let f = SharedStack::new(XTASK, "aws-plan-replaces-vpc.json").await;
    let out = f
        .command(&["deploy", "shared", "--env", "prod"])
        .env("XTASK_APPROVED_ENVIRONMENT", "prod-approval")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr)
            .contains("XTASK_APPROVED_ENVIRONMENT=prod-approval is ignored outside GitHub Actions"),
        "{}",
        all_output(&out)
    );
    assert!(!f.tf.steps().contains(&"apply".to_string()));

    // Under Actions, the gate is checked against the run's review history.
    let github = test_support::github_api::GitHubApi::start();
    github.review("approved", "alice", "prod-approval", "");
    let out = f
        .command(&["deploy", "shared", "--env", "prod"])
        .env("XTASK_APPROVED_ENVIRONMENT", "prod-approval")
        .envs(github.job_env())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.tf.steps().iter().filter(|s| *s == "apply").count(), 1);
    // Under Actions, the networking destroy is also an annotation.
    assert!(
        text(&out.stdout).contains("::warning title=shared destroys networking in prod::replace module.networking.aws_vpc.main"),
        "{}",
        all_output(&out)
    );
    let history = f.history();
    assert!(
        history[0]["message"]
            .as_str()
            .unwrap()
            .contains("approved by alice in the GitHub environment `prod-approval`"),
        "{:?}",
        history[0]
    );
}

#[tokio::test]
async fn dry_run_and_no_changes_apply_nothing() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let out = f.deploy(&["--dry-run", "--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("dry run, not applied"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.tf.steps(), ["init", "plan", "show"]);

    f.tf.show("real-plan-no-changes.json");
    let out = f.deploy(&["--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("ok     shared: No changes: the infrastructure matches"),
        "{}",
        all_output(&out)
    );
    assert!(!f.tf.steps().contains(&"apply".to_string()));
    assert!(f.history().is_empty());
    assert!(!f.lock_exists().await);
}

#[tokio::test]
async fn a_failed_apply_is_recorded_and_exits_1() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    f.tf.fail("apply");
    let out = f.deploy(&["--approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("terraform apply failed part way, some changes may be in place"),
        "{}",
        all_output(&out)
    );
    let history = f.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert!(!f.lock_exists().await, "released on failure too");
}

#[tokio::test]
async fn a_missing_terraform_is_one_line_exit_2_and_touches_nothing() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let out = f
        .command(&["deploy", "shared", "--env", "prod", "--approve"])
        .env("TERRAFORM", "/nonexistent/terraform")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("shared: TERRAFORM=/nonexistent/terraform: no such file"),
        "{stderr}"
    );

    let out = f
        .command(&["deploy", "shared", "--env", "prod", "--approve"])
        .env_remove("TERRAFORM")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("terraform not found on PATH: install Terraform"),
        "{}",
        all_output(&out)
    );
    assert!(f.tf.calls().is_empty(), "the stand-in was never run");
    assert!(f.history().is_empty());
    assert!(!f.lock_exists().await);
}

/// `{shared.ecs_cluster_name}` in an ECS target is read from the shared stack's
/// state in S3 when the target runs.
#[tokio::test]
async fn other_targets_read_shared_outputs_from_the_state_in_s3() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let sdk = emulator().sdk_config().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let id = unique_name("out");
    let (cluster, service, family) = (
        format!("{id}-cluster"),
        format!("{id}-service"),
        format!("{id}-api"),
    );
    test_support::fargate_service(&ecs, &cluster, &service, &family, &["example/app:v1"], 1).await;
    f.repo.write(
        "deploy.toml",
        &config(
            &f.state_bucket,
            &f.tf_bucket,
            &format!(
                r#"
[targets.api]
kind = "ecs"
paths = ["api/**"]
after = ["shared"]
cluster = "{{shared.ecs_cluster_name}}"
service = "{service}"
container = "app"
ecr_repository = "{id}-repo"
"#
            ),
        ),
    );

    // Before the stack was ever applied: the row says so.
    let out = f.command(&["status", "--env", "prod"]).output().unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!(
            "no state at s3://{}/shared/terraform.tfstate",
            f.tf_bucket
        )),
        "{}",
        all_output(&out)
    );

    // A real-format state (version 4) whose cluster is the one above.
    let state = std::fs::read_to_string(terraform_fixture("real-shared.tfstate"))
        .unwrap()
        .replace("connect2-cluster-prod", &cluster);
    f.s3.put_object()
        .bucket(&f.tf_bucket)
        .key("shared/terraform.tfstate")
        .body(state.into_bytes().into())
        .send()
        .await
        .unwrap();
    let out = f.command(&["status", "--env", "prod"]).output().unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!("{family}:1")),
        "the service was found in the cluster named by the state: {}",
        all_output(&out)
    );
    assert!(
        text(&out.stderr).contains(&format!("api: {{shared.ecs_cluster_name}} = {cluster}")),
        "{}",
        all_output(&out)
    );
}

/// The generated workflow's two jobs, as GitHub Actions runs them: `plan`
/// (a dry run that writes the fingerprint to `$GITHUB_OUTPUT`), then `apply`
/// behind the approval gate with `--expect-plan`.
#[tokio::test]
async fn the_reviewed_plan_is_applied_and_a_plan_that_moved_on_is_not() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let outputs = tempfile::NamedTempFile::new().unwrap();
    let out = f
        .command(&["deploy", "shared", "--env", "prod", "--dry-run"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", outputs.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    let written = std::fs::read_to_string(outputs.path()).unwrap();
    let fingerprint = written
        .lines()
        .find_map(|l| l.strip_prefix("plan_fingerprint="))
        .unwrap_or_else(|| panic!("no plan_fingerprint in $GITHUB_OUTPUT: {written}"))
        .to_string();
    assert!(
        text(&out.stdout).contains(&format!("shared: plan fingerprint {fingerprint}")),
        "{}",
        all_output(&out)
    );
    let github = test_support::github_api::GitHubApi::start();
    github.review("approved", "alice", "prod-approval", "");
    let apply = |fingerprint: &str| {
        f.command(&[
            "deploy",
            "shared",
            "--env",
            "prod",
            "--expect-plan",
            fingerprint,
        ])
        .envs(github.job_env())
        .env("XTASK_APPROVED_ENVIRONMENT", "prod-approval")
        .output()
        .unwrap()
    };

    // Between review and apply, someone changed the stack: nothing is applied.
    f.tf.show("aws-plan-replaces-vpc.json");
    let out = apply(&fingerprint);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("not applied: the plan is not the one reviewed")
            && all_output(&out).contains(&fingerprint),
        "{}",
        all_output(&out)
    );
    assert!(!f.tf.steps().contains(&"apply".to_string()));
    assert!(f.history().is_empty());
    assert!(!f.lock_exists().await);

    // The plan is the reviewed one: applied, and the ledger names the plan
    // and the gate.
    f.tf.show("aws-plan-adds-nat.json");
    let out = apply(&fingerprint);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.tf.steps().iter().filter(|s| *s == "apply").count(), 1);
    let record = &f.history()[0];
    assert_eq!(record["outcome"], "succeeded");
    let message = record["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("applied plan {fingerprint}"))
            && message.contains("approved by alice in the GitHub environment `prod-approval`"),
        "{message}"
    );

    // Not a fingerprint: bad input, before anything runs.
    let calls = f.tf.calls().len();
    let out = apply("not-a-fingerprint");
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("--expect-plan"),
        "{}",
        all_output(&out)
    );
    assert_eq!(f.tf.calls().len(), calls);
}

/// The network plan's tfvars file is made by `ci generate`, never by a
/// deploy: a missing or stale one stops the deploy before anything runs (exit
/// 2, naming the file and what to run), and `ci check` names it too.
#[tokio::test]
async fn a_missing_or_stale_network_tfvars_file_is_named_and_nothing_runs() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    let file = "infra/prod/network.auto.tfvars.json";
    std::fs::remove_file(f.repo.file(file)).unwrap();
    let out = f.deploy(&["--approve"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("shared: {file} is missing"))
            && err.contains("run `cargo xtask ci generate` and commit it"),
        "{err}"
    );
    assert!(f.tf.calls().is_empty(), "terraform never ran");
    assert!(!f.repo.file(file).exists(), "the deploy wrote nothing");
    assert!(f.history().is_empty());
    assert!(!f.lock_exists().await);

    // A hand edit: stale, for the deploy and for `ci check`.
    f.repo.write(file, "{\"vpc_cidr\": \"10.9.0.0/16\"}\n");
    let out = f.deploy(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!("shared: {file} differs from the network plan")),
        "{}",
        all_output(&out)
    );
    let check = f.command(&["ci", "check"]).output().unwrap();
    assert!(!check.status.success(), "{}", all_output(&check));
    assert!(
        text(&check.stdout).contains("network.auto.tfvars.json"),
        "{}",
        all_output(&check)
    );
    // `ci generate` puts it right, and `ci check` agrees.
    let generated = f.command(&["ci", "generate"]).output().unwrap();
    assert!(generated.status.success(), "{}", all_output(&generated));
    let check = f.command(&["ci", "check"]).output().unwrap();
    assert!(check.status.success(), "{}", all_output(&check));
}

/// A dry run writes nothing, in the repository either: `git status` is as
/// clean after it as before.
#[tokio::test]
async fn a_dry_run_leaves_git_status_clean() {
    let f = SharedStack::new(XTASK, "aws-plan-adds-nat.json").await;
    f.repo.commit("the generated files");
    assert_eq!(f.repo.git(&["status", "--porcelain"]), "");
    let out = f.deploy(&["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("dry run, not applied"),
        "{}",
        all_output(&out)
    );
    assert_eq!(
        f.repo.git(&["status", "--porcelain"]),
        "",
        "{}",
        all_output(&out)
    );
}
