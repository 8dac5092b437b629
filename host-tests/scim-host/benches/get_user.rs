//! GET a user by id through the gateway and the users-get component against the Graph emulator,
//! beside the emulator alone: requests/s and p50/p99 latency at concurrency 1 and 16, each
//! client on its own keep-alive connection. Writes its section of docs/benchmarks.md.
//!
//! Run: `cargo bench -p scim-host --bench get_user` (add `-- --seconds N` for longer runs).

#[path = "support/benchmarks_doc.rs"]
mod benchmarks_doc;

use bytes::Bytes;
use graph_emulator::{Emulator, EmulatorConfig};
use http_body_util::{BodyExt, Empty};
use scim_host::server::Server;
use scim_host::{App, HostOptions, Limits};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const TOKEN: &str = "benchmark-token";
const CONCURRENCY: [usize; 2] = [1, 16];

struct Measurement {
    requests: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

fn main() {
    let seconds: u64 = std::env::args()
        .skip_while(|a| a != "--seconds")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run(Duration::from_secs(seconds)));
}

async fn run(duration: Duration) {
    let emulator = Emulator::start(EmulatorConfig::default(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let id = emulator.users()[0]["id"].as_str().unwrap().to_string();
    let graph_token = graph_token(&emulator).await;

    let mut rows = Vec::new();
    let emulator_url = format!("{}/v1.0/users/{id}", emulator.base_url());
    for concurrency in CONCURRENCY {
        let m = load(&emulator_url, &format!("Bearer {graph_token}"), concurrency, duration).await;
        rows.push(("Graph emulator alone: GET /v1.0/users/{id}".to_string(), concurrency, m));
    }
    // The exact call users-get makes: every property the connector maps, and the manager.
    let connector_query = format!(
        "{emulator_url}?$select={}&$expand={}",
        graph::USER_PROPERTIES.join(","),
        graph::MANAGER_EXPAND.replace('$', "%24").replace('=', "%3D").replace(',', "%2C")
    );
    for concurrency in CONCURRENCY {
        let m = load(&connector_query, &format!("Bearer {graph_token}"), concurrency, duration).await;
        rows.push(("Graph emulator alone: the users-get query ($select of every mapped property, $expand=manager)".to_string(), concurrency, m));
    }

    for (label, requests_per_instance) in [("reused instances", Limits::default().requests_per_instance), ("a fresh instance per request", 1)] {
        let server = connector(&emulator, Limits { requests_per_instance, ..Limits::default() }).await;
        let url = format!("{}/scim/v2/Users/{id}", server.url());
        if requests_per_instance > 1 {
            for concurrency in CONCURRENCY {
                let m = load_expecting(&format!("{}/scim/v2/Nowhere", server.url()), &format!("Bearer {TOKEN}"), concurrency, duration, 404).await;
                rows.push(("Connector, gateway only: GET /scim/v2/Nowhere (authenticated 404, nothing forwarded)".to_string(), concurrency, m));
            }
        }
        for concurrency in CONCURRENCY {
            let m = load(&url, &format!("Bearer {TOKEN}"), concurrency, duration).await;
            rows.push((format!("Connector, {label}: GET /scim/v2/Users/{{id}} (gateway → users-get → emulator)"), concurrency, m));
        }
    }

    let report = report(&rows, duration);
    print!("{report}");
    benchmarks_doc::write_section("GET a user by id", &report);
}

async fn connector(emulator: &Emulator, limits: Limits) -> Server {
    let config = emulator.config();
    let variables = BTreeMap::from([
        ("tenant_id".to_string(), config.tenant_id.clone()),
        ("client_id".to_string(), config.client_id.clone()),
        ("client_secret".to_string(), config.client_secret.clone()),
        ("graph_base_url".to_string(), emulator.base_url()),
        ("login_base_url".to_string(), emulator.base_url()),
        ("scim_bearer_token".to_string(), TOKEN.to_string()),
    ]);
    let app = App::load(component_artifacts::SPIN_MANIFEST.as_ref(), HostOptions { variables, limits, ..Default::default() }).unwrap();
    Server::start(app, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

async fn graph_token(emulator: &Emulator) -> String {
    let config = emulator.config();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        config.client_id, config.client_secret
    );
    let url = format!("{}/{}/oauth2/v2.0/token", emulator.base_url(), config.tenant_id);
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<Bytes>>();
    let request = http::Request::post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(http_body_util::Full::new(Bytes::from(form)))
        .unwrap();
    let body = client.request(request).await.unwrap().into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    json["access_token"].as_str().unwrap().to_string()
}

/// `concurrency` clients, each on its own connection, sending back-to-back for `duration`
/// after a one-second warm-up. Every answer must have the expected status.
async fn load(url: &str, authorization: &str, concurrency: usize, duration: Duration) -> Measurement {
    load_expecting(url, authorization, concurrency, duration, 200).await
}

async fn load_expecting(url: &str, authorization: &str, concurrency: usize, duration: Duration, expected: u16) -> Measurement {
    let uri: http::Uri = url.parse().unwrap();
    let mut clients = Vec::new();
    let start = Instant::now() + Duration::from_secs(1);
    let end = start + duration;
    for _ in 0..concurrency {
        let uri = uri.clone();
        let authorization = authorization.to_string();
        clients.push(tokio::spawn(async move {
            let address = format!("{}:{}", uri.host().unwrap(), uri.port_u16().unwrap());
            let stream = tokio::net::TcpStream::connect(address).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
            tokio::spawn(connection);
            let mut latencies = Vec::new();
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let request = http::Request::get(uri.clone())
                    .header("authorization", &authorization)
                    .header("host", uri.authority().unwrap().as_str())
                    .body(Empty::<Bytes>::new())
                    .unwrap();
                let response = sender.send_request(request).await.unwrap();
                let status = response.status();
                response.into_body().collect().await.unwrap();
                assert_eq!(status, expected, "every request gets the answer it should");
                if sent >= start {
                    latencies.push(sent.elapsed());
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await.unwrap());
    }
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    Measurement { requests: latencies.len(), elapsed: duration, p50: percentile(0.50), p99: percentile(0.99) }
}

fn report(rows: &[(String, usize, Measurement)], duration: Duration) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "Produced by `cargo bench -p scim-host --bench get_user` (release build), {} s per row after a 1 s warm-up, \
         each client on its own keep-alive HTTP/1.1 connection, load generator, scim-host and the Graph emulator \
         in one process on the same machine ({} cores). Every request got the status it should (200; the gateway-only row 404).\n",
        duration.as_secs(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    )
    .unwrap();
    writeln!(
        out,
        "Figures move by up to ±25% between runs on a shared 2-core virtual machine; compare rows of one run. \
         The gateway-only row is the cost of the public hop (authentication, routing); the emulator rows are \
         the floor the connector's own work sits on.\n"
    )
    .unwrap();
    writeln!(out, "| scenario | concurrency | requests/s | p50 | p99 |").unwrap();
    writeln!(out, "|---|---:|---:|---:|---:|").unwrap();
    for (label, concurrency, m) in rows {
        writeln!(
            out,
            "| {label} | {concurrency} | {:.0} | {:.3} ms | {:.3} ms |",
            m.requests as f64 / m.elapsed.as_secs_f64(),
            m.p50.as_secs_f64() * 1e3,
            m.p99.as_secs_f64() * 1e3
        )
        .unwrap();
    }
    out
}
