//! The mailbox's automatic replies on a SCIM user: read from Graph only when asked for, set at the
//! top level as /Schemas describes them, times in UTC with their `Z`.

mod support;

use graph::{AutomaticRepliesSetting, DateTimeTimeZone};
use scim::discovery::AUTOMATIC_REPLY_ATTRIBUTES;
use scim::patch::PatchRequest;
use scim::query::ListQuery;
use scim::resource::User;
use scim_graph::{UserParts, read_automatic_replies, read_automatic_replies_of, set_automatic_replies, user_to_scim};
use serde_json::json;
use support::{FakeGraph, block_on, with_client};

const GRAPH_USER: &str = include_str!("fixtures/graph_user.json");
const BASE: &str = "https://connector.example/scim/v2";

fn at(date_time: &str, zone: &str) -> Option<DateTimeTimeZone> {
    Some(DateTimeTimeZone {
        date_time: date_time.into(),
        time_zone: Some(zone.into()),
    })
}

fn scheduled() -> AutomaticRepliesSetting {
    AutomaticRepliesSetting {
        status: Some("scheduled".into()),
        external_audience: Some("contactsOnly".into()),
        scheduled_start_date_time: at("2026-07-01T07:00:00.0000000", "UTC"),
        scheduled_end_date_time: at("2026-07-15T07:00:00.0000000", "UTC"),
        internal_reply_message: Some("<p>Back on 15 July</p>".into()),
        external_reply_message: Some("<p>Away until 15 July</p>".into()),
    }
}

fn user_with(replies: &AutomaticRepliesSetting) -> serde_json::Value {
    let graph_user: graph::User = serde_json::from_str(GRAPH_USER).unwrap();
    let mut user = user_to_scim(&graph_user, BASE);
    set_automatic_replies(&mut user, replies);
    user.to_json()
}

#[test]
fn the_automatic_replies_are_set_flat_at_the_top_level() {
    let user = user_with(&scheduled());
    for (name, value) in [
        ("status", "scheduled"),
        ("externalAudience", "contactsOnly"),
        ("scheduledStartDateTime", "2026-07-01T07:00:00Z"),
        ("scheduledEndDateTime", "2026-07-15T07:00:00Z"),
        ("internalReplyMessage", "<p>Back on 15 July</p>"),
        ("externalReplyMessage", "<p>Away until 15 July</p>"),
    ] {
        assert_eq!(user[name], value, "{name}");
    }
    let set: Vec<&str> = AUTOMATIC_REPLY_ATTRIBUTES
        .iter()
        .copied()
        .filter(|name| user.get(*name).is_some())
        .collect();
    assert_eq!(set, AUTOMATIC_REPLY_ATTRIBUTES, "every one /Schemas declares");
    // What /Schemas says the bridge emits is what it emits: checked by user.rs for the rest.
    let core = scim::discovery::schema(scim::schema::USER, BASE).unwrap();
    for name in AUTOMATIC_REPLY_ATTRIBUTES {
        let definition = core["attributes"].as_array().unwrap().iter().find(|a| a["name"] == *name).unwrap();
        let ty = definition["type"].as_str().unwrap();
        let is_date = user[*name].as_str().unwrap().ends_with('Z');
        assert_eq!(ty == "dateTime", is_date, "{name} is a {ty}");
    }
}

#[test]
fn empty_values_are_left_out_and_a_new_reading_replaces_the_old() {
    let graph_user: graph::User = serde_json::from_str(GRAPH_USER).unwrap();
    let mut user = user_to_scim(&graph_user, BASE);
    set_automatic_replies(&mut user, &scheduled());
    // Graph keeps the last schedule and messages after replies are turned off; empty ones say nothing.
    let disabled = AutomaticRepliesSetting {
        status: Some("disabled".into()),
        external_audience: Some("all".into()),
        internal_reply_message: Some(String::new()),
        ..AutomaticRepliesSetting::default()
    };
    set_automatic_replies(&mut user, &disabled);
    let json = user.to_json();
    assert_eq!((&json["status"], &json["externalAudience"]), (&json!("disabled"), &json!("all")));
    for name in ["scheduledStartDateTime", "scheduledEndDateTime", "internalReplyMessage", "externalReplyMessage"] {
        assert!(json.get(name).is_none(), "{name}: {json:#}");
    }
}

#[test]
fn times_outside_utc_keep_their_wall_clock_without_an_offset() {
    let replies = AutomaticRepliesSetting {
        scheduled_start_date_time: at("2026-07-01T09:00:00.5000000", "Pacific Standard Time"),
        scheduled_end_date_time: at("2026-07-15T07:00:00", "etc/utc"),
        ..AutomaticRepliesSetting::default()
    };
    let user = user_with(&replies);
    assert_eq!(user["scheduledStartDateTime"], "2026-07-01T09:00:00.5000000");
    assert_eq!(user["scheduledEndDateTime"], "2026-07-15T07:00:00Z");
    let offset = AutomaticRepliesSetting {
        scheduled_start_date_time: at("2026-07-01T07:00:00+00:00", "UTC"),
        scheduled_end_date_time: at("  ", "UTC"),
        ..AutomaticRepliesSetting::default()
    };
    let user = user_with(&offset);
    assert_eq!(user["scheduledStartDateTime"], "2026-07-01T07:00:00+00:00", "an offset is not doubled");
    assert!(user.get("scheduledEndDateTime").is_none());
}

#[test]
fn reading_them_costs_one_request_and_a_user_without_a_mailbox_has_none() {
    let fake = FakeGraph::new();
    fake.reply(200, json!({"automaticRepliesSetting": {"status": "alwaysEnabled", "externalAudience": "none"}, "timeZone": "UTC"}))
        .error(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
        .error(404, "Request_ResourceNotFound", "Resource 'gone' does not exist or one of its queried reference-property objects are not present.");
    let (found, none, gone) = with_client(&fake, |graph| {
        (
            block_on(read_automatic_replies(graph, "u1")),
            block_on(read_automatic_replies(graph, "guest")),
            block_on(read_automatic_replies(graph, "gone")),
        )
    });
    assert_eq!(found.unwrap().unwrap().status.as_deref(), Some("alwaysEnabled"));
    assert_eq!(none.unwrap(), None);
    assert_eq!(gone.unwrap_err().status, 404);
    assert_eq!(
        fake.calls(),
        ["GET /v1.0/users/u1/mailboxSettings", "GET /v1.0/users/guest/mailboxSettings", "GET /v1.0/users/gone/mailboxSettings"]
    );
}

#[test]
fn a_page_of_users_is_read_20_to_a_batch_and_only_other_failures_fail_it() {
    let answer = |id: usize| match id % 3 {
        0 => json!({"id": id.to_string(), "status": 200, "body": {"automaticRepliesSetting": {"status": "alwaysEnabled"}}}),
        1 => json!({"id": id.to_string(), "status": 404, "body": {"error": {"code": "MailboxNotEnabledForRESTAPI", "message": "no mailbox"}}}),
        _ => json!({"id": id.to_string(), "status": 404, "body": {"error": {"code": "Request_ResourceNotFound", "message": "gone"}}}),
    };
    let fake = FakeGraph::new();
    fake.reply(200, json!({"responses": (1..=20).map(answer).collect::<Vec<_>>()}))
        .reply(200, json!({"responses": [answer(21)]}))
        .reply(200, json!({"responses": [{"id": "1", "status": 403, "body": {"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}}}]}));
    let ids: Vec<String> = (1..=21).map(|i| format!("u{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (page, denied) = with_client(&fake, |graph| {
        (block_on(read_automatic_replies_of(graph, &ids)), block_on(read_automatic_replies_of(graph, &["u1"])))
    });
    let statuses: Vec<Option<String>> = page.unwrap().into_iter().map(|replies| replies.and_then(|r| r.status)).collect();
    let expected: Vec<Option<String>> = (1..=21).map(|i| (i % 3 == 0).then(|| "alwaysEnabled".to_string())).collect();
    assert_eq!(statuses, expected, "no mailbox, or gone since the page was read: none");
    assert_eq!(denied.unwrap_err().status, 502, "without MailboxSettings.Read the operator must learn it");
    assert_eq!(fake.calls(), ["POST /v1.0/$batch"; 3]);
    let urls: Vec<String> = fake.body(1)["requests"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap().to_string()).collect();
    assert_eq!(urls, ["/users/u21/mailboxSettings"]);
    assert_eq!(fake.body(0)["requests"].as_array().unwrap().len(), 20);
}

#[test]
fn a_caller_reads_the_parts_its_attributes_name() {
    let parts = |query: &str| UserParts::asked_by(&ListQuery::from_query_string(query).unwrap());
    assert_eq!(parts(""), UserParts::default());
    assert_eq!(parts("attributes=userName,manager"), UserParts::default());
    for query in ["attributes=status", "attributes=userName,SCHEDULEDENDDATETIME", "attributes=urn:ietf:params:scim:schemas:core:2.0:User:externalReplyMessage"] {
        assert_eq!(parts(query), UserParts { automatic_replies: true, lifecycle_info: false }, "{query}");
    }
    assert_eq!(parts("attributes=endDateTime,status"), UserParts { automatic_replies: true, lifecycle_info: true });
    for query in ["attributes=ENDDATETIME", "attributes=userName,urn:ietf:params:scim:schemas:core:2.0:User:endDateTime"] {
        assert_eq!(parts(query), UserParts { automatic_replies: false, lifecycle_info: true }, "{query}");
    }
    assert_eq!(parts("excludedAttributes=status"), UserParts::default());
    // A filter on the end date is checked by the connector on each user, which must have it.
    let filtered = parts("filter=endDateTime%20lt%20%222026-01-01T00:00:00Z%22%20or%20not%20(manager%20pr)");
    assert_eq!(filtered, UserParts { automatic_replies: false, lifecycle_info: true });
}


#[test]
fn a_write_reads_the_end_date_back_only_when_it_sends_it() {
    let written = |body: serde_json::Value| UserParts::written_by(&User::from_request_body(body.to_string().as_bytes()).unwrap());
    let lifecycle = UserParts { automatic_replies: false, lifecycle_info: true };
    assert_eq!(written(json!({"userName": "a@contoso.com", "title": "Engineer"})), UserParts::default());
    assert_eq!(written(json!({"userName": "a@contoso.com", "EndDateTime": "2030-01-01T00:00:00Z"})), lifecycle);
    // A null clears it: the stored one must be read to tell.
    assert_eq!(written(json!({"userName": "a@contoso.com", "endDateTime": null})), lifecycle);

    let patched = |operations: serde_json::Value| {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
        UserParts::patched_by(&PatchRequest::from_body(body.to_string().as_bytes()).unwrap())
    };
    for operations in [
        json!([{"op": "add", "path": "endDateTime", "value": "2025-03-05T10:00:10Z"}]),
        json!([{"op": "Remove", "path": "urn:ietf:params:scim:schemas:core:2.0:User:ENDDATETIME"}]),
        json!([{"op": "replace", "path": "title", "value": "x"}, {"op": "replace", "value": {"endDateTime": null}}]),
    ] {
        assert_eq!(patched(operations.clone()), lifecycle, "{operations}");
    }
    for operations in [
        json!([{"op": "replace", "path": "title", "value": "endDateTime"}]),
        json!([{"op": "replace", "value": {"startDateTime": "2025-03-05T10:00:10Z"}}]),
        json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:endDateTime", "value": "x"}]),
    ] {
        assert_eq!(patched(operations.clone()), UserParts::default(), "{operations}");
    }
}
