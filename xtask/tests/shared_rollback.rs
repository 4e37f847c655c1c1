//! `cargo xtask rollback shared ENV --commit SHA`: the revert prepared with git2
//! on a new branch, on real repositories in temp folders, checked against what
//! `git revert` itself makes. No AWS is needed (none is configured here).

use std::process::{Command, Output};
use test_support::cli::{all_output, text};
use test_support::{GitRepo, Xtask};

const CONFIG: &str = r#"[project]
name = "connect2"
region = "us-west-2"
state_bucket = "connect2-deploy-state-{env}"

[environments.prod]
branch = "main"

[targets.shared]
kind = "terraform"
paths = ["infrastructure/**"]
dir = "infrastructure/terraform/environments/{env}"

[targets.api]
kind = "ecs"
paths = ["api/**"]
after = ["shared"]
cluster = "c"
service = "s"
container = "app"
ecr_repository = "api-repo"
"#;

const TF: &str = "infrastructure/terraform/environments/prod/main.tf";
const NAT: &str = "infrastructure/terraform/environments/prod/nat.tf";

struct History {
    repo: GitRepo,
    /// The feature branch's commit, brought in by `merge`.
    feature: String,
    merge: String,
    /// A later, unrelated commit on main (the revert goes on top of it).
    later: String,
}

/// main: initial → merge of a feature that changes the shared stack → a later
/// API change.
fn history() -> History {
    let repo = GitRepo::new();
    repo.git(&["config", "user.name", "Release Bot"]);
    repo.git(&["config", "user.email", "bot@example.com"]);
    repo.write("deploy.toml", CONFIG)
        .write(TF, "vpc_cidr = 1\n")
        .write("api/app.py", "v = 1\n");
    repo.commit("initial");
    repo.git(&["switch", "-q", "-c", "feature/nat"]);
    repo.write(TF, "vpc_cidr = 2\n").write(NAT, "nat = true\n");
    let feature = repo.commit("bigger NAT");
    repo.git(&["switch", "-q", "main"]);
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "feature/nat",
        "-m",
        "Merge pull request #7 from team/nat",
    ]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    repo.write("api/app.py", "v = 2\n");
    let later = repo.commit("API v2");
    History {
        repo,
        feature,
        merge,
        later,
    }
}

/// The binary, with no AWS configuration at all.
fn xtask(repo: &GitRepo, args: &[&str]) -> Output {
    Xtask::new(env!("CARGO_BIN_EXE_xtask"), repo.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("GITHUB_ACTIONS")
        .run(args)
}

/// The tree `git revert` itself makes of `commit` on top of `onto`.
fn git_revert_tree(repo: &GitRepo, onto: &str, args: &[&str]) -> String {
    repo.git(&["switch", "-q", "-c", "reference-revert", onto]);
    let mut revert = vec!["revert", "--no-edit"];
    revert.extend_from_slice(args);
    repo.git(&revert);
    let tree = repo.git(&["rev-parse", "HEAD^{tree}"]);
    repo.git(&["switch", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "reference-revert"]);
    tree
}

#[test]
fn a_commit_inside_a_merge_reverts_the_merge_with_mainline_1() {
    let h = history();
    let out = xtask(
        &h.repo,
        &["rollback", "shared", "prod", "--commit", &h.feature],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    let branch = format!("revert-shared-prod-{}", &h.merge[..10]);
    assert!(
        stdout.contains(&format!(
            "prepared the revert of {} (\"Merge pull request #7 from team/nat\"), the merge that brought {} into main, with git revert -m 1",
            &h.merge[..10],
            &h.feature[..10]
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("git push origin {branch}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("cargo xtask deploy shared --env prod --approve"),
        "{stdout}"
    );
    assert!(stdout.contains("Nothing was pushed."), "{stdout}");
    assert!(
        stdout.contains(&format!("it changes: {TF}, {NAT}")),
        "{stdout}"
    );

    // One commit on top of main's tip, with git's own message and the same tree
    // as `git revert -m 1 MERGE`.
    let tip = h.repo.git(&["rev-parse", &branch]);
    assert_eq!(h.repo.git(&["rev-parse", &format!("{tip}^")]), h.later);
    assert_eq!(
        h.repo
            .git(&["rev-list", "--count", &format!("{}..{branch}", h.later)]),
        "1"
    );
    let message = h.repo.git(&["log", "-1", "--format=%B", &branch]);
    let first_parent = h.repo.git(&["rev-parse", &format!("{}^1", h.merge)]);
    assert!(
        message.starts_with(&format!(
            "Revert \"Merge pull request #7 from team/nat\"\n\nThis reverts commit {}, reversing\nchanges made to {first_parent}.",
            h.merge
        )),
        "{message}"
    );
    assert_eq!(
        h.repo.git(&["log", "-1", "--format=%an <%ae>", &branch]),
        "Release Bot <bot@example.com>"
    );
    let reference = git_revert_tree(&h.repo, &h.later, &["-m", "1", &h.merge]);
    assert_eq!(
        h.repo.git(&["rev-parse", &format!("{branch}^{{tree}}")]),
        reference
    );
    assert_eq!(
        h.repo.git(&["show", &format!("{branch}:{TF}")]),
        "vpc_cidr = 1"
    );
    assert_eq!(
        h.repo.git(&["show", &format!("{branch}:api/app.py")]),
        "v = 2",
        "the later change stays"
    );

    // The user's checkout is untouched.
    assert_eq!(h.repo.git(&["rev-parse", "HEAD"]), h.later);
    assert_eq!(h.repo.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert_eq!(h.repo.git(&["status", "--porcelain"]), "");

    // Asking for the merge itself is the same revert, whose branch exists now.
    let out = xtask(
        &h.repo,
        &["rollback", "shared", "prod", "--commit", &h.merge],
    );
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!("branch {branch} exists already")),
        "{}",
        all_output(&out)
    );
}

#[test]
fn a_commit_made_on_the_branch_is_reverted_without_mainline() {
    let h = history();
    h.repo.write(TF, "vpc_cidr = 3\n");
    let direct = h.repo.commit("hotfix: VPC straight on main");
    let out = xtask(
        &h.repo,
        &["rollback", "shared", "prod", "--commit", &direct],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!(
            "prepared the revert of {} (\"hotfix: VPC straight on main\"), with git revert,",
            &direct[..10]
        )),
        "{}",
        all_output(&out)
    );
    let branch = format!("revert-shared-prod-{}", &direct[..10]);
    let message = h.repo.git(&["log", "-1", "--format=%B", &branch]);
    assert!(
        message.starts_with(&format!(
            "Revert \"hotfix: VPC straight on main\"\n\nThis reverts commit {direct}."
        )),
        "{message}"
    );
    let reference = git_revert_tree(&h.repo, &direct, &[&direct]);
    assert_eq!(
        h.repo.git(&["rev-parse", &format!("{branch}^{{tree}}")]),
        reference
    );
    assert_eq!(
        h.repo.git(&["show", &format!("{branch}:{TF}")]),
        "vpc_cidr = 2"
    );
}

#[test]
fn push_only_with_push_and_onto_origins_branch() {
    let h = history();
    let remote = tempfile::tempdir().unwrap();
    let bare = remote.path().join("origin.git");
    h.repo
        .git(&["init", "-q", "--bare", bare.to_str().unwrap()]);
    h.repo
        .git(&["remote", "add", "origin", bare.to_str().unwrap()]);
    h.repo.git(&["push", "-q", "origin", "main"]);
    // Local main moves on without pushing: the revert still goes on origin/main.
    h.repo.write("api/app.py", "v = 3\n");
    h.repo.commit("unpushed");
    let branch = format!("revert-shared-prod-{}", &h.merge[..10]);
    let remote_branches = || {
        Command::new("git")
            .args(["--git-dir", bare.to_str().unwrap(), "branch", "--list"])
            .output()
            .map(|o| text(&o.stdout))
            .unwrap()
    };

    let out = xtask(
        &h.repo,
        &["rollback", "shared", "prod", "--commit", &h.merge],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("on top of origin/main"),
        "{}",
        all_output(&out)
    );
    assert_eq!(
        h.repo.git(&["rev-parse", &format!("{branch}^")]),
        h.later,
        "origin/main, not local main"
    );
    assert!(
        !remote_branches().contains("revert-"),
        "not pushed: {}",
        remote_branches()
    );

    h.repo.git(&["branch", "-q", "-D", &branch]);
    let out = xtask(
        &h.repo,
        &["rollback", "shared", "prod", "--commit", &h.merge, "--push"],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains(&format!("pushed:         origin/{branch}")),
        "{}",
        all_output(&out)
    );
    assert!(remote_branches().contains(&branch), "{}", remote_branches());
}

#[test]
fn bad_requests_are_one_line_exit_2_and_change_nothing() {
    let h = history();
    let refs_before = h.repo.git(&["for-each-ref"]);

    // No --commit: the candidates are named.
    let out = xtask(&h.repo, &["rollback", "shared", "prod"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(err.contains("--commit SHA is required"), "{err}");
    assert!(
        err.contains(&format!(
            "the latest on main that changed shared's paths: {} (Merge pull request #7 from team/nat)",
            &h.merge[..10]
        )),
        "{err}"
    );
    assert!(
        !err.contains("API v2"),
        "API-only commits are not candidates: {err}"
    );

    // A commit that never reached main.
    h.repo.git(&["switch", "-q", "-c", "unmerged"]);
    h.repo.write(TF, "vpc_cidr = 9\n");
    let unmerged = h.repo.commit("never merged");
    h.repo.git(&["switch", "-q", "main"]);
    let out = xtask(
        &h.repo,
        &["rollback", "shared", "prod", "--commit", &unmerged],
    );
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("is not on main"),
        "{}",
        all_output(&out)
    );

    let out = xtask(&h.repo, &["rollback", "shared", "prod", "--commit", "nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("--commit nope: not a commit"),
        "{}",
        all_output(&out)
    );

    let out = xtask(&h.repo, &["rollback", "shared", "prod", "--to", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("pass --commit SHA"),
        "{}",
        all_output(&out)
    );

    let out = xtask(&h.repo, &["rollback", "api", "prod", "--commit", &h.merge]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("only for terraform targets"),
        "{}",
        all_output(&out)
    );

    // A dry run says what it would do and writes nothing.
    let out = xtask(
        &h.repo,
        &[
            "rollback",
            "shared",
            "prod",
            "--commit",
            &h.merge,
            "--dry-run",
        ],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("would revert"),
        "{}",
        all_output(&out)
    );

    // Reverting an API-only commit from `shared` is allowed, with a warning.
    let out = xtask(
        &h.repo,
        &[
            "rollback",
            "shared",
            "prod",
            "--commit",
            &h.later,
            "--dry-run",
        ],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("WARNING: none of these paths is shared's"),
        "{}",
        all_output(&out)
    );
    assert!(
        text(&out.stdout).contains("it also changes the paths of api"),
        "{}",
        all_output(&out)
    );

    let refs_after: String = h
        .repo
        .git(&["for-each-ref"])
        .lines()
        .filter(|l| !l.ends_with("refs/heads/unmerged"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(refs_after, refs_before, "no branch was created");
}

#[test]
fn a_revert_that_conflicts_says_how_to_do_it_by_hand() {
    let h = history();
    // main changes the same line again after the merge.
    h.repo.write(TF, "vpc_cidr = 4\n");
    h.repo.commit("VPC again");
    let out = xtask(
        &h.repo,
        &["rollback", "shared", "prod", "--commit", &h.merge],
    );
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("conflicts with later changes in: {TF}")),
        "{err}"
    );
    assert!(
        err.contains(&format!("git revert -m 1 {}", h.merge)),
        "{err}"
    );
}
