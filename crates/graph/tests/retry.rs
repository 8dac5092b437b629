//! Retries against a fake transport whose waits move a fake clock: Retry-After is obeyed to the
//! second and never undercut, the budget ends a call with the failure and its retry_after,
//! ambiguous failures are repeated only for requests that can be repeated, and every attempt
//! of a call carries the same client-request-id.

mod support;

use std::time::Duration;

use graph::{Error, GraphClient, RetryPolicy, TokenCache};
use serde_json::json;
use support::{FakeTransport, block_on, config};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn throttled_calls_wait_exactly_retry_after_then_succeed() {
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply(429, &[("Retry-After", "3"), ("request-id", "rid-1")], "")
        .reply(503, &[("Retry-After", "Tue, 14 Nov 2023 22:13:27 GMT")], "")
        .reply_json(200, json!({"id": "u1"}));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let user = block_on(GraphClient::new(&transport, &config, &tokens).get_user("u1")).unwrap();
    assert_eq!(user.id.as_deref(), Some("u1"));
    // 3 s, then the HTTP-date 7 s after the start, i.e. 4 s after the clock moved 3 s.
    assert_eq!(*transport.sleeps.borrow(), vec![secs(3), secs(4)]);

    let ids: Vec<String> = transport
        .requests
        .borrow()
        .iter()
        .skip(1)
        .map(|r| r.header("client-request-id").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let notices = transport.notices.borrow();
    assert_eq!(notices.len(), 2);
    assert_eq!(
        (
            notices[0].status,
            notices[0].request_id.as_deref(),
            notices[0].wait
        ),
        (Some(429), Some("rid-1"), secs(3))
    );
    assert_eq!(notices[0].client_request_id, ids[0]);
    assert!(
        notices[0].to_string().contains("request-id rid-1"),
        "{}",
        notices[0]
    );
}

#[test]
fn a_retry_after_beyond_the_budget_returns_the_throttling_error_without_waiting_less() {
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply(429, &[("Retry-After", "20")], "")
        .reply(429, &[("Retry-After", "20"), ("request-id", "rid-2")], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let err =
        block_on(GraphClient::new(&transport, &config, &tokens).delete_user("u1")).unwrap_err();
    assert!(
        matches!(err, Error::Graph { status: 429, retry_after: Some(20), request_id: Some(ref r), .. } if r == "rid-2"),
        "{err:?}"
    );
    // 20 s fit in the 30 s budget, a second 20 s do not: no shortened wait instead.
    assert_eq!(*transport.sleeps.borrow(), vec![secs(20)]);
}

#[test]
fn the_budget_and_attempts_are_configurable() {
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply(429, &[("Retry-After", "2")], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens).with_retry_policy(RetryPolicy {
        max_wait: secs(1),
        ..RetryPolicy::default()
    });
    let err = block_on(client.delete_user("u1")).unwrap_err();
    assert!(matches!(
        err,
        Error::Graph {
            status: 429,
            retry_after: Some(2),
            ..
        }
    ));
    assert!(transport.sleeps.borrow().is_empty());

    let transport = FakeTransport::sleeping();
    transport.token(3600);
    for _ in 0..3 {
        transport.reply(503, &[("Retry-After", "1")], "");
    }
    let client = GraphClient::new(&transport, &config, &tokens).with_retry_policy(RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    });
    let err = block_on(client.delete_user("u1")).unwrap_err();
    assert!(matches!(
        err,
        Error::Graph {
            status: 503,
            retry_after: Some(1),
            ..
        }
    ));
    assert_eq!(transport.sleeps.borrow().len(), 2);
}

#[test]
fn server_errors_and_lost_answers_back_off_with_jitter_on_idempotent_calls() {
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply(500, &[], "")
        .fail("connection reset")
        .reply(502, &[], "")
        .reply(204, &[], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    block_on(GraphClient::new(&transport, &config, &tokens).delete_user("u1")).unwrap();
    let sleeps = transport.sleeps.borrow();
    assert_eq!(sleeps.len(), 3);
    // Equal jitter over 0.5 s, 1 s, 2 s steps: between half the step and the step.
    for (wait, step) in sleeps.iter().zip([500u64, 1000, 2000]) {
        let ms = wait.as_millis() as u64;
        assert!(
            (step / 2..=step).contains(&ms),
            "{ms} ms for a {step} ms step"
        );
    }
    assert_eq!(transport.notices.borrow()[1].status, None);
    assert!(
        transport.notices.borrow()[1]
            .message
            .contains("connection reset")
    );
}

#[test]
fn creates_are_not_repeated_after_an_ambiguous_failure_but_are_after_throttling() {
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let body = json!({"userPrincipalName": "n@b.com"});
    for failure in [Some(500), Some(504), None] {
        let transport = FakeTransport::sleeping();
        transport.token(3600);
        match failure {
            Some(status) => transport.reply(status, &[], ""),
            None => transport.fail("connection reset"),
        };
        let err = block_on(GraphClient::new(&transport, &config, &tokens).create_user(&body))
            .unwrap_err();
        assert!(transport.sleeps.borrow().is_empty(), "{err:?}");
        assert_eq!(transport.graph_requests().len(), 1);
    }
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply(429, &[("Retry-After", "1")], "")
        .reply(503, &[("Retry-After", "1")], "")
        .reply_json(201, json!({"id": "new"}));
    let created =
        block_on(GraphClient::new(&transport, &config, &tokens).create_user(&body)).unwrap();
    assert_eq!(created.id.as_deref(), Some("new"));
    assert_eq!(*transport.sleeps.borrow(), vec![secs(1), secs(1)]);

    // A PATCH that binds members fails the second time, so it is no plain PATCH.
    let transport = FakeTransport::sleeping();
    transport.token(3600).reply(500, &[], "");
    let bind = json!({"members@odata.bind": ["https://graph.example/v1.0/directoryObjects/x"]});
    block_on(GraphClient::new(&transport, &config, &tokens).update_group("g", &bind)).unwrap_err();
    assert!(transport.sleeps.borrow().is_empty());
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply(500, &[], "")
        .reply(204, &[], "");
    block_on(
        GraphClient::new(&transport, &config, &tokens)
            .update_group("g", &json!({"description": "d"})),
    )
    .unwrap();
    assert_eq!(transport.sleeps.borrow().len(), 1);
}

#[test]
fn a_member_add_whose_answer_was_lost_succeeds_when_the_retry_finds_the_link() {
    let exists = json!({"error": {"code": "Request_BadRequest", "message": "One or more added object references already exist for the following modified properties: 'members'."}});
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .fail("connection reset")
        .reply_json(400, exists.clone());
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    block_on(GraphClient::new(&transport, &config, &tokens).add_member("g", "u")).unwrap();
    assert_eq!(transport.graph_requests().len(), 2);

    // On a first attempt "already exist" stays Graph's answer: the caller decides.
    let transport = FakeTransport::sleeping();
    transport.token(3600).reply_json(400, exists);
    let err =
        block_on(GraphClient::new(&transport, &config, &tokens).add_member("g", "u")).unwrap_err();
    assert!(matches!(err, Error::Graph { status: 400, .. }));
}

#[test]
fn client_errors_are_never_retried() {
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply(404, &[], "")
        .reply(400, &[], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    assert!(matches!(
        block_on(client.delete_user("u1")),
        Err(Error::Graph { status: 404, .. })
    ));
    assert!(matches!(
        block_on(client.delete_user("u1")),
        Err(Error::Graph { status: 400, .. })
    ));
    assert!(transport.sleeps.borrow().is_empty());
}

#[test]
fn a_failing_token_endpoint_is_retried_before_graph_is_asked() {
    let transport = FakeTransport::sleeping();
    transport
        .token_reply(Ok(support::response(503, &[], String::new())))
        .token(3600)
        .reply(204, &[], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    block_on(GraphClient::new(&transport, &config, &tokens).delete_user("u1")).unwrap();
    assert_eq!(transport.token_request_count(), 2);
    assert_eq!(transport.graph_requests().len(), 1);
}

#[test]
fn a_transport_that_cannot_wait_gets_the_failure_at_once() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply(429, &[("Retry-After", "1")], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let err =
        block_on(GraphClient::new(&transport, &config, &tokens).delete_user("u1")).unwrap_err();
    assert!(matches!(
        err,
        Error::Graph {
            status: 429,
            retry_after: Some(1),
            ..
        }
    ));
    assert_eq!(transport.graph_requests().len(), 1);
    assert!(transport.notices.borrow().is_empty());
}
