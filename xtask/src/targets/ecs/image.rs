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

use crate::context::EnvContext;
use crate::error::BadInput;
use crate::plan::ImageBuild;
use crate::targets::explain;
use crate::targets::pipeline::Mode;

/// The image a deploy names: `repository:tag` in the target's ECR, and the
/// platform it is built for.
pub struct Image<'a> {
    pub target: &'a str,
    pub repository: &'a str,
    pub tag: &'a str,
    pub platform: Platform,
}

/// `docker build --platform`, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub value: String,
    pub why: String,
}

/// The platform to build for: `docker_platform` when set, else the one the
/// task definition runs on (`runtimePlatform`: ARM64 → linux/arm64; a Windows
/// family → windows/amd64), else Fargate's default, linux/amd64. An image of
/// another architecture than the tasks' fails to start ("exec format error").
pub fn platform(build: &ImageBuild, current: &api::CurrentTaskDefinition) -> Platform {
    if let Some(value) = &build.platform {
        return Platform {
            value: value.clone(),
            why: "docker_platform".into(),
        };
    }
    let arch = current.cpu_architecture();
    let os = current.operating_system_family();
    let os_name = match os {
        Some(family) if family.starts_with("WINDOWS") => "windows",
        _ => "linux",
    };
    let arch_name = match arch {
        Some("ARM64") => "arm64",
        _ => "amd64",
    };
    let value = format!("{os_name}/{arch_name}");
    let why = match (arch, os) {
        (None, None) => "Fargate's default: the task definition names no runtimePlatform".into(),
        _ => format!(
            "the task definition's runtimePlatform{}{}",
            arch.map(|a| format!(" cpuArchitecture {a}"))
                .unwrap_or_default(),
            os.map(|o| format!(" operatingSystemFamily {o}"))
                .unwrap_or_default()
        ),
    };
    Platform { value, why }
}

/// Makes sure the image is in ECR, building and pushing it with `build`.
/// Returns whether a dry run would have pushed it (so the dry run does not ask
/// for it in ECR).
pub async fn ensure(
    ctx: &EnvContext,
    clients: &api::Clients,
    image: &Image<'_>,
    build: &ImageBuild,
    mode: Mode,
) -> anyhow::Result<bool> {
    let Image {
        target,
        repository,
        tag,
        ref platform,
    } = *image;
    check_inputs(&ctx.config_file, target, build)?;
    let ecr = &clients.ecr;
    let explained = |e| explain(ctx, target, e);
    let uri = api::repository_uri(ecr, repository)
        .await
        .map_err(explained)?;
    let image = format!("{uri}:{tag}");
    if api::tag_exists(ecr, repository, tag)
        .await
        .map_err(explained)?
    {
        eprintln!("{target}: image {image} is in ECR already; not rebuilt");
        return Ok(false);
    }
    if mode.dry_run() {
        eprintln!(
            "{target}: dry run: would build {} and push {image} (for {}: {})",
            build.dockerfile, platform.value, platform.why
        );
        return Ok(true);
    }

    let login = api::registry_login(ecr, &uri).await.map_err(explained)?;
    let docker = Docker {
        program: docker_program(),
        target,
        root: &build.root,
    };
    eprintln!("{target}: docker login {}", login.registry);
    docker
        .run(
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
    let build_args = args(build, &platform.value, &image);
    eprintln!(
        "{target}: building for {} ({})",
        platform.value, platform.why
    );
    eprintln!(
        "{target}: {} {}",
        docker.program.to_string_lossy(),
        build_args.join(" ")
    );
    let pushed = async {
        docker
            .run(
                &build_args.iter().map(String::as_str).collect::<Vec<_>>(),
                None,
            )
            .await?;
        eprintln!("{target}: docker push {image}");
        docker.run(&["push", &image], None).await
    }
    .await;
    // The login is stored in docker's config file: do not leave it behind for
    // whoever uses the machine next (shared CI runners). Best effort.
    if docker
        .run(&["logout", &login.registry], None)
        .await
        .is_err()
    {
        eprintln!("{target}: docker logout {} failed; the login stays in docker's config until it expires", login.registry);
    }
    pushed.map(|()| false)
}

/// The Dockerfile and the context, checked before anything runs.
fn check_inputs(config_file: &str, target: &str, build: &ImageBuild) -> Result<(), BadInput> {
    let at = |key: &str, what: &str, path: &str| {
        BadInput(format!(
            "{config_file}: targets.{target}.{key}: {path} is not {what} (paths are relative to the repository root)"
        ))
    };
    if !build.root.join(&build.dockerfile).is_file() {
        return Err(at("dockerfile", "a file", &build.dockerfile));
    }
    if !build.root.join(&build.context).is_dir() {
        return Err(at("docker_context", "a folder", &build.context));
    }
    Ok(())
}

/// `build --file F --platform P [--target T] [--build-arg K=V]... --tag IMAGE CONTEXT`.
fn args(build: &ImageBuild, platform: &str, image: &str) -> Vec<String> {
    let mut args = vec![
        "build".into(),
        "--file".into(),
        build.dockerfile.clone(),
        "--platform".into(),
        platform.into(),
    ];
    if let Some(stage) = &build.stage {
        args.extend(["--target".into(), stage.clone()]);
    }
    for (name, value) in &build.build_args {
        args.extend(["--build-arg".into(), format!("{name}={value}")]);
    }
    args.extend(["--tag".into(), image.into(), build.context.clone()]);
    args
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

/// docker, run for one target at the repository root.
struct Docker<'a> {
    program: OsString,
    target: &'a str,
    root: &'a Path,
}

impl Docker<'_> {
    /// Runs one docker command; `stdin` is written to it.
    async fn run(&self, args: &[&str], stdin: Option<&str>) -> anyhow::Result<()> {
        let (target, docker) = (self.target, &self.program);
        let step = args.first().copied().unwrap_or("");
        let mut command = Command::new(docker);
        command.args(args).current_dir(self.root);
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
}
