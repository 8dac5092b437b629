//! reverse: warehouse records -> SCIM resource fragments for writes, what cannot be written back,
//! and the round trip `apply(reverse(record)) == record`.

use mapping::{AttributeMap, Builtin, MapError};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const EVERY_SEED_PATH: &str = include_str!("fixtures/scim_user_every_seed_path.json");
const GRAPH_USER: &str = include_str!("fixtures/graph_user.json");

fn record(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[test]
fn plain_paths_extensions_and_filters_build_the_scim_fragment() {
    let map = AttributeMap::builtin(Builtin::EntraUserToPerson);
    let resource = map
        .reverse(&record(json!({
            "FirstName": "Adele",
            "LastName": "Vance",
            "Login": "adele@contoso.example",
            "Department": "Retail",
            "ExtensionAttribute3": "ext-3",
            "BusinessPhone": "+1 555 0101",
            "MobilePhone": "+1 555 0104",
            "PostalCode": "98004",
            "StreetAddress": "1 Main St",
            "Office": "18/2111",
            "Active": false
        })))
        .unwrap();
    assert_eq!(
        resource,
        json!({
            "active": false,
            "userName": "adele@contoso.example",
            "name": {"givenName": "Adele", "familyName": "Vance"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Retail"},
            "urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User": {
                "onPremisesExtensionAttributes": {"extensionAttribute3": "ext-3"}
            },
            "phoneNumbers": [
                {"type": "work", "value": "+1 555 0101"},
                {"type": "mobile", "value": "+1 555 0104"}
            ],
            "addresses": [
                {"type": "other", "formatted": "18/2111"},
                {"type": "work", "postalCode": "98004", "streetAddress": "1 Main St"}
            ]
        })
    );
}

#[test]
fn the_b2c_user_name_becomes_an_identity_signing_in_by_user_name() {
    let map = AttributeMap::builtin(Builtin::B2cUserToAccount);
    let resource = map
        .reverse(&record(
            json!({"UserName": "adele.vance", "Manager": "m-1"}),
        ))
        .unwrap();
    assert_eq!(
        resource,
        json!({
            "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile": {
                "identities": [{"signInType": "userName", "issuerAssignedId": "adele.vance"}]
            },
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": "m-1"}
            }
        })
    );
}

#[test]
fn null_unknown_and_differently_cased_record_keys() {
    let map = AttributeMap::builtin(Builtin::B2cGroup);
    let resource = map
        .reverse(&record(json!({
            "displayname": "Store managers",
            "Description": null,
            "LastSeen": "2026-11-01"
        })))
        .unwrap();
    assert_eq!(resource, json!({"displayName": "Store managers"}));
}

#[test]
fn an_expression_that_cannot_be_written_back_is_reported_when_its_target_is_written() {
    let map = AttributeMap::parse(
        r#"
[[attribute]]
source = "emails[0].value"
target = "FirstEmail"

[[attribute]]
source = "phoneNumbers[?@.type=='work' || @.type=='mobile'].value"
target = "AnyPhone"

[[attribute]]
source = "userName"
target = "Login"
"#,
        "custom.toml",
    )
    .unwrap();
    let first_email = map.attribute("FirstEmail").unwrap().source();
    assert!(!first_email.is_reversible());
    assert_eq!(
        first_email.not_reversible_because(),
        Some("it selects an array element by position")
    );
    assert!(map.attribute("Login").unwrap().source().is_reversible());

    // Only a record that sets such a target is refused.
    assert_eq!(
        map.reverse(&record(json!({"Login": "a"}))).unwrap(),
        json!({"userName": "a"})
    );
    let err = map.reverse(&record(json!({"AnyPhone": "+1"}))).unwrap_err();
    let MapError::NotReversible {
        target,
        expression,
        reason,
    } = &err
    else {
        panic!("expected not reversible, got {err:?}");
    };
    assert_eq!(target, "AnyPhone");
    assert_eq!(
        expression,
        "phoneNumbers[?@.type=='work' || @.type=='mobile'].value"
    );
    assert!(reason.contains("filter"), "{reason}");
    assert!(err.to_string().contains("AnyPhone"), "{err}");
}

#[test]
fn each_kind_of_expression_beyond_names_and_one_equality_is_not_reversible() {
    for expression in [
        "$..value",
        "emails[*].value",
        "emails[0:2].value",
        "['name','title']",
        "emails[?@.type!='work'].value",
        "emails[?@.type=='work' && @.primary==true].value",
        "emails[?@.meta.type=='work'].value",
        "emails[?$.type=='work'].value",
        "emails[?@.type=='work']",
        "emails[?!(@.type=='work')].value",
        "[?@.type=='work'].value",
    ] {
        let text = format!("[[attribute]]\nsource = {expression:?}\ntarget = \"T\"\n");
        let map = AttributeMap::parse(&text, "custom.toml").unwrap_or_else(|e| panic!("{e}"));
        let source = map.attribute("T").unwrap().source();
        assert!(
            !source.is_reversible(),
            "{expression} ({})",
            source.normalised()
        );
    }
}

#[test]
fn a_filter_with_the_literal_first_or_a_number_is_reversible() {
    let map = AttributeMap::parse(
        "[[attribute]]\nsource = \"codes[?'work'==@.type].value\"\ntarget = \"A\"\n\n\
         [[attribute]]\nsource = \"codes[?@.rank==1].value\"\ntarget = \"B\"\n",
        "custom.toml",
    )
    .unwrap();
    let record = record(json!({"A": "a", "B": "b"}));
    let resource = map.reverse(&record).unwrap();
    assert_eq!(
        resource,
        json!({"codes": [{"type": "work", "value": "a"}, {"rank": 1, "value": "b"}]})
    );
    assert_eq!(map.apply(&resource), record);
}

#[test]
fn two_targets_writing_one_place_with_different_values_conflict() {
    let map = AttributeMap::parse(
        "[[attribute]]\nsource = \"title\"\ntarget = \"Title\"\n\n\
         [[attribute]]\nsource = \"title\"\ntarget = \"JobTitle\"\n\n\
         [[attribute]]\nsource = \"title.short\"\ntarget = \"ShortTitle\"\n",
        "custom.toml",
    )
    .unwrap();
    // The same value twice is one fact, not a conflict.
    assert_eq!(
        map.reverse(&record(json!({"Title": "CEO", "JobTitle": "CEO"})))
            .unwrap(),
        json!({"title": "CEO"})
    );
    let err = map
        .reverse(&record(json!({"Title": "CEO", "JobTitle": "Chief"})))
        .unwrap_err();
    assert!(
        matches!(&err, MapError::ReverseConflict { target, .. } if target == "JobTitle"),
        "{err:?}"
    );
    // A path through a member that already holds a plain value.
    let err = map
        .reverse(&record(json!({"Title": "CEO", "ShortTitle": "C"})))
        .unwrap_err();
    assert!(
        matches!(&err, MapError::ReverseConflict { target, .. } if target == "ShortTitle"),
        "{err:?}"
    );
}

fn assert_round_trip(map: &AttributeMap, resource: &Value) {
    let record = map.apply(resource);
    let written = map.reverse(&record).unwrap();
    assert_eq!(map.apply(&written), record, "through {written:#}");
}

#[test]
fn every_builtin_round_trips_the_fixtures() {
    let graph_user: graph::User = serde_json::from_str(GRAPH_USER).unwrap();
    let ours = scim_graph::user_to_scim(&graph_user, "https://connector.example/scim/v2").to_json();
    let every: Value = serde_json::from_str(EVERY_SEED_PATH).unwrap();
    let group = json!({
        "externalId": "g", "displayName": "G", "description": "d", "GroupType": "security",
        "members": [{"value": "u-1"}], "owners": [{"value": "u-2"}],
        "ownersToAdd": [{"value": "u-3"}], "ownersToRemove": [{"value": "u-4"}],
        "Name": "n", "ParentID": "p"
    });
    for which in Builtin::ALL {
        let map = AttributeMap::builtin(which);
        for resource in [&ours, &every, &group] {
            assert_round_trip(&map, resource);
        }
    }
}

/// Any record over a map's targets (any subset, any string values) survives the round trip, not
/// only the records `apply` makes.
fn round_trips_any_record(
    which: Builtin,
    chosen: Vec<(bool, String)>,
) -> Result<(), TestCaseError> {
    let map = AttributeMap::builtin(which);
    let record: Map<String, Value> = map
        .attributes()
        .iter()
        .zip(chosen)
        .filter(|(_, (keep, _))| *keep)
        .map(|(a, (_, value))| (a.target().to_string(), Value::String(value)))
        .collect();
    let written = map
        .reverse(&record)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(map.apply(&written), record);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_entra_person_record_round_trips(chosen in prop::collection::vec((any::<bool>(), ".{0,12}"), 55)) {
        round_trips_any_record(Builtin::EntraUserToPerson, chosen)?;
    }

    #[test]
    fn any_b2c_account_record_round_trips(chosen in prop::collection::vec((any::<bool>(), ".{0,12}"), 29)) {
        round_trips_any_record(Builtin::B2cUserToAccount, chosen)?;
    }

    #[test]
    fn any_b2c_group_record_round_trips(chosen in prop::collection::vec((any::<bool>(), ".{0,12}"), 8)) {
        round_trips_any_record(Builtin::B2cGroup, chosen)?;
    }
}
