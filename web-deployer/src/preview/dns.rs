//! The preview's DNS name: an alias A record to its distribution.

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecordSet, RrType,
};

use super::{aws, PreviewError};

/// The hosted zone id every CloudFront alias target uses.
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

fn record(domain: &str, target: &str) -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name(domain)
        .r#type(RrType::A)
        .alias_target(
            AliasTarget::builder()
                .hosted_zone_id(CLOUDFRONT_ZONE)
                .dns_name(target)
                .evaluate_target_health(false)
                .build()
                .expect("fields set"),
        )
        .build()
        .expect("name and type set")
}

async fn change(
    r53: &aws_sdk_route53::Client,
    zone: &str,
    action: ChangeAction,
    set: ResourceRecordSet,
) -> Result<(), PreviewError> {
    r53.change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(action)
                        .resource_record_set(set)
                        .build()
                        .expect("fields set"),
                )
                .build()
                .expect("changes set"),
        )
        .send()
        .await
        .map_err(aws("Route53 ChangeResourceRecordSets", zone))?;
    Ok(())
}

/// The alias record for `domain`, if there is one.
pub async fn find(
    r53: &aws_sdk_route53::Client,
    zone: &str,
    domain: &str,
) -> Result<Option<ResourceRecordSet>, PreviewError> {
    let out = r53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name(domain)
        .start_record_type(RrType::A)
        .max_items(1)
        .send()
        .await
        .map_err(aws("Route53 ListResourceRecordSets", zone))?;
    let wanted = domain.trim_end_matches('.');
    Ok(out
        .resource_record_sets()
        .iter()
        .find(|r| r.name().trim_end_matches('.') == wanted && r.r#type() == &RrType::A)
        .cloned())
}

pub async fn upsert_alias(
    r53: &aws_sdk_route53::Client,
    zone: &str,
    domain: &str,
    target: &str,
    changed: &mut Vec<String>,
) -> Result<(), PreviewError> {
    let current = find(r53, zone, domain).await?;
    let right = current
        .as_ref()
        .and_then(|r| r.alias_target())
        .is_some_and(|a| a.dns_name().trim_end_matches('.') == target.trim_end_matches('.'));
    if !right {
        change(r53, zone, ChangeAction::Upsert, record(domain, target)).await?;
        changed.push(format!("DNS alias {domain} → {target}"));
    }
    Ok(())
}

/// Deletes the alias; `false` when there was none.
pub async fn delete_alias(
    r53: &aws_sdk_route53::Client,
    zone: &str,
    domain: &str,
) -> Result<bool, PreviewError> {
    let Some(existing) = find(r53, zone, domain).await? else {
        return Ok(false);
    };
    // A DELETE must name the record exactly as it is.
    change(r53, zone, ChangeAction::Delete, existing).await?;
    Ok(true)
}
