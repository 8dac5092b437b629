//! Graph group <-> SCIM Group: a fully populated Graph group and members of every kind field by
//! field, create bodies with their defaults, and the values Graph would refuse.

use scim::Group;
use scim::error::ScimType;
use scim_graph::{group_create_body, group_to_scim};
use serde_json::{Value, json};

const GRAPH_GROUP: &str = include_str!("fixtures/graph_group.json");
const GRAPH_MEMBERS: &str = include_str!("fixtures/graph_group_members.json");
const BASE: &str = "https://connector.example/scim/v2";
const EXTENSION: &str = "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group";

fn graph_group() -> graph::Group {
    serde_json::from_str(GRAPH_GROUP).unwrap()
}

fn graph_members() -> Vec<graph::DirectoryObject> {
    let page: Value = serde_json::from_str(GRAPH_MEMBERS).unwrap();
    serde_json::from_value(page["value"].clone()).unwrap()
}

fn scim_request(body: Value) -> Group {
    Group::from_request_body(body.to_string().as_bytes()).unwrap()
}

fn create_error(body: Value) -> String {
    let err = group_create_body(&scim_request(body)).unwrap_err();
    assert_eq!(
        (err.status, err.scim_type),
        (400, Some(ScimType::InvalidValue)),
        "{err}"
    );
    err.detail
}

#[test]
fn fully_populated_graph_group_and_members_map_field_by_field() {
    let members = graph_members();
    let scim = group_to_scim(&graph_group(), Some(&members), BASE).to_json();
    let expected = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            EXTENSION
        ],
        "id": "02bd9fd6-8f93-4758-87c3-1fb73740a315",
        "externalId": "HRTaskforce",
        "displayName": "HR Taskforce",
        "members": [
            {
                "value": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
                "display": "Adele Vance",
                "$ref": "https://connector.example/scim/v2/Users/87d349ed-44d7-43e1-9a83-5f2406dee5bd",
                "type": "User"
            },
            {
                "value": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4",
                "display": "Payroll",
                "$ref": "https://connector.example/scim/v2/Groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4",
                "type": "Group"
            },
            {
                "value": "4f4c4e2c-1d0b-4e45-9d3b-6b3a4e5f2a10",
                "display": "Payroll Sync",
                "type": "servicePrincipal"
            },
            {
                "value": "a6c4b4e6-1f6b-4e0a-8f4c-0e3f4b0b1f2d",
                "display": "Partner Desk",
                "type": "orgContact"
            },
            {
                "value": "c8a7e3b1-51a4-4f1e-a1d2-7f3c2b1a0e9d",
                "type": "device"
            }
        ],
        "meta": {
            "resourceType": "Group",
            "created": "2018-12-22T02:21:05Z",
            "location": "https://connector.example/scim/v2/Groups/02bd9fd6-8f93-4758-87c3-1fb73740a315"
        },
        EXTENSION: {
            "securityEnabled": false,
            "mailEnabled": true,
            "groupTypes": ["Unified"],
            "mailNickname": "HRTaskforce",
            "description": "Everyone working on the HR reorganisation"
        }
    });
    // Field by field first, so a failure names the field.
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&scim[key], value, "{key}");
    }
    assert_eq!(scim, expected);
}

#[test]
fn members_are_left_out_when_not_read_and_empty_when_there_are_none() {
    let without = group_to_scim(&graph_group(), None, BASE);
    assert!(without.members.is_empty());
    assert!(without.to_json().get("members").is_none());
    let none = group_to_scim(&graph_group(), Some(&[]), BASE);
    assert!(none.members.is_empty());
    // The rest does not depend on members.
    assert_eq!(without, none);
}

#[test]
fn sparse_security_group_maps_without_invented_values() {
    let group: graph::Group = serde_json::from_value(json!({
        "id": "g1", "displayName": "Sales", "mailNickname": "sales",
        "securityEnabled": true, "mailEnabled": false, "groupTypes": [], "description": null
    }))
    .unwrap();
    let scim = group_to_scim(&group, None, "https://c.example/scim/v2/").to_json();
    assert_eq!(
        scim,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", EXTENSION],
            "id": "g1",
            "externalId": "sales",
            "displayName": "Sales",
            "meta": {"resourceType": "Group", "location": "https://c.example/scim/v2/Groups/g1"},
            EXTENSION: {"securityEnabled": true, "mailEnabled": false, "mailNickname": "sales"}
        })
    );
    let bare = group_to_scim(
        &serde_json::from_value(json!({"id": "g2"})).unwrap(),
        None,
        BASE,
    );
    assert_eq!(
        bare.schemas,
        ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "no extension without extension values"
    );
}

#[test]
fn entra_provisioning_create_request_becomes_a_security_group() {
    // The shape Microsoft Entra provisioning sends on create.
    let request = scim_request(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"},
        "members": [{"value": "u1"}, {"value": "u2"}]
    }));
    assert_eq!(
        group_create_body(&request).unwrap(),
        json!({
            "displayName": "displayName",
            "mailNickname": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "securityEnabled": true,
            "mailEnabled": false,
            "groupTypes": []
        }),
        "members are added after create, not bound in the body"
    );
}

#[test]
fn extension_values_reach_the_body_and_unified_groups_default_to_mail() {
    let body = group_create_body(&scim_request(json!({
        "displayName": "Project Falcon",
        EXTENSION: {"groupTypes": ["unified"], "description": "  Falcon team  ", "mailNickname": "falcon"}
    })))
    .unwrap();
    assert_eq!(
        body,
        json!({
            "displayName": "Project Falcon",
            "mailNickname": "falcon",
            "description": "Falcon team",
            "groupTypes": ["Unified"],
            "securityEnabled": false,
            "mailEnabled": true
        })
    );
    // Explicit flags win over the defaults, as strings too (Entra provisioning sends "True").
    let body = group_create_body(&scim_request(json!({
        "displayName": "Mixed",
        "externalId": "mixed",
        "urn:ietf:params:scim:schemas:extension:AZUREADGROUP:2.0:Group": {
            "SecurityEnabled": "True", "mailEnabled": false, "mailNickname": "ignored-when-externalId"
        }
    })))
    .unwrap();
    assert_eq!(body["mailNickname"], "mixed");
    assert_eq!(
        (&body["securityEnabled"], &body["mailEnabled"]),
        (&json!(true), &json!(false))
    );
}

#[test]
fn a_missing_nickname_is_derived_from_the_display_name() {
    let nickname = |display_name: &str| {
        let body = group_create_body(&Group::new(display_name)).unwrap();
        body["mailNickname"].as_str().unwrap().to_string()
    };
    assert_eq!(nickname("HR Taskforce"), "HRTaskforce");
    assert_eq!(nickname("R&D (Berlin) - v2.0"), "RDBerlin-v20");
    assert_eq!(nickname("Équipe_Été"), "quipe_t");
    assert_eq!(nickname("日本"), "group", "never empty");
    assert_eq!(nickname(&"ab".repeat(40)).len(), 64);
}

#[test]
fn create_body_reverses_what_the_read_side_maps() {
    let scim = group_to_scim(&graph_group(), Some(&graph_members()), BASE);
    let body = group_create_body(&scim).unwrap();
    let graph_json: Value = serde_json::from_str(GRAPH_GROUP).unwrap();
    for key in [
        "displayName",
        "description",
        "mailNickname",
        "mailEnabled",
        "securityEnabled",
        "groupTypes",
    ] {
        assert_eq!(body[key], graph_json[key], "{key}");
    }
    assert_eq!(body.as_object().unwrap().len(), 6, "{body}");
}

#[test]
fn display_name_is_required_and_bounded() {
    let err = group_create_body(&Group::default()).unwrap_err();
    assert_eq!(
        (err.status, err.scim_type),
        (400, Some(ScimType::InvalidValue))
    );
    assert!(err.detail.contains("displayName"), "{}", err.detail);
    assert!(create_error(json!({"displayName": "x".repeat(257)})).contains("256"));
    assert!(group_create_body(&Group::new("x".repeat(256))).is_ok());
}

#[test]
fn values_graph_would_refuse_are_refused_naming_the_attribute() {
    let detail = create_error(json!({"displayName": "G", "externalId": "sales team"}));
    assert!(detail.starts_with("externalId \"sales team\""), "{detail}");
    let detail = create_error(json!({"displayName": "G", EXTENSION: {"mailNickname": "a@b"}}));
    assert!(detail.starts_with("mailNickname \"a@b\""), "{detail}");
    assert!(create_error(json!({"displayName": "G", "externalId": "é"})).contains("'é'"));
    assert!(create_error(json!({"displayName": "G", "externalId": "n".repeat(65)})).contains("64"));
    assert!(
        create_error(json!({"displayName": "G", EXTENSION: {"description": "d".repeat(1025)}}))
            .contains("1024")
    );
    assert!(
        create_error(json!({"displayName": "G", EXTENSION: {"groupTypes": ["Distribution"]}}))
            .contains("\"Distribution\"")
    );
    assert!(
        create_error(json!({"displayName": "G", EXTENSION: {"groupTypes": "Unified"}}))
            .contains("groupTypes must be a list of strings")
    );
    assert!(
        create_error(json!({"displayName": "G", EXTENSION: {"securityEnabled": "yes"}}))
            .contains("securityEnabled must be a boolean")
    );
    assert!(
        create_error(json!({"displayName": "G", EXTENSION: "Unified"}))
            .contains("must be an object")
    );
}
