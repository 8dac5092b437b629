use serde_json::{Value, json};

use super::*;

const ENT: &str = schema::ENTERPRISE_USER;
const BASE: &str = "https://connector.example/scim/v2";

fn user() -> Value {
    json!({
        "schemas": [schema::USER, ENT],
        "id": "2819c223",
        "externalId": "bjensen",
        "userName": "bjensen@example.com",
        "password": "t1meMa$heen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "meta": {"resourceType": "User", "location": "https://example.com/v2/Users/2819c223"},
        ENT: {"department": "Tour Operations", "employeeNumber": "701984",
              "manager": {"value": "26118915", "displayName": "John Smith"}}
    })
}

fn group() -> Value {
    json!({
        "schemas": [schema::GROUP],
        "id": "e9e30dba",
        "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "display": "Babs Jensen"}],
        "meta": {"resourceType": "Group"}
    })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn only(attributes: &[&str]) -> Value {
    project(&user(), &strings(attributes), &[], ResourceKind::User)
}

fn except(excluded: &[&str]) -> Value {
    project(&user(), &[], &strings(excluded), ResourceKind::User)
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[test]
fn no_parameters_returns_everything_but_never_returned_attributes() {
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(project(&user(), &[], &[], ResourceKind::User), expected);
}

#[test]
fn attributes_keep_only_those_plus_id_and_schemas() {
    let got = only(&["userName", "displayName"]);
    assert_eq!(keys(&got), ["displayName", "id", "schemas", "userName"]);
    assert_eq!(got["userName"], "bjensen@example.com");
    // meta and externalId are returned "default", not "always".
    assert!(got.get("meta").is_none() && got.get("externalId").is_none());
}

#[test]
fn attributes_with_sub_attributes() {
    let got = only(&["name.givenName", "emails.value"]);
    assert_eq!(got["name"], json!({"givenName": "Barbara"}));
    assert_eq!(
        got["emails"],
        json!([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])
    );
    assert_eq!(keys(&got), ["emails", "id", "name", "schemas"]);
    // A parent named alongside its sub-attribute wins: the whole value is kept.
    assert_eq!(only(&["name", "name.givenName"])["name"], user()["name"]);
}

#[test]
fn a_sub_attribute_that_is_absent_leaves_no_empty_value() {
    let got = only(&["name.middleName", "emails.display", "active.value"]);
    assert_eq!(keys(&got), ["id", "schemas"]);
}

#[test]
fn extension_qualified_attributes() {
    let got = only(&[
        &format!("{ENT}:department"),
        &format!("{ENT}:manager.value"),
    ]);
    assert_eq!(
        got[ENT],
        json!({"department": "Tour Operations", "manager": {"value": "26118915"}})
    );
    assert_eq!(got["schemas"], json!([schema::USER, ENT]));
}

#[test]
fn a_bare_extension_urn_keeps_the_whole_extension() {
    let got = only(&[ENT]);
    assert_eq!(got[ENT], user()[ENT]);
    assert_eq!(keys(&got), vec!["id", "schemas", ENT]);
}

#[test]
fn core_urn_qualified_names_are_core_attributes() {
    let got = only(&[&format!("{}:name.familyName", schema::USER)]);
    assert_eq!(got["name"], json!({"familyName": "Jensen"}));
    // The bare core URN names every core attribute, and no extension.
    let got = only(&[schema::USER]);
    assert!(got.get("userName").is_some() && got.get("emails").is_some());
    assert!(got.get(ENT).is_none() && got.get("password").is_none());
}

#[test]
fn excluded_attributes_are_dropped() {
    let got = except(&["emails", "name.familyName", &format!("{ENT}:manager")]);
    assert!(got.get("emails").is_none());
    assert_eq!(got["name"], json!({"givenName": "Barbara"}));
    assert_eq!(
        got[ENT],
        json!({"department": "Tour Operations", "employeeNumber": "701984"})
    );
    assert_eq!(got["userName"], "bjensen@example.com");
    assert!(got.get("meta").is_some());
}

#[test]
fn excluded_sub_attribute_of_a_multi_valued_attribute() {
    let got = except(&["emails.type", "emails.primary"]);
    assert_eq!(
        got["emails"],
        json!([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])
    );
    // Excluding every sub-attribute there is leaves no empty complex value behind.
    let got = except(&["name.givenName", "name.familyName"]);
    assert!(got.get("name").is_none(), "{got:#}");
}

#[test]
fn always_returned_attributes_survive_exclusion_and_selection() {
    let got = except(&["id", "ID", "schemas"]);
    assert_eq!(got["id"], "2819c223");
    assert_eq!(got["schemas"], json!([schema::USER, ENT]));
    let got = only(&["active"]);
    assert_eq!(got["id"], "2819c223");
    assert_eq!(got["schemas"], json!([schema::USER]));
}

#[test]
fn password_is_never_returned_even_when_asked_for() {
    for got in [
        only(&["password"]),
        only(&["PASSWORD", "userName"]),
        only(&[&format!("{}:password", schema::USER)]),
        except(&["userName"]),
    ] {
        assert!(got.get("password").is_none(), "{got:#}");
        assert_eq!(got["id"], "2819c223");
    }
}

#[test]
fn schemas_drop_an_extension_dropped_entirely() {
    let got = except(&[ENT]);
    assert!(got.get(ENT).is_none());
    assert_eq!(got["schemas"], json!([schema::USER]));
    // Excluding each of its attributes empties it too.
    let got = except(&[
        &format!("{ENT}:department"),
        &format!("{ENT}:employeeNumber"),
        &format!("{ENT}:manager"),
    ]);
    assert!(got.get(ENT).is_none(), "{got:#}");
    assert_eq!(got["schemas"], json!([schema::USER]));
    // Only a dropped extension goes: the core schema stays with no core attribute selected.
    let got = only(&[&format!("{ENT}:department")]);
    assert_eq!(got["schemas"], json!([schema::USER, ENT]));
}

#[test]
fn names_compare_ignoring_case() {
    let got = only(&[
        "USERNAME",
        "Name.GIVENNAME",
        &format!("{}:DEPARTMENT", ENT.to_ascii_uppercase()),
    ]);
    assert_eq!(got["userName"], "bjensen@example.com");
    assert_eq!(got["name"], json!({"givenName": "Barbara"}));
    assert_eq!(got[ENT], json!({"department": "Tour Operations"}));
    let got = except(&["EMAILS", ENT.to_ascii_lowercase().as_str()]);
    assert!(got.get("emails").is_none() && got.get(ENT).is_none());
    assert_eq!(got["schemas"], json!([schema::USER]));
}

#[test]
fn group_members_excluded() {
    let got = project(&group(), &[], &strings(&["members"]), ResourceKind::Group);
    assert_eq!(keys(&got), ["displayName", "id", "meta", "schemas"]);
    let got = project(
        &group(),
        &strings(&["members.value"]),
        &[],
        ResourceKind::Group,
    );
    assert_eq!(got["members"], json!([{"value": "2819c223"}]));
    assert_eq!(keys(&got), ["id", "members", "schemas"]);
}

#[test]
fn attributes_then_excluded_both_apply() {
    let got = project(
        &user(),
        &strings(&["name", "emails"]),
        &strings(&["name.familyName", "id"]),
        ResourceKind::User,
    );
    assert_eq!(got["name"], json!({"givenName": "Barbara"}));
    assert_eq!(keys(&got), ["emails", "id", "name", "schemas"]);
}

#[test]
fn an_unknown_extension_can_be_named_and_dropped() {
    let urn = "urn:example:params:scim:schemas:extension:acme:1.0:User";
    let mut resource = user();
    resource[urn] = json!({"badge": "42", "floor": "3"});
    resource["schemas"].as_array_mut().unwrap().push(urn.into());
    let got = project(
        &resource,
        &strings(&[&format!("{urn}:badge")]),
        &[],
        ResourceKind::User,
    );
    assert_eq!(got[urn], json!({"badge": "42"}));
    // The enterprise extension was not asked for, so it leaves `schemas`; the named one stays.
    assert_eq!(got["schemas"], json!([schema::USER, urn]));
}

#[test]
fn a_non_object_is_returned_unchanged() {
    let v = json!(["not", "a", "resource"]);
    assert_eq!(project(&v, &strings(&["id"]), &[], ResourceKind::User), v);
}

/// Ties the projection to `/Schemas`: every attribute the published schemas mark `returned:
/// never` is withheld, and every one they mark `always` is kept, whatever is asked.
#[test]
fn returned_characteristics_follow_the_published_schemas() {
    for (kind, id, resource) in [
        (ResourceKind::User, "User", user()),
        (ResourceKind::Group, "Group", group()),
    ] {
        let rt = discovery::resource_type(id, BASE).unwrap();
        let mut urns = vec![rt["schema"].as_str().unwrap().to_string()];
        for ext in rt["schemaExtensions"].as_array().unwrap() {
            urns.push(ext["schema"].as_str().unwrap().to_string());
        }
        let mut never = Vec::new();
        let mut always = Vec::new();
        for (i, urn) in urns.iter().enumerate() {
            let doc = discovery::schema(urn, BASE).unwrap();
            for a in doc["attributes"].as_array().unwrap() {
                let name = a["name"].as_str().unwrap();
                // Core attributes are named bare, extension ones as `urn:attr`.
                let qualified = if i == 0 {
                    name.to_string()
                } else {
                    format!("{urn}:{name}")
                };
                match a["returned"].as_str().unwrap() {
                    "never" => never.push(qualified),
                    "always" => always.push(qualified),
                    _ => {}
                }
            }
        }
        if kind == ResourceKind::User {
            assert_eq!(never, ["password"], "the User's never-returned attributes");
        }
        let mut r = resource.clone();
        for name in never.iter().chain(&always) {
            set_qualified(&mut r, name, json!("x"));
        }
        let asked = project(&r, &never, &always, kind);
        for name in &never {
            assert!(
                get_qualified(&asked, name).is_none(),
                "{id}: {name} returned"
            );
        }
        for name in &always {
            assert!(
                get_qualified(&asked, name).is_some(),
                "{id}: {name} dropped"
            );
        }
    }
}

fn set_qualified(r: &mut Value, name: &str, v: Value) {
    match name.rsplit_once(':') {
        Some((urn, attr)) => r[urn][attr] = v,
        None => r[name] = v,
    }
}

fn get_qualified<'a>(r: &'a Value, name: &str) -> Option<&'a Value> {
    match name.rsplit_once(':') {
        Some((urn, attr)) => r.get(urn)?.get(attr),
        None => r.get(name),
    }
}

const AAD_GROUP: &str = schema::AZURE_AD_GROUP;

fn group_with_owners() -> Value {
    let mut group = group();
    group[AAD_GROUP] = json!({"description": "Guides", "owners": [{"value": "26118915", "type": "User"}]});
    group
}

#[test]
fn owners_are_returned_only_when_asked_for() {
    let plain = project(&group_with_owners(), &[], &[], ResourceKind::Group);
    assert_eq!(plain[AAD_GROUP], json!({"description": "Guides"}));
    for asked in ["owners", "owners.value", &format!("{AAD_GROUP}:owners"), "OWNERS"] {
        let projected = project(&group_with_owners(), &strings(&[asked, "displayName"]), &[], ResourceKind::Group);
        assert_eq!(projected[AAD_GROUP]["owners"][0]["value"], "26118915", "{asked}");
        assert_eq!(projected["displayName"], "Tour Guides", "{asked}");
        assert!(projected.get("members").is_none(), "{asked}");
    }
}

#[test]
fn a_bare_extension_attribute_name_resolves_to_its_extension() {
    let projected = project(&group_with_owners(), &strings(&["description"]), &[], ResourceKind::Group);
    assert_eq!(projected[AAD_GROUP], json!({"description": "Guides"}));
    let excluded = project(&group_with_owners(), &[], &strings(&["description"]), ResourceKind::Group);
    assert!(excluded.get(AAD_GROUP).is_none(), "{excluded:#}");
    // A core attribute keeps its meaning.
    let core = project(&group_with_owners(), &strings(&["displayName"]), &[], ResourceKind::Group);
    assert!(core.get(AAD_GROUP).is_none());
}

#[test]
fn names_attribute_tells_a_caller_what_to_fetch() {
    let owners = format!("{AAD_GROUP}:owners");
    assert!(names_attribute(&strings(&["owners"]), &owners, ResourceKind::Group));
    assert!(names_attribute(&strings(&["owners.display"]), &owners, ResourceKind::Group));
    assert!(names_attribute(&strings(&[&owners]), &owners, ResourceKind::Group));
    assert!(!names_attribute(&strings(&["members", AAD_GROUP]), &owners, ResourceKind::Group));
    assert!(!names_attribute(&[], &owners, ResourceKind::Group));
}

/// The user as the connector serves it when the automatic replies and the leave date were read.
fn user_with_request_only_attributes() -> Value {
    let mut user = user();
    user["manager"] = json!("26118915");
    user["endDateTime"] = json!("2029-06-30T17:00:00Z");
    user["status"] = json!("scheduled");
    user["internalReplyMessage"] = json!("<p>Back on 15 July</p>");
    user
}

#[test]
fn a_users_automatic_replies_and_leave_date_are_returned_only_when_asked_for() {
    let plain = project(&user_with_request_only_attributes(), &[], &[], ResourceKind::User);
    for name in ["endDateTime", "status", "internalReplyMessage"] {
        assert!(plain.get(name).is_none(), "{name}: {plain:#}");
    }
    assert_eq!(plain["manager"], "26118915", "returned by default");
    let asked = project(&user_with_request_only_attributes(), &strings(&["STATUS", "endDateTime"]), &[], ResourceKind::User);
    assert_eq!(keys(&asked), ["endDateTime", "id", "schemas", "status"]);
    assert!(names_attribute(&strings(&["userName", "status"]), "status", ResourceKind::User));
    assert!(!names_attribute(&strings(&["userName"]), "status", ResourceKind::User));
}

#[test]
fn a_bare_manager_names_the_top_level_one_and_the_qualified_one_the_enterprise_one() {
    let bare = project(&user_with_request_only_attributes(), &strings(&["manager"]), &[], ResourceKind::User);
    assert_eq!(keys(&bare), ["id", "manager", "schemas"]);
    let qualified = project(&user_with_request_only_attributes(), &strings(&[&format!("{ENT}:manager")]), &[], ResourceKind::User);
    assert_eq!(qualified[ENT], json!({"manager": {"value": "26118915", "displayName": "John Smith"}}));
    assert!(qualified.get("manager").is_none());
}
