//! An ECS target's image (`dockerfile` in deploy.toml): when the tag a deploy
//! names is not in ECR yet, build it with docker and push it first, so `cargo
//! xtask deploy api --env prod` is the whole job on a laptop and in a generated
//! workflow alike. A tag that is in ECR already is never rebuilt: tags name
//! commits, and a re-run must deploy the very image that was pushed before.
//!
//! docker is `DOCKER` if set (a path or a name on `PATH`), else `docker`. Its
//! output goes to stderr, so stdout keeps only results. The registry password
//! (from ECR GetAuthorizationToken) reaches `docker login` on stdin, never in
//! arguments or the environment.

use anyhow::Context;
use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::config::EcsTarget;
use crate::context::EnvContext;
use crate::error::BadInput;

/// Makes sure `tag` is in the target's ECR repository, building and pushing it
/// when the target has a `dockerfile`. Returns whether a dry run would have
/// pushed it (so the dry run does not ask for it in ECR).
pub async fn ensure(
    ctx: &EnvContext<'_>,
    clients: &api::Clients,
    target: &str,
    config: &EcsTarget,
    tag: &str,
    dry_run: bool,
) -> anyhow::Result<bool> {
    let Some(dockerfile) = &config.dockerfile else {
        return Ok(false);
    };
    let (config_file, root) = (ctx.ws.config.file.as_path(), ctx.ws.root.as_path());
    let ecr = &clients.ecr;
    let build = DockerBuild::new(target, config_file, root, config, dockerfile)?;
    let repository = &config.ecr_repository;
    let uri = api::repository_uri(ecr, repository)
        .await
        .map_err(|e| super::explain(ctx, target, e))?;
    let image = format!("{uri}:{tag}");
    if api::tag_exists(ecr, repository, tag)
        .await
        .map_err(|e| super::explain(ctx, target, e))?
    {
        eprintln!("{target}: image {image} is in ECR already; not rebuilt");
        return Ok(false);
    }
    if dry_run {
        eprintln!(
            "{target}: dry run: would build {} and push {image}",
            dockerfile
        );
        return Ok(true);
    }

    let login = api::registry_login(ecr, &uri)
        .await
        .map_err(|e| super::explain(ctx, target, e))?;
    let docker = docker_program();
    let shown = docker.to_string_lossy().into_owned();
    eprintln!("{target}: docker login {}", login.registry);
    run_docker(
        target,
        &docker,
        root,
        &[
            "login",
            "--username",
            &login.username,
            "--password-stdin",
            &login.registry,
        ],
        Some(&login.password),
    )
    .await?;
    let build_args = build.args(&image);
    eprintln!("{target}: {shown} {}", build_args.join(" "));
    let pushed = async {
        run_docker(
            target,
            &docker,
            root,
            &build_args.iter().map(String::as_str).collect::<Vec<_>>(),
            None,
        )
        .await?;
        eprintln!("{target}: docker push {image}");
        run_docker(target, &docker, root, &["push", &image], None).await
    }
    .await;
    // The login is stored in docker's config file: do not leave it behind for
    // whoever uses the machine next (shared CI runners). Best effort.
    if run_docker(target, &docker, root, &["logout", &login.registry], None)
        .await
        .is_err()
    {
        eprintln!("{target}: docker logout {} failed; the login stays in docker's config until it expires", login.registry);
    }
    pushed.map(|()| false)
}

/// Fargate runs linux/amd64 unless the task definition asks for ARM64.
const DEFAULT_PLATFORM: &str = "linux/amd64";

/// `docker build`'s inputs, checked before anything runs.
struct DockerBuild<'a> {
    dockerfile: &'a str,
    context: &'a str,
    config: &'a EcsTarget,
}

impl<'a> DockerBuild<'a> {
    fn new(
        target: &str,
        config_file: &Path,
        root: &Path,
        config: &'a EcsTarget,
        dockerfile: &'a str,
    ) -> Result<DockerBuild<'a>, BadInput> {
        let context = config.docker_context.as_deref().unwrap_or(".");
        let at = |key: &str, what: &str, path: &str| {
            BadInput(format!(
                "{}: targets.{target}.{key}: {path} is not {what} (paths are relative to the repository root)",
                config_file.display()
            ))
        };
        if !root.join(dockerfile).is_file() {
            return Err(at("dockerfile", "a file", dockerfile));
        }
        if !root.join(context).is_dir() {
            return Err(at("docker_context", "a folder", context));
        }
        Ok(DockerBuild {
            dockerfile,
            context,
            config,
        })
    }

    /// `build --file F --platform P [--target T] [--build-arg K=V]... --tag IMAGE CONTEXT`.
    fn args(&self, image: &str) -> Vec<String> {
        let platform = self
            .config
            .docker_platform
            .clone()
            .unwrap_or_else(|| DEFAULT_PLATFORM.into());
        let mut args = vec![
            "build".into(),
            "--file".into(),
            self.dockerfile.into(),
            "--platform".into(),
            platform,
        ];
        if let Some(stage) = &self.config.docker_target {
            args.extend(["--target".into(), stage.clone()]);
        }
        for (name, value) in &self.config.docker_build_args {
            args.extend(["--build-arg".into(), format!("{name}={value}")]);
        }
        args.extend(["--tag".into(), image.into(), self.context.into()]);
        args
    }
}

fn docker_program() -> OsString {
    std::env::var_os("DOCKER")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "docker".into())
}

/// Spawns `command` (stdout to our stderr), again while the executable is
/// "busy" (ETXTBSY): a freshly written one stays busy while a process forked
/// elsewhere in the meantime still holds it open for writing, until it execs.
async fn spawn_retrying_busy(
    command: &mut Command,
    piped_stdin: bool,
) -> std::io::Result<tokio::process::Child> {
    const ETXTBSY: i32 = 26;
    let mut attempt = 0;
    loop {
        command
            .stdin(if piped_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(std::io::stderr());
        match command.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && attempt < 20 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(10 * attempt)).await;
            }
            other => return other,
        }
    }
}

/// Runs one docker command at the repository root; `stdin` is written to it.
async fn run_docker(
    target: &str,
    docker: &OsString,
    root: &Path,
    args: &[&str],
    stdin: Option<&str>,
) -> anyhow::Result<()> {
    let step = args.first().copied().unwrap_or("");
    let mut command = Command::new(docker);
    command.args(args).current_dir(root);
    let mut child = spawn_retrying_busy(&mut command, stdin.is_some())
        .await
        .map_err(|e| -> anyhow::Error {
            if e.kind() == std::io::ErrorKind::NotFound {
                BadInput(format!(
                    "{target}: {} not found: install Docker, set DOCKER to the docker executable, or push the image yourself and deploy with --no-build",
                    docker.to_string_lossy()
                ))
                .into()
            } else {
                anyhow::Error::new(e).context(format!("{target}: starting docker {step}"))
            }
        })?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input.as_bytes())
            .await
            .with_context(|| format!("{target}: writing to docker {step}"))?;
    }
    let status = child
        .wait()
        .await
        .with_context(|| format!("{target}: waiting for docker {step}"))?;
    if !status.success() {
        anyhow::bail!("{target}: docker {step} failed ({status}); the service was not changed");
    }
    Ok(())
}
