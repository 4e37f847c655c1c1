//! `cargo xtask init` on repositories of many layouts (real git repositories
//! in temp folders, the binary as a user runs it): what it finds, what it
//! writes, that the file loads, and that it never overwrites.

use std::process::Output;
use test_support::cli::{all_output, text};
use test_support::GitRepo;
use xtask::config::{Config, TargetKind, TargetSettings};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[test]
fn a_service_a_site_and_stacks_become_targets_that_load() {
    let repo = GitRepo::new();
    repo.write("services/billing/Dockerfile", "FROM scratch\n")
        .write("services/billing/docs/README.md", "# billing\n")
        .write(
            "apps/shop/package.json",
            r#"{"scripts": {"build": "vite build"}, "devDependencies": {"vite": "^6"}}"#,
        )
        .write("apps/shop/package-lock.json", "{}")
        .write(
            "apps/shop/vite.config.ts",
            "export default defineConfig({ build: { outDir: \"out/web\" } })\n",
        )
        .write(
            "ops/net/environments/stage/main.tf",
            &format!(
                "{}output \"vpc_id\" {{ value = 1 }}\n",
                backend("acme-state-stage", "net/state", "eu-west-1")
            ),
        )
        .write(
            "ops/net/environments/live/main.tf",
            &format!(
                "{}output \"vpc_id\" {{ value = 1 }}\n",
                backend("acme-state-live", "net/state", "eu-west-1")
            ),
        )
        .write(
            "ops/data/environments/stage/main.tf",
            "terraform {\n  backend \"s3\" {}\n}\nvariable \"vpc_id\" {}\nvariable \"region\" {}\n",
        )
        .write(
            "ops/data/environments/live/main.tf",
            "terraform {\n  backend \"s3\" {}\n}\nvariable \"vpc_id\" {}\nvariable \"region\" {}\n",
        );
    repo.commit("layout");
    repo.git(&["branch", "stage"]);
    let out = init(&repo, &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let config = Config::load(&repo.file("deploy.toml")).unwrap();
    assert_eq!(
        config.environments.keys().collect::<Vec<_>>(),
        ["live", "stage"]
    );
    assert_eq!(config.environments["live"].branch.as_deref(), Some("main"));
    assert_eq!(
        config.environments["stage"].branch.as_deref(),
        Some("stage")
    );
    assert_eq!(config.region("live"), "eu-west-1");
    let names: Vec<(&str, TargetKind)> = config
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("net", TargetKind::Terraform),
            ("data", TargetKind::Terraform),
            ("billing", TargetKind::Ecs),
            ("shop", TargetKind::StaticSite),
        ]
    );
    let billing = config.target("billing").unwrap();
    assert!(billing.paths.matches("services/billing/main.go"));
    assert!(!billing.paths.matches("services/billing/docs/README.md"));
    assert!(!billing.paths.matches("services/billing/CHANGELOG.md"));
    assert_eq!(
        billing.after,
        ["data"],
        "after the last of the shared stacks"
    );
    let TargetSettings::Ecs(ecs) = &billing.settings["live"] else {
        panic!()
    };
    assert_eq!(
        ecs.cluster,
        "acme-cluster-live".replace("acme", &project(&repo))
    );
    assert_eq!(ecs.service, format!("{}-billing-live", project(&repo)));
    assert_eq!(
        ecs.ecr_repository,
        format!("{}-billing-live", project(&repo))
    );

    let data = config.target("data").unwrap();
    assert_eq!(data.after, ["net"]);
    let TargetSettings::Terraform(tf) = &data.settings["live"] else {
        panic!()
    };
    assert_eq!(
        tf.vars["vpc_id"], "{net.vpc_id}",
        "its variable takes net's output"
    );
    assert!(!tf.vars.contains_key("region"), "too common a name to tell");
    let TargetSettings::Terraform(net) = &config.target("net").unwrap().settings["stage"] else {
        panic!()
    };
    assert_eq!(
        net.state_bucket.as_deref(),
        Some("acme-state-stage"),
        "{{env}} in the bucket"
    );
    assert_eq!(net.state_key.as_deref(), Some("net/state"));

    let TargetSettings::StaticSite(site) = &config.target("shop").unwrap().settings["live"] else {
        panic!()
    };
    assert_eq!(site.build_dir, "apps/shop/out/web");
    assert_eq!(
        site.build.as_deref(),
        Some("cd apps/shop && npm ci && npm run build")
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("wrote "), "{stdout}");
    assert!(stdout.contains("cargo xtask ci generate"), "{stdout}");
    let written = std::fs::read_to_string(repo.file("deploy.toml")).unwrap();
    assert!(
        written.contains("# CHECK") || written.contains("CHECK:"),
        "{written}"
    );
}

/// The build folder per framework, read from its config where it sets one;
/// apps that need a server are left out, with the reason.
#[test]
fn each_framework_gives_its_build_folder() {
    let cases: &[Case] = &[
        (
            r#"{"scripts":{"build":"next build"},"dependencies":{"next":"15"}}"#,
            &[("next.config.mjs", "export default { output: 'export' }\n")],
            Some("out"),
        ),
        (
            r#"{"scripts":{"build":"next build"},"dependencies":{"next":"15"}}"#,
            &[(
                "next.config.js",
                "module.exports = { output: \"export\", distDir: 'static-out' }\n",
            )],
            Some("static-out"),
        ),
        (
            r#"{"scripts":{"build":"next build"},"dependencies":{"next":"15"}}"#,
            &[(
                "next.config.js",
                "module.exports = { reactStrictMode: true }\n",
            )],
            None,
        ),
        (
            r#"{"scripts":{"build":"react-scripts build"},"dependencies":{"react-scripts":"5"}}"#,
            &[],
            Some("build"),
        ),
        (
            r#"{"scripts":{"build":"react-scripts build"},"dependencies":{"react-scripts":"5"}}"#,
            &[(".env", "BUILD_PATH=./www\n")],
            Some("www"),
        ),
        (
            r#"{"scripts":{"build":"astro build"},"dependencies":{"astro":"5"}}"#,
            &[(
                "astro.config.mjs",
                "export default defineConfig({ outDir: './public-site' })\n",
            )],
            Some("public-site"),
        ),
        (
            r#"{"scripts":{"build":"astro build"},"dependencies":{"astro":"5"}}"#,
            &[(
                "astro.config.mjs",
                "export default defineConfig({ output: 'server' })\n",
            )],
            None,
        ),
        (
            r#"{"scripts":{"build":"vite build"},"devDependencies":{"vite":"6"}}"#,
            &[],
            Some("dist"),
        ),
        (
            r#"{"scripts":{"build":"vite build"},"devDependencies":{"vite":"6"}}"#,
            &[(
                "vite.config.js",
                "export default { root: 'src', build: { outDir: '../web-out' } }\n",
            )],
            Some("web-out"),
        ),
        (
            r#"{"scripts":{"build":"vite build --outDir release"},"devDependencies":{"vite":"6"}}"#,
            &[],
            Some("release"),
        ),
        (
            r#"{"scripts":{"build":"vite build"},"devDependencies":{"vite":"6","@sveltejs/kit":"2","@sveltejs/adapter-static":"3"}}"#,
            &[],
            Some("build"),
        ),
        (
            r#"{"scripts":{"build":"ng build"},"dependencies":{"@angular/core":"18"}}"#,
            &[(
                "angular.json",
                r#"{"projects":{"portal":{"architect":{"build":{"builder":"@angular-devkit/build-angular:application","options":{"outputPath":"dist/portal"}}}}}}"#,
            )],
            Some("dist/portal/browser"),
        ),
        (
            r#"{"scripts":{"build":"vue-cli-service build"},"devDependencies":{"@vue/cli-service":"5"}}"#,
            &[],
            Some("dist"),
        ),
        (
            r#"{"scripts":{"build":"gatsby build"},"dependencies":{"gatsby":"5"}}"#,
            &[],
            Some("public"),
        ),
        (
            r#"{"scripts":{"build":"nuxt generate"},"dependencies":{"nuxt":"3"}}"#,
            &[],
            Some(".output/public"),
        ),
        (
            r#"{"scripts":{"build":"tsc"},"devDependencies":{"typescript":"5"}}"#,
            &[],
            None,
        ),
    ];
    for (package, files, want) in cases {
        let repo = GitRepo::new();
        repo.write("web/app/package.json", package);
        for (name, text) in *files {
            repo.write(&format!("web/app/{name}"), text);
        }
        // Something else to deploy, so a left-out app still makes a file.
        repo.write("worker/Dockerfile", "FROM scratch\n");
        repo.commit("app");
        let out = init(&repo, &["--dry-run"]);
        assert!(out.status.success(), "{package}: {}", all_output(&out));
        let config = Config::parse(&repo.file("deploy.toml"), &text(&out.stdout)).unwrap();
        let site = config.target("app").map(|t| match &t.settings["prod"] {
            TargetSettings::StaticSite(s) => s.build_dir.clone(),
            other => panic!("{other:?}"),
        });
        assert_eq!(
            site.as_deref(),
            want.map(|w| format!("web/app/{w}")).as_deref(),
            "{package} {files:?}\n{}",
            text(&out.stderr)
        );
        if want.is_none() {
            assert!(
                text(&out.stderr).contains("web/app/package.json:"),
                "{}",
                text(&out.stderr)
            );
        }
        assert!(
            !repo.file("deploy.toml").exists(),
            "--dry-run writes nothing"
        );
    }
}

#[test]
fn a_workspace_lockfile_above_the_app_installs_there() {
    let repo = GitRepo::new();
    repo.write(
        "package.json",
        r#"{"private": true, "workspaces": ["packages/*"]}"#,
    )
    .write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n")
    .write(
        "packages/site/package.json",
        r#"{"scripts":{"build":"astro build"},"dependencies":{"astro":"5"}}"#,
    );
    repo.commit("workspace");
    let out = init(&repo, &["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let config = Config::parse(&repo.file("deploy.toml"), &text(&out.stdout)).unwrap();
    let site = config.target("site").unwrap();
    let TargetSettings::StaticSite(s) = &site.settings["prod"] else {
        panic!()
    };
    assert_eq!(
        s.build.as_deref(),
        Some("pnpm install --frozen-lockfile && cd packages/site && pnpm run build")
    );
    assert!(
        site.paths.matches("pnpm-lock.yaml"),
        "the lockfile changes its build"
    );
    assert!(site.paths.matches("packages/site/src/index.astro"));
}

#[test]
fn stacks_nested_in_a_service_run_before_it_and_leave_its_paths() {
    let repo = GitRepo::new();
    repo.write("checkout/Dockerfile", "FROM scratch\n")
        .write(
            "checkout/deploy/terraform/environments/prod/main.tf",
            &backend("tf-state", "checkout.tfstate", "us-east-2"),
        )
        .write(
            "reports/environments/prod/main.tf",
            "terraform {\n  backend \"s3\" {}\n}\ndata \"terraform_remote_state\" \"c\" {\n  backend = \"s3\"\n  config = {\n    bucket = \"tf-state\"\n    key = \"checkout.tfstate\"\n  }\n}\n",
        );
    repo.commit("layout");
    let out = init(&repo, &["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let config = Config::parse(&repo.file("deploy.toml"), &text(&out.stdout)).unwrap();
    let service = config.target("checkout").unwrap();
    assert_eq!(service.after, ["checkout-infra"], "its own stack");
    assert!(!service
        .paths
        .matches("checkout/deploy/terraform/environments/prod/main.tf"));
    assert!(service.paths.matches("checkout/main.py"));
    assert_eq!(
        config.target("reports").unwrap().after,
        ["checkout-infra"],
        "it reads checkout's state"
    );
}

#[test]
fn environments_come_from_branches_without_terraform() {
    let repo = GitRepo::new();
    repo.write("Dockerfile", "FROM scratch\n");
    repo.commit("one service at the root");
    for b in ["develop", "staging", "feature/login"] {
        repo.git(&["branch", b]);
    }
    let out = init(&repo, &["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let config = Config::parse(&repo.file("deploy.toml"), &text(&out.stdout)).unwrap();
    let envs: Vec<(&str, Option<&str>)> = config
        .environments
        .iter()
        .map(|(n, e)| (n.as_str(), e.branch.as_deref()))
        .collect();
    assert_eq!(
        envs,
        [
            ("dev", Some("develop")),
            ("prod", Some("main")),
            ("staging", Some("staging"))
        ]
    );
    let app = config.target("app").unwrap();
    assert!(app.paths.matches("src/main.py") && !app.paths.matches("README.md"));
}

#[test]
fn a_names_pattern_names_every_aws_resource() {
    let repo = GitRepo::new();
    repo.write("svc/orders/Dockerfile", "FROM scratch\n");
    repo.commit("service");
    let out = init(&repo, &["--dry-run", "--names", "acme-{env}-{target}"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let config = Config::parse(&repo.file("deploy.toml"), &text(&out.stdout)).unwrap();
    let TargetSettings::Ecs(ecs) = &config.target("orders").unwrap().settings["prod"] else {
        panic!()
    };
    assert_eq!(
        (
            ecs.cluster.as_str(),
            ecs.service.as_str(),
            ecs.ecr_repository.as_str()
        ),
        ("acme-prod-cluster", "acme-prod-orders", "acme-prod-orders")
    );
}

#[test]
fn the_toolkit_and_what_git_ignores_are_not_read() {
    let repo = GitRepo::new();
    repo.write("svc/Dockerfile", "FROM scratch\n")
        .write(".gitignore", "generated/\n")
        .write("generated/Dockerfile", "FROM scratch\n")
        .write("node_modules/pkg/Dockerfile", "FROM scratch\n")
        // A vendored toolkit, its example monorepo inside.
        .write("tools/deploy/Cargo.toml", "[workspace]\n")
        .write("tools/deploy/xtask/Cargo.toml", "[package]\n")
        .write(
            "tools/deploy/examples/demo/api/Dockerfile",
            "FROM scratch\n",
        )
        .write(
            "tools/deploy/examples/demo/infra/environments/prod/main.tf",
            "output \"x\" { value = 1 }\n",
        );
    repo.commit("layout");
    let out = init(&repo, &["--dry-run"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let config = Config::parse(&repo.file("deploy.toml"), &text(&out.stdout)).unwrap();
    let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["svc"]);
}

#[test]
fn init_never_overwrites_and_bad_input_is_one_line() {
    let repo = GitRepo::new();
    repo.write("deploy.toml", "# mine\n")
        .write("a/Dockerfile", "FROM scratch\n");
    repo.commit("mine");
    let out = init(&repo, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_line(&out, "init never overwrites");
    assert_eq!(
        std::fs::read_to_string(repo.file("deploy.toml")).unwrap(),
        "# mine\n"
    );

    let missing = repo.path().join("no-such-folder");
    let out = run(&["init", "--repo", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_line(&out, "--repo");

    let not_git = tempfile::tempdir().unwrap();
    let out = run(&["init", "--repo", not_git.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_line(&out, "no git repository");
    assert!(!not_git.path().join("deploy.toml").exists());

    let out = init(&repo, &["--dry-run", "--names", "{project}-{env}"]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_line(&out, "--names");
    let out = init(
        &repo,
        &["--dry-run", "--names", "{project}-{target}-{branch}"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_one_line(&out, "unknown placeholder {branch}");

    let empty = GitRepo::new();
    empty.write("README.md", "nothing to deploy\n");
    empty.commit("docs");
    let out = init(&empty, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_line(&out, "found nothing to deploy");
    assert!(!empty.file("deploy.toml").exists());
}

/// A package.json, the files beside it, and the build folder wanted (`None`:
/// no static site).
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>);

fn assert_one_line(out: &Output, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(needle),
        "{stderr}"
    );
}

fn backend(bucket_prefix: &str, key: &str, region: &str) -> String {
    // The environment's name ends the bucket's name in the callers' folders.
    format!(
        "terraform {{\n  backend \"s3\" {{\n    bucket = \"{bucket_prefix}\"\n    key    = \"{key}\"\n    region = \"{region}\"\n  }}\n}}\n"
    )
}

/// The project name init takes from the repository's folder.
fn project(repo: &GitRepo) -> String {
    let name = repo
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_lowercase();
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn init(repo: &GitRepo, args: &[&str]) -> Output {
    let mut all = vec!["init", "--repo", repo.path().to_str().unwrap()];
    all.extend_from_slice(args);
    run(&all)
}

fn run(args: &[&str]) -> Output {
    std::process::Command::new(XTASK)
        .args(args)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap()
}
