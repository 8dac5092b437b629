//! JSON batching against a fake transport: the request format, per-request throttling retried
//! alone after its Retry-After, dependants sent again with what they depend on, batches of at
//! most 20, and member adds and removes.

mod support;

use std::time::Duration;

use graph::{BatchRequest, Error, GraphClient, RetryPolicy, TokenCache};
use serde_json::{Value, json};
use support::{FakeTransport, block_on, config};

fn answers(responses: Value) -> Value {
    json!({ "responses": responses })
}

#[test]
fn a_throttled_request_inside_a_batch_is_sent_again_alone_after_its_retry_after() {
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply_json(200, answers(json!([
            {"id": "2", "status": 429, "headers": {"Retry-After": "4"}, "body": {"error": {"code": "TooManyRequests", "message": "slow down"}}},
            {"id": "1", "status": 200, "body": {"id": "a"}},
            {"id": "3", "status": 404, "headers": {"request-id": "rid-3"}, "body": {"error": {"code": "Request_ResourceNotFound", "message": "gone"}}},
        ])))
        .reply_json(200, answers(json!([{"id": "2", "status": 200, "body": {"id": "b"}}])));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let paths = vec![
        "/users/a".to_string(),
        "/users/b".to_string(),
        "/users/c".to_string(),
    ];
    let results = block_on(client.batch_get(&paths));

    assert_eq!(results[0].as_ref().unwrap()["id"], "a");
    assert_eq!(results[1].as_ref().unwrap()["id"], "b");
    assert!(
        matches!(&results[2], Err(Error::Graph { status: 404, request_id: Some(r), .. }) if r == "rid-3"),
        "{:?}",
        results[2]
    );
    assert_eq!(*transport.sleeps.borrow(), vec![Duration::from_secs(4)]);
    let requests = transport.requests.borrow();
    let (first, second) = (&requests[1], &requests[2]);
    assert_eq!(
        (first.method.as_str(), first.uri.as_str()),
        ("POST", "https://graph.example/v1.0/$batch")
    );
    assert_eq!(
        first.body_json(),
        json!({"requests": [
            {"id": "1", "method": "GET", "url": "/users/a"},
            {"id": "2", "method": "GET", "url": "/users/b"},
            {"id": "3", "method": "GET", "url": "/users/c"},
        ]})
    );
    assert_eq!(
        second.body_json(),
        json!({"requests": [{"id": "2", "method": "GET", "url": "/users/b"}]})
    );
}

#[test]
fn a_dependant_that_failed_with_its_throttled_dependency_goes_again_with_it() {
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply_json(
            200,
            answers(json!([
                {"id": "1", "status": 429, "headers": {"Retry-After": "1"}, "body": {}},
                {"id": "2", "status": 424, "body": {}},
            ])),
        )
        .reply_json(
            200,
            answers(json!([
                {"id": "1", "status": 204},
                {"id": "2", "status": 200, "body": {"ok": true}},
            ])),
        );
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let requests = vec![
        BatchRequest {
            id: "1".into(),
            method: http::Method::DELETE,
            url: "/users/a".into(),
            body: None,
            depends_on: vec![],
        },
        BatchRequest {
            depends_on: vec!["1".into()],
            ..BatchRequest::get("2", "/users/b")
        },
    ];
    let answers = block_on(client.batch(&requests)).unwrap();
    assert_eq!((answers[0].status, answers[1].status), (204, 200));
    let second = transport.last().body_json();
    assert_eq!(second["requests"][1]["dependsOn"], json!(["1"]));
}

#[test]
fn when_the_budget_runs_out_the_throttled_answer_is_returned_with_its_retry_after() {
    let transport = FakeTransport::sleeping();
    transport.token(3600).reply_json(200, answers(json!([
        {"id": "1", "status": 429, "headers": {"Retry-After": "60"}, "body": {"error": {"code": "TooManyRequests", "message": "slow down"}}},
    ])));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client =
        GraphClient::new(&transport, &config, &tokens).with_retry_policy(RetryPolicy::default());
    let results = block_on(client.batch_get(&["/users/a".to_string()]));
    assert!(
        matches!(
            results[0],
            Err(Error::Graph {
                status: 429,
                retry_after: Some(60),
                ..
            })
        ),
        "{:?}",
        results[0]
    );
    assert!(transport.sleeps.borrow().is_empty());
}

#[test]
fn more_than_twenty_requests_go_in_several_batches_and_bad_batches_are_refused() {
    let transport = FakeTransport::sleeping();
    let batch = |ids: std::ops::Range<usize>| {
        answers(
            ids.map(|i| json!({"id": i.to_string(), "status": 200, "body": {"n": i}}))
                .collect(),
        )
    };
    transport
        .token(3600)
        .reply_json(200, batch(1..21))
        .reply_json(200, batch(21..26));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let paths: Vec<String> = (0..25).map(|i| format!("/users/u{i}")).collect();
    let results = block_on(client.batch_get(&paths));
    assert_eq!(results.len(), 25);
    assert_eq!(results[24].as_ref().unwrap()["n"], 25);
    assert_eq!(transport.graph_requests().len(), 2);

    let too_many: Vec<BatchRequest> = (0..21)
        .map(|i| BatchRequest::get(i.to_string(), "/users"))
        .collect();
    assert!(matches!(
        block_on(client.batch(&too_many)),
        Err(Error::InvalidArgument { .. })
    ));
    let forward = vec![
        BatchRequest {
            depends_on: vec!["2".into()],
            ..BatchRequest::get("1", "/users")
        },
        BatchRequest::get("2", "/users"),
    ];
    assert!(matches!(
        block_on(client.batch(&forward)),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        block_on(client.batch(&[BatchRequest::get("1", "users")])),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn members_are_added_and_removed_in_batches() {
    let transport = FakeTransport::sleeping();
    transport
        .token(3600)
        .reply_json(200, answers(json!([{"id": "1", "status": 204}, {"id": "2", "status": 400, "body": {"error": {"code": "Request_BadRequest", "message": "One or more added object references already exist for the following modified properties: 'members'."}}}])))
        .reply_json(200, answers(json!([{"id": "1", "status": 204}])));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let added = block_on(client.add_members("g1", &["u1".into(), "u2".into(), "".into()]));
    assert!(added[0].is_ok());
    assert!(matches!(added[1], Err(Error::Graph { status: 400, .. })));
    assert!(matches!(added[2], Err(Error::InvalidArgument { .. })));
    let body = transport.requests.borrow()[1].body_json();
    assert_eq!(
        body["requests"][0],
        json!({"id": "1", "method": "POST", "url": "/groups/g1/members/$ref",
               "body": {"@odata.id": "https://graph.example/v1.0/directoryObjects/u1"},
               "headers": {"Content-Type": "application/json"}})
    );
    let removed = block_on(client.remove_members("g1", &["u1".into()]));
    assert!(removed[0].is_ok());
    assert_eq!(
        transport.last().body_json()["requests"][0],
        json!({"id": "1", "method": "DELETE", "url": "/groups/g1/members/u1/$ref"})
    );
}
