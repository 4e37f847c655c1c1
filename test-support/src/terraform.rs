//! A stand-in for the `terraform` executable (no real one can reach its
//! providers here, and CI machines may have none): a small `sh` script that
//! records every call (folder and arguments), answers `show -json` with a plan
//! fixture, and fails a step when told to. Select it with `TERRAFORM=<path>`.
//!
//! The fixtures in `fixtures/terraform/` follow Terraform's real formats; the
//! `real-*` ones were written by a real Terraform (see the README there).

use std::path::{Path, PathBuf};

/// A fixture file under `test-support/fixtures/terraform/`.
pub fn terraform_fixture(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/terraform")
        .join(name);
    assert!(path.is_file(), "no fixture {}", path.display());
    path
}

/// One recorded call: the folder it ran in and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformCall {
    pub cwd: PathBuf,
    pub args: Vec<String>,
    /// `TF_IN_AUTOMATION` as the call saw it.
    pub in_automation: bool,
}

impl TerraformCall {
    /// The subcommand: `init`, `plan`, `show`, `apply`.
    pub fn step(&self) -> &str {
        self.args.first().map_or("", String::as_str)
    }
}

pub struct TerraformStandIn {
    dir: tempfile::TempDir,
}

const SCRIPT: &str = r#"#!/bin/sh
# A stand-in for terraform, written by test-support: records, answers, fails on demand.
here='@HERE@'
{ printf '%s\t%s' "${TF_IN_AUTOMATION:-}" "$(pwd)"; for a in "$@"; do printf '\t%s' "$a"; done; printf '\n'; } >> "$here/calls"
step="$1"
if [ -e "$here/fail-$step" ]; then echo "stand-in terraform: $step fails, as the test asked" >&2; exit 1; fi
case "$step" in
  init) echo "Terraform has been successfully initialized!" ;;
  plan)
    for a in "$@"; do case "$a" in -out=*) echo stand-in-plan > "${a#-out=}" ;; esac; done
    echo "Saved the plan." ;;
  show) cat "$here/show.json" ;;
  apply)
    for a in "$@"; do last="$a"; done
    if [ "$(cat "$last" 2>/dev/null)" != stand-in-plan ]; then echo "stand-in terraform: apply of $last, which plan did not write" >&2; exit 1; fi
    echo "Apply complete!" ;;
  *) echo "stand-in terraform: unexpected subcommand $step" >&2; exit 1 ;;
esac
"#;

impl TerraformStandIn {
    /// A stand-in whose `show -json` prints `plan_fixture` (a file name in the
    /// fixtures folder).
    pub fn new(plan_fixture: &str) -> TerraformStandIn {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("terraform-stand-in-")
            .tempdir()
            .expect("temp dir");
        let script = dir.path().join("terraform");
        std::fs::write(
            &script,
            SCRIPT.replace("@HERE@", dir.path().to_str().expect("utf-8 temp path")),
        )
        .expect("write the stand-in");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let stand_in = TerraformStandIn { dir };
        stand_in.show(plan_fixture);
        stand_in
    }

    /// The executable, for `TERRAFORM`.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("terraform")
    }

    /// From now on, `show -json` prints this fixture.
    pub fn show(&self, plan_fixture: &str) -> &Self {
        std::fs::copy(
            terraform_fixture(plan_fixture),
            self.dir.path().join("show.json"),
        )
        .expect("copy the fixture");
        self
    }

    /// From now on, `step` (`init`, `plan`, `show`, `apply`) exits 1.
    pub fn fail(&self, step: &str) -> &Self {
        std::fs::write(self.dir.path().join(format!("fail-{step}")), "").expect("write");
        self
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<TerraformCall> {
        let text = std::fs::read_to_string(self.dir.path().join("calls")).unwrap_or_default();
        text.lines()
            .map(|line| {
                let mut fields = line.split('\t');
                let in_automation = fields.next() == Some("1");
                let cwd = PathBuf::from(fields.next().unwrap_or_default());
                TerraformCall {
                    cwd,
                    args: fields.map(str::to_owned).collect(),
                    in_automation,
                }
            })
            .collect()
    }

    /// The subcommands called so far, in order.
    pub fn steps(&self) -> Vec<String> {
        self.calls().iter().map(|c| c.step().to_string()).collect()
    }
}
