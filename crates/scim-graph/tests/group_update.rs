//! SCIM replace/patch of a Group -> one Graph group update (only what changed, required
//! properties never cleared) and the member ids to add and remove.

use scim::Group;
use scim::resource::MemberRef;
use scim_graph::{group_to_scim, group_update_body, member_changes};
use serde_json::{Value, json};

const GRAPH_GROUP: &str = include_str!("fixtures/graph_group.json");
const BASE: &str = "https://connector.example/scim/v2";
const EXTENSION: &str = "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group";

fn current() -> Group {
    let graph: graph::Group = serde_json::from_str(GRAPH_GROUP).unwrap();
    group_to_scim(&graph, None, BASE)
}

fn changed(edit: impl FnOnce(&mut Value)) -> Value {
    let before = current();
    let mut after = before.to_json();
    edit(&mut after);
    let after = Group::from_request_body(after.to_string().as_bytes()).unwrap();
    group_update_body(&before, &after).unwrap()
}

fn with_members(ids: &[&str]) -> Group {
    let mut group = Group::new("G");
    group.members = ids
        .iter()
        .map(|id| MemberRef {
            value: Some(id.to_string()),
            ..MemberRef::default()
        })
        .collect();
    group
}

#[test]
fn an_unchanged_group_needs_no_update() {
    assert_eq!(changed(|_| {}), json!({}));
}

#[test]
fn only_changed_properties_are_sent() {
    let update = changed(|group| {
        group["displayName"] = json!("HR Taskforce 2025");
        group[EXTENSION]["description"] = json!("Reorganisation, phase two");
    });
    assert_eq!(
        update,
        json!({"displayName": "HR Taskforce 2025", "description": "Reorganisation, phase two"})
    );
}

#[test]
fn a_new_external_id_renames_the_nickname_and_so_does_a_new_extension_nickname() {
    assert_eq!(
        changed(|group| group["externalId"] = json!("hr-2025")),
        json!({"mailNickname": "hr-2025"})
    );
    assert_eq!(
        changed(|group| group[EXTENSION]["mailNickname"] = json!("hr-ext")),
        json!({"mailNickname": "hr-ext"}),
        "externalId unchanged, the extension's nickname is what the caller changed"
    );
}

#[test]
fn a_removed_description_is_cleared_but_required_properties_are_left_alone() {
    let update = changed(|group| {
        group.as_object_mut().unwrap().remove("externalId");
        group.as_object_mut().unwrap().remove(EXTENSION);
    });
    assert_eq!(update, json!({"description": null}));
}

#[test]
fn flags_change_as_booleans() {
    let update = changed(|group| group[EXTENSION]["mailEnabled"] = json!("False"));
    assert_eq!(update, json!({"mailEnabled": false}));
}

#[test]
fn members_are_not_properties() {
    let update = changed(|group| group["members"] = json!([{"value": "u1"}]));
    assert_eq!(update, json!({}));
}

#[test]
fn an_invalid_new_value_or_a_missing_display_name_is_refused() {
    let before = current();
    let mut after = before.clone();
    after.external_id = Some("has space".into());
    let err = group_update_body(&before, &after).unwrap_err();
    assert_eq!(err.status, 400);
    assert!(err.detail.contains("externalId"), "{}", err.detail);

    let mut after = before.clone();
    after.display_name = Some("  ".into());
    let err = group_update_body(&before, &after).unwrap_err();
    assert_eq!(
        (err.status, err.detail.as_str()),
        (400, "displayName is required")
    );
}

#[test]
fn member_changes_keep_order_and_drop_duplicates() {
    let before = with_members(&["a", "b", "c"]);
    let after = with_members(&["c", "d", "a", "e", "d", "E"]);
    let (add, remove) = member_changes(&before, &after);
    assert_eq!(add, ["d", "e"]);
    assert_eq!(remove, ["b"]);
}

#[test]
fn member_ids_compare_ignoring_case_and_blank_values_are_skipped() {
    let before = with_members(&["87D349ED-44D7-43E1-9A83-5F2406DEE5BD", " "]);
    let mut after = with_members(&["87d349ed-44d7-43e1-9a83-5f2406dee5bd"]);
    after.members.push(MemberRef::default());
    assert_eq!(member_changes(&before, &after), (vec![], vec![]));
}

#[test]
fn emptying_a_group_removes_everyone_and_filling_it_adds_everyone() {
    let full = with_members(&["a", "b"]);
    let empty = with_members(&[]);
    assert_eq!(
        member_changes(&full, &empty),
        (vec![], vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(
        member_changes(&empty, &full),
        (vec!["a".to_string(), "b".to_string()], vec![])
    );
}
