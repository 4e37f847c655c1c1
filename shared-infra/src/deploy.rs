//! A deploy of the stack: `init` (with the backend from the settings), `plan`
//! into a saved plan file, its summary from `show -json`, and `apply` of exactly
//! that saved plan — only with an approval when the stack needs one.

use std::collections::BTreeMap;

use crate::error::InfraError;
use crate::plan::PlanSummary;
use crate::terraform::Terraform;
use crate::StackSettings;

/// Who approved the apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// `--approve` on the command line.
    Flag,
    /// A GitHub Actions job that ran behind this environment's protection
    /// rules, with the review GitHub holds for the run (its review history).
    EnvironmentGate {
        environment: String,
        /// The reviewer's login.
        approved_by: String,
        /// What they wrote with the approval (may be empty).
        comment: String,
    },
}

impl Approval {
    pub fn describe(&self) -> String {
        match self {
            Approval::Flag => "--approve".into(),
            Approval::EnvironmentGate {
                environment,
                approved_by,
                comment,
            } => {
                let comment = comment.trim();
                let said = if comment.is_empty() {
                    String::new()
                } else {
                    format!(": {comment:?}")
                };
                format!("{approved_by} in the GitHub environment `{environment}`{said}")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct DeployRequest {
    /// Plan and summarize only; never apply.
    pub dry_run: bool,
    /// `None`: not approved (a stack that needs approval is planned, not applied).
    pub approval: Option<Approval>,
    /// Apply only a plan with this fingerprint ([`PlanSummary::fingerprint`]):
    /// the plan its approvers reviewed, made in another run.
    pub expected_plan: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployOutcome {
    /// The plan changes nothing: nothing was applied.
    NoChanges,
    /// `dry_run`: planned only.
    DryRun,
    /// The stack needs approval and none was given: planned only.
    NeedsApproval,
    /// The plan is not the one expected (`expected_plan`): not applied.
    PlanChanged { expected: String },
    /// The saved plan was applied.
    Applied,
    /// `terraform apply` failed part way: some changes may have been made.
    ApplyFailed { message: String },
}

#[derive(Debug, Clone)]
pub struct DeployReport {
    pub summary: PlanSummary,
    pub outcome: DeployOutcome,
}

/// Progress for the caller to show.
#[derive(Debug, Clone)]
pub enum DeployEvent<'a> {
    /// A terraform step starts: `init`, `plan`, `apply`.
    Step(&'static str),
    /// The saved plan's summary, before anything is applied.
    Planned(&'a PlanSummary),
}

/// Values for the root module's input variables, by name: e.g. other stacks'
/// outputs (a string, or a list of strings for a `list(string)` variable).
pub type Variables = BTreeMap<String, serde_json::Value>;

/// Runs the stack's deploy. Blocking: terraform runs as a child process.
pub fn deploy(
    terraform: &Terraform,
    settings: &StackSettings,
    request: &DeployRequest,
    on_event: impl FnMut(DeployEvent<'_>),
) -> Result<DeployReport, InfraError> {
    deploy_with_variables(terraform, settings, &Variables::new(), request, on_event)
}

/// [`deploy`], with values for the module's input variables: `plan` reads them
/// from a `-var-file` (JSON) in the run's private temp folder, so nothing is
/// written into the stack's folder; the saved plan holds them for `apply`.
pub fn deploy_with_variables(
    terraform: &Terraform,
    settings: &StackSettings,
    variables: &Variables,
    request: &DeployRequest,
    mut on_event: impl FnMut(DeployEvent<'_>),
) -> Result<DeployReport, InfraError> {
    let sh = terraform.shell(&settings.dir)?;

    on_event(DeployEvent::Step("init"));
    let mut init = vec!["-input=false".to_string(), "-reconfigure".to_string()];
    if let Some(state) = &settings.state {
        init.extend(state.backend_config_args());
    }
    terraform.stream(&sh, "init", &init)?;

    // The plan file holds the planned values (secrets included): keep it in a
    // private temp folder that goes away with this run.
    let plan_dir = tempfile::Builder::new()
        .prefix("xtask-tfplan-")
        .tempdir()
        .map_err(|e| InfraError::Terraform {
            step: "plan",
            dir: settings.dir.clone(),
            message: format!("creating a temp folder for the plan file: {e}"),
        })?;
    let plan_file = plan_dir.path().join("tfplan");
    let mut plan = vec![
        "-input=false".to_string(),
        format!("-out={}", plan_file.display()),
    ];
    if !variables.is_empty() {
        let var_file = plan_dir.path().join("variables.tfvars.json");
        let json = serde_json::to_vec_pretty(variables).expect("JSON values serialize");
        std::fs::write(&var_file, json).map_err(|e| InfraError::Terraform {
            step: "plan",
            dir: settings.dir.clone(),
            message: format!("writing the variables to {}: {e}", var_file.display()),
        })?;
        plan.push(format!("-var-file={}", var_file.display()));
    }
    on_event(DeployEvent::Step("plan"));
    terraform.stream(&sh, "plan", &plan)?;
    let summary = PlanSummary::parse(&terraform.show_json(&sh, &plan_file)?)?;
    on_event(DeployEvent::Planned(&summary));

    let outcome = if let Some(expected) = request
        .expected_plan
        .as_ref()
        .filter(|e| **e != summary.fingerprint)
    {
        DeployOutcome::PlanChanged {
            expected: expected.clone(),
        }
    } else if !summary.has_changes() {
        DeployOutcome::NoChanges
    } else if request.dry_run {
        DeployOutcome::DryRun
    } else if settings.approval_required && request.approval.is_none() {
        DeployOutcome::NeedsApproval
    } else {
        on_event(DeployEvent::Step("apply"));
        // A saved plan applies as planned, without a prompt, or not at all
        // (Terraform refuses a plan whose state has moved on).
        match terraform.stream(
            &sh,
            "apply",
            &["-input=false".to_string(), plan_file.display().to_string()],
        ) {
            Ok(()) => DeployOutcome::Applied,
            Err(e) => DeployOutcome::ApplyFailed {
                message: e.to_string(),
            },
        }
    };
    Ok(DeployReport { summary, outcome })
}
