//! PR previews: `pr-preview.yml` (up on every push to a pull request, down
//! when it closes) and `preview-sweep.yml` (daily).
//!
//! - They run in the GitHub environment `<preview_environment>-preview`
//!   (`staging-preview`), never in `staging` itself: a pull request's code runs
//!   there, so it gets a role of its own (that environment's
//!   `vars.AWS_ROLE_ARN`, trusted for the subject
//!   `repo:O/R:environment:staging-preview`), not the staging deployer's.
//! - Pull requests from forks, and Dependabot's, get no OIDC token (and no
//!   secrets): their preview could only fail. A job that needs nothing says so
//!   with a `::notice::` and the preview jobs are skipped.
//! - GitHub runs no `pull_request` workflow for a pull request with a merge
//!   conflict, closing included, so `down` can be missed: the daily sweep takes
//!   down previews not updated for [`SWEEP_DAYS`] days, and deletes the
//!   distributions `down` left disabled.
//! - The URL is commented once and then edited: the comment is found by its
//!   own hidden marker ([`MARKER`]) among the bot's comments, never as "the
//!   bot's last comment", which may be another workflow's.

use std::fmt::Write;

use super::job::{self, Job};
use super::steps::{aws_steps, header, q, scheduled_head, EXEC_XTASK};
use super::{timeouts, Workflow};
use crate::config::{Config, TargetSettings};

/// The first line of the preview's comment, which finds it again.
pub const MARKER: &str = "<!-- xtask-preview -->";
/// `preview sweep --older-than`: a preview untouched this long is taken down
/// (the next push to its pull request puts it back).
pub const SWEEP_DAYS: u32 = 14;
/// When the sweep runs: daily, off the hour (GitHub delays full hours).
pub const SWEEP_SCHEDULE: &str = "43 5 * * *";

/// The environment previews run in (its account and region), when a
/// static-site target has a preview bucket there.
pub fn environment(config: &Config) -> Option<&str> {
    let env = config.project.preview_environment.as_deref()?;
    let has_previews = config.targets.iter().any(
        |t| matches!(&t.settings[env], TargetSettings::StaticSite(s) if s.preview_bucket.is_some()),
    );
    has_previews.then_some(env)
}

/// The GitHub environment of the preview jobs.
pub fn github_environment(env: &str) -> String {
    format!("{env}-preview")
}

/// A pull request whose preview can run: from this repository, not Dependabot.
const OURS: &str = "github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]'";

pub fn pr_preview(config: &Config, env: &str) -> Workflow {
    let mut out = String::new();
    header(&mut out);
    out.push_str(
        "name: 'PR preview'
on:
  pull_request:
    types: [opened, synchronize, reopened, closed]
permissions:
  contents: read
concurrency:
  group: preview-${{ github.event.pull_request.number }}
  cancel-in-progress: false
jobs:
",
    );
    Job::new(
        "skipped",
        "no preview for this pull request",
        timeouts::ECHO,
    )
    .when(format!("${{{{ !({OURS}) }}}}"))
    .permissions(&[])
    .render(&mut out);
    out.push_str(
        "      - name: say why
        run: |
          echo \"::notice::No preview: pull requests from forks and Dependabot get no OIDC token, so they cannot reach AWS. A maintainer can push the branch to this repository for one.\"
",
    );
    let gh_env = github_environment(env);
    for (id, event, command) in [
        ("up", "github.event.action != 'closed'", "up"),
        ("down", "github.event.action == 'closed'", "down"),
    ] {
        let mut head = Job::new(
            id,
            format!("preview {command}"),
            timeouts::PREVIEW + timeouts::BUILD,
        )
        .when(format!("${{{{ {event} && {OURS} }}}}"))
        .environment(&gh_env, None);
        // Only `up` comments on the pull request.
        head = if command == "up" {
            head.permissions(&[
                ("contents", "read"),
                ("id-token", "write"),
                ("pull-requests", "write"),
            ])
        } else {
            head.permissions(job::AWS)
        };
        head.render(&mut out);
        aws_steps(&mut out, config, env);
        if command == "up" {
            let _ = write!(
                out,
                "      - id: preview
        name: preview up
        env:
          PR_NUMBER: ${{{{ github.event.pull_request.number }}}}
        run: {EXEC_XTASK} preview up --pr \"$PR_NUMBER\" --format github
      - name: comment the URL
        env:
          GH_TOKEN: ${{{{ github.token }}}}
          PR_NUMBER: ${{{{ github.event.pull_request.number }}}}
          PREVIEW_URL: ${{{{ steps.preview.outputs.url }}}}
          MARKER: {}
        run: |
{}",
                q(MARKER),
                indent(COMMENT_SCRIPT, 10)
            );
        } else {
            let _ = writeln!(
                out,
                "      - name: preview down
        env:
          PR_NUMBER: ${{{{ github.event.pull_request.number }}}}
        run: {EXEC_XTASK} preview down --pr \"$PR_NUMBER\""
            );
        }
    }
    Workflow {
        file_name: "pr-preview.yml".into(),
        contents: out,
    }
}

/// The comment step's script: the bot's comment carrying the marker is
/// edited, else one is created. `gh api` pages through every comment; the
/// first id is taken with `sed`, which reads to the end: `head` would close
/// the pipe under a second id, which fails the step wherever `pipefail` is on
/// (`shell: bash` turns it on; the default `bash -e` does not).
pub const COMMENT_SCRIPT: &str = r#"body="$MARKER
Preview: $PREVIEW_URL"
id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
  --jq ".[] | select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"$MARKER\"))) | .id" | sed -n 1p)
if [ -n "$id" ]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -f body="$body" > /dev/null
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -f body="$body" > /dev/null
fi
"#;

fn indent(text: &str, spaces: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(spaces)))
        .collect()
}

/// `preview-sweep.yml`: daily (and by hand), from the default branch.
pub fn sweep(config: &Config, env: &str) -> Workflow {
    let mut out = String::new();
    scheduled_head(
        &mut out,
        "preview sweep",
        SWEEP_SCHEDULE,
        "preview-sweep",
        false,
    );
    Job::new(
        "sweep",
        "take down stale previews",
        timeouts::PREVIEW + timeouts::BUILD,
    )
    .environment(&github_environment(env), None)
    .permissions(job::AWS)
    .render(&mut out);
    aws_steps(&mut out, config, env);
    let _ = writeln!(
        out,
        "      - name: preview sweep
        run: {EXEC_XTASK} preview sweep --older-than {SWEEP_DAYS}"
    );
    Workflow {
        file_name: "preview-sweep.yml".into(),
        contents: out,
    }
}
