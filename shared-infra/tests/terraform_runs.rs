//! Terraform runs with a stand-in executable that records its calls: the steps,
//! their arguments and folder, and that nothing is applied without approval.

use shared_infra::{
    deploy, Approval, DeployOutcome, DeployRequest, StackSettings, StateLocation, Terraform,
};
use test_support::TerraformStandIn;

struct Stack {
    tf: TerraformStandIn,
    dir: tempfile::TempDir,
}

impl Stack {
    fn new(fixture: &str) -> Stack {
        Stack {
            tf: TerraformStandIn::new(fixture),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn settings(&self, approval_required: bool) -> StackSettings {
        StackSettings {
            dir: self.dir.path().to_path_buf(),
            approval_required,
            state: Some(StateLocation {
                bucket: "connect2-terraform-state-prod".into(),
                key: "shared/terraform.tfstate".into(),
                region: "us-west-2".into(),
            }),
        }
    }

    fn run(
        &self,
        approval_required: bool,
        dry_run: bool,
        approval: Option<Approval>,
    ) -> shared_infra::DeployReport {
        let terraform = Terraform::locate(Some(self.tf.path().into()), None).unwrap();
        let mut events = Vec::new();
        let report = deploy(
            &terraform,
            &self.settings(approval_required),
            &DeployRequest {
                dry_run,
                approval,
                expected_plan: None,
            },
            |e| events.push(format!("{e:?}")),
        )
        .unwrap();
        assert!(events[0].contains("init"), "{events:?}");
        assert!(
            events.iter().any(|e| e.starts_with("Planned")),
            "the summary is shown before any apply: {events:?}"
        );
        report
    }
}

#[test]
fn without_approval_the_plan_is_made_and_nothing_is_applied() {
    let s = Stack::new("aws-plan-replaces-vpc.json");
    let report = s.run(true, false, None);
    assert_eq!(report.outcome, DeployOutcome::NeedsApproval);
    assert_eq!(report.summary.to_destroy(), 4);
    assert_eq!(s.tf.steps(), ["init", "plan", "show"]);

    let calls = s.tf.calls();
    for call in &calls {
        assert_eq!(
            call.cwd.canonicalize().unwrap(),
            s.dir.path().canonicalize().unwrap()
        );
        assert!(call.in_automation, "TF_IN_AUTOMATION is set: {call:?}");
    }
    let init = &calls[0].args;
    for arg in [
        "-input=false",
        "-reconfigure",
        "-backend-config=bucket=connect2-terraform-state-prod",
        "-backend-config=key=shared/terraform.tfstate",
        "-backend-config=region=us-west-2",
        "-backend-config=use_lockfile=true",
    ] {
        assert!(init.contains(&arg.to_string()), "{arg} in {init:?}");
    }
    let out = calls[1]
        .args
        .iter()
        .find_map(|a| a.strip_prefix("-out="))
        .expect("plan -out=FILE");
    assert_eq!(calls[2].args, ["show", "-json", out]);
    assert!(
        !std::path::Path::new(out).exists(),
        "the plan file is removed after the run"
    );
}

#[test]
fn with_approval_the_saved_plan_is_applied() {
    for approval in [
        Approval::Flag,
        Approval::EnvironmentGate {
            environment: "prod-approval".into(),
            approved_by: "octocat".into(),
            comment: String::new(),
        },
    ] {
        let s = Stack::new("aws-plan-adds-nat.json");
        let report = s.run(true, false, Some(approval));
        assert_eq!(report.outcome, DeployOutcome::Applied);
        assert_eq!(s.tf.steps(), ["init", "plan", "show", "apply"]);
        let calls = s.tf.calls();
        let planned = calls[1]
            .args
            .iter()
            .find_map(|a| a.strip_prefix("-out="))
            .unwrap()
            .to_string();
        // Exactly the saved plan: the stand-in refuses any other file.
        assert_eq!(calls[3].args.last(), Some(&planned));
        assert!(calls[3].args.contains(&"-input=false".to_string()));
        assert!(
            !calls[3].args.iter().any(|a| a == "-auto-approve"),
            "a saved plan needs no -auto-approve"
        );
    }
}

#[test]
fn a_stack_without_approval_applies_and_dry_run_never_does() {
    let s = Stack::new("aws-plan-adds-nat.json");
    assert_eq!(s.run(false, false, None).outcome, DeployOutcome::Applied);

    let s = Stack::new("aws-plan-adds-nat.json");
    let report = s.run(false, true, Some(Approval::Flag));
    assert_eq!(report.outcome, DeployOutcome::DryRun);
    assert_eq!(s.tf.steps(), ["init", "plan", "show"]);
}

#[test]
fn a_plan_without_changes_applies_nothing_even_when_approved() {
    let s = Stack::new("real-plan-no-changes.json");
    let report = s.run(true, false, Some(Approval::Flag));
    assert_eq!(report.outcome, DeployOutcome::NoChanges);
    assert_eq!(s.tf.steps(), ["init", "plan", "show"]);
}

#[test]
fn failures_are_reported_with_the_step() {
    let s = Stack::new("aws-plan-adds-nat.json");
    s.tf.fail("apply");
    let report = s.run(true, false, Some(Approval::Flag));
    match report.outcome {
        DeployOutcome::ApplyFailed { message } => {
            assert!(message.contains("terraform apply failed"), "{message}")
        }
        other => panic!("expected ApplyFailed, got {other:?}"),
    }

    let s = Stack::new("aws-plan-adds-nat.json");
    s.tf.fail("plan");
    let terraform = Terraform::locate(Some(s.tf.path().into()), None).unwrap();
    let err = deploy(
        &terraform,
        &s.settings(true),
        &DeployRequest {
            dry_run: false,
            approval: Some(Approval::Flag),
            expected_plan: None,
        },
        |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("terraform plan failed"), "{err}");
    assert!(!err.is_bad_input());
    assert_eq!(s.tf.steps(), ["init", "plan"]);

    let missing = StackSettings {
        dir: s.dir.path().join("nope"),
        ..s.settings(true)
    };
    let err = deploy(
        &terraform,
        &missing,
        &DeployRequest {
            dry_run: false,
            approval: None,
            expected_plan: None,
        },
        |_| {},
    )
    .unwrap_err();
    assert!(err.is_bad_input());
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn an_expected_plan_is_applied_only_while_the_plan_is_the_same() {
    let s = Stack::new("aws-plan-adds-nat.json");
    let reviewed = s.run(true, true, None);
    assert_eq!(reviewed.outcome, DeployOutcome::DryRun);
    let fingerprint = reviewed.summary.fingerprint.clone();
    assert_eq!(fingerprint.len(), 32, "{fingerprint}");

    let terraform = Terraform::locate(Some(s.tf.path().into()), None).unwrap();
    let apply = |expected: &str| {
        deploy(
            &terraform,
            &s.settings(true),
            &DeployRequest {
                dry_run: false,
                approval: Some(Approval::Flag),
                expected_plan: Some(expected.to_string()),
            },
            |_| {},
        )
        .unwrap()
    };
    // The stack moved on between review and apply: the new plan is not applied.
    s.tf.show("aws-plan-replaces-vpc.json");
    let report = apply(&fingerprint);
    assert_eq!(
        report.outcome,
        DeployOutcome::PlanChanged {
            expected: fingerprint.clone()
        }
    );
    assert!(
        !s.tf.steps().contains(&"apply".to_string()),
        "{:?}",
        s.tf.steps()
    );

    // The plan reviewed is the plan made: applied.
    s.tf.show("aws-plan-adds-nat.json");
    assert_eq!(apply(&fingerprint).outcome, DeployOutcome::Applied);
    assert_eq!(s.tf.steps().last().map(String::as_str), Some("apply"));
}
