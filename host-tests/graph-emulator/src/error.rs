//! The two error dialects the emulator speaks: Graph's `{"error":{"code","message",
//! "innerError"}}` for `/v1.0`, and Entra ID's flat `{"error","error_description",
//! "error_codes",...}` for the token endpoint. Codes and messages follow what Graph returns.

use http::StatusCode;
use serde_json::{Value, json};

use crate::clock;

/// A failed Graph request; rendered by the server, which adds `innerError`.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Graph's optional `details` array (e.g. `ObjectConflict` on a duplicate UPN).
    pub details: Option<Value>,
    /// Sent as the `Location` header: where a client starts over after a 410.
    pub location: Option<String>,
    /// Sent as the `Retry-After` header (seconds) with 429 and 503.
    pub retry_after: Option<u64>,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code,
            message: message.into(),
            details: None,
            location: None,
            retry_after: None,
        }
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    /// 404 for an id or userPrincipalName that names nothing.
    pub fn not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    }

    /// 400 from the directory layer (bodies, business rules).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }

    /// 400 from the OData layer (URL syntax, unknown properties).
    pub fn odata(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 400 for queries Graph understands but will not run (advanced queries without the
    /// advanced query parameters, unfilterable properties).
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    }

    pub fn segment_not_found(segment: &str) -> Self {
        Self::odata(format!("Resource not found for the segment '{segment}'."))
    }

    /// A property named in `$select`, `$filter`, `$orderby` or `$expand` that the type
    /// lacks: `resource` as in `microsoft.graph.{resource}`.
    pub fn unknown_property_on(name: &str, resource: &str) -> Self {
        Self::odata(format!(
            "Could not find a property named '{name}' on type 'microsoft.graph.{resource}'."
        ))
    }

    /// A required property absent from a create body (Graph's current wording).
    pub fn property_required(name: &str) -> Self {
        Self::bad_request(format!(
            "Property {name} value is required but is empty or missing."
        ))
        .with_details(json!([{ "code": "PropertyRequired", "target": name }]))
    }

    pub fn invalid_value(name: &str) -> Self {
        Self::invalid_value_on(name, "User")
    }

    /// `label` as Graph names the resource in directory errors: `User`, `Group`.
    pub fn invalid_value_on(name: &str, label: &str) -> Self {
        Self::bad_request(format!(
            "Invalid value specified for property '{name}' of resource '{label}'."
        ))
        .with_details(json!([{ "code": "InvalidValue", "target": name }]))
    }

    /// 400 for an `@odata.id` or `@odata.bind` URL that names no object id.
    pub fn invalid_reference(reference: &str) -> Self {
        Self::bad_request(format!("Invalid object identifier '{reference}'."))
    }

    /// The body Graph sends, with the request's correlation ids.
    pub fn body(&self, request_id: &str, client_request_id: &str) -> Value {
        let mut error = json!({
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": clock::error_date(clock::unix_now()),
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        });
        if let Some(details) = &self.details {
            error["details"] = details.clone();
        }
        json!({ "error": error })
    }
}

/// A failed token request, in Entra ID's (AADSTS) shape.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginError {
    pub status: StatusCode,
    /// The OAuth 2.0 error: `invalid_client`, `invalid_request`, `unauthorized_client`, ...
    pub error: &'static str,
    pub aadsts: u32,
    pub description: String,
}

impl LoginError {
    pub fn new(
        status: StatusCode,
        error: &'static str,
        aadsts: u32,
        description: impl Into<String>,
    ) -> Self {
        LoginError {
            status,
            error,
            aadsts,
            description: description.into(),
        }
    }

    /// Entra ID appends trace, correlation and time to the description and repeats them as
    /// fields; clients log these, so they are present here too.
    pub fn body(&self, trace_id: &str, correlation_id: &str) -> Value {
        let now = clock::unix_now();
        let timestamp = clock::aad_timestamp(now);
        json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
                self.aadsts, self.description
            ),
            "error_codes": [self.aadsts],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.aadsts),
        })
    }
}
