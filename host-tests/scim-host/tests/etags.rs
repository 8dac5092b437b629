//! Versions (RFC 7644 §3.14): every resource carries `meta.version` and an `ETag`; reads with
//! `If-None-Match` on the current version get 304; changes with a stale `If-Match` get 412 and
//! change nothing.

mod common;

use common::{Connector, TOKEN};
use serde_json::json;

fn headers<'a>(extra: &'a [(&'a str, &'a str)], auth: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("authorization", auth), ("content-type", "application/scim+json")];
    all.extend_from_slice(extra);
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn users_carry_versions_and_honour_preconditions() {
    let connector = Connector::start().await;
    let auth = format!("Bearer {TOKEN}");
    let id = connector.emulator.users()[10]["id"].as_str().unwrap().to_string();
    let path = format!("/scim/v2/Users/{id}");

    let read = connector.get(&path).await;
    let etag = read.header("etag").expect("an ETag").to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert_eq!(read.json()["meta"]["version"], json!(etag));

    let unchanged = connector.send("GET", &path, &headers(&[("if-none-match", &etag)], &auth), None).await;
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());
    assert_eq!(connector.send("GET", &path, &headers(&[("if-none-match", "W/\"0\"")], &auth), None).await.status, 200);

    let patch = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "title", "value": "Versioned" }] });
    let stale = "W/\"0000000000000000\"";
    let refused = connector.send("PATCH", &path, &headers(&[("if-match", stale)], &auth), Some(patch.to_string().into_bytes())).await;
    refused.assert_scim_error(412, None);
    assert_ne!(connector.emulator.users()[10]["jobTitle"], "Versioned", "nothing changed");

    let patched = connector.send("PATCH", &path, &headers(&[("if-match", &etag)], &auth), Some(patch.to_string().into_bytes())).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    let new_etag = patched.header("etag").unwrap().to_string();
    assert_ne!(new_etag, etag, "a change makes a new version");
    assert_eq!(connector.get(&path).await.header("etag"), Some(new_etag.as_str()));

    let mut user = patched.json();
    user["title"] = json!("Replaced");
    let put = connector.send("PUT", &path, &headers(&[("if-match", &etag)], &auth), Some(user.to_string().into_bytes())).await;
    put.assert_scim_error(412, None);

    connector.send("DELETE", &path, &headers(&[("if-match", &etag)], &auth), None).await.assert_scim_error(412, None);
    assert_eq!(connector.get(&path).await.status, 200, "still there");
    let deleted = connector.send("DELETE", &path, &headers(&[("if-match", &new_etag)], &auth), None).await;
    assert_eq!(deleted.status, 204);
}

#[tokio::test(flavor = "multi_thread")]
async fn created_resources_and_lists_carry_versions() {
    let connector = Connector::start().await;
    let created = connector.post_json("/scim/v2/Users", &json!({ "userName": "versioned.person@contoso.onmicrosoft.com" })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let etag = created.header("etag").unwrap().to_string();
    assert_eq!(created.json()["meta"]["version"], json!(etag));
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert_eq!(connector.get(&format!("/scim/v2/Users/{id}")).await.header("etag"), Some(etag.as_str()), "stable between reads");

    let list = connector.get("/scim/v2/Users?count=2").await.json();
    for user in list["Resources"].as_array().unwrap() {
        assert!(user["meta"]["version"].as_str().unwrap().starts_with("W/\""));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn group_versions_cover_members() {
    let connector = Connector::start().await;
    let auth = format!("Bearer {TOKEN}");
    let group = connector.emulator.groups().into_iter().find(|g| g["displayName"] == "Legal").unwrap();
    let path = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    let etag = connector.get(&path).await.header("etag").expect("an ETag").to_string();

    let newcomer = connector.emulator.users()[0]["id"].as_str().unwrap().to_string();
    let add = json!({ "Operations": [{ "op": "add", "path": "members", "value": [{ "value": newcomer }] }] });
    let added = connector.send("PATCH", &path, &headers(&[("if-match", &etag)], &auth), Some(add.to_string().into_bytes())).await;
    assert_eq!(added.status, 200, "{}", added.text());
    assert_ne!(added.header("etag"), Some(etag.as_str()), "a membership change makes a new version");

    let remove = json!({ "Operations": [{ "op": "remove", "path": format!("members[value eq \"{newcomer}\"]") }] });
    connector.send("PATCH", &path, &headers(&[("if-match", &etag)], &auth), Some(remove.to_string().into_bytes())).await.assert_scim_error(412, None);
    assert!(connector.emulator.members_of(group["id"].as_str().unwrap()).contains(&newcomer), "nothing changed");
}
