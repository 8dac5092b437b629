//! Graph failures -> SCIM errors: status, scimType, retry_after and a detail without secrets.

use graph::{Error, TransportError};
use scim::error::ScimType;
use scim_graph::{is_existing_reference, scim_error};

fn graph(status: u16, code: &str, message: &str) -> Error {
    Error::Graph {
        status,
        code: code.into(),
        message: message.into(),
        request_id: Some("rid-1".into()),
        retry_after: None,
    }
}

#[test]
fn translation_table() {
    let cases: Vec<(Error, u16, Option<ScimType>)> = vec![
        (
            graph(
                404,
                "Request_ResourceNotFound",
                "Resource 'x' does not exist.",
            ),
            404,
            None,
        ),
        (
            graph(
                400,
                "Request_BadRequest",
                "Another object with the same value for property userPrincipalName already exists.",
            ),
            409,
            Some(ScimType::Uniqueness),
        ),
        (
            graph(409, "ObjectConflict", "conflict"),
            409,
            Some(ScimType::Uniqueness),
        ),
        (
            graph(
                400,
                "Request_BadRequest",
                "Invalid value specified for property 'mailNickname' of resource 'User'.",
            ),
            400,
            Some(ScimType::InvalidValue),
        ),
        (
            graph(401, "InvalidAuthenticationToken", "Access token is empty."),
            502,
            None,
        ),
        (
            graph(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ),
            502,
            None,
        ),
        (graph(500, "UnknownError", ""), 502, None),
        (graph(504, "Gateway Timeout", "<html>"), 502, None),
        (graph(405, "Request_BadRequest", "method"), 502, None),
        (
            Error::Token {
                status: 401,
                error: "invalid_client".into(),
                description: "AADSTS7000215".into(),
            },
            502,
            None,
        ),
        (
            Error::Transport(TransportError::new("connection refused")),
            502,
            None,
        ),
        (
            Error::Decode {
                context: "user".into(),
                message: "expected value".into(),
            },
            502,
            None,
        ),
        (
            Error::InvalidArgument {
                message: "empty user id".into(),
            },
            400,
            Some(ScimType::InvalidValue),
        ),
    ];
    for (err, status, scim_type) in cases {
        let scim = scim_error(&err);
        assert_eq!((scim.status, scim.scim_type), (status, scim_type), "{err}");
        assert_eq!(scim.retry_after, None, "{err}");
    }
}

#[test]
fn graph_message_and_request_id_reach_the_detail() {
    let e = scim_error(&graph(
        400,
        "Request_BadRequest",
        "Invalid value specified for property 'usageLocation'.",
    ));
    assert_eq!(
        e.detail,
        "Microsoft Graph refused the request: Invalid value specified for property 'usageLocation'. (Graph request-id rid-1)"
    );
    let e = scim_error(&graph(
        404,
        "Request_ResourceNotFound",
        "Resource 'x' does not exist.",
    ));
    assert_eq!(
        e.detail,
        "Resource 'x' does not exist. (Graph request-id rid-1)"
    );
    let no_rid = Error::Graph {
        status: 404,
        code: "c".into(),
        message: "gone".into(),
        request_id: None,
        retry_after: None,
    };
    assert_eq!(scim_error(&no_rid).detail, "gone");
}

#[test]
fn throttling_and_unavailability_keep_status_and_retry_after() {
    let throttled = Error::Graph {
        status: 429,
        code: "TooManyRequests".into(),
        message: "".into(),
        request_id: None,
        retry_after: Some(30),
    };
    let e = scim_error(&throttled);
    assert_eq!((e.status, e.retry_after), (429, Some(30)));
    let down = Error::Graph {
        status: 503,
        code: "ServiceUnavailable".into(),
        message: "".into(),
        request_id: Some("r".into()),
        retry_after: Some(5),
    };
    let e = scim_error(&down);
    assert_eq!((e.status, e.retry_after), (503, Some(5)));
    assert!(e.detail.contains("request-id r"));
}

#[test]
fn credential_failures_say_so_without_the_token_endpoint_description() {
    let e = scim_error(&graph(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    ));
    assert!(
        e.detail
            .starts_with("Microsoft Graph refused the connector's credentials"),
        "{}",
        e.detail
    );
    let token = Error::Token {
        status: 401,
        error: "invalid_client".into(),
        description: "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is the client secret value".into(),
    };
    let e = scim_error(&token);
    assert!(
        e.detail
            .starts_with("Microsoft Graph refused the connector's credentials"),
        "{}",
        e.detail
    );
    assert!(
        !e.detail.contains("AADSTS") && !e.detail.contains("secret"),
        "{}",
        e.detail
    );
}

#[test]
fn transport_and_decode_failures_are_short() {
    let e = scim_error(&Error::Transport(TransportError::new(
        "dns error: graph.example",
    )));
    assert_eq!(
        e.detail,
        "could not reach Microsoft Graph: dns error: graph.example"
    );
    let e = scim_error(&Error::Decode {
        context: "user page".into(),
        message: "expected `,` at line 1 column 9000".into(),
    });
    assert_eq!(
        e.detail,
        "Microsoft Graph answered a user page the connector could not read"
    );
}

#[test]
fn adding_an_existing_member_is_detectable_and_a_uniqueness_conflict() {
    let exists = graph(
        400,
        "Request_BadRequest",
        "One or more added object references already exist for the following modified properties: 'members'.",
    );
    assert!(is_existing_reference(&exists));
    let e = scim_error(&exists);
    assert_eq!((e.status, e.scim_type), (409, Some(ScimType::Uniqueness)));
    assert!(
        e.detail
            .starts_with("the object is already linked to the group: One or more added")
            && e.detail.ends_with("(Graph request-id rid-1)"),
        "{}",
        e.detail
    );
    // Other duplicates and other failures are not it.
    for other in [
        graph(
            400,
            "Request_BadRequest",
            "Another object with the same value for property mailNickname already exists.",
        ),
        graph(
            404,
            "Request_ResourceNotFound",
            "Resource 'u1' does not exist.",
        ),
        Error::Transport(TransportError::new("added object references already exist")),
    ] {
        assert!(!is_existing_reference(&other), "{other}");
    }
}
