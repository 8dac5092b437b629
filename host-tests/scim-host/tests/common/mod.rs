//! The connector as a caller sees it: the Graph emulator on loopback, the real components in
//! scim-host behind a real HTTP server, and a small client.
#![allow(dead_code)] // each test binary uses a different part

use bytes::Bytes;
use graph_emulator::{Emulator, EmulatorConfig};
use http_body_util::{BodyExt, Full};
use scim_host::server::Server;
use scim_host::{App, HostOptions, Limits};
use std::collections::BTreeMap;

pub const TOKEN: &str = "integration-test-token";

pub struct Connector {
    pub emulator: Emulator,
    pub server: Server,
    /// The application the server runs, for calling components directly (inventory jobs).
    pub app: App,
    client: Client,
}

impl Connector {
    pub async fn start() -> Connector {
        Connector::start_with(EmulatorConfig::default(), Limits::default()).await
    }

    pub async fn start_with(config: EmulatorConfig, limits: Limits) -> Connector {
        Connector::start_configured(config, limits, &[]).await
    }

    /// With extra Spin variables (e.g. `upn_domain`) beside the tenant's.
    pub async fn start_configured(config: EmulatorConfig, limits: Limits, extra: &[(&str, &str)]) -> Connector {
        let emulator = Emulator::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("emulator starts");
        Connector::with_emulator(emulator, limits, extra).await
    }

    /// On a running emulator, with extra Spin variables that win over the tenant's.
    pub async fn with_emulator(emulator: Emulator, limits: Limits, extra: &[(&str, &str)]) -> Connector {
        let emulated = emulator.config();
        let variables = BTreeMap::from([
            ("tenant_id".to_string(), emulated.tenant_id.clone()),
            ("client_id".to_string(), emulated.client_id.clone()),
            ("client_secret".to_string(), emulated.client_secret.clone()),
            ("graph_base_url".to_string(), emulator.base_url()),
            ("login_base_url".to_string(), emulator.base_url()),
            ("scim_bearer_token".to_string(), TOKEN.to_string()),
        ]);
        let variables = variables.into_iter().chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string()))).collect();
        let app = App::load(component_artifacts::SPIN_MANIFEST.as_ref(), HostOptions { variables, limits, ..Default::default() }).expect("the connector loads");
        let server = Server::start(app.clone(), "127.0.0.1:0".parse().unwrap()).await.expect("the server starts");
        Connector { emulator, server, app, client: Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[("authorization", &format!("Bearer {TOKEN}"))], None).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, &[("authorization", &format!("Bearer {TOKEN}"))], None).await
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.send_json("POST", path, body).await
    }

    pub async fn send_json(&self, method: &str, path: &str, body: &serde_json::Value) -> Reply {
        let headers = [("authorization", format!("Bearer {TOKEN}")), ("content-type", "application/scim+json".to_string())];
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.send(method, path, &headers, Some(body.to_string().into_bytes())).await
    }

    pub async fn post_raw(&self, path: &str, body: &[u8]) -> Reply {
        let headers = [("authorization", format!("Bearer {TOKEN}")), ("content-type", "application/scim+json".to_string())];
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.send("POST", path, &headers, Some(body.to_vec())).await
    }

    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Reply {
        self.client.send(method, &self.url(path), headers, body).await
    }
}

/// A plain HTTP/1.1 client for the tests.
pub struct Client {
    inner: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

impl Client {
    pub fn new() -> Client {
        Client {
            inner: hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http(),
        }
    }

    pub async fn send(&self, method: &str, url: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Reply {
        let mut request = http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body.unwrap_or_default()))).unwrap();
        let response = self.inner.request(request).await.expect("the server answers");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the body arrives").to_bytes().to_vec();
        Reply { status: parts.status.as_u16(), headers: parts.headers, body }
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 7644 §3.12 error body with this status (and scimType, when given).
    pub fn assert_scim_error(&self, status: u16, scim_type: Option<&str>) -> serde_json::Value {
        assert_eq!(self.status, status, "status; body: {}", self.text());
        assert_eq!(self.header("content-type"), Some("application/scim+json"), "content type");
        let body = self.json();
        assert_eq!(body["schemas"], serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"]));
        assert_eq!(body["status"], serde_json::json!(status.to_string()), "status is a string: {body}");
        match scim_type {
            Some(scim_type) => assert_eq!(body["scimType"], serde_json::json!(scim_type), "{body}"),
            None => assert!(body.get("scimType").is_none(), "no scimType expected: {body}"),
        }
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "a detail: {body}");
        body
    }
}

/// Percent-encodes a query parameter's value (RFC 3986 unreserved characters stay).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
