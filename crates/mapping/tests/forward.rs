//! apply: SCIM resources -> warehouse records, over a user that has every path the seeds' tables
//! read, and over the resources the connector's own Graph -> SCIM code makes today.

// The expected records are written out in full as JSON literals.
#![recursion_limit = "256"]

use mapping::{AttributeMap, Builtin};
use serde_json::{Map, Value, json};

const EVERY_SEED_PATH: &str = include_str!("fixtures/scim_user_every_seed_path.json");
const GRAPH_USER: &str = include_str!("fixtures/graph_user.json");
const GRAPH_MAILBOX_SETTINGS: &str = include_str!("fixtures/graph_mailbox_settings.json");
const BASE: &str = "https://connector.example/scim/v2";

fn every_seed_path() -> Value {
    serde_json::from_str(EVERY_SEED_PATH).unwrap()
}

/// The SCIM User the connector makes from a fully populated Graph user read with every part a
/// caller can opt into: employeeLeaveDateTime (`with_lifecycle_info`) and the mailbox's
/// automatic replies (`read_automatic_replies`).
fn our_user() -> Value {
    let graph_user: graph::User = serde_json::from_str(GRAPH_USER).unwrap();
    let settings: graph::MailboxSettings = serde_json::from_str(GRAPH_MAILBOX_SETTINGS).unwrap();
    let mut user = scim_graph::user_to_scim(&graph_user, BASE);
    scim_graph::set_automatic_replies(&mut user, settings.automatic_replies_setting.as_ref().unwrap());
    user.to_json()
}

fn record(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// The targets of `map` that `record` lacks, in map order.
fn missing(map: &AttributeMap, record: &Map<String, Value>) -> Vec<String> {
    map.attributes()
        .iter()
        .map(|a| a.target().to_string())
        .filter(|t| !record.contains_key(t))
        .collect()
}

#[test]
fn the_entra_map_reads_every_row_from_a_user_that_has_every_path() {
    let person = AttributeMap::builtin(Builtin::EntraUserToPerson).apply(&every_seed_path());
    assert_eq!(
        person,
        record(json!({
            "AboutMe": "https://contoso.example/adele",
            "Active": true,
            "BusinessPhone": "+1 555 0101",
            "City": "Bellevue",
            "Company": "Contoso Ltd",
            "CostCenter": "CC-42",
            "Country": "United States",
            "CustomAttribute10": "US",
            "Department": "Retail",
            "Description": "Runs the Bellevue store",
            "Division": "Consumer",
            "effectiveEndDate": "2030-03-01T00:00:00Z",
            "EffectiveStartDate": "2020-03-01T00:00:00Z",
            "EmailAlias": "adele",
            "EmployeeID": "E-1001",
            "EmployeeType": "Employee",
            "ExtensionAttribute1": "ext-1", "ExtensionAttribute2": "ext-2",
            "ExtensionAttribute3": "ext-3", "ExtensionAttribute4": "ext-4",
            "ExtensionAttribute5": "ext-5", "ExtensionAttribute6": "ext-6",
            "ExtensionAttribute7": "ext-7", "ExtensionAttribute8": "ext-8",
            "ExtensionAttribute9": "ext-9", "ExtensionAttribute10": "ext-10",
            "ExtensionAttribute11": "ext-11", "ExtensionAttribute12": "ext-12",
            "ExtensionAttribute13": "ext-13", "ExtensionAttribute14": "ext-14",
            "ExtensionAttribute15": "ext-15",
            "Fax": "+1 555 0102",
            "FirstName": "Adele",
            "FriendlyName": "Adele Vance",
            "GenerationalSuffix": "Jr.",
            "HomeTelephone": "+1 555 0103",
            "LastName": "Vance",
            "Login": "adele@contoso.example",
            "ManagerPersonID": "manager-1",
            "MiddleName": "Q",
            "MobilePhone": "+1 555 0104",
            "Office": "18/2111",
            "OofAudience": "contactsOnly",
            "OofEndDate": "2026-07-15T00:00:00Z",
            "OofExternalMsg": "Away until 15 July",
            "OofInternalMsg": "On leave",
            "OofStartDate": "2026-07-01T00:00:00Z",
            "OofStatus": "scheduled",
            "PhotoURL": "https://contoso.example/adele.jpg",
            "PostalCode": "98004",
            "PreferredLanguage": "en-US",
            "State": "WA",
            "StreetAddress": "1 Main St",
            "Telephone": "+1 555 0105",
            "Title": "Retail Manager"
        }))
    );
    assert_eq!(person.len(), 55, "one value per row of the map");
}

#[test]
fn the_b2c_user_map_reads_every_row_from_a_user_that_has_every_path() {
    let account = AttributeMap::builtin(Builtin::B2cUserToAccount).apply(&every_seed_path());
    assert_eq!(
        account,
        record(json!({
            "UserName": "adele.vance",
            "Manager": "manager-1",
            "Department": "Retail",
            "EmployeeID": "E-1001",
            "OfficeLocation": "1 Main St, Bellevue",
            "ZipCode": "98004",
            "StreetAddress": "1 Main St",
            "City": "Bellevue",
            "Company": "Contoso Ltd",
            "Country": "United States",
            "DisplayName": "Adele Vance",
            "Email": "adele@contoso.example",
            "Alias": "adele",
            "LastName": "Vance",
            "FirstName": "Adele",
            "GenerationalSuffix": "Jr.",
            "MiddleName": "Q",
            "Fax": "+1 555 0102",
            "HomePhone": "+1 555 0103",
            "MobileNumber": "+1 555 0104",
            "Telephone": "+1 555 0105",
            "BusinessPhone": "+1 555 0101",
            "PhotoURL": "https://contoso.example/adele.jpg",
            "PreferredLanguage": "en-US",
            "AboutMe": "https://contoso.example/adele",
            "State": "WA",
            "JobTitle": "Retail Manager",
            "LogonName": "adele@contoso.example",
            "EmployeeType": "Member"
        }))
    );
}

/// What the connector's SCIM User carries. The targets it cannot fill are the seed paths the
/// Microsoft Graph v1.0 user resource has no property for, checked against its documentation:
/// - AboutMe <- profileUrl and Description <- description: no such user property. The nearest,
///   mySite and aboutMe, are SharePoint profile fields Graph serves only on single-user reads,
///   with SharePoint permissions besides, and neither means what the seed's path says;
/// - MiddleName, GenerationalSuffix: Graph keeps only givenName and surname;
/// - HomeTelephone, Telephone (`other`): Graph keeps businessPhones, mobilePhone, faxNumber;
/// - PhotoURL: the photo is binary content (`/users/{id}/photo/$value`), with no URL to give.
#[test]
fn the_entra_map_over_the_connectors_own_user() {
    let map = AttributeMap::builtin(Builtin::EntraUserToPerson);
    let person = map.apply(&our_user());
    let mut expected = record(json!({
        "Active": true,
        "BusinessPhone": "+1 425 555 0109",
        "City": "Bellevue",
        "Company": "Contoso Ltd",
        "CostCenter": "CC-42",
        "Country": "United States",
        "CustomAttribute10": "US",
        "Department": "Retail",
        "Division": "Consumer",
        "EmailAlias": "AdeleV",
        "EmployeeID": "E-1001",
        "effectiveEndDate": "2030-02-28T17:00:00Z",
        "EffectiveStartDate": "2020-03-01T00:00:00Z",
        "EmployeeType": "Employee",
        "Fax": "+1 425 555 0111",
        "FirstName": "Adele",
        "FriendlyName": "Adele Vance",
        "LastName": "Vance",
        "Login": "AdeleV@contoso.com",
        "ManagerPersonID": "5bde3e51-d13b-4db1-9948-fe4b109d11a7",
        "MobilePhone": "+1 425 555 0110",
        "Office": "18/2111",
        "OofAudience": "contactsOnly",
        "OofEndDate": "2026-07-15T07:00:00Z",
        "OofExternalMsg": "<html><body><p>Away until 15 July.</p></body></html>",
        "OofInternalMsg": "<html><body><p>On leave until 15 July; Patti covers the store.</p></body></html>",
        "OofStartDate": "2026-07-01T07:00:00Z",
        "OofStatus": "scheduled",
        "PostalCode": "98004",
        "PreferredLanguage": "en-US",
        "State": "WA",
        "StreetAddress": "205 108th Ave NE",
        "Title": "Retail Manager"
    }));
    for n in 1..=15 {
        expected.insert(format!("ExtensionAttribute{n}"), json!(format!("ext-{n}")));
    }
    assert_eq!(person, expected);
    assert_eq!(
        missing(&map, &person),
        [
            "AboutMe",
            "Description",
            "GenerationalSuffix",
            "HomeTelephone",
            "MiddleName",
            "PhotoURL",
            "Telephone",
        ]
    );
}

#[test]
fn the_b2c_user_map_over_the_connectors_own_user() {
    let map = AttributeMap::builtin(Builtin::B2cUserToAccount);
    let account = map.apply(&our_user());
    assert_eq!(
        account["UserName"], "adele.vance",
        "the identity signing in by userName"
    );
    assert_eq!(account["Manager"], "5bde3e51-d13b-4db1-9948-fe4b109d11a7");
    assert_eq!(account["Email"], "AdeleV@contoso.com");
    assert_eq!(
        account["OfficeLocation"],
        "205 108th Ave NE, Bellevue, WA 98004, United States"
    );
    assert_eq!(account["LogonName"], "AdeleV@contoso.com");
    assert_eq!(account["EmployeeType"], "Member");
    // The same paths Graph has no property for as in the Entra map above.
    assert_eq!(
        missing(&map, &account),
        [
            "GenerationalSuffix",
            "MiddleName",
            "HomePhone",
            "Telephone",
            "PhotoURL",
            "AboutMe"
        ]
    );
}

/// The group table reads `externalID` and `description`, `owners` at the top level; our Group
/// spells it `externalId` (SCIM names are case-insensitive, so it is found) and keeps the
/// description and owners under the azureAdGroup extension (so they are not, until an override
/// points there: see the configuration tests).
#[test]
fn the_b2c_group_map_over_the_connectors_own_group() {
    let graph_group: graph::Group = serde_json::from_value(json!({
        "id": "g-1",
        "displayName": "Store managers",
        "description": "Everyone who runs a store",
        "mailNickname": "store-managers",
        "securityEnabled": true,
        "mailEnabled": false,
        "groupTypes": []
    }))
    .unwrap();
    let members: Vec<graph::DirectoryObject> = serde_json::from_value(json!([
        {"@odata.type": "#microsoft.graph.user", "id": "u-1", "displayName": "Adele Vance"}
    ]))
    .unwrap();
    let group = scim_graph::group_to_scim(&graph_group, Some(&members), BASE).to_json();
    let map = AttributeMap::builtin(Builtin::B2cGroup);
    let record = map.apply(&group);
    assert_eq!(
        record,
        self::record(json!({
            "DisplayName": "Store managers",
            "Alias": "store-managers",
            "Members": [{
                "value": "u-1",
                "display": "Adele Vance",
                "$ref": "https://connector.example/scim/v2/Users/u-1",
                "type": "User"
            }]
        }))
    );
    assert_eq!(
        missing(&map, &record),
        [
            "Description",
            "groupType",
            "Owners",
            "ownersToAdd",
            "ownersToRemove"
        ]
    );
}

#[test]
fn the_role_and_location_maps_read_their_rows() {
    let role = json!({
        "description": "Approves refunds",
        "displayName": "Refund approver",
        "externalId": "refund-approver",
        "Name": "RefundApprover",
        "ParentID": "role-0"
    });
    assert_eq!(
        AttributeMap::builtin(Builtin::B2cRole).apply(&role),
        record(json!({
            "Description": "Approves refunds",
            "FriendlyName": "Refund approver",
            "Alias": "refund-approver",
            "Name": "RefundApprover",
            "ParentPath": "role-0"
        }))
    );
    // A location has the role's rows: the two tables differ only in their descriptions.
    assert_eq!(
        AttributeMap::builtin(Builtin::B2cLocation).apply(&role),
        AttributeMap::builtin(Builtin::B2cRole).apply(&role)
    );
}

/// Absent and null both leave the target out of the record: a record says only what the
/// resource says, and SCIM treats null as unassigned (RFC 7643 §2.5).
#[test]
fn absent_and_null_values_leave_the_target_out() {
    let map = AttributeMap::builtin(Builtin::EntraUserToPerson);
    let user = json!({
        "userName": "adele@contoso.example",
        "title": null,
        "phoneNumbers": [{"value": "+1 555 0104", "type": "mobile"}]
    });
    assert_eq!(
        map.apply(&user),
        record(json!({"Login": "adele@contoso.example", "MobilePhone": "+1 555 0104"}))
    );
}

#[test]
fn the_first_match_wins_and_names_match_ignoring_case() {
    let map = AttributeMap::builtin(Builtin::EntraUserToPerson);
    let user = json!({
        "UserName": "adele@contoso.example",
        "phoneNumbers": [
            {"value": "first", "type": "work"},
            {"value": "second", "type": "work"}
        ]
    });
    let person = map.apply(&user);
    assert_eq!(person["BusinessPhone"], "first");
    assert_eq!(person["Login"], "adele@contoso.example");
}

#[test]
fn records_written_as_json_text_are_the_records_apply_makes() {
    for builtin in Builtin::ALL {
        let map = AttributeMap::builtin(builtin);
        for resource in [every_seed_path(), our_user(), json!({ "id": "sparse" })] {
            let text = map.apply_to_json(&resource);
            let parsed: Map<String, Value> = serde_json::from_str(text.get()).unwrap();
            assert_eq!(parsed, map.apply(&resource), "{builtin:?}");
        }
    }
}
