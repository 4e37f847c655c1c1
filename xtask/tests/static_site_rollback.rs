//! `cargo xtask rollback` of a static-site target, as a user runs it against
//! the emulator (the target: `test_support::StaticSite`): releases restored
//! byte- and header-identical by server-side copies of only the keys that
//! differ, walking further back each time, `--to` one release; odd key names.

use test_support::cli::{all_output, column, text};
use test_support::StaticSite;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn rollback_restores_byte_identical_content_and_headers_and_twice_walks_further_back() {
    let s = StaticSite::versioned(XTASK).await;
    s.deploy_ok(&[]);
    let r1 = s.snapshot().await;

    // Release 2: content changes, a removed and a new asset, a new page, and a
    // cache rule change (a headers-only change for every `**` key).
    s.put_file("index.html", b"<script src=/assets/app-9z9z.js></script>v2");
    s.put_file("robots.txt", b"User-agent: *\nDisallow: /\n");
    s.put_file("assets/app-9z9z.js", b"console.log('v2')");
    std::fs::remove_file(s.dist().join("assets/app-1a2b.js")).unwrap();
    std::fs::remove_file(s.dist().join("assets/app-1a2b.js.gz")).unwrap();
    s.put_file("new.html", b"<h1>New</h1>");
    let config = std::fs::read_to_string(s.repo.file("deploy.toml")).unwrap();
    s.repo
        .write("deploy.toml", &config.replace("max-age=300", "max-age=600"));
    s.deploy_ok(&[]);
    let r2 = s.snapshot().await;
    assert_eq!(
        r2["img/hero.png"].cache_control.as_deref(),
        Some("public, max-age=600")
    );

    // Release 3: one more change.
    s.put_file("index.html", b"<script src=/assets/app-9z9z.js></script>v3");
    s.deploy_ok(&[]);
    let releases: Vec<String> = s
        .history()
        .iter()
        .map(|r| r["deployed"].as_str().unwrap().to_string())
        .collect();

    // Back to release 2: only index.html differs. A rollback is a release
    // change too: release 1's assets, which left the build three releases ago
    // (2, 3, and now 2 again), are past their grace.
    let before = s.calls().len();
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let calls = &s.calls()[before..];
    assert_eq!(
        StaticSite::writes(calls),
        ["index.html", "DeleteObjects "],
        "{calls:?}"
    );
    assert!(
        calls.iter().any(|(op, _)| op == "CopyObject"),
        "server-side copies"
    );
    assert!(
        !calls.iter().any(|(op, _)| op == "PutObject"),
        "no re-upload"
    );
    let mut expected = r2.clone();
    expected.remove("assets/app-1a2b.js").unwrap();
    expected.remove("assets/app-1a2b.js.gz").unwrap();
    assert_eq!(s.snapshot().await, expected);

    // Again: back to release 1, not forward to 3.
    let before = s.calls().len();
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let calls = &s.calls()[before..];
    assert!(!calls.iter().any(|(op, _)| op == "PutObject"), "{calls:?}");
    let after = s.snapshot().await;
    for (key, served) in &r1 {
        assert_eq!(
            after.get(key),
            Some(served),
            "{key} is byte- and header-identical"
        );
    }
    // What release 2 added: its page is deleted at once, its asset kept for grace.
    assert!(!after.contains_key("new.html"), "{:?}", after.keys());
    assert!(after.contains_key("assets/app-9z9z.js"));
    assert_eq!(after.len(), r1.len() + 1);
    // Only keys that differ were copied: content (index.html, robots.txt, the
    // deleted release-1 assets) or headers (the `**` rule); the CSS was not.
    let copied: Vec<&str> = calls
        .iter()
        .filter(|(op, _)| op == "CopyObject")
        .map(|(_, k)| k.as_str())
        .collect();
    let mut sorted = copied.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            ".well-known/security.txt",
            "about/index.html",
            "assets/app-1a2b.js",
            "assets/app-1a2b.js.gz",
            "data/config.json",
            "img/hero.png",
            "index.html",
            "robots.txt"
        ]
    );
    assert_eq!(
        copied.last(),
        Some(&"index.html"),
        "index.html last: {copied:?}"
    );
    let invalidations = s.invalidations().await;
    assert!(
        invalidations
            .last()
            .unwrap()
            .contains(&"/robots.txt".to_string()),
        "{invalidations:?}"
    );

    // Nothing before release 1.
    let out = s.rollback(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("no release before"),
        "{}",
        all_output(&out)
    );

    // --to picks one: release 3.
    let out = s.rollback(&["--to", &releases[0]]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        s.served("index.html").await.unwrap().body,
        b"<script src=/assets/app-9z9z.js></script>v3"
    );
    let out = s.rollback(&["--to", "20990101T000000.000Z-nothere"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));

    let history = s.history();
    let actions = column(&history, "action");
    assert_eq!(
        actions,
        ["rollback", "rollback", "rollback", "deploy", "deploy", "deploy"]
    );
    let deployed = column(&history, "deployed");
    assert_eq!(
        deployed[..3],
        [
            releases[0].as_str(),
            releases[2].as_str(),
            releases[1].as_str()
        ]
    );

    // `history` lists the releases.
    let out = s.xtask(&["history", "web", "prod"]);
    assert!(out.status.success(), "{}", all_output(&out));
    for r in &releases {
        assert!(
            text(&out.stdout).contains(r.as_str()),
            "{r}: {}",
            text(&out.stdout)
        );
    }
}

/// Keys as real builds name them: spaces, non-ASCII, `+`, `%`, `#`, `?`, `=`,
/// `&`, an empty file, and a deep path. Uploaded, listed back as unchanged,
/// invalidated, and restored by server-side copies (whose source must be
/// encoded) byte for byte.
#[tokio::test]
async fn odd_key_names_deploy_redeploy_and_roll_back_byte_for_byte() {
    let s = StaticSite::versioned(XTASK).await;
    let odd: Vec<(&str, Vec<u8>)> = vec![
        ("index.html", b"<h1>odd</h1>".to_vec()),
        ("docs/read me.txt", b"spaces".to_vec()),
        (
            "i18n/\u{fc}bersicht-\u{65e5}\u{672c}.json",
            b"{\"de\":1}".to_vec(),
        ),
        ("assets/c++ & a=b.js", b"plus".to_vec()),
        ("assets/100%.css", b"percent".to_vec()),
        ("media/#hash?.svg", b"<svg/>".to_vec()),
        ("empty.txt", Vec::new()),
        ("a/b/c/d/e/f/g/deep.html", b"deep".to_vec()),
    ];
    s.build(&odd);
    s.deploy_ok(&[]);
    let v1 = s.snapshot().await;
    for (key, body) in &odd {
        assert_eq!(&v1[*key].body, body, "{key}");
    }

    // Nothing changed: nothing is written (the listing's keys match the build's).
    let before = s.calls().len();
    let out = s.deploy_ok(&[]);
    assert!(
        StaticSite::writes(&s.calls()[before..]).is_empty(),
        "{}",
        all_output(&out)
    );

    // Change every file, then roll back: the copies bring back each one.
    let changed: Vec<(&str, Vec<u8>)> = odd
        .iter()
        .map(|(k, b)| (*k, [b.as_slice(), b" v2"].concat()))
        .collect();
    s.build(&changed);
    s.deploy_ok(&[]);
    let invalidated = s.invalidations().await.concat();
    assert!(
        invalidated.contains(&"/docs/read%20me.txt".to_string()),
        "{invalidated:?}"
    );
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(s.snapshot().await, v1);
}

/// The revert commands a rollback prints work as printed: run one by one in a
/// clone of the repository whose origin is a real (bare) repository, they put
/// a branch on origin whose tip reverts the rolled-back deploy's commit.
#[tokio::test]
async fn the_printed_revert_commands_work_as_printed() {
    let s = StaticSite::versioned(XTASK).await;
    let origin = tempfile::tempdir().unwrap();
    let git = |dir: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", all_output(&out));
        text(&out.stdout).trim().to_string()
    };
    git(origin.path(), &["init", "-q", "--bare", "-b", "main"]);
    s.repo
        .git(&["remote", "add", "origin", origin.path().to_str().unwrap()]);
    s.deploy_ok(&[]);
    s.put_file("index.html", b"<h1>v2</h1>");
    let shipped = s.repo.commit("web: v2");
    s.repo.git(&["push", "-q", "origin", "main"]);
    s.deploy_ok(&[]);
    let out = s.rollback(&[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    let commands: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("IMPORTANT: create a revert PR"))
        .skip(1)
        .take_while(|l| l.starts_with("  git "))
        .map(str::trim)
        .collect();
    assert_eq!(commands.len(), 4, "{stdout}");
    for command in &commands {
        let out = std::process::Command::new("sh")
            .args(["-c", command])
            .current_dir(s.repo.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("GIT_EDITOR", "true")
            .output()
            .unwrap();
        assert!(out.status.success(), "`{command}`: {}", all_output(&out));
    }
    let topic = commands[3].trim_start_matches("git push origin ");
    let tip = git(origin.path(), &["log", "-1", "--format=%s", topic]);
    assert!(tip.starts_with("Revert \"web: v2\""), "{tip}");
    let parent = git(origin.path(), &["rev-parse", &format!("{topic}~1")]);
    assert_eq!(parent, shipped);
}
