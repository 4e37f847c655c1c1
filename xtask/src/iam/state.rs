//! The environment's state bucket: the ledger, locks and release manifests
//! (xtask/src/state/). Every command that works in an environment reads it;
//! those that deploy write it.

use super::arn::Arns;
use super::document::Statement;
use super::Needs;

pub fn needs(arns: &Arns, bucket: &str) -> Needs {
    let on_bucket = || vec![arns.s3(bucket, "")];
    let objects = || vec![arns.s3(bucket, "*")];
    Needs {
        deploy: vec![
            // HeadBucket (is it there?), ListObjectsV2 (the ledger); without
            // it a missing record answers 403 instead of 404.
            Statement::new("StateBucket", &["s3:ListBucket"], on_bucket()),
            // Records and manifests; a lock is a PutObject with If-None-Match
            // and a DeleteObject.
            Statement::new(
                "StateObjects",
                &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                objects(),
            ),
        ],
        drift: vec![
            Statement::new("StateBucket", &["s3:ListBucket"], on_bucket()),
            Statement::new("StateObjects", &["s3:GetObject"], objects()),
        ],
    }
}

/// `bootstrap`: creating a bucket private and versioned, when it is missing.
pub fn bootstrap(arns: &Arns, buckets: &[String]) -> Vec<Statement> {
    vec![Statement::new(
        "CreateStateBuckets",
        &[
            "s3:ListBucket",
            "s3:CreateBucket",
            "s3:PutBucketPublicAccessBlock",
            "s3:GetBucketVersioning",
            "s3:PutBucketVersioning",
        ],
        buckets.iter().map(|b| arns.s3(b, "")).collect(),
    )]
}
