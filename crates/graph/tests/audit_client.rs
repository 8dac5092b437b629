//! GraphClient's directory audit listing against a fake transport: the filter a query becomes,
//! paging by skip token, decoding entries and their targets, and refused date literals.

mod support;

use graph::{AuditQuery, DateTimeOffset, DirectoryAudit, Error, GraphClient, TokenCache};
use serde_json::json;
use support::{FakeTransport, block_on, config};

const AUDITS: &str = "https://graph.example/v1.0/auditLogs/directoryAudits";

fn with_client<R>(
    transport: &FakeTransport,
    f: impl FnOnce(&GraphClient<'_, FakeTransport>) -> R,
) -> R {
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(transport, &config, &tokens);
    f(&client)
}

fn at(text: &str) -> DateTimeOffset {
    DateTimeOffset::parse(text).unwrap()
}

fn entry() -> serde_json::Value {
    json!({
        "id": "Directory_7f0d_1",
        "category": "GroupManagement",
        "correlationId": "7f0d",
        "result": "success",
        "resultReason": "",
        "activityDisplayName": "Add member to group",
        "activityDateTime": "2026-11-22T10:11:12.1234567Z",
        "loggedByService": "Core Directory",
        "operationType": "Assign",
        "initiatedBy": {"app": {"appId": "client-1"}, "user": null},
        "targetResources": [
            {"id": "u1", "displayName": "Nina", "type": "User", "userPrincipalName": "nina@contoso.com",
             "modifiedProperties": [{"displayName": "Group.ObjectID", "oldValue": null, "newValue": "\"g1\""}]},
            {"id": "g1", "displayName": "Sales", "Type": "Group", "userPrincipalName": null, "groupType": "azureAD"}
        ],
        "additionalDetails": []
    })
}

#[test]
fn a_time_range_category_and_activities_become_one_filter_without_advanced_headers() {
    let transport = FakeTransport::new();
    transport.token(3600).reply_json(
        200,
        json!({"value": [entry()],
               "@odata.nextLink": format!("{AUDITS}?$top=50&$skiptoken=RFNwdAIA%2Bw%3D%3D")}),
    );
    let mut query = AuditQuery {
        start: Some(at("2026-11-22T00:00:00Z")),
        end: Some(at("2026-11-22T23:59:59.9999999+01:00")),
        category: Some("UserManagement".into()),
        activities: vec!["Add user".into(), "Update user".into()],
        top: Some(50),
        skip_token: None,
    };
    let page = with_client(&transport, |c| block_on(c.list_directory_audits(&query))).unwrap();
    assert_eq!(page.skip_token.as_deref(), Some("RFNwdAIA+w=="));
    {
        let last = transport.last();
        assert_eq!(last.method, "GET");
        assert_eq!(
            last.uri,
            format!(
                "{AUDITS}?$filter=activityDateTime%20ge%202026-11-22T00:00:00Z%20and%20\
                 activityDateTime%20le%202026-11-22T23:59:59.9999999%2B01:00%20and%20\
                 category%20eq%20%27UserManagement%27%20and%20\
                 (activityDisplayName%20eq%20%27Add%20user%27%20or%20activityDisplayName%20eq%20%27Update%20user%27)\
                 &$top=50"
            )
        );
        assert_eq!(last.header("consistencylevel"), None);
        assert_eq!(last.header("authorization"), Some("Bearer token-1"));
    }

    // A second client, with a token cache of its own.
    transport.token(3600).reply_json(200, json!({"value": []}));
    query.skip_token = page.skip_token;
    let next = with_client(&transport, |c| block_on(c.list_directory_audits(&query))).unwrap();
    assert!(next.value.is_empty() && next.skip_token.is_none());
    assert!(
        transport
            .last()
            .uri
            .ends_with("&$top=50&$skiptoken=RFNwdAIA%2Bw%3D%3D"),
        "{}",
        transport.last().uri
    );
}

#[test]
fn an_empty_query_lists_everything_and_quotes_are_doubled() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(200, json!({"value": []}))
        .reply_json(200, json!({"value": []}));
    with_client(&transport, |c| {
        block_on(c.list_directory_audits(&AuditQuery::default())).unwrap();
        assert_eq!(transport.last().uri, AUDITS);
        let query = AuditQuery {
            activities: vec!["It's".into()],
            ..Default::default()
        };
        block_on(c.list_directory_audits(&query)).unwrap();
    });
    assert_eq!(
        transport.last().uri,
        format!("{AUDITS}?$filter=activityDisplayName%20eq%20%27It%27%27s%27")
    );
    assert_eq!(
        AuditQuery {
            end: Some(at("2026-01-01T00:00:00Z")),
            ..Default::default()
        }
        .filter()
        .unwrap()
        .to_odata(),
        "activityDateTime le 2026-01-01T00:00:00Z"
    );
}

#[test]
fn entries_decode_with_their_targets_and_keep_the_rest() {
    let audit: DirectoryAudit = serde_json::from_value(entry()).unwrap();
    assert_eq!(audit.id, "Directory_7f0d_1");
    assert_eq!(audit.category, "GroupManagement");
    assert_eq!(audit.activity_display_name, "Add member to group");
    assert_eq!(audit.activity_date_time, "2026-11-22T10:11:12.1234567Z");
    assert_eq!(
        (audit.operation_type.as_str(), audit.result.as_str()),
        ("Assign", "success")
    );
    let targets: Vec<(Option<&str>, Option<&str>, Option<&str>)> = audit
        .target_resources
        .iter()
        .map(|t| {
            (
                t.id.as_deref(),
                t.r#type.as_deref(),
                t.user_principal_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        [
            (Some("u1"), Some("User"), Some("nina@contoso.com")),
            (Some("g1"), Some("Group"), None)
        ]
    );
    assert_eq!(audit.target_resources[1].other["groupType"], "azureAD");
    assert_eq!(
        audit.target_resources[0].other["modifiedProperties"][0]["displayName"],
        "Group.ObjectID"
    );
    assert_eq!(audit.other["correlationId"], "7f0d");
    assert_eq!(audit.other["initiatedBy"]["app"]["appId"], "client-1");

    let sparse: DirectoryAudit =
        serde_json::from_value(json!({"id": "x", "targetResources": null})).unwrap();
    assert!(sparse.target_resources.is_empty() && sparse.category.is_empty());
}

#[test]
fn a_date_that_is_not_a_date_time_offset_never_reaches_a_filter() {
    for text in ["yesterday", "2026-11-22", "2026-11-22T10:11:12Z or true"] {
        assert!(
            matches!(
                DateTimeOffset::parse(text),
                Err(Error::InvalidArgument { .. })
            ),
            "{text}"
        );
    }
}
