//! Decoding Graph's group and directory-object JSON into `graph::Group` and
//! `graph::DirectoryObject` and back without losing anything.

use graph::{DirectoryObject, Group, ObjectKind};
use serde_json::json;

const FIXTURE: &str = include_str!("fixtures/group.json");

#[test]
fn fully_populated_group_decodes_into_typed_fields() {
    let group: Group = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(
        group,
        Group {
            id: Some("02bd9fd6-8f93-4758-87c3-1fb73740a315".into()),
            display_name: Some("HR Taskforce".into()),
            description: Some("Everyone working on the HR reorganisation".into()),
            mail_nickname: Some("HRTaskforce".into()),
            mail_enabled: Some(true),
            security_enabled: Some(false),
            group_types: vec!["Unified".into()],
            mail: Some("HRTaskforce@contoso.com".into()),
            visibility: Some("Private".into()),
            created_date_time: Some("2018-12-22T02:21:05Z".into()),
            deleted_date_time: None,
            other: group.other.clone(),
        }
    );
    assert!(group.is_unified());
    // Nothing without a typed field is dropped; typed fields do not also land in `other`.
    assert_eq!(group.other["extension_b2c1234_costCode"], "HR-7");
    assert_eq!(
        group.other["proxyAddresses"][1],
        "smtp:HRTaskforce@contoso.onmicrosoft.com"
    );
    assert!(group.other.contains_key("@odata.context"));
    assert!(!group.other.contains_key("mailNickname") && !group.other.contains_key("groupTypes"));
}

#[test]
fn group_round_trips_every_non_null_value() {
    let original: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    let group: Group = serde_json::from_value(original.clone()).unwrap();
    let back = serde_json::to_value(&group).unwrap();
    for (key, value) in original.as_object().unwrap() {
        if value.is_null() {
            continue;
        }
        assert_eq!(&back[key], value, "{key}");
    }
}

#[test]
fn null_and_missing_properties_are_tolerated() {
    let group: Group = serde_json::from_value(json!({
        "id": "g1", "groupTypes": null, "visibility": null, "mailEnabled": false
    }))
    .unwrap();
    assert_eq!(group.id.as_deref(), Some("g1"));
    assert!(group.group_types.is_empty());
    assert_eq!((group.visibility, group.mail_enabled), (None, Some(false)));
    assert_eq!(group.display_name, None);
    assert_eq!(serde_json::to_value(Group::default()).unwrap(), json!({}));
}

#[test]
fn group_properties_name_what_the_typed_group_reads() {
    let typed = serde_json::to_value(Group {
        id: Some("i".into()),
        display_name: Some("d".into()),
        description: Some("d".into()),
        mail_nickname: Some("m".into()),
        mail_enabled: Some(false),
        security_enabled: Some(true),
        group_types: vec!["Unified".into()],
        mail: Some("m@x".into()),
        visibility: Some("Public".into()),
        created_date_time: Some("t".into()),
        deleted_date_time: Some("t".into()),
        other: Default::default(),
    })
    .unwrap();
    let mut names: Vec<&str> = typed
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut selected = graph::GROUP_PROPERTIES.to_vec();
    names.sort_unstable();
    selected.sort_unstable();
    assert_eq!(
        names, selected,
        "every typed field is selected, and nothing else"
    );
}

#[test]
fn directory_objects_decode_from_a_members_page() {
    let page = json!({"value": [
        {"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "Adele Vance"},
        {"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": null},
        {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp1", "displayName": "Payroll App"},
        {"@odata.type": "#microsoft.graph.device", "id": "d1"},
        {"id": "x1", "securityIdentifier": "S-1-12-1"}
    ]});
    let objects: Vec<DirectoryObject> = serde_json::from_value(page["value"].clone()).unwrap();
    let kinds: Vec<(ObjectKind, &str, Option<&str>)> = objects
        .iter()
        .map(|o| (o.kind(), o.id.as_str(), o.display_name.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ObjectKind::User, "u1", Some("Adele Vance")),
            (ObjectKind::Group, "g1", None),
            (ObjectKind::ServicePrincipal, "sp1", Some("Payroll App")),
            (ObjectKind::Other, "d1", None),
            (ObjectKind::Other, "x1", None),
        ]
    );
    assert_eq!(objects[3].type_name(), Some("device"));
    assert_eq!(
        serde_json::to_value(&objects[0]).unwrap(),
        json!({"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "Adele Vance"})
    );
    // A member without an id is not a member the connector can name.
    assert!(serde_json::from_value::<DirectoryObject>(json!({"displayName": "x"})).is_err());
}
