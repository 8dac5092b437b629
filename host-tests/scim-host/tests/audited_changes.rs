//! The B2C table's "Get Deleted Users", "Get New or Updated Users", "Get New or Updated Groups"
//! and "Get Deleted Groups": `GET /v1.0/{users|groups}/EIDExtension/{Deleted|NewOrUpdated}
//! ?Filter=AuditLogStartTime eq {startTime} and AuditLogEndTime eq {endTime}`. A scenario
//! changes some objects through the connector, then each query returns exactly those.

mod common;

use common::{Connector, encode};
use scim_graph::Instant;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now() -> Instant {
    Instant::from_unix_millis(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64)
}

fn range(start: Instant, end: Instant) -> String {
    encode(&format!("AuditLogStartTime eq {start} and AuditLogEndTime eq {end}"))
}

fn id_of(list: &[Value], key: &str, value: &str) -> String {
    let object = list.iter().find(|o| o[key] == json!(value)).unwrap_or_else(|| panic!("no {key} {value}"));
    object["id"].as_str().unwrap().to_string()
}

/// Every resource of a query, walked with `count` per page.
async fn all(connector: &Connector, path: &str, filter: &str, count: usize) -> Vec<Value> {
    let mut resources = Vec::new();
    let mut start = 1;
    loop {
        let reply = connector.get(&format!("{path}?Filter={filter}&startIndex={start}&count={count}")).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        let page = reply.json();
        let items = page["Resources"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= count);
        resources.extend(items);
        start += count;
        if start > page["totalResults"].as_u64().unwrap() as usize {
            return resources;
        }
    }
}

fn ids(resources: &[Value]) -> BTreeSet<String> {
    resources.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

async fn create_user(connector: &Connector, nickname: &str) -> String {
    let reply = connector
        .post_json("/v1.0/users", &json!({"userName": format!("{nickname}@contoso.onmicrosoft.com"), "displayName": nickname, "active": true}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_query_returns_exactly_what_changed_in_the_range() {
    let connector = Connector::start().await;
    let users = connector.emulator.users();
    let groups = connector.emulator.groups();
    let (alex, lee) = (id_of(&users, "displayName", "Alex Wilber"), id_of(&users, "displayName", "Lee Gu"));
    let (leadership, finance) = (id_of(&groups, "displayName", "Leadership"), id_of(&groups, "displayName", "Finance"));

    let before = now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let start = now();
    let (ana, ben, gone) = (create_user(&connector, "ana").await, create_user(&connector, "ben").await, create_user(&connector, "gone").await);
    let mut alex_user = connector.get(&format!("/v1.0/users/{alex}")).await.json();
    alex_user["title"] = json!("Chief Revenue Officer");
    assert_eq!(connector.send_json("PUT", &format!("/v1.0/users/{alex}"), &alex_user).await.status, 200);
    assert_eq!(connector.delete(&format!("/v1.0/users/{lee}")).await.status, 204);
    assert_eq!(connector.delete(&format!("/v1.0/users/{gone}")).await.status, 204);

    let created = connector.post_json("/v1.0/groups", &json!({"displayName": "Audit Club", "members": [{"value": ana}]})).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let club = created.json()["id"].as_str().unwrap().to_string();
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": ben}]}]});
    assert_eq!(connector.send_json("PATCH", &format!("/v1.0/groups/{leadership}"), &patch).await.status, 200);
    // A security group: Graph deletes it for good, so only the log still knows it.
    assert_eq!(connector.delete(&format!("/v1.0/groups/{finance}")).await.status, 204);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let end = now();
    let window = range(start, end);

    let changed_users = all(&connector, "/v1.0/users/EIDExtension/NewOrUpdated", &window, 2).await;
    assert_eq!(ids(&changed_users), set(&[&ana, &ben, &alex]), "created and updated, not the deleted");
    assert_eq!(changed_users.len(), 3, "no user repeated");
    let alex_now = changed_users.iter().find(|u| u["id"] == json!(alex)).unwrap();
    assert_eq!(alex_now["title"], "Chief Revenue Officer", "read live");
    assert!(alex_now["meta"]["lastModified"].as_str().is_some());

    let deleted_users = all(&connector, "/v1.0/users/EIDExtension/Deleted", &window, 100).await;
    assert_eq!(ids(&deleted_users), set(&[&lee, &gone]));
    let lee_then = deleted_users.iter().find(|u| u["id"] == json!(lee)).unwrap();
    assert_eq!(lee_then["userName"], "lee.gu@contoso.onmicrosoft.com");
    assert_eq!(lee_then["displayName"], "Lee Gu");
    assert_eq!(lee_then["active"], false);
    assert!(lee_then["meta"].get("location").is_none(), "a deleted user has no resource: {lee_then}");

    let changed_groups = all(&connector, "/v1.0/groups/EIDExtension/NewOrUpdated", &window, 1).await;
    assert_eq!(ids(&changed_groups), set(&[&club, &leadership]));
    let club_now = changed_groups.iter().find(|g| g["id"] == json!(club)).unwrap();
    assert_eq!(club_now["members"][0]["value"], json!(ana), "with members");

    let deleted_groups = all(&connector, "/v1.0/groups/EIDExtension/Deleted", &window, 100).await;
    assert_eq!(ids(&deleted_groups), set(&[&finance]));
    assert_eq!(deleted_groups[0]["displayName"], "Finance", "named from the log");

    // A range before any of it holds nothing.
    let earlier = range(before, before);
    for path in ["users/EIDExtension/NewOrUpdated", "users/EIDExtension/Deleted", "groups/EIDExtension/NewOrUpdated", "groups/EIDExtension/Deleted"] {
        let reply = connector.get(&format!("/v1.0/{path}?Filter={earlier}")).await.json();
        assert_eq!(reply["totalResults"], 0, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restored_user_is_new_or_updated_not_deleted() {
    let connector = Connector::start().await;
    let start = now();
    let id = create_user(&connector, "phoenix").await;
    assert_eq!(connector.delete(&format!("/v1.0/users/{id}")).await.status, 204);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let window = range(start, now());
    assert_eq!(ids(&all(&connector, "/v1.0/users/EIDExtension/Deleted", &window, 10).await), set(&[&id]));
    connector.emulator.restore(&id).expect("restorable");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let window = range(start, now());
    assert!(all(&connector, "/v1.0/users/EIDExtension/Deleted", &window, 10).await.is_empty());
    assert_eq!(ids(&all(&connector, "/v1.0/users/EIDExtension/NewOrUpdated", &window, 10).await), set(&[&id]));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_ranges_are_clear_errors() {
    let connector = Connector::start().await;
    let (early, late) = (Instant::parse("2026-01-01T00:00:00Z").unwrap(), Instant::parse("2026-01-02T00:00:00Z").unwrap());
    for (query, says) in [
        (String::new(), "the time range is required"),
        (format!("Filter={}", range(late, early)), "reversed"),
        (format!("Filter={}", encode("AuditLogStartTime eq yesterday and AuditLogEndTime eq 2026-01-02T00:00:00Z")), "RFC 3339"),
        (format!("Filter={}&count=-1", range(early, late)), "count"),
    ] {
        for path in ["users/EIDExtension/Deleted", "groups/EIDExtension/NewOrUpdated"] {
            let reply = connector.get(&format!("/v1.0/{path}?{query}")).await;
            assert_eq!(reply.status, 400, "{path}?{query}: {}", reply.text());
            assert!(reply.json()["detail"].as_str().unwrap().contains(says), "{path}?{query}: {}", reply.text());
        }
    }
}
