//! Cursor paging with no state held anywhere: RFC 9865 (`cursor`, `nextCursor`) and the B2C
//! table's "Query Users Paged | GET /v1.0/users/EIDExtension/Paged?filter={filter}&count={pageSize}&skipToken={skipToken}"
//! (and its Groups twin) walk a whole tenant with no object missing or repeated.

mod common;

use common::{Connector, encode};
use graph_emulator::EmulatorConfig;
use scim_host::Limits;
use serde_json::json;
use std::collections::BTreeSet;

/// Follows `nextCursor` from `first` until it runs out, checking each page's size.
async fn walk(connector: &Connector, first: &str, next: impl Fn(&str) -> String, page_size: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut url = first.to_string();
    loop {
        let reply = connector.get(&url).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.text());
        let page = reply.json();
        let resources = page["Resources"].as_array().unwrap();
        assert!(resources.len() <= page_size);
        ids.extend(resources.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        match page["nextCursor"].as_str() {
            Some(cursor) => {
                assert_eq!(resources.len(), page_size, "only the last page is short");
                url = next(&encode(cursor));
            }
            None => break,
        }
    }
    ids
}

fn assert_each_once(ids: &[String], expected: usize) {
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no object repeated");
    assert_eq!(ids.len(), expected, "no object missing");
}

#[tokio::test(flavor = "multi_thread")]
async fn scim_cursor_walks_every_user_once() {
    let connector = Connector::start_with(EmulatorConfig { users: 250, ..EmulatorConfig::default() }, Limits::default()).await;
    let ids = walk(&connector, "/scim/v2/Users?cursor&count=40", |c| format!("/scim/v2/Users?cursor={c}&count=40"), 40).await;
    assert_each_once(&ids, 250);
    let first = connector.get("/scim/v2/Users?cursor&count=40").await.json();
    assert_eq!(first["totalResults"], json!(250));
}

#[tokio::test(flavor = "multi_thread")]
async fn b2c_paged_routes_walk_users_and_groups() {
    let connector = Connector::start_with(EmulatorConfig { users: 230, ..EmulatorConfig::default() }, Limits::default()).await;
    let users = walk(
        &connector,
        "/v1.0/users/EIDExtension/Paged?count=100",
        |c| format!("/v1.0/users/EIDExtension/Paged?count=100&skipToken={c}"),
        100,
    )
    .await;
    assert_each_once(&users, 230);

    let groups = walk(
        &connector,
        "/v1.0/groups/EIDExtension/Paged?count=6&excludedAttributes=members",
        |c| format!("/v1.0/groups/EIDExtension/Paged?count=6&excludedAttributes=members&skipToken={c}"),
        6,
    )
    .await;
    assert_each_once(&groups, connector.emulator.group_count());

    // A filter holds across pages.
    let filter = encode("name.familyName sw \"V\"");
    let filtered = walk(
        &connector,
        &format!("/v1.0/users/EIDExtension/Paged?filter={filter}&count=2"),
        |c| format!("/v1.0/users/EIDExtension/Paged?filter={filter}&count=2&skipToken={c}"),
        2,
    )
    .await;
    let expected = connector.emulator.users().iter().filter(|u| u["surname"].as_str().unwrap().starts_with('V')).count();
    assert_each_once(&filtered, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_cursor_is_refused() {
    let connector = Connector::start().await;
    connector.get("/scim/v2/Users?cursor=not-a-real-cursor&count=5").await.assert_scim_error(400, Some("invalidCursor"));
    connector.get("/v1.0/users/EIDExtension/Paged?skipToken=forged").await.assert_scim_error(400, Some("invalidCursor"));
}

/// Issue 4's scenario: the B2C table's paged query walks a 2,500-user tenant in pages of 100,
/// and the ids are exactly the emulator's.
#[tokio::test(flavor = "multi_thread")]
async fn b2c_paged_users_walk_a_tenant_of_2500_exactly() {
    let connector = Connector::start_with(EmulatorConfig { users: 2_500, groups: 5, ..EmulatorConfig::default() }, Limits::default()).await;
    let ids = walk(
        &connector,
        "/v1.0/users/EIDExtension/Paged?count=100",
        |c| format!("/v1.0/users/EIDExtension/Paged?count=100&skipToken={c}"),
        100,
    )
    .await;
    assert_each_once(&ids, 2_500);
    let expected: BTreeSet<String> = connector.emulator.users().iter().map(|u| u["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), expected);
}
