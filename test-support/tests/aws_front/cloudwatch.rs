//! CloudWatch DescribeAlarms as AWS answers it: metric alarms only unless
//! `AlarmTypes` says otherwise, pages of `MaxRecords`, composite alarms (which
//! moto lacks), and faults scoped to an alarm, all through the SDK's CBOR.

use aws_sdk_cloudwatch::types::AlarmType;
use test_support::{alarm, composite_alarm, emulator, set_alarm, unique_name, Fault, FaultKind};

async fn client() -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::new(&emulator().sdk_config().await)
}

#[tokio::test]
async fn composite_alarms_come_only_when_asked_for() {
    let (metric, composite) = (unique_name("metric"), unique_name("composite"));
    alarm(&metric).await;
    composite_alarm(&composite, &metric).await;
    set_alarm(&composite, "ALARM", "its rule").await;
    let cw = client().await;
    let names = vec![metric.clone(), composite.clone()];
    let plain = cw
        .describe_alarms()
        .set_alarm_names(Some(names.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.metric_alarms().len(), 1);
    assert!(plain.composite_alarms().is_empty(), "not asked for");
    let both = cw
        .describe_alarms()
        .set_alarm_names(Some(names))
        .alarm_types(AlarmType::MetricAlarm)
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .unwrap();
    let found = &both.composite_alarms()[0];
    assert_eq!(found.alarm_name(), Some(composite.as_str()));
    assert_eq!(found.state_value().map(|s| s.as_str()), Some("ALARM"));
}

#[tokio::test]
async fn answers_come_in_pages_of_max_records() {
    let prefix = unique_name("paged");
    let names: Vec<String> = (0..3).map(|i| format!("{prefix}-{i}")).collect();
    for name in &names {
        alarm(name).await;
    }
    let cw = client().await;
    let (mut seen, mut token) = (Vec::new(), None::<String>);
    let mut pages = 0;
    loop {
        let page = cw
            .describe_alarms()
            .set_alarm_names(Some(names.clone()))
            .max_records(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.metric_alarms().len() <= 2);
        seen.extend(
            page.metric_alarms()
                .iter()
                .map(|a| a.alarm_name().unwrap().to_string()),
        );
        match page.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, names);
}

#[tokio::test]
async fn a_fault_on_an_alarm_answers_in_cloudwatchs_protocol() {
    let name = unique_name("faulty");
    alarm(&name).await;
    emulator().inject(&Fault::cloudwatch(
        &name,
        "DescribeAlarms",
        FaultKind::Error,
        1,
    ));
    let cw = aws_sdk_cloudwatch::Client::from_conf(
        aws_sdk_cloudwatch::config::Builder::from(&emulator().sdk_config().await)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build(),
    );
    let err = cw
        .describe_alarms()
        .alarm_names(&name)
        .send()
        .await
        .unwrap_err();
    assert_eq!(sdk_error::code(&err), Some("InternalServiceError"));
    cw.describe_alarms()
        .alarm_names(&name)
        .send()
        .await
        .expect("it passes");
}
