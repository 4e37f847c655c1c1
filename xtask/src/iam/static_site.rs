//! A `static-site` target (web-deployer/): its bucket and distribution; and,
//! for the preview role of the preview environment, its PR previews' buckets,
//! distributions, origin access controls and DNS records, and their own keys
//! in the state bucket (`<target>-pr-<N>`'s lock, ledger and releases).

use super::arn::Arns;
use super::document::Statement;
use super::Needs;
use crate::config::StaticSiteTarget;

pub fn needs(arns: &Arns, site: &StaticSiteTarget) -> Needs {
    let bucket = arns.s3(&site.bucket, "");
    let objects = arns.s3(&site.bucket, "*");
    let mut deploy = vec![
        // Versioning must be on; the listing says what is there (ETags).
        Statement::new(
            "SiteBuckets",
            &["s3:ListBucket", "s3:GetBucketVersioning"],
            vec![bucket.clone()],
        ),
        // Upload (multipart too), HEAD where the listing cannot tell, delete
        // what left the build; a rollback copies old versions in place.
        Statement::new(
            "SiteObjects",
            &[
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload",
            ],
            vec![objects],
        ),
    ];
    if let Some(id) = &site.distribution {
        deploy.push(Statement::new(
            "SiteInvalidations",
            &[
                "cloudfront:GetDistribution",
                "cloudfront:CreateInvalidation",
                "cloudfront:GetInvalidation",
            ],
            vec![arns.global("cloudfront", &format!("distribution/{id}"))],
        ));
    }
    if !site.alarms.is_empty() {
        deploy.push(super::ecs::alarms());
    }
    Needs {
        deploy,
        // Drift reads the listing only, never the objects.
        drift: vec![Statement::new(
            "SiteBuckets",
            &["s3:ListBucket"],
            vec![bucket],
        )],
    }
}

/// The preview role's statements for `target`'s previews (none without
/// `preview_bucket`): [`preview`], and the previews' own state keys — never
/// the site's bucket, distribution or state.
pub fn preview_needs(
    arns: &Arns,
    target: &str,
    site: &StaticSiteTarget,
    state_bucket: &str,
) -> Vec<Statement> {
    let mut statements = preview(arns, site);
    if statements.is_empty() {
        return statements;
    }
    let keys = ["locks", "ledger", "releases"]
        .iter()
        .map(|dir| arns.s3(state_bucket, &format!("{dir}/{target}-pr-*")))
        .collect();
    statements.push(Statement::new(
        "StateBucket",
        &["s3:ListBucket"],
        vec![arns.s3(state_bucket, "")],
    ));
    statements.push(Statement::new(
        "PreviewState",
        &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        keys,
    ));
    statements
}

/// `preview up|down|list|sweep`: a bucket per PR (named by `preview_bucket`),
/// a distribution and an origin access control each (their ids are made by
/// CloudFront, so `*`, found again by tag), an alias in `preview_zone_id`.
fn preview(arns: &Arns, site: &StaticSiteTarget) -> Vec<Statement> {
    let Some(pattern) = &site.preview_bucket else {
        return Vec::new();
    };
    let pattern = pattern.replace("{pr}", "*");
    let mut statements = vec![
        Statement::new(
            "PreviewBuckets",
            &[
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
                "s3:ListBucketVersions",
                "s3:GetBucketVersioning",
                "s3:PutBucketVersioning",
                "s3:PutBucketPublicAccessBlock",
                "s3:GetBucketPolicy",
                "s3:PutBucketPolicy",
                "s3:PutBucketTagging",
            ],
            vec![arns.s3(&pattern, "")],
        ),
        Statement::new(
            "PreviewObjects",
            &[
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
                "s3:AbortMultipartUpload",
            ],
            vec![arns.s3(&pattern, "*")],
        ),
        Statement::new(
            "PreviewDistributions",
            &[
                "cloudfront:CreateDistribution",
                "cloudfront:TagResource",
                "cloudfront:ListTagsForResource",
                "cloudfront:GetDistribution",
                "cloudfront:GetDistributionConfig",
                "cloudfront:UpdateDistribution",
                "cloudfront:DeleteDistribution",
                "cloudfront:CreateInvalidation",
                "cloudfront:GetInvalidation",
            ],
            vec![arns.global("cloudfront", "distribution/*")],
        ),
        Statement::new(
            "PreviewOriginAccess",
            &[
                "cloudfront:CreateOriginAccessControl",
                "cloudfront:GetOriginAccessControl",
                "cloudfront:DeleteOriginAccessControl",
            ],
            vec![arns.global("cloudfront", "origin-access-control/*")],
        ),
        // Listing takes no resource.
        Statement::new(
            "PreviewListings",
            &[
                "cloudfront:ListDistributions",
                "cloudfront:ListOriginAccessControls",
            ],
            vec!["*".into()],
        ),
    ];
    if let Some(zone) = &site.preview_zone_id {
        statements.push(Statement::new(
            "PreviewDns",
            &[
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
            ],
            vec![arns.route53(&format!(
                "hostedzone/{}",
                zone.trim_start_matches("/hostedzone/")
            ))],
        ));
    }
    statements
}
