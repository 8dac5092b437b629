//! A small hyper client that talks to a running emulator over real HTTP, as the connector
//! will: acquire a token, then call Graph with it.
#![allow(dead_code)]

use bytes::Bytes;
use graph_emulator::{Emulator, EmulatorConfig};
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The Graph error code, for error answers.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub struct Graph {
    pub emulator: Emulator,
    pub token: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

pub fn config(users: usize) -> EmulatorConfig {
    EmulatorConfig {
        users,
        ..Default::default()
    }
}

impl Graph {
    pub async fn start(users: usize) -> Graph {
        Self::start_with(config(users)).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Graph {
        let emulator = Emulator::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("emulator starts");
        let client = Client::builder(TokioExecutor::new()).build_http();
        let mut graph = Graph {
            emulator,
            token: String::new(),
            client,
        };
        let secret = graph.emulator.config().client_secret.clone();
        let answer = graph.token_request(&graph.token_form(&secret)).await;
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        graph.token = answer.json()["access_token"].as_str().unwrap().to_string();
        graph
    }

    pub fn token_form(&self, secret: &str) -> String {
        format!(
            "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
            self.emulator.config().client_id,
            secret
        )
    }

    pub async fn token_request(&self, form: &str) -> Answer {
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.emulator.base_url(),
            self.emulator.config().tenant_id
        );
        self.send(
            Method::POST,
            &url,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form),
        )
        .await
    }

    /// Sends to a full URL or to a path on the emulator; no Authorization header is added.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Answer {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{url}", self.emulator.base_url())
        };
        let mut request = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if body.is_some()
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or("").to_string())))
            .unwrap();
        let response = self.client.request(request).await.expect("HTTP round trip");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Sends with this session's bearer token.
    pub async fn call(
        &self,
        method: Method,
        url: &str,
        extra: &[(&str, &str)],
        body: Option<&str>,
    ) -> Answer {
        let auth = format!("Bearer {}", self.token);
        let mut headers = vec![("authorization", auth.as_str())];
        headers.extend_from_slice(extra);
        self.send(method, url, &headers, body).await
    }

    pub async fn get(&self, url: &str) -> Answer {
        self.call(Method::GET, url, &[], None).await
    }

    /// GET with the advanced query header `ConsistencyLevel: eventual`.
    pub async fn get_eventual(&self, url: &str) -> Answer {
        self.call(Method::GET, url, &[("ConsistencyLevel", "eventual")], None)
            .await
    }
}

/// Percent-encodes a query option value (filters contain spaces and quotes).
pub fn enc(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$,()'@:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/v1.0/users?$filter=...` with the filter encoded.
pub fn filter_url(filter: &str) -> String {
    format!("/v1.0/users?$filter={}", enc(filter))
}

/// The userPrincipalNames in a list answer.
pub fn upns(answer: &Answer) -> Vec<String> {
    answer.json()["value"]
        .as_array()
        .expect("a value array")
        .iter()
        .map(|u| {
            u["userPrincipalName"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}
