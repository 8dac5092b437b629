//! An attribute map: warehouse targets, each filled from a JSONPath expression over a SCIM
//! resource. Loaded from the map files in `maps/` (built in) or from a caller's file in the same
//! format; overrides replace, add or drop targets. `apply` reads a resource into a warehouse
//! record, `reverse` writes a record back into a SCIM resource fragment.

use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use toml::Spanned;

use crate::error::MapError;
use crate::expression::{Expression, WriteFailure};
use crate::spelling::Spellings;

/// The maps the connector ships, one per table of the specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// EntraID user -> EmpowerID Person (the EntraID connector's "Attribute Mapping" table).
    EntraUserToPerson,
    /// Azure AD B2C user -> EmpowerID account.
    B2cUserToAccount,
    /// Azure AD B2C group -> EmpowerID group.
    B2cGroup,
    /// Azure AD B2C role -> EmpowerID role.
    B2cRole,
    /// Azure AD B2C location -> EmpowerID Business Role and Location.
    B2cLocation,
}

impl Builtin {
    pub const ALL: [Builtin; 5] = [
        Builtin::EntraUserToPerson,
        Builtin::B2cUserToAccount,
        Builtin::B2cGroup,
        Builtin::B2cRole,
        Builtin::B2cLocation,
    ];

    /// The map named by its file's stem, e.g. `entra-user-to-person` (how configuration names it).
    pub fn named(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|map| map.file_name().strip_suffix(".toml") == Some(name))
    }

    /// The map's file, under `crates/mapping/maps/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Builtin::EntraUserToPerson => "entra-user-to-person.toml",
            Builtin::B2cUserToAccount => "b2c-user-to-account.toml",
            Builtin::B2cGroup => "b2c-group.toml",
            Builtin::B2cRole => "b2c-role.toml",
            Builtin::B2cLocation => "b2c-location.toml",
        }
    }

    /// The map file's text, as shipped.
    pub fn text(self) -> &'static str {
        match self {
            Builtin::EntraUserToPerson => include_str!("../maps/entra-user-to-person.toml"),
            Builtin::B2cUserToAccount => include_str!("../maps/b2c-user-to-account.toml"),
            Builtin::B2cGroup => include_str!("../maps/b2c-group.toml"),
            Builtin::B2cRole => include_str!("../maps/b2c-role.toml"),
            Builtin::B2cLocation => include_str!("../maps/b2c-location.toml"),
        }
    }
}

/// One row of a map: the warehouse attribute `target` is filled from `source`.
#[derive(Debug, Clone)]
pub struct Attribute {
    target: String,
    source: Expression,
    description: Option<String>,
}

impl Attribute {
    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn source(&self) -> &Expression {
        &self.source
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

#[derive(Debug, Clone)]
pub struct AttributeMap {
    attributes: Vec<Attribute>,
    spellings: Spellings,
}

/// Changes to a map, from a file in the map format that may also list targets to `drop`.
#[derive(Debug, Clone)]
pub struct Overrides {
    origin: String,
    attributes: Vec<Attribute>,
    drops: Vec<(String, usize)>,
}

impl AttributeMap {
    /// A shipped map. Every shipped file loads (a test checks it), so this cannot fail.
    pub fn builtin(which: Builtin) -> AttributeMap {
        AttributeMap::parse(which.text(), which.file_name())
            .unwrap_or_else(|err| panic!("the shipped map does not load: {err}"))
    }

    /// A map from the text of a map file; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<AttributeMap, MapError> {
        let file: MapFile = toml::from_str(text).map_err(|err| format_error(origin, err))?;
        let attributes = attributes(text, origin, &file.attribute, &[])?;
        Ok(AttributeMap::new(attributes))
    }

    /// A map from a map file on disk.
    pub fn load(path: &Path) -> Result<AttributeMap, MapError> {
        AttributeMap::parse(&read(path)?, &path.display().to_string())
    }

    fn new(attributes: Vec<Attribute>) -> AttributeMap {
        let spellings = Spellings::of(attributes.iter().flat_map(|a| a.source.member_names()));
        AttributeMap {
            attributes,
            spellings,
        }
    }

    /// The rows, in file order (overrides' new targets last).
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The row for `target`, named ignoring case.
    pub fn attribute(&self, target: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.target.eq_ignore_ascii_case(target))
    }

    /// This map with `overrides` applied: a target it names again gets the new source (in its
    /// old place), a new target is added at the end, a dropped target goes.
    pub fn overridden(mut self, overrides: &Overrides) -> Result<AttributeMap, MapError> {
        for (target, line) in &overrides.drops {
            let before = self.attributes.len();
            self.attributes
                .retain(|a| !a.target.eq_ignore_ascii_case(target));
            if self.attributes.len() == before {
                return Err(MapError::UnknownDrop {
                    origin: overrides.origin.clone(),
                    line: *line,
                    target: target.clone(),
                });
            }
        }
        for replacement in &overrides.attributes {
            match self
                .attributes
                .iter_mut()
                .find(|a| a.target.eq_ignore_ascii_case(&replacement.target))
            {
                Some(existing) => *existing = replacement.clone(),
                None => self.attributes.push(replacement.clone()),
            }
        }
        Ok(AttributeMap::new(self.attributes))
    }

    /// The warehouse record for a SCIM resource (JSON as our SCIM types serialise it): each
    /// target whose expression finds a value, with the first value found. A target whose
    /// expression finds nothing, or only null, is absent from the record rather than null: the
    /// record then says only what the resource says, and `reverse` of it writes nothing there.
    pub fn apply(&self, resource: &Value) -> Map<String, Value> {
        let mut record = Map::new();
        self.for_each_found(resource, |target, value| {
            record.insert(target.to_string(), value.clone());
        });
        record
    }

    /// [`Self::apply`] written straight to JSON text: what an inventory stores, made without
    /// building the record (an inventory maps every object of a tenant).
    pub fn apply_to_json(&self, resource: &Value) -> Box<RawValue> {
        let mut text = Vec::with_capacity(1024);
        text.push(b'{');
        self.for_each_found(resource, |target, value| {
            if text.len() > 1 {
                text.push(b',');
            }
            write_json(&mut text, target);
            text.push(b':');
            write_json(&mut text, value);
        });
        text.push(b'}');
        let text = String::from_utf8(text).expect("serde_json writes UTF-8");
        RawValue::from_string(text).expect("an object of JSON values is JSON")
    }

    /// Each target whose expression finds a value in `resource`, in map order, with that value.
    fn for_each_found(&self, resource: &Value, mut found: impl FnMut(&str, &Value)) {
        let resource = self.spellings.align(resource);
        for attribute in &self.attributes {
            if let Some(value) = attribute.source.first_match(&resource) {
                found(&attribute.target, value);
            }
        }
    }

    /// The SCIM resource fragment a warehouse record describes: each target present in the record
    /// (named ignoring case; null meaning absent) written where its expression reads, creating
    /// members, extension objects and filtered array elements (`phoneNumbers[?@.type=='work']`
    /// becomes `{"type": "work", "value": ...}`). Keys the map has no target for are ignored
    /// (a record may carry the warehouse's own columns).
    ///
    /// For a record `apply` produced, `apply(reverse(record)) == record`.
    pub fn reverse(&self, record: &Map<String, Value>) -> Result<Value, MapError> {
        let mut resource = Map::new();
        for attribute in &self.attributes {
            let Some(value) = record
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(&attribute.target))
                .map(|(_, value)| value)
                .filter(|v| !v.is_null())
            else {
                continue;
            };
            attribute
                .source
                .write(&mut resource, value.clone())
                .map_err(|failure| reverse_error(attribute, failure))?;
        }
        Ok(Value::Object(resource))
    }
}

impl Overrides {
    /// Overrides from the text of a map file that may also have `drop = ["Target", ...]`.
    pub fn parse(text: &str, origin: &str) -> Result<Overrides, MapError> {
        let file: OverridesFile = toml::from_str(text).map_err(|err| format_error(origin, err))?;
        let drops: Vec<(String, usize)> = file
            .drop
            .iter()
            .map(|t| (t.get_ref().trim().to_string(), line_of(text, t)))
            .collect();
        let attributes = attributes(text, origin, &file.attribute, &drops)?;
        Ok(Overrides {
            origin: origin.to_string(),
            attributes,
            drops,
        })
    }

    /// Overrides from a file on disk.
    pub fn load(path: &Path) -> Result<Overrides, MapError> {
        Overrides::parse(&read(path)?, &path.display().to_string())
    }
}

/// A map file: `[[attribute]]` tables with `source`, `target` and an optional `description`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    #[serde(default)]
    attribute: Vec<AttributeRow>,
}

/// An override file: a map file that may also list targets to drop.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverridesFile {
    #[serde(default)]
    attribute: Vec<AttributeRow>,
    #[serde(default)]
    drop: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeRow {
    source: Spanned<String>,
    target: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
}

/// The rows of one file, each expression parsed, with no target blank or named twice (a dropped
/// target counts as named: dropping and redefining it in one file says two things).
fn attributes(
    text: &str,
    origin: &str,
    rows: &[AttributeRow],
    drops: &[(String, usize)],
) -> Result<Vec<Attribute>, MapError> {
    let mut named: Vec<&str> = Vec::new();
    for (target, line) in drops {
        if named.iter().any(|t| t.eq_ignore_ascii_case(target)) {
            return Err(MapError::DuplicateTarget {
                origin: origin.to_string(),
                line: *line,
                target: target.clone(),
            });
        }
        named.push(target);
    }
    let mut attributes = Vec::with_capacity(rows.len());
    for row in rows {
        let line = line_of(text, &row.target);
        let target = row.target.get_ref().trim();
        let expression = row.source.get_ref();
        if target.is_empty() {
            return Err(MapError::BlankTarget {
                origin: origin.to_string(),
                line,
                expression: expression.clone(),
            });
        }
        if named.iter().any(|t| t.eq_ignore_ascii_case(target)) {
            return Err(MapError::DuplicateTarget {
                origin: origin.to_string(),
                line,
                target: target.to_string(),
            });
        }
        named.push(target);
        let source =
            Expression::parse(expression).map_err(|failure| MapError::InvalidExpression {
                origin: origin.to_string(),
                line: line_of(text, &row.source),
                target: target.to_string(),
                expression: expression.clone(),
                reason: failure.reason,
            })?;
        attributes.push(Attribute {
            target: target.to_string(),
            source,
            description: row.description.clone(),
        });
    }
    Ok(attributes)
}

fn line_of<T>(text: &str, spanned: &Spanned<T>) -> usize {
    let start = spanned.span().start.min(text.len());
    text.as_bytes()[..start]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn format_error(origin: &str, err: toml::de::Error) -> MapError {
    MapError::Format {
        origin: origin.to_string(),
        message: err.to_string().trim_end().to_string(),
    }
}

fn read(path: &Path) -> Result<String, MapError> {
    std::fs::read_to_string(path).map_err(|reason| MapError::Read {
        path: path.to_path_buf(),
        reason,
    })
}

fn reverse_error(attribute: &Attribute, failure: WriteFailure) -> MapError {
    let target = attribute.target.clone();
    let expression = attribute.source.as_written().to_string();
    match failure {
        WriteFailure::NotReversible(reason) => MapError::NotReversible {
            target,
            expression,
            reason,
        },
        WriteFailure::Conflict => MapError::ReverseConflict { target, expression },
    }
}

fn write_json(text: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) {
    serde_json::to_writer(text, value).expect("strings and JSON values always serialise");
}
