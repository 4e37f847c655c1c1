//! Every command and flag, in one place; each doc comment is its help text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

use crate::config::rules;
use crate::error::BadInput;
use crate::targets::pipeline::Mode;
use crate::targets::static_site::SiteOptions;

/// Deploys the parts of a monorepo that changed, in order, and puts any one of
/// them back with one command.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version)]
pub struct Xtask {
    /// Say more: every file a deploy writes, and an error's whole cause chain.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what would deploy, in which order, and why.
    Plan(PlanFlags),
    /// Deploy targets to an environment: those whose paths changed, all, or named.
    Deploy(DeployFlags),
    /// Put a target back on what ran before (or on --to).
    Rollback(RollbackFlags),
    /// The deploy ledger of a target in an environment, newest first; with
    /// --env, every target's, or the timeline page (--format html).
    History(HistoryFlags),
    /// What runs where now.
    Status(StatusFlags),
    /// GitHub Actions workflows generated from deploy.toml.
    Ci(CiFlags),
    /// Create the state bucket (and, for the local emulator, the targets' resources).
    Bootstrap(BootstrapFlags),
    /// PR preview environments: up, down, list, sweep.
    Preview(PreviewFlags),
    /// Write a first deploy.toml from what the repository holds: ECS services
    /// from Dockerfiles, static sites from package.json builds, Terraform
    /// stacks from environments/<env>/ folders, environments from branches.
    /// Never overwrites a file.
    Init(InitFlags),
    /// The least-privilege IAM policies of an environment: the deploy role's,
    /// the read-only drift role's and bootstrap's, with the config's ARNs.
    Iam(IamFlags),
}

impl Command {
    /// The environment the command works in, when it names one.
    pub fn env(&self) -> Option<&str> {
        match self {
            Command::Deploy(f) => Some(&f.env),
            Command::Rollback(f) => Some(&f.env),
            Command::History(f) => f.environment(),
            Command::Status(f) => Some(&f.env),
            Command::Bootstrap(f) => Some(&f.env),
            Command::Iam(f) => Some(&f.env),
            Command::Plan(_) | Command::Ci(_) | Command::Preview(_) | Command::Init(_) => None,
        }
    }
}

/// Where the repository and its deploy.toml are.
#[derive(Debug, Clone, Args)]
pub struct RepoFlags {
    /// The git repository [default: the one around the current directory].
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The config file [default: deploy.toml at the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// How to find the changed paths.
#[derive(Debug, Clone, Args)]
pub struct ChangeFlags {
    /// Compare from this revision [default: the push's `before` or the pull
    /// request's merge-base under GitHub Actions, else the merge-base of HEAD
    /// with the default branch].
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Compare up to this revision [default: HEAD].
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Also count staged, unstaged and untracked changes in the working tree.
    #[arg(long)]
    pub uncommitted: bool,
    /// When the base cannot be known (new branch, shallow clone, force push),
    /// plan every target instead of failing.
    #[arg(long)]
    pub all_if_unknown: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    #[default]
    Text,
    /// One JSON object on stdout.
    Json,
    /// The table, plus step outputs appended to $GITHUB_OUTPUT (`plan`:
    /// `targets=`, `any=`; `deploy`/`rollback`: `ok=`, `failed=`).
    Github,
}

#[derive(Debug, Clone, Args)]
pub struct PlanFlags {
    /// Targets to plan by name (instead of --changed or --all).
    #[arg(value_name = "TARGET", conflicts_with_all = ["changed", "all"])]
    pub targets: Vec<String>,
    /// Plan the targets whose paths changed.
    #[arg(long, conflicts_with = "all")]
    pub changed: bool,
    /// Plan every target.
    #[arg(long)]
    pub all: bool,
    /// The environment to plan for (checked against deploy.toml).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub repo: RepoFlags,
    #[command(flatten)]
    pub change: ChangeFlags,
}

/// How to watch a rollout.
#[derive(Debug, Clone, Args)]
pub struct WatchFlags {
    /// Give up on a rollout after this long (e.g. 15m, 90s; 1s to 24h), then roll back.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// How often to poll the rollout (10ms to 10m; it backs off when throttled).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_poll_interval)]
    pub poll_interval: Duration,
}

/// Static-site targets.
#[derive(Debug, Clone, Args)]
pub struct SiteFlags {
    /// Static sites: S3 requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// Static sites: allow up to N deletes this once (above the target's max_deletes).
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<usize>,
    /// Static sites: wait until the CloudFront invalidation completes (up to --timeout).
    #[arg(long)]
    pub wait: bool,
    /// Build nothing: static sites deploy build_dir as it is (no `build`); ECS
    /// targets need their image tag in ECR already (no docker build and push).
    #[arg(long)]
    pub no_build: bool,
}

impl WatchFlags {
    /// How a rollout is watched.
    pub fn settings(&self) -> api::WatchSettings {
        api::WatchSettings {
            timeout: self.timeout,
            poll_interval: self.poll_interval,
            ..api::WatchSettings::default()
        }
    }
}

impl SiteFlags {
    /// How a static site is deployed or rolled back; `--wait` waits up to
    /// `--timeout`, polling every `--poll-interval`.
    pub fn options(&self, watch: &WatchFlags) -> SiteOptions {
        SiteOptions {
            concurrency: self.concurrency,
            max_deletes: self.max_deletes,
            wait: self.wait.then_some(web_deployer::WaitSettings {
                timeout: watch.timeout,
                poll_interval: watch.poll_interval,
            }),
            progress_bar: true,
        }
    }
}

fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err("expected a whole number from 1 to 1024".into()),
    }
}

fn parse_fingerprint(s: &str) -> Result<String, String> {
    if s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(s.to_string())
    } else {
        Err("expected the 32 lowercase hex digits a plan prints as its fingerprint".into())
    }
}

fn parse_duration(s: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("expected a duration like 15m or 90s: {e}"))?;
    rules::duration(d, min, max)?;
    Ok(d)
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    parse_duration(s, Duration::from_secs(1), rules::MAX_DURATION)
}

fn parse_poll_interval(s: &str) -> Result<Duration, String> {
    parse_duration(s, Duration::from_millis(10), Duration::from_secs(600))
}

fn parse_image_tag(s: &str) -> Result<String, String> {
    rules::image_tag(s).map(|()| s.to_string())
}

fn parse_limit(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {MAX_LIMIT}")),
    }
}

/// `history --limit`: records read per target at most.
const MAX_LIMIT: usize = 10_000;

/// `--older-than`: 0 takes every preview; the bound keeps the time
/// arithmetic in range (a million days is "never").
fn parse_days(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n <= 1_000_000 => Ok(n),
        _ => Err("expected a whole number of days from 0 to 1000000".into()),
    }
}

/// A pull request number: digits only, no sign, no leading zero. Anything else
/// (a branch name, `1; rm`, `../x`) is refused before any call.
pub fn parse_pr(s: &str) -> Result<u64, String> {
    let digits = !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    match s.parse::<u64>() {
        Ok(n) if digits && n > 0 && n <= u64::from(u32::MAX) && !s.starts_with('0') => Ok(n),
        _ => Err("expected the pull request number, a positive whole number".into()),
    }
}

#[derive(Debug, Clone, Args)]
pub struct DeployFlags {
    /// Targets to deploy by name (instead of --changed or --all).
    #[arg(value_name = "TARGET", conflicts_with_all = ["changed", "all"])]
    pub targets: Vec<String>,
    /// Deploy the targets whose paths changed.
    #[arg(long, conflicts_with = "all")]
    pub changed: bool,
    /// Deploy every target.
    #[arg(long)]
    pub all: bool,
    /// The environment to deploy to.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// The image tag for ECS targets [default: the head commit's short sha].
    #[arg(long, value_name = "TAG", value_parser = parse_image_tag)]
    pub image_tag: Option<String>,
    /// Say exactly what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// On a failed rollout, leave the service as it is instead of rolling back.
    #[arg(long)]
    pub no_rollback: bool,
    /// Apply terraform targets that need approval (`approval = true`): the plan
    /// is shown first. Without it they are planned, not applied. In GitHub
    /// Actions, the generated apply job runs behind the `<env>-approval`
    /// environment gate and names it in XTASK_APPROVED_ENVIRONMENT instead;
    /// the run's approval there is checked with GitHub (GITHUB_TOKEN).
    #[arg(long)]
    pub approve: bool,
    /// Terraform targets: apply only if the new plan's fingerprint is this one
    /// (the plan its approvers reviewed; every plan prints its fingerprint).
    #[arg(long, value_name = "FINGERPRINT", value_parser = parse_fingerprint)]
    pub expect_plan: Option<String>,
    /// `json`: one JSON document on stdout (the results; details go to stderr).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Remove a lock left by a crashed deploy before taking it.
    #[arg(long)]
    pub force_unlock: bool,
    /// Send no notification ([notify] in deploy.toml): the generated workflows'
    /// deploy jobs pass it, and their `report` job sends the run's one message.
    #[arg(long)]
    pub no_notify: bool,
    /// Deploy a commit that is not a descendant of the one live in the
    /// environment (by the ledger). Without it such a deploy is refused: a
    /// re-run of an older run would move targets backwards. To go back on
    /// purpose, use `cargo xtask rollback`.
    #[arg(long)]
    pub allow_rewind: bool,
    /// When this run's plan was made (RFC 3339 UTC, e.g. 2026-12-07T11:00:00Z;
    /// the generated workflows pass the plan job's `planned_at` output): a
    /// target rolled back after that time is not deployed by this run.
    #[arg(long, value_name = "TIME", value_parser = parse_planned_at)]
    pub planned_at: Option<PlannedAt>,
    #[command(flatten)]
    pub watch: WatchFlags,
    #[command(flatten)]
    pub site: SiteFlags,
    #[command(flatten)]
    pub repo: RepoFlags,
    #[command(flatten)]
    pub change: ChangeFlags,
}

/// `--planned-at`: as given, and as a time to compare ledger records with.
#[derive(Debug, Clone)]
pub struct PlannedAt {
    pub text: String,
    pub at: std::time::SystemTime,
}

fn parse_planned_at(s: &str) -> Result<PlannedAt, String> {
    humantime::parse_rfc3339_weak(s.trim())
        .ok()
        .filter(|_| s.trim().ends_with('Z'))
        .map(|at| PlannedAt {
            text: s.trim().to_string(),
            at,
        })
        .ok_or_else(|| "expected an RFC 3339 time in UTC, such as 2026-12-07T11:00:00Z".into())
}

#[derive(Debug, Clone, Args)]
pub struct RollbackFlags {
    /// The target to roll back, or `all` (API, then web; never shared infrastructure).
    #[arg(value_name = "TARGET", value_parser = parse_rollback_target)]
    pub target: RollbackTarget,
    /// The environment.
    #[arg(value_name = "ENV")]
    pub env: String,
    /// Roll back to this: an ECS revision number (or family:REV, or ARN), or a
    /// static site's release id (see `history`).
    #[arg(long, value_name = "REV")]
    pub to: Option<String>,
    /// Terraform targets: the commit to revert — a merge into the environment's
    /// branch, or any commit it brought in (its merge is found) — on a new branch.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Terraform targets: push the revert branch to `origin` (never without it).
    #[arg(long)]
    pub push: bool,
    /// Say exactly what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// `json`: one JSON document on stdout (the results; details go to stderr).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Remove a lock left by a crashed deploy before taking it.
    #[arg(long)]
    pub force_unlock: bool,
    /// Send no notification ([notify] in deploy.toml).
    #[arg(long)]
    pub no_notify: bool,
    #[command(flatten)]
    pub watch: WatchFlags,
    #[command(flatten)]
    pub site: SiteFlags,
    #[command(flatten)]
    pub repo: RepoFlags,
}

/// What `rollback` puts back: one target, or every ECS and static-site target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackTarget {
    All,
    One(String),
}

fn parse_rollback_target(s: &str) -> Result<RollbackTarget, String> {
    Ok(match s {
        "all" => RollbackTarget::All,
        name => RollbackTarget::One(name.to_string()),
    })
}

/// Which targets a command runs, decided from its flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    /// `--changed`: those whose paths (or settings) changed.
    Changed,
    /// `--all`.
    All,
    /// Named on the command line.
    Named(Vec<String>),
}

impl PlanFlags {
    pub fn chosen(&self) -> Result<Chosen, BadInput> {
        match (self.changed, self.all, self.targets.as_slice()) {
            (true, _, _) => Ok(Chosen::Changed),
            (_, true, _) => Ok(Chosen::All),
            (_, _, []) => Err(nothing_chosen("plan")),
            (_, _, names) => Ok(Chosen::Named(names.to_vec())),
        }
    }
}

impl DeployFlags {
    pub fn chosen(&self) -> Result<Chosen, BadInput> {
        match (self.changed, self.all, self.targets.as_slice()) {
            (true, _, _) => Ok(Chosen::Changed),
            (_, true, _) => Ok(Chosen::All),
            (_, _, []) => Err(nothing_chosen("deploy")),
            (_, _, names) => Ok(Chosen::Named(names.to_vec())),
        }
    }

    /// `--dry-run` and `--force-unlock` as one: a dry run takes no lock to force.
    pub fn mode(&self) -> Mode {
        match (self.dry_run, self.force_unlock) {
            (true, _) => Mode::DryRun,
            (false, true) => Mode::WriteForceUnlock,
            (false, false) => Mode::Write,
        }
    }
}

impl RollbackFlags {
    /// `--dry-run` and `--force-unlock` as one: a dry run takes no lock to force.
    pub fn mode(&self) -> Mode {
        match (self.dry_run, self.force_unlock) {
            (true, _) => Mode::DryRun,
            (false, true) => Mode::WriteForceUnlock,
            (false, false) => Mode::Write,
        }
    }
}

fn nothing_chosen(command: &str) -> BadInput {
    BadInput(format!(
        "{command}: say what to {command}: --changed, --all, or target names"
    ))
}

#[derive(Debug, Clone, Args)]
pub struct HistoryFlags {
    /// The target whose ledger to list (with ENV); with --env, only this
    /// target's lane.
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,
    /// The environment (with TARGET).
    #[arg(value_name = "ENV", conflicts_with = "env")]
    pub env_arg: Option<String>,
    /// Every target of this environment: with --format html or markdown, the
    /// timeline (a lane per target).
    #[arg(long = "env", value_name = "ENV")]
    pub env: Option<String>,
    /// Show at most this many records (per target; 1 to 10000) [default: 20;
    /// for html and markdown 200].
    #[arg(long, value_parser = parse_limit)]
    pub limit: Option<usize>,
    /// `html`: one self-contained page (written to --out); `markdown`: a table
    /// for a GitHub step summary (on stdout, or to --out).
    #[arg(long, value_enum, default_value_t)]
    pub format: HistoryFormat,
    /// Where --format html or markdown is written (`-`: stdout) [default:
    /// html: history-ENV.html in the current folder; markdown: stdout].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub repo: RepoFlags,
}

impl HistoryFlags {
    /// The environment, from --env or the second argument.
    pub fn environment(&self) -> Option<&str> {
        self.env.as_deref().or(self.env_arg.as_deref())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// A readable list.
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
    /// The same as text.
    Github,
    /// The timeline page: one self-contained HTML file.
    Html,
    /// The timeline as Markdown tables.
    Markdown,
}

#[derive(Debug, Clone, Args)]
pub struct StatusFlags {
    #[arg(long, value_name = "ENV")]
    pub env: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// On drift, send one message through [notify] in deploy.toml naming each
    /// drifted target and what drifted (nothing is sent when all is as
    /// recorded; the exit code is 3 on drift either way).
    #[arg(long)]
    pub notify: bool,
    #[command(flatten)]
    pub repo: RepoFlags,
}

#[derive(Debug, Clone, Args)]
pub struct CiFlags {
    #[command(subcommand)]
    pub action: CiAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CiAction {
    /// Write the workflows (and remove generated ones the config no longer makes).
    Generate(CiPlace),
    /// Fail with a diff when the workflows on disk differ from what deploy.toml makes.
    Check(CiPlace),
    /// The last job of a deploy workflow: what ran, and why the rest did not,
    /// from the jobs' results in $NEEDS (`toJSON(needs)`), to the run's summary.
    Report(CiReportFlags),
    /// Print the `gh api` commands that create the GitHub environments of an
    /// environment (`<env>`, `<env>-approval` with required reviewers, the
    /// previews' `<preview>-preview`), their branch rules and variables.
    Setup(CiSetupFlags),
}

#[derive(Debug, Clone, Args)]
pub struct CiSetupFlags {
    /// The environment (of deploy.toml) to set up.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// GitHub logins that review `<env>-approval` (comma-separated; up to 6).
    #[arg(long, value_name = "LOGIN,...", value_delimiter = ',', value_parser = parse_login)]
    pub reviewers: Vec<String>,
    /// The GitHub repository, as OWNER/NAME [default: `{owner}/{repo}`, which
    /// `gh api` fills in from the current directory's git remote]; named as
    /// in `iam --github-repo` (the other commands' --repo is a folder).
    #[arg(long, value_name = "OWNER/NAME", value_parser = parse_repo)]
    pub github_repo: Option<String>,
    /// The config file [default: deploy.toml at the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// A GitHub login: letters, digits and single hyphens, at most 39 characters.
fn parse_login(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 39
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not a GitHub login"))
    }
}

fn parse_repo(s: &str) -> Result<String, String> {
    let part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match s.split_once('/') {
        Some((owner, name)) if part(owner) && part(name) => Ok(s.to_string()),
        _ => Err("expected OWNER/NAME, such as acme/connect2".into()),
    }
}

#[derive(Debug, Clone, Args)]
pub struct CiReportFlags {
    /// The environment the workflow deploys to.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    #[command(flatten)]
    pub repo: RepoFlags,
}

#[derive(Debug, Clone, Args)]
pub struct CiPlace {
    /// Where the workflows live [default: .github/workflows at the repository root].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub repo: RepoFlags,
}

#[derive(Debug, Clone, Args)]
pub struct BootstrapFlags {
    /// The environment to bootstrap.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Also create the targets' own resources (ECR repository and images, ECS
    /// cluster and service, site bucket): for the local emulator; in a real
    /// account Terraform owns them.
    #[arg(long, conflicts_with = "dry_run")]
    pub with_resources: bool,
    /// Say whether the state bucket would be created; create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Images to put in ECR with --with-resources; the first is what the new
    /// service runs [default: the head commit's short sha].
    #[arg(long, value_name = "TAG", value_parser = parse_image_tag)]
    pub image_tag: Vec<String>,
    #[command(flatten)]
    pub repo: RepoFlags,
}

#[derive(Debug, Clone, Args)]
pub struct PreviewFlags {
    #[command(subcommand)]
    pub action: PreviewAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PreviewAction {
    /// Create or update the preview of a pull request and deploy the build into it.
    Up(PreviewOne),
    /// Remove the preview of a pull request (succeeds when there is none).
    Down(PreviewDown),
    /// The project's previews, found by tag.
    List(PreviewAll),
    /// Delete distributions `down` left disabled; with --older-than, take down
    /// previews not updated for that many days.
    Sweep(PreviewSweep),
}

#[derive(Debug, Clone, Args)]
pub struct PreviewOne {
    /// The pull request number.
    #[arg(long, value_name = "N", value_parser = parse_pr)]
    pub pr: u64,
    /// The static-site target [default: the one with preview_bucket].
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub site: SiteFlags,
    #[command(flatten)]
    pub repo: RepoFlags,
}

#[derive(Debug, Clone, Args)]
pub struct PreviewDown {
    /// The pull request number.
    #[arg(long, value_name = "N", value_parser = parse_pr)]
    pub pr: u64,
    /// The static-site target [default: the one with preview_bucket].
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,
    /// Say what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub repo: RepoFlags,
}

#[derive(Debug, Clone, Args)]
pub struct PreviewAll {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub repo: RepoFlags,
}

#[derive(Debug, Clone, Args)]
pub struct PreviewSweep {
    /// Also take down previews whose distribution has not changed for DAYS
    /// days (0: every preview).
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    pub older_than: Option<u64>,
    /// The static-site target [default: the one with preview_bucket].
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,
    /// Say what would be taken down and deleted; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub repo: RepoFlags,
}

#[derive(Debug, Clone, Args)]
pub struct InitFlags {
    /// The repository to read [default: the one around the current directory];
    /// deploy.toml goes to its root.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Print the file (on stdout) and the notes (on stderr); write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How AWS names are made: `{target}` is the target's name, `{project}`,
    /// `{env}` and `{region}` are filled when a command runs.
    #[arg(long, value_name = "PATTERN", default_value = crate::init::DEFAULT_NAMES)]
    pub names: String,
}

#[derive(Debug, Clone, Args)]
pub struct IamFlags {
    /// The environment whose policies to print.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// The AWS account id in the ARNs [default: the one in the environment's
    /// `aws_role_arn`, else the policy variable `${aws:PrincipalAccount}`,
    /// the account of whoever holds the policy].
    #[arg(long, value_name = "ID", value_parser = parse_account)]
    pub account: Option<String>,
    /// The GitHub repository (OWNER/NAME) whose jobs the roles' trust policies
    /// let in [default: OWNER/REPO, to fill in].
    #[arg(long, value_name = "OWNER/NAME", value_parser = parse_repo)]
    pub github_repo: Option<String>,
    /// `json`: one document with `deploy`, `preview`, `drift` and `bootstrap`
    /// policies and the `trust` policies.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub repo: RepoFlags,
}

fn parse_account(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err("expected a 12-digit AWS account id".into())
    }
}
