//! What can go wrong talking to Graph, kept close to what Graph said (status, code, request-id,
//! Retry-After) so the SCIM layer can decide what its caller sees. Never carries a secret.

use std::fmt;
use std::time::SystemTime;

use crate::transport::TransportError;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Graph answered with a non-success status.
    Graph {
        status: u16,
        /// Graph's error code, e.g. `Request_ResourceNotFound`; the HTTP reason phrase when the body
        /// was not Graph's JSON error shape.
        code: String,
        message: String,
        request_id: Option<String>,
        /// Seconds from the `Retry-After` header (429 and 503 carry it).
        retry_after: Option<u64>,
    },
    /// The token endpoint refused to issue a token.
    Token {
        status: u16,
        error: String,
        description: String,
    },
    Transport(TransportError),
    /// Graph answered success with something we could not parse.
    Decode {
        context: String,
        message: String,
    },
    /// The caller asked for something no Graph request can express (e.g. an empty user id);
    /// nothing was sent.
    InvalidArgument {
        message: String,
    },
    /// The configured credential cannot be used (e.g. a key that is not a PEM RSA key); nothing
    /// was sent. The message never quotes the credential.
    Credential {
        message: String,
    },
    /// Graph no longer answers a delta round's token: 410 Gone (change tracking was reset) or
    /// an expired token (`syncStateNotFound`, `resyncRequired`). Start a full round over.
    DeltaTokenExpired {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Graph {
                status,
                code,
                message,
                request_id,
                ..
            } => {
                write!(f, "Microsoft Graph answered {status} {code}: {message}")?;
                if let Some(id) = request_id {
                    write!(f, " (request-id {id})")?;
                }
                Ok(())
            }
            Error::Token {
                status,
                error,
                description,
            } => {
                write!(f, "token endpoint answered {status} {error}: {description}")
            }
            Error::Transport(e) => write!(f, "could not reach Microsoft Graph: {e}"),
            Error::Decode { context, message } => write!(f, "could not read {context}: {message}"),
            Error::InvalidArgument { message } => write!(f, "invalid request: {message}"),
            Error::Credential { message } => write!(f, "unusable credential: {message}"),
            Error::DeltaTokenExpired {
                status,
                code,
                message,
                request_id,
            } => {
                write!(
                    f,
                    "Microsoft Graph no longer answers the delta token ({status} {code}: {message}); a full round must start over"
                )?;
                if let Some(id) = request_id {
                    write!(f, " (request-id {id})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

/// Longest slice of a non-JSON body kept in an error: enough to recognise a proxy's error page.
const MAX_BODY_EXCERPT: usize = 300;

pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(MAX_BODY_EXCERPT) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// Builds [`Error::Graph`] from a failed response: Graph's `{"error":{"code","message",
/// "innerError":{"request-id"}}}` body when there is one, the `request-id` and `Retry-After`
/// headers (an HTTP-date Retry-After counts from `now`).
pub(crate) fn from_graph_response(response: &http::Response<Vec<u8>>, now: SystemTime) -> Error {
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let retry_after = header("retry-after").and_then(|v| crate::retry::retry_after_seconds(v, now));
    let header_request_id = header("request-id").map(str::to_string);

    let body: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
    let error = body
        .as_ref()
        .and_then(|b| b.get("error"))
        .filter(|e| e.is_object());
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    match error {
        Some(e) => {
            let inner = e.get("innerError").or_else(|| e.get("innererror"));
            let body_request_id = text(inner.and_then(|i| i.get("request-id")));
            Error::Graph {
                status: status.as_u16(),
                code: text(e.get("code")).unwrap_or_default(),
                message: text(e.get("message")).unwrap_or_default(),
                request_id: body_request_id.or(header_request_id),
                retry_after,
            }
        }
        None => Error::Graph {
            status: status.as_u16(),
            code: status.canonical_reason().unwrap_or("Unknown").to_string(),
            message: excerpt(response.body()),
            request_id: header_request_id,
            retry_after,
        },
    }
}

/// Whether Graph refused to add a member or owner because the group already has it: 400 "One or
/// more added object references already exist for the following modified properties: 'members'.".
pub(crate) fn is_existing_reference(error: &Error) -> bool {
    matches!(error, Error::Graph { status: 400, message, .. }
        if message.to_ascii_lowercase().contains("added object references already exist"))
}
