//! GraphClient's group operations against a fake transport: the requests they build (URLs,
//! bodies, headers), paging through members, and how Graph's refusals come back.

mod support;

use graph::{
    Error, Filter, GROUP_PROPERTIES, GraphClient, GroupQuery, Literal, ObjectKind, TokenCache,
};
use serde_json::json;
use support::{FakeTransport, block_on, config};

const MEMBERS: &str = "https://graph.example/v1.0/groups/g1/members";

fn select() -> String {
    format!("$select={}", GROUP_PROPERTIES.join(","))
}

/// Runs `f` with a client over `transport` (which already has its replies queued after a token).
fn with_client<R>(
    transport: &FakeTransport,
    f: impl FnOnce(&GraphClient<'_, FakeTransport>) -> R,
) -> R {
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(transport, &config, &tokens);
    f(&client)
}

fn member_page(ids: &[&str], next_token: Option<&str>) -> serde_json::Value {
    let value: Vec<_> = ids
        .iter()
        .map(|id| json!({"@odata.type": "#microsoft.graph.user", "id": id, "displayName": format!("User {id}")}))
        .collect();
    let mut page = json!({"@odata.context": "https://graph.example/v1.0/$metadata#directoryObjects(id,displayName)", "value": value});
    if let Some(token) = next_token {
        page["@odata.nextLink"] = json!(format!(
            "{MEMBERS}?$select=id,displayName&$top=999&$skiptoken={token}"
        ));
    }
    page
}

#[test]
fn get_group_selects_every_property_the_connector_reads() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(
        200,
        json!({"id": "g1", "displayName": "Sales", "groupTypes": [], "securityEnabled": true}),
    );
    let group = with_client(&transport, |c| block_on(c.get_group("g1"))).unwrap();
    assert_eq!(group.display_name.as_deref(), Some("Sales"));
    assert_eq!(group.security_enabled, Some(true));

    let last = transport.last();
    assert_eq!(last.method, "GET");
    assert_eq!(
        last.uri,
        "https://graph.example/v1.0/groups/g1?$select=id,displayName,description,mailNickname,\
         mailEnabled,securityEnabled,groupTypes,mail,visibility,createdDateTime,deletedDateTime"
    );
    assert_eq!(last.header("authorization"), Some("Bearer token-1"));
    assert_eq!(last.header("consistencylevel"), None);
}

#[test]
fn group_and_member_ids_are_escaped_and_empty_ones_refused() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, json!({"id": "x"}))
        .reply(204, &[], "");
    with_client(&transport, |c| {
        block_on(c.get_group("a/b?c#d")).unwrap();
        block_on(c.remove_member("g 1", "m/1")).unwrap();
        for result in [
            block_on(c.get_group("")).map(|_| ()),
            block_on(c.update_group("", &json!({}))),
            block_on(c.delete_group("")),
            block_on(c.add_member("", "u1")),
            block_on(c.add_member("g1", "")),
            block_on(c.remove_owner("g1", "")),
            block_on(c.list_owners("", 10, None)).map(|_| ()),
        ] {
            assert!(
                matches!(result, Err(Error::InvalidArgument { .. })),
                "{result:?}"
            );
        }
    });
    let uris: Vec<String> = transport
        .graph_requests()
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    assert_eq!(uris.len(), 2, "nothing is sent for an empty id: {uris:?}");
    assert!(
        uris[0].starts_with("https://graph.example/v1.0/groups/a%2Fb%3Fc%23d?$select="),
        "{}",
        uris[0]
    );
    assert_eq!(
        uris[1],
        "https://graph.example/v1.0/groups/g%201/members/m%2F1/$ref"
    );
}

#[test]
fn list_groups_with_a_standard_filter_is_not_an_advanced_query() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(
        200,
        json!({"value": [{"id": "g1", "displayName": "Sales & Marketing"}]}),
    );
    let query = GroupQuery {
        filter: Some(Filter::Eq(
            "displayName".into(),
            Literal::Str("Sales & Marketing".into()),
        )),
        top: Some(50),
        ..Default::default()
    };
    let page = with_client(&transport, |c| block_on(c.list_groups(&query))).unwrap();
    assert_eq!(page.value[0].id.as_deref(), Some("g1"));
    assert_eq!(
        (page.next_link, page.skip_token, page.count),
        (None, None, None)
    );

    let last = transport.last();
    assert_eq!(
        last.uri,
        format!(
            "https://graph.example/v1.0/groups?{}&$filter=displayName%20eq%20%27Sales%20%26%20Marketing%27&$top=50",
            select()
        )
    );
    assert_eq!(last.header("consistencylevel"), None);
}

#[test]
fn list_groups_with_an_advanced_filter_adds_consistency_level_count_and_continues() {
    let transport = FakeTransport::new();
    // Two clients with their own token caches: one token each.
    transport
        .token(3600)
        .token(3600)
        .reply_json(
            200,
            json!({"@odata.count": 3, "value": [{"id": "g1"}, {"id": "g2"}],
                   "@odata.nextLink": "https://graph.example/v1.0/groups?$count=true&$skiptoken=RFNwdAIA%2Bw%3D%3D"}),
        )
        .reply_json(200, json!({"value": [{"id": "g3"}]}));
    let mut query = GroupQuery {
        filter: Some(Filter::EndsWith("mailNickname".into(), "-team".into())),
        top: Some(2),
        ..Default::default()
    };
    let first = with_client(&transport, |c| block_on(c.list_groups(&query))).unwrap();
    assert_eq!(first.count, Some(3));
    assert_eq!(first.skip_token.as_deref(), Some("RFNwdAIA+w=="));
    {
        let last = transport.last();
        assert_eq!(last.header("consistencylevel"), Some("eventual"));
        assert!(
            last.uri
                .ends_with("&$filter=endswith(mailNickname,%27-team%27)&$top=2&$count=true"),
            "{}",
            last.uri
        );
    }

    query.skip_token = first.skip_token;
    let second = with_client(&transport, |c| block_on(c.list_groups(&query))).unwrap();
    assert_eq!(second.value[0].id.as_deref(), Some("g3"));
    assert!(
        transport
            .last()
            .uri
            .ends_with("&$top=2&$count=true&$skiptoken=RFNwdAIA%2Bw%3D%3D"),
        "{}",
        transport.last().uri
    );
}

#[test]
fn count_alone_makes_list_groups_an_advanced_query() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, json!({"@odata.count": 0, "value": []}));
    let query = GroupQuery {
        count: true,
        ..Default::default()
    };
    with_client(&transport, |c| block_on(c.list_groups(&query))).unwrap();
    let last = transport.last();
    assert_eq!(last.header("consistencylevel"), Some("eventual"));
    assert_eq!(
        last.uri,
        format!("https://graph.example/v1.0/groups?{}&$count=true", select())
    );
}

#[test]
fn an_unreadable_group_page_is_a_decode_error_naming_it() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .token(3600)
        .reply(200, &[], "<html>")
        .reply(200, &[], "{\"value\": 5}");
    let err = with_client(&transport, |c| {
        block_on(c.list_groups(&GroupQuery::default()))
    })
    .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref context, .. } if context == "group page"),
        "{err:?}"
    );
    let err = with_client(&transport, |c| block_on(c.list_members("g1", 5, None))).unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref context, .. } if context == "member page"),
        "{err:?}"
    );
}

#[test]
fn create_update_and_delete_group_requests() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(
            201,
            json!({"id": "new-g", "displayName": "Ops", "mailNickname": "ops"}),
        )
        .reply(204, &[], "")
        .reply(204, &[], "");
    let body = json!({"displayName": "Ops", "mailNickname": "ops", "mailEnabled": false, "securityEnabled": true});
    with_client(&transport, |c| {
        let created = block_on(c.create_group(&body)).unwrap();
        assert_eq!(created.id.as_deref(), Some("new-g"));
        {
            let last = transport.last();
            assert_eq!(
                (last.method.as_str(), last.uri.as_str()),
                ("POST", "https://graph.example/v1.0/groups")
            );
            assert_eq!(last.header("content-type"), Some("application/json"));
            assert_eq!(last.body_json(), body);
        }

        block_on(c.update_group("new-g", &json!({"description": "On call"}))).unwrap();
        {
            let last = transport.last();
            assert_eq!(
                (last.method.as_str(), last.uri.as_str()),
                ("PATCH", "https://graph.example/v1.0/groups/new-g")
            );
            assert_eq!(last.body_json(), json!({"description": "On call"}));
        }

        block_on(c.delete_group("new-g")).unwrap();
        let last = transport.last();
        assert_eq!(
            (last.method.as_str(), last.uri.as_str()),
            ("DELETE", "https://graph.example/v1.0/groups/new-g")
        );
        assert!(last.body.is_empty());
        assert_eq!(last.header("content-type"), None);
    });
}

#[test]
fn members_and_owners_are_listed_a_page_at_a_time() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, member_page(&["u1", "u2"], Some("T%2B1")))
        .reply_json(200, json!({"value": [
            {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp1", "displayName": "App"}
        ]}));
    with_client(&transport, |c| {
        let page = block_on(c.list_members("g1", 2, None)).unwrap();
        assert_eq!(page.value.len(), 2);
        assert_eq!(page.value[1].display_name.as_deref(), Some("User u2"));
        assert_eq!(page.value[0].kind(), ObjectKind::User);
        assert_eq!(page.skip_token.as_deref(), Some("T+1"));
        assert_eq!(
            transport.last().uri,
            format!("{MEMBERS}?$select=id,displayName&$top=2")
        );

        let owners = block_on(c.list_owners("g1", 999, Some("T+1"))).unwrap();
        assert_eq!(owners.value[0].kind(), ObjectKind::ServicePrincipal);
        assert_eq!(owners.skip_token, None);
        let last = transport.last();
        assert_eq!(
            last.uri,
            "https://graph.example/v1.0/groups/g1/owners?$select=id,displayName&$top=999&$skiptoken=T%2B1"
        );
        assert_eq!(last.header("consistencylevel"), None);
    });
}

#[test]
fn a_member_page_size_graph_would_refuse_is_refused_before_sending() {
    let transport = FakeTransport::new();
    with_client(&transport, |c| {
        for top in [0, 1000] {
            let err = block_on(c.list_members("g1", top, None)).unwrap_err();
            assert!(
                matches!(err, Error::InvalidArgument { ref message } if message.contains(&top.to_string())),
                "{err:?}"
            );
        }
    });
    assert!(transport.requests.borrow().is_empty());
}

#[test]
fn all_members_follows_skip_tokens_to_the_last_page() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, member_page(&["u1", "u2"], Some("A")))
        .reply_json(200, member_page(&["u3"], Some("B%3D")))
        .reply_json(200, member_page(&["u4"], None));
    let members = with_client(&transport, |c| block_on(c.all_members("g1", 4))).unwrap();
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["u1", "u2", "u3", "u4"]);
    let uris: Vec<String> = transport
        .graph_requests()
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    assert_eq!(
        uris,
        [
            format!("{MEMBERS}?$select=id,displayName&$top=999"),
            format!("{MEMBERS}?$select=id,displayName&$top=999&$skiptoken=A"),
            format!("{MEMBERS}?$select=id,displayName&$top=999&$skiptoken=B%3D"),
        ]
    );
}

#[test]
fn all_members_refuses_a_group_larger_than_the_limit() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, member_page(&["u1", "u2"], Some("A")))
        .reply_json(200, member_page(&["u3", "u4"], Some("B")));
    let err = with_client(&transport, |c| block_on(c.all_members("g1", 3))).unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { ref message } if message.contains("more than the 3 members")),
        "{err:?}"
    );
    assert_eq!(
        transport.graph_requests().len(),
        2,
        "stops at the page that overflows"
    );
}

#[test]
fn all_members_stops_on_a_next_link_it_cannot_follow() {
    let transport = FakeTransport::new();
    let mut no_token = member_page(&["u1"], None);
    no_token["@odata.nextLink"] = json!(format!("{MEMBERS}?$top=999"));
    transport
        .token(3600)
        .reply_json(200, no_token)
        .reply_json(200, member_page(&[], Some("SAME")))
        .reply_json(200, member_page(&[], Some("SAME")));
    with_client(&transport, |c| {
        let err = block_on(c.all_members("g1", 100)).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref context, .. } if context == "member page"),
            "{err:?}"
        );
        // A token Graph hands back unchanged would loop for ever.
        let err = block_on(c.all_members("g1", 100)).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    });
    assert_eq!(transport.graph_requests().len(), 3);
}

#[test]
fn all_members_passes_a_failure_on_a_later_page_through() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, member_page(&["u1"], Some("A")))
        .reply(
            429,
            &[("Retry-After", "3")],
            json!({"error": {"code": "TooManyRequests", "message": "slow down"}}).to_string(),
        );
    let err = with_client(&transport, |c| block_on(c.all_members("g1", 100))).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Graph {
                status: 429,
                retry_after: Some(3),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn members_and_owners_are_added_and_removed_by_reference() {
    let transport = FakeTransport::new();
    transport.token(3600);
    for _ in 0..4 {
        transport.reply(204, &[], "");
    }
    with_client(&transport, |c| {
        block_on(c.add_member("g1", "u1")).unwrap();
        {
            let last = transport.last();
            assert_eq!(
                (last.method.as_str(), last.uri.as_str()),
                ("POST", "https://graph.example/v1.0/groups/g1/members/$ref")
            );
            assert_eq!(last.header("content-type"), Some("application/json"));
            assert_eq!(
                last.body_json(),
                json!({"@odata.id": "https://graph.example/v1.0/directoryObjects/u1"})
            );
        }
        block_on(c.add_owner("g1", "sp 1")).unwrap();
        {
            let last = transport.last();
            assert_eq!(
                (last.method.as_str(), last.uri.as_str()),
                ("POST", "https://graph.example/v1.0/groups/g1/owners/$ref")
            );
            assert_eq!(
                last.body_json(),
                json!({"@odata.id": "https://graph.example/v1.0/directoryObjects/sp%201"})
            );
        }
        block_on(c.remove_member("g1", "u1")).unwrap();
        assert_eq!(
            (
                transport.last().method.clone(),
                transport.last().uri.clone()
            ),
            (
                "DELETE".to_string(),
                "https://graph.example/v1.0/groups/g1/members/u1/$ref".to_string()
            )
        );
        block_on(c.remove_owner("g1", "u2")).unwrap();
        let last = transport.last();
        assert_eq!(
            (last.method.as_str(), last.uri.as_str()),
            (
                "DELETE",
                "https://graph.example/v1.0/groups/g1/owners/u2/$ref"
            )
        );
        assert!(last.body.is_empty());
    });
}

#[test]
fn graph_refusals_of_member_changes_come_back_as_graph_said() {
    let transport = FakeTransport::new();
    let exists = "One or more added object references already exist for the following modified properties: 'members'.";
    transport
        .token(3600)
        .reply_json(400, json!({"error": {"code": "Request_BadRequest", "message": exists}}))
        .reply_json(404, json!({"error": {"code": "Request_ResourceNotFound",
            "message": "Resource 'u9' does not exist or one of its queried reference-property objects are not present."}}));
    with_client(&transport, |c| {
        let err = block_on(c.add_member("g1", "u1")).unwrap_err();
        assert!(
            matches!(err, Error::Graph { status: 400, ref message, .. } if message == exists),
            "{err:?}"
        );
        let err = block_on(c.remove_member("g1", "u9")).unwrap_err();
        assert!(
            matches!(err, Error::Graph { status: 404, ref code, .. } if code == "Request_ResourceNotFound"),
            "{err:?}"
        );
    });
}
