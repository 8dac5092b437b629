//! The SCIM error (RFC 7644 §3.12): an HTTP status, an optional `scimType` and a human detail,
//! rendered as the `urn:ietf:params:scim:api:messages:2.0:Error` body. Every failure a caller
//! sees leaves through here, so details must never carry secrets.

use serde_json::{Value, json};
use std::fmt;

use crate::schema;

#[derive(Debug, Clone, PartialEq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<ScimType>,
    pub detail: String,
    /// Seconds, for a `Retry-After` header on 429/503; not part of the JSON body.
    pub retry_after: Option<u64>,
}

/// The `scimType` keywords of RFC 7644 §3.12, Table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    InvalidVers,
    Sensitive,
    /// RFC 9865 §2.1: a cursor the service provider did not issue for this query.
    InvalidCursor,
}

impl ScimType {
    pub const ALL: [ScimType; 11] = [
        ScimType::InvalidFilter,
        ScimType::TooMany,
        ScimType::Uniqueness,
        ScimType::Mutability,
        ScimType::InvalidSyntax,
        ScimType::InvalidPath,
        ScimType::NoTarget,
        ScimType::InvalidValue,
        ScimType::InvalidVers,
        ScimType::Sensitive,
        ScimType::InvalidCursor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
            ScimType::InvalidCursor => "invalidCursor",
        }
    }

    /// The inverse of [`as_str`](Self::as_str); exact spelling, as the RFC defines the keywords.
    pub fn parse(s: &str) -> Option<ScimType> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// 400 with a `scimType`: the RFC ties every keyword but `uniqueness` (409) and
    /// `invalidVers` (412) to 400.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::TooMany, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, None, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, None, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        Self::new(405, None, detail)
    }

    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some(ScimType::Uniqueness), detail)
    }

    /// 412: the `If-Match` version no longer matches.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(412, Some(ScimType::InvalidVers), detail)
    }

    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(413, None, detail)
    }

    /// 429, carrying the upstream's `Retry-After` so the caller backs off as Graph asked.
    pub fn too_many_requests(detail: impl Into<String>, retry_after: Option<u64>) -> Self {
        Self {
            retry_after,
            ..Self::new(429, None, detail)
        }
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(500, None, detail)
    }

    pub fn not_implemented(detail: impl Into<String>) -> Self {
        Self::new(501, None, detail)
    }

    pub fn bad_gateway(detail: impl Into<String>) -> Self {
        Self::new(502, None, detail)
    }

    pub fn service_unavailable(detail: impl Into<String>, retry_after: Option<u64>) -> Self {
        Self {
            retry_after,
            ..Self::new(503, None, detail)
        }
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The RFC 7644 §3.12 body. `status` is a JSON string there (`"404"`, not `404`), and
    /// strict clients reject the number.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [schema::ERROR],
            "status": self.status.to_string(),
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = Value::from(t.as_str());
        }
        body["detail"] = Value::from(self.detail.as_str());
        body
    }

    pub fn to_body(&self) -> Vec<u8> {
        // Serialising a Value built from strings cannot fail.
        serde_json::to_vec(&self.to_json()).unwrap_or_default()
    }

    /// Reads an error body back (tests, and callers relaying another SCIM service's error).
    /// Accepts `status` as a string or a number; `None` if the body is not a SCIM error.
    pub fn from_body(body: &[u8]) -> Option<ScimError> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let is_error = v["schemas"]
            .as_array()?
            .iter()
            .any(|s| s.as_str().is_some_and(|s| schema::urn_eq(s, schema::ERROR)));
        if !is_error {
            return None;
        }
        let status = match &v["status"] {
            Value::String(s) => s.parse().ok()?,
            Value::Number(n) => u16::try_from(n.as_u64()?).ok()?,
            _ => return None,
        };
        let scim_type = v["scimType"].as_str().and_then(ScimType::parse);
        let detail = v["detail"].as_str().unwrap_or_default().to_string();
        Some(ScimError {
            status,
            scim_type,
            detail,
            retry_after: None,
        })
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(t) = self.scim_type {
            write!(f, " {t}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl std::error::Error for ScimError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_string_status_and_scim_type() {
        let e = ScimError::invalid_filter("bad filter at character 3");
        assert_eq!(
            e.to_json(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "bad filter at character 3"
            })
        );
    }

    #[test]
    fn scim_type_is_omitted_when_none() {
        let v = ScimError::not_found("Resource 2819c223 not found").to_json();
        assert_eq!(v["status"], "404");
        assert!(v.get("scimType").is_none(), "{v}");
        assert_eq!(v["detail"], "Resource 2819c223 not found");
    }

    #[test]
    fn constructors_set_status_and_type() {
        let cases = [
            (
                ScimError::bad_request(ScimType::NoTarget, "x"),
                400,
                Some(ScimType::NoTarget),
            ),
            (
                ScimError::invalid_filter("x"),
                400,
                Some(ScimType::InvalidFilter),
            ),
            (
                ScimError::invalid_syntax("x"),
                400,
                Some(ScimType::InvalidSyntax),
            ),
            (
                ScimError::invalid_value("x"),
                400,
                Some(ScimType::InvalidValue),
            ),
            (
                ScimError::invalid_path("x"),
                400,
                Some(ScimType::InvalidPath),
            ),
            (ScimError::mutability("x"), 400, Some(ScimType::Mutability)),
            (ScimError::too_many("x"), 400, Some(ScimType::TooMany)),
            (ScimError::unauthorized("x"), 401, None),
            (ScimError::forbidden("x"), 403, None),
            (ScimError::not_found("x"), 404, None),
            (ScimError::method_not_allowed("x"), 405, None),
            (ScimError::uniqueness("x"), 409, Some(ScimType::Uniqueness)),
            (
                ScimError::precondition_failed("x"),
                412,
                Some(ScimType::InvalidVers),
            ),
            (ScimError::internal("x"), 500, None),
            (ScimError::not_implemented("x"), 501, None),
        ];
        for (e, status, t) in cases {
            assert_eq!((e.status, e.scim_type), (status, t), "{e}");
            assert_eq!(e.retry_after, None);
        }
    }

    #[test]
    fn retry_after_is_carried_but_not_in_the_body() {
        let e = ScimError::too_many_requests("throttled", Some(7));
        assert_eq!((e.status, e.retry_after), (429, Some(7)));
        assert!(!String::from_utf8(e.to_body()).unwrap().contains('7'));
        assert_eq!(
            ScimError::internal("x").with_retry_after(3).retry_after,
            Some(3)
        );
    }

    #[test]
    fn scim_type_strings_match_rfc_7644_table_9_and_rfc_9865() {
        let names: Vec<&str> = ScimType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            [
                "invalidFilter",
                "tooMany",
                "uniqueness",
                "mutability",
                "invalidSyntax",
                "invalidPath",
                "noTarget",
                "invalidValue",
                "invalidVers",
                "sensitive",
                "invalidCursor"
            ]
        );
        for t in ScimType::ALL {
            assert_eq!(ScimType::parse(t.as_str()), Some(t));
        }
        assert_eq!(ScimType::parse("InvalidFilter"), None);
    }

    #[test]
    fn body_round_trips() {
        let e = ScimError::uniqueness("userName \"bjensen\" is taken");
        let back = ScimError::from_body(&e.to_body()).unwrap();
        assert_eq!(back, e);
        assert_eq!(ScimError::from_body(br#"{"status":"404"}"#), None);
        assert_eq!(ScimError::from_body(b"not json"), None);
        let numeric =
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":404}"#;
        assert_eq!(ScimError::from_body(numeric).unwrap().status, 404);
    }

    #[test]
    fn display_shows_status_type_and_detail() {
        assert_eq!(
            ScimError::invalid_value("userName is required").to_string(),
            "400 invalidValue: userName is required"
        );
        assert_eq!(ScimError::not_found("gone").to_string(), "404: gone");
    }
}
