//! deploy.toml: the example loads and resolves; each kind of bad file fails with
//! the file, the key and what was expected.

use std::path::Path;
use xtask::config::{Config, TargetKind, TargetSettings};

const VALID: &str = r#"
[project]
name = "connect2"
region = "us-west-2"
state_bucket = "connect2-deploy-state-{env}"

[environments.staging]
branch = "staging"
[environments.prod]
branch = "main"
region = "us-east-1"

[targets.shared]
kind = "terraform"
paths = ["infrastructure/**"]
dir = "infrastructure/terraform/environments/{env}"

[targets.api]
kind = "ecs"
paths = ["api/**", "!api/docs/**"]
after = ["shared"]
cluster = "connect2-api-cluster-{env}"
service = "connect2-api-service-{env}"
container = "connect2-api"
ecr_repository = "connect2-api-{env}"

[targets.api.env.prod]
cluster = "connect2-prod-cluster"

[targets.web]
kind = "static-site"
paths = ["web/**", "!web/docs/**"]
after = ["shared"]
build_dir = "web/dist"
bucket = "{project}-web-{env}-{region}"
preview_bucket = "pr-{pr}-connect2-web"
"#;

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(Path::new("deploy.toml"), text).map_err(|e| e.to_string())
}

#[test]
fn the_example_config_loads_in_run_order() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/connect2/deploy.toml");
    let config = Config::load(&file).unwrap();
    let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["shared", "api-infra", "web-infra", "api", "web"]);
    assert_eq!(config.environment_names(), "dev, local, prod, staging");
    let api = config.target("api").unwrap();
    assert_eq!(api.kind, TargetKind::Ecs);
    match &api.settings["staging"] {
        TargetSettings::Ecs(ecs) => {
            assert_eq!(ecs.cluster, "connect2-api-cluster-staging");
            assert_eq!(ecs.service, "connect2-api-service-staging");
        }
        other => panic!("api is ecs, got {other:?}"),
    }
    match &config.target("web").unwrap().settings["prod"] {
        TargetSettings::StaticSite(site) => {
            assert_eq!(site.bucket, "connect2-web-prod");
            assert_eq!(site.preview_bucket.as_deref(), Some("pr-{pr}-connect2-web"));
            assert_eq!(site.cache[0].cache_control, "no-cache");
        }
        other => panic!("web is a static site, got {other:?}"),
    }
    assert_eq!(config.state_bucket("prod"), "connect2-deploy-state-prod");
}

#[test]
fn overrides_and_templates_resolve_per_environment() {
    let config = parse(VALID).unwrap();
    let api = config.target("api").unwrap();
    let cluster = |env: &str| match &api.settings[env] {
        TargetSettings::Ecs(e) => e.cluster.clone(),
        _ => unreachable!(),
    };
    assert_eq!(cluster("staging"), "connect2-api-cluster-staging");
    assert_eq!(cluster("prod"), "connect2-prod-cluster");
    match &config.target("web").unwrap().settings["prod"] {
        TargetSettings::StaticSite(s) => assert_eq!(s.bucket, "connect2-web-prod-us-east-1"),
        _ => unreachable!(),
    }
    match &config.target("shared").unwrap().settings["staging"] {
        TargetSettings::Terraform(t) => {
            assert_eq!(t.dir, "infrastructure/terraform/environments/staging");
            assert!(t.approval, "approval defaults to on");
        }
        _ => unreachable!(),
    }
    assert_eq!(config.region("prod"), "us-east-1");
    assert_eq!(config.region("staging"), "us-west-2");
}

/// Each row: (what to change in VALID, the key the error must name, a phrase of
/// what was expected).
#[test]
fn bad_files_name_the_key_and_what_was_expected() {
    let rows: &[(&str, &str, &str, &str)] = &[
        // (description, replace this, with this, ...) encoded as find/replace.
        (
            "unknown top-level key",
            "[project]",
            "[projekt]\nx = 1\n[project]",
            "projekt",
        ),
        (
            "unknown project key",
            "region = \"us-west-2\"",
            "region = \"us-west-2\"\nregoin = \"x\"",
            "project.regoin",
        ),
        (
            "wrong type",
            "branch = \"staging\"",
            "branch = 3",
            "environments.staging.branch",
        ),
        (
            "missing field",
            "container = \"connect2-api\"\n",
            "",
            "missing field `container`",
        ),
        (
            "an address that is not a URL",
            "build_dir = \"web/dist\"",
            "build_dir = \"web/dist\"\nurl = \"app.connect.com\"",
            "targets.web.url",
        ),
        (
            "unknown target key",
            "container = \"connect2-api\"",
            "container = \"connect2-api\"\nimage_tag = \"x\"",
            "targets.api.image_tag",
        ),
        (
            "unknown kind",
            "kind = \"ecs\"",
            "kind = \"lambda\"",
            "targets.api.kind",
        ),
        (
            "unknown after",
            "after = [\"shared\"]\ncluster",
            "after = [\"sharde\"]\ncluster",
            "unknown target `sharde`",
        ),
        (
            "bad glob",
            "paths = [\"infrastructure/**\"]",
            "paths = [\"infrastructure/[**\"]",
            "targets.shared.paths",
        ),
        (
            "only negated paths",
            "paths = [\"infrastructure/**\"]",
            "paths = [\"!infrastructure/**\"]",
            "at least one pattern without `!`",
        ),
        (
            "unknown environment override",
            "[targets.api.env.prod]",
            "[targets.api.env.qa]",
            "targets.api.env.qa",
        ),
        (
            "override of paths",
            "cluster = \"connect2-prod-cluster\"",
            "paths = [\"x/**\"]",
            "cannot be overridden",
        ),
        (
            "unknown placeholder",
            "bucket = \"{project}-web-{env}-{region}\"",
            "bucket = \"web-{stage}\"",
            "unknown placeholder {stage}",
        ),
        (
            "pr outside preview",
            "bucket = \"{project}-web-{env}-{region}\"",
            "bucket = \"web-{pr}\"",
            "targets.web.bucket",
        ),
        (
            "syntax error",
            "[environments.prod]",
            "[environments.prod",
            "line ",
        ),
        (
            "bad environment name",
            "[environments.prod]",
            "[environments.Prod]",
            "environments.Prod",
        ),
        ("no targets", "[targets.shared]", "[nothing]", "nothing"),
        (
            "state bucket without key",
            "dir = \"infrastructure/terraform/environments/{env}\"",
            "dir = \"x\"\nstate_bucket = \"b\"",
            "targets.shared.state_key",
        ),
        (
            "bad cache glob",
            "preview_bucket",
            "cache = [{ glob = \"?x\", cache_control = \"no-cache\" }]\npreview_bucket",
            "targets.web.cache[0].glob",
        ),
    ];
    for (what, find, replace, expected) in rows {
        assert!(VALID.contains(find), "{what}: the fixture has no {find:?}");
        let text = VALID.replacen(find, replace, 1);
        let err = parse(&text).expect_err(what);
        assert!(err.starts_with("deploy.toml: "), "{what}: {err}");
        assert!(
            err.contains(expected),
            "{what}: {err:?} does not mention {expected:?}"
        );
        assert!(
            !err.contains('\n'),
            "{what}: the error must be one line: {err:?}"
        );
    }
}

#[test]
fn a_cycle_names_its_targets() {
    let text = VALID.replace(
        "kind = \"terraform\"",
        "kind = \"terraform\"\nafter = [\"web\"]",
    );
    let err = parse(&text).unwrap_err();
    assert!(err.contains("cycle"), "{err}");
    assert!(err.contains("shared") && err.contains("web"), "{err}");
}

#[test]
fn a_missing_file_names_it() {
    let err = Config::load(Path::new("/nonexistent/deploy.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("/nonexistent/deploy.toml: "), "{err}");
}

const NOTIFY: &str = r#"
[notify]
timeout = "5s"

[[notify.slack]]
url_env = "SLACK_WEBHOOK_DEPLOYS"

[[notify.slack]]
url_env = "SLACK_WEBHOOK_ONCALL"
environments = ["prod"]
outcomes = "failed"

[notify.env.staging]
timeout = "2s"
"#;

#[test]
fn notify_resolves_per_environment() {
    use std::time::Duration;
    use xtask::config::notify::Outcomes;
    let config = parse(&format!("{VALID}{NOTIFY}")).unwrap();
    let prod = &config.notify["prod"];
    let names: Vec<&str> = prod.slack.iter().map(|w| w.url_env.as_str()).collect();
    assert_eq!(names, ["SLACK_WEBHOOK_DEPLOYS", "SLACK_WEBHOOK_ONCALL"]);
    assert_eq!(prod.slack[1].outcomes, Outcomes::Failed);
    assert_eq!(prod.timeout, Duration::from_secs(5));
    // staging: the on-call webhook is prod's only; its own timeout.
    let staging = &config.notify["staging"];
    assert_eq!(staging.slack.len(), 1);
    assert_eq!(staging.slack[0].outcomes, Outcomes::All);
    assert_eq!(staging.timeout, Duration::from_secs(2));
    // An environment's `slack` replaces the list; without [notify], nobody.
    let off = parse(&format!("{VALID}{NOTIFY}[notify.env.prod]\nslack = []\n")).unwrap();
    assert!(off.notify["prod"].slack.is_empty());
    assert!(parse(VALID).unwrap().notify["prod"].slack.is_empty());
}

#[test]
fn bad_notify_keys_are_named_and_never_echo_a_url() {
    const URL: &str = "https://hooks.slack.com/services/T000/B000/s3cr3tt0k3n";
    let rows: &[(&str, &str, &str)] = &[
        (
            "url_env = \"SLACK_WEBHOOK_DEPLOYS\"",
            "url_env = \"URL\"",
            "notify.slack[0].url_env",
        ),
        (
            "url_env = \"SLACK_WEBHOOK_DEPLOYS\"",
            "url_env = \"slack\"",
            "notify.slack[0].url_env",
        ),
        (
            "url_env = \"SLACK_WEBHOOK_DEPLOYS\"",
            "url_env = \"GITHUB_TOKEN\"",
            "not starting with a digit or GITHUB_",
        ),
        (
            "url_env = \"SLACK_WEBHOOK_DEPLOYS\"",
            "url = \"URL\"",
            "unknown field `url`",
        ),
        (
            "environments = [\"prod\"]",
            "environments = \"URL\"",
            "notify.slack[1].environments",
        ),
        (
            "environments = [\"prod\"]",
            "environments = [\"qa\"]",
            "unknown environment `qa`",
        ),
        (
            "outcomes = \"failed\"",
            "outcomes = \"sometimes\"",
            "notify.slack[1].outcomes",
        ),
        ("[notify.env.staging]", "[notify.env.qa]", "notify.env.qa"),
        ("timeout = \"5s\"", "timeout = \"0s\"", "notify.timeout"),
        (
            "url_env = \"SLACK_WEBHOOK_ONCALL\"",
            "url_env = \"SLACK_WEBHOOK_DEPLOYS\"",
            "the same webhook",
        ),
        (
            "[notify.env.staging]",
            "[notify.env.staging]\nurl_env = \"URL\"",
            "notify.env.staging",
        ),
    ];
    for (find, replace, expected) in rows {
        let text = format!("{VALID}{NOTIFY}").replacen(find, &replace.replace("URL", URL), 1);
        let err = parse(&text).expect_err(replace);
        assert!(
            err.contains(expected),
            "{replace}: {err:?} does not mention {expected:?}"
        );
        assert!(
            !err.contains("s3cr3t"),
            "{replace}: the URL is echoed: {err}"
        );
        assert!(!err.contains('\n'), "{replace}: one line: {err:?}");
    }
}
