//! Test harness shared by the workspace's tests.
//!
//! - [`emulator`]: one moto server (in server mode, on 127.0.0.1) per test
//!   process, behind the AWS front (`aws_front/`, a Python package: it
//!   simulates ECS rollouts, see [`RolloutScenario`], and ECS's service
//!   deployments and strategies, see [`DeploymentScenario`], and corrects moto
//!   answers the SDK rejects), and an `SdkConfig` pointed at the front. If either cannot start,
//!   the test panics with the reason: a test that cannot reach its emulator
//!   fails, it never skips.
//! - [`TaskScenario`]: how one-off ECS tasks (RunTask) go, which the same
//!   front runs, and [`Network`]: a subnet in moto's EC2 for awsvpc services.
//! - [`HealthEndpoint`]: a local HTTP server answering the status a test sets,
//!   and [`alarm`] / [`set_alarm`]: CloudWatch alarms in moto, for verifications.
//! - [`Fault`]: throttling, server errors and dropped connections, injected by
//!   the same front for one bucket or cluster (moto never fails on its own).
//! - [`GitRepo`]: a real git repository in a temp folder, driven by the `git`
//!   command line, for change-detection tests.
//! - [`TerraformStandIn`]: a stand-in `terraform` that records its calls, and
//!   [`terraform_fixture`]: plan and state files in Terraform's real formats.
//! - [`RealTerraform`]: the real `terraform` on `PATH` (1.10+; a test fails,
//!   saying how to install it, without one), wrapped to reach the emulator's
//!   S3 from a temp home, and root modules in temp folders.
//! - [`DockerStandIn`]: a stand-in `docker` that records its calls, and whose
//!   `push` puts the tag into the emulator's ECR.
//! - [`cli`]: the `xtask` binary run as a user runs it ([`Xtask`]), and its
//!   output as text; [`Spawned`]: it run in the background, its stderr read
//!   as it comes; [`state_bucket`]: the locks and keys a deploy left in S3;
//!   [`deploy_toml`]: the head of the deploy.toml the tests write.
//! - [`actions`]: GitHub Actions as far as the generated workflows use it: push
//!   filters, `needs`, job `if:` expressions and outputs, and `run:` scripts
//!   run with bash, to read a workflow the way GitHub runs it.
//! - [`browser`]: headless Chromium's screenshot of a page, and its pixels.
//! - [`github_api`]: GitHub's REST endpoint for a run's review history (its
//!   approvals) on 127.0.0.1, answering as GitHub documents it.
//! - [`SlackWebhook`]: a Slack incoming webhook on 127.0.0.1 that records what
//!   it receives and answers as Slack does (or as a test scripts: 5xx, 429
//!   with Retry-After, late), and [`block_kit_problems`]: Block Kit's limits.
//! - [`iam`]: IAM policies read as IAM reads them; every `xtask` command run on
//!   the emulator checked against the policy `xtask iam` renders for its
//!   config (and its requests against the AWS service models); moto's own IAM
//!   enforcement with users holding a given policy.
//! - [`fixtures`]: an ECS target ([`EcsTarget`]), a static site
//!   ([`StaticSite`]), a terraform stack ([`SharedStack`]) and a site with
//!   previews ([`PreviewSite`]) in the emulator, each with a repository whose
//!   deploy.toml names it, for the binary's end-to-end tests.

pub mod actions;
pub mod browser;
mod buckets;
pub mod cli;
pub mod deploy_toml;
mod docker;
mod emulator;
mod faults;
pub mod fixtures;
mod git_repo;
pub mod github_api;
pub mod iam;
mod real_terraform;
pub mod runner;
mod services;
mod spawned;
pub mod state_bucket;
mod tasks;
mod terraform;
mod verification;
pub mod webhook;

pub use buckets::enable_versioning;
pub use cli::Xtask;
pub use docker::{DockerCall, DockerStandIn};
pub use emulator::{
    emulator, unique_name, Busy, DeploymentFailure, DeploymentScenario, Emulator, FailureCause,
    RecordedAction, RolloutOutcome, RolloutScenario,
};
pub use faults::{Fault, FaultKind, FaultScope};
pub use fixtures::{
    ecs::{EcsService, EcsTarget},
    preview::PreviewSite,
    shared_stack::SharedStack,
    site::StaticSite,
};
pub use git_repo::GitRepo;
pub use real_terraform::{
    real_terraform, state_bucket, RealTerraform, INSTALL_TERRAFORM, MIN_TERRAFORM,
};
pub use services::fargate_service;
pub use spawned::Spawned;
pub use tasks::{Network, TaskOutcome, TaskScenario};
pub use terraform::{terraform_fixture, TerraformCall, TerraformStandIn};
pub use verification::{alarm, composite_alarm, set_alarm, HealthEndpoint};
pub use webhook::{block_kit_problems, Received, Reply, SlackWebhook};
