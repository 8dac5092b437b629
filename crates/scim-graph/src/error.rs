//! Graph and transport failures -> the SCIM error the caller sees. The caller must learn what it can
//! fix (a duplicate, a bad value, a missing user) and when to retry; credentials problems are the
//! connector's, so they surface as 502 without any detail that could help an attacker.

use graph::Error;
use scim::error::ScimError;

pub fn scim_error(err: &Error) -> ScimError {
    match err {
        Error::Graph {
            status,
            code,
            message,
            request_id,
            retry_after,
        } => {
            let rid = request_id
                .as_deref()
                .map(|id| format!(" (Graph request-id {id})"))
                .unwrap_or_default();
            match status {
                // Adding a member or owner the group already has; a caller that only wants the
                // link to exist (update_group) treats it as done, see [`is_existing_reference`].
                _ if is_existing_reference(err) => ScimError::uniqueness(format!(
                    "the object is already linked to the group: {message}{rid}"
                )),
                _ if is_duplicate(*status, code, message) => {
                    ScimError::uniqueness(format!("{message}{rid}"))
                }
                404 => ScimError::not_found(format!("{message}{rid}")),
                400 => ScimError::invalid_value(format!(
                    "Microsoft Graph refused the request: {message}{rid}"
                )),
                401 | 403 => ScimError::bad_gateway(format!(
                    "Microsoft Graph refused the connector's credentials ({status} {code}){rid}"
                )),
                429 => ScimError::too_many_requests(
                    format!("Microsoft Graph is throttling requests{rid}"),
                    *retry_after,
                ),
                503 => ScimError::service_unavailable(
                    format!("Microsoft Graph is unavailable{rid}"),
                    *retry_after,
                ),
                s if *s >= 500 => {
                    ScimError::bad_gateway(format!("Microsoft Graph failed ({status} {code}){rid}"))
                }
                // Other 4xx (405, 412, 413, ...) mean the connector built a request Graph would not take.
                _ => ScimError::bad_gateway(format!(
                    "Microsoft Graph rejected the request ({status} {code}: {message}){rid}"
                )),
            }
        }
        Error::Token { status, error, .. } => ScimError::bad_gateway(format!(
            "Microsoft Graph refused the connector's credentials (token endpoint answered {status} {error})"
        )),
        Error::Transport(e) => {
            ScimError::bad_gateway(format!("could not reach Microsoft Graph: {}", e.message))
        }
        Error::Decode { context, .. } => ScimError::bad_gateway(format!(
            "Microsoft Graph answered a {context} the connector could not read"
        )),
        Error::InvalidArgument { message } => ScimError::invalid_value(message.clone()),
        // graph::Error may grow; an unknown failure is still Graph's side of the exchange.
        #[allow(unreachable_patterns)]
        other => ScimError::bad_gateway(format!("Microsoft Graph call failed: {other}")),
    }
}

/// Whether Graph refused to add a member or owner because the group already has it: 400
/// "One or more added object references already exist for the following modified properties:
/// 'members'.". [`scim_error`] makes it 409 uniqueness.
pub fn is_existing_reference(err: &Error) -> bool {
    matches!(err, Error::Graph { status: 400, message, .. }
        if message.to_ascii_lowercase().contains("added object references already exist"))
}

/// Graph reports a taken unique value as 400 "Another object with the same value for property
/// userPrincipalName already exists." and some writes as 409 (ObjectConflict).
fn is_duplicate(status: u16, code: &str, message: &str) -> bool {
    status == 409
        || code.eq_ignore_ascii_case("ObjectConflict")
        || code.eq_ignore_ascii_case("Request_MultipleObjectsWithSameKeyValue")
        || (status == 400 && message.contains("already exist"))
}
