//! [`Found`] as a commented deploy.toml: what each target was found from above
//! it, `CHECK` beside every value that is a guess to confirm.

use std::fmt::Write;

use super::terraform::PerEnv;
use super::{Found, Guess, GuessKind, TARGET_PLACEHOLDER};

/// A TOML string.
fn s(v: &str) -> String {
    toml::Value::String(v.to_string()).to_string()
}

fn list(values: &[String]) -> String {
    format!(
        "[{}]",
        values.iter().map(|v| s(v)).collect::<Vec<_>>().join(", ")
    )
}

/// `key = value` with a comment aligned after it.
fn line(out: &mut String, key: &str, value: &str, comment: &str) {
    let assignment = format!("{key} = {value}");
    if comment.is_empty() {
        let _ = writeln!(out, "{assignment}");
    } else {
        let _ = writeln!(out, "{assignment:<44} # {comment}");
    }
}

pub fn render(found: &Found, names: &str) -> String {
    let name_of = |target: &str| names.replace(TARGET_PLACEHOLDER, target);
    let mut out = String::new();
    let _ = write!(
        out,
        "# deploy.toml of {project}, written by `cargo xtask init` from what it found in
# this repository. Values marked CHECK are guesses: confirm them before the first
# deploy. Every key is described in docs/CONFIG.md of the toolkit.
#
# AWS names follow one pattern, {names} ({{project}} and {{env}} are
# filled in when a command runs; `cargo xtask init --names` picks another
# pattern): rename any of them to match what your account has.

[project]
",
        project = found.project,
    );
    line(&mut out, "name", &s(&found.project), "fills {project}");
    let region_comment = if found
        .notes
        .iter()
        .any(|n| matches!(n, super::Note::Check(t) if t.starts_with("region")))
    {
        "CHECK: none found; the region your targets are in"
    } else {
        "where the targets are; an environment may override it"
    };
    line(&mut out, "region", &s(&found.region), region_comment);
    out.push_str("# The ledger, release manifests and deploy locks, one bucket per environment:\n# `cargo xtask bootstrap --env ENV` creates it.\n");
    line(
        &mut out,
        "state_bucket",
        &s("{project}-deploy-state-{env}"),
        "",
    );
    if let Some(b) = &found.default_branch {
        line(
            &mut out,
            "default_branch",
            &s(b),
            "what `plan --changed` compares a feature branch with",
        );
    }
    if let Some(t) = &found.toolkit {
        out.push_str("# Where the toolkit lives: `cargo xtask` builds it there (.cargo/config.toml),\n# and so do the generated workflows (docs/ADOPTING.md).\n");
        line(&mut out, "toolkit", &s(t), "");
    }

    out.push_str("\n# Environments, from the branches: pushes to an environment's branch deploy\n# there (`cargo xtask ci generate` writes a workflow for each).\n");
    for env in &found.environments {
        let _ = writeln!(out, "\n[environments.{}]", env.name);
        match &env.branch {
            Some(b) => line(&mut out, "branch", &s(b), ""),
            None => {
                let _ = writeln!(out, "# branch = \"...\"                           # CHECK: no branch found; the one whose pushes deploy here");
            }
        }
    }

    for target in &found.targets {
        let _ = writeln!(out, "\n# {}", target.source);
        let _ = writeln!(out, "[targets.{}]", target.name);
        match &target.kind {
            GuessKind::Ecs { .. } => line(&mut out, "kind", &s("ecs"), ""),
            GuessKind::StaticSite { .. } => line(&mut out, "kind", &s("static-site"), ""),
            GuessKind::Terraform(_) => line(&mut out, "kind", &s("terraform"), ""),
        }
        line(
            &mut out,
            "paths",
            &list(&target.paths),
            "a change here deploys it",
        );
        if !target.after.is_empty() {
            line(&mut out, "after", &list(&target.after), "runs after these");
        }
        match &target.kind {
            GuessKind::Ecs {
                dockerfile,
                context,
            } => {
                line(
                    &mut out,
                    "cluster",
                    &s(&name_of("cluster")),
                    "CHECK: the ECS cluster",
                );
                line(
                    &mut out,
                    "service",
                    &s(&name_of(&target.name)),
                    "CHECK: the ECS service",
                );
                line(
                    &mut out,
                    "container",
                    &s(&target.name),
                    "CHECK: the container in its task definition",
                );
                line(
                    &mut out,
                    "ecr_repository",
                    &s(&name_of(&target.name)),
                    "CHECK: the image's ECR repository",
                );
                line(
                    &mut out,
                    "dockerfile",
                    &s(dockerfile),
                    "a tag not in ECR yet is built and pushed",
                );
                line(&mut out, "docker_context", &s(context), "");
            }
            GuessKind::StaticSite {
                build,
                build_dir,
                cache,
            } => {
                line(
                    &mut out,
                    "build",
                    &s(build),
                    "run at the repository root before each deploy",
                );
                line(
                    &mut out,
                    "build_dir",
                    &s(build_dir),
                    "what the build writes",
                );
                line(
                    &mut out,
                    "bucket",
                    &s(&name_of(&target.name)),
                    "CHECK: the site's bucket (versioning on)",
                );
                let _ = writeln!(out, "# distribution = \"E1ABCDEFGHIJKL\"              # CHECK: its CloudFront distribution; without one nothing is invalidated");
                render_cache(&mut out, target, cache);
            }
            GuessKind::Terraform(stack) => {
                line(
                    &mut out,
                    "dir",
                    &s(&stack.dir()),
                    "one root module per environment",
                );
                line(
                    &mut out,
                    "approval",
                    "true",
                    "applies wait for --approve (in CI, the <env>-approval environment)",
                );
                let mut per_env: Vec<(String, Vec<(String, String)>)> = Vec::new();
                for (key, value) in [
                    ("state_bucket", &stack.state_bucket),
                    ("state_key", &stack.state_key),
                ] {
                    match value {
                        Some(PerEnv::One(v)) => line(
                            &mut out,
                            key,
                            &s(v),
                            "the stack's S3 state; its outputs are read from there",
                        ),
                        Some(PerEnv::Each(values)) => {
                            for (env, v) in values {
                                match per_env.iter_mut().find(|(e, _)| e == env) {
                                    Some((_, keys)) => keys.push((key.to_string(), v.clone())),
                                    None => per_env
                                        .push((env.clone(), vec![(key.to_string(), v.clone())])),
                                }
                            }
                        }
                        None => {}
                    }
                }
                if !stack.vars.is_empty() {
                    let vars: Vec<String> = stack
                        .vars
                        .iter()
                        .map(|(k, v)| format!("{k} = {}", s(v)))
                        .collect();
                    line(
                        &mut out,
                        "vars",
                        &format!("{{ {} }}", vars.join(", ")),
                        "its variables that take other stacks' outputs",
                    );
                }
                for (env, keys) in per_env {
                    let _ = writeln!(out, "\n[targets.{}.env.{env}]", target.name);
                    for (k, v) in keys {
                        line(&mut out, &k, &s(&v), "");
                    }
                }
            }
        }
    }
    out
}

fn render_cache(out: &mut String, target: &Guess, cache: &[(String, String)]) {
    for (glob, control) in cache {
        let _ = writeln!(out, "\n[[targets.{}.cache]]", target.name);
        let why = if control.contains("immutable") {
            "content-hashed files: cached for a year"
        } else {
            "pages: always revalidated"
        };
        line(out, "glob", &s(glob), why);
        line(out, "cache_control", &s(control), "");
    }
}
