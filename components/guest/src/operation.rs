//! An operation's description and the request walk every operation shares: match the request to
//! one of the operation's routes, read the body, run the operation, answer in SCIM.

use crate::{Description, Reply, Route};
use bytes::Bytes;
use route_table::{Lookup, Params, RouteTable};
use scim::error::ScimError;
use spin_sdk::http::Request;
use spin_sdk::http::body::IncomingBodyExt;

/// What an operation is: the single source for `describe()`, its routing and its permissions.
pub struct Operation {
    /// The component id in spin.toml, e.g. `users-get`.
    pub name: &'static str,
    pub summary: &'static str,
    /// (method, path template) pairs, in both route styles (`/scim/v2/...` and `/v1.0/...`).
    pub routes: &'static [(&'static str, &'static str)],
    /// Microsoft Graph application permissions, least privilege.
    pub graph_permissions: &'static [&'static str],
    /// Those it uses only for attributes returned on request, when a request names them.
    pub graph_permissions_on_request: &'static [&'static str],
}

/// One request, matched to one of the operation's routes.
pub struct Call {
    pub method: String,
    /// The template of the route that matched, e.g. `/scim/v2/Users/{id}`.
    template: &'static str,
    /// The path parameters of the matched route template, e.g. `id`.
    pub params: Params,
    /// The raw query string (without `?`), empty when there is none.
    pub query: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    /// The public base of SCIM resource locations, e.g. `http://127.0.0.1:3000/scim/v2`.
    pub location_base: String,
}

impl Call {
    pub fn route_template(&self) -> &'static str {
        self.template
    }

    /// RFC 7644 §3.14: a change sent with `If-Match` goes ahead only on the version the caller
    /// saw; otherwise 412. `current` is the resource as it is now.
    pub fn require_version(&self, current: &serde_json::Value) -> Result<(), ScimError> {
        match self.header("if-match") {
            Some(expected) if !scim::etag::matches(expected, &scim::etag::version_of(current)) => Err(ScimError::new(
                412,
                None,
                format!("the resource has changed: it is no longer at version {expected}"),
            )),
            _ => Ok(()),
        }
    }

    /// Whether the caller made the change conditional (`If-Match`), so the current version is needed.
    pub fn has_precondition(&self) -> bool {
        self.header("if-match").is_some()
    }

    /// Whether a read sent with `If-None-Match` already has this version.
    pub fn has_version(&self, version: &str) -> bool {
        self.header("if-none-match").is_some_and(|tags| scim::etag::matches(tags, version))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A path parameter the route template guarantees.
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).unwrap_or_default()
    }
}

impl Operation {
    pub fn description(&self) -> Description {
        Description {
            name: self.name.to_string(),
            summary: self.summary.to_string(),
            routes: self
                .routes
                .iter()
                .map(|(method, path)| Route { method: method.to_string(), path: path.to_string() })
                .collect(),
            graph_permissions: self.graph_permissions.iter().map(|p| p.to_string()).collect(),
            graph_permissions_on_request: self.graph_permissions_on_request.iter().map(|p| p.to_string()).collect(),
        }
    }

    /// Runs `handle` on the request and turns its outcome into a SCIM response. Errors, including
    /// requests that none of the operation's routes match, become RFC 7644 error bodies.
    pub async fn serve<F, Fut>(&self, request: Request, handle: F) -> http::Response<spin_sdk::http::FullBody<Bytes>>
    where
        F: FnOnce(Call) -> Fut,
        Fut: Future<Output = Result<Reply, ScimError>>,
    {
        let outcome = async { handle(self.accept(request).await?).await };
        match outcome.await {
            Ok(reply) => reply.into_response(),
            Err(error) => Reply::error(&error).into_response(),
        }
    }

    async fn accept(&self, request: Request) -> Result<Call, ScimError> {
        let (parts, body) = request.into_parts();
        let method = parts.method.as_str().to_string();
        let path = parts.uri.path().to_string();
        let mut table = RouteTable::new();
        for (route_method, template) in self.routes {
            table
                .add(route_method, template, *template)
                .map_err(|e| ScimError::internal(format!("route table of {}: {e}", self.name)))?;
        }
        let (template, params) = match table.lookup(&method, &path) {
            Lookup::Found { target, params, .. } => (*target, params),
            Lookup::MethodNotAllowed { allowed } => {
                return Err(ScimError::method_not_allowed(format!(
                    "{method} is not allowed on {path}; allowed: {}",
                    allowed.join(", ")
                )));
            }
            Lookup::NotFound => {
                return Err(ScimError::not_found(format!("{} does not serve {path}", self.name)));
            }
        };
        let body = body
            .bytes()
            .await
            .map_err(|e| ScimError::invalid_syntax(format!("could not read the request body: {e:?}")))?;
        Ok(Call {
            method,
            template,
            params,
            query: parts.uri.query().unwrap_or_default().to_string(),
            location_base: location_base(&parts.headers, &parts.uri),
            headers: parts.headers,
            body,
        })
    }
}

/// Resource locations use the caller's view of the service, which the gateway passes on in
/// `x-forwarded-host` / `x-forwarded-proto` (the operation itself is only reachable privately).
fn location_base(headers: &http::HeaderMap, uri: &http::Uri) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = header("x-forwarded-host")
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("localhost");
    let proto = header("x-forwarded-proto").unwrap_or("http");
    format!("{proto}://{host}/scim/v2")
}
