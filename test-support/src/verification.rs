//! What a deploy's verification checks, set up for tests: an HTTP endpoint on
//! 127.0.0.1 that answers the status the test sets, and CloudWatch alarms in
//! the emulator (moto has CloudWatch), moved with SetAlarmState.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::emulator;

/// `http://127.0.0.1:PORT/health`, answering [`HealthEndpoint::answer`]'s status.
pub struct HealthEndpoint {
    pub url: String,
    status: Arc<AtomicU16>,
    requests: Arc<AtomicUsize>,
}

impl HealthEndpoint {
    /// A server answering `status` to every request, on a thread of its own
    /// (it lives as long as the test process).
    pub fn start(status: u16) -> HealthEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let answer = Arc::new(AtomicU16::new(status));
        let requests = Arc::new(AtomicUsize::new(0));
        let (a, r) = (answer.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
                // The request line and headers, up to the empty line.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                r.fetch_add(1, Ordering::SeqCst);
                let status = a.load(Ordering::SeqCst);
                let body = format!("status {status}\n");
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} Test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        HealthEndpoint {
            url: format!("http://127.0.0.1:{port}/health"),
            status: answer,
            requests,
        }
    }

    /// From now on it answers `status`.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// How many requests it answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A new metric alarm `name` in the emulator, in state OK. Panics if refused.
pub async fn alarm(name: &str) {
    let cw = aws_sdk_cloudwatch::Client::new(&emulator().sdk_config().await);
    cw.put_metric_alarm()
        .alarm_name(name)
        .namespace("AWS/ApplicationELB")
        .metric_name("HTTPCode_Target_5XX_Count")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(10.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutMetricAlarm {name}: {e:?}"));
    set_alarm(name, "OK", "created by the test").await;
}

/// SetAlarmState: `state` is `OK`, `ALARM` or `INSUFFICIENT_DATA`.
pub async fn set_alarm(name: &str, state: &str, reason: &str) {
    let cw = aws_sdk_cloudwatch::Client::new(&emulator().sdk_config().await);
    cw.set_alarm_state()
        .alarm_name(name)
        .state_value(aws_sdk_cloudwatch::types::StateValue::from(state))
        .state_reason(reason)
        .send()
        .await
        .unwrap_or_else(|e| panic!("SetAlarmState {name} {state}: {e:?}"));
}

/// A new composite alarm `name` in the emulator whose rule is `ALARM(of)`
/// (`of` a metric alarm); SetAlarmState moves it like any alarm.
pub async fn composite_alarm(name: &str, of: &str) {
    let cw = aws_sdk_cloudwatch::Client::new(&emulator().sdk_config().await);
    cw.put_composite_alarm()
        .alarm_name(name)
        .alarm_rule(format!("ALARM(\"{of}\")"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutCompositeAlarm {name}: {e:?}"));
    set_alarm(name, "OK", "created by the test").await;
}
