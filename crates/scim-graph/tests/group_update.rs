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

fn owned(extension: Value) -> Group {
    let body = json!({"displayName": "G", EXTENSION: extension});
    Group::from_request_body(body.to_string().as_bytes()).unwrap()
}

#[test]
fn owners_change_by_list_and_by_the_b2c_add_and_remove_lists() {
    use scim_graph::owner_changes;
    let before = owned(json!({"owners": [{"value": "o1"}, {"value": "o2"}]}));
    // The whole list: what is new is added, what is missing removed.
    let (add, remove) = owner_changes(&before, &owned(json!({"owners": [{"value": "O2"}, {"value": "o3"}]}))).unwrap();
    assert_eq!((add, remove), (vec!["o3".to_string()], vec!["o1".to_string()]));
    // ownersToAdd / ownersToRemove on top of the current owners; ids or {"value": id}.
    let (add, remove) = owner_changes(&before, &owned(json!({"ownersToAdd": ["o3", {"value": "o2"}], "ownersToRemove": [{"value": "o1"}]}))).unwrap();
    assert_eq!((add, remove), (vec!["o3".to_string()], vec!["o1".to_string()]));
    // Read without owners (a PUT that only adds): removals still reach Graph.
    let (add, remove) = owner_changes(&Group::new("G"), &owned(json!({"ownersToRemove": ["o9"]}))).unwrap();
    assert_eq!((add, remove), (Vec::<String>::new(), vec!["o9".to_string()]));
    // Saying nothing of owners changes none.
    assert_eq!(owner_changes(&before, &Group::new("G")).unwrap(), (vec![], vec![]));
    // An empty list removes them all.
    let (_, remove) = owner_changes(&before, &owned(json!({"owners": []}))).unwrap();
    assert_eq!(remove, ["o1", "o2"]);
}

#[test]
fn bare_owner_lists_count_and_malformed_ones_are_refused() {
    use scim_graph::owner_changes;
    let bare = Group::from_request_body(br#"{"displayName": "G", "ownersToAdd": [{"value": "o1"}]}"#).unwrap();
    assert_eq!(owner_changes(&Group::new("G"), &bare).unwrap().0, ["o1"]);
    for wrong in [json!({"ownersToAdd": [{"id": "o1"}]}), json!({"owners": [7]}), json!({"ownersToRemove": [{"value": " "}]})] {
        let error = owner_changes(&Group::new("G"), &owned(wrong.clone())).unwrap_err();
        assert_eq!((error.status, error.scim_type), (400, Some(scim::ScimType::InvalidValue)), "{wrong}");
    }
}

#[test]
fn owner_lists_may_name_owners_by_resource_url() {
    use scim_graph::owner_changes;
    let url = "https://connector.example/scim/v2/Users/o3";
    let (add, remove) = owner_changes(
        &Group::new("G"),
        &owned(json!({"ownersToAdd": [{"$ref": url}], "ownersToRemove": [{"value": "o1", "$ref": url}]})),
    )
    .unwrap();
    // `value` wins when both are there; a `$ref` alone names the id it ends with.
    assert_eq!((add, remove), (vec!["o3".to_string()], vec!["o1".to_string()]));
}
