//! Test doubles for driving `GraphClient` without a network: a transport that records requests and
//! answers from queues (and, when asked, "sleeps" by moving the settable clock and recording the
//! wait), a settable clock, and a minimal executor (the fake is always ready).

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use graph::{Credential, GraphConfig, RetryNotice, Transport, TransportError};

pub const SECRET: &str = "s3cr3t+/=&value";

pub fn config() -> GraphConfig {
    GraphConfig {
        graph_base_url: "https://graph.example".into(),
        login_base_url: "https://login.example".into(),
        tenant_id: "tenant-1".into(),
        client_id: "client-1".into(),
        credential: Credential::ClientSecret(SECRET.into()),
    }
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake transport is always ready; nothing should pend"),
    }
}

thread_local! {
    static NOW: Cell<SystemTime> = Cell::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
}

pub fn now() -> SystemTime {
    NOW.with(|n| n.get())
}

pub fn advance(by: Duration) {
    NOW.with(|n| n.set(n.get() + by));
}

pub struct Recorded {
    pub method: String,
    pub uri: String,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

type Reply = Result<http::Response<Vec<u8>>, TransportError>;

/// Token-endpoint requests are answered from `token_replies`, everything else from `graph_replies`,
/// so each test queues only what it means to exercise.
#[derive(Default)]
pub struct FakeTransport {
    pub requests: RefCell<Vec<Recorded>>,
    token_replies: RefCell<VecDeque<Reply>>,
    graph_replies: RefCell<VecDeque<Reply>>,
    tokens_issued: Cell<u32>,
    can_sleep: bool,
    /// Every wait the client asked for, in order.
    pub sleeps: RefCell<Vec<Duration>>,
    pub notices: RefCell<Vec<RetryNotice>>,
}

impl FakeTransport {
    /// A transport that cannot wait, so the client never retries (as before retries existed).
    pub fn new() -> Self {
        Self::default()
    }

    /// A transport whose waits advance the test clock at once and are recorded.
    pub fn sleeping() -> Self {
        Self {
            can_sleep: true,
            ..Self::default()
        }
    }

    /// Queue a successful token answer; tokens are numbered `token-1`, `token-2`, ...
    pub fn token(&self, expires_in: u64) -> &Self {
        let n = self.tokens_issued.get() + 1;
        self.tokens_issued.set(n);
        let body = serde_json::json!({"token_type":"Bearer","expires_in":expires_in,"ext_expires_in":expires_in,"access_token":format!("token-{n}")});
        self.token_replies
            .borrow_mut()
            .push_back(Ok(response(200, &[], body.to_string())));
        self
    }

    pub fn token_reply(&self, reply: Reply) -> &Self {
        self.token_replies.borrow_mut().push_back(reply);
        self
    }

    pub fn reply(&self, status: u16, headers: &[(&str, &str)], body: impl Into<String>) -> &Self {
        self.graph_replies
            .borrow_mut()
            .push_back(Ok(response(status, headers, body.into())));
        self
    }

    pub fn reply_json(&self, status: u16, body: serde_json::Value) -> &Self {
        self.reply(
            status,
            &[("content-type", "application/json")],
            body.to_string(),
        )
    }

    pub fn fail(&self, message: &str) -> &Self {
        self.graph_replies
            .borrow_mut()
            .push_back(Err(TransportError::new(message)));
        self
    }

    pub fn graph_requests(&self) -> Vec<(String, String)> {
        self.requests
            .borrow()
            .iter()
            .filter(|r| !is_token(&r.uri))
            .map(|r| (r.method.clone(), r.uri.clone()))
            .collect()
    }

    pub fn token_request_count(&self) -> usize {
        self.requests
            .borrow()
            .iter()
            .filter(|r| is_token(&r.uri))
            .count()
    }

    pub fn last(&self) -> std::cell::Ref<'_, Recorded> {
        std::cell::Ref::map(self.requests.borrow(), |r| {
            r.last().expect("a request was sent")
        })
    }
}

/// The token endpoint and the managed identity endpoints (App Service's `/msi/token`, IMDS).
fn is_token(uri: &str) -> bool {
    uri.contains("/oauth2/v2.0/token")
        || uri.contains("/msi/token")
        || uri.contains("/identity/oauth2/token")
}

pub fn response(status: u16, headers: &[(&str, &str)], body: String) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(body.into_bytes()).unwrap()
}

impl Transport for FakeTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> {
        let uri = request.uri().to_string();
        let queue = if is_token(&uri) {
            &self.token_replies
        } else {
            &self.graph_replies
        };
        let reply = queue
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| panic!("no reply queued for {uri}"));
        self.requests.borrow_mut().push(Recorded {
            method: request.method().to_string(),
            uri,
            headers: request.headers().clone(),
            body: request.into_body(),
        });
        std::future::ready(reply)
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = Result<(), TransportError>> {
        let slept = if self.can_sleep {
            self.sleeps.borrow_mut().push(duration);
            advance(duration);
            Ok(())
        } else {
            Err(TransportError::new("the fake cannot wait"))
        };
        std::future::ready(slept)
    }

    fn retrying(&self, notice: &RetryNotice) {
        self.notices.borrow_mut().push(notice.clone());
    }
}
