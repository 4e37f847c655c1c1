//! deploy.toml's terraform keys: the network plan (checked across environments
//! before anything runs) and `{TARGET.OUTPUT}` placeholders.

use std::path::Path;
use xtask::config::{Config, TargetSettings};

const BASE: &str = r#"
[project]
name = "connect2"
region = "us-west-2"
state_bucket = "connect2-deploy-state-{env}"

[environments.staging]
branch = "staging"
[environments.prod]
branch = "main"

[targets.shared]
kind = "terraform"
paths = ["infrastructure/**"]
dir = "infrastructure/terraform/environments/{env}"
state_bucket = "connect2-terraform-state-{env}"
state_key = "shared/terraform.tfstate"
azs = ["{region}a", "{region}b"]

[targets.shared.env.staging]
vpc_cidr = "10.1.0.0/16"
public_subnets = ["10.1.0.0/24", "10.1.1.0/24"]
private_subnets = ["10.1.10.0/24", "10.1.11.0/24"]

[targets.shared.env.prod]
vpc_cidr = "10.0.0.0/16"
public_subnets = ["10.0.0.0/24", "10.0.1.0/24"]
private_subnets = ["10.0.10.0/24", "10.0.11.0/24"]

[targets.api]
kind = "ecs"
paths = ["api/**"]
after = ["shared"]
cluster = "{shared.ecs_cluster_name}"
service = "connect2-api-service-{env}"
container = "connect2-api"
ecr_repository = "connect2-api-{env}"
"#;

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(Path::new("deploy.toml"), text).map_err(|e| e.to_string())
}

fn shared(config: &Config, env: &str) -> xtask::config::TerraformTarget {
    match &config.target("shared").unwrap().settings[env] {
        TargetSettings::Terraform(t) => t.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_network_plan_resolves_per_environment() {
    let config = parse(BASE).unwrap();
    let prod = shared(&config, "prod").network().unwrap();
    assert_eq!(prod.vpc_cidr, "10.0.0.0/16");
    assert_eq!(prod.azs, ["us-west-2a", "us-west-2b"]);
    assert_eq!(
        shared(&config, "staging").network().unwrap().vpc_cidr,
        "10.1.0.0/16"
    );
    // Outputs stay as placeholders until a run reads the state.
    match &config.target("api").unwrap().settings["prod"] {
        TargetSettings::Ecs(e) => assert_eq!(e.cluster, "{shared.ecs_cluster_name}"),
        other => panic!("{other:?}"),
    }
}

/// Each row: a find/replace on BASE, the key the error must name and a phrase of
/// what was expected.
#[test]
fn bad_networks_and_outputs_name_the_key() {
    let rows: &[(&str, &str, &str, &str)] = &[
        (
            "vpc_cidr = \"10.1.0.0/16\"\npublic_subnets = [\"10.1.0.0/24\", \"10.1.1.0/24\"]\nprivate_subnets = [\"10.1.10.0/24\", \"10.1.11.0/24\"]",
            "vpc_cidr = \"10.0.0.0/16\"\npublic_subnets = [\"10.0.0.0/24\", \"10.0.1.0/24\"]\nprivate_subnets = [\"10.0.10.0/24\", \"10.0.11.0/24\"]",
            "targets.shared.env.staging.vpc_cidr",
            "overlaps the VPC of prod (10.0.0.0/16)",
        ),
        (
            "\"10.0.11.0/24\"]",
            "\"10.2.11.0/24\"]",
            "targets.shared.env.prod.private_subnets[1]",
            "10.2.11.0/24 is not inside the VPC 10.0.0.0/16",
        ),
        (
            "[\"10.0.0.0/24\", \"10.0.1.0/24\"]",
            "[\"10.0.0.0/24\", \"10.0.0.128/25\"]",
            "targets.shared.env.prod.public_subnets[1]",
            "overlaps public_subnets[0]",
        ),
        (
            "azs = [\"{region}a\", \"{region}b\"]",
            "azs = [\"{region}a\"]",
            "targets.shared.azs",
            "at least 2 availability zones",
        ),
        (
            "azs = [\"{region}a\", \"{region}b\"]",
            "azs = [\"{region}a\", \"us-east-1b\"]",
            "targets.shared.azs[1]",
            "not an availability zone of us-west-2",
        ),
        (
            "vpc_cidr = \"10.0.0.0/16\"",
            "vpc_cidr = \"10.0.0.0/33\"",
            "targets.shared.env.prod.vpc_cidr",
            "not an IPv4 CIDR block",
        ),
        (
            "public_subnets = [\"10.0.0.0/24\", \"10.0.1.0/24\"]\n",
            "",
            "targets.shared.public_subnets",
            "go together",
        ),
        (
            "vpc_cidr = \"10.0.0.0/16\"",
            "vpc_cidr = 16",
            "targets.shared.env.prod.vpc_cidr",
            "expected a string",
        ),
        (
            "{shared.ecs_cluster_name}",
            "{infra.ecs_cluster_name}",
            "targets.api.cluster",
            "unknown target `infra`",
        ),
        (
            "{shared.ecs_cluster_name}",
            "{api.ecs_cluster_name}",
            "targets.api.cluster",
            "`api` is not a terraform target",
        ),
        (
            "after = [\"shared\"]\ncluster",
            "cluster",
            "targets.api.cluster",
            "add \"shared\" to targets.api.after",
        ),
        (
            "state_key = \"shared/terraform.tfstate\"\n",
            "",
            "targets.shared.state_key",
            "go together",
        ),
        (
            "state_bucket = \"connect2-terraform-state-{env}\"\nstate_key = \"shared/terraform.tfstate\"\n",
            "",
            "targets.api.cluster",
            "has no `state_bucket` and `state_key`",
        ),
        (
            "state_bucket = \"connect2-deploy-state-{env}\"",
            "state_bucket = \"{shared.vpc_id}\"",
            "project.state_bucket",
            "unknown placeholder {shared.vpc_id}",
        ),
    ];
    for (find, replace, key, phrase) in rows {
        assert!(
            BASE.contains(find),
            "row {key}: {find:?} is not in the base config"
        );
        let err = parse(&BASE.replacen(find, replace, 1))
            .expect_err(&format!("{key}: expected an error"));
        assert!(
            err.starts_with(&format!("deploy.toml: {key}: ")),
            "{key}: {err}"
        );
        assert!(err.contains(phrase), "{key}: {err}");
    }
}

#[test]
fn a_base_value_wrong_for_one_environment_names_that_environment() {
    // The base subnets sit in prod's VPC; staging overrides only its VPC.
    let text = BASE
        .replacen(
            "public_subnets = [\"10.1.0.0/24\", \"10.1.1.0/24\"]\nprivate_subnets = [\"10.1.10.0/24\", \"10.1.11.0/24\"]\n",
            "",
            1,
        )
        .replacen(
            "azs = [\"{region}a\", \"{region}b\"]",
            "azs = [\"{region}a\", \"{region}b\"]\npublic_subnets = [\"10.0.0.0/24\", \"10.0.1.0/24\"]\nprivate_subnets = [\"10.0.10.0/24\", \"10.0.11.0/24\"]",
            1,
        );
    let err = parse(&text).unwrap_err();
    assert!(
        err.contains("deploy.toml: targets.shared.public_subnets[0]: 10.0.0.0/24 is not inside the VPC 10.1.0.0/16 (environment staging)"),
        "{err}"
    );
}

/// The example's committed tfvars file is what its deploy.toml renders: the
/// module and the config cannot drift (a deploy rewrites it too).
#[test]
fn the_example_network_tfvars_match_the_config() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/connect2");
    let config = Config::load(&root.join("deploy.toml")).unwrap();
    let mut checked = 0;
    for target in &config.targets {
        for (env, settings) in &target.settings {
            let TargetSettings::Terraform(tf) = settings else {
                continue;
            };
            let Some((path, text)) = config.network_tfvars(&target.name, env) else {
                continue;
            };
            if !root.join(&tf.dir).is_dir() {
                continue;
            }
            let on_disk = std::fs::read_to_string(root.join(&path))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                on_disk,
                text,
                "{} differs from deploy.toml: run `cargo xtask deploy {} --env {env} --dry-run` (or copy the rendering)",
                path.display(),
                target.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "the example has a network plan for prod");
}
