//! A Graph that answers from a queue: enough to drive `update_group` without a network. The
//! token endpoint always answers; every other request takes the next queued reply, and a test
//! reads back what was sent.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use graph::{Credential, GraphClient, GraphConfig, TokenCache, Transport, TransportError};
use serde_json::{Value, json};

pub const GRAPH: &str = "https://graph.example";

#[derive(Default)]
pub struct FakeGraph {
    replies: RefCell<VecDeque<(u16, Option<u64>, String)>>,
    /// (method, URI without the Graph base, JSON body or Null) of each Graph request.
    pub sent: RefCell<Vec<(String, String, Value)>>,
}

impl FakeGraph {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn reply(&self, status: u16, body: Value) -> &Self {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.replies.borrow_mut().push_back((status, None, body));
        self
    }

    /// 429 with `Retry-After: seconds`.
    pub fn throttle(&self, seconds: u64) -> &Self {
        let body = json!({"error": {"code": "TooManyRequests", "message": "Too many requests"}});
        self.replies
            .borrow_mut()
            .push_back((429, Some(seconds), body.to_string()));
        self
    }

    pub fn no_content(&self) -> &Self {
        self.reply(204, Value::Null)
    }

    /// Graph's error body.
    pub fn error(&self, status: u16, code: &str, message: &str) -> &Self {
        self.reply(
            status,
            json!({"error": {"code": code, "message": message, "innerError": {"request-id": "rid"}}}),
        )
    }

    /// Each request as "METHOD /path", followed by the referenced id for `$ref` additions
    /// ("POST /v1.0/groups/g/members/$ref u1"), for asserting order.
    pub fn calls(&self) -> Vec<String> {
        self.sent
            .borrow()
            .iter()
            .map(|(m, u, body)| match body["@odata.id"].as_str() {
                Some(reference) => format!("{m} {u} {}", reference.rsplit('/').next().unwrap()),
                None => format!("{m} {u}"),
            })
            .collect()
    }

    pub fn body(&self, i: usize) -> Value {
        self.sent.borrow()[i].2.clone()
    }

    pub fn unanswered(&self) -> usize {
        self.replies.borrow().len()
    }
}

impl Transport for FakeGraph {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> {
        let uri = request.uri().to_string();
        let (status, retry_after, body) = if uri.contains("/oauth2/v2.0/token") {
            (
                200,
                None,
                json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "t"})
                    .to_string(),
            )
        } else {
            let body = serde_json::from_slice(request.body()).unwrap_or(Value::Null);
            let path = uri.strip_prefix(GRAPH).unwrap_or(&uri).to_string();
            self.sent
                .borrow_mut()
                .push((request.method().to_string(), path, body));
            self.replies
                .borrow_mut()
                .pop_front()
                .unwrap_or_else(|| panic!("no reply queued for {uri}"))
        };
        let mut response = http::Response::builder()
            .status(status)
            .header("content-type", "application/json");
        if let Some(seconds) = retry_after {
            response = response.header("retry-after", seconds.to_string());
        }
        let response = response.body(body.into_bytes()).unwrap();
        std::future::ready(Ok(response))
    }
}

pub fn config() -> GraphConfig {
    GraphConfig {
        graph_base_url: GRAPH.into(),
        login_base_url: "https://login.example".into(),
        tenant_id: "tenant".into(),
        client_id: "client".into(),
        credential: Credential::ClientSecret("secret".into()),
    }
}

/// Runs `f` with a client over `fake`.
pub fn with_client<R>(fake: &FakeGraph, f: impl FnOnce(&GraphClient<'_, FakeGraph>) -> R) -> R {
    let (config, tokens) = (config(), TokenCache::new());
    let client = GraphClient::new(fake, &config, &tokens);
    f(&client)
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake Graph is always ready; nothing should pend"),
    }
}
