//! The token endpoint and the bearer check on every Graph route, over real HTTP.

mod common;

use common::Graph;
use http::Method;

#[tokio::test]
async fn token_endpoint_issues_bearer_tokens_for_the_configured_app() {
    let graph = Graph::start(10).await;
    let secret = graph.emulator.config().client_secret.clone();
    let answer = graph.token_request(&graph.token_form(&secret)).await;
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    let token = body["access_token"].as_str().unwrap();
    assert!(token.len() > 100, "looks like a real token: {token}");
    assert_ne!(token, graph.token, "every request gets a fresh token");

    // The tenant may also be named by its domain.
    let url = format!(
        "{}/contoso.onmicrosoft.com/oauth2/v2.0/token",
        graph.emulator.base_url()
    );
    let answer = graph
        .send(Method::POST, &url, &[], Some(&graph.token_form(&secret)))
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn token_endpoint_rejects_bad_credentials_like_entra_id() {
    let graph = Graph::start(1).await;
    let answer = graph
        .token_request(&graph.token_form("not-the-secret"))
        .await;
    assert_eq!(answer.status, 401);
    let body = answer.json();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"], serde_json::json!([7000215]));
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215: Invalid client secret provided.")
    );
    assert!(body["trace_id"].is_string() && body["correlation_id"].is_string());
    assert!(
        !answer
            .body
            .windows(22)
            .any(|w| w == b"emulator-client-secret"),
        "the real secret never leaks"
    );

    let answer = graph.token_request("client_id=x").await;
    assert_eq!(
        (answer.status, answer.json()["error"].as_str()),
        (400, Some("invalid_request"))
    );

    let answer = graph.token_request("grant_type=authorization_code").await;
    assert_eq!(answer.json()["error"], "unsupported_grant_type");

    let wrong_client = graph.token_form("x").replace(
        &graph.emulator.config().client_id,
        "11111111-1111-4111-8111-111111111111",
    );
    let answer = graph.token_request(&wrong_client).await;
    assert_eq!(
        (answer.status, answer.json()["error"].as_str()),
        (400, Some("unauthorized_client"))
    );

    let url = format!(
        "{}/00000000-0000-4000-8000-000000000000/oauth2/v2.0/token",
        graph.emulator.base_url()
    );
    let answer = graph
        .send(Method::POST, &url, &[], Some(&graph.token_form("x")))
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.json()["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS90002")
    );

    let answer = graph
        .send(
            Method::GET,
            &format!("/{}/oauth2/v2.0/token", graph.emulator.config().tenant_id),
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, 400);
}

#[tokio::test]
async fn graph_requires_a_token_it_issued() {
    let graph = Graph::start(3).await;
    let answer = graph.send(Method::GET, "/v1.0/users", &[], None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.code(), "InvalidAuthenticationToken");
    assert_eq!(answer.message(), "Access token is empty.");
    assert!(
        answer
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer"))
    );

    for bad in ["Bearer not-a-token", "Bearer a.b.c", "Basic dXNlcjpwYXNz"] {
        let answer = graph
            .send(Method::GET, "/v1.0/users", &[("authorization", bad)], None)
            .await;
        assert_eq!(answer.status, 401, "{bad}");
        assert_eq!(answer.code(), "InvalidAuthenticationToken", "{bad}");
    }
    // Even unknown routes answer 401 first, as Graph does.
    let answer = graph
        .send(Method::DELETE, "/v1.0/users/nobody", &[], None)
        .await;
    assert_eq!(answer.status, 401);

    assert_eq!(graph.get("/v1.0/users").await.status, 200);
}

#[tokio::test]
async fn every_response_carries_graph_headers_and_request_count_skips_tokens() {
    let graph = Graph::start(3).await;
    assert_eq!(
        graph.emulator.request_count(),
        0,
        "the token request is not a Graph request"
    );
    let answer = graph.get("/v1.0/users").await;
    assert_eq!(
        answer.header("content-type"),
        Some(
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
        )
    );
    let request_id = answer.header("request-id").unwrap().to_string();
    assert_eq!(request_id.len(), 36);
    assert_eq!(
        answer.header("client-request-id"),
        Some(request_id.as_str())
    );

    let mine = "0b8f8a4e-1111-4222-8333-444455556666";
    let answer = graph
        .call(
            Method::GET,
            "/v1.0/users/nobody@contoso.onmicrosoft.com",
            &[("client-request-id", mine)],
            None,
        )
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.header("client-request-id"), Some(mine));
    let inner = &answer.json()["error"]["innerError"];
    assert_eq!(inner["client-request-id"], mine);
    assert_eq!(inner["request-id"].as_str(), answer.header("request-id"));
    assert!(inner["date"].as_str().unwrap().starts_with("20"));
    assert_ne!(answer.header("request-id"), Some(request_id.as_str()));

    assert_eq!(graph.emulator.request_count(), 2);
    let _ = graph.token_request(&graph.token_form("x")).await;
    assert_eq!(graph.emulator.request_count(), 2);
}

#[tokio::test]
async fn shutdown_and_drop_stop_serving() {
    use graph_emulator::{Emulator, EmulatorConfig};
    let emulator = Emulator::start(EmulatorConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let address = emulator
        .base_url()
        .trim_start_matches("http://")
        .to_string();
    assert!(tokio::net::TcpStream::connect(&address).await.is_ok());
    assert_eq!(emulator.user_count(), 100, "the default tenant size");
    emulator.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(&address).await.is_err(),
        "nothing listens after shutdown"
    );

    let emulator = Emulator::start(EmulatorConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let address = emulator
        .base_url()
        .trim_start_matches("http://")
        .to_string();
    drop(emulator);
    let mut closed = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&address).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(closed, "dropping the emulator stops it");
}
