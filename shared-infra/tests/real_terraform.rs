//! Terraform runs with the real terraform (1.10+, on PATH) against the
//! emulator: stacks of built-in `terraform_data` resources, the S3 backend's
//! state and lock in the emulator's S3. What the stand-in cannot show: the
//! backend settings work, nothing is written without approval, terraform's own
//! messages reach the error, and its lock keeps another run from interleaving.

use shared_infra::{
    deploy, read_stack_outputs, Approval, Clients, DeployOutcome, DeployReport, DeployRequest,
    InfraError, OutputValue, StackSettings, StateLocation, Terraform,
};
use test_support::{emulator, state_bucket, RealTerraform};

const OUTPUTS: &str = r#"
terraform {
  backend "s3" {}
}

resource "terraform_data" "db" {
  input = "connect2-api-db-local.c1x2y3z4.us-east-1.rds.amazonaws.com"
}

output "db_endpoint" { value = terraform_data.db.output }
output "db_port" { value = 5432 }
output "multi_az" { value = false }
output "security_group_ids" { value = ["sg-0123456789abcdef0", "sg-0fedcba9876543210"] }
output "azs" { value = toset(["us-east-1b", "us-east-1a"]) }
output "tags" { value = { team = "api" } }
output "db_password" {
  value     = "s3cr3t-p4ss"
  sensitive = true
}
"#;

#[tokio::test]
async fn without_approval_the_plan_is_made_and_no_state_is_written() {
    let t = Test::new(OUTPUTS).await;
    let report = t.deploy(None, None).unwrap();
    assert_eq!(report.outcome, DeployOutcome::NeedsApproval);
    assert_eq!(report.summary.to_add(), 1, "{:?}", report.summary);
    assert_eq!(
        report.summary.terraform_version,
        test_support::real_terraform().1
    );
    assert!(t.objects().await.is_empty(), "no state, no lock left");
    // Terraform's own lock was taken and given back: use_lockfile reached it.
    let lock = format!("{}.tflock", t.location.key);
    let calls = emulator().s3_calls_for(&t.location.bucket);
    assert!(
        calls.contains(&("PutObject".into(), lock.clone())),
        "{calls:?}"
    );
    assert!(calls.contains(&("DeleteObject".into(), lock)), "{calls:?}");
}

#[tokio::test]
async fn an_approved_apply_writes_the_state_and_every_output_reads_back() {
    let t = Test::new(OUTPUTS).await;
    let report = t.deploy(Some(Approval::Flag), None).unwrap();
    assert_eq!(report.outcome, DeployOutcome::Applied);
    assert_eq!(
        t.objects().await,
        [t.location.key.as_str()],
        "the state, no lock"
    );

    let outputs = read_stack_outputs(&t.clients, &t.location).await.unwrap();
    assert_eq!(
        outputs.names(),
        [
            "azs",
            "db_endpoint",
            "db_password",
            "db_port",
            "multi_az",
            "security_group_ids",
            "tags"
        ]
    );
    assert_eq!(
        outputs.text("db_endpoint").unwrap(),
        "connect2-api-db-local.c1x2y3z4.us-east-1.rds.amazonaws.com"
    );
    assert_eq!(outputs.text("db_port").unwrap(), "5432");
    assert_eq!(outputs.text("multi_az").unwrap(), "false");
    assert_eq!(
        outputs.list("security_group_ids").unwrap(),
        ["sg-0123456789abcdef0", "sg-0fedcba9876543210"]
    );
    assert_eq!(outputs.list("azs").unwrap(), ["us-east-1a", "us-east-1b"]);
    assert!(matches!(
        outputs.get("tags").unwrap().value,
        OutputValue::Structured(_)
    ));
    let secret = outputs.get("db_password").unwrap();
    assert!(secret.sensitive);
    assert!(!outputs.get("db_endpoint").unwrap().sensitive);
    let refused = outputs.text("db_password").unwrap_err().to_string();
    assert!(refused.contains("marked sensitive"), "{refused}");
    assert!(!refused.contains("s3cr3t") && !format!("{outputs:?}").contains("s3cr3t"));
}

#[tokio::test]
async fn a_second_run_without_changes_applies_nothing() {
    let t = Test::new(OUTPUTS).await;
    t.deploy(Some(Approval::Flag), None).unwrap();
    let first = t.state().await;
    let before = emulator().s3_calls_for(&t.location.bucket).len();

    let report = t.deploy(Some(Approval::Flag), None).unwrap();
    assert_eq!(report.outcome, DeployOutcome::NoChanges);
    assert!(report.summary.fingerprint.is_empty());
    let calls = emulator().s3_calls_for(&t.location.bucket);
    let writes: Vec<_> = calls[before..]
        .iter()
        .filter(|(op, key)| op == "PutObject" && *key == t.location.key)
        .collect();
    assert!(writes.is_empty(), "the state is not written: {calls:?}");
    assert_eq!(t.state().await, first);
    assert_eq!(t.objects().await, [t.location.key.as_str()]);
}

#[tokio::test]
async fn a_wrong_expected_plan_is_refused_and_nothing_applied() {
    let t = Test::new(OUTPUTS).await;
    let reviewed = "0123456789abcdef0123456789abcdef".to_string();
    let report = t
        .deploy(Some(Approval::Flag), Some(reviewed.clone()))
        .unwrap();
    assert_eq!(
        report.outcome,
        DeployOutcome::PlanChanged { expected: reviewed }
    );
    assert!(t.objects().await.is_empty());

    // The fingerprint of the plan made is accepted.
    let planned = t.deploy(None, None).unwrap().summary.fingerprint;
    let report = t.deploy(Some(Approval::Flag), Some(planned)).unwrap();
    assert_eq!(report.outcome, DeployOutcome::Applied);
}

#[tokio::test]
async fn a_broken_stack_fails_with_terraforms_message_and_releases_the_lock() {
    let t = Test::new(
        r#"
terraform {
  backend "s3" {}
}

resource "terraform_data" "migration" {
  provisioner "local-exec" {
    command = "echo 'the database subnet group is full' >&2; exit 1"
  }
}
"#,
    )
    .await;
    let report = t.deploy(Some(Approval::Flag), None).unwrap();
    let DeployOutcome::ApplyFailed { message } = report.outcome else {
        panic!("expected ApplyFailed, got {:?}", report.outcome)
    };
    assert!(
        message.contains("terraform apply failed")
            && message.contains("local-exec provisioner error")
            && message.contains("Output: the database subnet group is full"),
        "{message}"
    );
    // Terraform records the failed resource (tainted) and frees its lock.
    assert_eq!(t.objects().await, [t.location.key.as_str()]);

    // A stack that does not plan: the error is terraform's, nothing written.
    let t =
        Test::new("terraform {\n  backend \"s3\" {}\n}\noutput \"a\" { value = var.missing }\n")
            .await;
    let err = t.deploy(Some(Approval::Flag), None).unwrap_err();
    assert!(
        matches!(err, InfraError::Terraform { step: "plan", .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("Reference to undeclared input variable: An input variable with the name \"missing\" has not been declared"),
        "{err}"
    );
    assert!(t.objects().await.is_empty());
}

#[tokio::test]
async fn a_run_holding_the_lock_keeps_ours_from_interleaving() {
    let t = Test::new(OUTPUTS).await;
    // Another terraform run on the same state, outside this crate, holding
    // the lock until the test opens its gate.
    let holder = t.other_run_holding_the_lock();
    let lock = format!("{}.tflock", t.location.key);
    t.wait_for_object(&lock).await;

    let err = t.deploy(Some(Approval::Flag), None).unwrap_err();
    let message = err.to_string();
    let InfraError::StateLocked {
        step,
        id,
        holder: who,
        lock_object,
        ..
    } = &err
    else {
        panic!("expected StateLocked, got {message}")
    };
    assert_eq!(*step, "plan");
    assert!(who.starts_with("apply by "), "{who}");
    assert_eq!(
        lock_object.as_deref(),
        Some(format!("s3://{}/{lock}", t.location.bucket).as_str())
    );
    assert!(
        message.contains("locked by another terraform run")
            && message.contains(&format!("terraform force-unlock {id}")),
        "{message}"
    );

    assert!(holder.finish().success(), "the other run finishes");
    assert_eq!(
        t.objects().await,
        [t.location.key.as_str()],
        "its lock is gone"
    );
    let state: serde_json::Value = serde_json::from_slice(&t.state().await).unwrap();
    assert_eq!(state["serial"], 1, "one apply wrote the state: {state}");
    assert!(state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "slow"));
}

/// A terraform apply of the same state, in a folder of its own, stuck in a
/// provisioner until [`Holder::finish`] (or its drop, or a minute) opens the
/// gate: it never outlives its test.
struct Holder {
    child: Option<std::process::Child>,
    gate: std::path::PathBuf,
}

impl Holder {
    fn finish(mut self) -> std::process::ExitStatus {
        std::fs::write(&self.gate, "").unwrap();
        self.child.take().unwrap().wait().unwrap()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = std::fs::write(&self.gate, "");
            let _ = child.wait();
        }
    }
}

/// A stack in a temp folder, its state in a bucket of its own.
struct Test {
    terraform: RealTerraform,
    dir: std::path::PathBuf,
    clients: Clients,
    location: StateLocation,
}

impl Test {
    async fn new(main_tf: &str) -> Test {
        let terraform = RealTerraform::new(emulator());
        let dir = terraform.stack(main_tf);
        let clients = Clients::new(&emulator().sdk_config().await);
        let bucket = state_bucket(&clients.s3).await;
        let location = StateLocation {
            bucket,
            key: "api/terraform.tfstate".into(),
            region: "us-east-1".into(),
        };
        Test {
            terraform,
            dir,
            clients,
            location,
        }
    }

    /// A deploy of the stack, which needs approval.
    fn deploy(
        &self,
        approval: Option<Approval>,
        expected_plan: Option<String>,
    ) -> Result<DeployReport, InfraError> {
        let terraform = Terraform::locate(Some(self.terraform.executable().into()), None).unwrap();
        let settings = StackSettings {
            dir: self.dir.clone(),
            approval_required: true,
            state: Some(self.location.clone()),
        };
        let request = DeployRequest {
            dry_run: false,
            approval,
            expected_plan,
        };
        deploy(&terraform, &settings, &request, |_| {})
    }

    fn other_run_holding_the_lock(&self) -> Holder {
        let gate = self.dir.join("gate");
        let other = self.terraform.stack(&format!(
            r#"{OUTPUTS}
resource "terraform_data" "slow" {{
  provisioner "local-exec" {{
    command = "i=0; while [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
  }}
}}
"#,
            gate.display()
        ));
        let mut init = vec!["init", "-input=false", "-no-color"];
        let backend = self.location.backend_config_args();
        init.extend(backend.iter().map(String::as_str));
        let init = self.terraform.command(&other, &init).output().unwrap();
        assert!(init.status.success(), "{init:?}");
        let child = self
            .terraform
            .command(
                &other,
                &["apply", "-input=false", "-no-color", "-auto-approve"],
            )
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Holder {
            child: Some(child),
            gate,
        }
    }

    /// Every key in the bucket.
    async fn objects(&self) -> Vec<String> {
        let listed = self
            .clients
            .s3
            .list_objects_v2()
            .bucket(&self.location.bucket)
            .send()
            .await
            .unwrap();
        listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect()
    }

    async fn state(&self) -> Vec<u8> {
        let out = self
            .clients
            .s3
            .get_object()
            .bucket(&self.location.bucket)
            .key(&self.location.key)
            .send()
            .await
            .unwrap();
        out.body.collect().await.unwrap().into_bytes().to_vec()
    }

    async fn wait_for_object(&self, key: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !self.objects().await.iter().any(|k| k == key) {
            assert!(
                std::time::Instant::now() < deadline,
                "{key} did not appear within 30 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
