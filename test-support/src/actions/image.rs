//! The runner images: what a job's `runs-on` label gives it, and what is on
//! its PATH once its setup steps ran.
//!
//! The rules, from actions/runner-images:
//! - `ubuntu-24.04` has no terraform (removed from the image: #9848, #10796;
//!   `ubuntu-22.04` still had it). A job that runs terraform needs a step that
//!   installs it (`hashicorp/setup-terraform`); without, its plan or apply fails
//!   ("terraform: command not found").
//! - `ubuntu-latest` is a label that moves: during a migration GitHub moves
//!   it from one image to the next gradually, so two jobs of one run may land
//!   on different images
//!   (the runner-images README: a `-latest` label's move to a new image is
//!   rolled out over weeks). [`images`] gives every image a label may resolve to.
//! - A binary is linked against its build image's glibc; on an image with an
//!   older glibc it does not start.

use std::collections::BTreeSet;

use super::Workflow;

/// A runner image, as far as the workflows care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Image {
    pub name: &'static str,
    /// (major, minor) of its glibc.
    pub glibc: (u32, u32),
    /// Whether `terraform` is on its PATH.
    pub terraform: bool,
}

pub const UBUNTU_22_04: Image = Image {
    name: "ubuntu-22.04",
    glibc: (2, 35),
    terraform: true,
};
pub const UBUNTU_24_04: Image = Image {
    name: "ubuntu-24.04",
    glibc: (2, 39),
    terraform: false,
};

/// Every image a `runs-on` label may give a job.
pub fn images(label: &str) -> Vec<Image> {
    match label {
        "ubuntu-24.04" => vec![UBUNTU_24_04],
        "ubuntu-22.04" => vec![UBUNTU_22_04],
        // Moving, and it moves gradually: a job may get either.
        "ubuntu-latest" => vec![UBUNTU_22_04, UBUNTU_24_04],
        other => panic!("no image model for runs-on: {other}"),
    }
}

/// Whether a binary built on `built` starts on `on`.
pub fn binary_runs(built: Image, on: Image) -> bool {
    on.glibc >= built.glibc
}

/// The tools on a job's PATH on `image` once its setup steps ran: the image's
/// own, and what setup actions added (`hashicorp/setup-terraform` adds
/// terraform, at its `terraform_version`, behind its wrapper unless
/// `terraform_wrapper: false`).
pub fn tools(wf: &Workflow, job: &str, image: Image) -> BTreeSet<String> {
    let mut tools: BTreeSet<String> = ["bash", "git", "gh", "cargo"]
        .iter()
        .map(|t| t.to_string())
        .collect();
    if image.terraform {
        tools.insert("terraform".into());
    }
    for step in wf.job(job)["steps"].as_sequence().into_iter().flatten() {
        let uses = step["uses"].as_str().unwrap_or_default();
        if uses.starts_with("hashicorp/setup-terraform@") {
            tools.insert("terraform".into());
            let wrapper = step["with"]["terraform_wrapper"].as_bool().unwrap_or(true);
            if wrapper {
                // The wrapper prints terraform's output as step outputs and
                // exits 0 on `plan -detailed-exitcode`'s 2.
                tools.insert("terraform-wrapper".into());
            }
        }
    }
    tools
}

/// Whether `job` can run terraform on every image its label may give it.
pub fn has_terraform(wf: &Workflow, job: &str) -> bool {
    images(&wf.runs_on(job))
        .into_iter()
        .all(|image| tools(wf, job, image).contains("terraform"))
}
