//! The B2C table's "Get Group Members | GET /v1.0/groups/EIDExtension/MemberQuery/{Id}" and
//! "Get Group Owners | GET /v1.0/groups/EIDExtension/OwnerQuery/{Id}": each link's id and type
//! (user/group/servicePrincipal), a page at a time through skipToken.

mod common;

use common::{Connector, encode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn group_id(connector: &Connector, name: &str) -> String {
    let groups = connector.emulator.groups();
    let group = groups.iter().find(|g| g["displayName"] == json!(name)).unwrap_or_else(|| panic!("no group {name}"));
    group["id"].as_str().unwrap().to_string()
}

/// Follows skipToken from the first page; returns every link and the number of pages.
async fn walk(connector: &Connector, query: &str, id: &str, count: usize) -> (Vec<Value>, usize) {
    let mut links = Vec::new();
    let mut url = format!("/v1.0/groups/EIDExtension/{query}/{id}?count={count}");
    for pages in 1.. {
        let reply = connector.get(&url).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.text());
        let page = reply.json();
        assert_eq!(page["groupId"], json!(id));
        let resources = page["Resources"].as_array().unwrap();
        assert!(resources.len() <= count);
        links.extend(resources.iter().cloned());
        match page["nextCursor"].as_str() {
            Some(token) => url = format!("/v1.0/groups/EIDExtension/{query}/{id}?count={count}&skipToken={}", encode(token)),
            None => return (links, pages),
        }
    }
    unreachable!()
}

fn ids(links: &[Value]) -> BTreeSet<String> {
    links.iter().map(|l| l["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn member_query_pages_through_every_direct_member_with_its_type() {
    let connector = Connector::start().await;
    let id = group_id(&connector, "All Company");
    let expected: BTreeSet<String> = connector.emulator.members_of(&id).into_iter().collect();
    assert!(expected.len() > 20);
    let (links, pages) = walk(&connector, "MemberQuery", &id, 7).await;
    assert!(pages > 2, "paged: {pages} pages");
    assert_eq!(links.len(), expected.len(), "no member repeated");
    assert_eq!(ids(&links), expected, "no member missing");
    let adele = links.iter().find(|l| l["displayName"] == json!("Adele Vance")).expect("Adele is in All Company");
    assert_eq!(adele["type"], "user");
    let adele_id = adele["id"].as_str().unwrap();
    assert!(adele["$ref"].as_str().unwrap().ends_with(&format!("/scim/v2/Users/{adele_id}")), "{adele}");

    // A single page knows its total.
    let whole = connector.get(&format!("/v1.0/groups/EIDExtension/MemberQuery/{id}?count=999")).await.json();
    assert_eq!(whole["totalResults"], json!(expected.len()));
    assert!(whole.get("nextCursor").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_groups_are_members_of_type_group() {
    let connector = Connector::start().await;
    let id = group_id(&connector, "Product and Engineering");
    let (links, _) = walk(&connector, "MemberQuery", &id, 100).await;
    let engineering = group_id(&connector, "Engineering");
    let nested = links.iter().find(|l| l["id"] == json!(engineering)).expect("Engineering is nested in Product and Engineering");
    assert_eq!(nested["type"], "group");
    assert!(nested["$ref"].as_str().unwrap().ends_with(&format!("/scim/v2/Groups/{engineering}")));
}

#[tokio::test(flavor = "multi_thread")]
async fn owner_query_returns_the_owners() {
    let connector = Connector::start().await;
    let id = group_id(&connector, "Leadership");
    let expected: BTreeSet<String> = connector.emulator.owners_of(&id).into_iter().collect();
    assert!(!expected.is_empty(), "the demo tenant's groups have owners");
    let (links, _) = walk(&connector, "OwnerQuery", &id, 1).await;
    assert_eq!(links.len(), expected.len());
    assert_eq!(ids(&links), expected);
    assert!(links.iter().all(|l| l["type"] == json!("user")), "{links:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_groups_and_forged_tokens_are_scim_errors() {
    let connector = Connector::start().await;
    for query in ["MemberQuery", "OwnerQuery"] {
        connector.get(&format!("/v1.0/groups/EIDExtension/{query}/00000000-0000-0000-0000-000000000000")).await.assert_scim_error(404, None);
    }
    let id = group_id(&connector, "All Company");
    connector.get(&format!("/v1.0/groups/EIDExtension/MemberQuery/{id}?skipToken=forged")).await.assert_scim_error(400, Some("invalidCursor"));
    connector.get(&format!("/v1.0/groups/EIDExtension/MemberQuery/{id}?count=-1")).await.assert_scim_error(400, Some("invalidValue"));
}
