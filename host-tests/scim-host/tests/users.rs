//! The first slice of user operations, end to end: the real gateway and operation components in
//! scim-host, over HTTP, against the Graph emulator. Each route in both styles: standard SCIM
//! (`/scim/v2/Users`) and the B2C connector's table (`/v1.0/users`, from
//! shared/seeds/003_5b59c6e6ed8c824f.txt: "Get User | Retrieve a user by their ID | GET /v1.0/users/{Id}").

mod common;

use common::{Connector, TOKEN, encode};
use serde_json::json;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn first_user(connector: &Connector) -> serde_json::Value {
    connector.emulator.users().into_iter().next().expect("the demo tenant has users")
}

#[tokio::test(flavor = "multi_thread")]
async fn get_user_maps_graph_to_scim_in_both_route_styles() {
    let connector = Connector::start().await;
    let graph_user = first_user(&connector);
    let id = graph_user["id"].as_str().unwrap();

    for path in [format!("/scim/v2/Users/{id}"), format!("/v1.0/users/{id}")] {
        let reply = connector.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        assert_eq!(reply.header("content-type"), Some("application/scim+json"));
        let user = reply.json();
        assert_eq!(user["id"], graph_user["id"]);
        assert!(user["schemas"].as_array().unwrap().contains(&json!(USER_SCHEMA)));
        assert_eq!(user["userName"], graph_user["userPrincipalName"]);
        assert_eq!(user["displayName"], graph_user["displayName"]);
        assert_eq!(user["name"]["givenName"], graph_user["givenName"]);
        assert_eq!(user["name"]["familyName"], graph_user["surname"]);
        assert_eq!(user["active"], graph_user["accountEnabled"]);
        let work_email = user["emails"].as_array().unwrap().iter().find(|e| e["type"] == "work").unwrap();
        assert_eq!(work_email["value"], graph_user["mail"]);
        let mobile = user["phoneNumbers"].as_array().unwrap().iter().find(|p| p["type"] == "mobile").unwrap();
        assert_eq!(mobile["value"], graph_user["mobilePhone"]);
        let work_address = user["addresses"].as_array().unwrap().iter().find(|a| a["type"] == "work").unwrap();
        assert_eq!(work_address["locality"], graph_user["city"]);
        assert_eq!(work_address["postalCode"], graph_user["postalCode"]);
        assert_eq!(user[ENTERPRISE]["department"], graph_user["department"]);
        assert_eq!(user[ENTERPRISE]["employeeNumber"], graph_user["employeeId"]);
        assert_eq!(user["meta"]["resourceType"], "User");
        assert_eq!(user["meta"]["location"], json!(connector.url(&format!("/scim/v2/Users/{id}"))));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_user_reports_the_manager() {
    let connector = Connector::start().await;
    let users = connector.emulator.users();
    let (id, manager) = users
        .iter()
        .filter_map(|u| {
            let id = u["id"].as_str()?.to_string();
            Some((id.clone(), connector.emulator.manager_of(&id)?))
        })
        .next()
        .expect("the demo tenant has managed users");
    let user = connector.get(&format!("/scim/v2/Users/{id}")).await.json();
    assert_eq!(user[ENTERPRISE]["manager"]["value"], json!(manager), "{user}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_user_is_a_scim_404_in_both_styles() {
    let connector = Connector::start().await;
    for path in ["/scim/v2/Users/00000000-0000-0000-0000-000000000000", "/v1.0/users/00000000-0000-0000-0000-000000000000"] {
        connector.get(path).await.assert_scim_error(404, None);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_users_pages_through_the_demo_tenant() {
    let connector = Connector::start().await;
    let total = connector.emulator.user_count() as u64;

    let all = connector.get("/scim/v2/Users").await;
    assert_eq!(all.status, 200, "{}", all.text());
    let all = all.json();
    assert_eq!(all["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
    assert_eq!(all["totalResults"], json!(total));
    assert_eq!(all["startIndex"], json!(1));
    assert_eq!(all["Resources"].as_array().unwrap().len() as u64, total.min(100));

    let page = connector.get("/scim/v2/Users?count=5").await.json();
    assert_eq!(page["Resources"].as_array().unwrap().len(), 5);
    assert_eq!(page["itemsPerPage"], json!(5));
    assert_eq!(page["totalResults"], json!(total));

    // Pages of 7 cover the tenant once each, in a stable order.
    let mut seen = std::collections::BTreeSet::new();
    let mut start = 1;
    while start <= total {
        let page = connector.get(&format!("/scim/v2/Users?startIndex={start}&count=7")).await.json();
        for user in page["Resources"].as_array().unwrap() {
            assert!(seen.insert(user["id"].as_str().unwrap().to_string()), "{} repeated", user["id"]);
        }
        start += 7;
    }
    assert_eq!(seen.len() as u64, total);

    let tail = connector.get(&format!("/scim/v2/Users?startIndex={}&count=5", total - 1)).await.json();
    assert_eq!(tail["Resources"].as_array().unwrap().len(), 2);
    assert_eq!(tail["startIndex"], json!(total - 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn list_with_count_zero_returns_only_the_total() {
    let connector = Connector::start().await;
    let reply = connector.get("/scim/v2/Users?count=0").await.json();
    assert_eq!(reply["totalResults"], json!(connector.emulator.user_count()));
    assert_eq!(reply["Resources"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn filter_by_user_name_in_both_styles() {
    let connector = Connector::start().await;
    let graph_user = first_user(&connector);
    let upn = graph_user["userPrincipalName"].as_str().unwrap();
    let filter = format!("userName eq \"{upn}\"");
    let encoded = encode(&filter);

    for path in [format!("/scim/v2/Users?filter={encoded}"), format!("/v1.0/users?filter={encoded}&count=10")] {
        let reply = connector.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        let list = reply.json();
        assert_eq!(list["totalResults"], json!(1), "{list}");
        assert_eq!(list["Resources"][0]["id"], graph_user["id"]);
    }

    let none = connector.get(&format!("/scim/v2/Users?filter={}", encode("userName eq \"nobody@contoso.com\""))).await.json();
    assert_eq!(none["totalResults"], json!(0));
    assert_eq!(none["Resources"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_combine_and_translate() {
    let connector = Connector::start().await;
    let users = connector.emulator.users();
    let graph_user = &users[0];
    let given = graph_user["givenName"].as_str().unwrap();
    let family = graph_user["surname"].as_str().unwrap();
    let expected = users.iter().filter(|u| u["givenName"] == given && u["surname"] == family).count();
    let filter = format!("name.givenName eq \"{given}\" and name.familyName eq \"{family}\"");
    let list = connector.get(&format!("/scim/v2/Users?filter={}", encode(&filter))).await.json();
    assert_eq!(list["totalResults"], json!(expected), "{list}");

    let prefix = &graph_user["userPrincipalName"].as_str().unwrap()[..3];
    let expected = users
        .iter()
        .filter(|u| u["userPrincipalName"].as_str().unwrap().to_lowercase().starts_with(&prefix.to_lowercase()))
        .count();
    let list = connector.get(&format!("/scim/v2/Users?filter={}&count=999", encode(&format!("userName sw \"{prefix}\"")))).await.json();
    assert_eq!(list["totalResults"], json!(expected), "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_filters_are_rejected_before_any_graph_request() {
    let connector = Connector::start().await;
    let before = connector.emulator.request_count();
    for filter in ["userName eq", "(userName eq \"a\"", "active eq \"yes\"", "nickName eq \"x\" or active eq \"no\""] {
        let reply = connector.get(&format!("/scim/v2/Users?filter={}", encode(filter))).await;
        reply.assert_scim_error(400, Some("invalidFilter"));
    }
    assert_eq!(connector.emulator.request_count(), before, "no Graph request for a rejected filter");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_conflict_delete_lifecycle_in_both_styles() {
    let connector = Connector::start().await;
    for (collection, name) in [("/scim/v2/Users", "grace.hopper"), ("/v1.0/users", "alan.turing")] {
        let user_name = format!("{name}@contoso.onmicrosoft.com");
        let request = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "userName": user_name,
            "name": { "givenName": "Grace", "familyName": "Hopper" },
            "displayName": "Grace Hopper",
            "active": true,
            "emails": [{ "value": user_name, "type": "work", "primary": true }],
            "phoneNumbers": [{ "value": "+1 555 0100", "type": "mobile" }],
            ENTERPRISE: { "department": "Research", "employeeNumber": "1906" }
        });
        let created = connector.post_json(collection, &request).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let body = created.json();
        let id = body["id"].as_str().expect("an id").to_string();
        assert_eq!(created.header("location"), Some(connector.url(&format!("/scim/v2/Users/{id}")).as_str()));
        assert_eq!(body["userName"], json!(user_name));
        assert_eq!(body[ENTERPRISE]["department"], "Research");
        assert_eq!(body["active"], true);
        assert!(body.get("password").is_none());

        let graph_user = connector.emulator.users().into_iter().find(|u| u["id"] == json!(id)).expect("in the tenant");
        assert_eq!(graph_user["userPrincipalName"], json!(user_name));
        assert_eq!(graph_user["employeeId"], "1906");
        assert_eq!(graph_user["mobilePhone"], "+1 555 0100");

        connector.post_json(collection, &request).await.assert_scim_error(409, Some("uniqueness"));

        assert_eq!(connector.get(&format!("{collection}/{id}")).await.status, 200);
        let deleted = connector.delete(&format!("{collection}/{id}")).await;
        assert_eq!(deleted.status, 204, "{}", deleted.text());
        assert!(deleted.body.is_empty());
        connector.get(&format!("{collection}/{id}")).await.assert_scim_error(404, None);
        connector.delete(&format!("{collection}/{id}")).await.assert_scim_error(404, None);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_sets_the_manager_or_leaves_nothing_behind() {
    let connector = Connector::start().await;
    let manager = first_user(&connector);
    let request = json!({
        "userName": "managed.person@contoso.onmicrosoft.com",
        ENTERPRISE: { "manager": { "value": manager["id"] } }
    });
    let created = connector.post_json("/scim/v2/Users", &request).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()[ENTERPRISE]["manager"]["value"], manager["id"]);

    let users_before = connector.emulator.user_count();
    let orphan = json!({
        "userName": "orphan@contoso.onmicrosoft.com",
        ENTERPRISE: { "manager": { "value": "00000000-0000-0000-0000-000000000000" } }
    });
    connector.post_json("/scim/v2/Users", &orphan).await.assert_scim_error(400, Some("invalidValue"));
    assert_eq!(connector.emulator.user_count(), users_before, "the failed create was rolled back");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_create_requests_are_scim_400s() {
    let connector = Connector::start().await;
    let users_before = connector.emulator.user_count();
    connector.post_raw("/scim/v2/Users", b"{\"userName\": ").await.assert_scim_error(400, Some("invalidSyntax"));
    connector.post_raw("/v1.0/users", b"not json").await.assert_scim_error(400, Some("invalidSyntax"));
    connector.post_json("/scim/v2/Users", &json!({"displayName": "No Name"})).await.assert_scim_error(400, Some("invalidValue"));
    connector.post_json("/scim/v2/Users", &json!({"userName": ""})).await.assert_scim_error(400, Some("invalidValue"));
    assert_eq!(connector.emulator.user_count(), users_before);
}

#[tokio::test(flavor = "multi_thread")]
async fn callers_without_the_bearer_token_are_refused() {
    let connector = Connector::start().await;
    let id = first_user(&connector)["id"].as_str().unwrap().to_string();
    let path = format!("/scim/v2/Users/{id}");
    for headers in [vec![], vec![("authorization", "Bearer wrong-token")], vec![("authorization", "Basic dXNlcjpwYXNz")]] {
        let reply = connector.send("GET", &path, &headers, None).await;
        reply.assert_scim_error(401, None);
        assert!(reply.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    }
    // A prefix of the right token is as wrong as any other.
    let prefix = format!("Bearer {}", &TOKEN[..TOKEN.len() - 1]);
    connector.send("GET", &path, &[("authorization", &prefix)], None).await.assert_scim_error(401, None);
    // Unauthenticated callers learn nothing about routes either.
    connector.send("GET", "/scim/v2/Nowhere", &[], None).await.assert_scim_error(401, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let connector = Connector::start().await;
    let auth = format!("Bearer {TOKEN}");
    let auth = [("authorization", auth.as_str())];
    connector.send("GET", "/scim/v2/Nowhere", &auth, None).await.assert_scim_error(404, None);
    connector.send("GET", "/", &auth, None).await.assert_scim_error(404, None);

    let reply = connector.send("PATCH", "/scim/v2/Users", &auth, None).await;
    reply.assert_scim_error(405, None);
    assert_eq!(reply.header("allow"), Some("GET, POST"));

    let reply = connector.send("PUT", "/v1.0/users", &auth, None).await;
    reply.assert_scim_error(405, None);
    assert_eq!(reply.header("allow"), Some("GET, POST"));
}

#[tokio::test(flavor = "multi_thread")]
async fn private_operations_are_not_reachable_from_outside() {
    let connector = Connector::start().await;
    let id = first_user(&connector)["id"].as_str().unwrap().to_string();
    // Whatever the Host header says, outside requests go to the gateway, which wants a token.
    let reply = connector.send("GET", &format!("/scim/v2/Users/{id}"), &[("host", "users-get.spin.internal")], None).await;
    reply.assert_scim_error(401, None);
}

fn graph_user_by_id(connector: &Connector, id: &str) -> serde_json::Value {
    connector.emulator.users().into_iter().find(|u| u["id"] == json!(id)).expect("in the tenant")
}

/// From the seed: "Update User | Update a user detail by their ID. | PUT /v1.0/users/{Id}", and
/// 000_374cdb11b85da100.txt: "Enable and Disable User Accounts".
#[tokio::test(flavor = "multi_thread")]
async fn replace_updates_disables_and_enables_in_both_styles() {
    let connector = Connector::start().await;
    let id = connector.emulator.users()[3]["id"].as_str().unwrap().to_string();
    for collection in ["/scim/v2/Users", "/v1.0/users"] {
        let mut user = connector.get(&format!("/scim/v2/Users/{id}")).await.json();
        user["title"] = json!("Head of Marketing");
        user["active"] = json!(false);
        let replaced = connector.send_json("PUT", &format!("{collection}/{id}"), &user).await;
        assert_eq!(replaced.status, 200, "{}", replaced.text());
        assert_eq!(replaced.header("content-type"), Some("application/scim+json"));
        assert_eq!(replaced.json()["title"], "Head of Marketing");
        assert_eq!(replaced.json()["active"], false);
        let graph = graph_user_by_id(&connector, &id);
        assert_eq!((graph["jobTitle"].clone(), graph["accountEnabled"].clone()), (json!("Head of Marketing"), json!(false)));

        user["active"] = json!("True"); // as Microsoft Entra provisioning sends it
        let enabled = connector.send_json("PUT", &format!("{collection}/{id}"), &user).await;
        assert_eq!(enabled.status, 200, "{}", enabled.text());
        assert_eq!(graph_user_by_id(&connector, &id)["accountEnabled"], true);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_clears_what_the_request_leaves_out() {
    let connector = Connector::start().await;
    let graph_user = first_user(&connector);
    let id = graph_user["id"].as_str().unwrap();
    assert!(graph_user["jobTitle"].is_string() && graph_user["mobilePhone"].is_string());
    let mut user = connector.get(&format!("/scim/v2/Users/{id}")).await.json();
    let fields = user.as_object_mut().unwrap();
    fields.remove("title");
    fields.remove("phoneNumbers");
    let replaced = connector.send_json("PUT", &format!("/scim/v2/Users/{id}"), &user).await;
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    assert!(replaced.json().get("title").is_none());
    let graph = graph_user_by_id(&connector, id);
    assert!(graph["jobTitle"].is_null() && graph["mobilePhone"].is_null(), "{graph}");
    assert_eq!(graph["userPrincipalName"], graph_user["userPrincipalName"], "required properties stay");
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_refuses_bad_requests_and_changes_nothing() {
    let connector = Connector::start().await;
    let graph_user = first_user(&connector);
    let id = graph_user["id"].as_str().unwrap();
    let user = connector.get(&format!("/scim/v2/Users/{id}")).await.json();

    let mut other_id = user.clone();
    other_id["id"] = json!("00000000-0000-0000-0000-000000000001");
    connector.send_json("PUT", &format!("/scim/v2/Users/{id}"), &other_id).await.assert_scim_error(400, Some("mutability"));

    let mut bad_manager = user.clone();
    bad_manager["title"] = json!("Changed");
    bad_manager[ENTERPRISE]["manager"] = json!({ "value": "00000000-0000-0000-0000-000000000000" });
    connector.send_json("PUT", &format!("/scim/v2/Users/{id}"), &bad_manager).await.assert_scim_error(400, Some("invalidValue"));

    let mut no_name = user.clone();
    no_name.as_object_mut().unwrap().remove("userName");
    connector.send_json("PUT", &format!("/scim/v2/Users/{id}"), &no_name).await.assert_scim_error(400, Some("invalidValue"));

    let mut without_id = user.clone();
    without_id.as_object_mut().unwrap().remove("id");
    connector
        .send_json("PUT", "/scim/v2/Users/00000000-0000-0000-0000-000000000000", &without_id)
        .await
        .assert_scim_error(404, None);
    assert_eq!(graph_user_by_id(&connector, id), graph_user, "nothing changed");
}

/// RFC 7644 §3.4.2.5: `attributes` keeps only what is named (and what is always returned),
/// `excludedAttributes` drops what is named; password is never returned.
#[tokio::test(flavor = "multi_thread")]
async fn attributes_and_excluded_attributes_shape_users() {
    let connector = Connector::start().await;
    let id = first_user(&connector)["id"].as_str().unwrap().to_string();
    let only = connector.get(&format!("/scim/v2/Users/{id}?attributes=userName,name.givenName,{ENTERPRISE}:department")).await.json();
    assert_eq!(only["id"], json!(id), "id is always returned");
    assert!(only["userName"].is_string());
    assert!(only["name"]["givenName"].is_string() && only["name"].get("familyName").is_none(), "{only}");
    assert!(only[ENTERPRISE]["department"].is_string() && only[ENTERPRISE].get("employeeNumber").is_none());
    assert!(only.get("displayName").is_none() && only.get("emails").is_none(), "{only}");

    let without = connector.get(&format!("/scim/v2/Users/{id}?excludedAttributes=emails,phoneNumbers")).await.json();
    assert!(without.get("emails").is_none() && without.get("phoneNumbers").is_none());
    assert!(without["displayName"].is_string());

    let list = connector.get("/scim/v2/Users?count=3&attributes=userName").await.json();
    for user in list["Resources"].as_array().unwrap() {
        let keys: std::collections::BTreeSet<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "schemas", "userName"].into_iter().collect(), "{user}");
    }
}

/// RFC 7644 §3.4.3: POST /.search takes the query as a SearchRequest body.
#[tokio::test(flavor = "multi_thread")]
async fn search_with_a_request_body() {
    let connector = Connector::start().await;
    let graph_user = first_user(&connector);
    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": format!("userName eq \"{}\"", graph_user["userPrincipalName"].as_str().unwrap()),
        "attributes": ["userName", "displayName"],
        "count": 10
    });
    let reply = connector.post_json("/scim/v2/Users/.search", &search).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let list = reply.json();
    assert_eq!(list["totalResults"], json!(1));
    assert_eq!(list["Resources"][0]["displayName"], graph_user["displayName"]);
    assert!(list["Resources"][0].get("emails").is_none());

    let bad = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"] });
    connector.post_json("/scim/v2/Users/.search", &bad).await.assert_scim_error(400, Some("invalidSyntax"));
    let bad_filter = json!({ "filter": "userName co" });
    connector.post_json("/scim/v2/Users/.search", &bad_filter).await.assert_scim_error(400, Some("invalidFilter"));
}

/// RFC 7644 §3.4.2.3: `sortBy` / `sortOrder`, with and without a filter, index and cursor paging.
#[tokio::test(flavor = "multi_thread")]
async fn sort_by_orders_users() {
    let connector = Connector::start().await;
    let names = |list: &serde_json::Value| -> Vec<String> {
        list["Resources"].as_array().unwrap().iter().map(|u| u["displayName"].as_str().unwrap().to_lowercase()).collect()
    };
    let descending = connector.get("/scim/v2/Users?sortBy=displayName&sortOrder=descending&count=50").await;
    assert_eq!(descending.status, 200, "{}", descending.text());
    let got = names(&descending.json());
    let mut expected = got.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(got, expected, "descending by displayName");
    let everyone: Vec<String> = {
        let mut all: Vec<String> = connector.emulator.users().iter().map(|u| u["displayName"].as_str().unwrap().to_lowercase()).collect();
        all.sort_by(|a, b| b.cmp(a));
        all
    };
    assert_eq!(got[0], everyone[0], "sorted over the whole tenant, not one page");

    let filtered = connector.get(&format!("/v1.0/users?filter={}&sortBy=userName&count=10", encode("userName sw \"a\""))).await;
    assert_eq!(filtered.status, 200, "{}", filtered.text());
    let upns: Vec<String> = filtered.json()["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap().to_lowercase()).collect();
    let mut sorted = upns.clone();
    sorted.sort();
    assert_eq!(upns, sorted);

    connector.get("/scim/v2/Users?sortBy=nickName").await.assert_scim_error(400, Some("invalidValue"));
}

/// RFC 7643 §7: endDateTime (Graph's employeeLeaveDateTime, which Graph serves only when selected,
/// and only to an app holding User-LifeCycleInfo.Read.All) is read and returned only when
/// `attributes` names it, or a filter tests it; it does not change the user's version.
#[tokio::test(flavor = "multi_thread")]
async fn the_end_date_is_returned_only_when_asked_for() {
    let connector = Connector::start().await;
    let lee = &connector.emulator.users()[4];
    let (id, upn) = (lee["id"].as_str().unwrap(), lee["userPrincipalName"].as_str().unwrap());
    let leaves = lee["employeeLeaveDateTime"].as_str().expect("a disabled demo user has left");

    let plain = connector.get(&format!("/scim/v2/Users/{id}")).await;
    assert!(plain.json().get("endDateTime").is_none(), "{}", plain.text());
    for attributes in ["endDateTime", "userName,ENDDATETIME", &format!("{USER_SCHEMA}:endDateTime")] {
        for path in [format!("/scim/v2/Users/{id}"), format!("/v1.0/users/{id}")] {
            let asked = connector.get(&format!("{path}?attributes={attributes}")).await;
            assert_eq!(asked.json()["endDateTime"], leaves, "{path}?attributes={attributes}: {}", asked.text());
            assert_eq!(asked.header("etag"), plain.header("etag"), "returned on request, outside the version");
        }
    }

    let by_name = encode(&format!("userName eq \"{upn}\""));
    let listed = connector.get(&format!("/scim/v2/Users?filter={by_name}&attributes=endDateTime")).await.json();
    assert_eq!(listed["Resources"][0]["endDateTime"], leaves, "{listed}");
    let everyone = connector.get("/scim/v2/Users?count=999").await.json();
    assert!(everyone["Resources"].as_array().unwrap().iter().all(|u| u.get("endDateTime").is_none()), "not asked for");
    // The connector checks a filter on the end date itself, on users read with it.
    let leaving = encode(&format!("userName eq \"{upn}\" and endDateTime pr"));
    let filtered = connector.get(&format!("/scim/v2/Users?filter={leaving}")).await.json();
    assert_eq!(filtered["totalResults"], json!(1), "{filtered}");
    assert!(filtered["Resources"][0].get("endDateTime").is_none(), "tested, not asked for");
}

/// RFC 7643 §7: a create or replace that sends endDateTime writes Graph's employeeLeaveDateTime
/// and answers with it; a replace that leaves it out keeps it (the client never saw it).
#[tokio::test(flavor = "multi_thread")]
async fn create_and_replace_answer_the_end_date_they_write() {
    let connector = Connector::start().await;
    let request = json!({ "userName": "leaver@contoso.onmicrosoft.com", "endDateTime": "2025-03-05T10:00:10Z" });
    let created = connector.post_json("/scim/v2/Users", &request).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let user = created.json();
    assert_eq!(user["endDateTime"], "2025-03-05T10:00:10Z", "{user}");
    let id = user["id"].as_str().unwrap();
    assert_eq!(graph_user_by_id(&connector, id)["employeeLeaveDateTime"], "2025-03-05T10:00:10Z");

    let path = format!("/scim/v2/Users/{id}");
    let mut user = connector.get(&path).await.json();
    user["title"] = json!("Leaver");
    let retitled = connector.send_json("PUT", &path, &user).await;
    assert_eq!(retitled.status, 200, "{}", retitled.text());
    assert!(retitled.json().get("endDateTime").is_none(), "{}", retitled.text());
    assert_eq!(graph_user_by_id(&connector, id)["employeeLeaveDateTime"], "2025-03-05T10:00:10Z", "kept");

    for (collection, leaves) in [("/scim/v2/Users", "2026-06-30T17:00:00Z"), ("/v1.0/users", "2026-09-30T17:00:00Z")] {
        user["endDateTime"] = json!(leaves);
        let replaced = connector.send_json("PUT", &format!("{collection}/{id}"), &user).await;
        assert_eq!(replaced.status, 200, "{}", replaced.text());
        assert_eq!(replaced.json()["endDateTime"], user["endDateTime"], "{collection}: {}", replaced.text());
        assert_eq!(graph_user_by_id(&connector, id)["employeeLeaveDateTime"], user["endDateTime"]);
    }
    user["endDateTime"] = json!(null);
    let cleared = connector.send_json("PUT", &path, &user).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text());
    assert!(cleared.json().get("endDateTime").is_none(), "{}", cleared.text());
    assert!(graph_user_by_id(&connector, id)["employeeLeaveDateTime"].is_null());
}

/// RFC 7643 §7: the mailbox's automatic replies (Graph's mailboxSettings.automaticRepliesSetting,
/// one more Graph request a user) are read and returned only when `attributes` names one of them,
/// bare, in any case or under the core URN; they do not change the user's version.
#[tokio::test(flavor = "multi_thread")]
async fn the_automatic_replies_are_read_only_when_asked_for() {
    let connector = Connector::start().await;
    let id = first_user(&connector)["id"].as_str().unwrap().to_string();
    let before = connector.emulator.request_count();
    let plain = connector.get(&format!("/scim/v2/Users/{id}")).await;
    assert_eq!(connector.emulator.request_count() - before, 1, "the user alone, no mailbox request");
    assert!(plain.json().get("status").is_none(), "{}", plain.text());
    let excluded = connector.get(&format!("/scim/v2/Users/{id}?excludedAttributes=status")).await;
    assert!(excluded.json().get("status").is_none(), "{}", excluded.text());

    // Adele's mailbox, as the emulator makes it up: replies scheduled for two weeks of July 2026.
    for attributes in ["status", "userName,STATUS,scheduledEndDateTime", &format!("{USER_SCHEMA}:status")] {
        for path in [format!("/scim/v2/Users/{id}"), format!("/v1.0/users/{id}")] {
            let before = connector.emulator.request_count();
            let asked = connector.get(&format!("{path}?attributes={attributes}")).await;
            assert_eq!(asked.status, 200, "{path}?attributes={attributes}: {}", asked.text());
            assert_eq!(connector.emulator.request_count() - before, 2, "the user and its mailbox settings");
            assert_eq!(asked.json()["status"], "scheduled", "{path}?attributes={attributes}: {}", asked.text());
            assert_eq!(asked.header("etag"), plain.header("etag"), "returned on request, outside the version");
        }
    }
    let all = connector
        .get(&format!("/scim/v2/Users/{id}?attributes=status,externalAudience,scheduledStartDateTime,scheduledEndDateTime,internalReplyMessage,externalReplyMessage"))
        .await
        .json();
    assert_eq!(
        (&all["externalAudience"], &all["scheduledStartDateTime"], &all["scheduledEndDateTime"]),
        (&json!("contactsOnly"), &json!("2026-07-02T07:00:00Z"), &json!("2026-07-16T07:00:00Z")),
        "{all}"
    );
    assert!(all["internalReplyMessage"].as_str().unwrap().contains("Adele is out of the office until 2026-07-16"), "{all}");
    assert!(all["externalReplyMessage"].as_str().unwrap().contains("away until 2026-07-16"), "{all}");
}

/// A user Exchange gives no mailbox (created without an email: no licence) has no automatic
/// replies: Graph's MailboxNotEnabledForRESTAPI is an absence, not a failure.
#[tokio::test(flavor = "multi_thread")]
async fn a_user_without_a_mailbox_has_no_automatic_replies() {
    let connector = Connector::start().await;
    let created = connector.post_json("/scim/v2/Users", &json!({ "userName": "no.mailbox@contoso.onmicrosoft.com" })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    let before = connector.emulator.request_count();
    let asked = connector.get(&format!("/scim/v2/Users/{id}?attributes=userName,status,internalReplyMessage")).await;
    assert_eq!(asked.status, 200, "{}", asked.text());
    assert_eq!(connector.emulator.request_count() - before, 2, "the mailbox was asked for, and found missing");
    let user = asked.json();
    assert_eq!(user["userName"], "no.mailbox@contoso.onmicrosoft.com");
    assert!(user.get("status").is_none() && user.get("internalReplyMessage").is_none(), "{user}");
}

/// A list asked for the automatic replies reads each listed user's, 20 users to a Graph `$batch`
/// request, and answers each with its own; a user without a mailbox has none.
#[tokio::test(flavor = "multi_thread")]
async fn a_list_reads_each_users_automatic_replies_20_to_a_request() {
    let connector = Connector::start().await;
    let created = connector.post_json("/scim/v2/Users", &json!({ "userName": "no.mailbox@contoso.onmicrosoft.com" })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let without_mailbox = created.json()["id"].clone();
    let total = connector.emulator.user_count() as u64;

    let before = connector.emulator.request_count();
    let listed = connector.get("/scim/v2/Users?count=999&attributes=userName,status").await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(connector.emulator.request_count() - before, 1 + total.div_ceil(20), "one page of users, then their mailboxes 20 at a time");
    let listed = listed.json();
    let users = listed["Resources"].as_array().unwrap();
    assert_eq!(users.len() as u64, total);
    let (mailless, demo): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) = users.iter().partition(|u| u["id"] == without_mailbox);
    assert!(mailless[0].get("status").is_none(), "{}", mailless[0]);
    let statuses: std::collections::BTreeSet<&str> = demo.iter().map(|u| u["status"].as_str().unwrap_or_else(|| panic!("{u}"))).collect();
    assert_eq!(statuses, ["alwaysEnabled", "disabled", "scheduled"].into(), "every demo user has a mailbox");
    // Each is the user's own, as a read of that user answers it.
    for user in users.iter().take(8) {
        let id = user["id"].as_str().unwrap();
        let alone = connector.get(&format!("/scim/v2/Users/{id}?attributes=status")).await.json();
        assert_eq!(alone.get("status"), user.get("status"), "{id}");
    }
    let everyone = connector.get("/scim/v2/Users?count=999").await.json();
    assert!(everyone["Resources"].as_array().unwrap().iter().all(|u| u.get("status").is_none()), "not asked for");
}
