//! A preview's CloudFront resources as CloudFront answers for them (through
//! the AWS front): CreateDistribution's CallerReference met again after a lost
//! answer, origin access controls listed a page at a time and unique by name,
//! a failed DeleteOriginAccessControl, and a preview domain CloudFront would
//! not serve without a certificate.

use test_support::cli::{all_output, text};
use test_support::{emulator, Fault, FaultKind, PreviewSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn a_lost_answer_to_create_distribution_adopts_the_distribution_it_made() {
    let f = PreviewSite::new(XTASK).await;
    // CloudFront makes the distribution; the answer is lost; the SDK sends the
    // request again and CloudFront says DistributionAlreadyExists.
    emulator().inject(&Fault::cloudfront(
        &f.comment(31),
        "CreateDistributionWithTags",
        FaultKind::DropResponse,
        1,
    ));
    let out = f.xtask(&["preview", "up", "--pr", "31"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.distributions(31).await.len(), 1, "the one made, adopted");
    assert_eq!(
        f.object(&f.bucket(31), "index.html").await,
        b"<h1>preview</h1>\n"
    );
}

#[tokio::test]
async fn an_origin_access_control_on_a_later_page_is_found_not_made_twice() {
    let f = PreviewSite::new(XTASK).await;
    // One origin access control a page: whatever else the account holds comes
    // first, so the preview's is on a later page.
    emulator().cloudfront_page_size(1);
    for other in ["a", "b"] {
        f.cloudfront
            .create_origin_access_control()
            .origin_access_control_config(
                aws_sdk_cloudfront::types::OriginAccessControlConfig::builder()
                    .name(format!("{}-other-{other}", f.project))
                    .signing_protocol(
                        aws_sdk_cloudfront::types::OriginAccessControlSigningProtocols::Sigv4,
                    )
                    .signing_behavior(
                        aws_sdk_cloudfront::types::OriginAccessControlSigningBehaviors::Always,
                    )
                    .origin_access_control_origin_type(
                        aws_sdk_cloudfront::types::OriginAccessControlOriginTypes::S3,
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    // The first `up` makes the origin access control, then fails to make the
    // distribution; the second finds it.
    emulator().inject(&Fault::cloudfront(
        &f.comment(32),
        "CreateDistributionWithTags",
        FaultKind::Error,
        1,
    ));
    let out = f
        .command(&["preview", "up", "--pr", "32"])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert_eq!(f.origin_access_controls(32).await.len(), 1);
    let out = f.xtask(&["preview", "up", "--pr", "32"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        f.origin_access_controls(32).await.len(),
        1,
        "not made twice"
    );
    assert_eq!(f.distributions(32).await.len(), 1);
}

#[tokio::test]
async fn a_failed_delete_of_the_origin_access_control_is_reported() {
    let f = PreviewSite::new(XTASK).await;
    let out = f.xtask(&["preview", "up", "--pr", "33"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let oac = f.origin_access_controls(33).await.pop().expect("its OAC");
    emulator().inject(&Fault::cloudfront(
        &oac,
        "DeleteOriginAccessControl",
        FaultKind::Error,
        1,
    ));
    let out = f
        .command(&["preview", "down", "--pr", "33"])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    let all = all_output(&out);
    assert!(
        all.contains(&format!("origin access control {oac}"))
            && all.contains("InternalFailure")
            && all.contains(&format!(
                "aws cloudfront delete-origin-access-control --id {oac} --if-match"
            )),
        "{all}"
    );
    assert_eq!(f.origin_access_controls(33).await, [oac], "still there");
    assert!(
        f.distributions(33).await.is_empty(),
        "the distribution is gone"
    );
}

#[tokio::test]
async fn a_preview_domain_without_a_certificate_is_refused_when_the_config_loads() {
    let f = PreviewSite::new(XTASK).await;
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    let without: String = config
        .lines()
        .filter(|l| !l.starts_with("preview_certificate_arn"))
        .map(|l| format!("{l}\n"))
        .collect();
    f.repo.write("deploy.toml", &without);
    f.repo.commit("no certificate");
    let out = f.xtask(&["preview", "up", "--pr", "34"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("preview_domain") && err.contains("preview_certificate_arn"),
        "{err}"
    );
    assert!(!f.bucket_exists(34).await, "nothing made");

    // A certificate CloudFront cannot use (ACM outside us-east-1) likewise.
    let elsewhere = config.replace("arn:aws:acm:us-east-1:", "arn:aws:acm:eu-west-1:");
    f.repo.write("deploy.toml", &elsewhere);
    f.repo.commit("a certificate in eu-west-1");
    let out = f.xtask(&["preview", "up", "--pr", "34"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("us-east-1") && err.contains("preview_certificate_arn"),
        "{err}"
    );
    assert!(!f.bucket_exists(34).await, "nothing made");
}
