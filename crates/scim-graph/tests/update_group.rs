//! update_group against a fake Graph: the order of its requests (properties, removals,
//! additions, several members in one `$batch`), membership changes that are already true, and
//! members Graph does not know.

mod support;

use scim::Group;
use scim::error::ScimType;
use scim::resource::MemberRef;
use scim_graph::{group_to_scim, update_group};
use serde_json::json;
use support::{FakeGraph, block_on, with_client};

const GRAPH_GROUP: &str = include_str!("fixtures/graph_group.json");
const GID: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
const EXISTS: &str = "One or more added object references already exist for the following modified properties: 'members'.";

fn not_found(id: &str) -> String {
    format!(
        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
    )
}

fn group(members: &[&str]) -> Group {
    let graph: graph::Group = serde_json::from_str(GRAPH_GROUP).unwrap();
    let mut group = group_to_scim(&graph, None, "https://c.example/scim/v2");
    group.members = members
        .iter()
        .map(|id| MemberRef {
            value: Some(id.to_string()),
            r#type: Some("User".into()),
            ..MemberRef::default()
        })
        .collect();
    group
}

fn add(member: &str) -> String {
    format!("POST /v1.0/groups/{GID}/members/$ref {member}")
}

fn remove(member: &str) -> String {
    format!("DELETE /v1.0/groups/{GID}/members/{member}/$ref")
}

fn run(fake: &FakeGraph, before: &Group, after: &Group) -> Result<(), scim::ScimError> {
    with_client(fake, |graph| {
        block_on(update_group(graph, GID, before, after))
    })
}

const BATCH: &str = "POST /v1.0/$batch";

/// A `$batch` answer: each request's status, with Graph's error body where it failed.
fn batch_answer(answers: &[(u16, Option<(&str, &str)>)]) -> serde_json::Value {
    let responses: Vec<_> = answers
        .iter()
        .enumerate()
        .map(|(i, (status, error))| {
            let mut answer = json!({ "id": (i + 1).to_string(), "status": status, "headers": {} });
            if let Some((code, message)) = error {
                answer["body"] = json!({ "error": { "code": code, "message": message } });
            }
            answer
        })
        .collect();
    json!({ "responses": responses })
}

/// The `@odata.id`s a `$batch` request body adds, in order.
fn batched_references(body: &serde_json::Value) -> Vec<String> {
    body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {} {}", r["method"].as_str().unwrap(), r["url"].as_str().unwrap(), r["body"]["@odata.id"].as_str().unwrap_or_default()))
        .collect()
}

#[test]
fn properties_then_removals_then_additions_several_in_one_batch() {
    let before = group(&["u1", "u2", "u3"]);
    let mut after = group(&["u3", "u4", "u2", "u5"]);
    after.display_name = Some("HR Taskforce 2025".into());
    let fake = FakeGraph::new();
    fake.no_content().no_content().reply(200, batch_answer(&[(204, None), (204, None)]));

    run(&fake, &before, &after).unwrap();
    assert_eq!(fake.calls(), [format!("PATCH /v1.0/groups/{GID}"), remove("u1"), BATCH.to_string()]);
    assert_eq!(fake.body(0), json!({"displayName": "HR Taskforce 2025"}));
    assert_eq!(
        batched_references(&fake.body(2)),
        [
            format!("POST /groups/{GID}/members/$ref https://graph.example/v1.0/directoryObjects/u4"),
            format!("POST /groups/{GID}/members/$ref https://graph.example/v1.0/directoryObjects/u5"),
        ]
    );
}

#[test]
fn nothing_changed_sends_nothing_and_member_changes_alone_skip_the_property_update() {
    let fake = FakeGraph::new();
    run(&fake, &group(&["u1"]), &group(&["u1"])).unwrap();
    assert!(fake.calls().is_empty());

    fake.no_content();
    run(&fake, &group(&["u1"]), &group(&[])).unwrap();
    assert_eq!(fake.calls(), [remove("u1")]);
}

#[test]
fn adding_a_member_already_there_and_removing_one_already_gone_succeed() {
    let fake = FakeGraph::new();
    fake.error(404, "Request_ResourceNotFound", &not_found("u1"))
        .reply(200, batch_answer(&[(400, Some(("Request_BadRequest", EXISTS))), (204, None)]));
    run(&fake, &group(&["u1"]), &group(&["u2", "u3"])).unwrap();
    assert_eq!(fake.calls(), [remove("u1"), BATCH.to_string()]);
    assert_eq!(fake.unanswered(), 0);
}

#[test]
fn an_unknown_member_is_an_invalid_value_naming_it() {
    let fake = FakeGraph::new();
    fake.reply(200, batch_answer(&[(204, None), (404, Some(("Request_ResourceNotFound", &not_found("u9")))), (204, None)]));
    let err = run(&fake, &group(&[]), &group(&["u2", "u9", "u3"])).unwrap_err();
    assert_eq!(
        (err.status, err.scim_type, err.detail.as_str()),
        (
            400,
            Some(ScimType::InvalidValue),
            "member u9 does not exist"
        )
    );
    assert_eq!(fake.calls(), [BATCH.to_string()], "one batch carries the three additions");
}

#[test]
fn a_member_graph_refuses_is_an_invalid_value_naming_it() {
    let fake = FakeGraph::new();
    fake.error(
        400,
        "Request_BadRequest",
        "Invalid object identifier 'https://graph.example/v1.0/directoryObjects/not-a-guid'.",
    );
    let err = run(&fake, &group(&[]), &group(&["not-a-guid"])).unwrap_err();
    assert_eq!(
        (err.status, err.scim_type),
        (400, Some(ScimType::InvalidValue))
    );
    assert!(
        err.detail
            .starts_with("member not-a-guid cannot be added: ")
            && err.detail.contains("Invalid object identifier"),
        "{}",
        err.detail
    );
}

#[test]
fn a_group_that_is_gone_is_not_found_not_an_idempotent_removal() {
    let fake = FakeGraph::new();
    fake.error(404, "Request_ResourceNotFound", &not_found(GID));
    let err = run(&fake, &group(&["u1"]), &group(&[])).unwrap_err();
    assert_eq!(err.status, 404);

    let fake = FakeGraph::new();
    fake.error(
        404,
        "Request_ResourceNotFound",
        &not_found(&GID.to_uppercase()),
    );
    let err = run(&fake, &group(&[]), &group(&["u1"])).unwrap_err();
    assert_eq!(err.status, 404, "{}", err.detail);
}

#[test]
fn a_failed_property_update_changes_no_members() {
    let fake = FakeGraph::new();
    fake.error(
        400,
        "Request_BadRequest",
        "Another object with the same value for property mailNickname already exists.",
    );
    let before = group(&["u1"]);
    let mut after = group(&["u2"]);
    after.external_id = Some("taken".into());
    let err = run(&fake, &before, &after).unwrap_err();
    assert_eq!(
        (err.status, err.scim_type),
        (409, Some(ScimType::Uniqueness))
    );
    assert_eq!(fake.calls(), [format!("PATCH /v1.0/groups/{GID}")]);
}

#[test]
fn throttling_on_a_member_change_keeps_retry_after() {
    let fake = FakeGraph::new();
    fake.no_content().throttle(7);
    let err = run(&fake, &group(&["u0"]), &group(&["u1"])).unwrap_err();
    assert_eq!((err.status, err.retry_after), (429, Some(7)));
    assert_eq!(fake.calls(), [remove("u0"), add("u1")]);
}

#[test]
fn an_invalid_new_state_is_refused_before_graph_is_called() {
    let fake = FakeGraph::new();
    let mut after = group(&["u2"]);
    after.display_name = None;
    let err = run(&fake, &group(&["u1"]), &after).unwrap_err();
    assert_eq!(
        (err.status, err.scim_type),
        (400, Some(ScimType::InvalidValue))
    );
    assert!(fake.calls().is_empty());
}

#[test]
fn removing_what_graph_always_keeps_is_a_mutability_error() {
    use scim_graph::{GROUP_ATTRIBUTES_GRAPH_REQUIRES, refuse_required_removals};
    let ext = "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group";
    let before = json!({ "displayName": "G", "externalId": "g", "description": "d", ext: { "securityEnabled": true, "mailNickname": "g" } });
    let without = |remove: &dyn Fn(&mut serde_json::Value)| {
        let mut after = before.clone();
        remove(&mut after);
        refuse_required_removals(&before, &after, GROUP_ATTRIBUTES_GRAPH_REQUIRES)
    };
    let error = without(&|g| { g.as_object_mut().unwrap().remove("externalId"); }).unwrap_err();
    assert_eq!((error.status, error.scim_type), (400, Some(ScimType::Mutability)));
    assert!(error.detail.starts_with("externalId cannot be removed"), "{}", error.detail);
    let error = without(&|g| { g[ext].as_object_mut().unwrap().remove("securityEnabled"); }).unwrap_err();
    assert!(error.detail.contains("securityEnabled"), "{}", error.detail);
    assert!(without(&|g| { g.as_object_mut().unwrap().remove(ext); }).is_err(), "the whole extension");
    // What Graph can clear, and changes that are not removals, pass.
    assert!(without(&|g| { g.as_object_mut().unwrap().remove("description"); }).is_ok());
    assert!(without(&|g| { g["externalId"] = json!("other"); }).is_ok());
}
