//! `cargo xtask bootstrap --env ENV`: what a deploy needs that Terraform would
//! not create — the state bucket — and, with `--with-resources`, the targets'
//! own resources too, so a new user can try the whole tool on the local
//! emulator. Idempotent: it creates only what is missing.

use crate::config::TargetSettings;
use crate::context::EnvContext;
use crate::flags::BootstrapFlags;
use crate::workspace::Workspace;

pub async fn run(flags: &BootstrapFlags) -> anyhow::Result<()> {
    let ws = Workspace::open(&flags.repo)?;
    let ctx = EnvContext::new(&ws, &flags.env).await?;
    let region = ws.config.region(&flags.env);
    if flags.dry_run {
        if ctx.store.bucket_exists().await {
            println!("dry run: state bucket {} exists", ctx.store.bucket);
        } else {
            println!(
                "dry run: would create state bucket {} in {region} (private, versioned)",
                ctx.store.bucket
            );
        }
        return Ok(());
    }
    if ctx.store.ensure_bucket(region).await? {
        println!("created state bucket {}", ctx.store.bucket);
    } else {
        println!("state bucket {} exists", ctx.store.bucket);
    }
    if !flags.with_resources {
        return Ok(());
    }
    let tags = match (&flags.image_tag[..], &ctx.git_sha) {
        ([], Some(sha)) => vec![sha[..7].to_string()],
        ([], None) => Vec::new(),
        (tags, _) => tags.to_vec(),
    };
    for target in &ws.config.targets {
        match &target.settings[&flags.env] {
            TargetSettings::Ecs(ecs) => {
                let clients = api::Clients::new(&ctx.sdk);
                let done = api::bootstrap(&clients, &crate::settings::ecs_service(ecs), &tags)
                    .await
                    .map_err(|e| anyhow::Error::new(e).context(target.name.clone()))?;
                report(&target.name, &done.created);
            }
            TargetSettings::StaticSite(site) => {
                // The bucket only: a distribution's id cannot be known before it
                // exists, so deploy.toml could not name one made here.
                let s3 = aws_sdk_s3::Client::new(&ctx.sdk);
                let created =
                    web_deployer::preview::ensure_private_versioned(&s3, &site.bucket, region)
                        .await
                        .map_err(|e| anyhow::Error::new(e).context(target.name.clone()))?;
                report(&target.name, &created);
            }
            TargetSettings::Terraform(_) => {
                println!(
                    "{}: Terraform owns these resources; nothing to create",
                    target.name
                );
            }
        }
    }
    Ok(())
}

fn report(target: &str, created: &[String]) {
    if created.is_empty() {
        println!("{target}: everything exists");
    }
    for c in created {
        println!("{target}: created {c}");
    }
}
