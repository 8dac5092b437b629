//! The HTTP layer: a hyper 1 HTTP/1.1 server with keep-alive on one listener, routing each
//! request to the token endpoint, the managed identity endpoints, the fault-injection admin
//! endpoint or Graph (after the bearer-token check, then the faults drawn for it), and stamping
//! every response with Graph's correlation headers and content type.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::resource_units;
use crate::EmulatorConfig;
use crate::audit_logs;
use crate::b2c;
use crate::batch;
use crate::codec;
use crate::credentials::Credentials;
use crate::deleted_items;
use crate::error::{GraphError, LoginError};
use crate::faults::{Fault, FaultInjector};
use crate::groups;
use crate::login::{self, TokenStore};
use crate::mailbox_settings;
use crate::managed_identity::{self, Host};
use crate::prng;
use crate::tenant::Tenant;
use crate::users;

/// What Graph sends for every JSON payload.
pub const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const LOGIN_JSON: &str = "application/json; charset=utf-8";
/// Request bodies beyond this are refused; Graph's own limit is 4 MB.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Everything a request handler can reach.
#[derive(Debug)]
pub struct State {
    pub config: EmulatorConfig,
    /// `http://127.0.0.1:PORT`, used in `@odata.context`, `@odata.nextLink` and `Location`.
    pub base_url: String,
    pub tenant: RwLock<Tenant>,
    pub tokens: TokenStore,
    pub credentials: Credentials,
    pub faults: FaultInjector,
    pub graph_requests: AtomicU64,
    correlation: AtomicU64,
}

impl State {
    pub fn new(config: EmulatorConfig, base_url: String, tenant: Tenant) -> Self {
        State {
            credentials: Credentials::new(&config, &base_url),
            faults: FaultInjector::new(config.faults.clone(), config.seed),
            config,
            base_url,
            tenant: RwLock::new(tenant),
            tokens: TokenStore::new(),
            graph_requests: AtomicU64::new(0),
            correlation: AtomicU64::new(prng::mix(crate::clock::unix_now())),
        }
    }

    /// A poisoned lock only means a handler panicked mid-request; the data is still usable.
    pub fn read(&self) -> RwLockReadGuard<'_, Tenant> {
        self.tenant.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Tenant> {
        self.tenant.write().unwrap_or_else(|e| e.into_inner())
    }

    fn correlation_id(&self) -> String {
        let n = self.correlation.fetch_add(2, Ordering::Relaxed);
        prng::format_guid(prng::mix(n), prng::mix(n + 1))
    }
}

/// A handler's answer before the correlation headers are added.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
    pub location: Option<String>,
}

impl Reply {
    pub fn json(status: StatusCode, body: Vec<u8>) -> Self {
        Reply {
            status,
            content_type: Some(GRAPH_JSON),
            body,
            location: None,
        }
    }

    pub fn no_content() -> Self {
        Reply {
            status: StatusCode::NO_CONTENT,
            content_type: None,
            body: Vec::new(),
            location: None,
        }
    }
}

/// Accepts connections until `stop` fires (or its sender is dropped); open connections are
/// aborted with the task set when the loop ends.
pub async fn serve(listener: TcpListener, state: Arc<State>, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |request| {
                            let state = state.clone();
                            async move { handle(&state, request).await }
                        });
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Returned instead of an answer to close the connection without one (an injected fault).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// What a path is for, before its body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Login,
    ManagedIdentity(Host),
    Admin,
    Graph,
}

fn endpoint(segments: &[String]) -> Endpoint {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    match s[..] {
        [_, "oauth2", "v2.0", "token"] => Endpoint::Login,
        ["msi", "token"] => Endpoint::ManagedIdentity(Host::AppService),
        ["metadata", "identity", "oauth2", "token"] => Endpoint::ManagedIdentity(Host::VirtualMachine),
        ["_emulator", ..] => Endpoint::Admin,
        _ => Endpoint::Graph,
    }
}

async fn handle(state: &State, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
    let request_id = state.correlation_id();
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map_or_else(|| request_id.clone(), str::to_owned);
    let (parts, body) = request.into_parts();
    let segments: Vec<String> = parts
        .uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| codec::percent_decode(s, false))
        .collect();
    let endpoint = endpoint(&segments);
    if endpoint == Endpoint::Graph {
        state.graph_requests.fetch_add(1, Ordering::Relaxed);
    }
    if endpoint != Endpoint::Admin {
        let latency = state.faults.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }

    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let error = GraphError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request_BadRequest",
                "The request body is too large.",
            );
            return Ok(graph_error_response(&error, &request_id, &client_request_id));
        }
    };

    if endpoint == Endpoint::Admin {
        return Ok(admin(state, &parts.method, &segments, &body));
    }
    if let Endpoint::ManagedIdentity(host) = endpoint {
        let pairs = parts.uri.query().map(codec::parse_pairs).unwrap_or_default();
        let (status, json) = match managed_identity::token(host, &state.config, &state.tokens, &pairs, &parts.headers) {
            Ok(json) => (StatusCode::OK, json),
            Err(refusal) => refusal,
        };
        return Ok(response(status, Some(LOGIN_JSON), json.to_string().into_bytes(), &request_id, &client_request_id));
    }
    if endpoint == Endpoint::Login {
        if parts.method != Method::POST {
            let error = LoginError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900561,
                format!(
                    "The endpoint only accepts POST requests. Received a {} request.",
                    parts.method
                ),
            );
            return Ok(login_error_response(&error, &request_id, &client_request_id));
        }
        return Ok(match login::token_request(&state.config, &state.credentials, &state.tokens, &segments[0], &body) {
            Ok(json) => response(
                StatusCode::OK,
                Some(LOGIN_JSON),
                json.to_string().into_bytes(),
                &request_id,
                &client_request_id,
            ),
            Err(error) => login_error_response(&error, &request_id, &client_request_id),
        });
    }

    // Faults strike only requests Graph would have accepted: a bad token is answered first.
    let authorization = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let is_batch = parts.method == Method::POST && segments.len() == 2 && segments[0] == "v1.0" && segments[1] == "$batch";
    let mut dropped = false;
    if state.tokens.check(authorization).is_ok() {
        // The client-request-id names one call across its retries; without one, the URL does.
        let key = parts
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| format!("{} {}", parts.method, parts.uri), str::to_owned);
        state.faults.arrived(&key);
        // A batch's requests are charged one by one, as Graph does; the envelope costs nothing.
        let cost = (!is_batch).then(|| resource_units::cost_in(&parts.method, segments.get(1..).unwrap_or_default(), parts.uri.query(), state.config.b2c.is_some()));
        let refusal = match state.faults.draw(false, cost) {
            Some(Fault::Throttle(seconds)) => Some(throttled(seconds)),
            Some(Fault::Unavailable(seconds)) => Some(unavailable(seconds)),
            Some(Fault::ServerError) => Some(GraphError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                "General exception while processing.",
            )),
            Some(Fault::Drop) => {
                dropped = true;
                None
            }
            None => None,
        };
        if let Some(error) = refusal {
            if let Some(seconds) = error.retry_after {
                state.faults.told_to_wait(&key, seconds);
            }
            return Ok(graph_error_response(&error, &request_id, &client_request_id));
        }
    }

    let result = if is_batch {
        state
            .tokens
            .check(authorization)
            .and_then(|()| batch::batch(state, &body, &request_id, &client_request_id))
            .map(|json| Reply::json(StatusCode::OK, json.to_string().into_bytes()))
    } else {
        graph(state, &parts.method, &segments, parts.uri.query(), &parts.headers, &body)
    };
    if dropped {
        // The work is done; only the answer is lost.
        return Err(Dropped);
    }
    Ok(match result {
        Ok(reply) => {
            let mut built = response(
                reply.status,
                reply.content_type,
                reply.body,
                &request_id,
                &client_request_id,
            );
            if let Some(location) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                built.headers_mut().insert(LOCATION, location);
            }
            built
        }
        Err(error) => graph_error_response(&error, &request_id, &client_request_id),
    })
}

/// Graph's answer to a throttled request.
pub fn throttled(seconds: u64) -> GraphError {
    GraphError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "Too many requests.",
    )
    .with_retry_after(seconds)
}

pub fn unavailable(seconds: u64) -> GraphError {
    GraphError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "serviceNotAvailable",
        "Service unavailable.",
    )
    .with_retry_after(seconds)
}

/// `/_emulator/faults` (GET the settings, POST a JSON object of settings to change) and
/// `/_emulator/retry-after` (GET every Retry-After issued and how long the client waited).
fn admin(state: &State, method: &Method, segments: &[String], body: &[u8]) -> Response<Full<Bytes>> {
    let answer = |status: StatusCode, json: serde_json::Value| {
        let mut built = Response::new(Full::new(Bytes::from(json.to_string())));
        *built.status_mut() = status;
        built.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(LOGIN_JSON));
        built
    };
    let what = segments.get(1).map(String::as_str);
    match (method, what) {
        (&Method::GET, Some("faults")) => answer(StatusCode::OK, state.faults.faults().to_json()),
        (&Method::POST, Some("faults")) => {
            let changes = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
            match state.faults.faults().update(&changes) {
                Ok(faults) => {
                    state.faults.set(faults.clone());
                    answer(StatusCode::OK, faults.to_json())
                }
                Err(message) => answer(StatusCode::BAD_REQUEST, serde_json::json!({ "error": message })),
            }
        }
        (&Method::GET, Some("retry-after")) => answer(StatusCode::OK, state.faults.log_json()),
        _ => answer(StatusCode::NOT_FOUND, serde_json::json!({ "error": "unknown emulator admin endpoint: GET/POST /_emulator/faults, GET /_emulator/retry-after" })),
    }
}

fn graph(
    state: &State,
    method: &Method,
    segments: &[String],
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Reply, GraphError> {
    match segments.first().map(String::as_str) {
        Some("v1.0") => {}
        Some(version) => return Err(GraphError::odata(format!("Invalid version: {version}"))),
        None => return Err(GraphError::odata("Invalid version: ")),
    }
    let authorization = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    state.tokens.check(authorization)?;
    let pairs = query.map(codec::parse_pairs).unwrap_or_default();
    route(state, method, &segments[1..], &pairs, headers, body)
}

/// Routes a Graph request already authenticated, by its path after the version.
pub fn route(
    state: &State,
    method: &Method,
    segments: &[String],
    pairs: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Reply, GraphError> {
    if state.config.b2c.is_some() {
        b2c::check_request(segments, pairs, headers)?;
    }
    match segments.first().map(String::as_str) {
        Some("groups") => groups::route(state, method, segments, pairs, headers, body),
        Some(s) if s.eq_ignore_ascii_case("auditLogs") => {
            audit_logs::route(state, method, segments, pairs, headers)
        }
        Some(s) if s.eq_ignore_ascii_case("directory") => {
            deleted_items::route(state, method, segments, pairs, headers, body)
        }
        // Exchange's part of a user, kept apart from the directory's routes.
        Some("users") if segments.get(2).is_some_and(|s| s.eq_ignore_ascii_case("mailboxSettings")) => {
            mailbox_settings::route(state, method, segments)
        }
        // Users also answer the service document and unknown segments.
        _ => users::route(state, method, segments, pairs, headers, body),
    }
}

fn response(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    request_id: &str,
    client_request_id: &str,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(content_type) = content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if content_type == GRAPH_JSON {
            headers.insert(
                HeaderName::from_static("odata-version"),
                HeaderValue::from_static("4.0"),
            );
        }
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert(HeaderName::from_static("request-id"), v);
    }
    if let Ok(v) = HeaderValue::from_str(client_request_id) {
        headers.insert(HeaderName::from_static("client-request-id"), v);
    }
    response
}

fn graph_error_response(
    error: &GraphError,
    request_id: &str,
    client_request_id: &str,
) -> Response<Full<Bytes>> {
    let body = error
        .body(request_id, client_request_id)
        .to_string()
        .into_bytes();
    let mut built = response(
        error.status,
        Some(GRAPH_JSON),
        body,
        request_id,
        client_request_id,
    );
    if let Some(location) = error
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        built.headers_mut().insert(LOCATION, location);
    }
    if let Some(seconds) = error.retry_after {
        built.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if error.status == StatusCode::UNAUTHORIZED {
        built.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
            ),
        );
    }
    built
}

fn login_error_response(
    error: &LoginError,
    request_id: &str,
    client_request_id: &str,
) -> Response<Full<Bytes>> {
    let body = error
        .body(request_id, client_request_id)
        .to_string()
        .into_bytes();
    response(
        error.status,
        Some(LOGIN_JSON),
        body,
        request_id,
        client_request_id,
    )
}
