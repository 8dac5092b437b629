//! SCIM replace/patch -> one Graph update: only what changed, cleared properties as Graph wants
//! them, required properties never cleared, `active` as accountEnabled (enable/disable).

use scim::User;
use scim_graph::{user_to_scim, user_update_body};
use serde_json::{Value, json};

const GRAPH_USER: &str = include_str!("fixtures/graph_user.json");
const BASE: &str = "https://connector.example/scim/v2";

fn current() -> User {
    let graph: graph::User = serde_json::from_str(GRAPH_USER).unwrap();
    user_to_scim(&graph, BASE)
}

fn changed(edit: impl FnOnce(&mut Value)) -> Value {
    let before = current();
    let mut after = before.to_json();
    edit(&mut after);
    let after = User::from_request_body(after.to_string().as_bytes()).unwrap();
    user_update_body(&before, &after).unwrap()
}

#[test]
fn an_unchanged_user_needs_no_update() {
    assert_eq!(changed(|_| {}), json!({}));
}

#[test]
fn only_changed_properties_are_sent() {
    let update = changed(|user| {
        user["title"] = json!("Chief Retail Officer");
        user["name"]["givenName"] = json!("Adela");
    });
    assert_eq!(update, json!({ "jobTitle": "Chief Retail Officer", "givenName": "Adela" }));
}

#[test]
fn active_false_disables_and_true_enables() {
    assert_eq!(changed(|user| user["active"] = json!(false)), json!({ "accountEnabled": false }));
    let before = current();
    let mut disabled = before.clone();
    disabled.active = Some(false);
    assert_eq!(user_update_body(&disabled, &before).unwrap(), json!({ "accountEnabled": true }));
}

#[test]
fn removed_properties_are_cleared_the_way_graph_expects() {
    let update = changed(|user| {
        let user = user.as_object_mut().unwrap();
        user.remove("title");
        user.remove("phoneNumbers");
    });
    assert_eq!(update["jobTitle"], Value::Null);
    assert_eq!(update["businessPhones"], json!([]), "collections become empty");
    assert_eq!(update["mobilePhone"], Value::Null);
    assert!(update.get("userPrincipalName").is_none());
}

#[test]
fn required_properties_are_never_cleared() {
    let update = changed(|user| {
        let user = user.as_object_mut().unwrap();
        user.remove("active");
        user.remove("displayName");
    });
    assert!(update.get("accountEnabled").is_none(), "omitting active leaves the account as it is: {update}");
    // displayName falls back to the formatted name, which is unchanged.
    assert!(update.get("displayName").is_none(), "{update}");
}

#[test]
fn a_new_password_is_set_without_forcing_a_change() {
    let update = changed(|user| user["password"] = json!("N3w-Passw0rd!"));
    assert_eq!(update["passwordProfile"], json!({ "password": "N3w-Passw0rd!", "forceChangePasswordNextSignIn": false }));
}

#[test]
fn renaming_changes_the_user_principal_name() {
    let update = changed(|user| user["userName"] = json!("adele.vance@contoso.com"));
    assert_eq!(update["userPrincipalName"], "adele.vance@contoso.com");
}

#[test]
fn an_invalid_new_value_is_refused_before_graph_sees_it() {
    let before = current();
    let mut after = before.clone();
    after.user_name = Some("not-an-upn".into());
    let error = user_update_body(&before, &after).unwrap_err();
    assert_eq!(error.status, 400);
}
