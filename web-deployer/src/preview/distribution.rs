//! The preview's CloudFront distribution: the bucket as origin through Origin
//! Access Control, `index.html` as root, 403/404 answered with `/index.html`
//! (SPA routing), HTTPS only, the managed security-headers policy, PriceClass_100.
//! Found again by its comment; tagged so `list` and `sweep` find previews.

use aws_sdk_cloudfront::types::{
    Aliases, CustomErrorResponse, CustomErrorResponses, DefaultCacheBehavior, DistributionConfig,
    DistributionConfigWithTags, MinimumProtocolVersion, Origin, OriginAccessControlConfig,
    OriginAccessControlOriginTypes, OriginAccessControlSigningBehaviors,
    OriginAccessControlSigningProtocols, Origins, PriceClass, S3OriginConfig, SslSupportMethod,
    Tag, Tags, ViewerCertificate, ViewerProtocolPolicy,
};
use std::time::SystemTime;

use super::{
    aws, DownReport, PreviewError, PreviewInfo, PreviewSettings, Swept, PENDING_DELETE_TAG,
    PREVIEW_TAG, PROJECT_TAG,
};

/// AWS's managed cache policy "CachingOptimized".
pub const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/// AWS's managed response headers policy "SecurityHeadersPolicy".
pub const SECURITY_HEADERS: &str = "67f7725c-6f97-4210-82d7-5512b31e9d03";

pub struct Found {
    pub id: String,
    pub arn: String,
    pub domain: String,
}

type Cf = aws_sdk_cloudfront::Client;

/// Every distribution summary, across pages.
async fn all(cf: &Cf) -> Result<Vec<aws_sdk_cloudfront::types::DistributionSummary>, PreviewError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = cf
            .list_distributions()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(aws("CloudFront ListDistributions", ""))?;
        let Some(list) = page.distribution_list() else {
            break;
        };
        out.extend(list.items().iter().cloned());
        match list.next_marker() {
            Some(m) if list.is_truncated() && !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

pub async fn ensure(
    cf: &Cf,
    s: &PreviewSettings,
    changed: &mut Vec<String>,
) -> Result<Found, PreviewError> {
    let comment = s.comment();
    if let Some(d) = all(cf).await?.into_iter().find(|d| d.comment() == comment) {
        let found = Found {
            id: d.id().to_string(),
            arn: d.arn().to_string(),
            domain: d.domain_name().to_string(),
        };
        if !d.enabled() {
            // `down` disabled it and `sweep` has not deleted it: bring it back.
            enable(cf, &found.id).await?;
            changed.push(format!("re-enabled distribution {}", found.id));
        }
        return Ok(found);
    }
    let oac = ensure_oac(cf, s, changed).await?;
    let config = config(s, &oac).map_err(|e| PreviewError::Aws {
        operation: "CloudFront DistributionConfig",
        resource: comment.clone(),
        message: e.to_string(),
    })?;
    let tag = |k: &str, v: String| Tag::builder().key(k).value(v).build().expect("key set");
    let tags = Tags::builder()
        .items(tag(PREVIEW_TAG, s.pr.to_string()))
        .items(tag(PROJECT_TAG, s.project.clone()))
        .build();
    let created = cf
        .create_distribution_with_tags()
        .distribution_config_with_tags(
            DistributionConfigWithTags::builder()
                .distribution_config(config)
                .tags(tags)
                .build(),
        )
        .send()
        .await;
    let out = match created {
        Ok(out) => out,
        // The CallerReference is this run's own: CloudFront made the
        // distribution and the answer was lost, then the SDK's retry met it.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_distribution_already_exists()) =>
        {
            let d = all(cf)
                .await?
                .into_iter()
                .find(|d| d.comment() == comment)
                .ok_or_else(|| aws("CloudFront CreateDistributionWithTags", &comment)(e))?;
            changed.push(format!("distribution {} ({})", d.id(), d.domain_name()));
            return Ok(Found {
                id: d.id().to_string(),
                arn: d.arn().to_string(),
                domain: d.domain_name().to_string(),
            });
        }
        Err(e) => return Err(aws("CloudFront CreateDistributionWithTags", &comment)(e)),
    };
    let d = out.distribution().ok_or_else(|| PreviewError::Aws {
        operation: "CloudFront CreateDistributionWithTags",
        resource: comment.clone(),
        message: "answered without a distribution".into(),
    })?;
    changed.push(format!("distribution {} ({})", d.id(), d.domain_name()));
    Ok(Found {
        id: d.id().to_string(),
        arn: d.arn().to_string(),
        domain: d.domain_name().to_string(),
    })
}

/// The Origin Access Control the distribution signs its S3 requests with.
async fn ensure_oac(
    cf: &Cf,
    s: &PreviewSettings,
    changed: &mut Vec<String>,
) -> Result<String, PreviewError> {
    let name = s.oac_name();
    if let Some(existing) = find_oac(cf, &name).await? {
        return Ok(existing);
    }
    let config = OriginAccessControlConfig::builder()
        .name(&name)
        .description(format!("PR preview {} of {}", s.pr, s.project))
        .signing_protocol(OriginAccessControlSigningProtocols::Sigv4)
        .signing_behavior(OriginAccessControlSigningBehaviors::Always)
        .origin_access_control_origin_type(OriginAccessControlOriginTypes::S3)
        .build()
        .expect("required fields set");
    let out = cf
        .create_origin_access_control()
        .origin_access_control_config(config)
        .send()
        .await
        .map_err(aws("CloudFront CreateOriginAccessControl", &name))?;
    let id = out
        .origin_access_control()
        .map(|o| o.id().to_string())
        .unwrap_or_default();
    changed.push(format!("origin access control {name}"));
    Ok(id)
}

/// The id of the origin access control named `name`, read across every page
/// of ListOriginAccessControls (names are unique in an account).
async fn find_oac(cf: &Cf, name: &str) -> Result<Option<String>, PreviewError> {
    let mut marker: Option<String> = None;
    loop {
        let page = cf
            .list_origin_access_controls()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(aws("CloudFront ListOriginAccessControls", name))?;
        let Some(list) = page.origin_access_control_list() else {
            return Ok(None);
        };
        if let Some(found) = list.items().iter().find(|o| o.name() == name) {
            return Ok(Some(found.id().to_string()));
        }
        match list.next_marker() {
            Some(m) if list.is_truncated() && !m.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(None),
        }
    }
}

fn config(
    s: &PreviewSettings,
    oac: &str,
) -> Result<DistributionConfig, aws_sdk_cloudfront::error::BuildError> {
    let origin_id = format!("s3-{}", s.bucket);
    let origin = Origin::builder()
        .id(&origin_id)
        .domain_name(format!("{}.s3.{}.amazonaws.com", s.bucket, s.region))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .origin_access_control_id(oac)
        .build()?;
    let spa = |code: i32| {
        CustomErrorResponse::builder()
            .error_code(code)
            .response_page_path("/index.html")
            .response_code("200")
            .error_caching_min_ttl(10)
            .build()
    };
    // One CallerReference per creation: CloudFront refuses a reference it has
    // seen (DistributionAlreadyExists), a deleted preview's included, while
    // the SDK's retries of this request keep it (see `ensure`).
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut config = DistributionConfig::builder()
        .caller_reference(format!("{} {nanos:x}", s.comment()))
        .comment(s.comment())
        .enabled(true)
        .default_root_object("index.html")
        .price_class(PriceClass::PriceClass100)
        .origins(Origins::builder().quantity(1).items(origin).build()?)
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id(&origin_id)
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .cache_policy_id(CACHING_OPTIMIZED)
                .response_headers_policy_id(SECURITY_HEADERS)
                .compress(true)
                .build()?,
        )
        .custom_error_responses(
            CustomErrorResponses::builder()
                .quantity(2)
                .items(spa(403)?)
                .items(spa(404)?)
                .build()?,
        );
    if let (Some(domain), Some(cert)) = (&s.domain, &s.certificate_arn) {
        config = config
            .aliases(Aliases::builder().quantity(1).items(domain).build()?)
            .viewer_certificate(
                ViewerCertificate::builder()
                    .acm_certificate_arn(cert)
                    .ssl_support_method(SslSupportMethod::SniOnly)
                    .minimum_protocol_version(MinimumProtocolVersion::TlSv122021)
                    .build(),
            );
    }
    config.build()
}

async fn enable(cf: &Cf, id: &str) -> Result<(), PreviewError> {
    set_enabled(cf, id, true).await
}

async fn set_enabled(cf: &Cf, id: &str, enabled: bool) -> Result<(), PreviewError> {
    let current = cf
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .map_err(aws("CloudFront GetDistributionConfig", id))?;
    let etag = current.e_tag().unwrap_or_default().to_string();
    let mut config = current
        .distribution_config()
        .cloned()
        .ok_or_else(|| PreviewError::Aws {
            operation: "CloudFront GetDistributionConfig",
            resource: id.into(),
            message: "answered without a config".into(),
        })?;
    config.enabled = enabled;
    cf.update_distribution()
        .id(id)
        .if_match(etag)
        .distribution_config(config)
        .send()
        .await
        .map_err(aws("CloudFront UpdateDistribution", id))?;
    Ok(())
}

/// Disables the preview's distribution and deletes it if CloudFront has already
/// deployed it disabled; otherwise tags it for `sweep`. Also deletes the OAC
/// once nothing uses it.
/// The id of the distribution with this comment, and whether it is enabled.
pub async fn find(cf: &Cf, comment: &str) -> Result<Option<(String, bool)>, PreviewError> {
    Ok(all(cf)
        .await?
        .into_iter()
        .find(|d| d.comment() == comment)
        .map(|d| (d.id().to_string(), d.enabled())))
}

pub async fn retire(cf: &Cf, comment: &str, report: &mut DownReport) -> Result<(), PreviewError> {
    let Some(d) = all(cf).await?.into_iter().find(|d| d.comment() == comment) else {
        return Ok(());
    };
    let id = d.id().to_string();
    if d.enabled() {
        set_enabled(cf, &id, false).await?;
    }
    if try_delete(cf, &id, &mut report.pending).await? {
        report.removed.push(format!("distribution {id}"));
    } else {
        cf.tag_resource()
            .resource(d.arn())
            .tags(
                Tags::builder()
                    .items(
                        Tag::builder()
                            .key(PENDING_DELETE_TAG)
                            .value("true")
                            .build()
                            .expect("key set"),
                    )
                    .build(),
            )
            .send()
            .await
            .map_err(aws("CloudFront TagResource", &id))?;
        report.pending.push(format!(
            "distribution {id} is disabled; CloudFront is still deploying that, so `preview sweep` deletes it later"
        ));
    }
    Ok(())
}

/// Deletes a disabled distribution if CloudFront reports it Deployed, then its
/// origin access control; what could not be deleted after it goes in `left`.
async fn try_delete(cf: &Cf, id: &str, left: &mut Vec<String>) -> Result<bool, PreviewError> {
    let d = cf
        .get_distribution()
        .id(id)
        .send()
        .await
        .map_err(aws("CloudFront GetDistribution", id))?;
    let etag = d.e_tag().unwrap_or_default().to_string();
    let Some(dist) = d.distribution() else {
        return Ok(false);
    };
    let enabled = dist.distribution_config().is_some_and(|c| c.enabled());
    if enabled || dist.status() != "Deployed" {
        return Ok(false);
    }
    let oac = dist
        .distribution_config()
        .and_then(|c| c.origins())
        .and_then(|o| o.items().first())
        .and_then(|o| o.origin_access_control_id())
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    cf.delete_distribution()
        .id(id)
        .if_match(etag)
        .send()
        .await
        .map_err(aws("CloudFront DeleteDistribution", id))?;
    if let Some(oac) = oac {
        if let Err(e) = delete_oac(cf, &oac).await {
            left.push(format!(
                "origin access control {oac} was not deleted ({e}); delete it with: aws cloudfront delete-origin-access-control --id {oac} --if-match \"$(aws cloudfront get-origin-access-control --id {oac} --query ETag --output text)\""
            ));
        }
    }
    Ok(true)
}

/// Deletes an origin access control (its current ETag as IfMatch); one that
/// is gone already is fine.
async fn delete_oac(cf: &Cf, oac: &str) -> Result<(), String> {
    let got = match cf.get_origin_access_control().id(oac).send().await {
        Ok(got) => got,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_origin_access_control()) =>
        {
            return Ok(())
        }
        Err(e) => return Err(sdk_error::describe(&e)),
    };
    cf.delete_origin_access_control()
        .id(oac)
        .if_match(got.e_tag().unwrap_or_default())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| sdk_error::describe(&e))
}

/// The project's previews, by tag.
pub async fn list(cf: &Cf, project: &str) -> Result<Vec<PreviewInfo>, PreviewError> {
    let mut out = Vec::new();
    for d in all(cf).await? {
        let tags = cf
            .list_tags_for_resource()
            .resource(d.arn())
            .send()
            .await
            .map_err(aws("CloudFront ListTagsForResource", d.id()))?;
        let tag = |k: &str| {
            tags.tags()
                .map(|t| t.items())
                .unwrap_or_default()
                .iter()
                .find(|t| t.key() == k)
                .and_then(|t| t.value().map(str::to_owned))
        };
        if tag(PROJECT_TAG).as_deref() != Some(project) {
            continue;
        }
        let Some(pr) = tag(PREVIEW_TAG).and_then(|v| v.parse().ok()) else {
            continue;
        };
        out.push(PreviewInfo {
            pr,
            distribution_id: d.id().to_string(),
            domain: d.domain_name().to_string(),
            status: d.status().to_string(),
            enabled: d.enabled(),
            pending_delete: tag(PENDING_DELETE_TAG).is_some(),
            last_modified: SystemTime::try_from(*d.last_modified_time()).ok(),
        });
    }
    out.sort_by_key(|p| p.pr);
    Ok(out)
}

pub async fn sweep(cf: &Cf, project: &str) -> Result<Swept, PreviewError> {
    let mut swept = Swept::default();
    for p in list(cf, project).await? {
        if !p.pending_delete {
            continue;
        }
        if try_delete(cf, &p.distribution_id, &mut swept.left).await? {
            swept.deleted.push(p.distribution_id);
        } else {
            swept.waiting.push(p.distribution_id);
        }
    }
    Ok(swept)
}
