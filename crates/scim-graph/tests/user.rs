//! Graph user <-> SCIM User: a fully populated Graph user field by field, create bodies from
//! Entra-provisioning-style requests, and the values Graph would refuse.

// The fully populated user is written out in full as one JSON literal.
#![recursion_limit = "256"]

use scim::User;
use scim::error::ScimType;
use scim_graph::{manager_id, user_create_body, user_to_scim};
use serde_json::{Value, json};

const GRAPH_USER: &str = include_str!("fixtures/graph_user.json");
const BASE: &str = "https://connector.example/scim/v2";

fn graph_user() -> graph::User {
    serde_json::from_str(GRAPH_USER).unwrap()
}

fn scim_request(body: Value) -> User {
    User::from_request_body(body.to_string().as_bytes()).unwrap()
}

#[test]
fn fully_populated_graph_user_maps_field_by_field() {
    let mut scim = user_to_scim(&graph_user(), BASE).to_json();
    // Extension URNs follow the map's order, which a serde_json feature elsewhere could change.
    scim["schemas"].as_array_mut().unwrap()[2..].sort_by_key(|s| s.as_str().unwrap().to_string());
    let expected = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile",
            "urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User"
        ],
        "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "externalId": "AdeleV",
        "userName": "AdeleV@contoso.com",
        "name": {"familyName": "Vance", "givenName": "Adele"},
        "displayName": "Adele Vance",
        "title": "Retail Manager",
        "userType": "Member",
        "preferredLanguage": "en-US",
        "active": true,
        "emails": [
            {"value": "AdeleV@contoso.com", "type": "work"},
            {"value": "adele@personal.example", "type": "other"},
            {"value": "a.vance@partner.example", "type": "other"}
        ],
        "phoneNumbers": [
            {"value": "+1 425 555 0109", "type": "work"},
            {"value": "+1 425 555 0110", "type": "mobile"},
            {"value": "+1 425 555 0111", "type": "fax"}
        ],
        "addresses": [
            {
                "formatted": "205 108th Ave NE, Bellevue, WA 98004, United States",
                "streetAddress": "205 108th Ave NE",
                "locality": "Bellevue",
                "region": "WA",
                "postalCode": "98004",
                "country": "United States",
                "type": "work"
            },
            {"formatted": "18/2111", "type": "other"}
        ],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "E-1001",
            "costCenter": "CC-42",
            "organization": "Contoso Ltd",
            "division": "Consumer",
            "department": "Retail",
            "manager": {
                "value": "5bde3e51-d13b-4db1-9948-fe4b109d11a7",
                "$ref": "https://connector.example/scim/v2/Users/5bde3e51-d13b-4db1-9948-fe4b109d11a7",
                "displayName": "Patti Fernandez"
            }
        },
        "meta": {
            "resourceType": "User",
            "created": "2019-11-18T09:10:11Z",
            "location": "https://connector.example/scim/v2/Users/87d349ed-44d7-43e1-9a83-5f2406dee5bd"
        },
        "city": "Bellevue",
        "state": "WA",
        "country": "United States",
        "companyName": "Contoso Ltd",
        "employeeType": "Employee",
        "usageLocation": "US",
        "startDateTime": "2020-03-01T00:00:00Z",
        "endDateTime": "2030-02-28T17:00:00Z",
        "manager": "5bde3e51-d13b-4db1-9948-fe4b109d11a7",
        "employeeOrgData": {"division": "Consumer", "costCenter": "CC-42"},
        "urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User": {
            "onPremisesExtensionAttributes": {
                "extensionAttribute1": "ext-one", "extensionAttribute2": null, "extensionAttribute3": null,
                "extensionAttribute4": null, "extensionAttribute5": null, "extensionAttribute6": null,
                "extensionAttribute7": null, "extensionAttribute8": null, "extensionAttribute9": null,
                "extensionAttribute10": null, "extensionAttribute11": null, "extensionAttribute12": null,
                "extensionAttribute13": null, "extensionAttribute14": null, "extensionAttribute15": "ext-fifteen"
            }
        },
        "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile": {
            "identities": [
                {"signInType": "userPrincipalName", "issuer": "contoso.onmicrosoft.com", "issuerAssignedId": "AdeleV@contoso.com"}
            ]
        }
    });
    // Field by field first, so a failure names the field.
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&scim[key], value, "{key}");
    }
    assert_eq!(scim, expected);
    let moved = user_to_scim(&graph_user(), BASE);
    assert_eq!(moved.clone().into_json(), moved.to_json(), "into_json moves the extensions, changing nothing");
}

#[test]
fn sparse_graph_user_maps_without_invented_values() {
    let user: graph::User = serde_json::from_value(json!({
        "id": "u1", "userPrincipalName": "x@contoso.com", "accountEnabled": false,
        "givenName": "Xi", "businessPhones": [], "otherMails": []
    }))
    .unwrap();
    let scim = user_to_scim(&user, "https://c.example/scim/v2/").to_json();
    assert_eq!(
        scim,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1",
            "userName": "x@contoso.com",
            "name": {"givenName": "Xi"},
            "active": false,
            "meta": {"resourceType": "User", "location": "https://c.example/scim/v2/Users/u1"}
        })
    );
}

#[test]
fn entra_provisioning_create_request_becomes_a_graph_body() {
    // The shape Microsoft Entra provisioning sends on create.
    let request = scim_request(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@testuser.com",
        "active": "True",
        "displayName": "Test User",
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "title": "Engineer",
        "phoneNumbers": [{"type": "work", "value": "+1 555 0100"}, {"type": "mobile", "value": "+1 555 0101"}],
        "addresses": [{"type": "work", "streetAddress": "1 Main St", "locality": "Redmond", "region": "WA", "postalCode": "98052", "country": "US"}],
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "department": "Engineering", "manager": {"value": "mgr-1"}
        }
    }));
    let body = user_create_body(&request, "Gen3rated!Pass").unwrap();
    assert_eq!(
        body,
        json!({
            "userPrincipalName": "Test_User_ab6490ee@testuser.com",
            "displayName": "Test User",
            "mailNickname": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "givenName": "givenName",
            "surname": "familyName",
            "jobTitle": "Engineer",
            "mail": "Test_User_fd0ea19b@testuser.com",
            "mobilePhone": "+1 555 0101",
            "businessPhones": ["+1 555 0100"],
            "streetAddress": "1 Main St",
            "city": "Redmond",
            "state": "WA",
            "postalCode": "98052",
            "country": "US",
            "employeeId": "701984",
            "department": "Engineering",
            "accountEnabled": true,
            "passwordProfile": {"password": "Gen3rated!Pass", "forceChangePasswordNextSignIn": true}
        })
    );
    assert_eq!(manager_id(&request), Some("mgr-1"));
}

#[test]
fn create_body_reverses_every_field_the_read_side_maps() {
    let graph_json: Value = serde_json::from_str(GRAPH_USER).unwrap();
    let scim = user_to_scim(&graph_user(), BASE);
    let body = user_create_body(&scim, "unused").unwrap();
    let written = [
        "userPrincipalName",
        "displayName",
        "mailNickname",
        "givenName",
        "surname",
        "jobTitle",
        "userType",
        "preferredLanguage",
        "mail",
        "otherMails",
        "businessPhones",
        "mobilePhone",
        "faxNumber",
        "streetAddress",
        "city",
        "state",
        "postalCode",
        "country",
        "officeLocation",
        "employeeId",
        "department",
        "companyName",
        "employeeType",
        "usageLocation",
        "employeeHireDate",
        "employeeLeaveDateTime",
        "employeeOrgData",
        "accountEnabled",
        "onPremisesExtensionAttributes",
        "identities",
    ];
    for key in written {
        assert_eq!(body[key], graph_json[key], "{key}");
    }
    let unexpected: Vec<&String> = body
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !written.contains(&k.as_str()) && *k != "passwordProfile")
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    assert_eq!(
        manager_id(&scim),
        Some("5bde3e51-d13b-4db1-9948-fe4b109d11a7")
    );
}

#[test]
fn supplied_password_is_used_as_is() {
    let mut user = User::new("p@contoso.com");
    user.password = Some("Caller$Choice1".into());
    user.active = Some(false);
    let body = user_create_body(&user, "generated").unwrap();
    assert_eq!(
        body["passwordProfile"],
        json!({"password": "Caller$Choice1", "forceChangePasswordNextSignIn": false})
    );
    assert_eq!(body["accountEnabled"], false);
}

#[test]
fn display_name_falls_back_through_formatted_given_family_and_user_name() {
    let display = |request: Value| {
        user_create_body(&scim_request(request), "pw").unwrap()["displayName"].clone()
    };
    assert_eq!(
        display(json!({"userName": "a@x.com", "name": {"formatted": "Dr A", "givenName": "A"}})),
        "Dr A"
    );
    assert_eq!(
        display(json!({"userName": "a@x.com", "name": {"givenName": "Ann", "familyName": "Lee"}})),
        "Ann Lee"
    );
    assert_eq!(
        display(json!({"userName": "a@x.com", "name": {"familyName": "Lee"}})),
        "Lee"
    );
    assert_eq!(
        display(json!({"userName": "a@x.com", "displayName": "  "})),
        "a@x.com"
    );
}

#[test]
fn mail_nickname_is_derived_from_user_name_when_no_external_id() {
    let nickname =
        |upn: &str| user_create_body(&User::new(upn), "pw").unwrap()["mailNickname"].clone();
    assert_eq!(nickname("jane.doe@contoso.com"), "jane.doe");
    assert_eq!(nickname("o'neil!x~y^z@contoso.com"), "oneilxyz");
    assert_eq!(
        nickname("guest_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
        "guest_fabrikam.comEXT"
    );
    assert_eq!(nickname("a..b@contoso.com"), "a.b");
    assert_eq!(nickname("'#!@contoso.com"), "user", "never empty");
    let long = format!("{}@contoso.com", "a".repeat(64));
    assert_eq!(nickname(&long).as_str().unwrap().len(), 64);
}

#[test]
fn emails_phones_and_addresses_pick_the_right_values() {
    let request = scim_request(json!({
        "userName": "a@x.com",
        "emails": [
            {"type": "home", "value": "home@x.com"},
            {"type": "work", "value": "work@x.com"},
            {"type": "other", "value": "other@x.com"}
        ],
        "phoneNumbers": [{"type": "home", "value": "1"}, {"type": "fax", "value": "2"}],
        "addresses": [{"type": "other", "formatted": "Bldg 4"}, {"type": "home", "locality": "Elsewhere"}],
        "preferredLanguage": "da, en-gb;q=0.8, en;q=0.7"
    }));
    let body = user_create_body(&request, "pw").unwrap();
    assert_eq!(body["mail"], "work@x.com");
    assert_eq!(body["otherMails"], json!(["home@x.com", "other@x.com"]));
    assert_eq!(body["faxNumber"], "2");
    assert!(body.get("businessPhones").is_none() && body.get("mobilePhone").is_none());
    assert_eq!(body["officeLocation"], "Bldg 4");
    assert!(
        body.get("city").is_none(),
        "a home address is not the work address"
    );
    assert_eq!(body["preferredLanguage"], "da");
    // Without a work email the primary one is `mail`.
    let request = scim_request(
        json!({"userName": "a@x.com", "emails": [{"value": "p1@x.com"}, {"value": "p2@x.com", "primary": true}]}),
    );
    let body = user_create_body(&request, "pw").unwrap();
    assert_eq!(
        (body["mail"].as_str(), &body["otherMails"]),
        (Some("p2@x.com"), &json!(["p1@x.com"]))
    );
}

#[test]
fn extension_and_graph_named_attributes_reach_graph() {
    let request = scim_request(json!({
        "userName": "b2c@tenant.onmicrosoft.com",
        "usageLocation": "NO",
        "EmployeeType": "Contractor",
        "employeeOrgData": {"division": "North", "costCenter": "77"},
        "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile": {
            "identities": [{"signInType": "userName", "issuer": "tenant.onmicrosoft.com", "issuerAssignedId": "jdoe"}]
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "88", "organization": "Org"}
    }));
    let body = user_create_body(&request, "pw").unwrap();
    assert_eq!(body["usageLocation"], "NO");
    assert_eq!(body["employeeType"], "Contractor");
    assert_eq!(body["companyName"], "Org");
    // The typed enterprise value wins over the Graph-named one.
    assert_eq!(
        body["employeeOrgData"],
        json!({"division": "North", "costCenter": "88"})
    );
    assert_eq!(body["identities"][0]["issuerAssignedId"], "jdoe");
}

fn refused(request: Value) -> String {
    let err = user_create_body(&scim_request(request), "pw").unwrap_err();
    assert_eq!(
        (err.status, err.scim_type),
        (400, Some(ScimType::InvalidValue)),
        "{err}"
    );
    err.detail
}

#[test]
fn values_graph_would_refuse_are_caught_first() {
    assert!(refused(json!({"userName": "bjensen"})).contains("name@domain"));
    assert!(refused(json!({"userName": "a@b@c.com"})).contains("more than one '@'"));
    assert!(refused(json!({"userName": "b jensen@c.com"})).contains("' '"));
    assert!(refused(json!({"userName": "bjensen.@c.com"})).contains("start or end with '.'"));
    assert!(refused(json!({"userName": "b@c_d.com"})).contains("domain"));
    assert!(
        refused(json!({"userName": "a@c.com", "externalId": "has space"})).contains("mailNickname")
    );
    assert!(refused(json!({"userName": "a@c.com", "externalId": "x@y"})).contains("'@'"));
    assert!(
        refused(json!({"userName": "a@c.com", "userType": "Employee"})).contains("Member or Guest")
    );
    assert!(
        refused(json!({"userName": "a@c.com", "displayName": "x".repeat(257)}))
            .contains("displayName")
    );
    assert!(refused(json!({"userName": "a@c.com", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "12345678901234567"}})).contains("employeeId"));
    assert!(
        refused(json!({"userName": "a@c.com", "usageLocation": "Norway"})).contains("two-letter")
    );
    let no_name = User {
        user_name: Some(" ".into()),
        ..User::default()
    };
    assert_eq!(
        user_create_body(&no_name, "pw").unwrap_err().detail,
        "userName is required"
    );
}

#[test]
fn user_type_is_normalised() {
    let body = user_create_body(
        &scim_request(json!({"userName": "a@c.com", "userType": "guest"})),
        "pw",
    )
    .unwrap();
    assert_eq!(body["userType"], "Guest");
}

#[test]
fn manager_id_ignores_blank_values() {
    let mut user = User::new("a@c.com");
    assert_eq!(manager_id(&user), None);
    user.enterprise = Some(scim::resource::EnterpriseUser {
        manager: Some(scim::resource::Manager {
            value: Some("  ".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert_eq!(manager_id(&user), None);
}

/// What the bridge emits and what /Schemas describes must not drift apart: every attribute of a
/// fully populated user, extension members included, is in the discovery documents.
#[test]
fn every_emitted_attribute_is_described_by_the_schemas() {
    let user = user_to_scim(&graph_user(), BASE).to_json();
    let schemas = scim::discovery::schemas(BASE);
    let described = |urn: &str| -> Vec<String> {
        let schema = schemas.iter().find(|s| s["id"] == urn).unwrap_or_else(|| panic!("{urn} is described"));
        schema["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_lowercase()).collect()
    };
    let core = described(scim::schema::USER);
    for (name, value) in user.as_object().unwrap() {
        if name.starts_with("urn:") {
            let members = described(name);
            for member in value.as_object().unwrap().keys() {
                assert!(members.contains(&member.to_lowercase()), "{name}:{member} is described");
            }
        } else if !["schemas", "id", "externalId", "meta"].contains(&name.as_str()) {
            assert!(core.contains(&name.to_lowercase()), "{name} is described in the core User schema");
        }
    }
}
