//! A `terraform` target (shared-infra/): its state object in S3, which
//! Terraform's S3 backend reads and writes (with its lock file,
//! `use_lockfile`), and which `{TARGET.OUTPUT}` and `status` read.

use super::arn::Arns;
use super::document::Statement;
use super::Needs;
use crate::config::TerraformTarget;

pub fn needs(arns: &Arns, stack: &TerraformTarget) -> Needs {
    let (Some(bucket), Some(key)) = (&stack.state_bucket, &stack.state_key) else {
        return Needs::default();
    };
    // Without ListBucket a missing state answers 403, not 404: a first
    // deploy would read as "access denied".
    let list = || {
        Statement::new(
            "TerraformStateBuckets",
            &["s3:ListBucket"],
            vec![arns.s3(bucket, "")],
        )
    };
    Needs {
        deploy: vec![
            list(),
            Statement::new(
                "TerraformStates",
                &["s3:GetObject", "s3:PutObject"],
                vec![arns.s3(bucket, key)],
            ),
            Statement::new(
                "TerraformLocks",
                &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                vec![arns.s3(bucket, &format!("{key}.tflock"))],
            ),
        ],
        drift: vec![
            list(),
            Statement::new(
                "TerraformStates",
                &["s3:GetObject"],
                vec![arns.s3(bucket, key)],
            ),
        ],
    }
}
