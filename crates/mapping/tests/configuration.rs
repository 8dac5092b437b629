//! Maps from configuration: a caller's map file, overrides of a built-in map (replace, add,
//! drop), and the errors that say which file, line, target and expression are wrong.

use std::path::Path;

use mapping::{AttributeMap, Builtin, MapError, Overrides};
use serde_json::json;

fn parse_error(text: &str) -> MapError {
    AttributeMap::parse(text, "custom.toml").unwrap_err()
}

#[test]
fn a_map_file_from_configuration_is_read_like_a_builtin() {
    let map = AttributeMap::parse(
        r#"
        [[attribute]]
        source = "userName"
        target = "Login"
        description = "The sign-in name."

        [[attribute]]
        source = "['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].['manager'].['value']"
        target = "Manager"
        "#,
        "custom.toml",
    )
    .unwrap();
    assert_eq!(map.attributes().len(), 2);
    assert_eq!(
        map.attribute("login").unwrap().description(),
        Some("The sign-in name.")
    );
    let user = json!({
        "userName": "adele@contoso.example",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m-1"}}
    });
    let record = map.apply(&user);
    assert_eq!(record["Login"], "adele@contoso.example");
    assert_eq!(record["Manager"], "m-1");
}

#[test]
fn an_invalid_expression_is_rejected_naming_it_its_target_and_line() {
    let err = parse_error(
        r#"
[[attribute]]
source = "userName"
target = "Login"

[[attribute]]
source = "phoneNumbers[?@.type=='work'.value"
target = "BusinessPhone"
"#,
    );
    let MapError::InvalidExpression {
        origin,
        line,
        target,
        expression,
        ..
    } = &err
    else {
        panic!("expected an invalid expression, got {err:?}");
    };
    assert_eq!(
        (origin.as_str(), *line, target.as_str()),
        ("custom.toml", 7, "BusinessPhone")
    );
    assert_eq!(expression, "phoneNumbers[?@.type=='work'.value");
    let message = err.to_string();
    assert!(message.contains("custom.toml, line 7"), "{message}");
    assert!(message.contains(r#""BusinessPhone""#), "{message}");
    assert!(
        message.contains("phoneNumbers[?@.type=='work'.value"),
        "{message}"
    );
}

#[test]
fn expressions_the_normaliser_cannot_save_are_rejected() {
    for bad in [
        "",
        "name..",
        "emails[?@.type=='work']].value",
        "a[?(@.type=='work')",
        "$$",
    ] {
        let text = format!("[[attribute]]\nsource = {bad:?}\ntarget = \"T\"\n");
        match parse_error(&text) {
            MapError::InvalidExpression { expression, .. } => assert_eq!(expression, bad),
            other => panic!("{bad:?}: expected an invalid expression, got {other:?}"),
        }
    }
}

#[test]
fn a_file_not_in_the_format_is_rejected_with_the_parsers_line() {
    let err = parse_error("[[attribute]]\nsource = \"userName\"\ntargt = \"Login\"\n");
    let MapError::Format { origin, message } = &err else {
        panic!("expected a format error, got {err:?}");
    };
    assert_eq!(origin, "custom.toml");
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("targt"), "{message}");

    let err = parse_error("[[attribute]]\nsource = \"userName\"\n");
    assert!(err.to_string().contains("target"), "{err}");

    // A plain map has nothing to drop from: `drop` belongs in an override.
    let err = parse_error("drop = [\"Login\"]\n");
    assert!(matches!(err, MapError::Format { .. }), "{err:?}");
}

#[test]
fn blank_and_repeated_targets_are_rejected() {
    let err =
        parse_error("[[attribute]]\nsource = \"emails[?@.type=='work'].value\"\ntarget = \" \"\n");
    assert!(
        matches!(&err, MapError::BlankTarget { line: 3, expression, .. } if expression == "emails[?@.type=='work'].value"),
        "{err:?}"
    );

    let err = parse_error(
        "[[attribute]]\nsource = \"userName\"\ntarget = \"Login\"\n\n[[attribute]]\nsource = \"externalId\"\ntarget = \"LOGIN\"\n",
    );
    assert!(
        matches!(&err, MapError::DuplicateTarget { line: 7, target, .. } if target == "LOGIN"),
        "{err:?}"
    );
}

#[test]
fn an_override_replaces_adds_and_drops_targets() {
    let overrides = Overrides::parse(
        r#"
drop = ["Members", "ownersToAdd", "ownersToRemove"]

# Our Group keeps the description and owners under the azureAdGroup extension.
[[attribute]]
source = "['urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group'].description"
target = "description"

[[attribute]]
source = "['urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group'].owners"
target = "Owners"

[[attribute]]
source = "['urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group'].mailEnabled"
target = "MailEnabled"
"#,
        "group-overrides.toml",
    )
    .unwrap();
    let map = AttributeMap::builtin(Builtin::B2cGroup)
        .overridden(&overrides)
        .unwrap();
    let targets: Vec<&str> = map.attributes().iter().map(|a| a.target()).collect();
    // Replaced targets keep their place (and take the override's spelling); new ones come last.
    assert_eq!(
        targets,
        [
            "description",
            "DisplayName",
            "Alias",
            "groupType",
            "Owners",
            "MailEnabled"
        ]
    );
    let group = json!({
        "displayName": "Store managers",
        "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group": {
            "description": "Everyone who runs a store",
            "mailEnabled": false,
            "owners": [{"value": "u-2"}]
        },
        "members": [{"value": "u-1"}]
    });
    let record = map.apply(&group);
    assert_eq!(record["description"], "Everyone who runs a store");
    assert_eq!(record["Owners"], json!([{"value": "u-2"}]));
    assert_eq!(record["MailEnabled"], false);
    assert!(!record.contains_key("Members"));
}

#[test]
fn dropping_a_target_the_map_lacks_is_an_error() {
    let overrides = Overrides::parse("\n\ndrop = [\"Memebrs\"]\n", "group-overrides.toml").unwrap();
    let err = AttributeMap::builtin(Builtin::B2cGroup)
        .overridden(&overrides)
        .unwrap_err();
    assert!(
        matches!(&err, MapError::UnknownDrop { line: 3, target, .. } if target == "Memebrs"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("group-overrides.toml, line 3"),
        "{err}"
    );
}

#[test]
fn an_override_that_drops_and_redefines_one_target_is_an_error() {
    let err = Overrides::parse(
        "drop = [\"Members\"]\n\n[[attribute]]\nsource = \"members\"\ntarget = \"members\"\n",
        "group-overrides.toml",
    )
    .unwrap_err();
    assert!(
        matches!(&err, MapError::DuplicateTarget { line: 5, .. }),
        "{err:?}"
    );
}

#[test]
fn an_override_with_an_invalid_expression_is_rejected_before_it_is_applied() {
    let err =
        Overrides::parse("[[attribute]]\nsource = \"a[\"\ntarget = \"A\"\n", "o.toml").unwrap_err();
    assert!(
        matches!(&err, MapError::InvalidExpression { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn maps_and_overrides_load_from_files() {
    let maps = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps");
    let role = AttributeMap::load(&maps.join("b2c-role.toml")).unwrap();
    assert_eq!(
        role.attributes().len(),
        AttributeMap::builtin(Builtin::B2cRole).attributes().len()
    );
    // A whole map file is also a valid override: every target replaced by itself.
    let same = Overrides::load(&maps.join("b2c-role.toml")).unwrap();
    let overridden = AttributeMap::builtin(Builtin::B2cRole)
        .overridden(&same)
        .unwrap();
    assert_eq!(overridden.attributes().len(), 5);

    let missing = maps.join("no-such-map.toml");
    let err = AttributeMap::load(&missing).unwrap_err();
    assert!(
        matches!(&err, MapError::Read { path, .. } if *path == missing),
        "{err:?}"
    );
    assert!(err.to_string().contains("no-such-map.toml"), "{err}");
}

#[test]
fn builtin_maps_are_named_by_their_file_stem() {
    for map in mapping::Builtin::ALL {
        let stem = map.file_name().strip_suffix(".toml").unwrap();
        assert_eq!(mapping::Builtin::named(stem), Some(map));
    }
    assert_eq!(mapping::Builtin::named("entra-user-to-person"), Some(mapping::Builtin::EntraUserToPerson));
    assert_eq!(mapping::Builtin::named("entra-user-to-person.toml"), None, "names are stems, not file names");
    assert_eq!(mapping::Builtin::named("no-such-map"), None);
}
