//! GraphClient against a fake transport: the requests it builds, token caching, and how Graph's
//! failures come back.

mod support;

use std::time::Duration;

use graph::{Error, Filter, GraphClient, Literal, TokenCache, USER_PROPERTIES, UserQuery};
use serde_json::json;
use support::{FakeTransport, SECRET, block_on, config};

const SELECT_AND_EXPAND: &str = "$expand=manager($select=id,displayName)";

fn select() -> String {
    format!("$select={}", USER_PROPERTIES.join(","))
}

#[test]
fn get_user_sends_select_expand_bearer_and_accept() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(200, json!({"id": "u1", "userPrincipalName": "a@b.com", "manager": {"id": "m1", "displayName": "M"}}));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);

    let user = block_on(client.get_user("u1")).unwrap();
    assert_eq!(user.user_principal_name.as_deref(), Some("a@b.com"));
    assert_eq!(user.manager.unwrap().id, "m1");

    let requests = transport.requests.borrow();
    let token = &requests[0];
    assert_eq!(
        (token.method.as_str(), token.uri.as_str()),
        ("POST", "https://login.example/tenant-1/oauth2/v2.0/token")
    );
    assert_eq!(
        token.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        token.body_text(),
        "client_id=client-1&scope=https%3A%2F%2Fgraph.example%2F.default&grant_type=client_credentials\
         &client_secret=s3cr3t%2B%2F%3D%26value"
    );
    let get = &requests[1];
    assert_eq!(get.method, "GET");
    assert_eq!(
        get.uri,
        format!(
            "https://graph.example/v1.0/users/u1?{}&$expand=manager($select%3Did,displayName)",
            select()
        )
    );
    assert_eq!(get.header("authorization"), Some("Bearer token-1"));
    assert_eq!(get.header("accept"), Some("application/json"));
    assert_eq!(get.header("consistencylevel"), None);
}

#[test]
fn user_ids_are_escaped_as_one_path_segment() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, json!({"id": "g"}))
        .reply_json(200, json!({"id": "d"}));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);

    block_on(client.get_user("guest_x.com#EXT#@t.onmicrosoft.com")).unwrap();
    block_on(client.get_user("$adm'in@t.com")).unwrap();
    let uris: Vec<String> = transport
        .graph_requests()
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    assert!(
        uris[0].starts_with(
            "https://graph.example/v1.0/users/guest_x.com%23EXT%23@t.onmicrosoft.com?$select="
        ),
        "{}",
        uris[0]
    );
    // Graph reads a leading `$` as a system segment, so the key form is used.
    assert!(
        uris[1].starts_with("https://graph.example/v1.0/users('%24adm%27%27in@t.com')?$select="),
        "{}",
        uris[1]
    );
}

#[test]
fn empty_id_is_refused_before_anything_is_sent() {
    let transport = FakeTransport::new();
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    assert!(matches!(
        block_on(client.delete_user("")),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        block_on(client.get_user("")),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(transport.requests.borrow().is_empty());
}

#[test]
fn token_is_fetched_once_and_reused_across_calls_and_clients() {
    let transport = FakeTransport::new();
    transport.token(3600);
    for _ in 0..3 {
        transport.reply(204, &[], "");
    }
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    block_on(GraphClient::new(&transport, &config, &tokens).delete_user("a")).unwrap();
    block_on(GraphClient::new(&transport, &config, &tokens).delete_user("b")).unwrap();
    support::advance(Duration::from_secs(3000)); // still 5 min before expiry
    block_on(GraphClient::new(&transport, &config, &tokens).delete_user("c")).unwrap();
    assert_eq!(transport.token_request_count(), 1);
    assert!(
        transport
            .requests
            .borrow()
            .iter()
            .skip(1)
            .all(|r| r.header("authorization") == Some("Bearer token-1"))
    );
}

#[test]
fn token_is_refreshed_five_minutes_before_expiry() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .token(3600)
        .reply(204, &[], "")
        .reply(204, &[], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    block_on(client.delete_user("a")).unwrap();
    support::advance(Duration::from_secs(3600 - 300));
    block_on(client.delete_user("b")).unwrap();
    assert_eq!(transport.token_request_count(), 2);
    assert_eq!(
        transport.last().header("authorization"),
        Some("Bearer token-2")
    );
}

#[test]
fn short_lived_tokens_are_still_reused_for_half_their_life() {
    let transport = FakeTransport::new();
    transport
        .token(60)
        .token(60)
        .reply(204, &[], "")
        .reply(204, &[], "")
        .reply(204, &[], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    block_on(client.delete_user("a")).unwrap();
    support::advance(Duration::from_secs(29));
    block_on(client.delete_user("b")).unwrap();
    assert_eq!(transport.token_request_count(), 1);
    support::advance(Duration::from_secs(1));
    block_on(client.delete_user("c")).unwrap();
    assert_eq!(transport.token_request_count(), 2);
}

#[test]
fn a_401_drops_the_token_and_retries_once_with_a_fresh_one() {
    let transport = FakeTransport::new();
    let unauthorized = json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}});
    transport
        .token(3600)
        .token(3600)
        .reply_json(401, unauthorized.clone())
        .reply(204, &[], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    block_on(client.delete_user("a")).unwrap();
    assert_eq!(transport.token_request_count(), 2);
    assert_eq!(
        transport.last().header("authorization"),
        Some("Bearer token-2")
    );

    // A second 401 in a row is Graph's final word.
    transport
        .token(3600)
        .reply_json(401, unauthorized.clone())
        .reply_json(401, unauthorized);
    let err = block_on(client.delete_user("b")).unwrap_err();
    assert!(
        matches!(err, Error::Graph { status: 401, ref code, .. } if code == "InvalidAuthenticationToken"),
        "{err:?}"
    );
    assert_eq!(transport.graph_requests().len(), 4);
}

#[test]
fn list_users_with_a_standard_filter_encodes_it_and_skips_advanced_parameters() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, json!({"value": [{"id": "u1"}]}));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let query = UserQuery {
        filter: Some(Filter::Eq(
            "userPrincipalName".into(),
            Literal::Str("o'neil+x@b.com".into()),
        )),
        top: Some(25),
        ..Default::default()
    };
    let page = block_on(client.list_users(&query)).unwrap();
    assert_eq!(page.value.len(), 1);
    assert_eq!(
        (page.next_link, page.skip_token, page.count),
        (None, None, None)
    );

    let last = transport.last();
    assert_eq!(
        last.uri,
        format!(
            "https://graph.example/v1.0/users?{}&{}&$filter=userPrincipalName%20eq%20%27o%27%27neil%2Bx%40b.com%27&$top=25",
            select(),
            SELECT_AND_EXPAND.replace("$select=", "$select%3D")
        )
    );
    assert_eq!(last.header("consistencylevel"), None);
    // The URL must parse as a URI and its filter must decode back to the OData text.
    let uri: http::Uri = last.uri.parse().unwrap();
    let filter = uri
        .query()
        .unwrap()
        .split('&')
        .find_map(|p| p.strip_prefix("$filter="))
        .unwrap();
    assert_eq!(decode(filter), "userPrincipalName eq 'o''neil+x@b.com'");
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn list_users_with_an_advanced_filter_adds_consistency_level_and_count() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(
        200,
        json!({"@odata.count": 2, "value": [{"id": "u1"}, {"id": "u2"}],
               "@odata.nextLink": "https://graph.example/v1.0/users?$select=id&$count=true&$skiptoken=RFNwdAIAAQ%2BAA%3D%3D"}),
    );
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let query = UserQuery {
        filter: Some(Filter::EndsWith("mail".into(), "@contoso.com".into())),
        ..Default::default()
    };
    let page = block_on(client.list_users(&query)).unwrap();
    assert_eq!(page.count, Some(2));
    assert_eq!(page.skip_token.as_deref(), Some("RFNwdAIAAQ+AA=="));

    let last = transport.last();
    assert_eq!(last.header("consistencylevel"), Some("eventual"));
    assert!(
        last.uri
            .ends_with("&$filter=endswith(mail,%27%40contoso.com%27)&$count=true"),
        "{}",
        last.uri
    );
}

#[test]
fn count_alone_makes_an_advanced_query() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, json!({"@odata.count": 0, "value": []}));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    block_on(client.list_users(&UserQuery {
        count: true,
        ..Default::default()
    }))
    .unwrap();
    let last = transport.last();
    assert_eq!(last.header("consistencylevel"), Some("eventual"));
    assert!(last.uri.ends_with("&$count=true"), "{}", last.uri);
    assert!(!last.uri.contains("$filter"));
}

#[test]
fn list_users_continues_with_the_skip_token_and_the_same_query() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, json!({"value": [{"id": "u3"}]}));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let query = UserQuery {
        filter: Some(Filter::StartsWith("displayName".into(), "A".into())),
        top: Some(2),
        skip_token: Some("RFNwdAIAAQ+AA==".into()),
        count: false,
        order_by: None,
    };
    let page = block_on(client.list_users(&query)).unwrap();
    assert_eq!(page.value[0].id.as_deref(), Some("u3"));
    let last = transport.last();
    assert!(
        last.uri.ends_with(
            "&$filter=startswith(displayName,%27A%27)&$top=2&$skiptoken=RFNwdAIAAQ%2BAA%3D%3D"
        ),
        "{}",
        last.uri
    );
}

#[test]
fn create_update_delete_and_manager_requests() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(201, json!({"id": "new-id", "userPrincipalName": "n@b.com"}))
        .reply(204, &[], "")
        .reply(204, &[], "")
        .reply(204, &[], "")
        .reply(204, &[], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);

    let body = json!({"userPrincipalName": "n@b.com", "accountEnabled": true});
    let created = block_on(client.create_user(&body)).unwrap();
    assert_eq!(created.id.as_deref(), Some("new-id"));
    {
        let last = transport.last();
        assert_eq!(
            (last.method.as_str(), last.uri.as_str()),
            ("POST", "https://graph.example/v1.0/users")
        );
        assert_eq!(last.header("content-type"), Some("application/json"));
        assert_eq!(last.body_json(), body);
    }

    block_on(client.update_user("new-id", &json!({"jobTitle": "CEO"}))).unwrap();
    {
        let last = transport.last();
        assert_eq!(
            (last.method.as_str(), last.uri.as_str()),
            ("PATCH", "https://graph.example/v1.0/users/new-id")
        );
        assert_eq!(last.body_json(), json!({"jobTitle": "CEO"}));
    }

    block_on(client.set_manager("new-id", "boss-id")).unwrap();
    {
        let last = transport.last();
        assert_eq!(
            (last.method.as_str(), last.uri.as_str()),
            (
                "PUT",
                "https://graph.example/v1.0/users/new-id/manager/$ref"
            )
        );
        assert_eq!(
            last.body_json(),
            json!({"@odata.id": "https://graph.example/v1.0/users/boss-id"})
        );
    }

    block_on(client.remove_manager("new-id")).unwrap();
    assert_eq!(transport.last().method, "DELETE");
    assert_eq!(
        transport.last().uri,
        "https://graph.example/v1.0/users/new-id/manager/$ref"
    );

    block_on(client.delete_user("new-id")).unwrap();
    let last = transport.last();
    assert_eq!(
        (last.method.as_str(), last.uri.as_str()),
        ("DELETE", "https://graph.example/v1.0/users/new-id")
    );
    assert!(last.body.is_empty());
    assert_eq!(last.header("content-type"), None);
}

#[test]
fn trailing_slashes_in_base_urls_do_not_double() {
    let transport = FakeTransport::new();
    transport.token(3600).reply(204, &[], "");
    let mut config = config();
    config.graph_base_url.push('/');
    config.login_base_url.push('/');
    let tokens = TokenCache::with_clock(support::now);
    block_on(GraphClient::new(&transport, &config, &tokens).delete_user("x")).unwrap();
    let requests = transport.requests.borrow();
    assert_eq!(
        requests[0].uri,
        "https://login.example/tenant-1/oauth2/v2.0/token"
    );
    assert!(
        requests[0]
            .body_text()
            .contains("scope=https%3A%2F%2Fgraph.example%2F.default&")
    );
    assert_eq!(requests[1].uri, "https://graph.example/v1.0/users/x");
}

#[test]
fn graph_error_body_and_headers_are_parsed() {
    let transport = FakeTransport::new();
    transport.token(3600).reply(
        404,
        &[("content-type", "application/json"), ("request-id", "header-rid")],
        json!({"error": {"code": "Request_ResourceNotFound", "message": "Resource 'x' does not exist.",
               "innerError": {"date": "2024-01-01T00:00:00", "request-id": "body-rid", "client-request-id": "c"}}})
        .to_string(),
    );
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let err = block_on(GraphClient::new(&transport, &config, &tokens).get_user("x")).unwrap_err();
    assert_eq!(
        err,
        Error::Graph {
            status: 404,
            code: "Request_ResourceNotFound".into(),
            message: "Resource 'x' does not exist.".into(),
            request_id: Some("body-rid".into()),
            retry_after: None,
        }
    );
    assert_eq!(
        err.to_string(),
        "Microsoft Graph answered 404 Request_ResourceNotFound: Resource 'x' does not exist. (request-id body-rid)"
    );
}

#[test]
fn throttling_carries_retry_after_and_the_header_request_id() {
    let transport = FakeTransport::new();
    transport.token(3600).reply(
        429,
        &[("Retry-After", "17"), ("request-id", "rid-429")],
        json!({"error": {"code": "TooManyRequests", "message": "Too many requests"}}).to_string(),
    );
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let err =
        block_on(GraphClient::new(&transport, &config, &tokens).list_users(&UserQuery::default()))
            .unwrap_err();
    assert!(
        matches!(err, Error::Graph { status: 429, retry_after: Some(17), request_id: Some(ref r), .. } if r == "rid-429"),
        "{err:?}"
    );
}

#[test]
fn a_non_json_error_body_still_becomes_a_graph_error() {
    let transport = FakeTransport::new();
    transport.token(3600).reply(
        503,
        // 90 s after the test clock's 1_700_000_000 (22:13:20).
        &[("Retry-After", "Tue, 14 Nov 2023 22:14:50 GMT")],
        "<html>Service Unavailable</html>",
    );
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let err =
        block_on(GraphClient::new(&transport, &config, &tokens).delete_user("x")).unwrap_err();
    assert_eq!(
        err,
        Error::Graph {
            status: 503,
            code: "Service Unavailable".into(),
            message: "<html>Service Unavailable</html>".into(),
            request_id: None,
            retry_after: Some(90), // the HTTP-date form, counted on the client's clock
        }
    );
}

#[test]
fn token_endpoint_refusal_is_a_token_error_without_the_secret() {
    let transport = FakeTransport::new();
    transport.token_reply(Ok(support::response(
        401,
        &[],
        json!({"error": "invalid_client", "error_description": format!("AADSTS7000215: Invalid client secret provided ({SECRET}).")}).to_string(),
    )));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let err = block_on(GraphClient::new(&transport, &config, &tokens).get_user("x")).unwrap_err();
    match &err {
        Error::Token {
            status,
            error,
            description,
        } => {
            assert_eq!((*status, error.as_str()), (401, "invalid_client"));
            assert!(description.starts_with("AADSTS7000215"), "{description}");
        }
        other => panic!("expected a token error, got {other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains(SECRET));
    assert!(
        transport.graph_requests().is_empty(),
        "no Graph call without a token"
    );
}

#[test]
fn token_response_without_access_token_is_a_decode_error() {
    let transport = FakeTransport::new();
    transport.token_reply(Ok(support::response(
        200,
        &[],
        r#"{"token_type":"Bearer"}"#.into(),
    )));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let err = block_on(GraphClient::new(&transport, &config, &tokens).get_user("x")).unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref context, .. } if context == "token response"),
        "{err:?}"
    );
}

#[test]
fn transport_failure_and_undecodable_success_are_reported() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .fail("connection refused")
        .reply(200, &[], "not json");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let err = block_on(client.get_user("x")).unwrap_err();
    assert_eq!(
        err,
        Error::Transport(graph::TransportError::new("connection refused"))
    );
    assert!(std::error::Error::source(&err).is_some());
    let err = block_on(client.list_users(&UserQuery::default())).unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref context, .. } if context == "user page"),
        "{err:?}"
    );
}

#[test]
fn debug_output_never_shows_the_secret_or_token() {
    let transport = FakeTransport::new();
    transport.token(3600).reply(204, &[], "");
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    block_on(GraphClient::new(&transport, &config, &tokens).delete_user("x")).unwrap();
    let shown = format!("{config:?} {tokens:?}");
    assert!(
        !shown.contains(SECRET) && !shown.contains("token-1"),
        "{shown}"
    );
    assert!(shown.contains("<redacted>"));
}

#[test]
fn order_by_is_sent_as_an_advanced_query() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(200, json!({"value": []}));
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let query = UserQuery {
        filter: Some(Filter::StartsWith("displayName".into(), "A".into())),
        order_by: Some(graph::OrderBy { property: "displayName".into(), descending: true }),
        ..Default::default()
    };
    block_on(client.list_users(&query)).unwrap();
    let last = transport.last();
    assert!(last.uri.contains("&$orderby=displayName%20desc"), "{}", last.uri);
    assert!(last.uri.contains("$count=true"), "{}", last.uri);
    assert_eq!(last.header("consistencylevel"), Some("eventual"));
}
