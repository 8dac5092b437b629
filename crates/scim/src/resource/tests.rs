use super::body::Shape;
use super::*;
use crate::{ScimError, ScimType, schema};
use serde_json::{Value, json};

/// A create body as Microsoft Entra provisioning sends it (strings for booleans included).
const ENTRA_CREATE: &str = r#"{
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
  ],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com",
  "active": "False",
  "displayName": "Test User",
  "title": "Engineer",
  "preferredLanguage": "en-US",
  "emails": [
    {"primary": true, "type": "work", "value": "Test_User_fd0ea19b@contoso.com"},
    {"primary": "False", "type": "home", "value": "home@example.com"}
  ],
  "phoneNumbers": [{"type": "mobile", "value": "+1 555 0100"}, {"type": "fax", "value": "+1 555 0199"}],
  "addresses": [{"type": "work", "formatted": "1 Main St", "streetAddress": "1 Main St", "locality": "Redmond",
                 "region": "WA", "postalCode": "98052", "country": "US", "primary": true}],
  "meta": {"resourceType": "User"},
  "name": {"formatted": "Test User", "familyName": "User", "givenName": "Test", "middleName": "Q",
           "honorificPrefix": "Dr.", "honorificSuffix": "Jr."},
  "password": "S3cret!pass",
  "roles": [],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "department": "Tour Operations",
    "costCenter": "4130",
    "organization": "Universal Studios",
    "division": "Theme Park",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
  },
  "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile": {"identities": [{"signInType": "userName", "issuerAssignedId": "tu"}]},
  "city": "Redmond"
}"#;

fn parse_err(body: &str) -> ScimError {
    User::from_request_body(body.as_bytes()).unwrap_err()
}

#[test]
fn entra_create_body_parses_completely() {
    let u = User::from_request_body(ENTRA_CREATE.as_bytes()).unwrap();
    assert_eq!(
        u.user_name.as_deref(),
        Some("Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com")
    );
    assert_eq!(
        u.external_id.as_deref(),
        Some("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
    );
    assert_eq!(u.active, Some(false), "\"False\" is false");
    assert_eq!(u.display_name.as_deref(), Some("Test User"));
    assert_eq!(u.password.as_deref(), Some("S3cret!pass"));
    assert_eq!(u.emails.len(), 2);
    assert_eq!(u.emails[0].primary, Some(true));
    assert_eq!(u.emails[1].primary, Some(false));
    assert_eq!(
        by_type(&u.emails, "HOME").unwrap().value.as_deref(),
        Some("home@example.com")
    );
    assert_eq!(
        primary(&u.emails).unwrap().value.as_deref(),
        Some("Test_User_fd0ea19b@contoso.com")
    );
    assert_eq!(
        by_type(&u.phone_numbers, "fax").unwrap().value.as_deref(),
        Some("+1 555 0199")
    );
    let addr = &u.addresses[0];
    assert_eq!(
        (
            addr.locality.as_deref(),
            addr.postal_code.as_deref(),
            addr.primary
        ),
        (Some("Redmond"), Some("98052"), Some(true))
    );
    let name = u.name.as_ref().unwrap();
    assert_eq!(
        (name.given_name.as_deref(), name.family_name.as_deref()),
        (Some("Test"), Some("User"))
    );
    assert_eq!(name.honorific_suffix.as_deref(), Some("Jr."));
    let ent = u.enterprise.as_ref().unwrap();
    assert_eq!(ent.employee_number.as_deref(), Some("701984"));
    assert_eq!(ent.cost_center.as_deref(), Some("4130"));
    assert_eq!(ent.department.as_deref(), Some("Tour Operations"));
    let mgr = ent.manager.as_ref().unwrap();
    assert_eq!(
        mgr.value.as_deref(),
        Some("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(mgr.display_name.as_deref(), Some("John Smith"));
    assert_eq!(
        u.meta.as_ref().unwrap().resource_type.as_deref(),
        Some("User")
    );
    // Unmodelled members are kept as sent.
    assert_eq!(u.extensions["city"], "Redmond");
    assert_eq!(
        u.extensions["urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile"]["identities"][0]["issuerAssignedId"],
        "tu"
    );
    assert!(
        !u.extensions.contains_key(schema::ENTERPRISE_USER),
        "the enterprise extension is typed, not raw"
    );
}

#[test]
fn password_is_never_serialized() {
    let u = User::from_request_body(ENTRA_CREATE.as_bytes()).unwrap();
    let text = serde_json::to_string(&u).unwrap();
    assert!(!text.contains("password"), "{text}");
    assert!(!text.contains("S3cret"), "{text}");
    assert!(u.to_json().get("password").is_none());
}

#[test]
fn serialization_uses_scim_names_and_skips_empty_parts() {
    let u = User::from_request_body(ENTRA_CREATE.as_bytes()).unwrap();
    let v = u.to_json();
    assert_eq!(v["userName"], u.user_name.clone().unwrap());
    assert_eq!(v["active"], false, "booleans go out as booleans");
    assert_eq!(v["emails"][0]["type"], "work");
    assert_eq!(v["name"]["givenName"], "Test");
    assert_eq!(
        v[schema::ENTERPRISE_USER]["manager"]["value"],
        "26118915-6090-4610-87e4-49d8ca9f808d"
    );
    assert_eq!(v["city"], "Redmond");
    assert!(
        v.get("roles").is_none(),
        "empty multi-valued attributes are left out"
    );
    assert!(
        v.get("nickName").is_none(),
        "absent attributes are left out"
    );

    assert_eq!(
        User::new("bjensen").to_json(),
        json!({"schemas": [schema::USER], "userName": "bjensen"})
    );
}

#[test]
fn output_parses_back_to_the_same_user_without_the_password() {
    let mut u = User::from_request_body(ENTRA_CREATE.as_bytes()).unwrap();
    let back: User = serde_json::from_value(u.to_json()).unwrap();
    u.password = None;
    assert_eq!(back, u);
}

#[test]
fn active_accepts_booleans_and_true_false_strings_in_any_case() {
    for (text, expected) in [
        ("true", Some(true)),
        ("false", Some(false)),
        ("\"True\"", Some(true)),
        ("\"FALSE\"", Some(false)),
        ("\"true\"", Some(true)),
        ("null", None),
    ] {
        let body = format!(r#"{{"userName":"u","active":{text}}}"#);
        assert_eq!(
            User::from_request_body(body.as_bytes()).unwrap().active,
            expected,
            "{text}"
        );
    }
    let e = parse_err(r#"{"userName":"u","active":"yes"}"#);
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(e.detail.contains("active"), "{}", e.detail);
    let e = parse_err(r#"{"userName":"u","active":1}"#);
    assert!(e.detail.contains("active"), "{}", e.detail);
}

#[test]
fn missing_or_blank_user_name_is_invalid_value() {
    for body in [
        r#"{}"#,
        r#"{"userName":""}"#,
        r#"{"userName":"   "}"#,
        r#"{"userName":null}"#,
        r#"{"displayName":"x"}"#,
    ] {
        let e = parse_err(body);
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidValue)),
            "{body}"
        );
        assert_eq!(e.detail, "userName is required", "{body}");
    }
}

#[test]
fn malformed_json_is_invalid_syntax_saying_where() {
    let e = parse_err("{\"userName\": \"x\",\n \"active\": tru }");
    assert_eq!(
        (e.status, e.scim_type),
        (400, Some(ScimType::InvalidSyntax))
    );
    assert!(e.detail.contains("line 2"), "{}", e.detail);
    let e = parse_err("");
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = User::from_request_body(&[0xff, 0xfe]).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
}

#[test]
fn non_object_body_is_invalid_syntax() {
    let e = parse_err(r#"[{"userName":"x"}]"#);
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains("an array"), "{}", e.detail);
}

#[test]
fn schemas_without_the_core_urn_is_invalid_syntax() {
    let e =
        parse_err(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"x"}"#);
    assert_eq!(
        (e.status, e.scim_type),
        (400, Some(ScimType::InvalidSyntax))
    );
    assert!(e.detail.contains(schema::USER), "{}", e.detail);
    let e = parse_err(r#"{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","userName":"x"}"#);
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    // Absent schemas is tolerated; the URN's case does not matter.
    assert!(User::from_request_body(br#"{"userName":"x"}"#).is_ok());
    assert!(
        User::from_request_body(
            br#"{"schemas":["URN:ietf:params:scim:schemas:core:2.0:user"],"userName":"x"}"#
        )
        .is_ok()
    );
}

#[test]
fn wrong_types_name_the_attribute() {
    let cases = [
        (r#"{"userName": 5}"#, "attribute userName:"),
        (
            r#"{"userName":"u","displayName":["a"]}"#,
            "attribute displayName:",
        ),
        (r#"{"userName":"u","name":"Babs"}"#, "attribute name:"),
        (
            r#"{"userName":"u","name":{"givenName":7}}"#,
            "attribute name.givenName:",
        ),
        (
            r#"{"userName":"u","emails":{"value":"x"}}"#,
            "attribute emails:",
        ),
        (
            r#"{"userName":"u","emails":[{"value":"a"},{"value":"b","primary":"maybe"}]}"#,
            "attribute emails[1].primary:",
        ),
        (
            r#"{"userName":"u","emails":["a@b"]}"#,
            "attribute emails[0]:",
        ),
        (
            r#"{"userName":"u","addresses":[{"postalCode":98052}]}"#,
            "attribute addresses[0].postalCode:",
        ),
        (
            r#"{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":1}}}"#,
            "attribute urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value:",
        ),
        (
            r#"{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":701984}}"#,
            "attribute urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber:",
        ),
        (
            r#"{"userName":"u","meta":{"created":false}}"#,
            "attribute meta.created:",
        ),
    ];
    for (body, prefix) in cases {
        let e = parse_err(body);
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidValue)),
            "{body}"
        );
        assert!(
            e.detail.starts_with(prefix),
            "{body}: {:?} should start with {prefix:?}",
            e.detail
        );
    }
}

#[test]
fn attribute_names_match_ignoring_case() {
    let u = User::from_request_body(
        br#"{"UserName":"u","NAME":{"GivenName":"g"},"Emails":[{"Value":"e","PRIMARY":"true"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"EmployeeNumber":"1"}}"#,
    )
    .unwrap();
    assert_eq!(u.user_name.as_deref(), Some("u"));
    assert_eq!(u.name.unwrap().given_name.as_deref(), Some("g"));
    assert_eq!(u.emails[0].value.as_deref(), Some("e"));
    assert_eq!(u.emails[0].primary, Some(true));
    assert_eq!(u.enterprise.unwrap().employee_number.as_deref(), Some("1"));
    let e = parse_err(r#"{"userName":"a","USERNAME":"b"}"#);
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains("userName"), "{}", e.detail);
}

#[test]
fn null_multi_valued_attributes_are_empty() {
    let u = User::from_request_body(br#"{"userName":"u","emails":null,"schemas":null}"#).unwrap();
    assert!(u.emails.is_empty());
}

#[test]
fn fill_schemas_lists_the_parts_present() {
    let mut u = User::new("u");
    u.fill_schemas();
    assert_eq!(u.schemas, vec![schema::USER]);
    u.enterprise = Some(EnterpriseUser {
        department: Some("d".into()),
        ..Default::default()
    });
    u.extensions.insert(
        "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile".into(),
        json!({}),
    );
    u.extensions.insert("city".into(), json!("x"));
    u.fill_schemas();
    assert_eq!(
        u.schemas,
        vec![
            schema::USER,
            schema::ENTERPRISE_USER,
            "urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile"
        ]
    );
}

#[test]
fn group_parses_and_serializes() {
    let g = Group::from_request_body(
        br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Tour Guides","externalId":"e1",
            "members":[{"value":"2819c223","display":"Babs","$ref":"https://x/Users/2819c223","type":"User"}],"description":"d"}"#,
    )
    .unwrap();
    assert_eq!(g.display_name.as_deref(), Some("Tour Guides"));
    assert_eq!(
        g.members[0].r#ref.as_deref(),
        Some("https://x/Users/2819c223")
    );
    assert_eq!(g.members[0].r#type.as_deref(), Some("User"));
    assert_eq!(g.extensions["description"], "d");
    let v = g.to_json();
    assert_eq!(v["members"][0]["$ref"], "https://x/Users/2819c223");
    assert_eq!(v["externalId"], "e1");

    let e = Group::from_request_body(br#"{"displayName":""}"#).unwrap_err();
    assert_eq!(e.detail, "displayName is required");
    let e = Group::from_request_body(
        br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"}"#,
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e =
        Group::from_request_body(br#"{"displayName":"x","members":[{"value":3}]}"#).unwrap_err();
    assert!(
        e.detail.starts_with("attribute members[0].value:"),
        "{}",
        e.detail
    );
    let mut g = Group::new("x");
    g.fill_schemas();
    assert_eq!(
        g.to_json(),
        json!({"schemas": [schema::GROUP], "displayName": "x"})
    );
}

/// Collects every key that appears anywhere in `v` below the top level, grouped by the
/// top-level member it sits under.
fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn shape_keys(shape: Shape) -> Vec<String> {
    shape.fields().iter().map(|(n, _)| n.to_string()).collect()
}

fn shape_of(shape: Shape, key: &str) -> Shape {
    shape.fields().iter().find(|(n, _)| *n == key).unwrap().1
}

#[test]
fn shapes_match_the_serde_names() {
    // A fully populated user: every serialised key must be in the shape table and vice versa,
    // or the case-insensitive renaming and error locating would silently miss attributes.
    let mv = MultiValue {
        value: Some("v".into()),
        display: Some("d".into()),
        r#type: Some("t".into()),
        primary: Some(true),
    };
    let user = User {
        schemas: vec!["s".into()],
        id: Some("i".into()),
        external_id: Some("e".into()),
        user_name: Some("u".into()),
        name: Some(Name {
            formatted: Some("f".into()),
            family_name: Some("f".into()),
            given_name: Some("g".into()),
            middle_name: Some("m".into()),
            honorific_prefix: Some("p".into()),
            honorific_suffix: Some("s".into()),
        }),
        display_name: Some("d".into()),
        nick_name: Some("n".into()),
        profile_url: Some("p".into()),
        title: Some("t".into()),
        user_type: Some("t".into()),
        preferred_language: Some("l".into()),
        locale: Some("l".into()),
        timezone: Some("t".into()),
        active: Some(true),
        password: None,
        emails: vec![mv.clone()],
        phone_numbers: vec![mv.clone()],
        ims: vec![mv.clone()],
        photos: vec![mv.clone()],
        addresses: vec![Address {
            formatted: Some("f".into()),
            street_address: Some("s".into()),
            locality: Some("l".into()),
            region: Some("r".into()),
            postal_code: Some("p".into()),
            country: Some("c".into()),
            r#type: Some("t".into()),
            primary: Some(true),
        }],
        groups: vec![MemberRef {
            value: Some("v".into()),
            display: Some("d".into()),
            r#ref: Some("r".into()),
            r#type: Some("t".into()),
        }],
        entitlements: vec![mv.clone()],
        roles: vec![mv.clone()],
        x509_certificates: vec![mv],
        enterprise: Some(EnterpriseUser {
            employee_number: Some("e".into()),
            cost_center: Some("c".into()),
            organization: Some("o".into()),
            division: Some("d".into()),
            department: Some("d".into()),
            manager: Some(Manager {
                value: Some("v".into()),
                r#ref: Some("r".into()),
                display_name: Some("d".into()),
            }),
        }),
        meta: Some(Meta {
            resource_type: Some("r".into()),
            created: Some("c".into()),
            last_modified: Some("l".into()),
            location: Some("l".into()),
            version: Some("v".into()),
        }),
        extensions: Default::default(),
    };
    let v = user.to_json();
    let shape = user::USER_SHAPE;
    let mut expected = shape_keys(shape);
    expected.retain(|k| k != "password"); // write-only
    let mut got = keys(&v);
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    for (member, sample) in [
        ("name", &v["name"]),
        ("emails", &v["emails"][0]),
        ("addresses", &v["addresses"][0]),
        ("groups", &v["groups"][0]),
        ("meta", &v["meta"]),
        (schema::ENTERPRISE_USER, &v[schema::ENTERPRISE_USER]),
    ] {
        let mut got = keys(sample);
        let mut want = shape_keys(shape_of(shape, member));
        got.sort();
        want.sort();
        assert_eq!(got, want, "{member}");
    }
    let ent = shape_of(shape, schema::ENTERPRISE_USER);
    let mut got = keys(&v[schema::ENTERPRISE_USER]["manager"]);
    let mut want = shape_keys(shape_of(ent, "manager"));
    got.sort();
    want.sort();
    assert_eq!(got, want);

    let group = Group {
        schemas: vec!["s".into()],
        id: Some("i".into()),
        external_id: Some("e".into()),
        display_name: Some("d".into()),
        members: vec![MemberRef::default()],
        meta: Some(Meta::default()),
        extensions: Default::default(),
    };
    let mut got = keys(&group.to_json());
    let mut want = shape_keys(group::GROUP_SHAPE);
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn garbled_bodies_never_panic() {
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"userName\"",
        "\"u\"",
        "\"emails\"",
        "\"active\"",
        "\"False\"",
        "null",
        "1",
        "true",
        "\"name\"",
        "\"primary\"",
        "\"schemas\"",
        "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
        "\"manager\"",
        "\"value\"",
        "\\",
        "\"",
    ];
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut ok = 0;
    for _ in 0..20_000 {
        let n = next() % 16;
        let body: String = (0..n).map(|_| pieces[next() % pieces.len()]).collect();
        if User::from_request_body(body.as_bytes()).is_ok() {
            ok += 1;
        }
    }
    // Mostly errors; the point is that none of them panicked.
    assert!(ok < 20_000);
}
