//! Bad input, as a user (or an attacker with a pull request) gives it, across
//! plan, deploy, rollback, preview, bootstrap, history, status and ci: hostile
//! or broken deploy.toml files, bad flags, broken build folders and git states.
//! Each: exit 2, exactly one `error:` line naming the problem, no Rust `Debug`
//! output, and nothing written — the site bucket, the state bucket and their
//! request log in the proxy are checked after every case.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use test_support::cli::{all_output, text};
use test_support::fixtures::site::build_v1;
use test_support::StaticSite;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// What a case changes before it runs; undone after it.
enum Setup {
    None,
    /// deploy.toml replaced by this text.
    Config(String),
    /// deploy.toml replaced by these bytes.
    ConfigBytes(Vec<u8>),
    /// `extra` keys in the web target.
    WebKeys(&'static str),
    /// Something done to the build folder (`web/dist`).
    Build(fn(&std::path::Path)),
}

struct Case {
    name: &'static str,
    setup: Setup,
    args: &'static [&'static str],
    /// The error line names this.
    says: &'static str,
}

fn cases(site: &StaticSite) -> Vec<Case> {
    let good = std::fs::read_to_string(site.repo.file("deploy.toml")).unwrap();
    let with = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        Setup::Config(good.replacen(from, to, 1))
    };
    let deploy: &'static [&'static str] = &["deploy", "web", "--env", "prod"];
    let plan: &'static [&'static str] = &["plan", "--all"];
    vec![
        // deploy.toml
        Case {
            name: "unknown top-level table",
            setup: Setup::Config(format!("{good}\n[projekt]\nname = \"x\"\n")),
            args: plan,
            says: "projekt",
        },
        Case {
            name: "unknown target key",
            setup: Setup::WebKeys("bukket = \"x\"\n"),
            args: deploy,
            says: "bukket",
        },
        Case {
            name: "paths not a list",
            setup: with("paths = [\"web/**\"]", "paths = \"web/**\""),
            args: plan,
            says: "paths",
        },
        Case {
            name: "a target after itself",
            setup: Setup::WebKeys("after = [\"web\"]\n"),
            args: plan,
            says: "web",
        },
        Case {
            name: "after an unknown target",
            setup: Setup::WebKeys("after = [\"nope\"]\n"),
            args: plan,
            says: "nope",
        },
        Case {
            name: "unknown placeholder",
            setup: with("build_dir = \"web/dist\"", "build_dir = \"web/{nope}\""),
            args: deploy,
            says: "nope",
        },
        Case {
            name: "unknown kind",
            setup: with("kind = \"static-site\"", "kind = \"lambda\""),
            args: plan,
            says: "lambda",
        },
        Case {
            name: "TOML syntax error",
            setup: Setup::Config(format!("{good}\n[targets.web\n")),
            args: plan,
            says: "deploy.toml",
        },
        Case {
            name: "empty file",
            setup: Setup::Config(String::new()),
            args: plan,
            says: "deploy.toml",
        },
        Case {
            name: "invalid UTF-8",
            setup: Setup::ConfigBytes(b"[project]\nname = \"\xff\xfe\"\n".to_vec()),
            args: plan,
            says: "deploy.toml",
        },
        Case {
            name: "a 50 MB file",
            setup: Setup::ConfigBytes(vec![b'#'; 50 * 1024 * 1024]),
            args: plan,
            says: "deploy.toml",
        },
        Case {
            name: "an output of a target that is not terraform",
            setup: with("build_dir = \"web/dist\"", "build_dir = \"{web.dir}\""),
            args: deploy,
            says: "web",
        },
        Case {
            name: "an unknown environment's override",
            setup: Setup::Config(format!("{good}\n[targets.web.env.qa]\nbucket = \"x\"\n")),
            args: plan,
            says: "qa",
        },
        Case {
            name: "a bucket name S3 refuses",
            setup: with(
                &format!("bucket = \"{}\"", site.bucket),
                "bucket = \"Not_A_Bucket\"",
            ),
            args: deploy,
            says: "bucket",
        },
        Case {
            name: "a cache rule without cache_control",
            setup: with("cache_control = \"no-cache\"\n", ""),
            args: plan,
            says: "cache_control",
        },
        Case {
            name: "--config of a missing file",
            setup: Setup::None,
            args: &["plan", "--all", "--config", "nope.toml"],
            says: "nope.toml",
        },
        // flags
        Case {
            name: "unknown environment",
            setup: Setup::None,
            args: &["deploy", "web", "--env", "nope"],
            says: "nope",
        },
        Case {
            name: "unknown target",
            setup: Setup::None,
            args: &["deploy", "nope", "--env", "prod"],
            says: "nope",
        },
        Case {
            name: "nothing to deploy named",
            setup: Setup::None,
            args: &["deploy", "--env", "prod"],
            says: "--changed",
        },
        Case {
            name: "rollback to an unknown environment",
            setup: Setup::None,
            args: &["rollback", "web", "nope"],
            says: "nope",
        },
        Case {
            name: "rollback of an unknown target",
            setup: Setup::None,
            args: &["rollback", "nope", "prod"],
            says: "nope",
        },
        Case {
            name: "rollback with nothing in the ledger",
            setup: Setup::None,
            args: &["rollback", "web", "prod"],
            says: "nothing to roll back",
        },
        Case {
            name: "rollback --to an unknown release",
            setup: Setup::None,
            args: &["rollback", "web", "prod", "--to", "r-nope"],
            says: "r-nope",
        },
        Case {
            name: "preview --pr 0",
            setup: Setup::None,
            args: &["preview", "up", "--pr", "0"],
            says: "--pr",
        },
        Case {
            name: "preview --pr abc",
            setup: Setup::None,
            args: &["preview", "up", "--pr", "abc"],
            says: "abc",
        },
        Case {
            name: "preview --pr -3",
            setup: Setup::None,
            args: &["preview", "down", "--pr", "-3"],
            says: "-3",
        },
        Case {
            name: "a bad duration",
            setup: Setup::None,
            args: &["deploy", "web", "--env", "prod", "--poll-interval", "soon"],
            says: "soon",
        },
        Case {
            name: "a bad timeout",
            setup: Setup::None,
            args: &["deploy", "web", "--env", "prod", "--timeout", "-5m"],
            says: "-5",
        },
        Case {
            name: "a negative --max-deletes",
            setup: Setup::None,
            args: &["deploy", "web", "--env", "prod", "--max-deletes", "-1"],
            says: "-1",
        },
        Case {
            name: "history of an unknown target",
            setup: Setup::None,
            args: &["history", "nope", "prod"],
            says: "nope",
        },
        Case {
            name: "history in an unknown environment",
            setup: Setup::None,
            args: &["history", "web", "nope"],
            says: "nope",
        },
        Case {
            name: "status in an unknown environment",
            setup: Setup::None,
            args: &["status", "--env", "nope"],
            says: "nope",
        },
        Case {
            name: "bootstrap an unknown environment",
            setup: Setup::None,
            args: &["bootstrap", "--env", "nope"],
            says: "nope",
        },
        Case {
            name: "ci report without $NEEDS",
            setup: Setup::None,
            args: &["ci", "report", "--env", "prod"],
            says: "NEEDS",
        },
        Case {
            name: "ci report in an unknown environment",
            setup: Setup::None,
            args: &["ci", "report", "--env", "nope"],
            says: "nope",
        },
        Case {
            name: "an unknown --base",
            setup: Setup::None,
            args: &["plan", "--changed", "--base", "deadbeef"],
            says: "deadbeef",
        },
        Case {
            name: "an unknown --head",
            setup: Setup::None,
            args: &["plan", "--changed", "--head", "nope"],
            says: "nope",
        },
        Case {
            name: "an unknown flag",
            setup: Setup::None,
            args: &["deploy", "web", "--env", "prod", "--yolo"],
            says: "--yolo",
        },
        // build folders
        Case {
            name: "an empty build folder",
            setup: Setup::Build(|d| {
                std::fs::remove_dir_all(d).unwrap();
                std::fs::create_dir_all(d).unwrap();
            }),
            args: deploy,
            says: "web/dist",
        },
        Case {
            name: "a missing build folder",
            setup: Setup::Build(|d| std::fs::remove_dir_all(d).unwrap()),
            args: deploy,
            says: "web/dist",
        },
        Case {
            name: "a symlink out of the build folder",
            setup: Setup::Build(|d| {
                std::os::unix::fs::symlink("/etc/passwd", d.join("passwd")).unwrap()
            }),
            args: deploy,
            says: "passwd",
        },
        Case {
            name: "a FIFO",
            setup: Setup::Build(|d| {
                let status = Command::new("mkfifo").arg(d.join("pipe")).status().unwrap();
                assert!(status.success());
            }),
            args: deploy,
            says: "pipe",
        },
        Case {
            name: "a device file",
            setup: Setup::Build(|d| {
                std::os::unix::fs::symlink("/dev/null", d.join("null")).unwrap()
            }),
            args: deploy,
            says: "null",
        },
        Case {
            name: "a control character in a name",
            setup: Setup::Build(|d| std::fs::write(d.join("a\u{7}b.html"), "x").unwrap()),
            args: deploy,
            says: "control character",
        },
        Case {
            name: "a name that is not UTF-8",
            setup: Setup::Build(|d| {
                use std::os::unix::ffi::OsStrExt;
                std::fs::write(d.join(std::ffi::OsStr::from_bytes(b"bad\xffname")), "x").unwrap();
            }),
            args: deploy,
            says: "UTF-8",
        },
        Case {
            name: "a dangling symlink",
            setup: Setup::Build(|d| {
                std::os::unix::fs::symlink("gone.html", d.join("link.html")).unwrap()
            }),
            args: deploy,
            says: "link.html",
        },
    ]
}

#[tokio::test]
async fn every_bad_input_exits_2_with_one_line_and_writes_nothing() {
    let site = StaticSite::versioned(XTASK).await;
    let good = std::fs::read(site.repo.file("deploy.toml")).unwrap();
    let mut failures = Vec::new();
    let all = cases(&site);
    assert!(all.len() >= 40, "{} cases", all.len());
    for case in &all {
        match &case.setup {
            Setup::None => {}
            Setup::Config(text) => std::fs::write(site.repo.file("deploy.toml"), text).unwrap(),
            Setup::ConfigBytes(bytes) => {
                std::fs::write(site.repo.file("deploy.toml"), bytes).unwrap()
            }
            Setup::WebKeys(keys) => site.config(keys),
            Setup::Build(change) => change(&site.dist()),
        }
        let before = site.calls().len();
        let state_before = site.state_keys().await;
        let out = site.xtask(case.args);
        let err = text(&out.stderr);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        let mut writes = test_support::StaticSite::writes(&site.calls()[before..]);
        let state_after = site.state_keys().await;
        writes.extend(
            state_after
                .into_iter()
                .filter(|k| !state_before.contains(k)),
        );
        let problem = if out.status.code() != Some(2) {
            Some(format!("exit {:?}", out.status.code()))
        } else if errors.len() != 1 {
            Some(format!("{} error lines", errors.len()))
        } else if !errors[0].contains(case.says) {
            Some(format!("does not name {:?}", case.says))
        } else if err.contains("Some(") || err.contains("{ ") {
            Some("Debug output".into())
        } else if !writes.is_empty() {
            Some(format!("wrote {writes:?}"))
        } else {
            None
        };
        if let Some(problem) = problem {
            failures.push(format!("{}: {problem}\n{}", case.name, all_output(&out)));
        }
        // Undo.
        std::fs::write(site.repo.file("deploy.toml"), &good).unwrap();
        if matches!(case.setup, Setup::Build(_)) {
            if let Ok(entries) = std::fs::read_dir(site.dist()) {
                for e in entries.flatten() {
                    let _ =
                        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o755));
                }
            }
            site.build(&build_v1());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}

/// Git states: a repository with no commit, and a shallow clone whose base is
/// missing, each a one-line exit 2 for `plan --changed` (never "nothing changed").
#[test]
fn git_states_that_cannot_say_what_changed_exit_2() {
    let empty = test_support::GitRepo::new();
    empty.write("deploy.toml", "[project]\nname = \"x\"\n");
    let out = Command::new(XTASK)
        .args(["plan", "--changed"])
        .current_dir(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));

    let repo = test_support::GitRepo::new();
    repo.write(
        "deploy.toml",
        "[project]\nname = \"x\"\nregion = \"us-east-1\"\nstate_bucket = \"s\"\n\n[environments.prod]\n\n[targets.web]\nkind = \"static-site\"\npaths = [\"web/**\"]\nbuild_dir = \"web/dist\"\nbucket = \"b\"\n",
    )
    .write("web/a", "1");
    repo.commit("one");
    repo.write("web/a", "2");
    repo.commit("two");
    let clone = tempfile::tempdir().unwrap();
    let status = Command::new("git")
        .args(["clone", "-q", "--depth=1"])
        .arg(format!("file://{}", repo.path().display()))
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new(XTASK)
        .args(["plan", "--changed"])
        .current_dir(clone.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(err.contains("shallow"), "{err}");
}
