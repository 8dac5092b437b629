use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::*;
use crate::resource::{Address, EnterpriseUser, Manager, MemberRef, Meta, MultiValue, Name};
use crate::{Group, User};

const BASE: &str = "https://connector.example/scim/v2";

// ---- Helpers ----

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(items: &[&'a str]) -> BTreeSet<&'a str> {
    items.iter().copied().collect()
}

fn schema_doc(id: &str) -> Value {
    schema(id, BASE).unwrap_or_else(|| panic!("/Schemas has no {id}"))
}

/// The definition at `path` ("emails.type") in the schema `id`; names ignore case.
fn definition(id: &str, path: &str) -> Value {
    let doc = schema_doc(id);
    let mut attrs = doc["attributes"].as_array().unwrap().clone();
    let mut found = Value::Null;
    for part in path.split('.') {
        found = attrs
            .iter()
            .find(|a| a["name"].as_str().unwrap().eq_ignore_ascii_case(part))
            .unwrap_or_else(|| panic!("{id} does not define {path}"))
            .clone();
        attrs = found["subAttributes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
    }
    found
}

/// The §3.1 common attributes (and `schemas`): defined by the RFC for every resource rather
/// than by a schema, so not listed in one.
const COMMON: &[&str] = &["schemas", "id", "externalId", "meta"];

/// Walks a serialised resource against `/Schemas`: every member must be defined, single values
/// must not be arrays and multi-valued ones must be, each value must have its defined type.
/// Returns the problems found and the paths (lowercased, `urn:...:attr.sub`) it visited.
fn check_resource(resource: &Value, core: &str) -> (Vec<String>, BTreeSet<String>) {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let core_attrs = schema_doc(core)["attributes"].clone();
    for (key, value) in resource.as_object().expect("a resource is an object") {
        if COMMON.contains(&key.as_str()) {
            continue;
        }
        if key.to_ascii_lowercase().starts_with("urn:") {
            let Some(doc) = schema(key, BASE) else {
                problems.push(format!("{key}: no such schema in /Schemas"));
                continue;
            };
            let Some(members) = value.as_object() else {
                problems.push(format!("{key}: an extension must be an object"));
                continue;
            };
            let prefix = format!("{key}:");
            for (name, member) in members {
                check_member(
                    name,
                    member,
                    &doc["attributes"],
                    &prefix,
                    &mut problems,
                    &mut seen,
                );
            }
        } else {
            check_member(key, value, &core_attrs, "", &mut problems, &mut seen);
        }
    }
    (problems, seen)
}

fn check_member(
    name: &str,
    value: &Value,
    attrs: &Value,
    prefix: &str,
    problems: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) {
    let path = format!("{prefix}{name}");
    let Some(def) = attrs.as_array().into_iter().flatten().find(|a| {
        a["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }) else {
        problems.push(format!("{path}: not defined in /Schemas"));
        return;
    };
    seen.insert(path.to_ascii_lowercase());
    match (def["multiValued"].as_bool(), value) {
        (Some(true), Value::Array(items)) => {
            for item in items {
                check_value(item, def, &path, problems, seen);
            }
        }
        (Some(true), _) => problems.push(format!("{path}: multiValued but not an array")),
        (Some(false), Value::Array(_)) => {
            problems.push(format!("{path}: single-valued but an array"))
        }
        (Some(false), _) => check_value(value, def, &path, problems, seen),
        (None, _) => problems.push(format!("{path}: definition lacks multiValued")),
    }
}

fn check_value(
    value: &Value,
    def: &Value,
    path: &str,
    problems: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) {
    let ty = def["type"].as_str().unwrap_or("?");
    let fits = match ty {
        "string" | "reference" | "binary" => value.is_string(),
        "dateTime" => value.as_str().is_some_and(looks_like_date_time),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "decimal" => value.is_number(),
        "complex" => match value.as_object() {
            Some(members) => {
                for (name, member) in members {
                    let prefix = format!("{path}.");
                    check_member(name, member, &def["subAttributes"], &prefix, problems, seen);
                }
                true
            }
            None => false,
        },
        _ => false,
    };
    if !fits {
        problems.push(format!("{path}: {value} is not of type {ty}"));
    }
}

/// xsd:dateTime as SCIM uses it (RFC 7643 §2.3.5): `2024-01-15T00:00:00Z`, offsets allowed.
fn looks_like_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && (s.ends_with('Z') || s[19..].contains(['+', '-']))
}

/// Every attribute path `/Schemas` defines for a resource whose core schema is `core`, with the
/// extensions its resource type lists, as `check_resource` names them.
fn defined_paths(resource_type_id: &str, only_returned: bool) -> BTreeSet<String> {
    let rt = resource_type(resource_type_id, BASE).unwrap();
    let mut out = BTreeSet::new();
    let core = rt["schema"].as_str().unwrap();
    collect_paths(&schema_doc(core)["attributes"], "", only_returned, &mut out);
    for ext in rt["schemaExtensions"].as_array().unwrap() {
        let urn = ext["schema"].as_str().unwrap();
        let prefix = format!("{urn}:");
        collect_paths(
            &schema_doc(urn)["attributes"],
            &prefix,
            only_returned,
            &mut out,
        );
    }
    out
}

fn collect_paths(attrs: &Value, prefix: &str, only_returned: bool, out: &mut BTreeSet<String>) {
    for a in attrs.as_array().unwrap() {
        if only_returned && a["returned"] == "never" {
            continue;
        }
        let path = format!("{prefix}{}", a["name"].as_str().unwrap());
        if let Some(subs) = a.get("subAttributes") {
            collect_paths(subs, &format!("{path}."), only_returned, out);
        }
        out.insert(path.to_ascii_lowercase());
    }
}

fn mv(value: &str, ty: &str, primary: bool) -> MultiValue {
    MultiValue {
        value: Some(value.into()),
        display: Some(format!("display of {value}")),
        r#type: Some(ty.into()),
        primary: Some(primary),
    }
}

/// A User with every field set, and the extensions the SCIM-Graph bridge emits
/// (`scim_graph::user::user_to_scim`, and the automatic replies when asked for): its top-level
/// additions, the azureOnPremData and B2C UserProfile objects. The struct literal names every field, with no `..Default`, so
/// a field added to `User` stops this test from compiling until it is filled in here.
fn full_user() -> User {
    let mut on_prem = Map::new();
    for n in 1..=15 {
        on_prem.insert(format!("extensionAttribute{n}"), json!(format!("ext {n}")));
    }
    let extensions = json!({
        "city": "Redmond",
        "state": "WA",
        "country": "US",
        "companyName": "Contoso",
        "employeeType": "Employee",
        "usageLocation": "US",
        "startDateTime": "2024-01-15T00:00:00Z",
        "endDateTime": "2029-06-30T17:00:00Z",
        "manager": "26118915-6090-4610-87e4-49d8ca9f808d",
        "employeeOrgData": {"division": "Theme Park", "costCenter": "4130"},
        "status": "scheduled",
        "externalAudience": "contactsOnly",
        "scheduledStartDateTime": "2026-07-01T07:00:00Z",
        "scheduledEndDateTime": "2026-07-15T07:00:00Z",
        "internalReplyMessage": "<p>Back on 15 July</p>",
        "externalReplyMessage": "<p>Away until 15 July</p>",
        AZURE_ON_PREM_DATA_USER: {"onPremisesExtensionAttributes": on_prem},
        B2C_USER_PROFILE: {"identities": [
            {"signInType": "userName", "issuer": "contoso.onmicrosoft.com", "issuerAssignedId": "bjensen"},
            {"signInType": "federated", "issuer": "facebook.com", "issuerAssignedId": "5eecb0cd"}
        ]},
    });
    let mut user = User {
        schemas: vec![],
        id: Some("2819c223-7f76-453a-919d-413861904646".into()),
        external_id: Some("bjensen".into()),
        user_name: Some("bjensen@contoso.com".into()),
        name: Some(Name {
            formatted: Some("Ms. Barbara J Jensen, III".into()),
            family_name: Some("Jensen".into()),
            given_name: Some("Barbara".into()),
            middle_name: Some("Jane".into()),
            honorific_prefix: Some("Ms.".into()),
            honorific_suffix: Some("III".into()),
        }),
        display_name: Some("Babs Jensen".into()),
        nick_name: Some("Babs".into()),
        profile_url: Some("https://login.example.com/bjensen".into()),
        title: Some("Tour Guide".into()),
        user_type: Some("Member".into()),
        preferred_language: Some("en-US".into()),
        locale: Some("en-US".into()),
        timezone: Some("America/Los_Angeles".into()),
        active: Some(true),
        password: Some("t1meMa$heen".into()),
        emails: vec![mv("bjensen@contoso.com", "work", true)],
        phone_numbers: vec![mv("+1 555 0100", "work", true)],
        ims: vec![mv("bjensen", "skype", true)],
        photos: vec![mv("https://photos.example.com/bjensen.jpg", "photo", true)],
        addresses: vec![Address {
            formatted: Some("100 Universal City Plaza, Hollywood, CA 91608, US".into()),
            street_address: Some("100 Universal City Plaza".into()),
            locality: Some("Hollywood".into()),
            region: Some("CA".into()),
            postal_code: Some("91608".into()),
            country: Some("US".into()),
            r#type: Some("work".into()),
            primary: Some(true),
        }],
        groups: vec![MemberRef {
            value: Some("e9e30dba-f08f-4109-8486-d5c6a331660a".into()),
            display: Some("Tour Guides".into()),
            r#ref: Some(format!(
                "{BASE}/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"
            )),
            r#type: Some("direct".into()),
        }],
        entitlements: vec![mv("Premium", "license", true)],
        roles: vec![mv("Tour Guide", "job", true)],
        x509_certificates: vec![mv("MIIDQzCCAqygAwIBAgICEAAw", "signing", true)],
        enterprise: Some(EnterpriseUser {
            employee_number: Some("701984".into()),
            cost_center: Some("4130".into()),
            organization: Some("Universal Studios".into()),
            division: Some("Theme Park".into()),
            department: Some("Tour Operations".into()),
            manager: Some(Manager {
                value: Some("26118915-6090-4610-87e4-49d8ca9f808d".into()),
                r#ref: Some(format!("{BASE}/Users/26118915-6090-4610-87e4-49d8ca9f808d")),
                display_name: Some("John Smith".into()),
            }),
        }),
        meta: Some(full_meta("User")),
        extensions: extensions.as_object().unwrap().clone(),
    };
    user.fill_schemas();
    user
}

fn full_meta(resource_type: &str) -> Meta {
    Meta {
        resource_type: Some(resource_type.into()),
        created: Some("2010-01-23T04:56:22Z".into()),
        last_modified: Some("2011-05-13T04:42:34Z".into()),
        location: Some(format!("{BASE}/{resource_type}s/1")),
        version: Some("W/\"3694e05e9dff591\"".into()),
    }
}

/// A Group with every field set and the azureAdGroup extension; exhaustive like `full_user`.
fn full_group() -> Group {
    let member = |id: &str, ty: &str| MemberRef {
        value: Some(id.into()),
        display: Some(format!("display of {id}")),
        r#ref: Some(format!("{BASE}/{ty}s/{id}")),
        r#type: Some(ty.into()),
    };
    let extensions = json!({
        AZURE_AD_GROUP: {
            "securityEnabled": true,
            "mailEnabled": false,
            "groupTypes": ["Unified", "DynamicMembership"],
            "mailNickname": "tourguides",
            "description": "Everyone who guides tours",
            "owners": [{
                "value": "2819c223",
                "$ref": format!("{BASE}/Users/2819c223"),
                "display": "display of 2819c223",
                "type": "User",
            }],
        }
    });
    let mut group = Group {
        schemas: vec![],
        id: Some("e9e30dba-f08f-4109-8486-d5c6a331660a".into()),
        external_id: Some("tourguides".into()),
        display_name: Some("Tour Guides".into()),
        members: vec![member("2819c223", "User"), member("fc348aa8", "Group")],
        meta: Some(full_meta("Group")),
        extensions: extensions.as_object().unwrap().clone(),
    };
    group.fill_schemas();
    group
}

// ---- ServiceProviderConfig ----

#[test]
fn default_features_are_what_the_connector_supports() {
    assert_eq!(
        Features::default(),
        Features {
            patch: true,
            bulk: false,
            filter_max_results: 999,
            change_password: false,
            sort: true,
            etag: true,
            documentation_uri: None,
        }
    );
}

#[test]
fn service_provider_config_for_the_default_features() {
    let doc = service_provider_config(&Features::default(), &format!("{BASE}/"));
    assert_eq!(
        doc,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 999},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "pagination": {
                "cursor": true,
                "index": true,
                "defaultPaginationMethod": "index",
                "defaultPageSize": 100,
                "maxPageSize": 999
            },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with a bearer token in the Authorization header (RFC 6750)",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": "https://connector.example/scim/v2/ServiceProviderConfig"
            }
        })
    );
}

#[test]
fn service_provider_config_follows_the_features() {
    let features = Features {
        patch: false,
        bulk: true,
        filter_max_results: 50,
        change_password: true,
        sort: false,
        etag: false,
        documentation_uri: Some("https://docs.example/scim".into()),
    };
    let doc = service_provider_config(&features, BASE);
    assert_eq!(doc["patch"], json!({"supported": false}));
    assert_eq!(
        doc["bulk"],
        json!({"supported": true, "maxOperations": BULK_MAX_OPERATIONS, "maxPayloadSize": BULK_MAX_PAYLOAD_SIZE})
    );
    const { assert!(BULK_MAX_OPERATIONS > 0 && BULK_MAX_PAYLOAD_SIZE > 0) };
    assert_eq!(doc["filter"], json!({"supported": true, "maxResults": 50}));
    assert_eq!(doc["changePassword"], json!({"supported": true}));
    assert_eq!(doc["sort"], json!({"supported": false}));
    assert_eq!(doc["etag"], json!({"supported": false}));
    assert_eq!(doc["documentationUri"], "https://docs.example/scim");
}

#[test]
fn service_provider_config_has_only_the_rfc_keys() {
    // RFC 7643 §5: the attributes of the ServiceProviderConfig, plus `schemas` and `meta`, and
    // RFC 9865 §4's `pagination`.
    let allowed = set(&[
        "schemas",
        "documentationUri",
        "patch",
        "bulk",
        "filter",
        "changePassword",
        "sort",
        "etag",
        "pagination",
        "authenticationSchemes",
        "meta",
    ]);
    let with_docs = Features {
        documentation_uri: Some("https://docs.example".into()),
        ..Features::default()
    };
    for doc in [
        service_provider_config(&Features::default(), BASE),
        service_provider_config(&with_docs, BASE),
    ] {
        let present = keys(&doc);
        assert!(present.is_subset(&allowed), "{present:?}");
        // Everything but documentationUri is REQUIRED.
        let required: BTreeSet<&str> = allowed
            .iter()
            .copied()
            .filter(|k| !["documentationUri", "pagination"].contains(k))
            .collect();
        assert!(required.is_subset(&present), "{present:?}");
        for feature in ["patch", "changePassword", "sort", "etag"] {
            assert_eq!(keys(&doc[feature]), set(&["supported"]), "{feature}");
        }
        assert_eq!(
            keys(&doc["bulk"]),
            set(&["supported", "maxOperations", "maxPayloadSize"])
        );
        assert_eq!(keys(&doc["filter"]), set(&["supported", "maxResults"]));
        let schemes = doc["authenticationSchemes"].as_array().unwrap();
        assert!(!schemes.is_empty());
        for scheme in schemes {
            let k = keys(scheme);
            assert!(
                set(&["type", "name", "description"]).is_subset(&k),
                "{scheme}"
            );
            assert!(
                k.is_subset(&set(&[
                    "type",
                    "name",
                    "description",
                    "specUri",
                    "documentationUri",
                    "primary"
                ])),
                "{scheme}"
            );
        }
        assert_eq!(keys(&doc["meta"]), set(&["resourceType", "location"]));
    }
    assert!(
        service_provider_config(&Features::default(), BASE)
            .get("documentationUri")
            .is_none()
    );
}

// ---- ResourceTypes ----

#[test]
fn resource_types_are_user_and_group_with_their_extensions() {
    let types = resource_types(&format!("{BASE}/"));
    assert_eq!(
        types,
        vec![
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "User",
                "name": "User",
                "endpoint": "/Users",
                "description": "User Account",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
                "schemaExtensions": [
                    {"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false},
                    {"schema": "urn:ietf:params:scim:schemas:extension:azureOnPremData:2.0:User", "required": false},
                    {"schema": "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile", "required": false}
                ],
                "meta": {
                    "resourceType": "ResourceType",
                    "location": "https://connector.example/scim/v2/ResourceTypes/User"
                }
            }),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "Group",
                "name": "Group",
                "endpoint": "/Groups",
                "description": "Group",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
                "schemaExtensions": [
                    {"schema": "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group", "required": false}
                ],
                "meta": {
                    "resourceType": "ResourceType",
                    "location": "https://connector.example/scim/v2/ResourceTypes/Group"
                }
            }),
        ]
    );
}

#[test]
fn resource_types_have_the_rfc_shape() {
    // RFC 7643 §6: id, name, endpoint, schema REQUIRED; description, schemaExtensions optional.
    let allowed = set(&[
        "schemas",
        "id",
        "name",
        "description",
        "endpoint",
        "schema",
        "schemaExtensions",
        "meta",
    ]);
    for rt in resource_types(BASE) {
        let present = keys(&rt);
        assert!(present.is_subset(&allowed), "{present:?}");
        assert!(
            set(&["schemas", "id", "name", "endpoint", "schema", "meta"]).is_subset(&present),
            "{present:?}"
        );
        assert_eq!(rt["schemas"], json!([schema::RESOURCE_TYPE]));
        assert!(rt["endpoint"].as_str().unwrap().starts_with('/'));
        assert_eq!(rt["meta"]["resourceType"], "ResourceType");
        for ext in rt["schemaExtensions"].as_array().unwrap() {
            assert_eq!(keys(ext), set(&["schema", "required"]), "{ext}");
            assert!(ext["required"].is_boolean(), "{ext}");
        }
    }
}

#[test]
fn resource_type_lookup_ignores_case() {
    for id in ["User", "user", "USER"] {
        assert_eq!(resource_type(id, BASE).unwrap()["id"], "User", "{id}");
    }
    assert_eq!(resource_type("group", BASE).unwrap()["endpoint"], "/Groups");
    for unknown in [
        "Users",
        "Role",
        "",
        "urn:ietf:params:scim:schemas:core:2.0:User",
    ] {
        assert_eq!(resource_type(unknown, BASE), None, "{unknown}");
    }
}

#[test]
fn schemas_are_exactly_those_the_resource_types_name() {
    let named: BTreeSet<String> = resource_types(BASE)
        .iter()
        .flat_map(|rt| {
            let exts = rt["schemaExtensions"].as_array().unwrap().clone();
            std::iter::once(rt["schema"].clone())
                .chain(exts.into_iter().map(|e| e["schema"].clone()))
        })
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let served: BTreeSet<String> = schemas(BASE)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(named, served);
    assert_eq!(served.len(), 6);
}

// ---- Schemas ----

#[test]
fn schema_documents_have_the_rfc_shape() {
    let docs = schemas(&format!("{BASE}/"));
    let mut ids = BTreeSet::new();
    for doc in &docs {
        let id = doc["id"].as_str().unwrap();
        assert!(ids.insert(id.to_ascii_lowercase()), "duplicate {id}");
        assert_eq!(
            keys(doc),
            set(&["schemas", "id", "name", "description", "attributes", "meta"]),
            "{id}"
        );
        assert_eq!(doc["schemas"], json!([schema::SCHEMA]), "{id}");
        assert!(id.starts_with("urn:"), "{id}");
        assert!(!doc["name"].as_str().unwrap().is_empty(), "{id}");
        assert!(!doc["description"].as_str().unwrap().is_empty(), "{id}");
        assert!(!doc["attributes"].as_array().unwrap().is_empty(), "{id}");
        assert_eq!(
            doc["meta"],
            json!({"resourceType": "Schema", "location": format!("{BASE}/Schemas/{id}")}),
            "{id}"
        );
    }
}

/// RFC 7643 §7 and §2: the characteristics of one attribute definition, recursively.
fn check_definition(a: &Value, path: &str, depth: usize, problems: &mut Vec<String>) {
    let mut problem = |p: String| problems.push(format!("{path}: {p}"));
    let present = keys(a);
    let always = set(&[
        "name",
        "type",
        "multiValued",
        "description",
        "required",
        "caseExact",
        "mutability",
        "returned",
        "uniqueness",
    ]);
    let optional = set(&["subAttributes", "canonicalValues", "referenceTypes"]);
    if !always.is_subset(&present) {
        problem(format!("missing {:?}", always.difference(&present)));
    }
    let extra: Vec<_> = present
        .iter()
        .filter(|k| !always.contains(*k) && !optional.contains(*k))
        .collect();
    if !extra.is_empty() {
        problem(format!("keys beyond RFC 7643 §7: {extra:?}"));
    }
    let name = a["name"].as_str().unwrap_or_default();
    // ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; "$ref" is the
    // RFC's own exception (§2.1, §2.4).
    let well_named = name == "$ref"
        || (name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    if !well_named {
        problem(format!("{name:?} is not an ATTRNAME"));
    }
    let ty = a["type"].as_str().unwrap_or_default();
    let types = [
        "string",
        "boolean",
        "decimal",
        "integer",
        "dateTime",
        "reference",
        "binary",
        "complex",
    ];
    if !types.contains(&ty) {
        problem(format!("type {ty:?}"));
    }
    for (key, allowed) in [
        (
            "mutability",
            &["readOnly", "readWrite", "immutable", "writeOnly"][..],
        ),
        ("returned", &["always", "never", "default", "request"][..]),
        ("uniqueness", &["none", "server", "global"][..]),
    ] {
        if !a[key].as_str().is_some_and(|v| allowed.contains(&v)) {
            problem(format!("{key} {} not in {allowed:?}", a[key]));
        }
    }
    for key in ["multiValued", "required", "caseExact"] {
        if !a[key].is_boolean() {
            problem(format!("{key} is not a boolean"));
        }
    }
    if a["description"].as_str().is_none_or(str::is_empty) {
        problem("no description".into());
    }
    if let Some(values) = a.get("canonicalValues") {
        let ok = values
            .as_array()
            .is_some_and(|v| !v.is_empty() && v.iter().all(Value::is_string));
        if !ok {
            problem(format!("canonicalValues {values}"));
        }
    }
    // referenceTypes only (and always) on references (§7).
    match (ty, a.get("referenceTypes")) {
        ("reference", Some(rt)) => {
            let ok = rt.as_array().is_some_and(|v| {
                !v.is_empty()
                    && v.iter().all(|t| {
                        t.as_str()
                            .is_some_and(|t| ["User", "Group", "external", "uri"].contains(&t))
                    })
            });
            if !ok {
                problem(format!("referenceTypes {rt}"));
            }
        }
        ("reference", None) => problem("a reference without referenceTypes".into()),
        (_, Some(_)) => problem("referenceTypes on a non-reference".into()),
        _ => {}
    }
    match (ty, a.get("subAttributes")) {
        ("complex", Some(subs)) => {
            // §2.3.8: a complex attribute MUST NOT contain sub-attributes that have
            // sub-attributes (that is, that are complex).
            if depth > 0 {
                problem("complex inside complex".into());
            }
            let subs = subs.as_array().cloned().unwrap_or_default();
            if subs.is_empty() {
                problem("complex without subAttributes".into());
            }
            check_unique_names(&subs, path, problems);
            for sub in &subs {
                let sub_path = format!("{path}.{}", sub["name"].as_str().unwrap_or("?"));
                check_definition(sub, &sub_path, depth + 1, problems);
            }
        }
        ("complex", None) => problem("complex without subAttributes".into()),
        (_, Some(_)) => problem("subAttributes on a non-complex".into()),
        _ => {}
    }
}

fn check_unique_names(attrs: &[Value], path: &str, problems: &mut Vec<String>) {
    let mut names = BTreeSet::new();
    for a in attrs {
        let name = a["name"].as_str().unwrap_or_default().to_ascii_lowercase();
        if !names.insert(name.clone()) {
            problems.push(format!("{path}: {name} defined twice (names ignore case)"));
        }
    }
}

#[test]
fn every_attribute_definition_is_well_formed() {
    let mut problems = Vec::new();
    for doc in schemas(BASE) {
        let id = doc["id"].as_str().unwrap();
        let attrs = doc["attributes"].as_array().unwrap();
        check_unique_names(attrs, id, &mut problems);
        for a in attrs {
            let path = format!("{id}:{}", a["name"].as_str().unwrap_or("?"));
            check_definition(a, &path, 0, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_definition_checker_catches_bad_definitions() {
    let bad = [
        json!({"name": "x", "type": "text", "multiValued": false, "description": "d", "required": false,
               "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}),
        json!({"name": "x", "type": "string", "multiValued": false, "description": "d", "required": false,
               "caseExact": false, "mutability": "writable", "returned": "default", "uniqueness": "none"}),
        json!({"name": "x", "type": "reference", "multiValued": false, "description": "d", "required": false,
               "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}),
        json!({"name": "x", "type": "complex", "multiValued": false, "description": "d", "required": false,
               "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}),
        json!({"name": "x", "type": "string", "multiValued": false, "description": "d", "required": false,
               "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
               "primary": true}),
        json!({"name": "1x", "type": "string", "multiValued": false, "description": "d", "required": false,
               "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}),
    ];
    for def in bad {
        let mut problems = Vec::new();
        check_definition(&def, "x", 0, &mut problems);
        assert!(!problems.is_empty(), "accepted {def}");
    }
}

#[test]
fn schema_lookup_ignores_case_and_unknown_is_none() {
    let upper = schema("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER", BASE).unwrap();
    assert_eq!(upper["id"], schema::USER);
    assert_eq!(
        upper["meta"]["location"],
        format!("{BASE}/Schemas/{}", schema::USER),
        "the location names the canonical spelling"
    );
    let b2c = schema(&B2C_USER_PROFILE.to_ascii_lowercase(), BASE).unwrap();
    assert_eq!(b2c["id"], B2C_USER_PROFILE);
    for doc in schemas(BASE) {
        let id = doc["id"].as_str().unwrap();
        assert_eq!(schema(id, BASE).as_ref(), Some(&doc));
    }
    for unknown in [
        "urn:ietf:params:scim:schemas:core:2.0:Role",
        "User",
        "",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        schema::SERVICE_PROVIDER_CONFIG,
    ] {
        assert_eq!(schema(unknown, BASE), None, "{unknown}");
    }
}

#[test]
fn rfc_characteristics_of_the_attributes_that_matter() {
    let user = schema::USER;
    let user_name = definition(user, "userName");
    assert_eq!(
        (
            &user_name["required"],
            &user_name["uniqueness"],
            &user_name["caseExact"]
        ),
        (&json!(true), &json!("server"), &json!(false))
    );
    let password = definition(user, "password");
    assert_eq!(
        (&password["mutability"], &password["returned"]),
        (&json!("writeOnly"), &json!("never"))
    );
    for path in [
        "groups",
        "groups.value",
        "groups.$ref",
        "groups.display",
        "groups.type",
    ] {
        assert_eq!(definition(user, path)["mutability"], "readOnly", "{path}");
    }
    assert_eq!(
        definition(user, "groups.$ref")["referenceTypes"],
        json!(["User", "Group"])
    );
    assert_eq!(
        definition(user, "emails.type")["canonicalValues"],
        json!(["work", "other"])
    );
    assert_eq!(
        definition(user, "phoneNumbers.type")["canonicalValues"],
        json!(["work", "mobile", "fax"])
    );
    assert_eq!(definition(user, "userType")["canonicalValues"], json!(["Member", "Guest"]));
    // Graph keeps no formatted name and no primary flag: the schema promises neither.
    let subs = |path: &str| -> Vec<String> {
        definition(user, path)["subAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(subs("name"), ["familyName", "givenName"]);
    assert_eq!(subs("emails"), ["value", "type"]);
    assert_eq!(subs("phoneNumbers"), ["value", "type"]);
    let usage_location = definition(user, "usageLocation")["canonicalValues"].clone();
    assert_eq!(usage_location.as_array().unwrap().len(), 249);
    assert!(usage_location.as_array().unwrap().contains(&json!("US")));
    assert_eq!(definition(user, "active")["type"], "boolean");
    assert_eq!(definition(user, "emails")["multiValued"], true);
    assert_eq!(definition(user, "name")["multiValued"], false);
    assert_eq!(definition(user, "startDateTime")["type"], "dateTime");
    let end = definition(user, "endDateTime");
    assert_eq!(
        (&end["type"], &end["mutability"], &end["returned"]),
        (&json!("dateTime"), &json!("readWrite"), &json!("request"))
    );
    let manager = definition(user, "manager");
    assert_eq!(
        (&manager["type"], &manager["mutability"], &manager["returned"]),
        (&json!("string"), &json!("readOnly"), &json!("default"))
    );
    for (path, ty) in [
        ("status", "string"),
        ("externalAudience", "string"),
        ("scheduledStartDateTime", "dateTime"),
        ("scheduledEndDateTime", "dateTime"),
        ("internalReplyMessage", "string"),
        ("externalReplyMessage", "string"),
    ] {
        let reply = definition(user, path);
        assert_eq!(
            (&reply["type"], &reply["mutability"], &reply["returned"]),
            (&json!(ty), &json!("readOnly"), &json!("request")),
            "{path}"
        );
    }
    assert_eq!(
        definition(user, "status")["canonicalValues"],
        json!(["disabled", "alwaysEnabled", "scheduled"])
    );
    assert_eq!(
        definition(user, "externalAudience")["canonicalValues"],
        json!(["none", "contactsOnly", "all"])
    );

    let enterprise = schema::ENTERPRISE_USER;
    assert_eq!(
        definition(enterprise, "manager.displayName")["mutability"],
        "readOnly"
    );
    assert_eq!(
        definition(enterprise, "manager.$ref")["referenceTypes"],
        json!(["User"])
    );
    assert_eq!(definition(enterprise, "manager")["multiValued"], false);

    let group = schema::GROUP;
    for path in ["members.value", "members.$ref", "members.type"] {
        assert_eq!(definition(group, path)["mutability"], "immutable", "{path}");
    }
    // The member's name is the directory's: what a caller sends is ignored.
    assert_eq!(definition(group, "members.display")["mutability"], "readOnly");
    assert_eq!(definition(AZURE_AD_GROUP, "owners.display")["mutability"], "readOnly");
    assert_eq!(
        definition(AZURE_AD_GROUP, "owners.type")["canonicalValues"],
        json!(["User", "servicePrincipal"])
    );
    for list in ["ownersToAdd", "ownersToRemove"] {
        let reference = definition(AZURE_AD_GROUP, &format!("{list}.$ref"));
        assert_eq!(
            (&reference["referenceTypes"], &reference["mutability"]),
            (&json!(["User"]), &json!("writeOnly")),
            "{list}"
        );
    }
    assert_eq!(
        definition(group, "members.type")["canonicalValues"],
        json!(["User", "Group"])
    );
    assert_eq!(definition(group, "members")["mutability"], "readWrite");
    assert_eq!(definition(group, "displayName")["required"], true);

    let identities = definition(B2C_USER_PROFILE, "identities");
    assert_eq!(
        (&identities["type"], &identities["multiValued"]),
        (&json!("complex"), &json!(true))
    );
    let subs: Vec<&str> = identities["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["signInType", "issuer", "issuerAssignedId"]);

    let on_prem = definition(AZURE_ON_PREM_DATA_USER, "onPremisesExtensionAttributes");
    let names: Vec<String> = on_prem["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (1..=15).map(|n| format!("extensionAttribute{n}")).collect();
    assert_eq!(names, expected);

    assert_eq!(
        definition(AZURE_AD_GROUP, "groupTypes")["multiValued"],
        true
    );
    for (path, ty) in [
        ("securityEnabled", "boolean"),
        ("mailEnabled", "boolean"),
        ("groupTypes", "string"),
        ("mailNickname", "string"),
        ("description", "string"),
    ] {
        assert_eq!(definition(AZURE_AD_GROUP, path)["type"], ty, "{path}");
    }
}

// ---- Schemas against what the resources serialise ----

#[test]
fn every_attribute_described_is_one_a_user_carries() {
    // The User type carries all of RFC 7643's attributes; /Schemas describes only those the
    // connector stores in Graph (scim-graph's tests check its output against /Schemas). So
    // the undescribed attributes of a full User are exactly the ones Graph has no home for.
    let json = full_user().to_json();
    let (problems, seen) = check_resource(&json, schema::USER);
    let undescribed: BTreeSet<&str> = problems.iter().filter_map(|p| p.strip_suffix(": not defined in /Schemas")).collect();
    assert_eq!(
        undescribed,
        BTreeSet::from([
            "addresses.primary", "emails.display", "emails.primary", "entitlements", "ims", "locale",
            "name.formatted", "name.honorificPrefix", "name.honorificSuffix", "name.middleName",
            "nickName", "phoneNumbers.display", "phoneNumbers.primary", "photos",
            "profileUrl", "roles", "timezone", "x509Certificates"
        ]),
        "{problems:#?}"
    );
    assert_eq!(problems.len(), undescribed.len(), "{problems:#?}");
    // Every attribute /Schemas defines for a User is one a User can carry, so the schemas
    // promise nothing we do not serve. Only never-returned ones (password) are absent.
    let defined = defined_paths("User", true);
    let missing: Vec<_> = defined.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "defined but never emitted: {missing:#?}"
    );
}

#[test]
fn a_full_user_names_only_schemas_its_resource_type_lists() {
    let json = full_user().to_json();
    let rt = resource_type("User", BASE).unwrap();
    let mut listed = vec![rt["schema"].clone()];
    listed.extend(
        rt["schemaExtensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["schema"].clone()),
    );
    let schemas_member = json["schemas"].as_array().unwrap();
    assert_eq!(schemas_member.len(), 4, "core + 3 extensions: {json:#}");
    for urn in schemas_member {
        assert!(
            listed.contains(urn),
            "{urn} is not in the User resource type"
        );
        assert!(schema(urn.as_str().unwrap(), BASE).is_some(), "{urn}");
    }
}

#[test]
fn password_is_accepted_but_never_returned() {
    let user = full_user();
    assert!(user.password.is_some());
    let json = user.to_json();
    assert!(
        json.get("password").is_none(),
        "returned \"never\" must hold: {json:#}"
    );
    // Every never-returned definition is absent from the output, and is one a request can set.
    let all = defined_paths("User", false);
    let returned = defined_paths("User", true);
    let never: Vec<&String> = all.difference(&returned).collect();
    assert_eq!(never, [&"password".to_string()]);
    let parsed =
        User::from_request_body(br#"{"userName": "bjensen@contoso.com", "password": "p"}"#)
            .unwrap();
    assert_eq!(parsed.password.as_deref(), Some("p"));
}

#[test]
fn every_attribute_a_full_group_carries_is_described() {
    let json = full_group().to_json();
    let (problems, seen) = check_resource(&json, schema::GROUP);
    assert!(problems.is_empty(), "{problems:#?}\n{json:#}");
    let defined = defined_paths("Group", true);
    let missing: Vec<_> = defined.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "defined but never emitted: {missing:#?}"
    );
    let rt = resource_type("Group", BASE).unwrap();
    for urn in json["schemas"].as_array().unwrap() {
        let listed = rt["schema"] == *urn
            || rt["schemaExtensions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["schema"] == *urn);
        assert!(listed, "{urn} is not in the Group resource type");
    }
}

#[test]
fn the_resource_walker_catches_what_the_schemas_do_not_describe() {
    let base = full_user().to_json();
    type Breakage = (&'static str, fn(&mut Value));
    let cases: [Breakage; 7] = [
        ("unknown top-level", |u| u["nickname2"] = json!("x")),
        ("wrong type", |u| u["active"] = json!("yes")),
        ("array for single", |u| u["title"] = json!(["a"])),
        ("object for multi", |u| {
            u["emails"] = json!({"value": "a@b.c"})
        }),
        ("unknown sub-attribute", |u| {
            u["name"]["nickName"] = json!("x")
        }),
        ("unknown extension", |u| {
            u["urn:example:params:scim:schemas:extension:x:2.0:User"] = json!({"a": 1})
        }),
        ("not a dateTime", |u| {
            u["startDateTime"] = json!("15/01/2024")
        }),
    ];
    for (what, break_it) in cases {
        let mut user = base.clone();
        break_it(&mut user);
        let (problems, _) = check_resource(&user, schema::USER);
        assert!(!problems.is_empty(), "{what} went unnoticed");
    }
}

#[test]
fn read_only_user_attributes_are_read_only_for_patch_too() {
    // PATCH keeps its own rules (they cover RFC attributes /Schemas leaves out); the top-level
    // attributes /Schemas calls readOnly must be refused there as well.
    let rules = crate::patch::AttributeRules::user();
    let doc = schema_doc(schema::USER);
    let read_only: Vec<&str> = doc["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["mutability"] == "readOnly")
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(read_only.contains(&"status"), "{read_only:?}");
    // Except the top-level manager: a bare `manager` in a PATCH is the enterprise manager it
    // mirrors, as clients that send extension names bare mean it.
    for name in read_only.into_iter().filter(|n| *n != "manager") {
        assert!(rules.is_read_only(name), "{name}");
    }
    assert_eq!(rules.extension_declaring("manager"), Some(schema::ENTERPRISE_USER));
    assert!(!rules.is_read_only("endDateTime"));
}

#[test]
fn the_automatic_reply_attributes_are_the_users_read_only_request_only_ones() {
    let doc = schema_doc(schema::USER);
    let declared: Vec<&str> = doc["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["mutability"] == "readOnly" && a["returned"] == "request")
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(declared, AUTOMATIC_REPLY_ATTRIBUTES);
}
