//! From a target's config for one environment to the typed settings its deploy
//! crate takes. Relative paths in the config are relative to the repository root.

use std::path::Path;

use crate::config::{EcsTarget, StaticSiteTarget, TerraformTarget};

pub fn ecs_service(target: &EcsTarget) -> api::ServiceSettings {
    api::ServiceSettings {
        cluster: target.cluster.clone(),
        service: target.service.clone(),
        container: target.container.clone(),
        ecr_repository: target.ecr_repository.clone(),
    }
}

pub fn static_site(root: &Path, target: &StaticSiteTarget) -> web_deployer::SiteSettings {
    web_deployer::SiteSettings {
        build_dir: root.join(&target.build_dir),
        bucket: target.bucket.clone(),
        distribution_id: target.distribution.clone(),
        cache_rules: target
            .cache
            .iter()
            .map(|r| web_deployer::CacheRule {
                glob: r.glob.clone(),
                cache_control: r.cache_control.clone(),
            })
            .collect(),
        include_hidden: target.include_hidden,
        grace_releases: target.grace_releases,
        max_deletes: target.max_deletes,
        invalidation_max_paths: target.invalidation_max_paths,
    }
}

/// `region`: the environment's, where the state bucket is.
pub fn terraform_stack(
    root: &Path,
    target: &TerraformTarget,
    region: &str,
) -> shared_infra::StackSettings {
    shared_infra::StackSettings {
        dir: root.join(&target.dir),
        approval_required: target.approval,
        state: match (&target.state_bucket, &target.state_key) {
            (Some(bucket), Some(key)) => Some(shared_infra::StateLocation {
                bucket: bucket.clone(),
                key: key.clone(),
                region: region.to_string(),
            }),
            _ => None,
        },
    }
}
