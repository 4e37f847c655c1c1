//! `cargo xtask bootstrap --env ENV`: what a deploy needs that Terraform would
//! not create — the state bucket — and, with `--with-resources`, the targets'
//! own resources too, so a new user can try the whole tool on the local
//! emulator. Idempotent: it creates only what is missing.

use crate::config::Env;
use crate::error::BadInput;
use crate::flags::BootstrapFlags;
use crate::plan::{Plan, Selection};
use crate::workspace::Workspace;

pub async fn run(flags: &BootstrapFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    let ctx = ws.connect(&flags.env).await?;
    ctx.check_credentials().await?;
    let region = ctx.env.region.as_str();
    if flags.dry_run {
        if ctx.store.bucket_exists().await {
            println!("dry run: state bucket {} exists", ctx.store.bucket);
        } else {
            println!(
                "dry run: would create state bucket {} in {region} (private, versioned)",
                ctx.store.bucket
            );
        }
        for (target, bucket) in terraform_state_buckets(&ws, &ctx.env) {
            println!("dry run: {target}: would make sure terraform state bucket {bucket} exists (private, versioned)");
        }
        return Ok(());
    }
    if ctx.store.ensure_bucket(region).await? {
        println!("created state bucket {}", ctx.store.bucket);
    } else {
        println!("state bucket {} exists", ctx.store.bucket);
    }
    for (target, bucket) in terraform_state_buckets(&ws, &ctx.env) {
        let s3 = aws_sdk_s3::Client::new(&ctx.sdk);
        let created = web_deployer::preview::ensure_private_versioned(&s3, &bucket, region)
            .await
            .map_err(|e| anyhow::Error::new(e).context(target.clone()))?;
        if created.is_empty() {
            println!("{target}: terraform state bucket {bucket} exists");
        } else {
            println!("{target}: created terraform state bucket {bucket} (private, versioned)");
        }
    }
    if !flags.with_resources {
        return Ok(());
    }
    let tags = match (&flags.image_tag[..], &ctx.git_sha) {
        ([], Some(sha)) => vec![sha[..7].to_string()],
        ([], None) => Vec::new(),
        (tags, _) => tags.to_vec(),
    };
    let plan = Plan::for_env(&ws, &Selection::All, ctx.git_sha.clone(), &ctx.env)
        .map_err(BadInput::from)?;
    for target in &plan.targets {
        match crate::targets::bootstrap(&ctx, target, &tags).await? {
            Some(created) => report(&target.name, &created),
            None => println!(
                "{}: Terraform owns these resources; nothing to create",
                target.name
            ),
        }
    }
    Ok(())
}

/// The buckets terraform targets keep their state in (Terraform cannot create
/// the bucket its own backend needs), other than the toolkit's state bucket.
fn terraform_state_buckets(ws: &Workspace, env: &Env) -> Vec<(String, String)> {
    let own = &env.state_bucket;
    let mut found: Vec<(String, String)> = Vec::new();
    for target in &ws.config.targets {
        let crate::config::TargetSettings::Terraform(tf) = &target.settings[&env.name] else {
            continue;
        };
        let Some(bucket) = &tf.state_bucket else {
            continue;
        };
        // One filled from another stack's outputs is that stack's to make.
        if bucket != own && !bucket.contains('{') && !found.iter().any(|(_, b)| b == bucket) {
            found.push((target.name.clone(), bucket.clone()));
        }
    }
    found
}

fn report(target: &str, created: &[String]) {
    if created.is_empty() {
        println!("{target}: everything exists");
    }
    for c in created {
        println!("{target}: created {c}");
    }
}
