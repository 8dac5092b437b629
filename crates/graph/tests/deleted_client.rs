//! GraphClient's deleted-items operations against a fake transport: listing deleted users and
//! groups, reading and restoring one by id, typed by `@odata.type`, and Graph's refusals.

mod support;

use graph::{
    DeletedItem, Error, GROUP_PROPERTIES, GraphClient, MAX_DELETED_PAGE, TokenCache,
    USER_PROPERTIES,
};
use serde_json::json;
use support::{FakeTransport, block_on, config};

const DELETED: &str = "https://graph.example/v1.0/directory/deletedItems";

fn with_client<R>(
    transport: &FakeTransport,
    f: impl FnOnce(&GraphClient<'_, FakeTransport>) -> R,
) -> R {
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(transport, &config, &tokens);
    f(&client)
}

#[test]
fn deleted_users_and_groups_are_listed_with_their_deletion_time_and_paged() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(
            200,
            json!({"value": [{"id": "u1", "userPrincipalName": "nina@contoso.com",
                              "deletedDateTime": "2026-11-22T10:11:12Z"}],
                   "@odata.nextLink": format!("{DELETED}/microsoft.graph.user?$top=1&$skiptoken=RFNwdAIA%2Bw%3D%3D")}),
        )
        .reply_json(
            200,
            json!({"value": [{"id": "g1", "groupTypes": ["Unified"], "deletedDateTime": "2026-11-22T10:11:13Z"}]}),
        );
    let (users, groups) = with_client(&transport, |c| {
        (
            block_on(c.list_deleted_users(Some(1), None)).unwrap(),
            block_on(c.list_deleted_groups(None, Some("RFNwdAIA+w=="))).unwrap(),
        )
    });
    assert_eq!(
        users.value[0].deleted_date_time.as_deref(),
        Some("2026-11-22T10:11:12Z")
    );
    assert_eq!(users.skip_token.as_deref(), Some("RFNwdAIA+w=="));
    assert!(groups.value[0].is_unified());
    assert_eq!(
        groups.value[0].deleted_date_time.as_deref(),
        Some("2026-11-22T10:11:13Z")
    );

    let requests = transport.graph_requests();
    assert_eq!(
        requests[0],
        (
            "GET".to_string(),
            format!(
                "{DELETED}/microsoft.graph.user?$select={}&$top=1",
                USER_PROPERTIES.join(",")
            )
        )
    );
    assert!(USER_PROPERTIES.contains(&"deletedDateTime"));
    assert_eq!(
        requests[1].1,
        format!(
            "{DELETED}/microsoft.graph.group?$select={}&$skiptoken=RFNwdAIA%2Bw%3D%3D",
            GROUP_PROPERTIES.join(",")
        )
    );
    assert_eq!(transport.last().header("consistencylevel"), None);
}

#[test]
fn a_page_size_graph_would_refuse_and_empty_ids_are_refused_before_sending() {
    let transport = FakeTransport::new();
    with_client(&transport, |c| {
        for top in [0, MAX_DELETED_PAGE + 1] {
            let result = block_on(c.list_deleted_users(Some(top), None));
            assert!(
                matches!(result, Err(Error::InvalidArgument { .. })),
                "{top}"
            );
        }
        assert!(matches!(
            block_on(c.get_deleted_item("")),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            block_on(c.restore_deleted_item("")),
            Err(Error::InvalidArgument { .. })
        ));
    });
    assert!(transport.requests.borrow().is_empty());
}

#[test]
fn get_and_restore_type_the_item_by_its_odata_type() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(
            200,
            json!({"@odata.context": "https://graph.example/v1.0/$metadata#directoryObjects/$entity",
                   "@odata.type": "#microsoft.graph.user", "id": "u1", "deletedDateTime": "2026-11-22T10:11:12Z"}),
        )
        .reply_json(
            200,
            json!({"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Team"}),
        )
        .reply_json(200, json!({"@odata.type": "#microsoft.graph.application", "id": "a1"}));
    let items = with_client(&transport, |c| {
        [
            block_on(c.get_deleted_item("u1")).unwrap(),
            block_on(c.restore_deleted_item("g/1")).unwrap(),
            block_on(c.get_deleted_item("a1")).unwrap(),
        ]
    });
    let DeletedItem::User(user) = &items[0] else {
        panic!("{:?}", items[0]);
    };
    assert_eq!(
        user.deleted_date_time.as_deref(),
        Some("2026-11-22T10:11:12Z")
    );
    let DeletedItem::Group(group) = &items[1] else {
        panic!("{:?}", items[1]);
    };
    assert_eq!(group.display_name.as_deref(), Some("Team"));
    assert!(matches!(&items[2], DeletedItem::Other(v) if v["id"] == "a1"));

    let requests = transport.graph_requests();
    assert_eq!(requests[0], ("GET".to_string(), format!("{DELETED}/u1")));
    assert_eq!(
        requests[1],
        ("POST".to_string(), format!("{DELETED}/g%2F1/restore"))
    );
    assert!(
        transport.requests.borrow()[2].body.is_empty(),
        "restore sends no body"
    );
}

#[test]
fn a_missing_item_and_a_taken_name_come_back_as_graph_errors() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(
            404,
            json!({"error": {"code": "Request_ResourceNotFound", "message": "Resource 'u9' does not exist or one of its queried reference-property objects are not present."}}),
        )
        .reply_json(
            400,
            json!({"error": {"code": "Request_BadRequest", "message": "Another object with the same value for property userPrincipalName already exists."}}),
        );
    let (missing, taken) = with_client(&transport, |c| {
        (
            block_on(c.get_deleted_item("u9")).unwrap_err(),
            block_on(c.restore_deleted_item("u1")).unwrap_err(),
        )
    });
    assert!(
        matches!(&missing, Error::Graph { status: 404, code, .. } if code == "Request_ResourceNotFound"),
        "{missing:?}"
    );
    assert!(
        matches!(&taken, Error::Graph { status: 400, message, .. } if message.contains("userPrincipalName")),
        "{taken:?}"
    );
}
