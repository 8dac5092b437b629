//! Graph throttling and faults as a SCIM caller sees them: with 30% of Graph's answers 429 and
//! 5% 503 (Retry-After: 1 s), every SCIM read through the real components answers 200, or, when
//! its retry budget runs out, a SCIM 429/503 with Retry-After; the connector never retries
//! sooner than Graph asked.

mod common;

use common::Connector;
use graph_emulator::{EmulatorConfig, Faults};
use scim_host::Limits;

#[tokio::test(flavor = "multi_thread")]
async fn reads_survive_throttling_and_never_undercut_retry_after() {
    let connector = Connector::start_with(EmulatorConfig { users: 30, ..Default::default() }, Limits::default()).await;
    let ids: Vec<String> = connector.emulator.users().iter().map(|u| u["id"].as_str().unwrap().to_string()).collect();
    connector.emulator.set_faults(Faults { throttle_percent: 30, unavailable_percent: 5, retry_after_seconds: 1, ..Faults::default() });

    let requests = ids.iter().map(|id| {
        let connector = &connector;
        async move { connector.get(&format!("/scim/v2/Users/{id}")).await }
    });
    let replies = futures::future::join_all(requests).await;

    let mut answered = 0;
    for (reply, id) in replies.iter().zip(&ids) {
        match reply.status {
            200 => {
                assert_eq!(reply.json()["id"], id.as_str());
                answered += 1;
            }
            429 | 503 => {
                let body = reply.assert_scim_error(reply.status, None);
                assert!(reply.header("retry-after").is_some(), "a give-up carries Retry-After: {body}");
            }
            other => panic!("unexpected {other}: {}", reply.text()),
        }
    }
    assert!(answered >= ids.len() * 9 / 10, "retries carry most reads through: {answered} of {}", ids.len());
    let log = connector.emulator.retry_after_log();
    assert!(!log.is_empty(), "the emulator throttled some calls");
    assert!(log.iter().all(|record| !record.undercut()), "a retry came before Retry-After: {log:?}");
}
