//! CloudFront as AWS answers where moto does not: invalidations that take
//! time within the in-progress limits, edge caches that match invalidation
//! paths as written, origin access controls paged, unique by name, not
//! deleted while in use, and kept on the distribution that names one.

use std::time::Duration;

use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, DistributionConfig, InvalidationBatch, Origin, OriginAccessControlConfig,
    OriginAccessControlOriginTypes, OriginAccessControlSigningBehaviors,
    OriginAccessControlSigningProtocols, Origins, Paths, S3OriginConfig, ViewerProtocolPolicy,
};
use test_support::{emulator, unique_name, Busy};

async fn clients() -> (aws_sdk_cloudfront::Client, aws_sdk_s3::Client) {
    let sdk = emulator().sdk_config().await;
    (
        aws_sdk_cloudfront::Client::new(&sdk),
        aws_sdk_s3::Client::new(&sdk),
    )
}

/// A distribution in front of `bucket`, its origin signed by `oac` if given.
async fn distribution(cf: &aws_sdk_cloudfront::Client, bucket: &str, oac: Option<&str>) -> String {
    let origin = Origin::builder()
        .id("site")
        .domain_name(format!("{bucket}.s3.us-east-1.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .set_origin_access_control_id(oac.map(str::to_owned))
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference(unique_name("ref"))
        .comment("aws front tests")
        .enabled(true)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::AllowAll)
                .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let out = cf
        .create_distribution()
        .distribution_config(config)
        .send()
        .await
        .unwrap();
    out.distribution().unwrap().id().to_string()
}

async fn invalidate(
    cf: &aws_sdk_cloudfront::Client,
    id: &str,
    paths: &[&str],
) -> Result<String, String> {
    let batch = InvalidationBatch::builder()
        .caller_reference(unique_name("inv"))
        .paths(
            Paths::builder()
                .quantity(paths.len() as i32)
                .set_items(Some(paths.iter().map(|p| p.to_string()).collect()))
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    match cf
        .create_invalidation()
        .distribution_id(id)
        .invalidation_batch(batch)
        .send()
        .await
    {
        Ok(out) => Ok(out.invalidation().unwrap().id().to_string()),
        Err(e) => Err(sdk_error::code(&e).unwrap_or("?").to_string()),
    }
}

#[tokio::test]
async fn invalidations_in_progress_count_against_cloudfronts_limits() {
    let (cf, s3) = clients().await;
    let bucket = unique_name("limits");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let id = distribution(&cf, &bucket, None).await;
    emulator().invalidations_take(&id, Duration::from_millis(1500));
    let wildcards: Vec<String> = (0..15).map(|i| format!("/f{i}/*")).collect();
    let refs: Vec<&str> = wildcards.iter().map(String::as_str).collect();
    let first = invalidate(&cf, &id, &refs).await.expect("15 wildcards fit");
    let status = cf
        .get_invalidation()
        .distribution_id(&id)
        .id(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(status.invalidation().unwrap().status(), "InProgress");
    assert_eq!(
        invalidate(&cf, &id, &["/*"]).await,
        Err("TooManyInvalidationsInProgress".into())
    );
    // File paths are counted apart from wildcards.
    invalidate(&cf, &id, &["/index.html"])
        .await
        .expect("a file path fits");
    emulator().invalidations_busy(
        &id,
        Busy {
            file_paths: 3000,
            wildcard_paths: 0,
            for_: Duration::from_secs(600),
        },
    );
    assert_eq!(
        invalidate(&cf, &id, &["/about.html"]).await,
        Err("TooManyInvalidationsInProgress".into())
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    invalidate(&cf, &id, &["/*"])
        .await
        .expect("the wildcards are done");
    let status = cf
        .get_invalidation()
        .distribution_id(&id)
        .id(&first)
        .send()
        .await
        .unwrap();
    assert!(status
        .invalidation()
        .unwrap()
        .status()
        .eq_ignore_ascii_case("completed"));
}

#[tokio::test]
async fn edge_caches_are_invalidated_only_by_paths_as_cloudfront_matches_them() {
    let (cf, s3) = clients().await;
    let bucket = unique_name("edge");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let id = distribution(&cf, &bucket, None).await;
    for body in ["v1", "v2"] {
        for key in ["a+b.html", "page (1).html", "new.html"] {
            if body == "v2" && key == "new.html" {
                continue;
            }
            s3.put_object()
                .bucket(&bucket)
                .key(key)
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
    }
    assert_eq!(
        emulator().stale_keys(&id),
        ["a+b.html", "page (1).html"],
        "written once: never stale"
    );
    invalidate(&cf, &id, &["/a%2Bb.html", "/page%20%281%29.html"])
        .await
        .unwrap();
    assert_eq!(
        emulator().stale_keys(&id),
        ["a+b.html", "page (1).html"],
        "over-encoded: no match"
    );
    invalidate(&cf, &id, &["/a+b.html", "/page%20(1).html"])
        .await
        .unwrap();
    assert!(emulator().stale_keys(&id).is_empty());
    s3.delete_object()
        .bucket(&bucket)
        .key("a+b.html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        emulator().stale_keys(&id),
        ["a+b.html"],
        "a deleted page is stale too"
    );
    invalidate(&cf, &id, &["/*"]).await.unwrap();
    assert!(emulator().stale_keys(&id).is_empty());
}

fn oac_config(name: &str) -> OriginAccessControlConfig {
    OriginAccessControlConfig::builder()
        .name(name)
        .signing_protocol(OriginAccessControlSigningProtocols::Sigv4)
        .signing_behavior(OriginAccessControlSigningBehaviors::Always)
        .origin_access_control_origin_type(OriginAccessControlOriginTypes::S3)
        .build()
        .unwrap()
}

#[tokio::test]
async fn origin_access_controls_as_cloudfront_keeps_them() {
    let (cf, s3) = clients().await;
    let name = unique_name("oac");
    let created = cf
        .create_origin_access_control()
        .origin_access_control_config(oac_config(&name))
        .send()
        .await
        .unwrap();
    let oac = created.origin_access_control().unwrap().id().to_string();
    let again = cf
        .create_origin_access_control()
        .origin_access_control_config(oac_config(&name))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        sdk_error::code(&again),
        Some("OriginAccessControlAlreadyExists")
    );

    // Read back on the distribution that names it, and not deletable meanwhile.
    let bucket = unique_name("oac-site");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let id = distribution(&cf, &bucket, Some(&oac)).await;
    let got = cf.get_distribution().id(&id).send().await.unwrap();
    let origin = &got
        .distribution()
        .unwrap()
        .distribution_config()
        .unwrap()
        .origins()
        .unwrap()
        .items()[0];
    assert_eq!(origin.origin_access_control_id(), Some(oac.as_str()));
    let etag = cf
        .get_origin_access_control()
        .id(&oac)
        .send()
        .await
        .unwrap()
        .e_tag()
        .unwrap()
        .to_string();
    let wrong = cf
        .delete_origin_access_control()
        .id(&oac)
        .if_match("stale")
        .send()
        .await
        .unwrap_err();
    assert_eq!(sdk_error::code(&wrong), Some("PreconditionFailed"));
    let in_use = cf
        .delete_origin_access_control()
        .id(&oac)
        .if_match(&etag)
        .send()
        .await
        .unwrap_err();
    assert_eq!(sdk_error::code(&in_use), Some("OriginAccessControlInUse"));

    // Listed a page at a time, every page reachable by its marker.
    emulator().cloudfront_page_size(1);
    let (mut names, mut marker, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let page = cf
            .list_origin_access_controls()
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        let list = page.origin_access_control_list().unwrap();
        pages += 1;
        assert!(list.items().len() <= 1);
        names.extend(list.items().iter().map(|o| o.name().to_string()));
        match list.next_marker() {
            Some(m) if list.is_truncated() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    emulator().cloudfront_page_size(0);
    assert!(pages >= 1 && names.contains(&name), "{names:?}");
    assert_eq!(names.len(), pages);
}
