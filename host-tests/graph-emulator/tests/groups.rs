//! Groups over real HTTP: listing, paging, `$select`, `$filter`, `$orderby`, `$count`,
//! `$expand=members`, create/update/delete, the members and owners relationships, memberOf,
//! what deleting users and groups does to memberships, and the deterministic demo groups.

mod common;

use std::collections::HashSet;

use common::{Graph, enc};
use graph_emulator::EmulatorConfig;
use http::Method;
use serde_json::{Value, json};

const GROUP_DEFAULT_SET: [&str; 33] = [
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "creationOptions",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
    "serviceProvisioningErrors",
];

const USER_DEFAULT_SET: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

async fn start(users: usize, groups: usize) -> Graph {
    Graph::start_with(EmulatorConfig {
        users,
        groups,
        ..Default::default()
    })
    .await
}

/// The id of the demo group with this display name.
fn group_id(graph: &Graph, name: &str) -> String {
    graph
        .emulator
        .groups()
        .iter()
        .find(|g| g["displayName"] == name)
        .unwrap_or_else(|| panic!("no group {name}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn user_id(graph: &Graph, upn: &str) -> String {
    graph
        .emulator
        .users()
        .iter()
        .find(|u| u["userPrincipalName"] == upn)
        .unwrap_or_else(|| panic!("no user {upn}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn values(body: &Value, key: &str) -> Vec<String> {
    body["value"]
        .as_array()
        .expect("a value array")
        .iter()
        .map(|v| v[key].as_str().unwrap_or_default().to_string())
        .collect()
}

fn sorted_keys(object: &Value) -> Vec<String> {
    let mut keys: Vec<String> = object.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    names.sort();
    names
}

/// Follows `@odata.nextLink` from `url`, returning every page's body.
async fn walk(graph: &Graph, url: &str, eventual: bool) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = Some(url.to_string());
    while let Some(url) = next {
        let answer = if eventual {
            graph.get_eventual(&url).await
        } else {
            graph.get(&url).await
        };
        assert_eq!(
            answer.status,
            200,
            "{url}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        let body = answer.json();
        next = body["@odata.nextLink"].as_str().map(str::to_string);
        pages.push(body);
        assert!(pages.len() < 1000, "runaway paging");
    }
    pages
}

async fn filtered(graph: &Graph, filter: &str) -> Vec<String> {
    let answer = graph
        .get(&format!("/v1.0/groups?$filter={}", enc(filter)))
        .await;
    assert_eq!(
        answer.status,
        200,
        "{filter}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    values(&answer.json(), "displayName")
}

fn reference(id: &str) -> String {
    json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") })
        .to_string()
}

#[tokio::test]
async fn listing_pages_over_every_group_exactly_once() {
    let graph = start(100, 45).await;
    let all: HashSet<String> = graph
        .emulator
        .groups()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!((all.len(), graph.emulator.group_count()), (45, 45));

    // The default page (100) holds them all.
    let body = graph.get("/v1.0/groups").await.json();
    assert_eq!(body["value"].as_array().unwrap().len(), 45);
    assert!(body.get("@odata.nextLink").is_none());

    let pages = walk(&graph, "/v1.0/groups?$top=7&$select=id,displayName", false).await;
    assert_eq!(pages.len(), 7);
    let mut seen = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if let Some(next) = page["@odata.nextLink"].as_str() {
            assert!(next.starts_with(&format!("{}/v1.0/groups?", graph.emulator.base_url())));
            assert!(
                next.contains("$top=7") && next.contains("$select=id,displayName"),
                "{next}"
            );
        } else {
            assert_eq!(i, 6, "only the last page lacks a nextLink");
        }
        seen.extend(values(page, "id"));
    }
    assert_eq!(seen.len(), 45);
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), all);

    // A users skip token does not page groups, nor the other way round.
    let users_next = graph.get("/v1.0/users?$top=5").await.json()["@odata.nextLink"]
        .as_str()
        .unwrap()
        .to_string();
    let token = users_next.split("$skiptoken=").nth(1).unwrap();
    let answer = graph
        .get(&format!("/v1.0/groups?$top=5&$skiptoken={token}"))
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_BadRequest")
    );

    for bad in ["0", "1000"] {
        let answer = graph.get(&format!("/v1.0/groups?$top={bad}")).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (400, "Request_UnsupportedQuery")
        );
    }
}

#[tokio::test]
async fn groups_come_with_graphs_default_properties_unless_selected() {
    let graph = start(30, 20).await;
    let body = graph.get("/v1.0/groups").await.json();
    let base = graph.emulator.base_url();
    assert_eq!(
        body["@odata.context"],
        format!("{base}/v1.0/$metadata#groups")
    );
    let all_company = &body["value"][0];
    assert_eq!(sorted_keys(all_company), sorted(&GROUP_DEFAULT_SET));
    assert_eq!(all_company["displayName"], "All Company");
    assert_eq!(all_company["groupTypes"], json!(["Unified"]));
    assert_eq!(all_company["mail"], "allcompany@contoso.onmicrosoft.com");
    assert_eq!(
        all_company["expirationDateTime"],
        Value::Null,
        "unset properties are null"
    );
    let sales = &body["value"][2];
    assert_eq!(sales["displayName"], "Sales");
    assert_eq!(
        (
            sales["securityEnabled"].as_bool(),
            sales["mailEnabled"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(sales["mail"], Value::Null);

    let answer = graph
        .get("/v1.0/groups?$select=id,DISPLAYNAME,assignedLicenses,members")
        .await;
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#groups(id,displayName,assignedLicenses)")
    );
    let first = &body["value"][0];
    assert_eq!(
        sorted_keys(first),
        sorted(&["id", "displayName", "assignedLicenses"])
    );
    assert_eq!(
        first["assignedLicenses"],
        json!([]),
        "$select-only properties come when asked"
    );

    let one = graph
        .get(&format!(
            "/v1.0/groups/{}?$select=mailNickname",
            group_id(&graph, "Legal")
        ))
        .await
        .json();
    assert_eq!(one["mailNickname"], "legal");
    assert!(
        one["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#groups(mailNickname)/$entity")
    );
    assert!(one.get("displayName").is_none());

    let answer = graph.get("/v1.0/groups?$select=userPrincipalName").await;
    assert_eq!((answer.status, answer.code().as_str()), (400, "BadRequest"));
    assert_eq!(
        answer.message(),
        "Could not find a property named 'userPrincipalName' on type 'microsoft.graph.group'."
    );
}

#[tokio::test]
async fn filters_on_names_ids_flags_and_group_types() {
    let graph = start(100, 20).await;
    let groups = graph.emulator.groups();
    let projects: Vec<String> = groups
        .iter()
        .map(|g| g["displayName"].as_str().unwrap().to_string())
        .filter(|n| n.starts_with("Project "))
        .collect();
    assert_eq!(projects.len(), 6);

    assert_eq!(
        filtered(&graph, "displayName eq 'engineering'").await,
        vec!["Engineering"]
    );
    assert_eq!(
        filtered(&graph, "mailNickname eq 'productandengineering'").await,
        vec!["Product and Engineering"]
    );
    assert_eq!(
        filtered(&graph, &format!("id eq '{}'", group_id(&graph, "IT"))).await,
        vec!["IT"]
    );
    let m365 = vec!["All Company", "Mark 8 Project Team"];
    assert_eq!(
        filtered(&graph, "groupTypes/any(c:c eq 'Unified')").await,
        m365
    );
    assert_eq!(filtered(&graph, "securityEnabled eq false").await, m365);
    assert_eq!(filtered(&graph, "mailEnabled eq true").await, m365);
    assert_eq!(
        filtered(&graph, "startswith(displayName,'project')").await,
        projects
    );
    assert_eq!(
        filtered(&graph, "displayName in ('IT', 'Legal')").await,
        vec!["Legal", "IT"]
    );
    assert_eq!(
        filtered(
            &graph,
            "securityEnabled eq true and startswith(mailNickname,'pro')"
        )
        .await,
        [
            &["Product Management", "Product and Engineering"][..],
            &projects.iter().map(String::as_str).collect::<Vec<_>>()
        ]
        .concat()
    );

    // Negation is an advanced query.
    let url = format!(
        "/v1.0/groups?$filter={}",
        enc("not(groupTypes/any(c:c eq 'Unified'))")
    );
    let answer = graph.get(&url).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );
    let body = graph
        .get_eventual(&format!("{url}&$count=true"))
        .await
        .json();
    assert_eq!(body["@odata.count"], 18);
    assert!(!values(&body, "displayName").contains(&"All Company".to_string()));

    // Visibility is returned but not filterable; createdDateTime needs advanced queries.
    let answer = graph
        .get(&format!(
            "/v1.0/groups?$filter={}",
            enc("visibility eq 'Public'")
        ))
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );
    assert_eq!(
        answer.message(),
        "Unsupported or invalid query filter clause specified for property 'visibility' of resource 'Group'."
    );
    let url = format!(
        "/v1.0/groups?$filter={}",
        enc("createdDateTime ge 2016-01-01T00:00:00Z")
    );
    assert_eq!(graph.get(&url).await.status, 400);
    let body = graph
        .get_eventual(&format!("{url}&$count=true"))
        .await
        .json();
    assert_eq!(body["@odata.count"], 20);

    let answer = graph
        .get(&format!(
            "/v1.0/groups?$filter={}",
            enc("accountEnabled eq true")
        ))
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.message().contains("'accountEnabled'"),
        "{}",
        answer.message()
    );
}

#[tokio::test]
async fn orderby_display_name_works_by_default_but_not_with_a_filter() {
    let graph = start(60, 30).await;
    let names = |pages: &[Value]| -> Vec<String> {
        pages
            .iter()
            .flat_map(|p| values(p, "displayName"))
            .map(|n| n.to_lowercase())
            .collect()
    };
    let pages = walk(
        &graph,
        "/v1.0/groups?$orderby=displayName&$top=6&$select=displayName",
        false,
    )
    .await;
    let ascending = names(&pages);
    assert_eq!(ascending.len(), 30);
    assert!(ascending.windows(2).all(|w| w[0] <= w[1]), "{ascending:?}");
    assert_eq!(
        &ascending[..3],
        &["all company", "customer support", "engineering"],
        "sorted, not in creation order (Leadership, Sales, ...)"
    );

    let pages = walk(
        &graph,
        "/v1.0/groups?$orderby=displayName%20desc&$top=8",
        false,
    )
    .await;
    let descending = names(&pages);
    assert_eq!(descending.len(), 30);
    assert!(descending.windows(2).all(|w| w[0] >= w[1]));

    let url = format!(
        "/v1.0/groups?$orderby=displayName&$filter={}",
        enc("startswith(displayName,'Project')")
    );
    let answer = graph.get(&url).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );
    assert_eq!(answer.message(), "Sorting not supported for current query.");
    assert_eq!(
        graph.get_eventual(&url).await.status,
        400,
        "the header alone is not enough"
    );
    let pages = walk(&graph, &format!("{url}&$count=true&$top=5"), true).await;
    let projects = names(&pages);
    assert_eq!(projects.len(), 16);
    assert!(projects.iter().all(|n| n.starts_with("project ")));
    assert!(projects.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(pages[0]["@odata.count"], 16);
    assert!(
        pages[1].get("@odata.count").is_none(),
        "the count is on the first page only"
    );

    let answer = graph.get("/v1.0/groups?$orderby=createdDateTime").await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );
}

#[tokio::test]
async fn count_needs_the_advanced_header() {
    let graph = start(20, 20).await;
    let answer = graph.get_eventual("/v1.0/groups/$count").await;
    assert_eq!(
        (
            answer.status,
            String::from_utf8_lossy(&answer.body).to_string()
        ),
        (200, "20".to_string())
    );
    let answer = graph
        .get_eventual(&format!(
            "/v1.0/groups/$count?$filter={}",
            enc("mailEnabled eq true")
        ))
        .await;
    assert_eq!(String::from_utf8_lossy(&answer.body), "2");
    let answer = graph.get("/v1.0/groups/$count").await;
    assert_eq!(
        (answer.status, answer.message().as_str()),
        (400, "$count is not currently supported.")
    );

    let answer = graph.get("/v1.0/groups?$count=true").await;
    assert_eq!(answer.status, 400);
    let body = graph
        .get_eventual("/v1.0/groups?$count=true&$top=3")
        .await
        .json();
    assert_eq!(body["@odata.count"], 20);
    assert_eq!(body["value"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn get_expands_at_most_twenty_members_as_typed_directory_objects() {
    let graph = start(100, 20).await;
    let all_company = group_id(&graph, "All Company");
    let answer = graph
        .get(&format!("/v1.0/groups/{all_company}?$expand=members"))
        .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    assert_eq!(
        body["displayName"], "All Company",
        "the group's own properties stay"
    );
    let members = body["members"].as_array().unwrap();
    assert_eq!(members.len(), 20, "Graph caps expanded relationships at 20");
    assert!(body.get("members@odata.nextLink").is_none() && body.get("@odata.nextLink").is_none());
    let expected: Vec<String> = graph.emulator.members_of(&all_company)[..20].to_vec();
    assert_eq!(values(&json!({ "value": members }), "id"), expected);
    assert!(
        members
            .iter()
            .all(|m| m["@odata.type"] == "#microsoft.graph.user")
    );
    assert!(
        members[0]["employeeId"].is_string(),
        "expanded without $select: whole objects"
    );

    let nested = group_id(&graph, "Product and Engineering");
    let body = graph
        .get(&format!(
            "/v1.0/groups/{nested}?$select=id&$expand=members($select=id,displayName)"
        ))
        .await
        .json();
    assert_eq!(
        sorted_keys(&body),
        sorted(&["@odata.context", "id", "members"])
    );
    let members = body["members"].as_array().unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| m["@odata.type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![
            "#microsoft.graph.group",
            "#microsoft.graph.group",
            "#microsoft.graph.user"
        ]
    );
    assert_eq!(
        members[0],
        json!({
            "@odata.type": "#microsoft.graph.group",
            "id": group_id(&graph, "Engineering"),
            "displayName": "Engineering"
        })
    );
    assert_eq!(members[2]["displayName"], "Diego Siciliani");

    let body = graph
        .get(&format!(
            "/v1.0/groups/{nested}?$expand=owners($select=userPrincipalName)"
        ))
        .await
        .json();
    assert_eq!(
        body["owners"],
        json!([{ "@odata.type": "#microsoft.graph.user", "userPrincipalName": "diego.siciliani@contoso.onmicrosoft.com" }])
    );

    for bad in [
        "manager",
        "members,owners",
        "displayName",
        "members($select=shoeSize)",
    ] {
        let answer = graph
            .get(&format!("/v1.0/groups/{nested}?$expand={}", enc(bad)))
            .await;
        assert_eq!(answer.status, 400, "$expand={bad}");
    }
    let missing = graph
        .get("/v1.0/groups/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "Request_ResourceNotFound")
    );
    assert_eq!(
        missing.message(),
        "Resource '00000000-0000-4000-8000-000000000000' does not exist or one of its queried reference-property objects are not present."
    );
    let malformed = graph.get("/v1.0/groups/engineering").await;
    assert_eq!(
        (malformed.status, malformed.message().as_str()),
        (400, "Invalid object identifier 'engineering'.")
    );
}

#[tokio::test]
async fn listing_with_expand_pages_at_most_a_hundred() {
    let graph = start(10, 130).await;
    let pages = walk(
        &graph,
        "/v1.0/groups?$top=999&$select=id&$expand=members($select=id)",
        false,
    )
    .await;
    assert_eq!(
        pages
            .iter()
            .map(|p| p["value"].as_array().unwrap().len())
            .collect::<Vec<_>>(),
        vec![100, 30]
    );
    assert_eq!(
        pages[0]["value"][0]["members"].as_array().unwrap().len(),
        10,
        "All Company"
    );
    let body = graph.get("/v1.0/groups?$top=999&$select=id").await.json();
    assert_eq!(
        body["value"].as_array().unwrap().len(),
        130,
        "without $expand, $top holds"
    );
}

fn security_group(nickname: &str, members: &[String], owners: &[String]) -> String {
    json!({
        "displayName": format!("Group {nickname}"),
        "description": "Made by a test",
        "mailEnabled": false,
        "mailNickname": nickname,
        "securityEnabled": true,
        "members@odata.bind": members,
        "owners@odata.bind": owners,
    })
    .to_string()
}

#[tokio::test]
async fn create_with_bound_members_then_patch_and_delete() {
    let graph = start(40, 20).await;
    let users = graph.emulator.users();
    let id = |i: usize| users[i]["id"].as_str().unwrap().to_string();
    let before = graph.emulator.group_count();

    let members = vec![
        format!(
            "https://graph.microsoft.com/v1.0/directoryObjects/{}",
            id(5)
        ),
        format!("http://localhost:1/v1.0/users/{}", id(6)),
        format!(
            "https://graph.microsoft.com/v1.0/directoryObjects/{}",
            group_id(&graph, "Legal")
        ),
    ];
    let owners = vec![format!("https://graph.microsoft.com/v1.0/users/{}", id(0))];
    let answer = graph
        .call(
            Method::POST,
            "/v1.0/groups",
            &[],
            Some(&security_group("ops", &members, &owners)),
        )
        .await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let created = answer.json();
    let gid = created["id"].as_str().unwrap().to_string();
    assert_eq!(gid.len(), 36);
    assert!(
        created["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#groups/$entity")
    );
    assert!(created["@odata.id"].as_str().unwrap().ends_with(&format!(
        "/directoryObjects/{gid}/Microsoft.DirectoryServices.Group"
    )));
    assert!(answer.header("location").unwrap().contains(&gid));
    let mut keys = sorted(&GROUP_DEFAULT_SET);
    keys.extend(["@odata.context".to_string(), "@odata.id".to_string()]);
    keys.sort();
    assert_eq!(sorted_keys(&created), keys);
    assert_eq!(created["mail"], Value::Null);
    assert_eq!(created["visibility"], Value::Null);
    assert_eq!(created["groupTypes"], json!([]));
    assert_eq!(created["createdDateTime"], created["renewedDateTime"]);
    assert!(
        created["securityIdentifier"]
            .as_str()
            .unwrap()
            .starts_with("S-1-12-1-")
    );
    assert_eq!(graph.emulator.group_count(), before + 1);
    assert_eq!(
        graph.emulator.members_of(&gid),
        vec![id(5), id(6), group_id(&graph, "Legal")]
    );
    assert_eq!(graph.emulator.owners_of(&gid), vec![id(0)]);

    let bind: Vec<String> = [7, 8, 9]
        .iter()
        .map(|i| {
            format!(
                "https://graph.microsoft.com/v1.0/directoryObjects/{}",
                id(*i)
            )
        })
        .collect();
    let patch = json!({
        "displayName": "Operations Crew",
        "description": "Renamed",
        "members@odata.bind": bind,
    });
    let answer = graph
        .call(
            Method::PATCH,
            &format!("/v1.0/groups/{gid}"),
            &[],
            Some(&patch.to_string()),
        )
        .await;
    assert_eq!(
        answer.status,
        204,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(answer.body.is_empty());
    let body = graph
        .get(&format!(
            "/v1.0/groups/{gid}?$select=displayName,description"
        ))
        .await
        .json();
    assert_eq!(
        (body["displayName"].as_str(), body["description"].as_str()),
        (Some("Operations Crew"), Some("Renamed"))
    );
    assert_eq!(graph.emulator.members_of(&gid).len(), 6);

    // More than 20 links in one request: nothing changes.
    let too_many = json!({
        "members@odata.bind": (10..31).map(|i| format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", id(i))).collect::<Vec<_>>(),
    });
    let answer = graph
        .call(
            Method::PATCH,
            &format!("/v1.0/groups/{gid}"),
            &[],
            Some(&too_many.to_string()),
        )
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_BadRequest")
    );
    assert_eq!(
        answer.message(),
        "A resource cannot contain more than 20 link changes"
    );
    assert_eq!(graph.emulator.members_of(&gid).len(), 6);
    let answer = graph
        .call(
            Method::PATCH,
            &format!("/v1.0/groups/{gid}"),
            &[],
            Some(r#"{"displayName": null}"#),
        )
        .await;
    assert_eq!(answer.status, 400);

    let gone = graph
        .call(Method::DELETE, &format!("/v1.0/groups/{gid}"), &[], None)
        .await;
    assert_eq!(gone.status, 204);
    assert_eq!(graph.get(&format!("/v1.0/groups/{gid}")).await.status, 404);
    assert_eq!(
        graph
            .call(Method::DELETE, &format!("/v1.0/groups/{gid}"), &[], None)
            .await
            .status,
        404
    );
    assert_eq!(graph.emulator.group_count(), before);
    assert!(graph.emulator.members_of(&gid).is_empty());
}

#[tokio::test]
async fn create_checks_required_properties_mail_and_group_types() {
    let graph = start(5, 0).await;
    for missing in [
        "displayName",
        "mailEnabled",
        "mailNickname",
        "securityEnabled",
    ] {
        let mut body: Value = serde_json::from_str(&security_group("x", &[], &[])).unwrap();
        body.as_object_mut().unwrap().remove(missing);
        let answer = graph
            .call(Method::POST, "/v1.0/groups", &[], Some(&body.to_string()))
            .await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (400, "Request_BadRequest"),
            "{missing}"
        );
        assert_eq!(
            answer.message(),
            format!("Property {missing} value is required but is empty or missing.")
        );
    }
    let mail_enabled_security = json!({ "displayName": "D", "mailEnabled": true, "mailNickname": "d", "securityEnabled": true });
    let answer = graph
        .call(
            Method::POST,
            "/v1.0/groups",
            &[],
            Some(&mail_enabled_security.to_string()),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer
            .message()
            .starts_with("The service does not currently support writes of mail-enabled groups.")
    );

    let m365 = json!({
        "displayName": "Library Assist", "description": "Self help community for library",
        "groupTypes": ["Unified"], "mailEnabled": true, "mailNickname": "library", "securityEnabled": false
    });
    let answer = graph
        .call(Method::POST, "/v1.0/groups", &[], Some(&m365.to_string()))
        .await;
    assert_eq!(answer.status, 201);
    let created = answer.json();
    assert_eq!(created["mail"], "library@contoso.onmicrosoft.com");
    assert_eq!(
        created["proxyAddresses"],
        json!(["SMTP:library@contoso.onmicrosoft.com"])
    );
    assert_eq!(created["visibility"], "Public");
    let again = graph
        .call(Method::POST, "/v1.0/groups", &[], Some(&m365.to_string()))
        .await;
    assert_eq!(
        again.message(),
        "Another object with the same value for property mailNickname already exists."
    );
    assert_eq!(
        again.json()["error"]["details"][0]["code"],
        "ObjectConflict"
    );

    // A Microsoft 365 group holds users only and nests nowhere.
    let library = created["id"].as_str().unwrap().to_string();
    let body = security_group(
        "outer",
        &[format!("https://graph.microsoft.com/v1.0/groups/{library}")],
        &[],
    );
    let answer = graph
        .call(Method::POST, "/v1.0/groups", &[], Some(&body))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(graph.emulator.group_count(), 1);

    let nobody = security_group("x", &["https://graph.microsoft.com/v1.0/directoryObjects/00000000-0000-4000-8000-000000000000".to_string()], &[]);
    let answer = graph
        .call(Method::POST, "/v1.0/groups", &[], Some(&nobody))
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (404, "Request_ResourceNotFound")
    );
    let answer = graph
        .call(
            Method::POST,
            "/v1.0/groups",
            &[],
            Some(r#"{"displayName": "x", "shoeSize": 4}"#),
        )
        .await;
    assert!(
        answer
            .message()
            .contains("'shoeSize' does not exist on type 'microsoft.graph.group'")
    );
    assert_eq!(graph.emulator.group_count(), 1);
}

#[tokio::test]
async fn members_are_added_and_removed_by_reference() {
    let graph = start(20, 20).await;
    let legal = group_id(&graph, "Legal");
    let before = graph.emulator.members_of(&legal);
    let newcomer = graph
        .emulator
        .users()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .find(|id| !before.contains(id))
        .unwrap();
    let path = format!("/v1.0/groups/{legal}/members/$ref");

    let answer = graph
        .call(Method::POST, &path, &[], Some(&reference(&newcomer)))
        .await;
    assert_eq!(
        answer.status,
        204,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(graph.emulator.members_of(&legal).last(), Some(&newcomer));

    let answer = graph
        .call(Method::POST, &path, &[], Some(&reference(&newcomer)))
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_BadRequest")
    );
    assert_eq!(
        answer.message(),
        "One or more added object references already exist for the following modified properties: 'members'."
    );
    let answer = graph
        .call(
            Method::POST,
            &path,
            &[],
            Some(&reference("00000000-0000-4000-8000-000000000000")),
        )
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (404, "Request_ResourceNotFound")
    );
    let answer = graph.call(Method::POST, &path, &[], Some("{}")).await;
    assert_eq!(answer.status, 400);

    // Security groups nest in security groups; Microsoft 365 groups nest nowhere.
    let it = group_id(&graph, "IT");
    assert_eq!(
        graph
            .call(Method::POST, &path, &[], Some(&reference(&it)))
            .await
            .status,
        204
    );
    let answer = graph
        .call(
            Method::POST,
            &path,
            &[],
            Some(&reference(&group_id(&graph, "All Company"))),
        )
        .await;
    assert_eq!(answer.status, 400);
    let answer = graph
        .call(Method::POST, &path, &[], Some(&reference(&legal)))
        .await;
    assert_eq!(answer.status, 400, "not a member of itself");
    assert_eq!(graph.emulator.members_of(&legal).len(), before.len() + 2);

    let remove = format!("/v1.0/groups/{legal}/members/{newcomer}/$ref");
    assert_eq!(
        graph.call(Method::DELETE, &remove, &[], None).await.status,
        204
    );
    assert!(!graph.emulator.members_of(&legal).contains(&newcomer));
    let answer = graph.call(Method::DELETE, &remove, &[], None).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (404, "Request_ResourceNotFound")
    );
    let answer = graph
        .call(
            Method::POST,
            "/v1.0/groups/00000000-0000-4000-8000-000000000000/members/$ref",
            &[],
            Some(&reference(&newcomer)),
        )
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        graph.call(Method::PUT, &path, &[], Some("{}")).await.status,
        405
    );
}

#[tokio::test]
async fn owners_are_users_and_the_last_one_stays() {
    let graph = start(20, 20).await;
    let group = group_id(&graph, "Leadership");
    let adele = user_id(&graph, "adele.vance@contoso.onmicrosoft.com");
    let lee = user_id(&graph, "lee.gu@contoso.onmicrosoft.com");
    assert_eq!(graph.emulator.owners_of(&group), vec![adele.clone()]);
    let path = format!("/v1.0/groups/{group}/owners/$ref");

    assert_eq!(
        graph
            .call(Method::POST, &path, &[], Some(&reference(&lee)))
            .await
            .status,
        204
    );
    assert_eq!(
        graph.emulator.owners_of(&group),
        vec![adele.clone(), lee.clone()]
    );
    let answer = graph
        .call(Method::POST, &path, &[], Some(&reference(&lee)))
        .await;
    assert_eq!(
        answer.message(),
        "One or more added object references already exist for the following modified properties: 'owners'."
    );
    let answer = graph
        .call(
            Method::POST,
            &path,
            &[],
            Some(&reference(&group_id(&graph, "IT"))),
        )
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_BadRequest")
    );

    let body = graph
        .get(&format!(
            "/v1.0/groups/{group}/owners?$select=id,userPrincipalName"
        ))
        .await
        .json();
    assert_eq!(
        values(&body, "userPrincipalName"),
        vec![
            "adele.vance@contoso.onmicrosoft.com",
            "lee.gu@contoso.onmicrosoft.com"
        ]
    );

    assert_eq!(
        graph
            .call(
                Method::DELETE,
                &format!("/v1.0/groups/{group}/owners/{adele}/$ref"),
                &[],
                None
            )
            .await
            .status,
        204
    );
    let answer = graph
        .call(
            Method::DELETE,
            &format!("/v1.0/groups/{group}/owners/{lee}/$ref"),
            &[],
            None,
        )
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_BadRequest")
    );
    assert_eq!(
        answer.message(),
        "The group must have at least one owner, hence this owner cannot be removed."
    );
    assert_eq!(graph.emulator.owners_of(&group), vec![lee]);
}

#[tokio::test]
async fn members_list_in_pages_of_typed_directory_objects() {
    let graph = start(100, 20).await;
    let all_company = group_id(&graph, "All Company");
    let expected = graph.emulator.members_of(&all_company);
    assert_eq!(expected.len(), 100);

    let body = graph
        .get(&format!("/v1.0/groups/{all_company}/members"))
        .await
        .json();
    let base = graph.emulator.base_url();
    assert_eq!(
        body["@odata.context"],
        format!("{base}/v1.0/$metadata#directoryObjects")
    );
    let first = &body["value"][0];
    let mut keys = sorted(&USER_DEFAULT_SET);
    keys.push("@odata.type".to_string());
    keys.sort();
    assert_eq!(
        sorted_keys(first),
        keys,
        "members come with their type's default properties"
    );
    assert_eq!(first["@odata.type"], "#microsoft.graph.user");
    assert!(
        body.get("@odata.nextLink").is_none(),
        "100 fit the default page"
    );

    let url = format!(
        "/v1.0/groups/{all_company}/members?$top=15&$select=id,userPrincipalName,mailNickname"
    );
    let pages = walk(&graph, &url, false).await;
    assert_eq!(pages.len(), 7);
    assert!(
        pages[0]["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains(&format!("/v1.0/groups/{all_company}/members?"))
    );
    let ids: Vec<String> = pages.iter().flat_map(|p| values(p, "id")).collect();
    assert_eq!(ids, expected, "every member once, in membership order");
    assert_eq!(
        sorted_keys(&pages[0]["value"][0]),
        sorted(&["@odata.type", "id", "userPrincipalName", "mailNickname"])
    );

    // A group member shows its own properties: $select over users and groups alike.
    let nested = group_id(&graph, "Product and Engineering");
    let body = graph
        .get(&format!(
            "/v1.0/groups/{nested}/members?$select=displayName,userPrincipalName,securityEnabled"
        ))
        .await
        .json();
    assert_eq!(
        body["value"][0],
        json!({ "@odata.type": "#microsoft.graph.group", "displayName": "Engineering", "securityEnabled": true })
    );
    assert_eq!(
        body["value"][2]["userPrincipalName"],
        "diego.siciliani@contoso.onmicrosoft.com"
    );
    assert!(body["value"][2].get("securityEnabled").is_none());

    let answer = graph
        .get(&format!("/v1.0/groups/{all_company}/members?$count=true"))
        .await;
    assert_eq!(answer.status, 400);
    let body = graph
        .get_eventual(&format!(
            "/v1.0/groups/{all_company}/members?$count=true&$top=10"
        ))
        .await
        .json();
    assert_eq!(body["@odata.count"], 100);
    let answer = graph
        .get_eventual(&format!("/v1.0/groups/{all_company}/members/$count"))
        .await;
    assert_eq!(String::from_utf8_lossy(&answer.body), "100");
    let answer = graph
        .get(&format!(
            "/v1.0/groups/{all_company}/members?$filter={}",
            enc("displayName eq 'x'")
        ))
        .await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "Request_UnsupportedQuery")
    );

    // A token from one group's members does not page another group's.
    let next = pages[0]["@odata.nextLink"].as_str().unwrap();
    let token = next.split("$skiptoken=").nth(1).unwrap();
    let answer = graph.get(&format!("/v1.0/groups/{nested}/members?$top=15&$select=id,userPrincipalName,mailNickname&$skiptoken={token}")).await;
    assert_eq!(answer.status, 400);
}

#[tokio::test]
async fn member_of_lists_a_users_groups() {
    let graph = start(100, 20).await;
    let diego = user_id(&graph, "diego.siciliani@contoso.onmicrosoft.com");
    let groups = graph.emulator.groups();
    let expected: Vec<String> = groups
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .filter(|g| graph.emulator.members_of(g).contains(&diego))
        .collect();
    let names: Vec<String> = groups
        .iter()
        .filter(|g| expected.contains(&g["id"].as_str().unwrap().to_string()))
        .map(|g| g["displayName"].as_str().unwrap().to_string())
        .collect();
    for name in [
        "All Company",
        "Leadership",
        "Engineering",
        "Product and Engineering",
        "Mark 8 Project Team",
    ] {
        assert!(names.contains(&name.to_string()), "{name} in {names:?}");
    }

    let pages = walk(&graph, "/v1.0/users/diego.siciliani@contoso.onmicrosoft.com/memberOf?$top=2&$select=id,displayName", false).await;
    let body_ids: Vec<String> = pages.iter().flat_map(|p| values(p, "id")).collect();
    assert_eq!(body_ids, expected);
    assert!(pages.iter().all(|p| {
        p["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["@odata.type"] == "#microsoft.graph.group")
    }));
    let answer = graph
        .get("/v1.0/users/nobody@contoso.onmicrosoft.com/memberOf")
        .await;
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn deleting_users_and_groups_cleans_memberships_and_ownerships() {
    let graph = start(100, 20).await;
    let diego = user_id(&graph, "diego.siciliani@contoso.onmicrosoft.com");
    let engineering = group_id(&graph, "Engineering");
    let nested = group_id(&graph, "Product and Engineering");
    let mark8 = group_id(&graph, "Mark 8 Project Team");
    assert!(graph.emulator.members_of(&engineering).contains(&diego));
    assert!(graph.emulator.owners_of(&engineering).contains(&diego));
    assert_eq!(graph.emulator.owners_of(&nested), vec![diego.clone()]);
    let engineering_size = graph.emulator.members_of(&engineering).len();

    assert_eq!(
        graph
            .call(Method::DELETE, &format!("/v1.0/users/{diego}"), &[], None)
            .await
            .status,
        204
    );
    for group in graph.emulator.groups() {
        let id = group["id"].as_str().unwrap();
        assert!(
            !graph.emulator.members_of(id).contains(&diego),
            "{}",
            group["displayName"]
        );
        assert!(
            !graph.emulator.owners_of(id).contains(&diego),
            "{}",
            group["displayName"]
        );
    }
    assert_eq!(
        graph.emulator.members_of(&engineering).len(),
        engineering_size - 1
    );
    assert!(
        graph.emulator.owners_of(&nested).is_empty(),
        "deleting a user may take the last owner"
    );
    assert_eq!(graph.emulator.owners_of(&mark8).len(), 1);
    let body = graph
        .get(&format!("/v1.0/groups/{nested}/members?$select=id"))
        .await
        .json();
    assert_eq!(values(&body, "id").len(), 2, "the two nested groups remain");

    assert_eq!(
        graph
            .call(
                Method::DELETE,
                &format!("/v1.0/groups/{engineering}"),
                &[],
                None
            )
            .await
            .status,
        204
    );
    assert_eq!(
        graph.emulator.members_of(&nested),
        vec![group_id(&graph, "Product Management")]
    );
    assert_eq!(graph.emulator.group_count(), 19);
}

#[tokio::test]
async fn same_seed_gives_the_same_groups_and_groups_never_change_users() {
    let a = start(150, 25).await;
    let b = start(150, 25).await;
    assert_eq!(a.emulator.groups(), b.emulator.groups());
    for group in a.emulator.groups() {
        let id = group["id"].as_str().unwrap();
        assert_eq!(a.emulator.members_of(id), b.emulator.members_of(id));
        assert_eq!(a.emulator.owners_of(id), b.emulator.owners_of(id));
        let owners = a.emulator.owners_of(id).len();
        assert!(
            (1..=2).contains(&owners),
            "{}: {owners} owners",
            group["displayName"]
        );
    }
    let url = "/v1.0/groups?$select=id,displayName&$expand=members($select=id)";
    assert_eq!(
        a.get(url).await.json()["value"],
        b.get(url).await.json()["value"]
    );

    let none = start(150, 0).await;
    assert_eq!(none.emulator.users(), a.emulator.users());
    assert_eq!(none.emulator.group_count(), 0);
    assert_eq!(none.get("/v1.0/groups").await.json()["value"], json!([]));

    let other = Graph::start_with(EmulatorConfig {
        users: 150,
        groups: 25,
        seed: 9,
        ..Default::default()
    })
    .await;
    assert_ne!(other.emulator.groups(), a.emulator.groups());
    let names = |g: &Graph| -> Vec<Value> {
        g.emulator.groups()[..14]
            .iter()
            .map(|g| g["displayName"].clone())
            .collect()
    };
    assert_eq!(
        names(&other),
        names(&a),
        "the well-known groups are the same for any seed"
    );

    let default = EmulatorConfig::default();
    assert_eq!((default.users, default.groups), (100, 20));
}
