//! Turning a request body into a typed resource with errors a caller can act on. Serde alone
//! reports "invalid type: integer, expected a string" without saying where; the shapes below
//! (which members a complex attribute has) let us name the attribute, and match names ignoring
//! case as SCIM requires.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::schema;

/// What a member's value looks like, as far as request checking needs to know. Multi-valued
/// attributes use their element's shape: arrays are walked element by element.
#[derive(Clone, Copy)]
pub(super) enum Shape {
    Leaf,
    Complex {
        fields: &'static [(&'static str, Shape)],
        /// Deserialises a value as the Rust type of this shape, keeping only the error text.
        check: fn(&Value) -> Result<(), String>,
    },
}

impl Shape {
    pub(super) const fn complex<T: DeserializeOwned>(
        fields: &'static [(&'static str, Shape)],
    ) -> Shape {
        Shape::Complex {
            fields,
            check: check_as::<T>,
        }
    }

    pub(super) fn fields(&self) -> &'static [(&'static str, Shape)] {
        match self {
            Shape::Leaf => &[],
            Shape::Complex { fields, .. } => fields,
        }
    }
}

fn check_as<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
    T::deserialize(v).map(|_| ()).map_err(|e| e.to_string())
}

/// Parses `body` as the resource `T` described by `shape`, whose core schema is `core_urn`.
pub(super) fn parse<T: DeserializeOwned>(
    body: &[u8],
    shape: Shape,
    core_urn: &str,
    resource: &str,
) -> Result<T, ScimError> {
    let mut value: Value = serde_json::from_slice(body).map_err(|e| {
        ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}"))
    })?;
    if !value.is_object() {
        return Err(ScimError::invalid_syntax(format!(
            "the request body must be a JSON object (a {resource}), got {}",
            kind_of(&value)
        )));
    }
    canonicalize_names(&mut value, shape).map_err(ScimError::invalid_syntax)?;
    check_schemas(&value, core_urn)?;
    T::deserialize(&value).map_err(|e| {
        let (path, problem) =
            locate(&value, shape, "", 0).unwrap_or_else(|| ("(body)".into(), e.to_string()));
        ScimError::invalid_value(format!("attribute {path}: {problem}"))
    })
}

/// `schemas`, when sent, must list the resource's core schema (RFC 7643 §3).
fn check_schemas(value: &Value, core_urn: &str) -> Result<(), ScimError> {
    let schemas = match value.get("schemas") {
        None | Some(Value::Null) => return Ok(()),
        Some(schemas) => schemas,
    };
    let list = match schemas {
        Value::Array(items) => items
            .iter()
            .map(Value::as_str)
            .collect::<Option<Vec<&str>>>(),
        _ => None,
    };
    let Some(list) = list else {
        return Err(ScimError::invalid_syntax(
            "schemas must be an array of schema URN strings",
        ));
    };
    if !list.iter().any(|s| schema::urn_eq(s, core_urn)) {
        return Err(ScimError::invalid_syntax(format!(
            "schemas must include {core_urn}"
        )));
    }
    Ok(())
}

/// Renames members to their canonical spelling (`UserName` -> `userName`), recursively.
/// Two members that differ only in case are refused: which one would the caller mean?
fn canonicalize_names(value: &mut Value, shape: Shape) -> Result<(), String> {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|item| canonicalize_names(item, shape)),
        Value::Object(map) if !shape.fields().is_empty() => {
            let old = std::mem::take(map);
            for (key, mut member) in old {
                let (name, child) = match shape
                    .fields()
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&key))
                {
                    Some((n, child)) => (n.to_string(), *child),
                    None => (key, Shape::Leaf),
                };
                canonicalize_names(&mut member, child)?;
                if map.contains_key(&name) {
                    return Err(format!(
                        "attribute {name} appears more than once (differing only in case)"
                    ));
                }
                map.insert(name, member);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Finds the innermost member whose value does not fit its type: `(path, serde's message)`.
/// Each member is tried alone (`{key: value}`) against the enclosing type, which works because
/// every member of our resource types is optional.
fn locate(value: &Value, shape: Shape, path: &str, depth: usize) -> Option<(String, String)> {
    let Shape::Complex { fields, check } = shape else {
        return None;
    };
    match value {
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let item_path = format!("{path}[{i}]");
            let err = check(item).err()?;
            Some(locate(item, shape, &item_path, depth).unwrap_or((item_path, err)))
        }),
        Value::Object(map) => map.iter().find_map(|(key, member)| {
            let alone = Value::Object(Map::from_iter([(key.clone(), member.clone())]));
            let err = check(&alone).err()?;
            let member_path = join(path, key, depth);
            let child = fields
                .iter()
                .find(|(n, _)| n == key)
                .map_or(Shape::Leaf, |(_, s)| *s);
            Some(locate(member, child, &member_path, depth + 1).unwrap_or((member_path, err)))
        }),
        _ => None,
    }
}

/// `emails[0].primary`, and `urn:...:User:manager` for members of an extension (the RFC's
/// notation for extension attributes).
/// `depth` is that of `path`: 1 for a top-level member such as an extension's URN.
fn join(path: &str, key: &str, depth: usize) -> String {
    if path.is_empty() {
        key.to_string()
    } else if depth == 1 && path.starts_with("urn:") {
        format!("{path}:{key}")
    } else {
        format!("{path}.{key}")
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The URNs of extension objects among a resource's extra members, for its `schemas`.
pub(super) fn extension_urns(extensions: &Map<String, Value>) -> Vec<String> {
    extensions
        .iter()
        .filter(|(k, v)| {
            k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) && v.is_object()
        })
        .map(|(k, _)| k.clone())
        .collect()
}
