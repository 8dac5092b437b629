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

#[test]
fn a_top_level_mirror_that_alone_changed_decides() {
    // city, state, country mirror the work address; companyName the enterprise organization;
    // employeeOrgData the enterprise division and cost center. A PATCH of one spelling leaves
    // the other as it was read, and the changed one is what the caller meant.
    let update = changed(|user| {
        user["city"] = json!("Redmond");
        user["state"] = json!("OR");
        user["country"] = json!("Canada");
        user["companyName"] = json!("Fabrikam");
        user["employeeOrgData"]["division"] = json!("Enterprise");
    });
    assert_eq!(
        update,
        json!({
            "city": "Redmond", "state": "OR", "country": "Canada", "companyName": "Fabrikam",
            "employeeOrgData": {"division": "Enterprise", "costCenter": "CC-42"}
        })
    );
    // The SCIM spelling changed alone: it decides, as before.
    let update = changed(|user| user["addresses"][0]["locality"] = json!("Kirkland"));
    assert_eq!(update, json!({"city": "Kirkland"}));
    // Both changed: the SCIM spelling wins.
    let update = changed(|user| {
        user["addresses"][0]["locality"] = json!("Kirkland");
        user["city"] = json!("Redmond");
    });
    assert_eq!(update, json!({"city": "Kirkland"}));
}

#[test]
fn removing_a_top_level_mirror_clears_the_property() {
    let update = changed(|user| {
        let user = user.as_object_mut().unwrap();
        user.remove("city");
        user.remove("companyName");
        user["employeeOrgData"].as_object_mut().unwrap().remove("costCenter");
    });
    assert_eq!(
        update,
        json!({"city": null, "companyName": null, "employeeOrgData": {"division": "Consumer", "costCenter": null}})
    );
}

#[test]
fn emails_are_mapped_by_type() {
    // "work" is mail, every other type otherMails; without a work email, mail is cleared.
    let update = changed(|user| {
        user["emails"] = json!([{"value": "only@other.example", "type": "other", "primary": true}]);
    });
    assert_eq!(update, json!({"mail": null, "otherMails": ["only@other.example"]}));
    // An untyped email is the work one when there is none (the primary untyped one first).
    let update = changed(|user| {
        user["emails"] = json!([
            {"value": "b@x.example"},
            {"value": "a@x.example", "primary": true},
            {"value": "c@x.example", "type": "other"}
        ]);
    });
    assert_eq!(update, json!({"mail": "a@x.example", "otherMails": ["b@x.example", "c@x.example"]}));
}

#[test]
fn usage_location_must_be_an_assigned_country_code() {
    assert_eq!(changed(|user| user["usageLocation"] = json!("GB")), json!({"usageLocation": "GB"}));
    for bad in ["UK", "XX", "USA", "12"] {
        let before = current();
        let mut after = before.to_json();
        after["usageLocation"] = json!(bad);
        let after = User::from_request_body(after.to_string().as_bytes()).unwrap();
        let error = user_update_body(&before, &after).unwrap_err();
        assert_eq!(error.status, 400, "{bad}");
        assert!(error.detail.contains("ISO 3166"), "{bad}: {error:?}");
    }
}
