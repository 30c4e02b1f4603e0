//! The hostile corpus (`neptun_tests::hostile`) against every function: a 4xx with the API's
//! error shape for each body a function reads, before the body becomes a tree of values; the
//! functions that read no body answer as without it. `make bench` measures the memory.

use neptun_core::functions::Function;
use neptun_tests::hostile::{self, corpus, reads_a_body, with_body};
use neptun_tests::*;
use serde_json::Value;

/// The first 2xx sample event of `function`, as JSON.
fn ok_event(function: Function) -> (String, Value) {
    let sample = sample_events()
        .into_iter()
        .find(|sample| sample.function == function && sample.status / 100 == 2)
        .unwrap_or_else(|| panic!("{function} has no 2xx sample event"));
    let json = event_json(&sample.path());
    (sample.path(), json)
}

#[test]
fn the_functions_that_read_a_body_are_those_whose_sample_events_carry_one() {
    for sample in sample_events().iter().filter(|s| s.status / 100 == 2) {
        let body = event_json(&sample.path())["body"].clone();
        let carries = body.as_str().is_some_and(|text| !text.is_empty());
        assert_eq!(
            carries,
            reads_a_body(sample.function),
            "{}: update neptun_tests::hostile::reads_a_body",
            sample.path()
        );
    }
}

#[test]
fn every_body_of_the_corpus_is_as_large_as_a_route_accepts() {
    for body in corpus() {
        assert!(
            body.body.len() <= hostile::BODY_BYTES && body.body.len() > hostile::BODY_BYTES - 64,
            "{}: {} bytes",
            body.label,
            body.body.len()
        );
    }
}

#[tokio::test]
async fn every_hostile_body_is_a_4xx_of_the_api_s_shape() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let corpus = corpus();
    for function in Function::ALL.into_iter().filter(|f| reads_a_body(*f)) {
        let (path, event) = ok_event(function);
        for body in &corpus {
            let request = lambda_http::request::from_str(&with_body(&event, body).to_string())
                .unwrap_or_else(|error| panic!("{path}: {error}"));
            let (status, answer) = json_of(invoke(&context, function, request).await);
            let case = format!("{path} with {}: {status} {answer}", body.label);
            assert!((400..500).contains(&status), "{case}");
            assert_eq!(answer["statusCode"], status, "{case}");
            assert!(answer["statusMessage"].is_string(), "{case}");
        }
    }
}

#[tokio::test]
async fn a_function_that_reads_no_body_answers_as_without_it() {
    let context = context().await;
    seed_sample_data(&context.store).await;
    let corpus = corpus();
    let hostile = &corpus[0];
    for function in Function::ALL.into_iter().filter(|f| !reads_a_body(*f)) {
        let (path, event) = ok_event(function);
        let request = lambda_http::request::from_str(&with_body(&event, hostile).to_string())
            .unwrap_or_else(|error| panic!("{path}: {error}"));
        let status = invoke(&context, function, request).await.status();
        assert!(
            status.is_success(),
            "{path} with {}: {status}",
            hostile.label
        );
    }
}

#[test]
fn the_largest_batches_of_the_corpus_fit_the_value_budget() {
    use neptun_core::validation::{MAX_JSON_VALUES, check_json_values};
    for body in corpus().iter().filter(|b| b.label.contains(" of ")) {
        assert!(
            check_json_values(&body.body, MAX_JSON_VALUES).is_ok(),
            "{}: past the budget, so it measures nothing",
            body.label
        );
    }
}
