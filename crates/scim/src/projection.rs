//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5) applied to one resource's JSON.
//! Which attributes are `returned: never` or `always` (RFC 7643 §7) is read from the discovery
//! schemas, so what `/Schemas` promises and what a response carries cannot drift apart.

use serde_json::{Map, Value};

use crate::{discovery, schema};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    /// The kind `meta.resourceType` names, ignoring case.
    pub fn from_resource_type(name: &str) -> Option<ResourceKind> {
        [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .find(|kind| kind.resource_type_id().eq_ignore_ascii_case(name))
    }

    /// The `/ResourceTypes` id, under which discovery knows its schemas.
    fn resource_type_id(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }
}

/// The common attributes returned "always": `id` (RFC 7643 §3.1), and `schemas`, without which
/// a representation cannot be read (§3: REQUIRED). Discovery's schemas list neither, since the
/// RFC defines them for every resource rather than in a schema.
const ALWAYS_RETURNED_COMMON: &[&str] = &["id", "schemas"];

/// Applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) to one resource's JSON.
///
/// Names are in standard attribute notation (RFC 7644 §3.10), compared ignoring ASCII case:
/// `userName`, `name.givenName`, `emails.value`, `urn:...:enterprise:2.0:User:department`, or a
/// bare extension URN for the whole extension. With `attributes` non-empty only those are kept,
/// plus the `returned: always` ones; `excludedAttributes` then drops its names, except
/// `returned: always` ones. `returned: never` attributes (`password`) are never returned. A
/// `schemas` entry whose extension object is dropped entirely is dropped too.
pub fn project(
    resource: &Value,
    attributes: &[String],
    excluded: &[String],
    resource_type: ResourceKind,
) -> Value {
    let Value::Object(original) = resource else {
        return resource.clone();
    };
    let names = Names::new(resource_type, original);
    let never: Vec<Vec<String>> = names.returned_paths("never");
    let always: Vec<Vec<String>> = ALWAYS_RETURNED_COMMON
        .iter()
        .map(|n| vec![n.to_string()])
        .chain(names.returned_paths("always"))
        .collect();

    let named: Vec<Vec<String>> = attributes.iter().map(|a| names.parse(a)).collect();
    let mut out = original.clone();
    for path in &never {
        remove(&mut out, path);
    }
    for path in names.returned_paths("request") {
        if !named.iter().any(|n| starts_with(n, &path)) {
            remove(&mut out, &path);
        }
    }
    if !attributes.is_empty() {
        let mut wanted = named;
        // A bare core schema URN names every core attribute.
        if wanted.iter().any(Vec::is_empty) {
            wanted.extend(out.keys().filter(|k| !is_urn(k)).map(|k| vec![k.clone()]));
        }
        wanted.extend(always.iter().cloned());
        let wanted: Vec<&[String]> = wanted.iter().map(Vec::as_slice).collect();
        out = select(&out, &wanted);
    }
    for name in excluded {
        let path = names.parse(name);
        // Excluding an always-returned attribute, or what contains one, has no effect.
        if path.is_empty() || always.iter().any(|a| starts_with(a, &path)) {
            continue;
        }
        remove(&mut out, &path);
    }
    drop_schemas_of_dropped_extensions(original, &mut out);
    Value::Object(out)
}

/// Whether `attributes` (a request's `attributes` parameter) names `attribute` or one of its
/// sub-attributes, so a caller knows to fetch an attribute returned only on request.
pub fn names_attribute(attributes: &[String], attribute: &str, resource_type: ResourceKind) -> bool {
    let names = Names::new(resource_type, &Map::new());
    let wanted = names.parse(attribute);
    attributes.iter().any(|a| starts_with(&names.parse(a), &wanted))
}

/// The schema URNs a resource's names can be qualified with.
struct Names {
    core: &'static str,
    /// The resource type's schemas and any other URN-keyed member the resource carries
    /// (unknown extensions travel through untouched, so they can be named too).
    urns: Vec<String>,
    resource_type_id: &'static str,
}

impl Names {
    fn new(kind: ResourceKind, resource: &Map<String, Value>) -> Self {
        let id = kind.resource_type_id();
        let declared = discovery::schema_urns(id);
        let core = declared.first().copied().unwrap_or(match kind {
            ResourceKind::User => schema::USER,
            ResourceKind::Group => schema::GROUP,
        });
        let urns = declared
            .iter()
            .map(|u| u.to_string())
            .chain(resource.keys().filter(|k| is_urn(k)).cloned())
            .collect();
        Names {
            core,
            urns,
            resource_type_id: id,
        }
    }

    /// `name.givenName` -> [name, givenName]; `urn:...:User:manager.value` -> [urn, manager,
    /// value]; a core-qualified name loses its URN; a bare core URN gives [].
    fn parse(&self, name: &str) -> Vec<String> {
        let name = name.trim();
        match self.split_urn(name) {
            Some((urn, rest)) if schema::urn_eq(urn, self.core) => split_dots(rest),
            Some((urn, rest)) => std::iter::once(urn.to_string())
                .chain(split_dots(rest))
                .collect(),
            None => {
                let path = split_dots(name);
                let top = path.first().map(String::as_str).unwrap_or_default();
                match discovery::extension_declaring(self.resource_type_id, top) {
                    Some(urn) => std::iter::once(urn.to_string()).chain(path).collect(),
                    None => path,
                }
            }
        }
    }

    /// The longest known URN `name` starts with, followed by its end or ':'. An unknown URN
    /// is taken to end at the last ':'.
    fn split_urn<'a>(&self, name: &'a str) -> Option<(&'a str, &'a str)> {
        if !is_urn(name) {
            return None;
        }
        let known = self
            .urns
            .iter()
            .filter(|u| {
                name.get(..u.len())
                    .is_some_and(|head| schema::urn_eq(head, u))
                    && matches!(name.as_bytes().get(u.len()), None | Some(b':'))
            })
            .map(String::len)
            .max();
        match known {
            Some(len) => Some((&name[..len], name[len..].strip_prefix(':').unwrap_or(""))),
            None => name.rsplit_once(':'),
        }
    }

    /// The paths of the attributes discovery marks `returned: <returned>`.
    fn returned_paths(&self, returned: &str) -> Vec<Vec<String>> {
        discovery::attributes_returned(self.resource_type_id, returned)
            .into_iter()
            .map(|(urn, path)| {
                if schema::urn_eq(urn, self.core) {
                    split_dots(&path)
                } else {
                    std::iter::once(urn.to_string())
                        .chain(split_dots(&path))
                        .collect()
                }
            })
            .collect()
    }
}

fn is_urn(s: &str) -> bool {
    s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

fn split_dots(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split('.').map(str::to_string).collect()
}

/// Whether `path` is `prefix` or lies inside it.
fn starts_with(path: &[String], prefix: &[String]) -> bool {
    path.len() >= prefix.len()
        && path
            .iter()
            .zip(prefix)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// The members of `obj` the paths reach: a path that ends at a member keeps it whole, a longer
/// one keeps only the named sub-attributes (in every value of a multi-valued attribute).
fn select(obj: &Map<String, Value>, paths: &[&[String]]) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in obj {
        let rests: Vec<&[String]> = paths
            .iter()
            .filter_map(|p| p.split_first())
            .filter(|(first, _)| first.eq_ignore_ascii_case(key))
            .map(|(_, rest)| rest)
            .collect();
        if rests.is_empty() {
            continue;
        }
        if rests.iter().any(|r| r.is_empty()) {
            out.insert(key.clone(), value.clone());
        } else if let Some(v) = select_value(value, &rests) {
            out.insert(key.clone(), v);
        }
    }
    out
}

/// `None` when nothing named is there, so no empty object or list is left behind.
fn select_value(value: &Value, paths: &[&[String]]) -> Option<Value> {
    match value {
        Value::Object(m) => {
            let kept = select(m, paths);
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .filter_map(|i| select_value(i, paths))
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        _ => None,
    }
}

/// Removes what `path` names; a complex value or list left empty by it goes too.
fn remove(obj: &mut Map<String, Value>, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let keys: Vec<String> = obj
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(first))
        .cloned()
        .collect();
    for key in keys {
        let emptied = rest.is_empty() || obj.get_mut(&key).is_some_and(|v| remove_in(v, rest));
        if emptied {
            obj.remove(&key);
        }
    }
}

/// Whether `value` is left empty.
fn remove_in(value: &mut Value, path: &[String]) -> bool {
    match value {
        Value::Object(m) => {
            remove(m, path);
            m.is_empty()
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                remove_in(item, path);
            }
            items.retain(|i| !matches!(i, Value::Object(m) if m.is_empty()));
            items.is_empty()
        }
        _ => false,
    }
}

/// Keeps `schemas` telling the truth: an extension whose member the projection dropped is no
/// longer listed.
fn drop_schemas_of_dropped_extensions(original: &Map<String, Value>, out: &mut Map<String, Value>) {
    let has = |m: &Map<String, Value>, urn: &str| m.keys().any(|k| schema::urn_eq(k, urn));
    let dropped: Vec<String> = original
        .keys()
        .filter(|k| is_urn(k) && !has(out, k))
        .cloned()
        .collect();
    for (key, value) in out.iter_mut() {
        if let (true, Value::Array(items)) = (key.eq_ignore_ascii_case("schemas"), value) {
            items.retain(|s| {
                !s.as_str()
                    .is_some_and(|s| dropped.iter().any(|d| schema::urn_eq(d, s)))
            });
        }
    }
}

#[cfg(test)]
mod tests;
