//! PATCH /scim/v2/Users/{id} end to end, with the request forms Microsoft Entra provisioning
//! sends (RFC 7644 §3.5.2 plus its documented quirks), each checked against the tenant.

mod common;

use common::{Connector, encode};
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn patch_op(operations: Value) -> Value {
    json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations })
}

fn graph_user(connector: &Connector, id: &str) -> Value {
    connector.emulator.users().into_iter().find(|u| u["id"] == json!(id)).expect("in the tenant")
}

fn some_user(connector: &Connector, index: usize) -> String {
    connector.emulator.users()[index]["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_disables_and_enables_with_string_booleans() {
    let connector = Connector::start().await;
    let id = some_user(&connector, 2);
    let path = format!("/scim/v2/Users/{id}");
    let disabled = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "Replace", "path": "active", "value": "False" }]))).await;
    assert_eq!(disabled.status, 200, "{}", disabled.text());
    assert_eq!(disabled.json()["active"], false);
    assert_eq!(graph_user(&connector, &id)["accountEnabled"], false);

    let enabled = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "replace", "value": { "active": "True" } }]))).await;
    assert_eq!(enabled.status, 200, "{}", enabled.text());
    assert_eq!(graph_user(&connector, &id)["accountEnabled"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn pathless_replace_with_dotted_keys_value_paths_and_extension_paths() {
    let connector = Connector::start().await;
    let id = some_user(&connector, 5);
    let patch = patch_op(json!([
        { "op": "Replace", "value": { "name.givenName": "Ada", "title": "Countess" } },
        { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@contoso.onmicrosoft.com" },
        { "op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Analytical Engines" },
        { "op": "Add", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+44 20 7946 0000" }
    ]));
    let patched = connector.send_json("PATCH", &format!("/scim/v2/Users/{id}"), &patch).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    let graph = graph_user(&connector, &id);
    assert_eq!(graph["givenName"], "Ada");
    assert_eq!(graph["jobTitle"], "Countess");
    assert_eq!(graph["mail"], "ada@contoso.onmicrosoft.com");
    assert_eq!(graph["department"], "Analytical Engines");
    assert_eq!(graph["faxNumber"], "+44 20 7946 0000");
    assert_eq!(patched.json()[ENTERPRISE]["department"], "Analytical Engines");
}

#[tokio::test(flavor = "multi_thread")]
async fn manager_is_added_as_entra_sends_it_and_removed() {
    let connector = Connector::start().await;
    let id = some_user(&connector, 6);
    let manager = some_user(&connector, 1);
    let path = format!("/scim/v2/Users/{id}");
    let manager_path = format!("{ENTERPRISE}:manager");
    // Entra provisioning sends the manager's id as a bare string.
    let added = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "Add", "path": manager_path, "value": manager }]))).await;
    assert_eq!(added.status, 200, "{}", added.text());
    assert_eq!(connector.emulator.manager_of(&id), Some(manager.clone()));
    assert_eq!(added.json()[ENTERPRISE]["manager"]["value"], json!(manager));

    let removed = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "Remove", "path": manager_path }]))).await;
    assert_eq!(removed.status, 200, "{}", removed.text());
    assert_eq!(connector.emulator.manager_of(&id), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_operation_applies_none_of_them() {
    let connector = Connector::start().await;
    let id = some_user(&connector, 7);
    let before = graph_user(&connector, &id);
    let path = format!("/scim/v2/Users/{id}");
    let patch = patch_op(json!([
        { "op": "replace", "path": "title", "value": "Should not stick" },
        { "op": "replace", "path": "id", "value": "someone-else" }
    ]));
    connector.send_json("PATCH", &path, &patch).await.assert_scim_error(400, Some("mutability"));
    assert_eq!(graph_user(&connector, &id), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_patches_are_scim_400s() {
    let connector = Connector::start().await;
    let id = some_user(&connector, 8);
    let path = format!("/scim/v2/Users/{id}");
    connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "merge", "path": "title", "value": "x" }]))).await.assert_scim_error(400, Some("invalidSyntax"));
    connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "replace", "path": "emails[type eq", "value": "x" }]))).await.assert_scim_error(400, Some("invalidPath"));
    connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "remove" }]))).await.assert_scim_error(400, Some("noTarget"));
    connector.send_json("PATCH", &path, &json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Operations": [] })).await.assert_scim_error(400, Some("invalidSyntax"));
    let not_patch = connector.post_raw(&path, b"{}").await;
    not_patch.assert_scim_error(405, None);
    assert_eq!(not_patch.header("allow"), Some("DELETE, GET, PATCH, PUT"));
    connector
        .send_json("PATCH", "/scim/v2/Users/00000000-0000-0000-0000-000000000000", &patch_op(json!([{ "op": "replace", "path": "title", "value": "x" }])))
        .await
        .assert_scim_error(404, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn patch_is_a_scim_route_only() {
    let connector = Connector::start().await;
    let id = some_user(&connector, 9);
    let reply = connector.send_json("PATCH", &format!("/v1.0/users/{id}"), &patch_op(json!([]))).await;
    reply.assert_scim_error(405, None);
    assert_eq!(reply.header("allow"), Some("DELETE, GET, PUT"));
}

/// RFC 7643 §7: endDateTime (Graph's employeeLeaveDateTime) is returned on request: with a
/// PATCH that writes it, and with a read whose `attributes` name it; a PATCH of something else
/// neither answers nor touches it.
#[tokio::test(flavor = "multi_thread")]
async fn a_patch_of_the_end_date_reaches_graph_and_answers_with_it() {
    let connector = Connector::start().await;
    let id = some_user(&connector, 2);
    assert!(graph_user(&connector, &id)["employeeLeaveDateTime"].is_null(), "an employee who stays");
    let path = format!("/scim/v2/Users/{id}");
    let added = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "add", "path": "endDateTime", "value": "2025-03-05T10:00:10Z" }]))).await;
    assert_eq!(added.status, 200, "{}", added.text());
    assert_eq!(added.json()["endDateTime"], "2025-03-05T10:00:10Z", "{}", added.text());
    assert_eq!(graph_user(&connector, &id)["employeeLeaveDateTime"], "2025-03-05T10:00:10Z");

    let plain = connector.get(&path).await.json();
    assert!(plain.get("endDateTime").is_none(), "{plain}");
    let asked = connector.get(&format!("{path}?attributes=endDateTime")).await.json();
    assert_eq!(asked["endDateTime"], "2025-03-05T10:00:10Z", "{asked}");
    let listed = connector.get(&format!("/scim/v2/Users?filter={}&attributes=endDateTime", encode(&format!("id eq \"{id}\"")))).await.json();
    assert_eq!(listed["Resources"][0]["endDateTime"], "2025-03-05T10:00:10Z", "{listed}");

    let retitled = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "replace", "path": "title", "value": "Leaver" }]))).await;
    assert_eq!(retitled.status, 200, "{}", retitled.text());
    assert!(retitled.json().get("endDateTime").is_none(), "{}", retitled.text());
    assert_eq!(graph_user(&connector, &id)["employeeLeaveDateTime"], "2025-03-05T10:00:10Z", "kept");

    let replaced = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "Replace", "value": { "EndDateTime": "2025-04-01T00:00:00Z" } }]))).await;
    assert_eq!(replaced.json()["endDateTime"], "2025-04-01T00:00:00Z", "{}", replaced.text());
    assert_eq!(graph_user(&connector, &id)["employeeLeaveDateTime"], "2025-04-01T00:00:00Z");
    let removed = connector.send_json("PATCH", &path, &patch_op(json!([{ "op": "remove", "path": "endDateTime" }]))).await;
    assert_eq!(removed.status, 200, "{}", removed.text());
    assert!(removed.json().get("endDateTime").is_none(), "{}", removed.text());
    assert!(graph_user(&connector, &id)["employeeLeaveDateTime"].is_null());
}
