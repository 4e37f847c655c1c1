//! Verification after a rollout, as a user meets it against the emulator: an
//! HTTP smoke check against a local server on 127.0.0.1 answering what the
//! test says, CloudWatch alarms in moto moved with SetAlarmState. A failed
//! verification rolls back like a failed rollout, exits 1, and the ledger and
//! the summary name the check, what it saw and what was rolled back.

use std::io::Read;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use test_support::cli::{all_output, text};
use test_support::{alarm, set_alarm, unique_name, EcsTarget, HealthEndpoint, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn a_healthy_deploy_passes_the_smoke_check_and_the_bake() {
    let f = EcsTarget::new(XTASK).await;
    let health = HealthEndpoint::start(200);
    let five_xx = unique_name("api-5xx");
    alarm(&five_xx).await;
    f.configure(&format!(
        "verify = {{ url = \"{}\", expect_status = 200, within = \"5s\" }}\nalarms = [\"{five_xx}\"]\nbake = \"1s\"",
        health.url
    ));
    let out = f.deploy("v2", &["--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(health.requests() >= 1);
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("verify: GET {} answered 200", health.url))
            && err.contains(&format!("watching alarm(s) {five_xx} for 1s"))
            && err.contains("no alarm went off"),
        "{err}"
    );
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = &document["targets"][0]["verification"];
    assert_eq!(check["outcome"], "passed", "{document}");
    assert_eq!(check["smoke_url"], health.url.as_str());
    let history = f.history();
    assert_eq!(history[0]["outcome"], "succeeded");
    assert_eq!(history[0]["verification"]["outcome"], "passed");
    assert_eq!(f.running().await, (2, f.pinned("v2").await));
}

#[tokio::test]
async fn a_failing_smoke_check_rolls_back_and_names_the_check() {
    let f = EcsTarget::new(XTASK).await;
    let health = HealthEndpoint::start(503);
    f.configure(&format!(
        "verify = {{ url = \"{}\", within = \"1s\" }}",
        health.url
    ));
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains(&format!(
            "verification failed: smoke check {} did not answer 200 within 1s (last: 503)",
            health.url
        )) && all.contains(&format!("rolled back: {}:1 runs again", f.family)),
        "{all}"
    );
    assert_eq!(f.running().await, (1, format!("{}:v1", f.image_uri)));
    let history = f.history();
    assert_eq!(history.len(), 1, "one record: the deploy, failed");
    assert_eq!(history[0]["outcome"], "failed");
    assert_eq!(history[0]["verification"]["outcome"], "failed");
    assert!(history[0]["verification"]["rolled_back"]
        .as_str()
        .unwrap()
        .contains("runs again"));
    assert!(!f.lock_exists().await);

    // The ledger's rollback walks from the service's revision, which is 1 again.
    health.answer(200);
    let out = f.deploy("v3", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(f.running().await.0, 3);
}

#[tokio::test]
async fn an_alarm_that_goes_off_during_the_bake_rolls_back() {
    let f = EcsTarget::new(XTASK).await;
    let five_xx = unique_name("api-5xx");
    alarm(&five_xx).await;
    f.configure(&format!("alarms = [\"{five_xx}\"]\nbake = \"30s\""));

    let mut child = f
        .deploy_command("v2", &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().unwrap();
    let collected = stderr.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            collected
                .lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stderr.lock().unwrap().contains("watching alarm(s)") {
        assert!(
            Instant::now() < deadline,
            "the bake never started: {}",
            stderr.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    set_alarm(&five_xx, "ALARM", "Threshold Crossed: 42 5xx in 1 minute").await;
    let out = child.wait_with_output().unwrap();
    reader.join().unwrap();
    let all = format!("{}{}", text(&out.stdout), stderr.lock().unwrap());
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains(&format!(
            "alarm {five_xx} went into ALARM during the bake (Threshold Crossed: 42 5xx in 1 minute)"
        )) && all.contains("rolled back"),
        "{all}"
    );
    assert_eq!(f.running().await.0, 1);
    let history = f.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert!(history[0]["message"].as_str().unwrap().contains(&five_xx));
}

#[tokio::test]
async fn an_alarm_already_firing_is_reported_up_front_not_blamed() {
    let f = EcsTarget::new(XTASK).await;
    let five_xx = unique_name("api-5xx");
    alarm(&five_xx).await;
    set_alarm(&five_xx, "ALARM", "firing since yesterday").await;
    f.configure(&format!("alarms = [\"{five_xx}\"]\nbake = \"1s\""));
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let err = text(&out.stderr);
    let reported = err
        .find(&format!(
            "alarm {five_xx} is already in ALARM before the deploy"
        ))
        .unwrap_or_else(|| panic!("{err}"));
    let registered = err.find("registered").unwrap_or_else(|| panic!("{err}"));
    assert!(reported < registered, "reported before the deploy: {err}");
    let history = f.history();
    assert_eq!(history[0]["outcome"], "succeeded");
    assert_eq!(
        history[0]["verification"]["already_in_alarm"],
        serde_json::json!([five_xx])
    );
}

#[tokio::test]
async fn a_dry_run_says_what_it_would_verify_and_a_missing_alarm_is_bad_input() {
    let f = EcsTarget::new(XTASK).await;
    let health = HealthEndpoint::start(200);
    let five_xx = unique_name("api-5xx");
    alarm(&five_xx).await;
    f.configure(&format!(
        "verify = {{ url = \"{}\" }}\nalarms = [\"{five_xx}\"]",
        health.url
    ));
    let out = f.deploy("v2", &["--dry-run", "--format", "json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!(
            "would verify: GET {} until it answers 200 (within 2m), then watch alarm(s) {five_xx} for 5m",
            health.url
        )),
        "{}",
        all_output(&out)
    );
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        document["targets"][0]["verification"]["outcome"],
        "would-run"
    );
    assert_eq!(health.requests(), 0, "a dry run checks nothing");

    f.configure("bake = \"1s\"");
    let config = std::fs::read_to_string(f.repo.file("deploy.toml")).unwrap();
    f.repo
        .write("deploy.toml", &config.replace(&five_xx, "no-such-alarm"));
    f.repo.commit("a wrong alarm name");
    let out = f.deploy("v2", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("CloudWatch alarm(s) not found: no-such-alarm"),
        "{}",
        all_output(&out)
    );
    f.assert_unchanged().await;
}

#[tokio::test]
async fn a_site_whose_smoke_check_fails_gets_the_release_before_back_index_html_last() {
    let s = StaticSite::versioned(XTASK).await;
    let health = HealthEndpoint::start(200);
    s.config(&format!(
        "verify = {{ url = \"{}\", within = \"1s\" }}",
        health.url
    ));
    s.repo.commit("verify the site");
    s.deploy_ok(&[]);
    let r1 = s.snapshot().await;
    assert_eq!(s.history()[0]["verification"]["outcome"], "passed");

    s.put_file(
        "index.html",
        b"<script src=/assets/app-9z9z.js></script>broken",
    );
    s.put_file("assets/app-9z9z.js", b"throw new Error('v2')");
    health.answer(503);
    let before = s.calls().len();
    let out = s.deploy(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let all = all_output(&out);
    assert!(
        all.contains("verification failed: smoke check")
            && all.contains("(last: 503)")
            && all.contains("rolled back: release"),
        "{all}"
    );
    let after = s.snapshot().await;
    assert_eq!(
        after["index.html"].body, r1["index.html"].body,
        "the release before is served"
    );
    // The restore copies index.html last, as a rollback does.
    let copies: Vec<String> = s.calls()[before..]
        .iter()
        .filter(|(op, _)| op == "CopyObject")
        .map(|(_, key)| key.clone())
        .collect();
    assert_eq!(
        copies.last().map(String::as_str),
        Some("index.html"),
        "{copies:?}"
    );
    let history = s.history();
    assert_eq!(history[0]["outcome"], "failed");
    assert!(history[0]["verification"]["rolled_back"]
        .as_str()
        .unwrap()
        .contains("is served again"));
}
