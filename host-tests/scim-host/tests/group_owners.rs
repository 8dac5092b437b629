//! Owners of a group: the B2C table's "Add/Remove Members or Owners to a Group | PATCH
//! /v1.0/groups/{Id}" with the seed's `ownersToAdd` / `ownersToRemove`, and the azureAdGroup
//! extension's `owners`, returned only when asked for (`attributes=owners`).

mod common;

use common::Connector;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const EXT: &str = "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn group_id(connector: &Connector, name: &str) -> String {
    let groups = connector.emulator.groups();
    let group = groups.iter().find(|g| g["displayName"] == json!(name)).unwrap_or_else(|| panic!("no group {name}"));
    group["id"].as_str().unwrap().to_string()
}

fn user_id(connector: &Connector, display_name: &str) -> String {
    let users = connector.emulator.users();
    let user = users.iter().find(|u| u["displayName"] == json!(display_name)).unwrap_or_else(|| panic!("no user {display_name}"));
    user["id"].as_str().unwrap().to_string()
}

fn owners(connector: &Connector, group: &str) -> BTreeSet<String> {
    connector.emulator.owners_of(group).into_iter().collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn owner_ids(group: &Value) -> BTreeSet<String> {
    group[EXT]["owners"].as_array().into_iter().flatten().map(|o| o["value"].as_str().unwrap().to_string()).collect()
}

async fn patch(connector: &Connector, path: &str, operations: Value) -> common::Reply {
    connector.send_json("PATCH", path, &json!({"schemas": [PATCH_OP], "Operations": operations})).await
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_are_returned_only_when_asked_for_and_do_not_change_the_version() {
    let connector = Connector::start().await;
    let id = group_id(&connector, "Leadership");
    let plain = connector.get(&format!("/scim/v2/Groups/{id}")).await;
    assert_eq!(plain.status, 200);
    assert!(plain.json()[EXT].get("owners").is_none(), "{}", plain.text());

    for attributes in ["owners", &format!("{EXT}:owners"), "displayName,owners.value"] {
        let asked = connector.get(&format!("/scim/v2/Groups/{id}?attributes={attributes}")).await;
        assert_eq!(asked.status, 200, "{}", asked.text());
        let group = asked.json();
        assert_eq!(owner_ids(&group), owners(&connector, &id), "{attributes}: {group:#}");
        assert!(group.get("members").is_none(), "{attributes}");
    }
    let full = connector.get(&format!("/scim/v2/Groups/{id}?attributes=owners,members,displayName")).await;
    let adele = user_id(&connector, "Adele Vance");
    let owner = &full.json()[EXT]["owners"][0];
    assert_eq!(owner["value"], json!(adele));
    assert_eq!(owner["display"], "Adele Vance");
    assert_eq!(owner["type"], "User");
    assert!(owner["$ref"].as_str().unwrap().ends_with(&format!("/scim/v2/Users/{adele}")));
    assert_eq!(full.header("etag"), plain.header("etag"), "owners are not part of the version");

    // A query asks the same way.
    let listed = connector.get("/scim/v2/Groups?filter=displayName%20eq%20%22Leadership%22&attributes=owners").await.json();
    assert_eq!(owner_ids(&listed["Resources"][0]), owners(&connector, &id));
    let unasked = connector.get("/scim/v2/Groups?filter=displayName%20eq%20%22Leadership%22").await.json();
    assert!(unasked["Resources"][0][EXT].get("owners").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_to_add_and_owners_to_remove_through_the_b2c_route() {
    let connector = Connector::start().await;
    let id = group_id(&connector, "Leadership");
    let adele = user_id(&connector, "Adele Vance");
    let (alex, megan) = (user_id(&connector, "Alex Wilber"), user_id(&connector, "Megan Bowen"));
    assert_eq!(owners(&connector, &id), set(&[&adele]));

    // Bare names, as the B2C connector's callers send them.
    let reply = patch(&connector, &format!("/v1.0/groups/{id}"), json!([
        {"op": "add", "path": "ownersToAdd", "value": [{"value": alex}, {"value": megan}]},
    ])).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(owners(&connector, &id), set(&[&adele, &alex, &megan]));
    assert_eq!(owner_ids(&reply.json()), set(&[&adele, &alex, &megan]), "the answer shows the owners it changed");
    assert!(reply.json()[EXT].get("ownersToAdd").is_none(), "write-only");

    // Qualified, removing one and adding one already there (no error: the caller gets what it asked).
    let reply = patch(&connector, &format!("/v1.0/groups/{id}"), json!([
        {"op": "add", "path": format!("{EXT}:ownersToRemove"), "value": [{"value": adele}]},
        {"op": "add", "path": format!("{EXT}:ownersToAdd"), "value": [{"value": alex}]},
    ])).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(owners(&connector, &id), set(&[&alex, &megan]));

    // Members and owners in one request, as the table's row says.
    let lee = user_id(&connector, "Lee Gu");
    let reply = patch(&connector, &format!("/v1.0/groups/{id}"), json!([
        {"op": "add", "path": "members", "value": [{"value": lee}]},
        {"op": "remove", "path": format!("owners[value eq \"{megan}\"]")},
    ])).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(owners(&connector, &id), set(&[&alex]));
    assert!(connector.emulator.members_of(&id).contains(&lee));
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_on_create_and_replace() {
    let connector = Connector::start().await;
    let (alex, megan) = (user_id(&connector, "Alex Wilber"), user_id(&connector, "Megan Bowen"));
    let created = connector.post_json("/scim/v2/Groups", &json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", EXT],
        "displayName": "Owned from birth",
        EXT: {"owners": [{"value": alex}]},
    })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert_eq!(owners(&connector, &id), set(&[&alex]));
    assert_eq!(owner_ids(&created.json()), set(&[&alex]));

    // A PUT that says nothing of owners leaves them; one that lists them replaces them.
    let put = |owners: Option<Value>| {
        let mut body = json!({"displayName": "Owned from birth"});
        if let Some(owners) = owners {
            body[EXT] = json!({"owners": owners});
        }
        body
    };
    let reply = connector.send_json("PUT", &format!("/scim/v2/Groups/{id}"), &put(None)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(owners(&connector, &id), set(&[&alex]));
    let reply = connector.send_json("PUT", &format!("/scim/v2/Groups/{id}"), &put(Some(json!([{"value": megan}])))).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(owners(&connector, &id), set(&[&megan]));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_or_malformed_owners_are_refused() {
    let connector = Connector::start().await;
    let id = group_id(&connector, "Leadership");
    let before = owners(&connector, &id);
    let unknown = "00000000-0000-0000-0000-0000000000aa";
    let reply = patch(&connector, &format!("/v1.0/groups/{id}"), json!([
        {"op": "add", "path": "ownersToAdd", "value": [{"value": unknown}]},
    ])).await;
    let error = reply.assert_scim_error(400, Some("invalidValue"));
    assert!(error["detail"].as_str().unwrap().contains(unknown), "{error}");

    let reply = patch(&connector, &format!("/v1.0/groups/{id}"), json!([
        {"op": "add", "path": "ownersToAdd", "value": [{"id": "not how owners are named"}]},
    ])).await;
    reply.assert_scim_error(400, Some("invalidValue"));
    assert_eq!(owners(&connector, &id), before, "nothing changed");

    let reply = connector.post_json("/scim/v2/Groups", &json!({"displayName": "Never made", EXT: {"ownersToAdd": [5]}})).await;
    reply.assert_scim_error(400, Some("invalidValue"));
    assert!(!connector.emulator.groups().iter().any(|g| g["displayName"] == json!("Never made")), "nothing made");

    let missing = "00000000-0000-0000-0000-0000000000bb";
    let reply = patch(&connector, &format!("/v1.0/groups/{missing}"), json!([{"op": "add", "path": "ownersToAdd", "value": ["x"]}])).await;
    reply.assert_scim_error(404, None);
}
