//! RFC 7644 §3.4.2.2 filters Microsoft Graph cannot answer (`co`, order comparisons, attributes
//! with no Graph property, `or` across them): Graph selects what it can, the component checks
//! the rest on each object, and no answer reads more than a bounded number of objects.

mod common;

use common::{Connector, encode};
use graph_emulator::EmulatorConfig;
use scim_host::Limits;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Ids of the emulator's users that satisfy `keep`.
fn graph_users_where(connector: &Connector, keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    connector.emulator.users().iter().filter(|u| keep(u)).map(|u| u["id"].as_str().unwrap().to_string()).collect()
}

fn ids(list: &Value) -> BTreeSet<String> {
    list["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

fn text(user: &Value, property: &str) -> String {
    user[property].as_str().unwrap_or_default().to_lowercase()
}

async fn filtered(connector: &Connector, filter: &str) -> Value {
    let reply = connector.get(&format!("/scim/v2/Users?filter={}&count=999", encode(filter))).await;
    assert_eq!(reply.status, 200, "{filter}: {}", reply.text());
    reply.json()
}

#[tokio::test(flavor = "multi_thread")]
async fn substring_and_order_comparisons_are_evaluated_by_the_connector() {
    let connector = Connector::start().await;
    let engineers = graph_users_where(&connector, |u| text(u, "jobTitle").contains("engineer"));
    assert!(!engineers.is_empty() && engineers.len() < 100, "the demo tenant has some engineers");
    let list = filtered(&connector, r#"title co "ENGINEER""#).await;
    assert_eq!(ids(&list), engineers, "co ignores case: title is not caseExact");
    assert_eq!(list["totalResults"], json!(engineers.len()));

    let late_alphabet = graph_users_where(&connector, |u| text(u, "surname").as_str() > "m");
    assert!(!late_alphabet.is_empty() && late_alphabet.len() < 100);
    let list = filtered(&connector, r#"name.familyName gt "M""#).await;
    assert_eq!(ids(&list), late_alphabet);
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_filters_what_it_can_and_the_connector_checks_the_rest() {
    let connector = Connector::start().await;
    let expected = graph_users_where(&connector, |u| {
        u["accountEnabled"] == json!(true) && text(u, "city") == "munich" && text(u, "jobTitle").contains("manager")
    });
    assert!(!expected.is_empty(), "the demo tenant has enabled managers in Munich");
    let list = filtered(&connector, r#"active eq true and addresses[type eq "work" and locality eq "Munich"] and title co "manager""#).await;
    assert_eq!(ids(&list), expected);
    for user in list["Resources"].as_array().unwrap() {
        assert_eq!(user["active"], json!(true));
    }

    // Attributes the connector maps but Graph cannot filter on (an enterprise extension value
    // in employeeOrgData, a Graph-named top-level attribute) and an `or` across them.
    let costs = graph_users_where(&connector, |u| {
        u["employeeOrgData"]["costCenter"].as_str().is_some_and(|c| c.starts_with('1')) || text(u, "usageLocation") == "gb"
    });
    assert!(!costs.is_empty() && costs.len() < 100);
    let filter = r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter sw "1" or usageLocation eq "GB""#;
    assert_eq!(ids(&filtered(&connector, filter).await), costs);
}

#[tokio::test(flavor = "multi_thread")]
async fn index_paging_over_an_evaluated_filter_is_exact() {
    let connector = Connector::start().await;
    let all = filtered(&connector, r#"title co "e""#).await;
    let total = all["totalResults"].as_u64().unwrap();
    assert!(total > 20);
    let mut paged = Vec::new();
    for start in (1..=total).step_by(7) {
        let page = connector.get(&format!("/scim/v2/Users?filter={}&startIndex={start}&count=7", encode(r#"title co "e""#))).await.json();
        assert_eq!((page["totalResults"].as_u64(), page["startIndex"].as_u64()), (Some(total), Some(start)));
        paged.extend(page["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()));
    }
    let expected: Vec<String> = all["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(paged, expected, "pages follow the same order with nothing missing or repeated");
    let counted = connector.get(&format!("/scim/v2/Users?filter={}&count=0", encode(r#"title co "e""#))).await.json();
    assert_eq!((counted["totalResults"].as_u64(), counted["Resources"].as_array().map(Vec::len)), (Some(total), Some(0)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_tenant_is_not_read_whole_index_paging_says_so_and_cursor_paging_walks_it() {
    let connector = Connector::start_with(EmulatorConfig { users: 6_000, groups: 5, ..EmulatorConfig::default() }, Limits::default()).await;
    let filter = encode(r#"title co "Engineer""#);

    let before = connector.emulator.request_count();
    let refused = connector.get(&format!("/scim/v2/Users?filter={filter}")).await.assert_scim_error(400, Some("tooMany"));
    assert!(refused["detail"].as_str().unwrap().contains("5000"), "{refused}");
    let graph_requests = connector.emulator.request_count() - before;
    assert!(graph_requests <= 8, "stopped after a bounded number of Graph pages, made {graph_requests}");

    let expected = graph_users_where(&connector, |u| text(u, "jobTitle").contains("engineer"));
    let mut seen = Vec::new();
    let mut url = format!("/scim/v2/Users?filter={filter}&cursor&count=200");
    loop {
        let page = connector.get(&url).await;
        assert_eq!(page.status, 200, "{url}: {}", page.text());
        let page = page.json();
        let resources = page["Resources"].as_array().unwrap();
        assert!(resources.len() <= 200, "never more than count");
        assert!(page.get("startIndex").is_none(), "cursor pages have no index: {page}");
        seen.extend(resources.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        match page["nextCursor"].as_str() {
            Some(cursor) => {
                assert!(page.get("totalResults").is_none(), "the total of an evaluated filter is unknown mid-walk");
                url = format!("/scim/v2/Users?filter={filter}&cursor={}&count=200", encode(cursor));
            }
            None => break,
        }
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no user repeated");
    assert_eq!(unique, expected, "no user missing");
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_filters_graph_cannot_answer_are_evaluated_too() {
    let connector = Connector::start().await;
    let expected: BTreeSet<String> = connector
        .emulator
        .groups()
        .iter()
        .filter(|g| g["description"].as_str().is_some_and(|d| d.to_lowercase().contains("project")))
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!expected.is_empty());
    let filter = encode(r#"urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:description co "project""#);
    let reply = connector.get(&format!("/scim/v2/Groups?filter={filter}&excludedAttributes=members")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(ids(&reply.json()), expected);
    // Members stay out of reach: checking them would read every group's members.
    connector.get(&format!("/scim/v2/Groups?filter={}", encode(r#"members[value eq "x"]"#))).await.assert_scim_error(400, Some("invalidFilter"));
}
