//! How long each generated job may run (`timeout-minutes`), from what it does.
//!
//! A job that times out is cancelled the way a person cancels it (SIGINT to
//! the step, then SIGTERM, then SIGKILL), so xtask, `exec`ed by the step,
//! releases its lock; the limits are loose enough never to cut off a deploy
//! that is still doing its job, and far below GitHub's default of six hours.

use std::time::Duration;

use crate::config::{Target, TargetSettings};

/// A cold `cargo build` of xtask (the AWS SDK crates) on a hosted runner takes
/// about 15 minutes; twice that. Every job that may fall back to building it
/// (no artifact, no cached binary) has this on top of its own work.
pub const BUILD: u32 = 30;
/// `plan --changed --env`: a ledger listing per target, a diff, maybe a fetch.
pub const PLAN: u32 = 10;
/// A terraform plan or apply of one stack (NAT gateways and the like take a
/// while to create or destroy).
pub const TERRAFORM: u32 = 60;
/// A static site's build, upload and invalidation.
pub const STATIC_SITE: u32 = 30;
/// `ci report`, `ci check`, `status`: reads and one message.
pub const SHORT: u32 = 10;
/// A job with one `echo`, or one that fails with a message.
pub const ECHO: u32 = 5;
/// A preview: a bucket, a CloudFront distribution (minutes to create, longer
/// to disable on the way down), DNS, an upload.
pub const PREVIEW: u32 = 45;

/// xtask's own default `--timeout` for a rollout (`deploy --timeout`).
const ROLLOUT: Duration = Duration::from_secs(15 * 60);
/// An image build and push when the tag is not in ECR yet.
const IMAGE_BUILD: Duration = Duration::from_secs(20 * 60);
/// `before_rollout` without its own `timeout`.
const BEFORE_ROLLOUT: Duration = Duration::from_secs(10 * 60);
/// The smoke check without `within`; the bake without `bake`.
const WITHIN: Duration = Duration::from_secs(2 * 60);
const BAKE: Duration = Duration::from_secs(5 * 60);
/// Slack for what is not counted above: checkout, credentials, the ledger.
const MARGIN: Duration = Duration::from_secs(10 * 60);

/// The minutes of work of a deploy (or rollback) of `target` in `env`, the
/// fallback build not included. ECS: the image build, `before_rollout`, the
/// rollout's timeout (which xtask stretches by the bake), the smoke check and
/// the bake, read from the config.
pub fn deploy(target: &Target, env: &str) -> u32 {
    match &target.settings[env] {
        TargetSettings::Terraform(_) => TERRAFORM,
        TargetSettings::StaticSite(_) => STATIC_SITE,
        TargetSettings::Ecs(ecs) => {
            let image = if ecs.dockerfile.is_some() {
                IMAGE_BUILD
            } else {
                Duration::ZERO
            };
            let before = ecs.before_rollout.as_ref().map_or(Duration::ZERO, |b| {
                b.timeout.map_or(BEFORE_ROLLOUT, |t| t.0)
            });
            let within = ecs
                .verify
                .as_ref()
                .map_or(Duration::ZERO, |v| v.within.map_or(WITHIN, |w| w.0));
            let verifies = ecs.verify.is_some() || !ecs.alarms.is_empty();
            let bake = if verifies {
                ecs.bake.map_or(BAKE, |b| b.0)
            } else {
                Duration::ZERO
            };
            // The rollout's timeout is stretched by the bake, and the bake
            // runs after it: both counted.
            let total = image + before + ROLLOUT + bake + within + bake + MARGIN;
            minutes(total)
        }
    }
}

fn minutes(d: Duration) -> u32 {
    u32::try_from(d.as_secs().div_ceil(60)).unwrap_or(u32::MAX)
}
