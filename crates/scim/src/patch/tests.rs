use super::*;
use crate::{ScimType, User, schema};
use serde_json::json;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A user as `User::to_json` writes one.
fn user() -> Value {
    json!({
        "schemas": [schema::USER, ENT],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "bjensen@example.com",
        "displayName": "Babs Jensen",
        "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}
        ],
        ENT: {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        },
        "meta": {"resourceType": "User", "version": "W/\"3694e05e9dff590\""}
    })
}

fn group() -> Value {
    json!({
        "schemas": [schema::GROUP],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
        ],
        "meta": {"resourceType": "Group"}
    })
}

fn body(operations: Value) -> Vec<u8> {
    json!({"schemas": [schema::PATCH_OP], "Operations": operations})
        .to_string()
        .into_bytes()
}

fn request(operations: Value) -> PatchRequest {
    PatchRequest::from_body(&body(operations.clone()))
        .unwrap_or_else(|e| panic!("{operations}: {e}"))
}

fn patch_user(operations: Value) -> Value {
    let before = user();
    apply(&before, &request(operations), &AttributeRules::user()).unwrap_or_else(|e| panic!("{e}"))
}

fn patch_group(operations: Value) -> Value {
    apply(&group(), &request(operations), &AttributeRules::group())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn user_err(operations: Value) -> ScimError {
    let before = user();
    let e = apply(
        &before,
        &request(operations.clone()),
        &AttributeRules::user(),
    )
    .expect_err(&operations.to_string());
    assert_eq!(before, user(), "the input is untouched");
    e
}

fn parse_err(body: &str) -> ScimError {
    match PatchRequest::from_body(body.as_bytes()) {
        Ok(r) => panic!("{body} should fail, parsed as {r:?}"),
        Err(e) => e,
    }
}

fn kind(e: &ScimError) -> (u16, Option<ScimType>) {
    (e.status, e.scim_type)
}

const SYNTAX: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidSyntax));
const PATH: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidPath));
const VALUE: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidValue));
const NO_TARGET: (u16, Option<ScimType>) = (400, Some(ScimType::NoTarget));
const MUTABILITY: (u16, Option<ScimType>) = (400, Some(ScimType::Mutability));

// ---- parsing the body ----

#[test]
fn op_is_accepted_in_any_case() {
    let r = request(json!([
        {"op": "Replace", "path": "displayName", "value": "x"},
        {"op": "ADD", "path": "nickName", "value": "Babs"},
        {"op": "remove", "path": "title"},
        {"op": "rEmOvE", "path": "locale"}
    ]));
    let ops: Vec<PatchOp> = r.operations.iter().map(|o| o.op).collect();
    assert_eq!(
        ops,
        [
            PatchOp::Replace,
            PatchOp::Add,
            PatchOp::Remove,
            PatchOp::Remove
        ]
    );
    assert_eq!(r.operations[1].value, Some(json!("Babs")));
    assert_eq!(r.operations[2].value, None);
}

#[test]
fn schemas_may_be_missing_or_carry_extras_but_must_name_patch_op_when_present() {
    let ops = r#"[{"op":"replace","path":"active","value":false}]"#;
    for ok in [
        format!(r#"{{"Operations":{ops}}}"#),
        format!(r#"{{"schemas":null,"Operations":{ops}}}"#),
        format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp","urn:example:extra"],"Operations":{ops}}}"#
        ),
        format!(
            r#"{{"schemas":["URN:IETF:params:scim:api:messages:2.0:patchop"],"Operations":{ops}}}"#
        ),
    ] {
        let r = PatchRequest::from_body(ok.as_bytes()).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(r.operations.len(), 1, "{ok}");
    }
    for bad in [
        format!(r#"{{"schemas":["{}"],"Operations":{ops}}}"#, schema::USER),
        format!(r#"{{"schemas":[],"Operations":{ops}}}"#),
        format!(r#"{{"schemas":"{}","Operations":{ops}}}"#, schema::PATCH_OP),
        format!(r#"{{"schemas":[7],"Operations":{ops}}}"#),
    ] {
        let e = parse_err(&bad);
        assert_eq!(kind(&e), SYNTAX, "{bad}");
        assert!(e.detail.contains("schemas"), "{bad}: {}", e.detail);
    }
}

#[test]
fn operations_and_operation_members_in_any_case() {
    let r = PatchRequest::from_body(
        br#"{"operations":[{"OP":"add","Path":"nickName","VALUE":"Babs"}]}"#,
    )
    .unwrap();
    assert_eq!(
        r.operations,
        [PatchOperation {
            op: PatchOp::Add,
            path: Some(PatchPath::parse("nickName").unwrap()),
            value: Some(json!("Babs")),
        }]
    );
}

#[test]
fn malformed_bodies_are_invalid_syntax() {
    for bad in [
        "",
        "not json",
        "[]",
        r#""Operations""#,
        "{}",
        r#"{"Operations":null}"#,
        r#"{"Operations":{"op":"add"}}"#,
        r#"{"Operations":[]}"#,
        r#"{"Operations":["add"]}"#,
        r#"{"Operations":[{"path":"title","value":"x"}]}"#,
        r#"{"Operations":[{"op":5,"path":"title","value":"x"}]}"#,
    ] {
        assert_eq!(kind(&parse_err(bad)), SYNTAX, "{bad:?}");
    }
    assert_eq!(
        kind(&PatchRequest::from_body(&[0xff, 0xfe]).unwrap_err()),
        SYNTAX
    );
}

#[test]
fn unknown_op_is_invalid_syntax_naming_the_operation() {
    for op in ["move", "copy", "test", "", "adds", "re move"] {
        let e = PatchRequest::from_body(&body(json!([
            {"op": "add", "path": "title", "value": "x"},
            {"op": op, "path": "title", "value": "x"}
        ])))
        .unwrap_err();
        assert_eq!(kind(&e), SYNTAX, "{op:?}");
        assert!(
            e.detail.starts_with("Operations[1]: unknown op"),
            "{}",
            e.detail
        );
    }
}

#[test]
fn bad_paths_are_invalid_path() {
    for path in [
        "",
        "   ",
        "1title",
        "name.givenName.extra",
        "name givenName",
        "emails[type eq \"work\"",
        "emails[type eq]",
        "emails[type eq \"work\"]value",
        "emails[type eq \"work\"].",
        "emails[type eq \"work\"].value.more",
        "emails[type eq \"work\"].urn:x:value",
        "emails[type eq \"work\"][value pr]",
        "emails[type eq \"work\"] .value",
        "name.givenName[type eq \"x\"]",
        "title pr and emails[type eq \"work\"]",
        "emails[]",
        "]",
        "urn:",
        "emails[type eq \"work\" or (value pr]",
    ] {
        let e = PatchRequest::from_body(&body(json!([
            {"op": "remove", "path": path}
        ])))
        .expect_err(path);
        assert_eq!(kind(&e), PATH, "{path:?}: {}", e.detail);
        assert!(e.detail.starts_with("Operations[0]: "), "{}", e.detail);
    }
    let e = PatchRequest::from_body(&body(json!([{"op": "remove", "path": 5}]))).unwrap_err();
    assert_eq!(kind(&e), PATH);
}

#[test]
fn missing_values_and_paths_are_refused_before_any_resource_is_read() {
    for (ops, expected) in [
        (json!([{"op": "add", "path": "title"}]), VALUE),
        (json!([{"op": "replace", "path": "title"}]), VALUE),
        (json!([{"op": "replace"}]), VALUE),
        (json!([{"op": "add", "value": "Babs"}]), VALUE),
        (json!([{"op": "replace", "value": ["a"]}]), VALUE),
        (json!([{"op": "replace", "value": null}]), VALUE),
        (json!([{"op": "remove"}]), NO_TARGET),
        (
            json!([{"op": "remove", "value": {"title": "x"}}]),
            NO_TARGET,
        ),
    ] {
        let e = PatchRequest::from_body(&body(ops.clone())).expect_err(&ops.to_string());
        assert_eq!(kind(&e), expected, "{ops}: {}", e.detail);
    }
    // The same rules hold for a request built in code.
    let r = PatchRequest {
        operations: vec![PatchOperation {
            op: PatchOp::Remove,
            path: None,
            value: None,
        }],
    };
    let e = apply(&user(), &r, &AttributeRules::user()).unwrap_err();
    assert_eq!(kind(&e), NO_TARGET);
    let r = PatchRequest {
        operations: vec![PatchOperation {
            op: PatchOp::Add,
            path: Some(PatchPath::parse("title").unwrap()),
            value: None,
        }],
    };
    assert_eq!(
        kind(&apply(&user(), &r, &AttributeRules::user()).unwrap_err()),
        VALUE
    );
}

#[test]
fn paths_parse_into_attribute_filter_and_sub_attribute() {
    let p = PatchPath::parse(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(p.attr, AttrPath::with_sub("emails", "value"));
    assert_eq!(
        p.filter,
        Some(crate::filter::parse(r#"type eq "work""#).unwrap())
    );
    let p = PatchPath::parse("name.givenName").unwrap();
    assert_eq!(
        (p.attr, p.filter),
        (AttrPath::with_sub("name", "givenName"), None)
    );
    let p = PatchPath::parse(&format!("{ENT}:manager.value")).unwrap();
    assert_eq!(p.attr.schema.as_deref(), Some(ENT));
    assert_eq!(
        (p.attr.name.as_str(), p.attr.sub.as_deref()),
        ("manager", Some("value"))
    );
    // The extension URN alone splits at its last ':'; apply() reads it as the extension.
    let p = PatchPath::parse(ENT).unwrap();
    assert_eq!(p.attr.schema.as_deref(), Some(&ENT[..ENT.len() - 5]));
    assert_eq!(p.attr.name, "User");
    // Brackets inside strings do not close the filter.
    let p = PatchPath::parse(r#"members[value eq "a]b\"]"]"#).unwrap();
    assert_eq!(
        p.filter,
        Some(crate::filter::parse(r#"value eq "a]b\"]""#).unwrap())
    );
    assert_eq!(p.attr, AttrPath::new("members"));
}

#[test]
fn paths_print_back_to_what_parses_to_them() {
    for text in [
        "userName",
        "name.givenName",
        r#"emails[type eq "work"].value"#,
        r#"members[value eq "2819c223"]"#,
        r#"addresses[type eq "work" and primary eq true].streetAddress"#,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        r#"urn:example:ext:1.0:User:tags[value sw "a"].display"#,
    ] {
        let p = PatchPath::parse(text).unwrap();
        assert_eq!(p.to_string(), text);
        assert_eq!(PatchPath::parse(&p.to_string()).unwrap(), p);
    }
}

// ---- add, replace, remove ----

#[test]
fn replace_and_add_with_a_path_set_single_valued_attributes() {
    let after = patch_user(json!([
        {"op": "Replace", "path": "userName", "value": "babs@example.com"},
        {"op": "Add", "path": "nickName", "value": "Babs"},
        {"op": "add", "path": "displayName", "value": "Barbara J."}
    ]));
    assert_eq!(after["userName"], "babs@example.com");
    assert_eq!(after["nickName"], "Babs");
    assert_eq!(
        after["displayName"], "Barbara J.",
        "add on a single-valued attribute replaces it"
    );
    assert_eq!(after["name"], user()["name"], "the rest is as it was");
}

#[test]
fn path_less_add_and_replace_merge_attributes() {
    // Entra's compliant form of "add a single-valued attribute".
    let after = patch_user(json!([{"op": "add", "value": {"nickName": "Babs", "title": "Guide"}}]));
    assert_eq!(
        (&after["nickName"], &after["title"]),
        (&json!("Babs"), &json!("Guide"))
    );
    let after = patch_user(json!([{"op": "replace", "value": {
        "displayName": "B. Jensen",
        "name": {"givenName": "Babs"}
    }}]));
    assert_eq!(after["displayName"], "B. Jensen");
    assert_eq!(
        after["name"],
        json!({"givenName": "Babs", "familyName": "Jensen"}),
        "replacing a complex attribute leaves the sub-attributes not sent"
    );
}

#[test]
fn entra_path_less_replace_with_dotted_filtered_and_urn_keys() {
    // Microsoft Entra's "replace multiple attributes" request, as its SCIM compliance notes
    // show it: member names that are paths.
    let after = patch_user(json!([{"op": "replace", "value": {
        "displayName": "Pvlo",
        "emails[type eq \"work\"].value": "TestBcwqnm@test.microsoft.com",
        "name.givenName": "Gtfd",
        "name.familyName": "Pkqf",
        "externalId": "Eqpj",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Eqpj"
    }}]));
    assert_eq!(after["displayName"], "Pvlo");
    assert_eq!(
        after["emails"],
        json!([
            {"value": "TestBcwqnm@test.microsoft.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ])
    );
    assert_eq!(
        after["name"],
        json!({"givenName": "Gtfd", "familyName": "Pkqf"})
    );
    assert_eq!(after["externalId"], "Eqpj");
    assert_eq!(after[ENT]["employeeNumber"], "Eqpj");
    assert_eq!(after[ENT]["department"], "Tour Operations");
    assert!(after.get("name.givenName").is_none(), "{after}");
}

#[test]
fn path_less_extension_objects_merge_and_create_the_extension() {
    let after = patch_user(json!([{"op": "add", "value": {
        ENT: {"department": "Parks", "costCenter": "4130"}
    }}]));
    assert_eq!(
        after[ENT],
        json!({
            "employeeNumber": "701984",
            "department": "Parks",
            "costCenter": "4130",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        })
    );
    // On a user without the extension, it is created and listed in schemas.
    let mut plain = user();
    plain.as_object_mut().unwrap().remove(ENT);
    plain["schemas"] = json!([schema::USER]);
    let r = request(json!([{"op": "replace", "value": {
        "urn:ietf:params:scim:schemas:extension:Enterprise:2.0:User": {"department": "Parks"},
        "urn:example:custom:1.0:User": {"badge": "B-7"}
    }}]));
    let after = apply(&plain, &r, &AttributeRules::user()).unwrap();
    assert_eq!(
        after[ENT],
        json!({"department": "Parks"}),
        "declared spelling"
    );
    assert_eq!(
        after["urn:example:custom:1.0:User"],
        json!({"badge": "B-7"})
    );
    assert_eq!(
        after["schemas"],
        json!([schema::USER, "urn:example:custom:1.0:User", ENT])
    );
}

#[test]
fn extension_paths_reach_into_the_extension_object() {
    let after = patch_user(json!([
        {"op": "replace", "path": format!("{ENT}:department"), "value": "Parks"},
        {"op": "add", "path": format!("{ENT}:costCenter"), "value": "4130"},
        {"op": "remove", "path": format!("{ENT}:employeeNumber")}
    ]));
    assert_eq!(
        after[ENT],
        json!({"department": "Parks", "costCenter": "4130",
               "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}})
    );
    // The extension itself as the path.
    let after =
        patch_user(json!([{"op": "replace", "path": ENT, "value": {"division": "Theme Park"}}]));
    assert_eq!(after[ENT]["division"], "Theme Park");
    assert_eq!(after[ENT]["department"], "Tour Operations");
    let after = patch_user(json!([{"op": "remove", "path": ENT}]));
    assert!(after.get(ENT).is_none());
    assert_eq!(after["schemas"], json!([schema::USER]), "schemas follows");
}

#[test]
fn entra_manager_sent_as_a_bare_id_becomes_a_complex_value() {
    let new_manager = "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2";
    let after = patch_user(json!([
        {"op": "Add", "path": format!("{ENT}:manager"), "value": new_manager}
    ]));
    assert_eq!(after[ENT]["manager"], json!({"value": new_manager}));
    let after = patch_user(json!([{"op": "Replace", "value": {ENT: {"manager": new_manager}}}]));
    assert_eq!(after[ENT]["manager"], json!({"value": new_manager}));
    let after = patch_user(json!([
        {"op": "replace", "path": format!("{ENT}:manager.value"), "value": new_manager}
    ]));
    assert_eq!(after[ENT]["manager"], json!({"value": new_manager}));
    // Removing the manager, then the last attributes, leaves no empty extension behind.
    let after = patch_user(json!([
        {"op": "Remove", "path": format!("{ENT}:manager")},
        {"op": "remove", "path": format!("{ENT}:employeeNumber")},
        {"op": "remove", "path": format!("{ENT}:department")}
    ]));
    assert!(after.get(ENT).is_none(), "{after}");
    assert_eq!(after["schemas"], json!([schema::USER]));
}

#[test]
fn pre_2019_entra_dotted_extension_paths_still_work() {
    let after = patch_user(
        json!([{"op": "Replace", "path": format!("{ENT}.department"), "value": "Parks"}]),
    );
    assert_eq!(after[ENT]["department"], "Parks");
}

#[test]
fn value_filters_select_the_values_to_change() {
    let after = patch_user(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "babs@example.com"}
    ]));
    assert_eq!(after["emails"][0]["value"], "babs@example.com");
    assert_eq!(after["emails"][1], user()["emails"][1]);
    // Case-insensitive comparison (type is not caseExact), and attribute names in any case.
    let after = patch_user(json!([
        {"op": "replace", "path": "Emails[Type EQ \"WORK\"].Value", "value": "x@example.com"}
    ]));
    assert_eq!(after["emails"][0]["value"], "x@example.com");
    assert!(after.get("Emails").is_none());
    let after = patch_user(json!([
        {"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"}
    ]));
    assert_eq!(
        after["addresses"],
        json!([{"type": "work", "streetAddress": "1 Main St", "locality": "Hollywood"}])
    );
    // Without a sub-attribute, the matching values are replaced whole (RFC 7644 §3.5.2.3).
    let after = patch_user(json!([
        {"op": "replace", "path": "emails[value ew \"jensen.org\"]",
         "value": {"value": "b@jensen.org", "type": "other"}}
    ]));
    assert_eq!(
        after["emails"][1],
        json!({"value": "b@jensen.org", "type": "other"})
    );
    assert_eq!(after["emails"][0], user()["emails"][0]);
    // Removing through a filter.
    let after = patch_user(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]));
    assert_eq!(after["emails"], json!([user()["emails"][0]]));
    let after =
        patch_user(json!([{"op": "remove", "path": "addresses[type eq \"work\"].locality"}]));
    assert_eq!(
        after["addresses"],
        json!([{"type": "work", "streetAddress": "100 Universal City Plaza"}])
    );
}

#[test]
fn add_through_a_filter_merges_into_the_selected_values() {
    // Replace swaps the selected values whole; add merges into them (RFC 7644 §3.5.2.1:
    // sub-attributes sent are added or replace the existing ones).
    let after = patch_user(json!([
        {"op": "add", "path": "emails[type eq \"work\"]", "value": {"display": "Work"}}
    ]));
    assert_eq!(
        after["emails"][0],
        json!({"value": "bjensen@example.com", "type": "work", "primary": true, "display": "Work"})
    );
    let after = patch_user(json!([
        {"op": "replace", "path": "emails[type eq \"work\"]", "value": {"display": "Work"}}
    ]));
    assert_eq!(after["emails"][0], json!({"display": "Work"}));
    let after = patch_user(json!([
        {"op": "add", "path": "emails[type eq \"other\"].value", "value": "o@example.com"}
    ]));
    assert_eq!(
        after["emails"][2],
        json!({"type": "other", "value": "o@example.com"})
    );
}

#[test]
fn case_exact_attributes_compare_exactly_in_filters() {
    let rules = AttributeRules::user().case_exact("emails.type");
    let r = request(json!([{"op": "remove", "path": "emails[type eq \"WORK\"]"}]));
    assert_eq!(kind(&apply(&user(), &r, &rules).unwrap_err()), NO_TARGET);
    let after = apply(&user(), &r, &AttributeRules::user()).unwrap();
    assert_eq!(after["emails"].as_array().unwrap().len(), 1);
}

#[test]
fn entra_replace_through_a_filter_matching_nothing_adds_the_value() {
    let mut u = user();
    u["emails"] = json!([{"value": "babs@jensen.org", "type": "home", "primary": true}]);
    let r = request(json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "bjensen@example.com"},
        {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"},
        {"op": "replace", "path": "addresses[type eq \"home\" and primary eq true]",
         "value": {"locality": "Burbank"}}
    ]));
    let after = apply(&u, &r, &AttributeRules::user()).unwrap();
    assert_eq!(
        after["emails"],
        json!([
            {"value": "babs@jensen.org", "type": "home", "primary": true},
            {"type": "work", "value": "bjensen@example.com"}
        ])
    );
    assert_eq!(
        after["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555 0100"}])
    );
    assert_eq!(
        after["addresses"][1],
        json!({"type": "home", "primary": true, "locality": "Burbank"})
    );
    assert_eq!(after["addresses"][0]["type"], "work");
    // A filter that does not say what the new value is (or, not, other operators): noTarget.
    for path in [
        "emails[type eq \"work\" or type eq \"other\"].value",
        "emails[type sw \"wo\"].value",
        "emails[not (type eq \"home\")].value",
    ] {
        let e = apply(
            &u,
            &request(json!([{"op": "replace", "path": path, "value": "x"}])),
            &AttributeRules::user(),
        )
        .unwrap_err();
        assert_eq!(kind(&e), NO_TARGET, "{path}");
        assert!(
            e.detail.contains("no value of emails matches"),
            "{}",
            e.detail
        );
    }
}

#[test]
fn add_appends_to_multi_valued_attributes_without_duplicates() {
    let after = patch_user(json!([{"op": "add", "path": "emails", "value": [
        {"value": "b@other.org", "type": "other"},
        {"value": "BJENSEN@example.com", "type": "work"},
        {"value": "babs@jensen.org", "type": "home"}
    ]}]));
    let emails = after["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 3, "{after}");
    assert_eq!(emails[2], json!({"value": "b@other.org", "type": "other"}));
    assert_eq!(
        emails[0],
        user()["emails"][0],
        "equal values are not added twice"
    );
    // A single value (not a list) is one value; a string is its `value`.
    let after = patch_user(json!([
        {"op": "add", "path": "phoneNumbers", "value": {"value": "+1 555 0100", "type": "work"}},
        {"op": "add", "path": "phoneNumbers", "value": "+1 555 0199"},
        {"op": "add", "path": "phoneNumbers", "value": "+1 555 0199"}
    ]));
    assert_eq!(
        after["phoneNumbers"],
        json!([{"value": "+1 555 0100", "type": "work"}, {"value": "+1 555 0199"}])
    );
    // A value that only extends an existing one updates it instead of duplicating it.
    let after = patch_user(json!([{"op": "add", "path": "emails",
        "value": [{"value": "babs@jensen.org", "type": "home", "display": "Home"}]}]));
    assert_eq!(after["emails"].as_array().unwrap().len(), 2);
    assert_eq!(after["emails"][1]["display"], "Home");
}

#[test]
fn replace_without_filter_replaces_the_whole_list() {
    let after = patch_user(json!([{"op": "replace", "path": "emails",
        "value": [{"value": "new@example.com", "type": "work", "primary": "True"}]}]));
    assert_eq!(
        after["emails"],
        json!([{"value": "new@example.com", "type": "work", "primary": true}])
    );
    let after = patch_user(json!([{"op": "replace", "path": "emails", "value": []}]));
    assert!(after.get("emails").is_none(), "an empty list is unassigned");
    let after =
        patch_user(json!([{"op": "replace", "value": {"emails": [{"value": "p@example.com"}]}}]));
    assert_eq!(after["emails"], json!([{"value": "p@example.com"}]));
}

#[test]
fn a_new_primary_value_clears_the_others() {
    let after = patch_user(json!([{"op": "add", "path": "emails",
        "value": [{"value": "new@example.com", "type": "other", "primary": "TRUE"}]}]));
    assert_eq!(after["emails"][0]["primary"], false);
    assert_eq!(after["emails"][2]["primary"], true);
    let after = patch_user(json!([
        {"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "True"}
    ]));
    assert_eq!(after["emails"][0]["primary"], false);
    assert_eq!(after["emails"][1]["primary"], true);
    // Setting primary false leaves the others alone.
    let after = patch_user(json!([
        {"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "False"}
    ]));
    assert_eq!(after["emails"][0]["primary"], true);
    assert_eq!(after["emails"][1]["primary"], false);
}

#[test]
fn entra_boolean_strings_become_booleans() {
    for (sent, expected) in [
        (json!("False"), false),
        (json!("True"), true),
        (json!("FALSE"), false),
        (json!("true"), true),
        (json!(" false "), false),
        (json!(false), false),
    ] {
        let after = patch_user(json!([{"op": "Replace", "path": "active", "value": sent.clone()}]));
        assert_eq!(after["active"], expected, "{sent}");
        let after = patch_user(json!([{"op": "Replace", "value": {"active": sent}}]));
        assert_eq!(after["active"], expected, "path-less {sent}");
    }
    for sent in [
        json!("yes"),
        json!(1),
        json!(["true"]),
        json!({"value": true}),
    ] {
        let e = user_err(json!([{"op": "replace", "path": "active", "value": sent}]));
        assert_eq!(kind(&e), VALUE, "{sent}");
        assert!(
            e.detail.contains("active must be a boolean"),
            "{}",
            e.detail
        );
    }
    let e = user_err(
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@b", "primary": "maybe"}]}]),
    );
    assert_eq!(kind(&e), VALUE);
}

#[test]
fn attribute_names_match_ignoring_case_and_keep_their_spelling() {
    let after = patch_user(json!([
        {"op": "replace", "path": "USERNAME", "value": "u1"},
        {"op": "replace", "path": "Name.GivenName", "value": "Babs"},
        {"op": "add", "path": "NICKNAME", "value": "B"},
        {"op": "add", "path": "Name.MiddleName", "value": "Q"},
        {"op": "replace", "value": {"DisplayName": "D", "TITLE": "T"}},
        {"op": "add", "path": "someCustomThing", "value": "kept as sent"}
    ]));
    let keys: Vec<&String> = after.as_object().unwrap().keys().collect();
    assert_eq!(after["userName"], "u1");
    assert_eq!(after["name"]["givenName"], "Babs");
    assert_eq!(after["name"]["middleName"], "Q", "declared spelling");
    assert_eq!(after["nickName"], "B", "declared spelling: {keys:?}");
    assert_eq!(after["displayName"], "D");
    assert_eq!(after["title"], "T");
    assert_eq!(after["someCustomThing"], "kept as sent");
    for wrong in ["USERNAME", "NICKNAME", "DisplayName", "TITLE", "Name"] {
        assert!(after.get(wrong).is_none(), "{wrong}: {keys:?}");
    }
    // An existing key keeps its own spelling, even an unusual one.
    let mut odd = user();
    odd.as_object_mut()
        .unwrap()
        .insert("NickName".into(), json!("old"));
    let r = request(json!([{"op": "replace", "path": "nickname", "value": "new"}]));
    let after = apply(&odd, &r, &AttributeRules::user()).unwrap();
    assert_eq!(after["NickName"], "new");
    assert!(after.get("nickName").is_none());
}

#[test]
fn remove_rules() {
    // Without a path: noTarget (RFC 7644 §3.5.2.2).
    assert_eq!(
        kind(&PatchRequest::from_body(&body(json!([{"op": "remove"}]))).unwrap_err()),
        NO_TARGET
    );
    let after = patch_user(json!([
        {"op": "remove", "path": "displayName"},
        {"op": "remove", "path": "name.familyName"},
        {"op": "remove", "path": "addresses"}
    ]));
    assert!(after.get("displayName").is_none());
    assert_eq!(after["name"], json!({"givenName": "Barbara"}));
    assert!(after.get("addresses").is_none());
    // An unassigned single-valued attribute: nothing to do, and no error (the RFC keeps
    // noTarget for filters that match nothing).
    let after = patch_user(json!([
        {"op": "remove", "path": "title"},
        {"op": "remove", "path": "name.middleName"},
        {"op": "remove", "path": "phoneNumbers"}
    ]));
    assert_eq!(after, user());
    // The last sub-attribute removed leaves the complex attribute unassigned.
    let after = patch_user(json!([
        {"op": "remove", "path": "name.familyName"},
        {"op": "remove", "path": "name.givenName"}
    ]));
    assert!(after.get("name").is_none(), "{after}");
    // A filter matching nothing: noTarget.
    let e = user_err(json!([{"op": "remove", "path": "emails[type eq \"other\"]"}]));
    assert_eq!(kind(&e), NO_TARGET);
    let e = user_err(json!([{"op": "remove", "path": "phoneNumbers[type eq \"fax\"]"}]));
    assert_eq!(kind(&e), NO_TARGET);
    // The last value removed leaves the multi-valued attribute unassigned.
    let after = patch_user(json!([{"op": "remove", "path": "emails[value pr]"}]));
    assert!(after.get("emails").is_none());
}

#[test]
fn replace_with_null_unassigns() {
    let after = patch_user(json!([
        {"op": "replace", "path": "displayName", "value": null},
        {"op": "replace", "path": "name.givenName", "value": null},
        {"op": "replace", "value": {"externalId": null}},
        {"op": "add", "path": "title", "value": null}
    ]));
    assert!(after.get("displayName").is_none());
    assert!(after.get("externalId").is_none());
    assert!(after.get("title").is_none());
    assert_eq!(after["name"], json!({"familyName": "Jensen"}));
}

#[test]
fn group_members_add_and_remove_as_entra_sends_them() {
    let newcomer = "6c5bb468-14b2-4183-baf2-06d523e03bd3";
    let babs = "2819c223-7f76-453a-919d-413861904646";
    let mandy = "902c246b-6245-4190-8e05-00816be7344a";
    // Entra adds with "$ref": null; an existing member is not added twice.
    let after = patch_group(json!([{"op": "Add", "path": "members", "value": [
        {"$ref": null, "value": newcomer},
        {"$ref": null, "value": babs.to_uppercase()}
    ]}]));
    assert_eq!(
        after["members"],
        json!([
            {"value": babs, "display": "Babs Jensen"},
            {"value": mandy, "display": "Mandy Pepperidge"},
            {"value": newcomer}
        ])
    );
    // Entra's remove form: a value list; non-members in it are ignored.
    let after = patch_group(json!([{"op": "Remove", "path": "members", "value": [
        {"$ref": null, "value": babs},
        {"value": "00000000-0000-0000-0000-000000000000"}
    ]}]));
    assert_eq!(
        after["members"],
        json!([{"value": mandy, "display": "Mandy Pepperidge"}])
    );
    // The RFC's remove form.
    let after =
        patch_group(json!([{"op": "remove", "path": format!("members[value eq \"{mandy}\"]")}]));
    assert_eq!(
        after["members"],
        json!([{"value": babs, "display": "Babs Jensen"}])
    );
    // Removing every member leaves none.
    let after = patch_group(
        json!([{"op": "remove", "path": "members", "value": [{"value": babs}, {"value": mandy}]}]),
    );
    assert!(after.get("members").is_none(), "{after}");
    let after = patch_group(json!([{"op": "remove", "path": "members"}]));
    assert!(after.get("members").is_none());
    // An empty value would match every member: refused.
    let e = apply(
        &group(),
        &request(json!([{"op": "remove", "path": "members", "value": [{"$ref": null}]}])),
        &AttributeRules::group(),
    )
    .unwrap_err();
    assert_eq!(kind(&e), VALUE);
    // Replace and displayName.
    let after = patch_group(json!([
        {"op": "Replace", "path": "displayName", "value": "Guides"},
        {"op": "replace", "path": "members", "value": [{"value": newcomer}]}
    ]));
    assert_eq!(after["displayName"], "Guides");
    assert_eq!(after["members"], json!([{"value": newcomer}]));
}

#[test]
fn entra_removal_of_a_non_member_is_a_no_op() {
    // RFC 7644 §3.5.2.2 says noTarget; Entra sends these and expects success.
    let after = patch_group(json!([{"op": "remove",
        "path": "members[value eq \"00000000-0000-0000-0000-000000000000\"]"}]));
    assert_eq!(after, group());
    let mut empty = group();
    empty.as_object_mut().unwrap().remove("members");
    let r = request(json!([{"op": "remove", "path": "members[value eq \"x\"]"}]));
    assert_eq!(apply(&empty, &r, &AttributeRules::group()).unwrap(), empty);
    // Only where the rules allow it.
    let strict = AttributeRules::new(schema::GROUP).multi_valued("members");
    assert_eq!(kind(&apply(&group(), &r, &strict).unwrap_err()), NO_TARGET);
}

#[test]
fn read_only_attributes_cannot_change() {
    for ops in [
        json!([{"op": "replace", "path": "id", "value": "other"}]),
        json!([{"op": "remove", "path": "id"}]),
        json!([{"op": "replace", "value": {"id": "other"}}]),
        json!([{"op": "replace", "path": "meta.version", "value": "W/\"1\""}]),
        json!([{"op": "remove", "path": "meta"}]),
        json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
        json!([{"op": "replace", "path": "schemas", "value": [schema::USER]}]),
        json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:id", "value": "x"}]),
    ] {
        let e = user_err(ops.clone());
        assert_eq!(kind(&e), MUTABILITY, "{ops}: {}", e.detail);
    }
    // Echoing a read-only attribute unchanged (clients send the resource back) is no change.
    let after = patch_user(json!([{"op": "replace", "value": {
        "id": "2819c223-7f76-453a-919d-413861904646",
        "schemas": ["anything"],
        "displayName": "x"
    }}]));
    assert_eq!(after["displayName"], "x");
    assert_eq!(
        after["schemas"],
        user()["schemas"],
        "schemas is the server's"
    );
    let e = apply(
        &group(),
        &request(json!([{"op": "replace", "path": "ID", "value": "x"}])),
        &AttributeRules::group(),
    )
    .unwrap_err();
    assert_eq!(kind(&e), MUTABILITY);
    assert!(e.detail.contains("id is read-only"), "{}", e.detail);
}

#[test]
fn unresolvable_paths_are_invalid_path() {
    for (ops, fragment) in [
        (
            json!([{"op": "replace", "path": "urn:example:unknown:1.0:User:x", "value": "y"}]),
            "not a schema of this resource",
        ),
        (
            json!([{"op": "replace", "path": "displayName[value eq \"x\"]", "value": "y"}]),
            "not multi-valued",
        ),
        (
            json!([{"op": "replace", "path": "emails.value", "value": "y"}]),
            "select its values with a filter",
        ),
        (
            json!([{"op": "replace", "path": "userName.first", "value": "y"}]),
            "not a complex attribute",
        ),
        (
            json!([{"op": "replace", "value": {"emails[type eq": "y"}}]),
            "member \"emails[type eq\"",
        ),
        (
            json!([{"op": "add", "path": format!("{ENT}[value eq \"x\"]"), "value": "y"}]),
            "extension schema",
        ),
    ] {
        let e = user_err(ops.clone());
        assert_eq!(kind(&e), PATH, "{ops}: {}", e.detail);
        assert!(e.detail.contains(fragment), "{ops}: {}", e.detail);
    }
    let e = user_err(json!([{"op": "add", "path": ENT, "value": "flat"}]));
    assert_eq!(kind(&e), VALUE);
}

#[test]
fn all_or_nothing_and_the_error_names_the_operation() {
    let before = user();
    let r = request(json!([
        {"op": "replace", "path": "displayName", "value": "changed"},
        {"op": "add", "path": "emails", "value": [{"value": "n@example.com"}]},
        {"op": "remove", "path": "emails[type eq \"nope\"]"},
        {"op": "replace", "path": "title", "value": "never applied"}
    ]));
    let e = apply(&before, &r, &AttributeRules::user()).unwrap_err();
    assert_eq!(kind(&e), NO_TARGET);
    assert!(
        e.detail
            .starts_with("Operations[2] (remove emails[type eq \"nope\"]): no value of emails"),
        "{}",
        e.detail
    );
    assert_eq!(before, user(), "the input is untouched");
    // The same request without the failing operation applies everything, in order.
    let mut ops = r.operations.clone();
    ops.remove(2);
    let after = apply(
        &before,
        &PatchRequest { operations: ops },
        &AttributeRules::user(),
    )
    .unwrap();
    assert_eq!(after["displayName"], "changed");
    assert_eq!(after["title"], "never applied");
    assert_eq!(after["emails"].as_array().unwrap().len(), 3);
}

#[test]
fn operations_apply_in_order() {
    let after = patch_user(json!([
        {"op": "add", "path": "title", "value": "a"},
        {"op": "replace", "path": "title", "value": "b"},
        {"op": "remove", "path": "nickName"},
        {"op": "add", "path": "nickName", "value": "n"}
    ]));
    assert_eq!(
        (&after["title"], &after["nickName"]),
        (&json!("b"), &json!("n"))
    );
    let after = patch_user(json!([
        {"op": "add", "path": "nickName", "value": "n"},
        {"op": "remove", "path": "nickName"}
    ]));
    assert!(after.get("nickName").is_none());
}

#[test]
fn a_patched_user_still_parses_as_a_user() {
    let after = patch_user(json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": format!("{ENT}:manager"), "value": "m-1"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@example.com"},
        {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}
    ]));
    let u = User::from_request_body(after.to_string().as_bytes()).unwrap();
    assert_eq!(u.active, Some(false));
    assert_eq!(
        u.enterprise.unwrap().manager.unwrap().value.as_deref(),
        Some("m-1")
    );
    assert_eq!(
        crate::resource::by_type(&u.emails, "work")
            .unwrap()
            .value
            .as_deref(),
        Some("w@example.com")
    );
    assert_eq!(u.phone_numbers[0].value.as_deref(), Some("+1 555 0100"));
}

#[test]
fn the_resource_must_be_an_object() {
    let r = request(json!([{"op": "remove", "path": "title"}]));
    let e = apply(&json!([1]), &r, &AttributeRules::user()).unwrap_err();
    assert_eq!(e.status, 500);
}

// ---- changed_attributes ----

#[test]
fn changed_attributes_names_top_level_and_extension_attributes() {
    let before = user();
    let after = patch_user(json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "path": "name.givenName", "value": "Babs"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@example.com"},
        {"op": "Replace", "path": format!("{ENT}:department"), "value": "Parks"},
        {"op": "Add", "path": format!("{ENT}:costCenter"), "value": "4130"},
        {"op": "Remove", "path": format!("{ENT}:employeeNumber")},
        {"op": "Add", "path": "nickName", "value": "Babs"},
        {"op": "Remove", "path": "displayName"},
        {"op": "Replace", "path": "userName", "value": "bjensen@example.com"}
    ]));
    let mut changed = changed_attributes(&before, &after);
    changed.sort();
    assert_eq!(
        changed,
        [
            "active",
            "displayName",
            "emails",
            "name",
            "nickName",
            &format!("{ENT}:costCenter"),
            &format!("{ENT}:department"),
            &format!("{ENT}:employeeNumber"),
        ]
    );
    assert!(changed_attributes(&before, &before).is_empty());
}

#[test]
fn changed_attributes_treats_null_empty_and_absent_alike_and_ignores_name_case() {
    let a = json!({"title": null, "roles": [], "nickName": "x", ENT: {"division": null}});
    let b = json!({"NICKNAME": "x"});
    assert!(
        changed_attributes(&a, &b).is_empty(),
        "{:?}",
        changed_attributes(&a, &b)
    );
    let c = json!({"nickName": "y", "urn:example:x:1.0:User": {"badge": "1"}});
    assert_eq!(
        changed_attributes(&b, &c),
        ["nickName", "urn:example:x:1.0:User:badge"]
    );
    // A whole extension removed names each of its attributes.
    let d = json!({"nickName": "y"});
    assert_eq!(changed_attributes(&c, &d), ["urn:example:x:1.0:User:badge"]);
}

// ---- the rules ----

#[test]
fn user_rules_know_every_attribute_the_user_type_writes() {
    // Every member User serialises, so that attributes created by PATCH are spelled as the
    // typed resource reads them.
    let full = User::from_request_body(
        json!({
            "userName": "u", "id": "i", "externalId": "e", "displayName": "d", "nickName": "n",
            "profileUrl": "p", "title": "t", "userType": "ut", "preferredLanguage": "pl",
            "locale": "l", "timezone": "tz", "active": true,
            "name": {"formatted": "f", "familyName": "f", "givenName": "g", "middleName": "m",
                     "honorificPrefix": "h", "honorificSuffix": "h"},
            "emails": [{"value": "v", "display": "d", "type": "t", "primary": true}],
            "phoneNumbers": [{"value": "v"}], "ims": [{"value": "v"}], "photos": [{"value": "v"}],
            "addresses": [{"formatted": "f", "streetAddress": "s", "locality": "l", "region": "r",
                           "postalCode": "p", "country": "c", "type": "t", "primary": true}],
            "groups": [{"value": "v", "display": "d", "$ref": "r", "type": "t"}],
            "entitlements": [{"value": "v"}], "roles": [{"value": "v"}],
            "x509Certificates": [{"value": "v"}],
            ENT: {"employeeNumber": "1", "costCenter": "c", "organization": "o", "division": "d",
                  "department": "d", "manager": {"value": "v", "$ref": "r", "displayName": "d"}},
            "meta": {"resourceType": "User", "created": "c", "lastModified": "l",
                     "location": "l", "version": "v"}
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
    .to_json();
    let rules = AttributeRules::user();
    let mut checked = 0;
    for (key, value) in full.as_object().unwrap() {
        let prefix = if key == ENT {
            format!("{ENT}:")
        } else {
            assert_eq!(rules.canonical(key), Some(key.as_str()), "{key}");
            format!("{key}.")
        };
        let members = match value {
            Value::Array(items) => items[0].as_object(),
            v => v.as_object(),
        };
        for (sub, v) in members.into_iter().flatten() {
            let q = format!("{prefix}{sub}");
            assert_eq!(rules.canonical(&q), Some(q.as_str()), "{q}");
            checked += 1;
            if let Some(inner) = v.as_object() {
                for leaf in inner.keys() {
                    let q = format!("{q}.{leaf}");
                    assert_eq!(rules.canonical(&q), Some(q.as_str()), "{q}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 40, "{checked}");
    assert!(rules.is_multi_valued("EMAILS") && rules.is_multi_valued("groups"));
    assert!(!rules.is_multi_valued("name"));
    assert!(rules.is_read_only("id") && rules.is_read_only("meta") && rules.is_read_only("groups"));
    assert!(!rules.is_read_only("userName"));
    assert!(rules.is_case_exact("id") && rules.is_case_exact("externalId"));
    assert!(!rules.is_case_exact("userName") && !rules.is_case_exact("emails.value"));
    assert!(rules.is_boolean("active") && rules.is_boolean("emails.primary"));
    assert_eq!(rules.extensions(), [ENT, schema::AZURE_ON_PREM_DATA_USER, schema::B2C_USER_PROFILE]);
    assert_eq!(rules.core_schema(), schema::USER);
    let g = AttributeRules::group();
    assert!(g.is_multi_valued("members") && g.tolerates_absent_remove("members"));
    assert!(!rules.tolerates_absent_remove("emails"));
    assert_eq!(g.core_schema(), schema::GROUP);
}

#[test]
fn declared_extensions_resolve_paths_even_when_absent() {
    // The connector's own extensions are declared by `user()`, identities as multi-valued.
    let b2c = schema::B2C_USER_PROFILE;
    let r = request(json!([{"op": "add", "path": format!("{b2c}:identities"),
        "value": [{"signInType": "userName", "issuerAssignedId": "babs"}]}]));
    let after = apply(&user(), &r, &AttributeRules::user()).unwrap();
    assert_eq!(after[b2c]["identities"][0]["issuerAssignedId"], "babs");
    assert!(after["schemas"].as_array().unwrap().contains(&json!(b2c)));

    // An extension nobody declared, which the user does not have, is not a known path.
    let acme = "urn:example:params:scim:schemas:extension:acme:2.0:User";
    let r = request(json!([{"op": "add", "path": format!("{acme}:costCode"), "value": "X-1"}]));
    let e = apply(&user(), &r, &AttributeRules::user()).unwrap_err();
    assert_eq!(kind(&e), PATH, "undeclared and absent: {}", e.detail);
    let after = apply(&user(), &r, &AttributeRules::user().extension(acme)).unwrap();
    assert_eq!(after[acme]["costCode"], "X-1");
}

// ---- never panics ----

/// A small deterministic generator, as in the filter tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

const PATHS: &[&str] = &[
    "userName",
    "USERNAME",
    "name",
    "name.givenName",
    "name.nope",
    "emails",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[type eq \"work\" and primary eq true].display",
    "emails[value co \"@\"].primary",
    "emails.value",
    "addresses[type eq \"home\"].locality",
    "phoneNumbers",
    "members",
    "members[value eq \"x\"]",
    "groups",
    "id",
    "meta.version",
    "schemas",
    "active",
    "displayName[value pr]",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department",
    "urn:ietf:params:scim:schemas:core:2.0:User:nickName",
    "urn:x:y:1.0:User:z",
];

fn random_value(rng: &mut Lcg, depth: u32) -> Value {
    match rng.next() % if depth == 0 { 6 } else { 9 } {
        0 => Value::Null,
        1 => json!(rng.pick(&["True", "false", "work", "", "x@example.com"])),
        2 => json!(rng.next().is_multiple_of(3)),
        3 => json!(rng.next() % 100),
        4 => json!(rng.pick(&["home", "WORK", "\u{0}", "é😀"])),
        5 => json!({}),
        6 => Value::Array(
            (0..rng.next() % 3)
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "value",
                "type",
                "primary",
                "display",
                "$ref",
                "givenName",
                "active",
                "emails",
                "name.givenName",
                "emails[type eq \"work\"].value",
                "id",
                "schemas",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "urn:x:1.0:Ext",
                "bad[",
                "a.b.c",
            ];
            let mut m = Map::new();
            for _ in 0..rng.next() % 4 {
                m.insert(rng.pick(&keys).to_string(), random_value(rng, depth - 1));
            }
            Value::Object(m)
        }
    }
}

fn random_operations(rng: &mut Lcg) -> Value {
    let ops = ["add", "Replace", "REMOVE", "remove", "move"];
    (0..1 + rng.next() % 4)
        .map(|_| {
            let mut op = Map::new();
            op.insert("op".into(), json!(rng.pick(&ops)));
            if !rng.next().is_multiple_of(5) {
                op.insert("path".into(), json!(rng.pick(PATHS)));
            }
            if !rng.next().is_multiple_of(4) {
                op.insert("value".into(), random_value(rng, 3));
            }
            Value::Object(op)
        })
        .collect::<Vec<_>>()
        .into()
}

#[test]
fn random_requests_never_panic_and_fail_cleanly() {
    let mut rng = Lcg(0x5eed_f00d);
    let (mut applied, mut refused) = (0, 0);
    for round in 0..20_000 {
        let (resource, rules) = if round % 3 == 0 {
            (group(), AttributeRules::group())
        } else {
            (user(), AttributeRules::user())
        };
        let text = body(random_operations(&mut rng));
        let request = match PatchRequest::from_body(&text) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(e.status, 400, "{e}");
                assert!(e.scim_type.is_some(), "{e}");
                continue;
            }
        };
        match apply(&resource, &request, &rules) {
            Ok(after) => {
                applied += 1;
                assert!(after.is_object());
                assert_eq!(after["id"], resource["id"], "read-only id changed");
                assert_eq!(after["meta"], resource["meta"], "read-only meta changed");
                // Every attribute reported as changed exists in one of the two versions.
                for name in changed_attributes(&resource, &after) {
                    let top = name.rsplit_once(':').map_or(name.as_str(), |(urn, _)| urn);
                    assert!(
                        after.get(top).is_some() || resource.get(top).is_some(),
                        "{name}"
                    );
                }
            }
            Err(e) => {
                refused += 1;
                assert_eq!(e.status, 400, "{e}");
                assert!(
                    matches!(
                        e.scim_type,
                        Some(
                            ScimType::InvalidPath
                                | ScimType::InvalidValue
                                | ScimType::NoTarget
                                | ScimType::Mutability
                        )
                    ),
                    "{e}"
                );
                assert!(e.detail.starts_with("Operations["), "{e}");
            }
        }
    }
    assert!(
        applied > 1000 && refused > 1000,
        "applied {applied}, refused {refused}"
    );
}

#[test]
fn garbled_bodies_and_paths_never_panic() {
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\"op\"",
        "\"path\"",
        "\"value\"",
        "\"Operations\"",
        "\"add\"",
        "\"remove\"",
        "null",
        "true",
        "1e999",
        "\\",
        "\\u",
        "emails[",
        "].value",
        " eq ",
        "\"work\"",
        "urn:",
        ".",
        "é",
        "😀",
        "\u{0}",
    ];
    let mut rng = Lcg(7);
    let mut parsed = 0;
    let seed = String::from_utf8(body(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x"},
        {"op": "remove", "path": "members[value eq \"a\"]"},
        {"op": "add", "value": {"name.givenName": "g"}}
    ])))
    .unwrap();
    for _ in 0..20_000 {
        let mut chars: Vec<char> = seed.chars().collect();
        for _ in 0..1 + rng.next() % 4 {
            let at = rng.next() as usize % (chars.len() + 1);
            if rng.next().is_multiple_of(2) {
                let piece: Vec<char> = rng.pick(&pieces).chars().collect();
                chars.splice(at..at, piece);
            } else if at < chars.len() {
                chars.remove(at);
            }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(r) = PatchRequest::from_body(text.as_bytes()) {
            parsed += 1;
            let _ = apply(&user(), &r, &AttributeRules::user());
            let _ = apply(&group(), &r, &AttributeRules::group());
        }
        // The same text as a path.
        let _ = PatchPath::parse(&text);
    }
    assert!(parsed > 100, "{parsed}");
    for _ in 0..20_000 {
        let len = rng.next() % 40;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if let Err(e) = PatchRequest::from_body(&bytes) {
            assert_eq!(kind(&e), SYNTAX, "{bytes:?}");
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(p) = PatchPath::parse(&text) {
            assert_eq!(
                PatchPath::parse(&p.to_string()).as_ref(),
                Ok(&p),
                "{text:?}"
            );
        }
        let path = format!("{}{text}", rng.pick(PATHS));
        if let Ok(p) = PatchPath::parse(&path) {
            assert_eq!(
                PatchPath::parse(&p.to_string()).as_ref(),
                Ok(&p),
                "{path:?}"
            );
        }
    }
}

#[test]
fn bare_names_of_group_extension_attributes_patch_the_extension() {
    let ext = schema::AZURE_AD_GROUP;
    let patched = patch_group(json!([
        {"op": "add", "path": "ownersToAdd", "value": [{"value": "a1"}]},
        {"op": "replace", "path": "description", "value": "Guides"},
        {"op": "add", "path": "owners", "value": [{"value": "o1"}, {"value": "o2"}]},
        {"op": "remove", "path": "owners[value eq \"o1\"]"},
        {"op": "remove", "path": "owners[value eq \"not-an-owner\"]"},
        {"op": "replace", "path": "securityEnabled", "value": "False"}
    ]));
    assert_eq!(
        patched[ext],
        json!({
            "ownersToAdd": [{"value": "a1"}],
            "description": "Guides",
            "owners": [{"value": "o2"}],
            "securityEnabled": false
        }),
        "{patched:#}"
    );
    assert!(patched.get("owners").is_none() && patched.get("description").is_none());
    // The core `displayName` is not taken for an extension's.
    let renamed = patch_group(json!([{"op": "replace", "path": "displayName", "value": "New"}]));
    assert_eq!(renamed["displayName"], "New");
}

#[test]
fn the_automatic_replies_are_read_only_and_a_bare_manager_is_the_enterprise_one() {
    for ops in [
        json!([{"op": "add", "path": "status", "value": "disabled"}]),
        json!([{"op": "replace", "value": {"externalReplyMessage": "gone"}}]),
        json!([{"op": "replace", "path": "scheduledEndDateTime", "value": "2026-07-15T07:00:00Z"}]),
    ] {
        let e = user_err(ops.clone());
        assert_eq!(kind(&e), MUTABILITY, "{ops}: {}", e.detail);
    }
    // The connector's top-level `manager` only mirrors the enterprise one; a bare `manager`
    // sets the enterprise manager, as clients that send extension names bare mean it.
    for ops in [
        json!([{"op": "replace", "path": "manager", "value": "m-2"}]),
        json!([{"op": "replace", "value": {"manager": "m-2"}}]),
    ] {
        let after = patch_user(ops.clone());
        assert_eq!(after[ENT]["manager"], json!({"value": "m-2"}), "{ops}");
        assert!(after.get("manager").is_none(), "{ops}");
    }
}
