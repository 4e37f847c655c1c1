//! #25: the example's workflows read the way GitHub runs them, each rule of
//! `test_support::actions` against the workflows as generated before #25
//! (`test-support/fixtures/workflows/*-before-25.yml`), where it fails, and as
//! committed now, where it holds: runner images (1, 16), the approval's
//! identity (2, 3), branch guards (4), the 300-file `paths` limit (10), and
//! what every step and job carries (8, 9, 14).

mod workflow_support;

use serde_json::json;
use test_support::actions::image::{self, binary_runs, has_terraform, images};
use test_support::actions::oidc::{credentials, Event};
use test_support::actions::{JobRun, Workflow, PATHS_DIFF_LIMIT};
use workflow_support::*;
use xtask::changes::ChangedPaths;
use xtask::config::{Config, TargetKind};
use xtask::plan::{Plan, Selection};

const REPO: &str = "acme/connect2";

fn config() -> Config {
    Config::load(&example().join("deploy.toml")).unwrap()
}

/// The jobs of `wf` that run a terraform target's plan or apply.
fn terraform_jobs(wf: &Workflow) -> Vec<String> {
    let config = config();
    let stacks: Vec<&str> = config
        .targets
        .iter()
        .filter(|t| t.kind == TargetKind::Terraform)
        .map(|t| t.name.as_str())
        .collect();
    wf.jobs()
        .into_iter()
        .filter(|j| {
            wf.scripts(j).iter().any(|s| {
                stacks
                    .iter()
                    .any(|t| s.contains(&format!(".xtask/xtask deploy {t} ")))
            })
        })
        .collect()
}

#[test]
fn every_job_that_runs_terraform_has_it_on_the_pinned_image() {
    let old = before("deploy-prod");
    let jobs = terraform_jobs(&old);
    assert_eq!(jobs.len(), 6, "{jobs:?}");
    // ubuntu-latest may be ubuntu-24.04, which has no terraform.
    for job in &jobs {
        assert!(!has_terraform(&old, job), "{job}");
    }

    let wf = now("deploy-prod");
    let jobs = terraform_jobs(&wf);
    assert_eq!(
        jobs,
        [
            "plan-shared",
            "deploy-shared",
            "plan-api-infra",
            "deploy-api-infra",
            "plan-web-infra",
            "deploy-web-infra"
        ]
    );
    for job in &jobs {
        assert!(has_terraform(&wf, job), "{job}");
        let tools = image::tools(&wf, job, image::UBUNTU_24_04);
        assert!(!tools.contains("terraform-wrapper"), "{job}: {tools:?}");
        let setup = wf.job(job)["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("hashicorp/setup-terraform@"))
            })
            .unwrap()
            .clone();
        assert_eq!(setup["with"]["terraform_version"], "1.10.5");
    }
    // Jobs that run no terraform do not set it up.
    for job in [
        "deploy-api",
        "deploy-web",
        "plan",
        "report",
        "approve-shared",
    ] {
        assert!(
            !wf.uses(job).iter().any(|u| u.contains("setup-terraform")),
            "{job}"
        );
    }
}

#[test]
fn build_and_every_other_job_land_on_one_image() {
    // Before: `ubuntu-latest` moving between images, a binary built on the
    // newer one can land on the older one (glibc).
    let old = before("deploy-prod");
    let broken = images(&old.runs_on("build")).into_iter().any(|built| {
        images(&old.runs_on("deploy-api"))
            .into_iter()
            .any(|on| !binary_runs(built, on))
    });
    assert!(broken);

    for file in [
        "deploy-dev",
        "deploy-staging",
        "deploy-prod",
        "rollback",
        "drift",
        "pr-preview",
        "preview-sweep",
        "deploy-check",
    ] {
        let wf = now(file);
        for job in wf.jobs() {
            assert_eq!(wf.runs_on(&job), "ubuntu-24.04", "{file}/{job}");
            assert_eq!(images(&wf.runs_on(&job)), [image::UBUNTU_24_04]);
        }
    }
    // The binary's cache key names the runner: never restored on another image.
    let wf = now("deploy-prod");
    let key = wf.job("build")["steps"][1]["with"]["key"].as_str().unwrap();
    assert!(key.starts_with("xtask-ubuntu-24.04-"), "{key}");
}

#[test]
fn every_job_that_assumes_the_role_does_so_as_its_environment() {
    // IAM trusts the environment's own subject (docs/IAM.md).
    let trusted = [format!("repo:{REPO}:environment:prod")];
    let trusted: Vec<&str> = trusted.iter().map(String::as_str).collect();
    let push = Event::push(REPO, "main");

    // Before: the apply ran in prod-approval, whose subject is not trusted.
    let old = before("deploy-prod");
    let refused = credentials(&old, "deploy-shared", &push, &trusted).unwrap_err();
    assert!(refused.contains("environment:prod-approval"), "{refused}");

    let wf = now("deploy-prod");
    let mut assuming = 0;
    for job in wf.jobs() {
        let subject =
            credentials(&wf, &job, &push, &trusted).unwrap_or_else(|e| panic!("{job}: {e}"));
        if !subject.is_empty() {
            assuming += 1;
        }
    }
    assert_eq!(assuming, 9);
}

#[test]
fn the_approval_job_only_waits_and_the_apply_checks_it() {
    // Before: the apply itself waited in prod-approval, with the role, and
    // could not ask GitHub who approved (no token, no `actions: read`): the
    // environment's name was taken as the approval.
    let old = before("deploy-prod");
    assert_eq!(
        old.environment("deploy-shared").as_deref(),
        Some("prod-approval")
    );
    assert_eq!(old.permission("deploy-shared", "actions"), None);
    let step = old.job("deploy-shared")["steps"]
        .as_sequence()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(step["env"]["GITHUB_TOKEN"].is_null());
    assert!(!old.jobs().iter().any(|j| j.starts_with("approve-")));

    let wf = now("deploy-prod");
    for t in ["shared", "api-infra", "web-infra"] {
        let approve = format!("approve-{t}");
        let apply = format!("deploy-{t}");
        assert_eq!(wf.environment(&approve).as_deref(), Some("prod-approval"));
        // No credentials, no code, no token scopes, no secrets.
        assert!(wf.uses(&approve).is_empty(), "{approve}");
        assert_eq!(wf.permission(&approve, "contents"), None);
        assert_eq!(wf.permission(&approve, "id-token"), None);
        let text = serde_yaml_ng::to_string(wf.job(&approve)).unwrap();
        assert!(!text.contains("secrets."), "{text}");
        assert_eq!(wf.scripts(&approve).len(), 1);
        assert!(wf.scripts(&approve)[0].starts_with("echo "));
        // The apply comes after it, in prod, and asks GitHub who approved.
        assert!(wf.needs(&apply).contains(&approve), "{apply}");
        assert_eq!(wf.environment(&apply).as_deref(), Some("prod"));
        assert_eq!(wf.permission(&apply, "actions").as_deref(), Some("read"));
        let step = wf.job(&apply)["steps"]
            .as_sequence()
            .unwrap()
            .last()
            .unwrap();
        assert_eq!(step["env"]["XTASK_APPROVED_ENVIRONMENT"], "prod-approval");
        assert_eq!(step["env"]["GITHUB_TOKEN"], "${{ github.token }}");
    }
}

/// *Run workflow* on a branch that is not the environment's: before, it
/// deployed that branch; now nothing runs but a job that fails saying why.
#[test]
fn a_dispatch_on_another_branch_deploys_nothing_and_says_why() {
    let dispatch = |git_ref: &str| {
        json!({
            "inputs": { "targets": "all" },
            "github": { "event_name": "workflow_dispatch", "ref": git_ref },
        })
    };
    let planned_api = |_: &str, _: &test_support::actions::Run| {
        JobRun::success().with_output("plan", "targets", "[\"api\"]")
    };
    let ctx = dispatch("refs/heads/feature/x");
    let old = before("deploy-prod").run(&ctx, planned_api);
    assert!(old.ran("build") && old.ran("plan") && old.ran("deploy-api"));

    let wf = now("deploy-prod");
    let dir = tempfile::tempdir().unwrap();
    let mut said = String::new();
    let run = wf.run(&ctx, |job, run| {
        assert_eq!(job, "wrong-branch", "only the refusal runs");
        let env = [("GITHUB_REF", "refs/heads/feature/x")];
        let (out, _) = wf.run_step(job, "refuse", dir.path(), &ctx, run, &env);
        said = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            JobRun::success()
        } else {
            JobRun::failure()
        }
    });
    assert_eq!(run.started, ["wrong-branch"]);
    assert_eq!(run.result("wrong-branch"), "failure");
    assert!(
        said.contains(
            "::error::deploy to prod runs from main only; this run is on refs/heads/feature/x"
        ),
        "{said}"
    );
    // On its branch the refusal is skipped and the run goes on.
    let run = wf.run(&dispatch("refs/heads/main"), planned_api);
    assert_eq!(run.result("wrong-branch"), "skipped");
    assert!(run.ran("deploy-api"));
}

#[test]
fn a_rollback_runs_only_from_its_environments_branch() {
    let inputs = |target: &str, env: &str, branch: &str| {
        json!({
            "inputs": { "target": target, "env": env },
            "github": { "event_name": "workflow_dispatch", "ref": format!("refs/heads/{branch}") },
        })
    };
    let old = before("rollback").run(&inputs("all", "prod", "feature/x"), |_, _| {
        JobRun::success()
    });
    assert!(old.ran("rollback-prod"));

    let wf = now("rollback");
    let run = wf.run(&inputs("all", "prod", "feature/x"), |job, _| match job {
        "wrong-branch" => JobRun::failure(),
        other => panic!("{other} ran on another branch"),
    });
    assert_eq!(run.started, ["wrong-branch"]);
    // staging's branch is not prod's.
    let run = wf.run(&inputs("api", "prod", "staging"), |_, _| JobRun::failure());
    assert_eq!(run.started, ["wrong-branch"]);

    // On main: `all` is the API, then the web, the web even when the API's
    // rollback failed; one target is that target alone.
    let run = wf.run(&inputs("all", "prod", "main"), |job, _| match job {
        "rollback-prod-api" => JobRun::failure(),
        _ => JobRun::success(),
    });
    assert_eq!(run.started, ["rollback-prod-api", "rollback-prod-web"]);
    let run = wf.run(&inputs("web", "prod", "main"), |_, _| JobRun::success());
    assert_eq!(run.started, ["rollback-prod-web"]);
    let run = wf.run(&inputs("api", "staging", "staging"), |_, _| {
        JobRun::success()
    });
    assert_eq!(run.started, ["rollback-staging-api"]);
}

/// A merge of 301 files, the API's last: GitHub's `paths` filter reads the
/// first 300 and starts nothing; without a filter the run starts and the
/// plan, exact at any size, deploys the API.
#[test]
fn a_push_of_more_than_300_files_still_deploys() {
    let repo = example_repo();
    let mut paths: Vec<String> = (0..PATHS_DIFF_LIMIT)
        .map(|i| format!("docs/pages/page-{i:03}.md"))
        .collect();
    paths.push("api/app/main.py".into());
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    assert!(!before("deploy-prod").runs_on_push("main", &paths));
    // Within the limit the same filter sees the API's file.
    assert!(before("deploy-prod").runs_on_push("main", &paths[1..]));

    assert!(now("deploy-prod").runs_on_push("main", &paths));
    let (ctx, event) = push(&repo, &paths);
    let (run, _) = run_prod(&repo, &ctx, event.path(), |_| JobRun::success());
    assert_eq!(planned(&run), ["api"]);
    assert_eq!(run.result("deploy-api"), "success");
}

/// No `paths` filter starts the environment's workflow (GitHub's reads only
/// 300 files of a push): every push to its branch starts it, and the plan job
/// decides, on a table of changed-path sets (exclusions such as
/// `!api/docs/**` included).
#[test]
fn every_push_to_the_branch_starts_the_workflow_and_the_plan_decides() {
    let config = config();
    let sets: &[(&[&str], &[&str])] = &[
        (&["api/app/main.py"], &["api"]),
        (&["api/docs/runbooks/ROLLBACK.md"], &[]),
        (&["web/src/App.tsx", "README.md"], &["web"]),
        (&["web/docs/x.md", "api/docs/y.md"], &[]),
        (
            &["infrastructure/terraform/modules/vpc/main.tf"],
            &["shared"],
        ),
        (&["api/infrastructure/terraform/main.tf"], &["api-infra"]),
        (&["api-client/index.ts"], &[]),
        (&["docs/architecture.md"], &[]),
        (&["web/.env.production", "api/Dockerfile"], &["api", "web"]),
        (&[".github/workflows/ci.yml"], &[]),
    ];
    let wf = now("deploy-prod");
    for (set, expected) in sets {
        assert!(wf.runs_on_push("main", set), "{set:?}");
        assert!(!wf.runs_on_push("feature/x", set), "{set:?}");
        let changed = ChangedPaths {
            base: Some(git2::Oid::zero()),
            head: git2::Oid::zero(),
            why: "table".into(),
            paths: set.iter().map(|s| s.to_string()).collect(),
            everything: false,
        };
        let plan = Plan::new(&config, &Selection::changed(changed), None, Some("prod")).unwrap();
        let names: Vec<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(&names, expected, "on {set:?}");
    }
}
