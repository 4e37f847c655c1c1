//! CloudWatch alarms in a verification as CloudWatch answers DescribeAlarms
//! (through the AWS front): composite alarms only when asked for by
//! `AlarmTypes`, answers paged by `MaxRecords`, and a failed read during the
//! bake that is CloudWatch's trouble, not the release's.

use test_support::cli::{all_output, text};
use test_support::{alarm, composite_alarm, emulator, set_alarm, unique_name};
use test_support::{EcsTarget, Fault, FaultKind, FaultScope};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

#[tokio::test]
async fn a_composite_alarm_is_found_and_watched() {
    let f = EcsTarget::new(XTASK).await;
    let five_xx = unique_name("api-5xx");
    let health = unique_name("api-health");
    alarm(&five_xx).await;
    composite_alarm(&health, &five_xx).await;
    f.configure(&format!("alarms = [\"{health}\"]\nbake = \"1s\""));
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!("watching alarm(s) {health} for 1s")),
        "{}",
        all_output(&out)
    );
    // Its state is read too: one in ALARM before the deploy is reported.
    set_alarm(&health, "ALARM", "a child alarm fired").await;
    let out = f.deploy("v3", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(&format!(
            "alarm {health} is already in ALARM before the deploy"
        )),
        "{}",
        all_output(&out)
    );
}

#[tokio::test]
async fn alarms_past_the_first_page_of_an_answer_are_read() {
    let f = EcsTarget::new(XTASK).await;
    // CloudWatch answers 50 alarms a page here (MaxRecords' default is not
    // documented): 60 names take two pages.
    let prefix = unique_name("many");
    let names: Vec<String> = (0..60).map(|i| format!("{prefix}-{i:02}")).collect();
    for name in &names {
        alarm(name).await;
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    f.configure(&format!("alarms = [{}]\nbake = \"1s\"", quoted.join(", ")));
    let out = f.deploy("v2", &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        !all_output(&out).contains("not found"),
        "{}",
        all_output(&out)
    );
}

#[tokio::test]
async fn a_cloudwatch_failure_during_the_bake_is_retried_not_a_failed_verification() {
    let f = EcsTarget::new(XTASK).await;
    let five_xx = unique_name("api-5xx");
    alarm(&five_xx).await;
    f.configure(&format!("alarms = [\"{five_xx}\"]\nbake = \"2s\""));
    // The read before the deploy passes; the bake's first two fail, past the
    // SDK's own attempts (one here).
    for kind in [FaultKind::Error, FaultKind::Throttle] {
        emulator().inject(&Fault::cloudwatch(&five_xx, "DescribeAlarms", kind, 1).after(1));
    }
    let out = f
        .deploy_command("v2", &[])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        emulator().faults_fired(&FaultScope::Alarm(five_xx.clone())),
        2
    );
    assert!(
        text(&out.stderr).contains("could not read the alarms"),
        "{}",
        all_output(&out)
    );
    let history = f.history();
    assert_eq!(history[0]["outcome"], "succeeded");
    assert_eq!(history[0]["verification"]["outcome"], "passed");
    assert_eq!(f.running().await, (2, f.pinned("v2").await));
}
