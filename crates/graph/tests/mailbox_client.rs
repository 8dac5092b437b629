//! GraphClient's opt-in reads beyond a user's directory properties, against a fake transport:
//! the mailbox's automatic replies (one more request a user) and the lifecycle properties (a
//! permission the app may not hold).

mod support;

use graph::{
    AutomaticRepliesSetting, DateTimeTimeZone, Error, GraphClient, LIFECYCLE_PROPERTIES,
    MailboxSettings, TokenCache, USER_PROPERTIES, UserQuery,
};
use serde_json::json;
use support::{FakeTransport, block_on, config};

fn with_client<R>(
    transport: &FakeTransport,
    f: impl FnOnce(GraphClient<'_, FakeTransport>) -> R,
) -> R {
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    f(GraphClient::new(transport, &config, &tokens))
}

#[test]
fn mailbox_settings_are_read_with_their_automatic_replies() {
    let transport = FakeTransport::new();
    // Graph's documented answer, with members the connector does not keep.
    transport.token(3600).reply_json(
        200,
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('u1')/mailboxSettings",
            "automaticRepliesSetting": {
                "status": "scheduled",
                "externalAudience": "all",
                "scheduledStartDateTime": {"dateTime": "2016-03-14T07:00:00.0000000", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2016-03-28T07:00:00.0000000", "timeZone": "UTC"},
                "internalReplyMessage": "<html><body>At the reunion</body></html>",
                "externalReplyMessage": "<html><body>Away</body></html>"
            },
            "timeZone": "UTC",
            "language": {"locale": "en-US", "displayName": "English (United States)"},
            "workingHours": {"daysOfWeek": ["monday"], "startTime": "08:00:00.0000000"},
            "userPurpose": {"value": "user"},
            "dateFormat": "MM/dd/yyyy"
        }),
    );
    let settings = with_client(&transport, |c| block_on(c.get_mailbox_settings("u1"))).unwrap();
    let at = |date_time: &str| {
        Some(DateTimeTimeZone {
            date_time: date_time.into(),
            time_zone: Some("UTC".into()),
        })
    };
    assert_eq!(
        settings,
        Some(MailboxSettings {
            automatic_replies_setting: Some(AutomaticRepliesSetting {
                status: Some("scheduled".into()),
                external_audience: Some("all".into()),
                scheduled_start_date_time: at("2016-03-14T07:00:00.0000000"),
                scheduled_end_date_time: at("2016-03-28T07:00:00.0000000"),
                internal_reply_message: Some("<html><body>At the reunion</body></html>".into()),
                external_reply_message: Some("<html><body>Away</body></html>".into()),
            }),
        })
    );
    assert_eq!(
        transport.graph_requests(),
        [(
            "GET".to_string(),
            "https://graph.example/v1.0/users/u1/mailboxSettings".to_string()
        )]
    );
}

#[test]
fn a_user_without_a_reachable_mailbox_has_no_settings_and_an_unknown_user_is_an_error() {
    let transport = FakeTransport::new();
    transport
        .token(3600)
        .reply_json(
            404,
            json!({"error": {"code": "MailboxNotEnabledForRESTAPI",
                             "message": "The mailbox is either inactive, soft-deleted, or is hosted on-premise."}}),
        )
        .reply_json(
            404,
            json!({"error": {"code": "Request_ResourceNotFound",
                             "message": "Resource 'nobody' does not exist or one of its queried reference-property objects are not present."}}),
        )
        .reply_json(
            403,
            json!({"error": {"code": "ErrorAccessDenied", "message": "Access is denied. Check credentials and try again."}}),
        );
    with_client(&transport, |c| {
        assert_eq!(block_on(c.get_mailbox_settings("guest")), Ok(None));
        let unknown = block_on(c.get_mailbox_settings("nobody")).unwrap_err();
        assert!(matches!(unknown, Error::Graph { status: 404, ref code, .. } if code == "Request_ResourceNotFound"), "{unknown:?}");
        // Without MailboxSettings.Read: the caller must learn it, not read "no mailbox".
        let denied = block_on(c.get_mailbox_settings("u1")).unwrap_err();
        assert!(matches!(denied, Error::Graph { status: 403, .. }), "{denied:?}");
        assert!(matches!(
            block_on(c.get_mailbox_settings("")),
            Err(Error::InvalidArgument { .. })
        ));
    });
}

#[test]
fn lifecycle_properties_are_selected_only_when_the_caller_opts_in() {
    let transport = FakeTransport::new();
    let user = json!({"id": "u1", "employeeLeaveDateTime": "2030-03-01T00:00:00Z"});
    // Each client below has a cache of its own, so each fetches a token.
    transport
        .token(3600)
        .token(3600)
        .reply_json(200, user.clone())
        .reply_json(200, user.clone())
        .reply_json(200, json!({"value": [user]}));
    let selected = |uri: &str| {
        let query = uri.split_once('?').unwrap().1;
        let select = query.split('&').find_map(|p| p.strip_prefix("$select=")).unwrap();
        select.split(',').map(str::to_string).collect::<Vec<_>>()
    };
    with_client(&transport, |c| block_on(c.get_user("u1")).unwrap());
    assert_eq!(selected(&transport.last().uri), USER_PROPERTIES);
    assert!(!USER_PROPERTIES.contains(&"employeeLeaveDateTime"));

    let read = with_client(&transport, |c| {
        let c = c.with_lifecycle_info();
        let one = block_on(c.get_user("u1")).unwrap();
        let all = block_on(c.list_users(&UserQuery::default())).unwrap();
        (one, all)
    });
    let everything: Vec<&str> = USER_PROPERTIES.iter().chain(LIFECYCLE_PROPERTIES).copied().collect();
    for (method, uri) in &transport.graph_requests()[1..] {
        assert_eq!((method.as_str(), selected(uri)), ("GET", everything.iter().map(|s| s.to_string()).collect()), "{uri}");
    }
    assert_eq!(read.0.employee_leave_date_time.as_deref(), Some("2030-03-01T00:00:00Z"));
    assert_eq!(read.1.value[0].employee_leave_date_time, read.0.employee_leave_date_time);
}
