//! Over HTTP: the managed identity endpoints, the fault-injection admin endpoint, the
//! Retry-After log, and `$batch` with `dependsOn` and per-request throttling.

mod common;

use common::Graph;
use graph_emulator::{EmulatorConfig, Faults};
use http::Method;
use serde_json::json;

async fn start() -> Graph {
    Graph::start_with(EmulatorConfig {
        users: 10,
        groups: 0,
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn managed_identity_endpoints_issue_tokens_graph_accepts() {
    let graph = start().await;
    let header = graph.emulator.config().identity_header.clone();
    let app_service = graph
        .send(
            Method::GET,
            "/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com",
            &[("X-IDENTITY-HEADER", &header)],
            None,
        )
        .await;
    assert_eq!(app_service.status, 200);
    let body = app_service.json();
    assert!(body["expires_on"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(body.get("expires_in").is_none());
    let token = format!("Bearer {}", body["access_token"].as_str().unwrap());
    assert_eq!(
        graph
            .send(
                Method::GET,
                "/v1.0/users",
                &[("authorization", &token)],
                None
            )
            .await
            .status,
        200
    );

    let imds = graph
        .send(Method::GET, "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com", &[("Metadata", "true")], None)
        .await;
    assert_eq!(imds.status, 200);
    assert_eq!(imds.json()["expires_in"], "3599");

    let no_header = graph
        .send(
            Method::GET,
            "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x",
            &[],
            None,
        )
        .await;
    assert_eq!(
        (
            no_header.status,
            no_header.json()["error_description"].as_str()
        ),
        (400, Some("Required metadata header not specified"))
    );
    let wrong = graph
        .send(
            Method::GET,
            "/msi/token?api-version=2019-08-01&resource=x",
            &[("X-IDENTITY-HEADER", "no")],
            None,
        )
        .await;
    assert_eq!(wrong.status, 401);
    let other_identity = graph
        .send(
            Method::GET,
            "/msi/token?api-version=2019-08-01&resource=x&client_id=someone",
            &[("X-IDENTITY-HEADER", &header)],
            None,
        )
        .await;
    assert_eq!(
        other_identity.json()["error_description"],
        "Identity not found"
    );
}

#[tokio::test]
async fn faults_are_set_over_http_and_every_retry_after_is_logged() {
    let graph = start().await;
    let set = graph
        .send(
            Method::POST,
            "/_emulator/faults",
            &[],
            Some(r#"{"throttle_percent": 100, "retry_after_seconds": 7}"#),
        )
        .await;
    assert_eq!(set.status, 200);
    assert_eq!(set.json()["throttle_percent"], 100);
    assert_eq!(graph.emulator.faults().retry_after_seconds, 7);

    let throttled = graph
        .call(
            Method::GET,
            "/v1.0/users",
            &[("client-request-id", "call-1")],
            None,
        )
        .await;
    assert_eq!(
        (throttled.status, throttled.header("retry-after")),
        (429, Some("7"))
    );
    assert_eq!(throttled.code(), "TooManyRequests");
    // Too soon: the log shows the undercut.
    graph
        .call(
            Method::GET,
            "/v1.0/users",
            &[("client-request-id", "call-1")],
            None,
        )
        .await;
    let log = graph.emulator.retry_after_log();
    assert_eq!(log.len(), 1);
    assert!(log[0].undercut() && log[0].key == "call-1");
    let over_http = graph
        .send(Method::GET, "/_emulator/retry-after", &[], None)
        .await
        .json();
    assert_eq!(over_http["records"][0]["undercut"], true);

    // Token requests are never faulted; bad settings are refused.
    assert_eq!(
        graph
            .token_request(&graph.token_form(&graph.emulator.config().client_secret.clone()))
            .await
            .status,
        200
    );
    let bad = graph
        .send(
            Method::POST,
            "/_emulator/faults",
            &[],
            Some(r#"{"throttle_percent": 90, "drop_percent": 20}"#),
        )
        .await;
    assert_eq!(bad.status, 400);
    let unknown = graph
        .send(
            Method::POST,
            "/_emulator/faults",
            &[],
            Some(r#"{"chaos": 1}"#),
        )
        .await;
    assert_eq!(unknown.status, 400);
    graph.emulator.set_faults(Faults::default());
    assert_eq!(graph.get("/v1.0/users").await.status, 200);
}

#[tokio::test]
async fn batches_answer_each_request_with_dependencies_and_throttling() {
    let graph = start().await;
    let user = graph.emulator.users()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/users/{user}?$select=id")},
        {"id": "2", "method": "GET", "url": "/users/00000000-0000-0000-0000-000000000000"},
        {"id": "3", "method": "GET", "url": "/users?$top=1", "dependsOn": ["2"]},
        {"id": "4", "method": "PATCH", "url": format!("/users/{user}"), "body": {"jobTitle": "Batched"}, "headers": {"Content-Type": "application/json"}, "dependsOn": ["1"]},
    ]});
    let answer = graph
        .call(Method::POST, "/v1.0/$batch", &[], Some(&body.to_string()))
        .await;
    assert_eq!(answer.status, 200);
    let responses = answer.json()["responses"].clone();
    let statuses: Vec<u64> = responses
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200, 404, 424, 204]);
    assert_eq!(responses[0]["body"]["id"], user.as_str());
    assert_eq!(
        graph
            .get(&format!("/v1.0/users/{user}?$select=jobTitle"))
            .await
            .json()["jobTitle"],
        "Batched"
    );

    let too_many = json!({"requests": (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/users"})).collect::<Vec<_>>()});
    assert_eq!(
        graph
            .call(
                Method::POST,
                "/v1.0/$batch",
                &[],
                Some(&too_many.to_string())
            )
            .await
            .status,
        400
    );

    graph.emulator.set_faults(Faults {
        throttle_percent: 100,
        retry_after_seconds: 3,
        ..Faults::default()
    });
    // The batch itself is throttled first, as any request.
    let throttled = graph
        .call(Method::POST, "/v1.0/$batch", &[], Some(&body.to_string()))
        .await;
    assert_eq!(throttled.status, 429);
}

/// Graph's resource-unit throttling: a list of users costs 2 units, 1 with `$select`; past the
/// quota per 10 s, 429 with a Retry-After of when the window frees room, and requests inside a
/// batch are charged one by one.
#[tokio::test]
async fn resource_unit_quota_throttles_by_request_cost() {
    let graph = start().await;
    graph.emulator.set_faults(Faults { resource_unit_quota: 5, ..Faults::default() });
    assert_eq!(graph.get("/v1.0/users").await.status, 200, "2 units");
    assert_eq!(graph.get("/v1.0/users?$select=id").await.status, 200, "1 unit");
    assert_eq!(graph.get("/v1.0/users").await.status, 200, "2 units: 5 spent");
    let throttled = graph.get("/v1.0/users?$select=id").await;
    assert_eq!(throttled.status, 429);
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((9..=10).contains(&retry_after), "{retry_after}");

    let graph = start().await;
    graph.emulator.set_faults(Faults { resource_unit_quota: 2, ..Faults::default() });
    let id = graph.emulator.users()[0]["id"].as_str().unwrap().to_string();
    let requests: Vec<_> = (1..=3).map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{id}")})).collect();
    let body = json!({ "requests": requests }).to_string();
    let batch = graph.call(Method::POST, "/v1.0/$batch", &[], Some(&body)).await;
    assert_eq!(batch.status, 200);
    let statuses: Vec<u64> = batch.json()["responses"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 1, "{statuses:?}");
}
