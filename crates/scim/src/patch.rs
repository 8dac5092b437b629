//! SCIM PATCH (RFC 7644 §3.5.2): parse a PatchOp body, and apply its operations to a resource's
//! JSON all or nothing, tolerating the forms Microsoft Entra provisioning actually sends.
//! [`changed_attributes`] then tells the caller which attributes to write back, so one PATCH
//! becomes one update upstream.

use serde_json::{Map, Value};
use std::fmt;

use crate::error::ScimError;
use crate::filter::{self, AttrPath, Filter};
use crate::schema;

mod apply;
mod rules;

pub use rules::AttributeRules;

/// A parsed `urn:ietf:params:scim:api:messages:2.0:PatchOp` body.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    pub operations: Vec<PatchOperation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOp,
    pub path: Option<PatchPath>,
    /// As sent: `Some(Value::Null)` is an explicit null, which RFC 7643 §2.5 equates with
    /// "unassigned".
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOp {
    Add,
    Replace,
    Remove,
}

/// `attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2): `userName`, `name.givenName`,
/// `emails[type eq "work"].value`, `members[value eq "2819c223"]`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute with its schema URN when one was written. `attr.sub` is the
    /// sub-attribute, whether written directly (`name.givenName`) or after the filter
    /// (`emails[type eq "work"].value`); both name the same member of the selected value(s).
    pub attr: AttrPath,
    /// The value filter between the brackets; its paths name sub-attributes of `attr`.
    pub filter: Option<Filter>,
}

impl PatchRequest {
    /// Parses a PatchOp request body. Tolerates Microsoft Entra provisioning's quirks: `op` in
    /// any letter case ("Replace", "ADD"), missing or extra `schemas` (which must contain
    /// `urn:ietf:params:scim:api:messages:2.0:PatchOp` when present, else 400 invalidSyntax),
    /// `Operations` and the operation members (`op`, `path`, `value`) in any case.
    ///
    /// Errors (all 400): malformed JSON, a body that is not a PatchOp, an unknown `op`:
    /// `invalidSyntax`; a malformed `path`: `invalidPath`; `add`/`replace` without a value,
    /// or without a path and with a value that is not an object: `invalidValue`; `remove`
    /// without a path: `noTarget`. Each operation's error names its index (`Operations[2]`).
    /// Never panics.
    pub fn from_body(body: &[u8]) -> Result<PatchRequest, ScimError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}"))
        })?;
        let Value::Object(map) = &value else {
            return Err(ScimError::invalid_syntax(
                "the request body must be a JSON object (a PatchOp message)",
            ));
        };
        check_schemas(map)?;
        let Some(operations) = member(map, "Operations") else {
            return Err(ScimError::invalid_syntax(
                "the request body has no Operations array (RFC 7644 §3.5.2)",
            ));
        };
        let Value::Array(items) = operations else {
            return Err(ScimError::invalid_syntax(
                "Operations must be an array of operations",
            ));
        };
        if items.is_empty() {
            return Err(ScimError::invalid_syntax(
                "Operations is empty; a PATCH request carries at least one operation",
            ));
        }
        let operations = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                PatchOperation::from_json(item)
                    .and_then(|op| op.check().map(|()| op))
                    .map_err(|e| at_index(i, None, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PatchRequest { operations })
    }
}

/// `schemas` may be missing (Entra has sent bodies without it) or list more than the PatchOp
/// URN, but when present it must be a list of strings naming the PatchOp message.
fn check_schemas(map: &Map<String, Value>) -> Result<(), ScimError> {
    let schemas = match member(map, "schemas") {
        None | Some(Value::Null) => return Ok(()),
        Some(s) => s,
    };
    let names = match schemas {
        Value::Array(items) => items.iter().map(Value::as_str).collect::<Option<Vec<_>>>(),
        _ => None,
    };
    let Some(names) = names else {
        return Err(ScimError::invalid_syntax(
            "schemas must be an array of URN strings",
        ));
    };
    if !names.iter().any(|s| schema::urn_eq(s, schema::PATCH_OP)) {
        return Err(ScimError::invalid_syntax(format!(
            "schemas must include {}",
            schema::PATCH_OP
        )));
    }
    Ok(())
}

impl PatchOperation {
    fn from_json(item: &Value) -> Result<PatchOperation, ScimError> {
        let Value::Object(map) = item else {
            return Err(ScimError::invalid_syntax(
                "an operation must be a JSON object with op, path and value",
            ));
        };
        let op = match member(map, "op") {
            Some(Value::String(s)) => PatchOp::parse(s).ok_or_else(|| {
                ScimError::invalid_syntax(format!(
                    "unknown op {s:?} (expected add, replace or remove)"
                ))
            })?,
            Some(other) => {
                return Err(ScimError::invalid_syntax(format!(
                    "op must be a string (add, replace or remove), got {other}"
                )));
            }
            None => return Err(ScimError::invalid_syntax("the operation has no op")),
        };
        let path = match member(map, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(PatchPath::parse(s)?),
            Some(other) => {
                return Err(ScimError::invalid_path(format!(
                    "path must be a string, got {other}"
                )));
            }
        };
        let value = member(map, "value").cloned();
        Ok(PatchOperation { op, path, value })
    }

    /// The rules that need no resource: RFC 7644 §3.5.2.1-3.
    fn check(&self) -> Result<(), ScimError> {
        match (self.op, &self.path, &self.value) {
            (PatchOp::Remove, None, _) => Err(ScimError::no_target(
                "remove needs a path naming what to remove",
            )),
            (PatchOp::Add | PatchOp::Replace, _, None) => Err(ScimError::invalid_value(format!(
                "{} needs a value",
                self.op
            ))),
            (PatchOp::Add | PatchOp::Replace, None, Some(v)) if !v.is_object() => {
                Err(ScimError::invalid_value(format!(
                    "{} without a path needs an object of attributes as its value, got {}",
                    self.op,
                    kind_of(v)
                )))
            }
            _ => Ok(()),
        }
    }

    /// `replace emails[type eq "work"].value`, for error details.
    fn describe(&self) -> String {
        match &self.path {
            Some(path) => format!("{} {path}", self.op),
            None => format!("{} without path", self.op),
        }
    }
}

impl PatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOp::Add => "add",
            PatchOp::Replace => "replace",
            PatchOp::Remove => "remove",
        }
    }

    /// Any letter case: Entra sends "Add", "Replace", "Remove".
    pub fn parse(s: &str) -> Option<PatchOp> {
        [PatchOp::Add, PatchOp::Replace, PatchOp::Remove]
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for PatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PatchPath {
    /// Parses a PATCH path with the crate's filter grammar for the `[...]` part. Errors are
    /// 400 `invalidPath`. Never panics.
    pub fn parse(text: &str) -> Result<PatchPath, ScimError> {
        let trimmed = text.trim();
        let bad =
            |problem: &str| ScimError::invalid_path(format!("invalid path {text:?}: {problem}"));
        let Some(open) = trimmed.find('[') else {
            return AttrPath::parse(trimmed).map(|attr| PatchPath { attr, filter: None });
        };
        let close = closing_bracket(trimmed, open).ok_or_else(|| bad("unclosed '['"))?;
        let parsed = filter::parse(&trimmed[..=close]).map_err(|e| bad(&e.detail))?;
        let Filter::ValuePath { path, filter } = parsed else {
            return Err(bad(
                "expected attribute[filter], as in emails[type eq \"work\"]",
            ));
        };
        if path.sub.is_some() {
            return Err(bad(
                "a value filter follows a multi-valued attribute, not a sub-attribute",
            ));
        }
        let rest = &trimmed[close + 1..];
        let sub = if rest.is_empty() {
            None
        } else {
            let name = rest
                .strip_prefix('.')
                .filter(|s| !s.is_empty() && s.trim() == *s)
                .ok_or_else(|| bad("only '.subAttribute' may follow ']'"))?;
            match AttrPath::parse(name) {
                Ok(AttrPath {
                    schema: None,
                    name,
                    sub: None,
                }) => Some(name),
                Ok(_) => return Err(bad("only one sub-attribute name may follow ']'")),
                Err(e) => return Err(bad(&e.detail)),
            }
        };
        Ok(PatchPath {
            attr: AttrPath { sub, ..path },
            filter: Some(*filter),
        })
    }
}

/// The `]` closing the `[` at `open`, skipping brackets inside quoted strings.
fn closing_bracket(s: &str, open: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut in_string = false;
    let mut i = open + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b']' if !in_string => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(filter) = &self.filter else {
            return write!(f, "{}", self.attr);
        };
        if let Some(schema) = &self.attr.schema {
            write!(f, "{schema}:")?;
        }
        write!(f, "{}[{filter}]", self.attr.name)?;
        if let Some(sub) = &self.attr.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Applies the operations, in order, to a resource's JSON (a SCIM User or Group as serialized
/// by [`crate::resource`]), all or nothing: on any error the input is untouched and the error
/// says which operation (`Operations[i]`, 0-based) failed and why.
///
/// RFC 7644 §3.5.2, with Microsoft Entra provisioning's forms accepted:
/// - add appends to multi-valued attributes (skipping values already present), merges into
///   complex ones, sets simple ones; replace replaces a whole multi-valued attribute, the
///   selected values of a filtered one, and merges into complex ones;
/// - without a path the value's members are applied one by one, and a member's name may be a
///   path itself (`"name.givenName"`, `"emails[type eq \"work\"].value"`,
///   `"urn:...:enterprise:2.0:User:department"`) or an extension URN holding an object;
/// - a filtered replace that selects nothing adds the value built from the filter's `eq`
///   clauses, a filtered remove of `members` that selects nothing is a no-op, and a remove of
///   `members` with a value list removes those members (see the rules in [`AttributeRules`]);
/// - booleans sent as "True"/"False" become booleans; a plain string sent for a complex
///   attribute with a `value` sub-attribute (Entra's manager) becomes `{"value": ...}`;
/// - attribute names match existing members ignoring case, keeping the existing spelling;
/// - a read-only attribute (id, meta, ...) that an operation would change: 400 mutability.
///
/// `schemas` is kept in step with the extension objects present.
pub fn apply(
    resource: &Value,
    request: &PatchRequest,
    rules: &AttributeRules,
) -> Result<Value, ScimError> {
    let Value::Object(root) = resource else {
        return Err(ScimError::internal(
            "the resource to patch is not a JSON object",
        ));
    };
    let mut doc = root.clone();
    for (i, operation) in request.operations.iter().enumerate() {
        operation
            .check()
            .and_then(|()| apply::operation(&mut doc, operation, rules))
            .map_err(|e| at_index(i, Some(operation), e))?;
    }
    apply::sync_schemas(&mut doc, rules);
    Ok(Value::Object(doc))
}

/// Top-level and extension attribute names whose values differ between two versions of a
/// resource: `displayName`, `emails`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
/// Names are matched ignoring case and spelled as in `after`; null, an empty list and absence
/// are the same (RFC 7643 §2.5). Use it to turn a PATCH into one update of only what changed.
pub fn changed_attributes(before: &Value, after: &Value) -> Vec<String> {
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut changed = Vec::new();
    for key in union_keys(after, before) {
        let (old, new) = (assigned(member(before, key)), assigned(member(after, key)));
        let is_extension =
            is_urn(key) && (old.is_some_and(Value::is_object) || new.is_some_and(Value::is_object));
        if is_extension {
            let old = old.and_then(Value::as_object).unwrap_or(&empty);
            let new = new.and_then(Value::as_object).unwrap_or(&empty);
            for name in union_keys(new, old) {
                if assigned(member(old, name)) != assigned(member(new, name)) {
                    changed.push(format!("{key}:{name}"));
                }
            }
        } else if old != new {
            changed.push(key.to_string());
        }
    }
    changed
}

/// The keys of `a`, then those of `b` that `a` lacks (ignoring case).
fn union_keys<'m>(a: &'m Map<String, Value>, b: &'m Map<String, Value>) -> Vec<&'m str> {
    let mut keys: Vec<&str> = a.keys().map(String::as_str).collect();
    for k in b.keys() {
        if !keys.iter().any(|x| x.eq_ignore_ascii_case(k)) {
            keys.push(k);
        }
    }
    keys
}

fn assigned(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
}

/// The member named `name`, ignoring ASCII case (RFC 7643 §2.1); an exact match wins.
fn member<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn is_urn(s: &str) -> bool {
    s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn at_index(i: usize, operation: Option<&PatchOperation>, e: ScimError) -> ScimError {
    let detail = match operation {
        Some(op) => format!("Operations[{i}] ({}): {}", op.describe(), e.detail),
        None => format!("Operations[{i}]: {}", e.detail),
    };
    ScimError { detail, ..e }
}

#[cfg(test)]
mod tests;
