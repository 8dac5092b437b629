//! The parsers callers reach with their own text (filters, PATCH bodies and paths, list query
//! strings) answer any input with a value or a SCIM 400, never a panic; a filter that parses
//! prints in a canonical form that parses back to the same filter.

use proptest::prelude::*;
use scim::patch::{self, AttributeRules};
use scim::{ListQuery, PatchPath, PatchRequest, filter};
use serde_json::json;

/// Text made of filter and PATCH grammar pieces, so generated inputs reach deep into the
/// parsers rather than failing at the first character.
fn grammar_soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "userName", "emails", "emails.value", "name.givenName", "members", "value", "type",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName", "meta.lastModified", "$ref",
        " eq ", " ne ", " co ", " sw ", " ew ", " gt ", " ge ", " lt ", " le ", " pr", " and ", " or ", "not ",
        "(", ")", "[", "]", ".", ":", " ", "\"x\"", "\"a\\\"b\"", "\"\\u00e9\"", "\"", "true", "false", "null",
        "12", "-3.5e2", "2025-01-01T00:00:00Z", "\\", "é", "\u{0}",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|pieces| pieces.concat())
}

fn sample_user() -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen@example.com",
        "name": { "givenName": "Barbara", "familyName": "Jensen" },
        "emails": [{ "value": "bjensen@example.com", "type": "work", "primary": true }],
        "active": true,
        "meta": { "resourceType": "User" }
    })
}

fn operation() -> impl Strategy<Value = serde_json::Value> {
    let op = prop::sample::select(vec!["add", "Replace", "remove", "REMOVE", "copy", ""]);
    let path = prop_oneof![grammar_soup().prop_map(Some), Just(None)];
    let value = prop::sample::select(vec![
        json!("x"), json!("False"), json!(true), json!(7), json!(null), json!([]),
        json!([{ "value": "m1" }, { "value": "m2" }]), json!({ "name.givenName": "B", "active": "True" }),
        json!({ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "D" } }),
        json!({ "emails[type eq \"work\"].value": "w@example.com" }), json!({ "value": "id" }),
    ]);
    (op, path, prop::option::of(value)).prop_map(|(op, path, value)| {
        let mut operation = json!({ "op": op });
        if let Some(path) = path {
            operation["path"] = json!(path);
        }
        if let Some(value) = value {
            operation["value"] = value;
        }
        operation
    })
}

fn is_client_error(status: u16) -> bool {
    (400..500).contains(&status)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn any_filter_text_parses_or_is_a_400(text in prop_oneof![any::<String>(), grammar_soup()]) {
        match filter::parse(&text) {
            Ok(parsed) => {
                let canonical = parsed.to_string();
                let reparsed = filter::parse(&canonical);
                prop_assert_eq!(reparsed.as_ref().ok(), Some(&parsed), "{} printed as {}", text, canonical);
            }
            Err(error) => prop_assert!(is_client_error(error.status), "{:?}", error),
        }
    }

    #[test]
    fn any_patch_path_parses_or_is_a_400(text in prop_oneof![any::<String>(), grammar_soup()]) {
        if let Err(error) = PatchPath::parse(&text) {
            prop_assert!(is_client_error(error.status), "{:?}", error);
        }
    }

    #[test]
    fn any_patch_body_parses_or_is_a_400(body in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Err(error) = PatchRequest::from_body(&body) {
            prop_assert!(is_client_error(error.status), "{:?}", error);
        }
    }

    #[test]
    fn any_patch_applies_or_is_a_400(operations in prop::collection::vec(operation(), 0..5)) {
        let body = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations });
        let applied = PatchRequest::from_body(body.to_string().as_bytes())
            .and_then(|request| patch::apply(&sample_user(), &request, &AttributeRules::user()));
        match applied {
            Ok(user) => prop_assert_eq!(&user["id"], &sample_user()["id"], "the id never changes"),
            Err(error) => prop_assert!(is_client_error(error.status), "{:?}", error),
        }
    }

    #[test]
    fn any_query_string_parses_or_is_a_400(text in prop_oneof![any::<String>(), grammar_soup().prop_map(|f| format!("filter={f}&count=-1&startIndex=x"))]) {
        if let Err(error) = ListQuery::from_query_string(&text) {
            prop_assert!(is_client_error(error.status), "{:?}", error);
        }
    }
}
