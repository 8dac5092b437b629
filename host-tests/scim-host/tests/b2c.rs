//! An Azure AD B2C tenant through the real components (`tenant_type = b2c`), against the
//! emulator in B2C mode, which refuses every advanced query as Graph does there: userName is the
//! local account's sign-in name, found, created and renamed through its identity; filters Graph
//! cannot answer in B2C are checked by the connector; and a paged walk of a 2,500-user tenant
//! (issue 4's scenario, pages of 100) sees every user once.

mod common;

use common::{Connector, encode};
use graph_emulator::{B2c, DOMAIN, EmulatorConfig};
use scim_host::Limits;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const B2C_PROFILE: &str = "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile";

async fn b2c_tenant(users: usize) -> Connector {
    let config = EmulatorConfig { users, groups: 3, b2c: Some(B2c::default()), ..EmulatorConfig::default() };
    Connector::start_configured(config, Limits::default(), &[("tenant_type", "b2c"), ("upn_domain", DOMAIN)]).await
}

fn identity<'a>(graph_user: &'a Value, sign_in_type: &str) -> Option<&'a str> {
    graph_user["identities"].as_array()?.iter().find(|i| i["signInType"] == sign_in_type)?["issuerAssignedId"].as_str()
}

#[tokio::test(flavor = "multi_thread")]
async fn user_names_are_sign_in_names() {
    let connector = b2c_tenant(20).await;
    let adele = connector.emulator.users().into_iter().find(|u| u["displayName"] == "Adele Vance").unwrap();
    let id = adele["id"].as_str().unwrap();
    assert!(adele["userPrincipalName"].as_str().unwrap().starts_with(id), "a B2C local account's UPN is its object id");

    let read = connector.get(&format!("/scim/v2/Users/{id}")).await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.json()["userName"], "adele.vance", "the userName identity, not the UPN");

    let found = connector.get("/scim/v2/Users?filter=userName%20eq%20%22ADELE.VANCE%22").await;
    assert_eq!(found.status, 200, "{}", found.text());
    assert_eq!(found.json()["totalResults"], 1);
    assert_eq!(found.json()["Resources"][0]["id"], id);
}

#[tokio::test(flavor = "multi_thread")]
async fn users_are_created_and_renamed_through_their_sign_in_identity() {
    let connector = b2c_tenant(5).await;
    let created = connector
        .post_json("/scim/v2/Users", &json!({ "userName": "newbie", "displayName": "New Bie", "password": "Correct-Horse-7!" }))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    assert_eq!(body["userName"], "newbie");
    let id = body["id"].as_str().unwrap().to_string();
    let graph_user = connector.emulator.users().into_iter().find(|u| u["id"] == json!(id)).unwrap();
    assert_eq!(identity(&graph_user, "userName"), Some("newbie"));
    let upn = graph_user["userPrincipalName"].as_str().unwrap().to_string();
    assert_eq!(graph_user["passwordPolicies"], "DisablePasswordExpiration", "{graph_user}");
    assert_eq!(connector.emulator.password_profile(&id).unwrap()["forceChangePasswordNextSignIn"], false);
    assert_eq!(upn, format!("{id}@{DOMAIN}"), "Graph named the account");

    // The same sign-in name again is Graph's uniqueness refusal.
    let again = connector.post_json("/scim/v2/Users", &json!({ "userName": "newbie", "password": "Correct-Horse-7!" })).await;
    again.assert_scim_error(409, Some("uniqueness"));

    // An email sign-in name, with an extra identity sent in the UserProfile extension.
    let email = connector
        .post_json(
            "/scim/v2/Users",
            &json!({ "userName": "ann@example.com", "password": "Correct-Horse-7!",
                     B2C_PROFILE: { "identities": [{ "signInType": "userName", "issuer": DOMAIN, "issuerAssignedId": "ann" }] } }),
        )
        .await;
    assert_eq!(email.status, 201, "{}", email.text());
    let ann = connector.emulator.users().into_iter().find(|u| u["id"] == email.json()["id"]).unwrap();
    assert_eq!((identity(&ann, "emailAddress"), identity(&ann, "userName")), (Some("ann@example.com"), Some("ann")));

    let rename = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "userName", "value": "old.hand" }] });
    let renamed = connector.send_json("PATCH", &format!("/scim/v2/Users/{id}"), &rename).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(renamed.json()["userName"], "old.hand");
    let graph_user = connector.emulator.users().into_iter().find(|u| u["id"] == json!(id)).unwrap();
    assert_eq!(identity(&graph_user, "userName"), Some("old.hand"));
    assert_eq!(graph_user["userPrincipalName"], json!(upn), "renaming never touches the UPN");
}

#[tokio::test(flavor = "multi_thread")]
async fn queries_need_no_advanced_query_parameters() {
    let connector = b2c_tenant(30).await;
    let total = connector.emulator.user_count();

    // startIndex paging: the total is counted without $count, which B2C refuses.
    let page = connector.get("/scim/v2/Users?startIndex=11&count=10").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!((page.json()["totalResults"].as_u64(), page.json()["Resources"].as_array().unwrap().len()), (Some(total as u64), 10));

    // ne and pr need advanced queries: the connector checks them itself.
    let not_ceo = connector.get("/scim/v2/Users?filter=title%20ne%20%22Chief%20Executive%20Officer%22%20and%20displayName%20pr").await;
    assert_eq!(not_ceo.status, 200, "{}", not_ceo.text());
    let titles: Vec<Value> = not_ceo.json()["Resources"].as_array().unwrap().iter().map(|u| u["title"].clone()).collect();
    assert_eq!(titles.len(), total - 1, "everyone but Adele");
    assert!(!titles.contains(&json!("Chief Executive Officer")));

    let sorted = connector.get("/scim/v2/Users?sortBy=userName").await;
    let body = sorted.assert_scim_error(400, Some("invalidValue"));
    assert!(body["detail"].as_str().unwrap().contains("Azure AD B2C"), "{body}");

    // Groups too: ne is the connector's to check.
    let groups = connector.get("/scim/v2/Groups?filter=displayName%20ne%20%22nothing%20like%20this%22&excludedAttributes=members").await;
    assert_eq!(groups.status, 200, "{}", groups.text());
    assert_eq!(groups.json()["totalResults"].as_u64(), Some(connector.emulator.group_count() as u64));
}

/// Issue 4's scenario: the B2C table's paged query walks a 2,500-user tenant in pages of 100,
/// every user exactly once, following the skipToken each answer carries.
#[tokio::test(flavor = "multi_thread")]
async fn a_paged_walk_of_a_b2c_tenant_sees_every_user_once() {
    let connector = b2c_tenant(2_500).await;
    let mut seen = BTreeSet::new();
    let mut pages = 0;
    let mut token = String::new();
    loop {
        let reply = connector.get(&format!("/v1.0/users/EIDExtension/Paged?count=100&skipToken={token}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        pages += 1;
        for user in body["Resources"].as_array().unwrap() {
            assert!(seen.insert(user["id"].as_str().unwrap().to_string()), "{} twice", user["id"]);
        }
        match body["nextCursor"].as_str() {
            Some(next) => token = encode(next),
            None => break,
        }
        assert!(pages <= 25, "more pages than 2,500 users in pages of 100 need");
    }
    assert_eq!((seen.len(), pages), (2_500, 25));
}

/// The B2C table's password reset names a local account by its sign-in name.
#[tokio::test(flavor = "multi_thread")]
async fn a_password_reset_finds_the_account_by_sign_in_name() {
    let connector = b2c_tenant(5).await;
    let path = "/v1.0/users/EIDExtension/PasswordResetRequest";
    let reply = connector.post_json(path, &json!({ "userName": "megan.bowen", "password": "Tr1cky-Horse-42", "forceChangePasswordNextSignIn": false })).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["userName"], "megan.bowen");
    let id = answer["id"].as_str().unwrap();
    assert_eq!(connector.emulator.password_profile(id).unwrap()["password"], "Tr1cky-Horse-42");

    assert_eq!(connector.emulator.password_profile(id).unwrap()["forceChangePasswordNextSignIn"], false, "B2C forces changes with user flows");
    let forced = connector.post_json(path, &json!({ "userName": "megan.bowen", "forceChangePasswordNextSignIn": true })).await;
    let body = forced.assert_scim_error(400, Some("invalidValue"));
    assert!(body["detail"].as_str().unwrap().contains("user flow"), "{body}");

    let nobody = connector.post_json(path, &json!({ "userName": "nobody.here" })).await;
    let body = nobody.assert_scim_error(404, None);
    assert!(body["detail"].as_str().unwrap().contains("nobody.here"), "{body}");
}

fn ok(reply: &common::Reply, what: &str, status: u16) -> Value {
    assert_eq!(reply.status, status, "{what}: {}", reply.text());
    if reply.text().is_empty() { Value::Null } else { reply.json() }
}

/// Every operation of the B2C connector's table (and enable/disable) in a B2C tenant, where
/// Graph refuses advanced and delta queries: each answers, and the audit-log queries see the
/// changes made through the others.
#[tokio::test(flavor = "multi_thread")]
async fn every_operation_of_the_b2c_table_works_in_a_b2c_tenant() {
    let connector = b2c_tenant(20).await;
    let start = scim_graph::Instant::from_unix_millis(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 - 1_000);
    let adele = connector.emulator.users().into_iter().find(|u| u["displayName"] == "Adele Vance").unwrap()["id"].as_str().unwrap().to_string();

    // Users: get, query, paged, create, update (PUT), enable/disable (PATCH), delete.
    ok(&connector.get(&format!("/v1.0/users/{adele}")).await, "get user", 200);
    let query = ok(&connector.get("/v1.0/users?filter=userName%20eq%20%22alex.wilber%22&count=5").await, "query users", 200);
    assert_eq!(query["totalResults"], 1);
    ok(&connector.get("/v1.0/users/EIDExtension/Paged?count=5").await, "query users paged", 200);
    let created = ok(
        &connector.post_json("/v1.0/users", &json!({ "userName": "tour.guide", "displayName": "Tour Guide", "password": "Correct-Horse-7!" })).await,
        "create user",
        201,
    );
    let guide = created["id"].as_str().unwrap().to_string();
    let mut replacement = created.clone();
    replacement["title"] = json!("Guide");
    let replaced = ok(&connector.send_json("PUT", &format!("/v1.0/users/{guide}"), &replacement).await, "update user", 200);
    assert_eq!((&replaced["title"], &replaced["userName"]), (&json!("Guide"), &json!("tour.guide")));
    let disable = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "active", "value": false }] });
    let disabled = ok(&connector.send_json("PATCH", &format!("/scim/v2/Users/{guide}"), &disable).await, "disable user", 200);
    assert_eq!(disabled["active"], false);
    ok(&connector.post_json("/v1.0/users/EIDExtension/PasswordResetRequest", &json!({ "id": guide })).await, "password reset", 200);
    let doomed = ok(&connector.post_json("/v1.0/users", &json!({ "userName": "short.stay", "password": "Correct-Horse-7!" })).await, "create user", 201);
    let doomed = doomed["id"].as_str().unwrap().to_string();
    ok(&connector.delete(&format!("/v1.0/users/{doomed}")).await, "delete user", 204);

    // Groups: create, get, query, paged, update, members and owners, delete.
    let group = ok(
        &connector.post_json("/v1.0/groups", &json!({ "displayName": "Tour Group", "members": [{ "value": adele }] })).await,
        "create group",
        201,
    );
    let group_id = group["id"].as_str().unwrap().to_string();
    ok(&connector.get(&format!("/v1.0/groups/{group_id}")).await, "get group", 200);
    let groups = ok(&connector.get("/v1.0/groups?filter=displayName%20eq%20%22Tour%20Group%22&count=5").await, "query groups", 200);
    assert_eq!(groups["totalResults"], 1);
    ok(&connector.get("/v1.0/groups/EIDExtension/Paged?count=5&excludedAttributes=members").await, "query groups paged", 200);
    let mut renamed = ok(&connector.get(&format!("/v1.0/groups/{group_id}")).await, "get group", 200);
    renamed["displayName"] = json!("Tour Group (renamed)");
    ok(&connector.send_json("PUT", &format!("/v1.0/groups/{group_id}"), &renamed).await, "update group", 200);
    let links = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        { "op": "add", "path": "members", "value": [{ "value": guide }] },
        { "op": "add", "path": "ownersToAdd", "value": [{ "value": adele }] } ] });
    ok(&connector.send_json("PATCH", &format!("/v1.0/groups/{group_id}"), &links).await, "add members and owners", 200);
    let members = ok(&connector.get(&format!("/v1.0/groups/EIDExtension/MemberQuery/{group_id}")).await, "group members", 200);
    assert_eq!(members["totalResults"], 2, "{members}");
    let owners = ok(&connector.get(&format!("/v1.0/groups/EIDExtension/OwnerQuery/{group_id}")).await, "group owners", 200);
    assert!(owners.to_string().contains(&adele), "{owners}");
    let spare = ok(&connector.post_json("/v1.0/groups", &json!({ "displayName": "Spare Group" })).await, "create group", 201);
    let spare = spare["id"].as_str().unwrap().to_string();
    ok(&connector.delete(&format!("/v1.0/groups/{spare}")).await, "delete group", 204);

    // The audit-log queries see what was done.
    let end = scim_graph::Instant::from_unix_millis(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 + 1_000);
    let range = encode(&format!("AuditLogStartTime eq {start} and AuditLogEndTime eq {end}"));
    let ids = |list: &Value| -> BTreeSet<String> {
        list["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
    };
    let changed = ok(&connector.get(&format!("/v1.0/users/EIDExtension/NewOrUpdated?Filter={range}")).await, "new or updated users", 200);
    assert!(ids(&changed).contains(&guide), "{changed}");
    let deleted = ok(&connector.get(&format!("/v1.0/users/EIDExtension/Deleted?Filter={range}")).await, "deleted users", 200);
    assert_eq!(ids(&deleted), BTreeSet::from([doomed]));
    let changed = ok(&connector.get(&format!("/v1.0/groups/EIDExtension/NewOrUpdated?Filter={range}")).await, "new or updated groups", 200);
    assert!(ids(&changed).contains(&group_id), "{changed}");
    let deleted = ok(&connector.get(&format!("/v1.0/groups/EIDExtension/Deleted?Filter={range}")).await, "deleted groups", 200);
    assert_eq!(ids(&deleted), BTreeSet::from([spare]));
}

/// Custom attributes (`b2c_custom_attributes`) are members of the UserProfile extension: read
/// from Graph's `extension_{appId}_{name}` properties, and written back to them.
#[tokio::test(flavor = "multi_thread")]
async fn custom_attributes_are_read_and_written_through_the_user_profile() {
    let config = EmulatorConfig { users: 5, groups: 0, b2c: Some(B2c::default()), ..EmulatorConfig::default() };
    let variables = [
        ("tenant_type", "b2c"),
        ("upn_domain", DOMAIN),
        ("b2c_extensions_app_id", graph_emulator::DEMO_B2C_EXTENSIONS_APP_ID),
        ("b2c_custom_attributes", "loyaltyNumber, membershipTier"),
    ];
    let connector = Connector::start_configured(config, Limits::default(), &variables).await;
    let property = |name: &str| format!("extension_{}_{name}", graph_emulator::DEMO_B2C_EXTENSIONS_APP_ID);
    let adele = connector.emulator.users().into_iter().find(|u| u["displayName"] == "Adele Vance").unwrap()["id"].as_str().unwrap().to_string();

    let read = connector.get(&format!("/scim/v2/Users/{adele}")).await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.json()[B2C_PROFILE]["loyaltyNumber"], "7000000001", "{}", read.text());
    assert_eq!(read.json()[B2C_PROFILE]["membershipTier"], "Platinum");

    let created = connector
        .post_json(
            "/scim/v2/Users",
            &json!({ "userName": "member.one", "password": "Correct-Horse-7!", B2C_PROFILE: { "membershipTier": "Bronze" } }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()[B2C_PROFILE]["membershipTier"], "Bronze");
    let id = created.json()["id"].as_str().unwrap().to_string();
    let stored = |connector: &Connector| connector.emulator.users().into_iter().find(|u| u["id"] == json!(id)).unwrap();
    assert_eq!(stored(&connector)[property("membershipTier")], "Bronze");

    let upgrade = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": format!("{B2C_PROFILE}:membershipTier"), "value": "Gold" }] });
    let upgraded = connector.send_json("PATCH", &format!("/scim/v2/Users/{id}"), &upgrade).await;
    assert_eq!(upgraded.status, 200, "{}", upgraded.text());
    assert_eq!(upgraded.json()[B2C_PROFILE]["membershipTier"], "Gold");
    assert_eq!(stored(&connector)[property("membershipTier")], "Gold");
}
