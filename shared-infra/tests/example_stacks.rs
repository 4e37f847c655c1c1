//! The example's three stacks for its `local` environment (examples/connect2:
//! shared, then the API's and the web's, which take shared outputs as input
//! variables), run with the real terraform against the emulator in order, the
//! outputs of each read by name and handed to the next, as the toolkit does.

use std::path::{Path, PathBuf};

use shared_infra::{
    deploy_with_variables, read_stack_outputs, Approval, Clients, DeployOutcome, DeployRequest,
    StackOutputs, StackSettings, StateLocation, Terraform, Variables,
};
use test_support::{emulator, state_bucket, RealTerraform};

#[tokio::test]
async fn the_example_stacks_apply_in_order_and_their_outputs_flow_on() {
    let t = Example::new().await;

    let shared = t.apply("infrastructure", "shared", &[]).await;
    assert_eq!(
        shared.text("ecs_cluster_name").unwrap(),
        "connect2-api-cluster-local"
    );
    assert_eq!(
        shared.text("ecs_cluster_arn").unwrap(),
        "arn:aws:ecs:us-east-1:123456789012:cluster/connect2-api-cluster-local"
    );
    assert_eq!(shared.list("private_subnet_ids").unwrap().len(), 2);
    for name in ["vpc_id", "hosted_zone_id", "alert_topic_arn"] {
        assert!(!shared.text(name).unwrap().is_empty(), "{name}");
    }

    let api_inputs = [
        ("vpc_id", text(&shared, "vpc_id")),
        ("public_subnet_ids", list(&shared, "public_subnet_ids")),
        ("private_subnet_ids", list(&shared, "private_subnet_ids")),
    ];
    let api = t.apply("api", "api", &api_inputs).await;
    assert!(api
        .text("db_endpoint")
        .unwrap()
        .ends_with(".rds.amazonaws.com"));
    assert_eq!(api.text("db_port").unwrap(), "5432");
    assert!(api
        .text("alb_target_group_arn")
        .unwrap()
        .contains(":targetgroup/"));
    for name in ["redis_endpoint", "alb_dns_name", "db_secret_arn"] {
        assert!(!api.text(name).unwrap().is_empty(), "{name}");
    }
    let groups = api.list("security_group_ids").unwrap();
    assert!(
        !groups.is_empty() && groups.iter().all(|g| g.starts_with("sg-") && g.len() == 20),
        "{groups:?}"
    );

    let web_inputs = [("hosted_zone_id", text(&shared, "hosted_zone_id"))];
    let web = t.apply("web", "web", &web_inputs).await;
    assert_eq!(web.text("site_bucket").unwrap(), "connect2-web-local");
    assert!(!web.text("distribution_id").unwrap().is_empty());
    assert_eq!(
        web.text("site_url").unwrap(),
        "https://app.local.connect.com"
    );

    // Each again: nothing to do. A new VPC in the inputs changes the API's stack.
    assert_eq!(
        t.run("infrastructure", "shared", &[]),
        DeployOutcome::NoChanges
    );
    assert_eq!(t.run("api", "api", &api_inputs), DeployOutcome::NoChanges);
    assert_eq!(t.run("web", "web", &web_inputs), DeployOutcome::NoChanges);
    let moved = [
        ("vpc_id", serde_json::json!("vpc-0new0000000000001")),
        api_inputs[1].clone(),
        api_inputs[2].clone(),
    ];
    assert_eq!(t.run("api", "api", &moved), DeployOutcome::Applied);
    let groups_after = t
        .outputs("api")
        .await
        .list("security_group_ids")
        .unwrap()
        .to_vec();
    assert_ne!(groups_after, groups, "security groups belong to one VPC");
}

fn text(outputs: &StackOutputs, name: &str) -> serde_json::Value {
    outputs.text(name).unwrap().into()
}

fn list(outputs: &StackOutputs, name: &str) -> serde_json::Value {
    outputs.list(name).unwrap().into()
}

/// A copy of the example's stacks, their states in one bucket.
struct Example {
    terraform: RealTerraform,
    copy: tempfile::TempDir,
    clients: Clients,
    bucket: String,
}

impl Example {
    async fn new() -> Example {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/connect2");
        let copy = tempfile::tempdir().unwrap();
        for stack in ["infrastructure", "api/infrastructure", "web/infrastructure"] {
            let from = example.join(stack).join("terraform/environments/local");
            let to = copy.path().join(stack);
            std::fs::create_dir_all(&to).unwrap();
            for file in std::fs::read_dir(&from).unwrap() {
                let file = file.unwrap().path();
                std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
            }
        }
        let clients = Clients::new(&emulator().sdk_config().await);
        let bucket = state_bucket(&clients.s3).await;
        Example {
            terraform: RealTerraform::new(emulator()),
            copy,
            clients,
            bucket,
        }
    }

    /// `infrastructure` → its copy; `api` → the copy of api/infrastructure.
    fn dir(&self, folder: &str) -> PathBuf {
        match folder {
            "infrastructure" => self.copy.path().join("infrastructure"),
            app => self.copy.path().join(app).join("infrastructure"),
        }
    }

    fn location(&self, state: &str) -> StateLocation {
        StateLocation {
            bucket: self.bucket.clone(),
            key: format!("{state}/terraform.tfstate"),
            region: "us-east-1".into(),
        }
    }

    /// An approved deploy with these input variables.
    fn run(
        &self,
        folder: &str,
        state: &str,
        inputs: &[(&str, serde_json::Value)],
    ) -> DeployOutcome {
        let variables: Variables = inputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let terraform = Terraform::locate(Some(self.terraform.executable().into()), None).unwrap();
        let settings = StackSettings {
            dir: self.dir(folder),
            approval_required: true,
            state: Some(self.location(state)),
        };
        let request = DeployRequest {
            dry_run: false,
            approval: Some(Approval::Flag),
            expected_plan: None,
        };
        deploy_with_variables(&terraform, &settings, &variables, &request, |_| {})
            .unwrap_or_else(|e| panic!("{folder}: {e}"))
            .outcome
    }

    async fn apply(
        &self,
        folder: &str,
        state: &str,
        inputs: &[(&str, serde_json::Value)],
    ) -> StackOutputs {
        assert_eq!(
            self.run(folder, state, inputs),
            DeployOutcome::Applied,
            "{folder}"
        );
        self.outputs(state).await
    }

    async fn outputs(&self, state: &str) -> StackOutputs {
        read_stack_outputs(&self.clients, &self.location(state))
            .await
            .unwrap()
    }
}
