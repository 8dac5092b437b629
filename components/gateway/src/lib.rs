//! The connector's only public route. Authenticates the caller once (a bearer token compared in
//! constant time), finds the operation by method and path (Spin routes by path alone), and
//! forwards the request to that operation's private component over Spin's local service chaining.

use bytes::Bytes;
use route_table::{Lookup, RouteTable};
use scim::error::ScimError;
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::http::{FullBody, IntoResponse, Request};
use spin_sdk::http_service;

/// `METHOD /path/template component-id` lines, generated from the components' `describe()`
/// by `scim-host routes`; a test checks the two agree.
const ROUTES: &str = include_str!("../routes.txt");

/// Hop-by-hop and host headers the forwarded request must not carry (wasi:http forbids most of
/// them); the caller's credentials stop here too.
const NOT_FORWARDED: &[&str] = &[
    "authorization", "host", "connection", "keep-alive", "proxy-authenticate",
    "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    "http2-settings", "content-length",
];

#[http_service]
async fn gateway(request: Request) -> impl IntoResponse {
    match route(request).await {
        Ok(response) => response.into_response(),
        Err(Refusal { error, allow }) => {
            let mut builder = http::Response::builder()
                .status(error.status)
                .header(http::header::CONTENT_TYPE, scim::CONTENT_TYPE);
            if error.status == 401 {
                builder = builder.header(http::header::WWW_AUTHENTICATE, "Bearer realm=\"scim\"");
            }
            if let Some(allow) = allow {
                builder = builder.header(http::header::ALLOW, allow);
            }
            let body = builder.body(FullBody::new(Bytes::from(error.to_body())));
            body.into_response()
        }
    }
}

struct Refusal {
    error: ScimError,
    allow: Option<String>,
}

impl From<ScimError> for Refusal {
    fn from(error: ScimError) -> Self {
        Refusal { error, allow: None }
    }
}

async fn route(request: Request) -> Result<spin_sdk::http::Response, Refusal> {
    authenticate(request.headers()).await?;

    let table = ROUTE_TABLE.get_or_init(route_table).as_ref().map_err(Clone::clone)?;
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let component = match table.lookup(&method, &path) {
        Lookup::Found { target, .. } => target.to_string(),
        Lookup::MethodNotAllowed { allowed } => {
            let allow = allowed.join(", ");
            return Err(Refusal {
                error: ScimError::method_not_allowed(format!("{method} is not supported on {path}; use {allow}")),
                allow: Some(allow),
            });
        }
        Lookup::NotFound => return Err(unrouted(&path).into()),
    };
    let response = forward(request, &component).await?;
    // An operation that failed before it could answer in SCIM (a trap, a deadline) is still
    // reported to the caller as a SCIM error.
    let is_scim = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(scim::CONTENT_TYPE.as_bytes()));
    if response.status().is_server_error() && !is_scim {
        let status = response.status().as_u16();
        return Err(ScimError::new(status, None, format!("operation {component} failed to answer")).into());
    }
    Ok(response)
}

/// RFC 7644's endpoints the connector does not offer are 501 (as ServiceProviderConfig says),
/// so callers can tell "not supported" from a wrong path.
fn unrouted(path: &str) -> ScimError {
    match path.trim_end_matches('/') {
        "/scim/v2/.search" => ScimError::not_implemented(
            "searching every resource type at the root is not supported; POST /scim/v2/Users/.search or /scim/v2/Groups/.search",
        ),
        "/scim/v2/Bulk" => ScimError::not_implemented("bulk operations are not supported (ServiceProviderConfig: bulk.supported false)"),
        "/scim/v2/Me" => ScimError::not_implemented("/Me is not supported: the connector authenticates applications, not users"),
        _ => ScimError::not_found(format!("no SCIM endpoint at {path}")),
    }
}

/// Parsed once per instance; instances serve many requests.
static ROUTE_TABLE: std::sync::OnceLock<Result<RouteTable<String>, ScimError>> = std::sync::OnceLock::new();

async fn authenticate(headers: &http::HeaderMap) -> Result<(), ScimError> {
    let expected = expected_token().await?;
    let presented = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .ok_or_else(|| ScimError::unauthorized("a bearer token is required"))?;
    if constant_time_eq(presented.trim().as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ScimError::unauthorized("the bearer token is not valid"))
    }
}

/// The configured token, read once per instance (an instance serves a bounded number of
/// requests, so a rotated token reaches the next one).
async fn expected_token() -> Result<&'static str, ScimError> {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(token) = TOKEN.get() {
        return Ok(token);
    }
    let token = spin_sdk::variables::get("scim_bearer_token")
        .await
        .ok()
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ScimError::internal("the connector has no bearer token configured"))?;
    Ok(TOKEN.get_or_init(|| token))
}

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        difference |= usize::from(x ^ y);
    }
    difference == 0
}

fn route_table() -> Result<RouteTable<String>, ScimError> {
    let mut table = RouteTable::new();
    for line in ROUTES.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut fields = line.split_whitespace();
        let (Some(method), Some(template), Some(component), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(ScimError::internal(format!("malformed gateway route: {line}")));
        };
        table
            .add(method, template, component.to_string())
            .map_err(|e| ScimError::internal(format!("gateway route table: {e}")))?;
    }
    Ok(table)
}

async fn forward(request: Request, component: &str) -> Result<spin_sdk::http::Response, Refusal> {
    let (parts, body) = request.into_parts();
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut outbound = http::Request::builder()
        .method(parts.method.clone())
        .uri(format!("http://{component}.spin.internal{path_and_query}"));
    for (name, value) in &parts.headers {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            outbound = outbound.header(name, value);
        }
    }
    // Operations build resource locations from the caller's view of the service; a proxy in
    // front of us may already have said what that is.
    if !parts.headers.contains_key("x-forwarded-host") {
        let host = parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string);
        if let Some(host) = host.or_else(|| parts.uri.authority().map(|a| a.to_string())) {
            outbound = outbound.header("x-forwarded-host", host);
        }
    }
    if !parts.headers.contains_key("x-forwarded-proto") {
        outbound = outbound.header("x-forwarded-proto", parts.uri.scheme_str().unwrap_or("http"));
    }
    let body = body
        .bytes()
        .await
        .map_err(|e| ScimError::invalid_syntax(format!("could not read the request body: {e:?}")))?;
    let outbound = outbound
        .body(FullBody::new(body))
        .map_err(|e| ScimError::internal(format!("could not forward the request: {e}")))?;
    spin_sdk::http::send(outbound).await.map_err(|code| {
        ScimError::new(502, None, format!("operation {component} did not answer: {code:?}")).into()
    })
}
