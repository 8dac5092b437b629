//! The HTTP layer: a hyper 1 HTTP/1.1 server with keep-alive on one listener, routing each
//! request to the token endpoint or to Graph (after the bearer-token check), and stamping
//! every response with Graph's correlation headers and content type.

use std::convert::Infallible;
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

use crate::EmulatorConfig;
use crate::audit_logs;
use crate::codec;
use crate::deleted_items;
use crate::error::{GraphError, LoginError};
use crate::groups;
use crate::login::{self, TokenStore};
use crate::mailbox_settings;
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
    pub graph_requests: AtomicU64,
    correlation: AtomicU64,
}

impl State {
    pub fn new(config: EmulatorConfig, base_url: String, tenant: Tenant) -> Self {
        State {
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
                            async move { Ok::<_, Infallible>(handle(&state, request).await) }
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

async fn handle(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
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
    let is_login = segments.len() == 4
        && segments[1] == "oauth2"
        && segments[2] == "v2.0"
        && segments[3] == "token";
    if !is_login {
        state.graph_requests.fetch_add(1, Ordering::Relaxed);
    }

    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let error = GraphError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request_BadRequest",
                "The request body is too large.",
            );
            return graph_error_response(&error, &request_id, &client_request_id);
        }
    };

    if is_login {
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
            return login_error_response(&error, &request_id, &client_request_id);
        }
        return match login::token_request(&state.config, &state.tokens, &segments[0], &body) {
            Ok(json) => response(
                StatusCode::OK,
                Some(LOGIN_JSON),
                json.to_string().into_bytes(),
                &request_id,
                &client_request_id,
            ),
            Err(error) => login_error_response(&error, &request_id, &client_request_id),
        };
    }

    match graph(
        state,
        &parts.method,
        &segments,
        parts.uri.query(),
        &parts.headers,
        &body,
    ) {
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
    let segments = &segments[1..];
    match segments.first().map(String::as_str) {
        Some("groups") => groups::route(state, method, segments, &pairs, headers, body),
        Some(s) if s.eq_ignore_ascii_case("auditLogs") => {
            audit_logs::route(state, method, segments, &pairs, headers)
        }
        Some(s) if s.eq_ignore_ascii_case("directory") => {
            deleted_items::route(state, method, segments, &pairs, headers, body)
        }
        // Exchange's part of a user, kept apart from the directory's routes.
        Some("users") if segments.get(2).is_some_and(|s| s.eq_ignore_ascii_case("mailboxSettings")) => {
            mailbox_settings::route(state, method, segments)
        }
        // Users also answer the service document and unknown segments.
        _ => users::route(state, method, segments, &pairs, headers, body),
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
