//! Group operations end to end in both route styles, checked against the tenant. From the seed
//! (003_5b59c6e6ed8c824f.txt): "Get group | GET /v1.0/groups/{Id}", "Query groups | GET
//! /v1.0/groups?filter={filter}&count={pageSize}", "Create Group | POST /v1.0/groups", "Update
//! Group | PUT /v1.0/groups/{Id}", "Delete Group | DELETE /v1.0/groups/{Id}", "Add/Remove Members
//! or Owners to a Group | PATCH /v1.0/groups/{Id}".

mod common;

use common::Connector;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn group_named(connector: &Connector, name: &str) -> Value {
    connector.emulator.groups().into_iter().find(|g| g["displayName"] == name).unwrap_or_else(|| panic!("demo group {name}"))
}

fn user_id(connector: &Connector, index: usize) -> String {
    connector.emulator.users()[index]["id"].as_str().unwrap().to_string()
}

fn member_ids(group: &Value) -> BTreeSet<String> {
    group["members"].as_array().map(|m| m.iter().map(|m| m["value"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

fn patch_op(operations: Value) -> Value {
    json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations })
}

#[tokio::test(flavor = "multi_thread")]
async fn get_group_with_and_without_members_in_both_styles() {
    let connector = Connector::start().await;
    let all_company = group_named(&connector, "All Company");
    let id = all_company["id"].as_str().unwrap();
    let expected: BTreeSet<String> = connector.emulator.members_of(id).into_iter().collect();
    assert_eq!(expected.len(), connector.emulator.user_count(), "every user is in All Company");

    for path in [format!("/scim/v2/Groups/{id}"), format!("/v1.0/groups/{id}")] {
        let reply = connector.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        let group = reply.json();
        assert_eq!(group["displayName"], "All Company");
        assert!(group["schemas"].as_array().unwrap().contains(&json!("urn:ietf:params:scim:schemas:core:2.0:Group")));
        assert_eq!(member_ids(&group), expected, "all members, past Graph's page size");
        assert_eq!(group["meta"]["location"], json!(connector.url(&format!("/scim/v2/Groups/{id}"))));
        let member = &group["members"][0];
        assert_eq!(member["type"], "User");
        assert!(member["$ref"].as_str().unwrap().ends_with(&format!("/scim/v2/Users/{}", member["value"].as_str().unwrap())));
    }
    let lean = connector.get(&format!("/scim/v2/Groups/{id}?excludedAttributes=members")).await.json();
    assert!(lean.get("members").is_none(), "{lean}");
    connector.get("/scim/v2/Groups/00000000-0000-0000-0000-000000000000").await.assert_scim_error(404, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_groups_are_members_of_type_group() {
    let connector = Connector::start().await;
    let nested = group_named(&connector, "Product and Engineering");
    let group = connector.get(&format!("/scim/v2/Groups/{}", nested["id"].as_str().unwrap())).await.json();
    let engineering = group_named(&connector, "Engineering");
    let member = group["members"].as_array().unwrap().iter().find(|m| m["value"] == engineering["id"]).expect("Engineering is nested");
    assert_eq!(member["type"], "Group");
    assert!(member["$ref"].as_str().unwrap().contains("/scim/v2/Groups/"));
}

#[tokio::test(flavor = "multi_thread")]
async fn query_groups_in_both_styles() {
    let connector = Connector::start().await;
    let all = connector.get("/scim/v2/Groups?excludedAttributes=members").await.json();
    assert_eq!(all["totalResults"], json!(connector.emulator.group_count()));
    assert!(all["Resources"][0].get("members").is_none());

    let filter = "displayName%20eq%20%22Engineering%22";
    for path in [format!("/scim/v2/Groups?filter={filter}"), format!("/v1.0/groups?filter={filter}&count=10")] {
        let list = connector.get(&path).await.json();
        assert_eq!(list["totalResults"], json!(1), "{path}: {list}");
        assert_eq!(list["Resources"][0]["displayName"], "Engineering");
        assert!(!member_ids(&list["Resources"][0]).is_empty(), "members by default");
    }
    let page = connector.get("/scim/v2/Groups?startIndex=3&count=4&excludedAttributes=members").await.json();
    assert_eq!(page["Resources"].as_array().unwrap().len(), 4);
    assert_eq!(page["startIndex"], json!(3));
    connector.get("/scim/v2/Groups?filter=members%5Bvalue%20eq%20%22x%22%5D").await.assert_scim_error(400, Some("invalidFilter"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_replace_and_delete_a_group_in_both_styles() {
    let connector = Connector::start().await;
    for (collection, name) in [("/scim/v2/Groups", "Analytical Engines"), ("/v1.0/groups", "Difference Engines")] {
        let (ada, charles, grace) = (user_id(&connector, 5), user_id(&connector, 6), user_id(&connector, 7));
        let request = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": [{ "value": ada }, { "value": charles }]
        });
        let created = connector.post_json(collection, &request).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_str().unwrap().to_string();
        assert_eq!(created.header("location"), Some(connector.url(&format!("/scim/v2/Groups/{id}")).as_str()));
        assert_eq!(connector.emulator.members_of(&id).into_iter().collect::<BTreeSet<_>>(), BTreeSet::from([ada.clone(), charles.clone()]));

        // Replace: renamed, Charles out, Grace in.
        let replacement = json!({ "displayName": format!("{name} (renamed)"), "members": [{ "value": ada }, { "value": grace }] });
        let replaced = connector.send_json("PUT", &format!("{collection}/{id}"), &replacement).await;
        assert_eq!(replaced.status, 200, "{}", replaced.text());
        assert_eq!(replaced.json()["displayName"], json!(format!("{name} (renamed)")));
        assert_eq!(connector.emulator.members_of(&id).into_iter().collect::<BTreeSet<_>>(), BTreeSet::from([ada.clone(), grace.clone()]));

        let deleted = connector.delete(&format!("{collection}/{id}")).await;
        assert_eq!(deleted.status, 204, "{}", deleted.text());
        connector.get(&format!("{collection}/{id}")).await.assert_scim_error(404, None);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_with_an_unknown_member_is_not_created() {
    let connector = Connector::start().await;
    let before = connector.emulator.group_count();
    let request = json!({ "displayName": "Ghosts", "members": [{ "value": user_id(&connector, 1) }, { "value": "00000000-0000-0000-0000-000000000000" }] });
    connector.post_json("/scim/v2/Groups", &request).await.assert_scim_error(400, Some("invalidValue"));
    assert_eq!(connector.emulator.group_count(), before, "rolled back");
    connector.post_json("/scim/v2/Groups", &json!({ "members": [] })).await.assert_scim_error(400, Some("invalidValue"));
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_style_member_patches_in_both_styles() {
    let connector = Connector::start().await;
    let finance = group_named(&connector, "Finance");
    let id = finance["id"].as_str().unwrap().to_string();
    let original: BTreeSet<String> = connector.emulator.members_of(&id).into_iter().collect();
    let newcomers = [user_id(&connector, 0), user_id(&connector, 1)];
    let leaving = original.iter().find(|m| !newcomers.contains(m)).unwrap().clone();

    let add = patch_op(json!([{ "op": "Add", "path": "members", "value": [{ "value": newcomers[0] }, { "value": newcomers[1] }] }]));
    let added = connector.send_json("PATCH", &format!("/scim/v2/Groups/{id}"), &add).await;
    assert_eq!(added.status, 200, "{}", added.text());
    let now: BTreeSet<String> = connector.emulator.members_of(&id).into_iter().collect();
    assert!(newcomers.iter().all(|n| now.contains(n)), "added");

    let remove = patch_op(json!([
        { "op": "Remove", "path": format!("members[value eq \"{leaving}\"]") },
        { "op": "Remove", "path": "members[value eq \"00000000-0000-0000-0000-00000000abcd\"]" },
        { "op": "Replace", "path": "displayName", "value": "Finance and Accounting" }
    ]));
    let removed = connector.send_json("PATCH", &format!("/v1.0/groups/{id}"), &remove).await;
    assert_eq!(removed.status, 200, "{}", removed.text());
    assert!(!connector.emulator.members_of(&id).contains(&leaving), "removed");
    assert_eq!(group_named(&connector, "Finance and Accounting")["id"], json!(id));

    let by_list = patch_op(json!([{ "op": "Remove", "path": "members", "value": [{ "value": newcomers[0] }] }]));
    assert_eq!(connector.send_json("PATCH", &format!("/scim/v2/Groups/{id}"), &by_list).await.status, 200);
    assert!(!connector.emulator.members_of(&id).contains(&newcomers[0]));
}

#[tokio::test(flavor = "multi_thread")]
async fn attributes_shape_groups_and_search_finds_them() {
    let connector = Connector::start().await;
    let engineering = group_named(&connector, "Engineering");
    let id = engineering["id"].as_str().unwrap();
    let lean = connector.get(&format!("/scim/v2/Groups/{id}?attributes=displayName")).await.json();
    let keys: BTreeSet<&str> = lean.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["displayName", "id", "schemas"].into_iter().collect(), "{lean}");
    let values_only = connector.get(&format!("/scim/v2/Groups/{id}?attributes=members.value")).await.json();
    assert_eq!(member_ids(&values_only), connector.emulator.members_of(id).into_iter().collect());
    assert!(values_only["members"][0].get("display").is_none());

    let search = json!({ "filter": "displayName sw \"Eng\"", "excludedAttributes": ["members"] });
    let reply = connector.post_json("/scim/v2/Groups/.search", &search).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let list = reply.json();
    assert_eq!(list["totalResults"], json!(1), "{list}");
    assert!(list["Resources"][0].get("members").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn sort_by_orders_groups() {
    let connector = Connector::start().await;
    let list = connector.get("/scim/v2/Groups?sortBy=displayName&excludedAttributes=members&count=50").await;
    assert_eq!(list.status, 200, "{}", list.text());
    let names: Vec<String> = list.json()["Resources"].as_array().unwrap().iter().map(|g| g["displayName"].as_str().unwrap().to_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), connector.emulator.group_count());
    connector.get("/scim/v2/Groups?sortBy=members").await.assert_scim_error(400, Some("invalidValue"));
}

/// A PATCH cannot remove what Graph always keeps a value for: 400 mutability, nothing changed.
#[tokio::test(flavor = "multi_thread")]
async fn removing_what_graph_always_keeps_is_refused() {
    let connector = Connector::start().await;
    let created = connector.post_json("/scim/v2/Groups", &json!({ "displayName": "Keepers", "externalId": "keepers" })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    let path = format!("/scim/v2/Groups/{id}");
    for attribute in ["externalId", "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:securityEnabled"] {
        let reply = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "remove", "path": attribute }]))).await;
        let body = reply.assert_scim_error(400, Some("mutability"));
        assert!(body["detail"].as_str().unwrap().contains("cannot be removed"), "{body}");
    }
    assert_eq!(connector.get(&path).await.json()["externalId"], "keepers");
    // What Graph can clear still goes.
    let cleared = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "remove", "path": "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:description" }]))).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text());
}
