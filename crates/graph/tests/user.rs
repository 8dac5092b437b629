//! Decoding Graph's user JSON into `graph::User` and back without losing anything.

use graph::{DirectoryObjectRef, EmployeeOrgData, User};

const FIXTURE: &str = include_str!("fixtures/user.json");

#[test]
fn fully_populated_user_decodes_into_typed_fields() {
    let user: User = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(
        user.id.as_deref(),
        Some("87d349ed-44d7-43e1-9a83-5f2406dee5bd")
    );
    assert_eq!(
        user.user_principal_name.as_deref(),
        Some("AdeleV@contoso.com")
    );
    assert_eq!(user.given_name.as_deref(), Some("Adele"));
    assert_eq!(user.surname.as_deref(), Some("Vance"));
    assert_eq!(
        user.other_mails,
        ["adele@personal.example", "a.vance@partner.example"]
    );
    assert_eq!(user.account_enabled, Some(true));
    assert_eq!(user.business_phones, ["+1 425 555 0109"]);
    assert_eq!(user.fax_number.as_deref(), Some("+1 425 555 0111"));
    assert_eq!(
        user.employee_org_data,
        Some(EmployeeOrgData {
            division: Some("Consumer".into()),
            cost_center: Some("CC-42".into())
        })
    );
    assert_eq!(
        user.employee_hire_date.as_deref(),
        Some("2020-03-01T00:00:00Z")
    );
    assert_eq!(
        user.employee_leave_date_time.as_deref(),
        Some("2030-02-28T17:00:00Z")
    );
    assert_eq!(
        user.identities[0].issuer_assigned_id.as_deref(),
        Some("AdeleV@contoso.com")
    );
    let ext = user.on_premises_extension_attributes.as_ref().unwrap();
    assert_eq!(
        (ext.get(1), ext.get(2), ext.get(15), ext.get(16)),
        (Some("ext-one"), None, Some("ext-fifteen"), None)
    );
    assert_eq!(user.age_group, None);
    assert_eq!(
        user.manager,
        Some(DirectoryObjectRef {
            id: "5bde3e51-d13b-4db1-9948-fe4b109d11a7".into(),
            display_name: Some("Patti Fernandez".into())
        })
    );
    // Nothing without a typed field is dropped.
    assert_eq!(user.other["extension_b2c1234_loyaltyNumber"], "L-77");
    assert!(user.other.contains_key("@odata.context"));
    assert!(
        !user.other.contains_key("mail"),
        "typed fields must not also land in `other`"
    );
}

#[test]
fn user_round_trips_every_non_null_value() {
    let original: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    let user: User = serde_json::from_value(original.clone()).unwrap();
    let back = serde_json::to_value(&user).unwrap();
    for (key, value) in original.as_object().unwrap() {
        if value.is_null() || key == "manager" {
            continue;
        }
        assert_eq!(&back[key], value, "{key}");
    }
    assert_eq!(
        back["manager"]["id"],
        "5bde3e51-d13b-4db1-9948-fe4b109d11a7"
    );
}

#[test]
fn null_collections_and_missing_properties_are_tolerated() {
    let user: User = serde_json::from_str(
        r#"{"id":"1","businessPhones":null,"otherMails":null,"manager":null}"#,
    )
    .unwrap();
    assert_eq!(user.id.as_deref(), Some("1"));
    assert!(user.business_phones.is_empty() && user.other_mails.is_empty());
    assert_eq!(user.manager, None);
    assert_eq!(user.display_name, None);
}

#[test]
fn user_properties_name_what_the_typed_user_reads() {
    let json = serde_json::to_value(User::default()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({}),
        "an empty user serialises to an empty object"
    );
    for p in [
        "id",
        "userPrincipalName",
        "mailNickname",
        "employeeOrgData",
        "onPremisesExtensionAttributes",
        "identities",
    ] {
        assert!(graph::USER_PROPERTIES.contains(&p), "{p}");
    }
    // Properties Graph serves only on single-user GETs would fail list requests.
    // Or need a permission the app may lack: only asked for on request.
    for p in ["aboutMe", "birthday", "mySite", "signInActivity", "manager", "employeeLeaveDateTime"] {
        assert!(!graph::USER_PROPERTIES.contains(&p), "{p}");
    }
    assert_eq!(graph::LIFECYCLE_PROPERTIES, ["employeeLeaveDateTime"]);
}
