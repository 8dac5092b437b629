//! GraphClient's delta queries against a fake transport: the requests that start a round, the
//! links it follows (and refuses to), how entries, removals and `@delta` relationships decode,
//! and the error that tells the caller to start over.

mod support;

use graph::{
    DeltaItem, DeltaNext, DeltaRequest, Error, GROUP_PROPERTIES, GraphClient, LinkChange,
    ObjectKind, RemovalReason, TokenCache, USER_PROPERTIES,
};
use serde_json::json;
use support::{FakeTransport, block_on, config};

const USERS_DELTA: &str = "https://graph.example/v1.0/users/delta";
const GROUPS_DELTA: &str = "https://graph.example/v1.0/groups/delta";

fn with_client<R>(
    transport: &FakeTransport,
    f: impl FnOnce(&GraphClient<'_, FakeTransport>) -> R,
) -> R {
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(transport, &config, &tokens);
    f(&client)
}

fn link(id: &str, kind: ObjectKind, removed: bool) -> LinkChange {
    LinkChange {
        id: id.into(),
        kind,
        removed,
    }
}

#[test]
fn a_user_round_starts_with_every_property_and_the_manager_and_decodes_each_entry() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(
        200,
        json!({
            "@odata.context": "https://graph.example/v1.0/$metadata#users",
            "@odata.nextLink": format!("{USERS_DELTA}?$skiptoken=abc"),
            "value": [
                { "id": "u1", "displayName": "Adele", "accountEnabled": true,
                  "manager@delta": [{ "@odata.type": "#microsoft.graph.user", "id": "m1" }] },
                { "id": "u2", "displayName": "Lee",
                  "manager@delta": [{ "@odata.type": "#microsoft.graph.user", "id": "m1", "@removed": { "reason": "deleted" } }] },
                { "id": "u3", "displayName": "No manager news" },
                { "id": "u4", "@removed": { "reason": "changed" } },
                { "id": "u5", "@removed": { "reason": "deleted" } },
                { "id": "u6", "@removed": { "reason": "somethingNew" } }
            ]
        }),
    );
    let page = with_client(&transport, |c| {
        block_on(c.users_delta(&DeltaRequest::Start))
    })
    .unwrap();
    assert_eq!(
        transport.last().uri,
        format!(
            "{USERS_DELTA}?$select={},manager",
            USER_PROPERTIES.join(",")
        )
    );
    assert_eq!(transport.last().header("consistencylevel"), None);
    assert_eq!(
        page.next,
        DeltaNext::Next(format!("{USERS_DELTA}?$skiptoken=abc"))
    );
    assert_eq!(page.items.len(), 6);
    let DeltaItem::Present(adele) = &page.items[0] else {
        panic!("present")
    };
    assert_eq!(adele.user.display_name.as_deref(), Some("Adele"));
    assert_eq!(adele.user.account_enabled, Some(true));
    assert_eq!(adele.manager, Some(link("m1", ObjectKind::User, false)));
    assert!(
        !adele.user.other.contains_key("manager@delta"),
        "taken out, not left among other properties"
    );
    let DeltaItem::Present(lee) = &page.items[1] else {
        panic!("present")
    };
    assert_eq!(lee.manager, Some(link("m1", ObjectKind::User, true)));
    let DeltaItem::Present(quiet) = &page.items[2] else {
        panic!("present")
    };
    assert_eq!(quiet.manager, None);
    let removed: Vec<_> = page.items[3..]
        .iter()
        .map(|item| match item {
            DeltaItem::Removed { id, reason } => (id.as_str(), *reason),
            DeltaItem::Present(_) => panic!("removed"),
        })
        .collect();
    assert_eq!(
        removed,
        vec![
            ("u4", RemovalReason::Changed),
            ("u5", RemovalReason::Deleted),
            ("u6", RemovalReason::Changed),
        ]
    );
}

#[test]
fn a_group_round_tracks_members_and_owners_and_decodes_their_changes() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(
        200,
        json!({
            "@odata.deltaLink": format!("{GROUPS_DELTA}?$deltatoken=next-round"),
            "value": [
                { "id": "g1", "displayName": "Sales", "groupTypes": [],
                  "members@delta": [
                      { "@odata.type": "#microsoft.graph.user", "id": "u1" },
                      { "@odata.type": "#microsoft.graph.group", "id": "g2" },
                      { "@odata.type": "#microsoft.graph.user", "id": "u2", "@removed": { "reason": "deleted" } }
                  ],
                  "owners@delta": [{ "@odata.type": "#microsoft.graph.user", "id": "u9" }] },
                { "id": "g3", "displayName": "Quiet" }
            ]
        }),
    );
    let page = with_client(&transport, |c| {
        block_on(c.groups_delta(&DeltaRequest::Start))
    })
    .unwrap();
    assert_eq!(
        transport.last().uri,
        format!(
            "{GROUPS_DELTA}?$select={},members,owners",
            GROUP_PROPERTIES.join(",")
        )
    );
    assert_eq!(
        page.next,
        DeltaNext::Done(format!("{GROUPS_DELTA}?$deltatoken=next-round"))
    );
    let DeltaItem::Present(sales) = &page.items[0] else {
        panic!("present")
    };
    assert_eq!(sales.group.display_name.as_deref(), Some("Sales"));
    assert_eq!(
        sales.members,
        vec![
            link("u1", ObjectKind::User, false),
            link("g2", ObjectKind::Group, false),
            link("u2", ObjectKind::User, true),
        ]
    );
    assert_eq!(sales.owners, vec![link("u9", ObjectKind::User, false)]);
    assert!(sales.group.other.is_empty(), "{:?}", sales.group.other);
    let DeltaItem::Present(quiet) = &page.items[1] else {
        panic!("present")
    };
    assert!(quiet.members.is_empty() && quiet.owners.is_empty());
}

#[test]
fn latest_asks_for_a_delta_link_from_now_on() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(
        200,
        json!({ "@odata.deltaLink": format!("{USERS_DELTA}?$deltatoken=now"), "value": [] }),
    );
    let page = with_client(&transport, |c| {
        block_on(c.users_delta(&DeltaRequest::Latest))
    })
    .unwrap();
    assert!(
        transport
            .last()
            .uri
            .ends_with(",manager&$deltatoken=latest")
    );
    assert!(page.items.is_empty());
    assert_eq!(
        page.next,
        DeltaNext::Done(format!("{USERS_DELTA}?$deltatoken=now"))
    );
}

#[test]
fn links_are_followed_as_given_on_the_graph_host_only() {
    let transport = FakeTransport::new();
    let empty = json!({ "@odata.deltaLink": format!("{GROUPS_DELTA}?$deltatoken=d"), "value": [] });
    // Each client below starts with an empty token cache: one token per followed link.
    transport
        .token(3600)
        .token(3600)
        .token(3600)
        .reply_json(200, empty.clone())
        .reply_json(200, empty.clone())
        .reply_json(200, empty);
    let followed = [
        format!("{GROUPS_DELTA}?$skiptoken=a%2Bb&$select=ignored"),
        "HTTPS://GRAPH.EXAMPLE/v1.0/groups/microsoft.graph.delta()?$deltatoken=x".to_string(),
        format!("{GROUPS_DELTA}()?$deltatoken=y"),
    ];
    for url in &followed {
        with_client(&transport, |c| {
            block_on(c.groups_delta(&DeltaRequest::Continue(url.clone())))
        })
        .unwrap();
    }
    let sent: Vec<String> = transport
        .graph_requests()
        .into_iter()
        .map(|(_, uri)| uri)
        .collect();
    assert_eq!(
        sent,
        vec![
            followed[0].clone(),
            "https://graph.example/v1.0/groups/microsoft.graph.delta()?$deltatoken=x".to_string(),
            followed[2].clone(),
        ],
        "the link's path and query, on the configured base"
    );

    for refused in [
        "https://graph.example.evil/v1.0/groups/delta?$skiptoken=a",
        "https://graph.example@evil.example/v1.0/groups/delta?$skiptoken=a",
        "https://graph.example:8443/v1.0/groups/delta?$skiptoken=a",
        "http://graph.example/v1.0/groups/delta?$skiptoken=a",
        "https://evil.example/v1.0/groups/delta?$skiptoken=a",
        "https://graph.example/v1.0/users/delta?$skiptoken=a",
        "https://graph.example/beta/groups/delta?$skiptoken=a",
        "https://graph.example/v1.0/groups/g1?$skiptoken=a",
        "https://graph.example/v1.0/groups/delta/extra?$skiptoken=a",
        "/v1.0/groups/delta?$skiptoken=a",
        "",
    ] {
        let result = with_client(&transport, |c| {
            block_on(c.groups_delta(&DeltaRequest::Continue(refused.to_string())))
        });
        assert!(
            matches!(result, Err(Error::InvalidArgument { .. })),
            "{refused}: {result:?}"
        );
    }
    assert_eq!(
        (
            transport.graph_requests().len(),
            transport.token_request_count()
        ),
        (3, 3),
        "nothing sent for a refused link, not even a token request"
    );
}

#[test]
fn gone_and_expired_tokens_say_start_over_and_other_refusals_stay_graph_errors() {
    let transport = FakeTransport::new();
    let error = |code: &str| json!({ "error": { "code": code, "message": "no", "innerError": { "request-id": "r1" } } });
    transport
        .token(3600)
        .token(3600)
        .token(3600)
        .token(3600)
        .reply(
            410,
            &[(
                "location",
                "https://graph.example/v1.0/users/delta?$deltatoken=",
            )],
            error("resyncRequired").to_string(),
        )
        .reply_json(400, error("syncStateNotFound"))
        .reply_json(410, json!({}))
        .reply_json(400, error("Request_BadRequest"));
    let link = DeltaRequest::Continue(format!("{USERS_DELTA}?$deltatoken=old"));
    let mut results = Vec::new();
    for _ in 0..4 {
        results.push(with_client(&transport, |c| block_on(c.users_delta(&link))).unwrap_err());
    }
    assert_eq!(
        results[0],
        Error::DeltaTokenExpired {
            status: 410,
            code: "resyncRequired".into(),
            message: "no".into(),
            request_id: Some("r1".into()),
        }
    );
    assert!(
        results[0]
            .to_string()
            .contains("a full round must start over")
    );
    assert!(
        matches!(&results[1], Error::DeltaTokenExpired { status: 400, code, .. } if code == "syncStateNotFound")
    );
    assert!(matches!(
        &results[2],
        Error::DeltaTokenExpired { status: 410, .. }
    ));
    assert!(
        matches!(&results[3], Error::Graph { status: 400, code, .. } if code == "Request_BadRequest")
    );
}

#[test]
fn a_page_without_a_way_on_or_with_an_odd_entry_does_not_decode() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .token(3600)
        .token(3600)
        .reply_json(200, json!({ "value": [] }))
        .reply_json(
            200,
            json!({ "@odata.deltaLink": "d", "value": [{ "@removed": { "reason": "deleted" } }] }),
        )
        .reply_json(
            200,
            json!({ "@odata.deltaLink": "d", "value": [{ "id": "g1", "members@delta": "not a list" }] }),
        );
    for expected in ["neither a next link", "without an id", "invalid type"] {
        let result = with_client(&transport, |c| {
            block_on(c.groups_delta(&DeltaRequest::Start))
        });
        match result {
            Err(Error::Decode { context, message }) => {
                assert_eq!(context, "group delta page");
                assert!(message.contains(expected), "{message}");
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
}
