//! docs/ADOPTING.md, run as printed on a monorepo that is not the example and
//! shares none of its names (`test_support::fixtures::monorepo`: a Python
//! service, a Vite app, two Terraform stacks, no Rust): every ```sh block of
//! the page, in order, with bash at the monorepo's root — the toolkit vendored
//! from a clone of this checkout at `~/src/deploy-toolkit` (HOME is the test's),
//! `cargo xtask` compiling it through the root's alias, `init`, a deploy of each
//! kind to the emulator (the real terraform, the real Vite and npm, the docker
//! stand-in), `ci generate` and `ci check`, `plan --changed` after a change to
//! the service, the upgrade. Then the generated build job's `run:` steps, as
//! written, in a clean clone, produce the file its upload step names.
//!
//! Compiling the vendored toolkit is what adopting it costs; the builds go to
//! one folder under the target dir (`adopt/`) that later runs find warm, as a
//! runner finds its restored Cargo cache, and the repositories live at fixed
//! paths under it so the cache stays valid between runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use test_support::actions::Workflow;
use test_support::cli::all_output;
use test_support::fixtures::monorepo::{self, git, PROJECT};
use test_support::{emulator, DockerStandIn, RealTerraform};
use xtask::config::{Config, TargetKind, TargetSettings};

#[tokio::test(flavor = "multi_thread")]
async fn the_adoption_guide_runs_as_printed_on_a_monorepo_of_its_own() {
    let place = Place::new();
    let blocks = guide_blocks();
    assert_eq!(blocks.len(), 8, "the guide's ```sh blocks: {blocks:#?}");
    let docker = DockerStandIn::new();
    let terraform = RealTerraform::new(emulator());
    let shell = Shell::new(&place, &docker, &terraform);

    // 1. The toolkit in tools/deploy, 2. the alias.
    shell.run(&blocks[0]);
    assert!(place
        .monorepo
        .join("tools/deploy/xtask/Cargo.toml")
        .is_file());
    shell.run(&blocks[1]);

    // 3. init writes deploy.toml from what it finds.
    let out = shell.run(&blocks[2]);
    let config = Config::load(&place.monorepo.join("deploy.toml")).expect("deploy.toml loads");
    assert_eq!(config.project.name, PROJECT);
    assert_eq!(config.toolkit(), "tools/deploy");
    assert_eq!(
        config.region("qa"),
        "us-east-1",
        "from the network's backend block"
    );
    assert_eq!(
        config
            .environments
            .iter()
            .map(|(n, e)| (n.as_str(), e.branch.as_deref()))
            .collect::<Vec<_>>(),
        [("production", Some("main")), ("qa", Some("qa"))]
    );
    let kinds: Vec<(&str, TargetKind)> = config
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("network", TargetKind::Terraform),
            ("queues", TargetKind::Terraform),
            ("ledger", TargetKind::Ecs),
            ("storefront", TargetKind::StaticSite),
        ]
    );
    let queues = config.target("queues").unwrap();
    assert_eq!(queues.after, ["network"]);
    let TargetSettings::Terraform(q) = &queues.settings["qa"] else {
        panic!("queues is terraform")
    };
    assert_eq!(q.dir, "platform/queues/environments/qa");
    assert_eq!(
        serde_json::to_value(&q.vars).unwrap()["vpc_id"],
        "{network.vpc_id}"
    );
    let TargetSettings::StaticSite(site) = &config.target("storefront").unwrap().settings["qa"]
    else {
        panic!("storefront is a static site")
    };
    assert_eq!(
        site.build_dir, "apps/storefront/site",
        "vite.config.js's outDir"
    );
    assert!(
        out.contains("storefront: Vite writes apps/storefront/site"),
        "{out}"
    );
    assert!(
        out.contains("CHECK") || out.contains("check before"),
        "{out}"
    );
    // init never overwrites.
    let again = shell.output("cargo xtask init");
    assert_eq!(again.status.code(), Some(2), "{}", all_output(&again));
    assert!(all_output(&again).contains("init never overwrites"));

    // The plan.
    let out = shell.run(&blocks[3]);
    for t in ["network", "queues", "ledger", "storefront"] {
        assert!(out.contains(t), "{out}");
    }

    // 4. The first deploy of each kind, on what the team's Terraform made.
    monorepo::mercantile_resources("qa").await;
    let out = shell.run(&blocks[4]);
    for t in ["network", "queues", "ledger", "storefront"] {
        assert!(
            out.lines()
                .any(|l| l.contains("ok") && l.contains(&format!("{t}:"))),
            "{t} not deployed:\n{out}"
        );
    }
    let sdk = emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let site_keys = keys(&s3, &format!("{PROJECT}-storefront-qa")).await;
    assert!(
        site_keys.contains(&"index.html".to_string()),
        "{site_keys:?}"
    );
    assert!(
        site_keys
            .iter()
            .any(|k| k.starts_with("assets/") && k.ends_with(".js")),
        "Vite's hashed bundle: {site_keys:?}"
    );
    assert!(keys(&s3, &format!("{PROJECT}-terraform-state-qa"))
        .await
        .contains(&"queues/terraform.tfstate".to_string()));
    assert!(keys(&s3, "mercantile-tfstate-qa")
        .await
        .contains(&"network/terraform.tfstate".to_string()));
    assert_eq!(docker.steps(), ["login", "build", "push", "logout"]);
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let service = ecs
        .describe_services()
        .cluster(format!("{PROJECT}-cluster-qa"))
        .services(format!("{PROJECT}-ledger-qa"))
        .send()
        .await
        .unwrap();
    let running = service.services()[0].task_definition().unwrap().to_string();
    assert!(running.ends_with(":2"), "a new revision runs: {running}");

    // 5. The workflows, committed with everything else.
    shell.run(&blocks[5]);
    for file in ["deploy-qa.yml", "deploy-production.yml", "deploy-check.yml"] {
        assert!(place
            .monorepo
            .join(".github/workflows")
            .join(file)
            .is_file());
    }
    assert_eq!(git(&place.monorepo, &["status", "--porcelain"]), "");

    // After a change to the service, the plan is the service alone.
    std::fs::write(
        place.monorepo.join("services/ledger/app.py"),
        "print('ledger v2')\n",
    )
    .unwrap();
    git(&place.monorepo, &["commit", "-qam", "ledger v2"]);
    let out = shell.run(&blocks[6]);
    let planned = planned_targets(&out);
    assert_eq!(planned, ["ledger"], "{out}");

    // A new release of the toolkit, then the upgrade: its files, committed.
    let toolkit = place.home.join("src/deploy-toolkit");
    std::fs::write(toolkit.join("docs/NEXT-RELEASE.md"), "the next release\n").unwrap();
    std::fs::remove_file(toolkit.join("docs/timeline.png")).unwrap();
    git(&toolkit, &["add", "-A"]);
    git(&toolkit, &["commit", "-qm", "the next release"]);
    shell.run(&blocks[7]);
    let vendored = place.monorepo.join("tools/deploy");
    assert!(vendored.join("docs/NEXT-RELEASE.md").is_file());
    assert!(
        !vendored.join("docs/timeline.png").exists(),
        "a file the release dropped is gone"
    );
    assert_eq!(git(&place.monorepo, &["status", "--porcelain"]), "");
    assert_eq!(
        git(&place.monorepo, &["log", "-1", "--format=%s"]),
        "Upgrade the deploy toolkit"
    );

    // The build job's steps, as written, in a clean clone.
    build_job_runs_as_written(&place);
}

/// Clones the monorepo, gives the clone the restored Cargo cache (what the
/// job's cache step does), runs each `run:` step of `deploy-qa.yml`'s build
/// job with bash and the step's `env:`, and checks the upload step's file.
fn build_job_runs_as_written(place: &Place) {
    let clone = place.work.join("runner/mercantile");
    std::fs::create_dir_all(clone.parent().unwrap()).unwrap();
    git(
        clone.parent().unwrap(),
        &[
            "clone",
            "-q",
            place.monorepo.to_str().unwrap(),
            "mercantile",
        ],
    );
    std::os::unix::fs::symlink(&place.build, clone.join("tools/deploy/target")).unwrap();
    let wf = Workflow::load(&clone.join(".github/workflows/deploy-qa.yml"));
    let steps = wf.job("build")["steps"].as_sequence().unwrap().clone();
    let mut upload = None;
    for step in &steps {
        if let Some(script) = step["run"].as_str() {
            let mut cmd = Command::new("bash");
            cmd.args(["-e", "-c", script]).current_dir(&clone);
            place.clean_env(&mut cmd);
            if let Some(env) = step["env"].as_mapping() {
                for (k, v) in env {
                    cmd.env(k.as_str().unwrap(), v.as_str().unwrap());
                }
            }
            let out = cmd.output().unwrap();
            assert!(out.status.success(), "{script}\n{}", all_output(&out));
        }
        if step["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        {
            upload = step["with"]["path"].as_str().map(str::to_string);
        }
    }
    let upload = upload.expect("an upload step");
    let binary = clone.join(&upload);
    assert!(binary.is_file(), "{upload} was not made");
    let version = Command::new(&binary).arg("--version").output().unwrap();
    assert!(version.status.success(), "{}", all_output(&version));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("cargo xtask"));
}

/// The page's ```sh blocks, in order.
fn guide_blocks() -> Vec<String> {
    let page = std::fs::read_to_string(workspace().join("docs/ADOPTING.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The targets of `plan`'s text table (its lines `  1. NAME  KIND`).
fn planned_targets(out: &str) -> Vec<String> {
    let kinds = ["ecs", "static-site", "terraform"];
    out.lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            match words.as_slice() {
                [n, name, kind] if n.ends_with('.') && kinds.contains(kind) => {
                    Some(name.to_string())
                }
                _ => None,
            }
        })
        .collect()
}

async fn keys(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    let listed = s3
        .list_objects_v2()
        .bucket(bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("listing {bucket}: {e:?}"));
    listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// The folders of one run: a HOME with the toolkit's clone and the monorepo
/// in `~/src/`, and the Cargo build folder the runs share.
struct Place {
    work: PathBuf,
    home: PathBuf,
    monorepo: PathBuf,
    build: PathBuf,
    real_home: PathBuf,
}

impl Place {
    fn new() -> Place {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target"));
        let root = std::path::absolute(target.join("adopt")).unwrap();
        let work = root.join("work");
        if work.exists() {
            std::fs::remove_dir_all(&work).unwrap();
        }
        let home = work.join("home");
        let monorepo = home.join("src/mercantile");
        let build = root.join("build");
        std::fs::create_dir_all(&build).unwrap();
        copy_toolkit(&home.join("src/deploy-toolkit"));
        monorepo::mercantile(&monorepo);
        let real_home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| "/root".into());
        Place {
            work,
            home,
            monorepo,
            build,
            real_home,
        }
    }

    /// The test process's environment without what cargo set for it (its
    /// package, its jobserver) and with the user's toolchain, npm cache and a
    /// git identity, the way a developer's shell has them.
    fn clean_env(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if (key.starts_with("CARGO") && key != "CARGO_HOME")
                || key.starts_with("RUSTC")
                || key == "MAKEFLAGS"
                || key == "MFLAGS"
                || key.starts_with("GITHUB_")
            {
                cmd.env_remove(&key);
            }
        }
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.real_home.join(".cargo"));
        let rustup_home = std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.real_home.join(".rustup"));
        cmd.env("CARGO_HOME", cargo_home)
            .env("RUSTUP_HOME", rustup_home)
            .env("CARGO_TERM_COLOR", "never")
            .env("NPM_CONFIG_CACHE", self.real_home.join(".npm"))
            .env("NPM_CONFIG_AUDIT", "false")
            .env("NPM_CONFIG_FUND", "false")
            .env("NPM_CONFIG_UPDATE_NOTIFIER", "false")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Mercantile Dev")
            .env("GIT_AUTHOR_EMAIL", "dev@mercantile.test")
            .env("GIT_COMMITTER_NAME", "Mercantile Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@mercantile.test");
    }
}

/// A clone of this checkout as it stands (tracked and new files), committed:
/// what a user's `git clone` of the toolkit holds.
fn copy_toolkit(to: &Path) {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(listed.status.success());
    for file in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let rel = Path::new(std::str::from_utf8(file).unwrap());
        let from = workspace().join(rel);
        // A file deleted in the working tree is not in the copy either.
        let Ok(meta) = std::fs::symlink_metadata(&from) else {
            continue;
        };
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &dest).unwrap();
        } else {
            std::fs::copy(&from, &dest).unwrap();
        }
    }
    git(to, &["init", "-q", "-b", "main"]);
    git(to, &["add", "-A"]);
    git(to, &["commit", "-q", "-m", "the deploy toolkit"]);
}

/// bash at the monorepo's root, as the guide's reader runs it: HOME is the
/// test's, AWS is the emulator, terraform the real one against it, docker the
/// stand-in; cargo builds into the shared build folder.
struct Shell<'a> {
    place: &'a Place,
    docker: &'a DockerStandIn,
    terraform: &'a RealTerraform,
}

impl<'a> Shell<'a> {
    fn new(place: &'a Place, docker: &'a DockerStandIn, terraform: &'a RealTerraform) -> Self {
        Shell {
            place,
            docker,
            terraform,
        }
    }

    fn output(&self, script: &str) -> Output {
        let mut cmd = Command::new("bash");
        cmd.args(["-euo", "pipefail", "-c", script])
            .current_dir(&self.place.monorepo);
        self.place.clean_env(&mut cmd);
        emulator().cli_env(&mut cmd);
        cmd.env("HOME", &self.place.home)
            .env("CARGO_TARGET_DIR", &self.place.build)
            // As the workflows build it, so the clean clone's build finds it.
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env("DOCKER", self.docker.path())
            .env("TERRAFORM", self.terraform.executable())
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1");
        cmd.output().unwrap()
    }

    /// Runs a block; it must succeed. Returns its stdout and stderr.
    fn run(&self, script: &str) -> String {
        let out = self.output(script);
        let text = all_output(&out);
        assert!(out.status.success(), "{script}\nfailed:\n{text}");
        text
    }
}
