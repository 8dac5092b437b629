//! Soft delete, deleted items, restore and permanent delete over real HTTP: what leaves the
//! live lists, what a restore brings back (memberships, ownerships, reports), which groups
//! are restorable, name conflicts, listing options, 404s, and the audit entries written.

mod common;

use common::{Graph, enc};
use graph_emulator::EmulatorConfig;
use http::Method;
use serde_json::{Value, json};

const DELETED: &str = "/v1.0/directory/deletedItems";

async fn start(users: usize, groups: usize) -> Graph {
    Graph::start_with(EmulatorConfig {
        users,
        groups,
        ..Default::default()
    })
    .await
}

fn id_of(objects: &[Value], key: &str, value: &str) -> String {
    objects
        .iter()
        .find(|o| o[key] == value)
        .unwrap_or_else(|| panic!("no {key} {value}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn ids(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .expect("a value array")
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

async fn delete(graph: &Graph, url: &str) {
    let answer = graph.call(Method::DELETE, url, &[], None).await;
    assert_eq!(
        answer.status,
        204,
        "{url}: {}",
        String::from_utf8_lossy(&answer.body)
    );
}

async fn restore(graph: &Graph, id: &str, body: Option<&str>) -> common::Answer {
    graph
        .call(Method::POST, &format!("{DELETED}/{id}/restore"), &[], body)
        .await
}

/// The audit entries about `id`, oldest first.
async fn audit_of(graph: &Graph, id: &str) -> Vec<String> {
    let filter = enc(&format!("targetResources/any(t: t/id eq '{id}')"));
    let body = graph
        .get(&format!("/v1.0/auditLogs/directoryAudits?$filter={filter}"))
        .await
        .json();
    let mut names: Vec<String> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["activityDisplayName"].as_str().unwrap().to_string())
        .collect();
    names.reverse();
    names
}

#[tokio::test]
async fn a_deleted_user_waits_in_deleted_items_and_comes_back_with_its_links() {
    let graph = start(100, 20).await;
    let users = graph.emulator.users();
    let diego = id_of(
        &users,
        "userPrincipalName",
        "diego.siciliani@contoso.onmicrosoft.com",
    );
    let lee = id_of(
        &users,
        "userPrincipalName",
        "lee.gu@contoso.onmicrosoft.com",
    );
    let groups = graph.emulator.groups();
    let engineering = id_of(&groups, "displayName", "Engineering");
    let nested = id_of(&groups, "displayName", "Product and Engineering");
    let members_before = graph.emulator.members_of(&engineering);
    let owners_before = graph.emulator.owners_of(&engineering);
    assert!(members_before.contains(&diego) && owners_before.contains(&diego));
    assert_eq!(graph.emulator.manager_of(&lee), Some(diego.clone()));

    delete(&graph, &format!("/v1.0/users/{diego}")).await;
    assert_eq!(graph.get(&format!("/v1.0/users/{diego}")).await.status, 404);
    assert_eq!(graph.emulator.user_count(), 99);
    assert!(!graph.emulator.members_of(&engineering).contains(&diego));
    assert!(graph.emulator.owners_of(&nested).is_empty());
    assert_eq!(graph.emulator.manager_of(&lee), None);

    let listed = graph.get(&format!("{DELETED}/microsoft.graph.user")).await;
    assert_eq!(
        listed.status,
        200,
        "{}",
        String::from_utf8_lossy(&listed.body)
    );
    let listed = listed.json();
    assert!(
        listed["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#users")
    );
    let item = &listed["value"][0];
    assert_eq!(item["id"], diego.as_str());
    assert_eq!(
        item["userPrincipalName"],
        "diego.siciliani@contoso.onmicrosoft.com"
    );
    let deleted_at = item["deletedDateTime"].as_str().unwrap();
    assert!(
        deleted_at.starts_with("20") && deleted_at.ends_with('Z'),
        "{deleted_at}"
    );
    assert_eq!(ids(&listed).len(), 1);

    let one = graph.get(&format!("{DELETED}/{diego}")).await.json();
    assert_eq!(one["@odata.type"], "#microsoft.graph.user");
    assert_eq!(one["deletedDateTime"], deleted_at);
    assert!(
        one["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#directoryObjects/$entity")
    );
    let selected = graph
        .get(&format!("{DELETED}/{diego}?$select=displayName"))
        .await
        .json();
    assert_eq!(selected["displayName"], "Diego Siciliani");
    assert!(selected.get("userPrincipalName").is_none());

    let restored = restore(&graph, &diego, None).await;
    assert_eq!(
        restored.status,
        200,
        "{}",
        String::from_utf8_lossy(&restored.body)
    );
    let restored = restored.json();
    assert_eq!(restored["@odata.type"], "#microsoft.graph.user");
    assert_eq!(restored["id"], diego.as_str());
    assert_eq!(graph.get(&format!("/v1.0/users/{diego}")).await.status, 200);
    assert_eq!(
        graph.emulator.members_of(&engineering),
        members_before,
        "same order"
    );
    assert_eq!(graph.emulator.owners_of(&engineering), owners_before);
    assert_eq!(graph.emulator.owners_of(&nested), vec![diego.clone()]);
    assert_eq!(graph.emulator.manager_of(&lee), Some(diego.clone()));
    let member_of = graph
        .get(&format!("/v1.0/users/{diego}/memberOf?$select=id"))
        .await
        .json();
    assert!(ids(&member_of).contains(&engineering));

    assert_eq!(graph.get(&format!("{DELETED}/{diego}")).await.status, 404);
    let listed = graph
        .get(&format!("{DELETED}/microsoft.graph.user"))
        .await
        .json();
    assert!(ids(&listed).is_empty());
    assert_eq!(
        audit_of(&graph, &diego).await,
        ["Delete user", "Restore user"]
    );
}

#[tokio::test]
async fn microsoft_365_groups_are_restorable_and_security_groups_deleted_for_good() {
    let graph = start(100, 20).await;
    let groups = graph.emulator.groups();
    let mark8 = id_of(&groups, "displayName", "Mark 8 Project Team");
    let sales = id_of(&groups, "displayName", "Sales");
    let members = graph.emulator.members_of(&mark8);
    let owners = graph.emulator.owners_of(&mark8);

    delete(&graph, &format!("/v1.0/groups/{mark8}")).await;
    delete(&graph, &format!("/v1.0/groups/{sales}")).await;
    assert_eq!(graph.emulator.group_count(), 18);
    let listed = graph
        .get(&format!("{DELETED}/microsoft.graph.group"))
        .await
        .json();
    assert_eq!(ids(&listed), [mark8.as_str()]);
    assert_eq!(listed["value"][0]["groupTypes"], json!(["Unified"]));
    assert!(listed["value"][0]["deletedDateTime"].is_string());
    let sales_item = graph.get(&format!("{DELETED}/{sales}")).await;
    assert_eq!(
        (sales_item.status, sales_item.code().as_str()),
        (404, "Request_ResourceNotFound")
    );
    assert_eq!(
        graph.get(&format!("{DELETED}/{mark8}")).await.json()["@odata.type"],
        "#microsoft.graph.group"
    );

    // A member deleted while the group waits leaves it, and comes back with it.
    let megan = id_of(
        &graph.emulator.users(),
        "userPrincipalName",
        "megan.bowen@contoso.onmicrosoft.com",
    );
    assert!(members.contains(&megan));
    delete(&graph, &format!("/v1.0/users/{megan}")).await;

    let restored = restore(&graph, &mark8, None).await;
    assert_eq!(
        restored.status,
        200,
        "{}",
        String::from_utf8_lossy(&restored.body)
    );
    assert_eq!(restored.json()["@odata.type"], "#microsoft.graph.group");
    assert_eq!(
        graph.get(&format!("/v1.0/groups/{mark8}")).await.status,
        200
    );
    assert!(!graph.emulator.members_of(&mark8).contains(&megan));
    assert_eq!(restore(&graph, &megan, None).await.status, 200);
    assert_eq!(graph.emulator.members_of(&mark8), members);
    assert_eq!(graph.emulator.owners_of(&mark8), owners);

    assert_eq!(
        audit_of(&graph, &mark8).await.first().map(String::as_str),
        Some("Delete group")
    );
    assert!(
        audit_of(&graph, &mark8)
            .await
            .contains(&"Restore group".to_string())
    );
    assert_eq!(audit_of(&graph, &sales).await, ["Delete group"]);
    assert_eq!(restore(&graph, &sales, None).await.status, 404);
}

fn new_user(upn: &str) -> String {
    json!({
        "accountEnabled": true,
        "displayName": "Nina Test",
        "mailNickname": "nina",
        "userPrincipalName": upn,
        "passwordProfile": { "password": "xWwvJ]6NMw+bWH-d" }
    })
    .to_string()
}

async fn create(graph: &Graph, url: &str, body: &str) -> String {
    let answer = graph.call(Method::POST, url, &[], Some(body)).await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn restore_is_refused_while_a_live_object_holds_the_name() {
    let graph = start(3, 0).await;
    let upn = "nina@contoso.onmicrosoft.com";
    let first = create(&graph, "/v1.0/users", &new_user(upn)).await;
    delete(&graph, &format!("/v1.0/users/{first}")).await;
    // The name is free while its holder waits in deleted items.
    let second = create(&graph, "/v1.0/users", &new_user(&upn.to_uppercase())).await;

    let refused = restore(&graph, &first, None).await;
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (400, "Request_BadRequest")
    );
    assert_eq!(
        refused.message(),
        "Another object with the same value for property userPrincipalName already exists."
    );
    assert_eq!(
        refused.json()["error"]["details"][1]["target"],
        second.as_str()
    );
    assert!(
        graph.get(&format!("{DELETED}/{first}")).await.status == 200,
        "still deleted"
    );

    for (body, code) in [
        (
            r#"{"newUserPrincipalName": "not-a-upn"}"#,
            "Request_BadRequest",
        ),
        (r#"{"shoeSize": 42}"#, "BadRequest"),
        ("not json", "BadRequest"),
    ] {
        let answer = restore(&graph, &first, Some(body)).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (400, code),
            "{body}"
        );
    }
    let renamed = restore(
        &graph,
        &first,
        Some(r#"{"newUserPrincipalName": "nina.old@contoso.onmicrosoft.com", "autoReconcileProxyConflict": true}"#),
    )
    .await;
    assert_eq!(
        renamed.status,
        200,
        "{}",
        String::from_utf8_lossy(&renamed.body)
    );
    assert_eq!(
        renamed.json()["userPrincipalName"],
        "nina.old@contoso.onmicrosoft.com"
    );
    assert_eq!(
        graph
            .get("/v1.0/users/nina.old@contoso.onmicrosoft.com")
            .await
            .status,
        200
    );

    let team = json!({
        "displayName": "Team",
        "groupTypes": ["Unified"],
        "mailEnabled": true,
        "mailNickname": "team",
        "securityEnabled": false,
    })
    .to_string();
    let old_team = create(&graph, "/v1.0/groups", &team).await;
    delete(&graph, &format!("/v1.0/groups/{old_team}")).await;
    create(&graph, "/v1.0/groups", &team).await;
    let refused = restore(&graph, &old_team, None).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.message(),
        "Another object with the same value for property mailNickname already exists."
    );
}

#[tokio::test]
async fn permanent_delete_ends_it_and_unknown_items_are_404() {
    let graph = start(3, 0).await;
    let id = create(
        &graph,
        "/v1.0/users",
        &new_user("gone@contoso.onmicrosoft.com"),
    )
    .await;
    delete(&graph, &format!("/v1.0/users/{id}")).await;
    delete(&graph, &format!("{DELETED}/{id}")).await;
    for answer in [
        graph.get(&format!("{DELETED}/{id}")).await,
        graph
            .call(Method::DELETE, &format!("{DELETED}/{id}"), &[], None)
            .await,
        restore(&graph, &id, None).await,
        graph.get(&format!("/v1.0/users/{id}")).await,
        graph
            .get(&format!("{DELETED}/00000000-0000-4000-8000-000000000000"))
            .await,
    ] {
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (404, "Request_ResourceNotFound")
        );
    }
    assert_eq!(
        audit_of(&graph, &id).await,
        ["Add user", "Delete user", "Hard Delete user"]
    );
    let entries = graph
        .get(&format!(
            "/v1.0/auditLogs/directoryAudits?$filter={}",
            enc("activityDisplayName eq 'Hard Delete user'")
        ))
        .await
        .json();
    assert_eq!(entries["value"][0]["operationType"], "Delete");
    assert_eq!(entries["value"][0]["category"], "UserManagement");

    assert_eq!(graph.get(DELETED).await.status, 400);
    let other = graph
        .get(&format!("{DELETED}/microsoft.graph.application"))
        .await;
    assert_eq!(
        (other.status, other.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );
    let wrong = graph
        .call(
            Method::POST,
            &format!("{DELETED}/microsoft.graph.user"),
            &[],
            Some("{}"),
        )
        .await;
    assert_eq!(wrong.status, 405);
    assert_eq!(
        graph
            .call(Method::PATCH, &format!("{DELETED}/{id}"), &[], Some("{}"))
            .await
            .status,
        405
    );
}

#[tokio::test]
async fn deleted_lists_page_filter_select_sort_and_count() {
    let graph = start(12, 0).await;
    let users = graph.emulator.users();
    for user in &users[5..12] {
        delete(
            &graph,
            &format!("/v1.0/users/{}", user["id"].as_str().unwrap()),
        )
        .await;
    }
    let url = format!("{DELETED}/microsoft.graph.user?$top=3&$select=id,displayName");
    let mut seen = Vec::new();
    let mut next = Some(url);
    while let Some(url) = next {
        let body = graph.get(&url).await.json();
        seen.extend(ids(&body));
        for item in body["value"].as_array().unwrap() {
            let mut keys: Vec<&String> = item.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(keys, ["displayName", "id"]);
        }
        next = body["@odata.nextLink"].as_str().map(str::to_string);
    }
    let expected: Vec<String> = users[5..12]
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, expected);

    let seventh = users[11]["id"].as_str().unwrap();
    let by_id = graph
        .get(&format!(
            "{DELETED}/microsoft.graph.user?$filter={}",
            enc(&format!("id eq '{seventh}'"))
        ))
        .await
        .json();
    assert_eq!(ids(&by_id), [seventh]);
    let name = users[6]["displayName"].as_str().unwrap();
    let by_name = graph
        .get(&format!(
            "{DELETED}/microsoft.graph.user?$filter={}",
            enc(&format!("startswith(displayName,'{name}')"))
        ))
        .await
        .json();
    assert!(ids(&by_name).contains(&users[6]["id"].as_str().unwrap().to_string()));

    let sorted = format!(
        "{DELETED}/microsoft.graph.user?$orderby={}",
        enc("deletedDateTime desc")
    );
    let refused = graph.get(&sorted).await;
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );
    let answer = graph.get_eventual(&format!("{sorted}&$count=true")).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.json()["@odata.count"], 7);
    // Users' deletedDateTime also filters, as an advanced query.
    let since = format!(
        "{DELETED}/microsoft.graph.user?$count=true&$filter={}",
        enc("deletedDateTime ge 2000-01-01T00:00:00Z")
    );
    assert_eq!(graph.get(&since).await.status, 400);
    assert_eq!(graph.get_eventual(&since).await.json()["@odata.count"], 7);
    let by_upn = graph
        .get(&format!(
            "{DELETED}/microsoft.graph.user?$orderby=userPrincipalName&$select=userPrincipalName"
        ))
        .await
        .json();
    let upns: Vec<&str> = by_upn["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .collect();
    let mut sorted_upns = upns.clone();
    sorted_upns.sort();
    assert_eq!(upns, sorted_upns);
    assert!(
        graph
            .get(&format!("{DELETED}/microsoft.graph.group"))
            .await
            .json()["value"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
