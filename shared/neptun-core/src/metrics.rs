//! Request metrics as CloudWatch Embedded Metric Format: one JSON line per request on stdout,
//! which CloudWatch Logs turns into metrics without an API call or a permission. The line
//! names the function and the status class, and counts the DynamoDB requests and the time;
//! nothing of the request (no path, id, cookie or body).

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::functions::Function;

/// The CloudWatch namespace of every metric here.
pub const NAMESPACE: &str = "Neptun";

/// DynamoDB requests sent by this process (every attempt, retries included). A Lambda process
/// serves one request at a time, so the difference across a request is that request's.
static STORAGE_REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Counts one DynamoDB request (the store's client calls it for every attempt it sends).
pub fn count_storage_request() {
    STORAGE_REQUESTS.fetch_add(1, Ordering::Relaxed);
}

/// DynamoDB requests sent so far by this process.
pub fn storage_requests() -> u64 {
    STORAGE_REQUESTS.load(Ordering::Relaxed)
}

/// What one request cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestMetrics {
    pub function: Function,
    pub status: u16,
    pub storage_requests: u64,
    pub duration: Duration,
}

impl RequestMetrics {
    /// `2xx`, `4xx`, `5xx`: few series, and still what an alarm or a dashboard splits on.
    pub fn status_class(&self) -> &'static str {
        match self.status / 100 {
            1 => "1xx",
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            _ => "5xx",
        }
    }

    /// The EMF line, timestamped `timestamp_ms` (milliseconds since the Unix epoch): the
    /// [`emf_line`] of its dimensions and metrics (a test holds them equal), written piece by
    /// piece rather than serialized or formatted, as it is written on every request. The
    /// function's name and the status class are fixed words that need no escaping.
    pub fn line(&self, timestamp_ms: u64) -> String {
        let mut numbers = itoa::Buffer::new();
        let mut line = String::with_capacity(LINE_CAPACITY);
        line.push_str(r#"{"_aws":{"Timestamp":"#);
        line.push_str(numbers.format(timestamp_ms));
        line.push(',');
        line.push_str(DIRECTIVES);
        line.push_str(r#"},"Function":""#);
        line.push_str(self.function.name());
        line.push_str(r#"","StatusClass":""#);
        line.push_str(self.status_class());
        line.push_str(r#"","DynamoDBRequests":"#);
        line.push_str(numbers.format(self.storage_requests));
        line.push_str(r#","Duration":"#);
        push_milliseconds(&mut line, self.duration);
        line.push_str(r#","Status":"#);
        line.push_str(numbers.format(self.status));
        line.push('}');
        line
    }

    /// Writes the line to stdout.
    pub fn emit(&self, timestamp_ms: u64) {
        emit_line(self.line(timestamp_ms));
    }
}

/// The directives of every request line, in [`NAMESPACE`].
const DIRECTIVES: &str = r#""CloudWatchMetrics":[{"Namespace":"Neptun","Dimensions":[["Function","StatusClass"]],"Metrics":[{"Name":"DynamoDBRequests","Unit":"Count"},{"Name":"Duration","Unit":"Milliseconds"}]}]"#;

/// Room for a request's line and its newline: the directives, the longest function name and
/// numbers at their widest.
const LINE_CAPACITY: usize = DIRECTIVES.len() + 192;

/// `duration` in milliseconds, rounded to the microsecond, as [`metric_number`] writes it: no
/// fraction when it is whole, else no trailing zero.
fn push_milliseconds(line: &mut String, duration: Duration) {
    let micros = duration.as_nanos().saturating_add(500) / 1000;
    let mut numbers = itoa::Buffer::new();
    line.push_str(numbers.format(micros / 1000));
    let fraction = (micros % 1000) as u16;
    if fraction != 0 {
        let digits = [fraction / 100, fraction / 10 % 10, fraction % 10];
        let kept = 3 - digits.iter().rev().take_while(|&&digit| digit == 0).count();
        line.push('.');
        line.extend(
            digits[..kept]
                .iter()
                .map(|&digit| char::from(b'0' + digit as u8)),
        );
    }
}

/// A metric's value: whole numbers as integers, so that counts read as counts.
fn metric_number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// One EMF object: these dimensions (one set) and metrics (name, unit, value) in
/// [`NAMESPACE`].
pub fn emf_line(
    dimensions: &[(&str, &str)],
    metrics: &[(&str, &str, f64)],
    timestamp_ms: u64,
) -> Value {
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    let definitions: Vec<Value> = metrics
        .iter()
        .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
        .collect();
    let mut line = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [names],
                "Metrics": definitions,
            }],
        },
    });
    for (name, value) in dimensions {
        line[*name] = json!(value);
    }
    for (name, _, value) in metrics {
        line[*name] = metric_number(*value);
    }
    line
}

/// Writes one line to stdout in one write, so it never interleaves with a log line.
pub fn emit_line(mut line: String) {
    line.push('\n');
    // A metric lost to a closed stdout must not fail the request.
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(status: u16) -> RequestMetrics {
        RequestMetrics {
            function: Function::CreateChat,
            status,
            storage_requests: 2,
            duration: Duration::from_micros(3_456),
        }
    }

    #[test]
    fn the_line_is_embedded_metric_format() {
        let line: Value =
            serde_json::from_str(&metrics(201).line(1_795_288_364_006)).unwrap_or_default();
        assert_eq!(line["_aws"]["Timestamp"], 1_795_288_364_006_u64);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        // Every dimension and metric the directive names is a member of the line.
        for dimension in directive["Dimensions"][0].as_array().into_iter().flatten() {
            let name = dimension.as_str().unwrap_or_default();
            assert!(line[name].is_string(), "dimension {name}");
        }
        for metric in directive["Metrics"].as_array().into_iter().flatten() {
            let name = metric["Name"].as_str().unwrap_or_default();
            assert!(line[name].is_number(), "metric {name}");
        }
        assert_eq!(line["Function"], "create-chat");
        assert_eq!(line["StatusClass"], "2xx");
        assert_eq!(line["DynamoDBRequests"], 2);
        assert_eq!(line["Duration"], 3.456);
        assert_eq!(line["Status"], 201);
    }

    #[test]
    fn the_line_is_the_emf_line_of_its_dimensions_and_metrics() {
        let metrics = RequestMetrics {
            duration: Duration::from_millis(7),
            ..metrics(404)
        };
        let mut expected = emf_line(
            &[("Function", "create-chat"), ("StatusClass", "4xx")],
            &[
                ("DynamoDBRequests", "Count", 2.0),
                ("Duration", "Milliseconds", 7.0),
            ],
            5,
        );
        expected["Status"] = json!(404);
        assert_eq!(metrics.line(5), expected.to_string());
    }

    #[test]
    fn durations_are_written_as_metric_numbers() {
        for micros in [
            0, 1, 10, 100, 450, 999, 1_000, 3_450, 3_456, 7_000, 12_300, 86_400_001,
        ] {
            let duration = Duration::from_micros(micros);
            let mut written = String::new();
            push_milliseconds(&mut written, duration);
            let milliseconds = (duration.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
            assert_eq!(
                written,
                metric_number(milliseconds).to_string(),
                "{micros} µs"
            );
        }
        let mut written = String::new();
        push_milliseconds(&mut written, Duration::from_nanos(2_499));
        assert_eq!(written, "0.002");
    }

    #[test]
    fn status_classes() {
        assert_eq!(metrics(404).status_class(), "4xx");
        assert_eq!(metrics(503).status_class(), "5xx");
    }

    #[test]
    fn requests_are_counted() {
        let before = storage_requests();
        count_storage_request();
        assert!(storage_requests() > before);
    }
}
