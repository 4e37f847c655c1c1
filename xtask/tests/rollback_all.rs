//! `cargo xtask rollback all ENV`: the API side, then the web side, each on its
//! own lock and ledger record; one failing does not stop the other; the summary
//! and the exit code say which failed; terraform targets are never touched.
//!
//! Two ECS targets stand in for "API, then web": `api`, whose service is gone
//! (so its rollback fails), runs first; `worker` must still be rolled back.

use test_support::cli::{all_output, text};
use test_support::{
    deploy_toml, emulator, state_bucket, unique_name, GitRepo, TerraformStandIn, Xtask,
};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn one_side_failing_does_not_stop_the_other() {
    let sdk = emulator().sdk_config().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let id = unique_name("all");
    let (cluster, service, family, state_bucket) = (
        format!("{id}-cluster"),
        format!("{id}-worker"),
        format!("{id}-worker"),
        format!("{id}-state"),
    );
    s3.create_bucket()
        .bucket(&state_bucket)
        .send()
        .await
        .unwrap();
    // The worker runs revision 2; revision 1 ran before.
    test_support::fargate_service(
        &ecs,
        &cluster,
        &service,
        &family,
        &["example/worker:v1", "example/worker:v2"],
        2,
    )
    .await;

    let repo = GitRepo::new();
    repo.write(
        "deploy.toml",
        &format!(
            r#"{head}

[targets.shared]
kind = "terraform"
paths = ["infra/**"]
dir = "infra"

[targets.api]
kind = "ecs"
paths = ["api/**"]
after = ["shared"]
cluster = "{cluster}"
service = "{id}-gone"
container = "app"
ecr_repository = "{id}-api"

[targets.worker]
kind = "ecs"
paths = ["worker/**"]
after = ["shared"]
cluster = "{cluster}"
service = "{service}"
container = "app"
ecr_repository = "{id}-worker"
"#,
            head = deploy_toml::project("all", &state_bucket)
        ),
    )
    .write("infra/main.tf", "\n");
    repo.commit("initial");
    let tf = TerraformStandIn::new("aws-plan-adds-nat.json");

    let xtask = Xtask::on_emulator(XTASK, repo.path()).env("TERRAFORM", tf.path());
    let out = xtask.run(&["rollback", "all", "prod", "--poll-interval", "50ms"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);

    // API first, then the other side, which ran despite the failure.
    let api_at = stderr.find("rollback api (ecs) in prod").expect(&stderr);
    let worker_at = stderr.find("rollback worker (ecs) in prod").expect(&stderr);
    assert!(api_at < worker_at, "{stderr}");
    assert!(
        stdout.contains(&format!("FAILED api: api: service {id}-gone not found")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "ok     worker: rolled back {family}:2 → {family}:1"
        )),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: rollback failed for 1 of 2 targets: api"),
        "{stderr}"
    );
    // Shared infrastructure: an instruction, never a rollback.
    assert!(
        stdout.contains("shared (terraform) is never rolled back by `all`")
            && stdout.contains("cargo xtask rollback shared prod --commit <merge-sha>"),
        "{stdout}"
    );
    assert!(tf.calls().is_empty(), "terraform was not run");

    let svc = ecs
        .describe_services()
        .cluster(&cluster)
        .services(&service)
        .send()
        .await
        .unwrap();
    assert!(
        svc.services()[0]
            .task_definition()
            .unwrap()
            .ends_with(&format!("{family}:1")),
        "the worker runs the revision before"
    );

    // Each target's own ledger and lock: a record for the worker only, no lock left.
    let history = |target: &str| xtask.history(target, "prod");
    let worker = history("worker");
    assert_eq!(worker.len(), 1);
    assert_eq!(worker[0]["action"], "rollback");
    assert_eq!(worker[0]["outcome"], "succeeded");
    assert!(history("api").is_empty());
    assert!(history("shared").is_empty());
    let locks = state_bucket::locks(&s3, &state_bucket).await;
    assert!(locks.is_empty(), "{locks:?}");

    // `all` with --to or --commit is refused before anything runs.
    let out = xtask.run(&["rollback", "all", "prod", "--to", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let out = xtask.run(&["rollback", "all", "prod", "--commit", "HEAD"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("only for terraform targets"),
        "{}",
        all_output(&out)
    );
}

/// The runbook's case itself: the API (ECS, its service gone: fails) first, then
/// the web (a static site with two releases): the web is still rolled back. The
/// site is named `admin-web` so that only the kind, not the name, puts it second.
#[tokio::test]
async fn the_web_is_rolled_back_when_the_api_rollback_fails() {
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let id = unique_name("aw");
    let (bucket, state_bucket) = (format!("{id}-site"), format!("{id}-state"));
    for b in [&bucket, &state_bucket] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    test_support::enable_versioning(&s3, &bucket).await;
    let repo = GitRepo::new();
    repo.write(
        "deploy.toml",
        &format!(
            r#"{head}

[targets.admin-web]
kind = "static-site"
paths = ["web/**"]
build_dir = "web/dist"
bucket = "{bucket}"

[targets.api]
kind = "ecs"
paths = ["api/**"]
cluster = "{id}-cluster"
service = "{id}-gone"
container = "app"
ecr_repository = "{id}-api"
"#,
            head = deploy_toml::project("aw", &state_bucket)
        ),
    )
    .write("web/dist/index.html", "<h1>v1</h1>");
    repo.commit("web v1");
    let xtask = Xtask::on_emulator(XTASK, repo.path());
    let out = xtask.run(&["deploy", "admin-web", "--env", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    repo.write("web/dist/index.html", "<h1>v2</h1>");
    repo.commit("web v2");
    let out = xtask.run(&["deploy", "admin-web", "--env", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let index = || async {
        let got = s3
            .get_object()
            .bucket(&bucket)
            .key("index.html")
            .send()
            .await
            .unwrap();
        String::from_utf8(got.body.collect().await.unwrap().into_bytes().to_vec()).unwrap()
    };
    assert_eq!(index().await, "<h1>v2</h1>");

    let out = xtask.run(&["rollback", "all", "prod", "--poll-interval", "50ms"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // The API first (ECS before static sites, whatever the names), then the web.
    let api_at = stderr.find("rollback api (ecs) in prod").expect(&stderr);
    let web_at = stderr
        .find("rollback admin-web (static-site) in prod")
        .expect(&stderr);
    assert!(api_at < web_at, "{stderr}");
    assert!(stdout.contains("FAILED api: api: service"), "{stdout}");
    assert!(stdout.contains("ok     admin-web: "), "{stdout}");
    assert!(
        stderr.contains("error: rollback failed for 1 of 2 targets: api"),
        "{stderr}"
    );
    assert_eq!(
        index().await,
        "<h1>v1</h1>",
        "the web serves its previous release"
    );
    let history = xtask.history("admin-web", "prod");
    assert_eq!(history[0]["action"], "rollback");
    assert_eq!(history[0]["outcome"], "succeeded");
    let locks = state_bucket::locks(&s3, &state_bucket).await;
    assert!(locks.is_empty(), "{locks:?}");
}
