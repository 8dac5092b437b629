//! The directory audit log over real HTTP: which entries each change writes (names,
//! categories, targets), time-range and other filters, paging newest first, and refusals.

mod common;

use common::{Graph, enc};
use http::Method;
use serde_json::{Value, json};

const AUDITS: &str = "/v1.0/auditLogs/directoryAudits";

fn new_user(upn: &str, name: &str) -> String {
    json!({
        "accountEnabled": true,
        "displayName": name,
        "mailNickname": upn.split('@').next().unwrap(),
        "userPrincipalName": upn,
        "passwordProfile": { "password": "xWwvJ]6NMw+bWH-d" }
    })
    .to_string()
}

async fn create_user(graph: &Graph, upn: &str, name: &str) -> String {
    let answer = graph
        .call(Method::POST, "/v1.0/users", &[], Some(&new_user(upn, name)))
        .await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["id"].as_str().unwrap().to_string()
}

async fn send(graph: &Graph, method: Method, url: &str, body: Option<Value>) {
    let body = body.map(|b| b.to_string());
    let answer = graph.call(method, url, &[], body.as_deref()).await;
    assert!(
        answer.status < 300,
        "{url}: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
}

fn reference(id: &str) -> Value {
    json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") })
}

/// Every entry, following next links from `url`.
async fn entries(graph: &Graph, url: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut next = Some(url.to_string());
    while let Some(url) = next {
        let answer = graph.get(&url).await;
        assert_eq!(
            answer.status,
            200,
            "{url}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        let body = answer.json();
        all.extend(body["value"].as_array().unwrap().iter().cloned());
        next = body["@odata.nextLink"].as_str().map(str::to_string);
    }
    all
}

async fn filtered(graph: &Graph, filter: &str) -> Vec<Value> {
    entries(graph, &format!("{AUDITS}?$filter={}", enc(filter))).await
}

fn activities(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["activityDisplayName"].as_str().unwrap())
        .collect()
}

fn target_ids(entry: &Value) -> Vec<&str> {
    entry["targetResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn every_change_writes_an_entry_with_graphs_names_and_targets() {
    let graph = Graph::start(5).await;
    let log = entries(&graph, AUDITS).await;
    assert!(log.is_empty(), "the demo tenant predates the log: {log:?}");

    let nina = create_user(&graph, "nina@contoso.onmicrosoft.com", "Nina Test").await;
    let omar = create_user(&graph, "omar@contoso.onmicrosoft.com", "Omar Test").await;
    let user = |id: &str| format!("/v1.0/users/{id}");
    send(
        &graph,
        Method::PATCH,
        &user(&nina),
        Some(json!({"jobTitle": "Lead", "city": null})),
    )
    .await;
    send(
        &graph,
        Method::PUT,
        &format!("{}/manager/$ref", user(&nina)),
        Some(reference(&omar)),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("{}/manager/$ref", user(&nina)),
        None,
    )
    .await;

    let body = json!({
        "displayName": "Audit Team",
        "mailEnabled": false,
        "mailNickname": "auditteam",
        "securityEnabled": true,
        "members@odata.bind": [reference(&nina)["@odata.id"]],
        "owners@odata.bind": [reference(&omar)["@odata.id"]],
    });
    let answer = graph
        .call(Method::POST, "/v1.0/groups", &[], Some(&body.to_string()))
        .await;
    assert_eq!(answer.status, 201);
    let team = answer.json()["id"].as_str().unwrap().to_string();
    let group = format!("/v1.0/groups/{team}");
    send(
        &graph,
        Method::PATCH,
        &group,
        Some(json!({"description": "Reviews"})),
    )
    .await;
    send(
        &graph,
        Method::POST,
        &format!("{group}/members/$ref"),
        Some(reference(&omar)),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("{group}/members/{omar}/$ref"),
        None,
    )
    .await;
    send(
        &graph,
        Method::POST,
        &format!("{group}/owners/$ref"),
        Some(reference(&nina)),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("{group}/owners/{omar}/$ref"),
        None,
    )
    .await;
    send(&graph, Method::DELETE, &group, None).await;
    send(&graph, Method::DELETE, &user(&omar), None).await;

    let mut log = entries(&graph, AUDITS).await;
    log.reverse();
    assert_eq!(
        activities(&log),
        [
            "Add user",
            "Add user",
            "Update user",
            "Set user manager",
            "Update user",
            "Add group",
            "Add member to group",
            "Add owner to group",
            "Update group",
            "Add member to group",
            "Remove member from group",
            "Add owner to group",
            "Remove owner from group",
            "Delete group",
            "Delete user",
        ]
    );
    let config = graph.emulator.config();
    for entry in &log {
        let user_side = entry["activityDisplayName"]
            .as_str()
            .unwrap()
            .ends_with("user")
            || entry["activityDisplayName"] == "Set user manager";
        let category = if user_side {
            "UserManagement"
        } else {
            "GroupManagement"
        };
        assert_eq!(entry["category"], category, "{entry}");
        assert_eq!(entry["result"], "success");
        assert_eq!(entry["resultReason"], "");
        assert_eq!(entry["loggedByService"], "Core Directory");
        assert_eq!(
            entry["initiatedBy"]["app"]["appId"],
            config.client_id.as_str()
        );
        assert_eq!(entry["initiatedBy"]["user"], Value::Null);
        assert_eq!(entry["additionalDetails"], json!([]));
        let time = entry["activityDateTime"].as_str().unwrap();
        assert_eq!(time.len(), "2026-11-22T10:11:12.1234567Z".len(), "{time}");
    }
    let operations: Vec<&str> = log
        .iter()
        .map(|e| e["operationType"].as_str().unwrap())
        .collect();
    assert_eq!(&operations[..3], ["Add", "Add", "Update"]);
    assert_eq!(&operations[6..8], ["Assign", "Assign"]);
    assert_eq!(operations[10], "Unassign");
    assert_eq!(operations[14], "Delete");

    // A group's creation and the links it binds share one correlation id.
    let created: Vec<&Value> = log[5..8].iter().map(|e| &e["correlationId"]).collect();
    assert!(created.iter().all(|c| *c == created[0]));
    assert_ne!(log[4]["correlationId"], log[5]["correlationId"]);

    let add_user = &log[0]["targetResources"][0];
    assert_eq!(add_user["id"], nina.as_str());
    assert_eq!(add_user["type"], "User");
    assert_eq!(add_user["displayName"], "Nina Test");
    assert_eq!(
        add_user["userPrincipalName"],
        "nina@contoso.onmicrosoft.com"
    );
    let set: Vec<&str> = add_user["modifiedProperties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["displayName"].as_str().unwrap())
        .collect();
    assert!(
        set.contains(&"UserPrincipalName") && set.contains(&"AccountEnabled"),
        "{set:?}"
    );
    assert!(
        !set.contains(&"PasswordProfile"),
        "passwords stay out of the log"
    );

    // Only what changed is listed: city was already unset.
    assert_eq!(
        log[2]["targetResources"][0]["modifiedProperties"],
        json!([
            { "displayName": "JobTitle", "oldValue": "[]", "newValue": "[\"Lead\"]" },
            { "displayName": "Included Updated Properties", "oldValue": null, "newValue": "\"JobTitle\"" },
        ])
    );
    assert_eq!(target_ids(&log[3]), [nina.as_str(), omar.as_str()]);
    assert_eq!(
        log[4]["targetResources"][0]["modifiedProperties"][0],
        json!({ "displayName": "Manager", "oldValue": format!("[\"{omar}\"]"), "newValue": "[]" })
    );

    // Membership entries name the member first, then the group.
    let add_member = &log[6]["targetResources"];
    assert_eq!(target_ids(&log[6]), [nina.as_str(), team.as_str()]);
    assert_eq!(add_member[0]["type"], "User");
    assert_eq!(add_member[1]["type"], "Group");
    assert_eq!(add_member[1]["displayName"], "Audit Team");
    assert_eq!(add_member[1]["groupType"], "azureAD");
    assert_eq!(
        add_member[0]["modifiedProperties"][0],
        json!({ "displayName": "Group.ObjectID", "oldValue": null, "newValue": format!("\"{team}\"") })
    );
    let removed = &log[10]["targetResources"][0]["modifiedProperties"][1];
    assert_eq!(
        *removed,
        json!({ "displayName": "Group.DisplayName", "oldValue": "\"Audit Team\"", "newValue": null })
    );
    assert_eq!(target_ids(&log[12]), [omar.as_str(), team.as_str()]);
    assert_eq!(target_ids(&log[13]), [team.as_str()]);
    assert_eq!(target_ids(&log[14]), [omar.as_str()]);
}

#[tokio::test]
async fn time_ranges_include_their_boundaries_and_combine_with_other_filters() {
    let graph = Graph::start(3).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            create_user(
                &graph,
                &format!("t{i}@contoso.onmicrosoft.com"),
                &format!("T {i}"),
            )
            .await,
        );
    }
    let group = graph
        .call(
            Method::POST,
            "/v1.0/groups",
            &[],
            Some(&json!({"displayName": "Range", "mailEnabled": false, "mailNickname": "range", "securityEnabled": true}).to_string()),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut log = entries(&graph, AUDITS).await;
    log.reverse();
    let times: Vec<&str> = log
        .iter()
        .map(|e| e["activityDateTime"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {times:?}"
    );

    let range = |op1: &str, op2: &str| {
        format!(
            "activityDateTime {op1} {} and activityDateTime {op2} {}",
            times[1], times[3]
        )
    };
    let names = |entries: &[Value]| -> Vec<String> {
        entries
            .iter()
            .map(|e| {
                e["targetResources"][0]["displayName"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        names(&filtered(&graph, &range("ge", "le")).await),
        ["T 3", "T 2", "T 1"]
    );
    assert_eq!(names(&filtered(&graph, &range("gt", "lt")).await), ["T 2"]);
    assert!(
        filtered(&graph, &format!("activityDateTime gt {}", times[5]))
            .await
            .is_empty()
    );
    // Whole seconds and offsets are instants too.
    assert_eq!(
        filtered(&graph, "activityDateTime ge 2000-01-01T01:00:00+01:00")
            .await
            .len(),
        6
    );
    assert!(
        filtered(&graph, "activityDateTime le 2000-01-01T00:00:00Z")
            .await
            .is_empty()
    );

    assert_eq!(
        names(&filtered(&graph, "category eq 'GroupManagement'").await),
        ["Range"]
    );
    let either = "(activityDisplayName eq 'Add group' or activityDisplayName eq 'Delete user') and loggedByService eq 'Core Directory'";
    assert_eq!(names(&filtered(&graph, either).await), ["Range"]);
    let target = format!("targetResources/any(t: t/id eq '{}')", ids[2]);
    assert_eq!(names(&filtered(&graph, &target).await), ["T 2"]);
    let target = format!(
        "targetResources/any(t: t/id eq '{group}') or {}",
        range("ge", "le")
    );
    assert_eq!(
        names(&filtered(&graph, &target).await),
        ["Range", "T 3", "T 2", "T 1"]
    );
}

#[tokio::test]
async fn paging_walks_the_log_newest_first_once() {
    let graph = Graph::start(3).await;
    for i in 0..7 {
        create_user(
            &graph,
            &format!("p{i}@contoso.onmicrosoft.com"),
            &format!("P {i}"),
        )
        .await;
    }
    let first = graph.get(&format!("{AUDITS}?$top=3")).await.json();
    assert_eq!(first["value"].as_array().unwrap().len(), 3);
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.contains("/v1.0/auditLogs/directoryAudits?") && next.contains("$skiptoken="),
        "{next}"
    );
    assert!(
        first["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#auditLogs/directoryAudits")
    );

    let newest_first = entries(&graph, &format!("{AUDITS}?$top=3")).await;
    let names: Vec<&str> = newest_first
        .iter()
        .map(|e| e["targetResources"][0]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["P 6", "P 5", "P 4", "P 3", "P 2", "P 1", "P 0"]);
    let oldest_first = entries(
        &graph,
        &format!("{AUDITS}?$top=2&$orderby=activityDateTime%20asc"),
    )
    .await;
    let mut reversed = oldest_first.clone();
    reversed.reverse();
    assert_eq!(reversed, newest_first);

    let selected = graph
        .get(&format!("{AUDITS}?$top=1&$select=activityDateTime,id"))
        .await
        .json();
    let keys: Vec<&String> = selected["value"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["activityDateTime", "id"]);

    let filtered = format!(
        "{AUDITS}?$top=2&$filter={}",
        enc("startswith(activityDisplayName,'Add')")
    );
    assert_eq!(entries(&graph, &filtered).await.len(), 7);
    let answer = graph.get(&format!("{AUDITS}?$top=1001")).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );
    assert_eq!(graph.get(&format!("{AUDITS}?$top=1000")).await.status, 200);
}

#[tokio::test]
async fn unsupported_queries_are_refused_with_400() {
    let graph = Graph::start(3).await;
    for (query, code) in [
        (
            "$filter=category ne 'UserManagement'",
            "Request_UnsupportedQuery",
        ),
        (
            "$filter=not(category eq 'UserManagement')",
            "Request_UnsupportedQuery",
        ),
        (
            "$filter=endswith(activityDisplayName,'user')",
            "Request_UnsupportedQuery",
        ),
        ("$filter=resultReason eq ''", "Request_UnsupportedQuery"),
        ("$filter=shoeSize eq '42'", "BadRequest"),
        ("$filter=activityDateTime ge '2024-01-01'", "BadRequest"),
        (
            "$filter=targetResources/any(t: t/shoeSize eq 'x')",
            "BadRequest",
        ),
        ("$orderby=category", "Request_UnsupportedQuery"),
        ("$expand=targetResources", "BadRequest"),
    ] {
        let (key, value) = query.split_once('=').unwrap();
        let answer = graph.get(&format!("{AUDITS}?{key}={}", enc(value))).await;
        assert_eq!(
            answer.status,
            400,
            "{query}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(answer.code(), code, "{query}: {}", answer.message());
    }
    let answer = graph.call(Method::POST, AUDITS, &[], Some("{}")).await;
    assert_eq!(answer.status, 405);
    let answer = graph.get("/v1.0/auditLogs/signIns").await;
    assert_eq!((answer.status, answer.code().as_str()), (400, "BadRequest"));
}
