//! Every sample event under `events/` answers the status its name starts with.

use super::*;

#[tokio::test]
async fn every_sample_event_answers_its_status() {
    let events = sample_events();
    assert!(events.len() >= 59, "only {} events", events.len());
    for sample in events {
        let response = invoke(&context(), sample.function, sample.request()).await;
        assert_eq!(
            response.status().as_u16(),
            sample.status,
            "events/{}: {}",
            sample.path(),
            body_text(&response)
        );
        assert!(
            response.headers().contains_key(http::header::CONTENT_TYPE),
            "events/{} has a content type",
            sample.path()
        );
    }
}
