//! What scim-host enforces, as Spin does, tested with a component that misbehaves on request:
//! per-instance memory caps and deadlines (a failing request is a 500; the next one is served),
//! `allowed_outbound_hosts`, and variables.

mod common;

use common::{Client, Reply};
use scim_host::server::Server;
use scim_host::{App, HostOptions, Limits};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

struct TestApp {
    server: Server,
    client: Client,
    /// A server the component is allowed to call.
    allowed: Server,
}

impl TestApp {
    async fn start(limits: Limits) -> TestApp {
        // Any HTTP server on loopback will do as the allowed destination: another scim-host.
        let allowed = Server::start(load(BTreeMap::from([("allowed_url".into(), "http://127.0.0.1:1".into())]), Limits::default()), loopback())
            .await
            .unwrap();
        let variables = BTreeMap::from([("allowed_url".to_string(), allowed.url())]);
        let server = Server::start(load(variables, limits), loopback()).await.unwrap();
        TestApp { server, client: Client::new(), allowed }
    }

    async fn get(&self, path: &str) -> Reply {
        self.client.send("GET", &format!("{}{path}", self.server.url()), &[], None).await
    }
}

fn load(variables: BTreeMap<String, String>, limits: Limits) -> App {
    App::load(component_artifacts::TEST_MANIFEST.as_ref(), HostOptions { variables, limits, ..Default::default() }).unwrap()
}

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trap_is_a_500_and_the_host_keeps_serving() {
    let app = TestApp::start(Limits::default()).await;
    assert_eq!(app.get("/ok").await.status, 200);
    assert_eq!(app.get("/trap").await.status, 500);
    let after = app.get("/ok").await;
    assert_eq!((after.status, after.text().as_str()), (200, "ok"));
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_beyond_the_cap_is_a_500_and_the_host_keeps_serving() {
    let app = TestApp::start(Limits { memory_bytes: 32 << 20, ..Limits::default() }).await;
    let small = app.get("/allocate?mib=4").await;
    assert_eq!(small.status, 200, "{}", small.text());
    assert_eq!(app.get("/allocate?mib=64").await.status, 500);
    assert_eq!(app.get("/ok").await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runaway_handler_is_stopped_at_the_deadline() {
    let app = TestApp::start(Limits { request_timeout: Duration::from_millis(500), ..Limits::default() }).await;
    let started = Instant::now();
    assert_eq!(app.get("/loop").await.status, 500);
    assert!(started.elapsed() < Duration::from_secs(10), "stopped, not left running: {:?}", started.elapsed());
    assert_eq!(app.get("/ok").await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn outbound_calls_are_limited_to_allowed_hosts() {
    let app = TestApp::start(Limits::default()).await;
    // The allowed server answers (404: it routes nothing at /); the call itself went through.
    let allowed = app.get(&format!("/fetch?url={}/", app.allowed.url())).await;
    assert_eq!((allowed.status, allowed.text().as_str()), (200, "status 404"));

    // The same host on another port, another host, another scheme: denied inside the component.
    let other_port = format!("http://127.0.0.1:{}/", app.server.address().port());
    for url in [other_port.as_str(), "http://127.0.0.2:9/", "https://graph.microsoft.com/v1.0/users"] {
        let denied = app.get(&format!("/fetch?url={url}")).await;
        assert_eq!(denied.status, 502, "{url}");
        assert!(denied.text().contains("HttpRequestDenied"), "{url}: {}", denied.text());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn components_read_only_their_own_variables() {
    let app = TestApp::start(Limits::default()).await;
    let greeting = app.get("/variable?name=greeting").await;
    assert_eq!((greeting.status, greeting.text().as_str()), (200, "hello"));
    // An application variable the component did not declare is not visible to it.
    let undeclared = app.get("/variable?name=allowed_url").await;
    assert_eq!(undeclared.status, 404);
    assert!(undeclared.text().contains("Undefined"), "{}", undeclared.text());
    let invalid = app.get("/variable?name=Not-Valid").await;
    assert!(invalid.text().contains("InvalidName"), "{}", invalid.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn required_variables_must_have_values() {
    let error = App::load(component_artifacts::TEST_MANIFEST.as_ref(), HostOptions::default()).err().expect("refused");
    assert!(format!("{error:#}").contains("allowed_url"), "{error:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_instance_per_request_is_also_correct() {
    let app = TestApp::start(Limits { requests_per_instance: 1, ..Limits::default() }).await;
    for _ in 0..5 {
        assert_eq!(app.get("/ok").await.status, 200);
    }
}
