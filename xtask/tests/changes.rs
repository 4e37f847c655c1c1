//! Change detection and target selection on real git repositories built in temp
//! folders, with the example Connect 2.0 config.

use std::path::Path;
use test_support::GitRepo;
use xtask::changes::{self, ChangeError, ChangeRequest, GithubEvent, RangeRequest};
use xtask::config::Config;
use xtask::plan::{Plan, Selection};

fn example_config() -> Config {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/connect2/deploy.toml");
    Config::load(&file).expect("the example config loads")
}

/// A repository with one file in each target's tree and in the docs folders.
fn monorepo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("README.md", "connect2\n")
        .write("api/app/main.py", "app = 1\n")
        .write("api/Dockerfile", "FROM python\n")
        .write("api/docs/runbooks/ROLLBACK.md", "# rollback\n")
        .write("web/src/App.tsx", "export {}\n")
        .write("web/docs/README.md", "# web\n")
        .write("web/package.json", "{}\n")
        .write(
            "infrastructure/terraform/environments/prod/main.tf",
            "# vpc\n",
        )
        .write(
            "api/infrastructure/terraform/environments/prod/main.tf",
            "# rds\n",
        )
        .write(
            "web/infrastructure/terraform/environments/prod/main.tf",
            "# cdn\n",
        )
        .write("docs/architecture.md", "# arch\n");
    repo.commit("initial layout");
    repo
}

fn range(base: &str, head: &str) -> ChangeRequest {
    ChangeRequest {
        range: RangeRequest {
            base: Some(base.into()),
            head: Some(head.into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn detect(repo: &GitRepo, req: &ChangeRequest) -> Result<changes::ChangedPaths, ChangeError> {
    let git = git2::Repository::open(repo.path()).unwrap();
    changes::detect(&git, req)
}

fn tree_of(git: &git2::Repository, commit: &str) -> git2::Oid {
    git.find_commit(git2::Oid::from_str(commit).unwrap())
        .unwrap()
        .tree_id()
}

/// The targets `plan --changed` would run, in order.
fn planned(repo: &GitRepo, req: &ChangeRequest) -> Vec<String> {
    let changed = detect(repo, req).expect("changes are known");
    let plan = Plan::new(&example_config(), &Selection::changed(changed), None, None).unwrap();
    plan.targets.iter().map(|t| t.name.clone()).collect()
}

/// The seeds' "Deployment Scenarios" table, one row per case, plus the
/// docs-only changes that must deploy nothing.
#[test]
fn deployment_scenarios_table() {
    let rows: &[(&str, &[&str], &[&str])] = &[
        ("api only", &["api/app/main.py"], &["api"]),
        ("web only", &["web/src/App.tsx"], &["web"]),
        (
            "api + web",
            &["api/app/main.py", "web/src/App.tsx"],
            &["api", "web"],
        ),
        (
            "infrastructure",
            &["infrastructure/terraform/environments/prod/main.tf"],
            &["shared"],
        ),
        (
            "api + infrastructure",
            &[
                "api/Dockerfile",
                "infrastructure/terraform/environments/prod/main.tf",
            ],
            &["shared", "api"],
        ),
        (
            "all three",
            &[
                "api/app/main.py",
                "web/package.json",
                "infrastructure/terraform/environments/prod/main.tf",
            ],
            &["shared", "api", "web"],
        ),
        // The seeds' per-app stacks: their own target, not the app's.
        (
            "api's own stack",
            &["api/infrastructure/terraform/environments/prod/main.tf"],
            &["api-infra"],
        ),
        (
            "web's own stack + web code",
            &[
                "web/infrastructure/terraform/environments/prod/main.tf",
                "web/src/App.tsx",
            ],
            &["web-infra", "web"],
        ),
        ("api docs only", &["api/docs/runbooks/ROLLBACK.md"], &[]),
        ("web docs only", &["web/docs/README.md"], &[]),
        (
            "repository docs only",
            &["docs/architecture.md", "README.md"],
            &[],
        ),
        (
            "api docs + web code",
            &["api/docs/runbooks/ROLLBACK.md", "web/src/App.tsx"],
            &["web"],
        ),
    ];
    for (name, files, expected) in rows {
        let repo = monorepo();
        let base = repo.git(&["rev-parse", "HEAD"]);
        for f in *files {
            let old = std::fs::read_to_string(repo.file(f)).unwrap();
            repo.write(f, &format!("{old}changed\n"));
        }
        let head = repo.commit(name);
        assert_eq!(
            planned(&repo, &range(&base, &head)),
            *expected,
            "scenario {name:?}"
        );
    }
}

#[test]
fn a_rename_across_targets_counts_both_sides() {
    let repo = monorepo();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.rename("api/app/main.py", "web/src/main.py");
    let head = repo.commit("move a file from api to web");
    let changed = detect(&repo, &range(&base, &head)).unwrap();
    assert_eq!(changed.paths, vec!["api/app/main.py", "web/src/main.py"]);
    assert_eq!(planned(&repo, &range(&base, &head)), vec!["api", "web"]);
}

#[test]
fn a_rename_out_of_docs_counts_the_new_path() {
    let repo = monorepo();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.rename("api/docs/runbooks/ROLLBACK.md", "api/app/ROLLBACK.md");
    let head = repo.commit("move a doc into the app");
    assert_eq!(planned(&repo, &range(&base, &head)), vec!["api"]);
}

#[test]
fn a_deletion_counts_its_path_and_a_deleted_folder_every_file() {
    let repo = monorepo();
    repo.write("web/src/components/a.tsx", "a\n")
        .write("web/src/components/b.tsx", "b\n");
    let base = repo.commit("components");
    repo.remove("web/src/components");
    repo.remove("api/Dockerfile");
    let head = repo.commit("delete");
    let changed = detect(&repo, &range(&base, &head)).unwrap();
    assert_eq!(
        changed.paths,
        vec![
            "api/Dockerfile",
            "web/src/components/a.tsx",
            "web/src/components/b.tsx"
        ]
    );
    assert_eq!(planned(&repo, &range(&base, &head)), vec!["api", "web"]);
}

#[test]
fn a_mode_change_alone_counts() {
    let repo = monorepo();
    repo.write("api/scripts/run.sh", "#!/bin/sh\n");
    let base = repo.commit("script");
    repo.git(&["update-index", "--chmod=+x", "api/scripts/run.sh"]);
    repo.git(&["commit", "-q", "-m", "make it executable"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let git = git2::Repository::open(repo.path()).unwrap();
    let diff = changes::diff_trees(&git, Some(tree_of(&git, &base)), tree_of(&git, &head)).unwrap();
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].path, "api/scripts/run.sh");
    assert_eq!(diff[0].kind, changes::ChangeKind::ModeChanged);
    assert_eq!(planned(&repo, &range(&base, &head)), vec!["api"]);
}

#[test]
fn type_changes_file_to_symlink_and_file_to_folder() {
    let repo = monorepo();
    repo.write("web/public/config.js", "x\n")
        .write("api/settings", "x\n");
    let base = repo.commit("files");
    std::fs::remove_file(repo.file("web/public/config.js")).unwrap();
    std::os::unix::fs::symlink("../src/App.tsx", repo.file("web/public/config.js")).unwrap();
    std::fs::remove_file(repo.file("api/settings")).unwrap();
    repo.write("api/settings/base.py", "x\n");
    let head = repo.commit("types");
    let git = git2::Repository::open(repo.path()).unwrap();
    let diff = changes::diff_trees(&git, Some(tree_of(&git, &base)), tree_of(&git, &head)).unwrap();
    let summary: Vec<(String, changes::ChangeKind)> =
        diff.into_iter().map(|c| (c.path, c.kind)).collect();
    use changes::ChangeKind::*;
    assert_eq!(
        summary,
        vec![
            ("api/settings".to_string(), Deleted),
            ("api/settings/base.py".to_string(), Added),
            ("web/public/config.js".to_string(), TypeChanged),
        ]
    );
}

#[test]
fn unicode_and_odd_paths() {
    let repo = monorepo();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.write("web/src/ünïcödé/名前.tsx", "x\n")
        .write("api/app/with space.py", "x\n")
        .write("api/docs/日本語.md", "x\n");
    let head = repo.commit("unicode");
    let changed = detect(&repo, &range(&base, &head)).unwrap();
    assert_eq!(
        changed.paths,
        vec![
            "api/app/with space.py",
            "api/docs/日本語.md",
            "web/src/ünïcödé/名前.tsx"
        ]
    );
    assert_eq!(planned(&repo, &range(&base, &head)), vec!["api", "web"]);
}

/// Matches `git diff --name-only --no-renames` on a mixed change, as the floor
/// the benchmark compares with.
#[test]
fn agrees_with_git_diff_name_only() {
    let repo = monorepo();
    for i in 0..30 {
        repo.write(&format!("web/src/gen/{}/f{i}.ts", i % 4), "x\n");
    }
    let base = repo.commit("generated");
    for i in (0..30).step_by(3) {
        repo.write(&format!("web/src/gen/{}/f{i}.ts", i % 4), "y\n");
    }
    repo.remove("web/src/gen/1");
    repo.rename("api/app/main.py", "api/app/app.py");
    repo.write("infrastructure/new.tf", "x\n");
    let head = repo.commit("mixed");
    let expected: Vec<String> = repo
        .git(&["diff", "--name-only", "--no-renames", &base, &head])
        .lines()
        .map(str::to_owned)
        .collect();
    let changed = detect(&repo, &range(&base, &head)).unwrap();
    assert_eq!(changed.paths, expected);
}

#[test]
fn merge_commit_on_main_compares_with_its_first_parent() {
    let repo = monorepo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("web/src/feature.tsx", "x\n");
    repo.commit("feature work");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("api/app/hotfix.py", "x\n");
    repo.commit("hotfix on main");
    repo.git(&["merge", "-q", "--no-ff", "feature", "-m", "merge feature"]);
    // On main after the merge: HEAD^1 is the hotfix, so only the feature's web change.
    let changed = detect(&repo, &ChangeRequest::default()).unwrap();
    assert!(changed.why.contains("first parent"), "{}", changed.why);
    assert_eq!(changed.paths, vec!["web/src/feature.tsx"]);
    // An explicit range over the merge sees both sides.
    let req = range("HEAD~1~1", "HEAD");
    assert_eq!(planned(&repo, &req), vec!["api", "web"]);
}

#[test]
fn feature_branch_compares_with_its_merge_base_on_main() {
    let repo = monorepo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("web/src/feature.tsx", "x\n");
    repo.commit("feature work");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("api/app/later.py", "x\n");
    repo.commit("main moves on");
    repo.git(&["checkout", "-q", "feature"]);
    let changed = detect(&repo, &ChangeRequest::default()).unwrap();
    assert!(
        changed.why.contains("merge-base of HEAD with main"),
        "{}",
        changed.why
    );
    // main's later api change is not the feature's.
    assert_eq!(changed.paths, vec!["web/src/feature.tsx"]);
}

#[test]
fn uncommitted_adds_staged_unstaged_and_untracked_changes() {
    let repo = monorepo();
    repo.write("README.md", "changed\n");
    repo.commit("docs");
    repo.write("api/app/main.py", "unstaged\n");
    repo.write("infrastructure/new.tf", "untracked\n");
    repo.write("web/src/staged.tsx", "staged\n");
    repo.git(&["add", "web/src/staged.tsx"]);
    let committed_only = detect(&repo, &ChangeRequest::default()).unwrap();
    assert_eq!(committed_only.paths, vec!["README.md"]);
    let req = ChangeRequest {
        uncommitted: true,
        ..Default::default()
    };
    let with_worktree = detect(&repo, &req).unwrap();
    assert_eq!(
        with_worktree.paths,
        vec![
            "README.md",
            "api/app/main.py",
            "infrastructure/new.tf",
            "web/src/staged.tsx"
        ]
    );
}

fn github(name: &str, payload: serde_json::Value) -> ChangeRequest {
    ChangeRequest {
        range: RangeRequest {
            github: Some(GithubEvent {
                name: name.into(),
                payload,
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn push_event_uses_before_and_after() {
    let repo = monorepo();
    let before = repo.git(&["rev-parse", "HEAD"]);
    repo.write("api/app/a.py", "x\n");
    repo.commit("one");
    repo.write("web/src/b.tsx", "x\n");
    let after = repo.commit("two");
    let req = github(
        "push",
        serde_json::json!({"before": before, "after": after}),
    );
    let changed = detect(&repo, &req).unwrap();
    assert_eq!(changed.paths, vec!["api/app/a.py", "web/src/b.tsx"]);
    assert!(changed.why.starts_with("push event"), "{}", changed.why);
}

#[test]
fn all_zero_before_is_never_nothing_changed() {
    let repo = monorepo();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let req = github(
        "push",
        serde_json::json!({"before": "0".repeat(40), "after": head}),
    );
    let err = detect(&repo, &req).unwrap_err();
    assert!(matches!(err, ChangeError::UnknownBase { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("new branch") && msg.contains("--all-if-unknown"),
        "{msg}"
    );

    let mut all = req.clone();
    all.all_if_unknown = true;
    let changed = detect(&repo, &all).unwrap();
    assert!(changed.everything && changed.base.is_none());
    let plan = Plan::new(&example_config(), &Selection::changed(changed), None, None).unwrap();
    assert_eq!(
        plan.target_names(),
        vec!["shared", "api-infra", "web-infra", "api", "web"]
    );
}

#[test]
fn force_push_before_that_is_not_an_ancestor_is_unknown() {
    let repo = monorepo();
    repo.write("api/app/x.py", "x\n");
    let old_tip = repo.commit("to be rewritten");
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.write("web/src/y.tsx", "y\n");
    let new_tip = repo.commit("rewritten");
    let req = github(
        "push",
        serde_json::json!({"before": old_tip, "after": new_tip}),
    );
    let err = detect(&repo, &req).unwrap_err();
    assert!(err.to_string().contains("not an ancestor"), "{err}");
}

#[test]
fn pull_request_event_uses_the_merge_base_with_its_base() {
    let repo = monorepo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("web/src/pr.tsx", "x\n");
    let pr_head = repo.commit("pr");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("api/app/main_moved.py", "x\n");
    let base_tip = repo.commit("main moves on");
    let req = github(
        "pull_request",
        serde_json::json!({"pull_request": {"base": {"sha": base_tip}, "head": {"sha": pr_head}}}),
    );
    let changed = detect(&repo, &req).unwrap();
    assert_eq!(changed.paths, vec!["web/src/pr.tsx"]);
}

#[test]
fn base_missing_from_a_shallow_clone_is_an_error_that_says_what_to_do() {
    let origin = monorepo();
    let before = origin.git(&["rev-parse", "HEAD"]);
    origin.write("api/app/a.py", "x\n");
    origin.commit("one");
    origin.write("web/src/b.tsx", "x\n");
    let after = origin.commit("two");

    let clone = GitRepo::new();
    let url = format!("file://{}", origin.path().display());
    std::fs::remove_dir_all(clone.path().join(".git")).unwrap();
    clone.git(&["clone", "-q", "--depth", "1", &url, "."]);
    let git = git2::Repository::open(clone.path()).unwrap();
    assert!(git.is_shallow());

    let req = github(
        "push",
        serde_json::json!({"before": before, "after": after}),
    );
    let err = changes::detect(&git, &req).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("not in this repository") && msg.contains("shallow"),
        "{msg}"
    );
    assert!(
        msg.contains("fetch") && msg.contains("--all-if-unknown"),
        "{msg}"
    );

    // Default mode: HEAD's parent is cut off by the shallow boundary.
    let err = changes::detect(&git, &ChangeRequest::default()).unwrap_err();
    assert!(err.to_string().contains("shallow"), "{err}");

    // An explicit base that is not there is unknown, too.
    let err = changes::detect(&git, &range(&before, "HEAD")).unwrap_err();
    assert!(matches!(err, ChangeError::UnknownBase { .. }), "{err}");
}

#[test]
fn first_commit_has_no_base() {
    let repo = GitRepo::new();
    repo.write("api/app/main.py", "x\n");
    repo.commit("root");
    let err = detect(&repo, &ChangeRequest::default()).unwrap_err();
    assert!(err.to_string().contains("first commit"), "{err}");
}

#[test]
fn unknown_head_is_an_error_naming_the_flag() {
    let repo = monorepo();
    let err = detect(&repo, &range("HEAD", "no-such-branch")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("--head") && msg.contains("no-such-branch"),
        "{msg}"
    );
}
