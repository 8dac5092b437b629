//! The engine behind [`super::apply`]: resolve where an operation lands, then the add, replace
//! and remove rules of RFC 7644 §3.5.2 on a JSON map. Every function here may leave the map
//! half-changed on error; the caller works on a copy and drops it.

use serde_json::{Map, Value};

use super::{AttributeRules, PatchOp, PatchOperation, PatchPath, is_urn, kind_of, member};
use crate::error::ScimError;
use crate::filter::eval::same_text;
use crate::filter::{AttrPath, CompareOp, Filter};
use crate::schema;

type Object = Map<String, Value>;

/// Where an operation lands.
struct Target {
    /// The key of the extension object holding the attribute (as spelled in the resource, or
    /// by the rules when absent); `None` for the core schema.
    ext: Option<String>,
    /// `None`: the extension object itself.
    name: Option<String>,
    filter: Option<Filter>,
    sub: Option<String>,
}

/// Applies one operation, then refuses it if it changed a read-only attribute.
pub(super) fn operation(
    doc: &mut Object,
    operation: &PatchOperation,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    let guarded: Vec<(&str, Option<Value>)> = rules
        .read_only_names()
        .map(|name| (name, lookup(doc, name).cloned()))
        .collect();
    match (&operation.path, &operation.value) {
        (Some(path), value) => {
            let target = resolve(path, doc, rules)?;
            apply_at(doc, &target, operation.op, value.as_ref(), rules)?;
        }
        (None, Some(Value::Object(members))) => {
            apply_members(doc, None, members, operation.op, rules)?;
        }
        // PatchOperation::check refuses the rest before we get here.
        (None, _) => return Err(ScimError::no_target("the operation has no path")),
    }
    for (name, before) in guarded {
        if lookup(doc, name) != before.as_ref() {
            return Err(ScimError::mutability(format!(
                "{name} is read-only and cannot be changed"
            )));
        }
    }
    Ok(())
}

/// The value at a qualified name (`id`, `meta.version`, `urn:...:User:manager`).
fn lookup<'d>(doc: &'d Object, qualified: &str) -> Option<&'d Value> {
    let (container, rest) = if is_urn(qualified) {
        let i = qualified.rfind(':')?;
        (
            member(doc, &qualified[..i])?.as_object()?,
            &qualified[i + 1..],
        )
    } else {
        (doc, qualified)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    let value = member(container, name)?;
    match sub {
        None => Some(value),
        Some(sub) => member(value.as_object()?, sub),
    }
}

fn resolve(path: &PatchPath, doc: &Object, rules: &AttributeRules) -> Result<Target, ScimError> {
    let attr = &path.attr;
    let in_container = |ext: Option<String>| Target {
        ext,
        name: Some(attr.name.clone()),
        filter: path.filter.clone(),
        sub: attr.sub.clone(),
    };
    let Some(schema) = &attr.schema else {
        let ext = rules
            .extension_declaring(&attr.name)
            .and_then(|urn| extension_key(doc, urn, rules));
        return Ok(in_container(ext));
    };
    // Split at its last ':', `urn:...:enterprise:2.0:User` reads as attribute `User` of
    // schema `urn:...:2.0`; it names the extension object itself.
    let whole = format!("{schema}:{}", attr.name);
    if let Some(urn) = extension_key(doc, &whole, rules) {
        if path.filter.is_some() {
            return Err(ScimError::invalid_path(format!(
                "{whole} is an extension schema, not a multi-valued attribute to filter"
            )));
        }
        // `urn:...:User.department`: the dotted form Entra's provisioning jobs used before
        // December 2018 for extension attributes.
        return Ok(Target {
            ext: Some(urn),
            name: attr.sub.clone(),
            filter: None,
            sub: None,
        });
    }
    if schema::urn_eq(schema, rules.core_schema()) {
        return Ok(in_container(None));
    }
    if let Some(urn) = extension_key(doc, schema, rules) {
        return Ok(in_container(Some(urn)));
    }
    let mut known = vec![rules.core_schema().to_string()];
    known.extend(rules.extensions().iter().cloned());
    Err(ScimError::invalid_path(format!(
        "{schema} is not a schema of this resource (known: {})",
        known.join(", ")
    )))
}

/// The key of the extension `urn`: present in the resource as an object, or declared.
fn extension_key(doc: &Object, urn: &str, rules: &AttributeRules) -> Option<String> {
    doc.iter()
        .find(|(k, v)| schema::urn_eq(k, urn) && v.is_object())
        .map(|(k, _)| k.clone())
        .or_else(|| rules.extension_urn(urn).map(str::to_string))
}

fn apply_at(
    doc: &mut Object,
    target: &Target,
    op: PatchOp,
    value: Option<&Value>,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    let ext = target.ext.as_deref();
    let Some(name) = target.name.as_deref() else {
        return whole_extension(doc, ext.unwrap_or_default(), op, value, rules);
    };
    let q = qualify(ext, name);
    let result = match container(doc, ext, op != PatchOp::Remove)? {
        Some(map) => on_attribute(map, name, &q, target, op, value, rules),
        // Removing from an extension the resource does not have.
        None => match &target.filter {
            Some(filter) if !rules.tolerates_absent_remove(&q) => Err(no_target(&q, filter)),
            _ => Ok(()),
        },
    };
    if let Some(urn) = ext {
        prune_empty(doc, urn);
    }
    result
}

/// The object holding attributes of `ext` (the resource itself for the core schema), created
/// when `create` and missing.
fn container<'d>(
    doc: &'d mut Object,
    ext: Option<&str>,
    create: bool,
) -> Result<Option<&'d mut Object>, ScimError> {
    let Some(urn) = ext else {
        return Ok(Some(doc));
    };
    let key = find_key(doc, urn).unwrap_or_else(|| urn.to_string());
    match doc.get(&key) {
        None | Some(Value::Null) if !create => return Ok(None),
        Some(v) if !v.is_object() && !v.is_null() => {
            return Err(ScimError::invalid_value(format!(
                "{urn} is {}, not an extension object",
                kind_of(v)
            )));
        }
        _ => {}
    }
    let slot = doc.entry(key).or_insert(Value::Null);
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    Ok(slot.as_object_mut())
}

fn on_attribute(
    map: &mut Object,
    name: &str,
    q: &str,
    target: &Target,
    op: PatchOp,
    value: Option<&Value>,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    let key = find_key(map, name).unwrap_or_else(|| attribute_spelling(rules, q, name));
    let existing = map.get(&key);
    let multi = rules.is_multi_valued(q) || existing.is_some_and(Value::is_array);
    match (&target.filter, target.sub.as_deref()) {
        (None, None) => whole_attribute(map, &key, q, multi, op, value, rules),
        (None, Some(sub)) if multi => Err(ScimError::invalid_path(format!(
            "{q} is multi-valued: select its values with a filter, as in {q}[type eq \"work\"].{sub}"
        ))),
        (None, Some(sub)) => sub_attribute(map, &key, q, sub, op, value, rules),
        (Some(_), _) if !multi && existing.is_some_and(|v| !v.is_null()) => {
            Err(ScimError::invalid_path(format!(
                "{q} is not multi-valued; a [filter] selects values of multi-valued attributes"
            )))
        }
        (Some(filter), sub) => selected(map, &key, q, filter, sub, op, value, rules),
    }
}

/// `emails`, `displayName`, `name`, `urn:...:User:manager`: no filter, no sub-attribute.
fn whole_attribute(
    map: &mut Object,
    key: &str,
    q: &str,
    multi: bool,
    op: PatchOp,
    value: Option<&Value>,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    let value = match (op, value) {
        // Microsoft Entra removes group members as {"op":"Remove","path":"members",
        // "value":[{"value":"<id>"}]}: only the listed values go.
        (PatchOp::Remove, Some(v)) if multi && !v.is_null() => {
            return remove_listed(map, key, q, v, rules);
        }
        (PatchOp::Remove, _) => {
            // RFC 7644 §3.5.2.2 reserves noTarget for filters matching nothing; removing an
            // unassigned attribute leaves it unassigned.
            map.remove(key);
            return Ok(());
        }
        (_, None) => return Err(missing_value(op)),
        // Null is "unassigned" (RFC 7643 §2.5).
        (PatchOp::Replace, Some(Value::Null)) => {
            map.remove(key);
            return Ok(());
        }
        (PatchOp::Add, Some(Value::Null)) => return Ok(()),
        (_, Some(v)) => v,
    };
    if multi {
        let items = values_of(q, value, rules)?;
        let mut list = match (op, map.remove(key)) {
            (PatchOp::Add, Some(Value::Array(list))) => list,
            (PatchOp::Add, Some(v)) if !v.is_null() => vec![v],
            _ => Vec::new(),
        };
        let written: Vec<usize> = items
            .into_iter()
            .map(|item| add_value(&mut list, item, q, rules))
            .collect();
        single_primary(&mut list, &written);
        if !list.is_empty() {
            map.insert(key.to_string(), Value::Array(list));
        }
        return Ok(());
    }
    match normalize(q, value, rules)? {
        Value::Object(members) => {
            // Complex: the sub-attributes sent replace or join the existing ones; the others
            // stay (RFC 7644 §3.5.2.1 and §3.5.2.3).
            let slot = map.entry(key.to_string()).or_insert(Value::Null);
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(existing) = slot {
                merge(existing, members, q, rules);
            }
            remove_if_empty(map, key);
        }
        v => {
            map.insert(key.to_string(), v);
        }
    }
    Ok(())
}

/// `name.givenName`, `urn:...:User:manager.value`: a sub-attribute of a single complex value.
fn sub_attribute(
    map: &mut Object,
    key: &str,
    q: &str,
    sub: &str,
    op: PatchOp,
    value: Option<&Value>,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    let qs = format!("{q}.{sub}");
    if let Some(v) = map.get(key).filter(|v| !v.is_object() && !v.is_null()) {
        return Err(ScimError::invalid_path(format!(
            "{q} is {}, not a complex attribute with sub-attributes",
            kind_of(v)
        )));
    }
    let value = match op {
        PatchOp::Remove => Value::Null,
        _ => normalize(&qs, value.ok_or_else(|| missing_value(op))?, rules)?,
    };
    let spelled = sub_spelling(rules, q, sub);
    let mut members = Map::new();
    members.insert(spelled, value);
    let slot = map.entry(key.to_string()).or_insert(Value::Null);
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(existing) = slot {
        merge(existing, members, q, rules);
    }
    remove_if_empty(map, key);
    Ok(())
}

/// `emails[type eq "work"]`, `emails[type eq "work"].value`: the values a filter selects.
#[allow(clippy::too_many_arguments)]
fn selected(
    map: &mut Object,
    key: &str,
    q: &str,
    filter: &Filter,
    sub: Option<&str>,
    op: PatchOp,
    value: Option<&Value>,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    let mut list = match map.remove(key) {
        Some(Value::Array(list)) => list,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    };
    let result = change_selected(&mut list, q, filter, sub, op, value, rules);
    if !list.is_empty() {
        map.insert(key.to_string(), Value::Array(list));
    }
    result
}

fn change_selected(
    list: &mut Vec<Value>,
    q: &str,
    filter: &Filter,
    sub: Option<&str>,
    op: PatchOp,
    value: Option<&Value>,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    let attribute = AttrPath::new(q);
    let case_exact = |p: &AttrPath| rules.is_case_exact_at(p);
    let hits: Vec<usize> = (0..list.len())
        .filter(|&i| filter.matches_value(&attribute, &list[i], &case_exact))
        .collect();
    let value = match (op, value) {
        (PatchOp::Add, Some(Value::Null)) => return Ok(()),
        (PatchOp::Remove, _) | (PatchOp::Replace, Some(Value::Null)) => {
            if hits.is_empty() {
                // RFC 7644 §3.5.2.2 answers noTarget, but Microsoft Entra sends removals of
                // members that are not (or no longer) in the group, and expects success.
                let tolerated = rules.tolerates_absent_remove(q) || op != PatchOp::Remove;
                return if tolerated {
                    Ok(())
                } else {
                    Err(no_target(q, filter))
                };
            }
            remove_selected(list, &hits, sub);
            return Ok(());
        }
        (_, None) => return Err(missing_value(op)),
        (_, Some(v)) => v,
    };
    let qs = sub.map(|s| format!("{q}.{s}"));
    let value = normalize(qs.as_deref().unwrap_or(q), value, rules)?;
    let written = if hits.is_empty() {
        // RFC 7644 §3.5.2.3 answers noTarget here too, but Microsoft Entra replaces
        // `emails[type eq "work"].value` of users without a work email and expects the value
        // added: build it from the filter's `eq` clauses.
        let Some(mut element) = element_from(filter, q, rules)? else {
            return Err(no_target(q, filter));
        };
        let members = match (sub, value) {
            (Some(s), v) => Map::from_iter([(sub_spelling(rules, q, s), v)]),
            (None, Value::Object(m)) => m,
            (None, v) => {
                return Err(ScimError::invalid_value(format!(
                    "the values of {q} are objects, got {}",
                    kind_of(&v)
                )));
            }
        };
        merge(&mut element, members, q, rules);
        list.push(Value::Object(element));
        vec![list.len() - 1]
    } else {
        for &i in &hits {
            match (sub, &mut list[i], &value) {
                (Some(s), Value::Object(element), v) => {
                    let members = Map::from_iter([(sub_spelling(rules, q, s), v.clone())]);
                    merge(element, members, q, rules);
                }
                (Some(_), other, _) => {
                    return Err(ScimError::invalid_path(format!(
                        "a value of {q} is {}, which has no sub-attributes",
                        kind_of(other)
                    )));
                }
                (None, Value::Object(element), Value::Object(m)) if op == PatchOp::Add => {
                    merge(element, m.clone(), q, rules);
                }
                // "all matching record values SHALL be replaced" (RFC 7644 §3.5.2.3).
                (None, slot, v) => *slot = without_nulls(v.clone()),
            }
        }
        hits
    };
    single_primary(list, &written);
    Ok(())
}

fn remove_selected(list: &mut Vec<Value>, hits: &[usize], sub: Option<&str>) {
    match sub {
        Some(s) => {
            for &i in hits {
                if let Value::Object(element) = &mut list[i]
                    && let Some(k) = find_key(element, s)
                {
                    element.remove(&k);
                }
            }
            list.retain(|v| v.as_object().is_none_or(|m| !m.is_empty()));
        }
        None => {
            let mut doomed = vec![false; list.len()];
            for &i in hits {
                doomed[i] = true;
            }
            let mut i = 0;
            list.retain(|_| {
                i += 1;
                !doomed[i - 1]
            });
        }
    }
}

/// `{type: "work"}` from `type eq "work"`: the value a filtered replace creates when nothing
/// matched. `None` if the filter is not a conjunction of `eq` clauses on sub-attributes.
fn element_from(
    filter: &Filter,
    q: &str,
    rules: &AttributeRules,
) -> Result<Option<Object>, ScimError> {
    fn eq_clauses<'f>(f: &'f Filter, out: &mut Vec<(&'f str, Value)>) -> bool {
        match f {
            Filter::And(a, b) => eq_clauses(a, out) && eq_clauses(b, out),
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } if path.schema.is_none() && path.sub.is_none() => {
                out.push((&path.name, value.to_json()));
                true
            }
            _ => false,
        }
    }
    let mut clauses = Vec::new();
    if !eq_clauses(filter, &mut clauses) {
        return Ok(None);
    }
    let mut element = Map::new();
    for (name, v) in clauses {
        let v = normalize(&format!("{q}.{name}"), &v, rules)?;
        if !v.is_null() {
            element.insert(sub_spelling(rules, q, name), v);
        }
    }
    Ok(Some(element))
}

/// Removes the listed values (compared as in [`contains`]); values not present are ignored.
fn remove_listed(
    map: &mut Object,
    key: &str,
    q: &str,
    value: &Value,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    let doomed = values_of(q, value, rules)?;
    let empty = match value {
        Value::Array(items) => items.len() != doomed.len(),
        _ => doomed.is_empty(),
    };
    if empty {
        // An empty value would match every value: refuse rather than remove them all.
        return Err(ScimError::invalid_value(format!(
            "a value to remove from {q} is empty; name it, as in {{\"value\": \"<id>\"}}"
        )));
    }
    if let Some(Value::Array(list)) = map.get_mut(key) {
        list.retain(|v| !doomed.iter().any(|d| contains(v, d, q, rules)));
        if list.is_empty() {
            map.remove(key);
        }
    }
    Ok(())
}

/// A whole extension object: `urn:...:enterprise:2.0:User` as a path, or as a member of a
/// path-less value.
fn whole_extension(
    doc: &mut Object,
    urn: &str,
    op: PatchOp,
    value: Option<&Value>,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    match (op, value) {
        (PatchOp::Remove, _) | (PatchOp::Replace, Some(Value::Null)) => {
            if let Some(k) = find_key(doc, urn) {
                doc.remove(&k);
            }
            Ok(())
        }
        (PatchOp::Add, Some(Value::Null)) => Ok(()),
        (_, Some(Value::Object(members))) => {
            apply_members(doc, Some(urn), members, op, rules)?;
            prune_empty(doc, urn);
            Ok(())
        }
        (_, Some(other)) => Err(ScimError::invalid_value(format!(
            "{urn} takes an object of its attributes, got {}",
            kind_of(other)
        ))),
        (_, None) => Err(missing_value(op)),
    }
}

/// The members of a path-less value (or of an extension object in one), each applied as if
/// its name were the path. Microsoft Entra sends names that are paths themselves:
/// `"name.givenName"`, `"emails[type eq \"work\"].value"`, `"urn:...:User:employeeNumber"`.
fn apply_members(
    doc: &mut Object,
    ext: Option<&str>,
    members: &Object,
    op: PatchOp,
    rules: &AttributeRules,
) -> Result<(), ScimError> {
    for (key, v) in members {
        let target = match ext {
            // Derived from the extensions present, by the server; clients echo it.
            None if key.eq_ignore_ascii_case("schemas") => continue,
            None => member_target(doc, key, v, rules)?,
            Some(urn) => {
                let path = PatchPath::parse(key).map_err(|e| {
                    ScimError::invalid_path(format!("member {key:?} of {urn}: {}", e.detail))
                })?;
                if path.attr.schema.is_some() {
                    return Err(ScimError::invalid_path(format!(
                        "member {key:?} of {urn} cannot name a schema"
                    )));
                }
                Target {
                    ext: Some(urn.to_string()),
                    name: Some(path.attr.name),
                    filter: path.filter,
                    sub: path.attr.sub,
                }
            }
        };
        apply_at(doc, &target, op, Some(v), rules)?;
    }
    Ok(())
}

fn member_target(
    doc: &Object,
    key: &str,
    value: &Value,
    rules: &AttributeRules,
) -> Result<Target, ScimError> {
    match PatchPath::parse(key).and_then(|path| resolve(&path, doc, rules)) {
        Ok(target) => Ok(target),
        // An extension the rules do not declare, such as B2C's UserProfile: kept as sent.
        Err(_) if is_urn(key) && value.is_object() && !schema::urn_eq(key, rules.core_schema()) => {
            Ok(Target {
                ext: Some(key.to_string()),
                name: None,
                filter: None,
                sub: None,
            })
        }
        Err(e) => Err(ScimError::invalid_path(format!(
            "member {key:?} of the value: {}",
            e.detail
        ))),
    }
}

/// Keeps `schemas` listing the core schema and exactly the extension objects present.
pub(super) fn sync_schemas(doc: &mut Object, rules: &AttributeRules) {
    let Some(key) = find_key(doc, "schemas") else {
        return;
    };
    let present: Vec<String> = doc
        .iter()
        .filter(|(k, v)| is_urn(k) && v.is_object())
        .map(|(k, _)| k.clone())
        .collect();
    let Some(Value::Array(list)) = doc.get_mut(&key) else {
        return;
    };
    list.retain(|s| {
        s.as_str().is_none_or(|s| {
            schema::urn_eq(s, rules.core_schema()) || present.iter().any(|p| schema::urn_eq(p, s))
        })
    });
    for urn in present {
        if !list
            .iter()
            .any(|s| s.as_str().is_some_and(|s| schema::urn_eq(s, &urn)))
        {
            list.push(Value::String(urn));
        }
    }
}

/// Booleans sent as strings become booleans ("True"/"False" from Entra); a string sent for a
/// complex attribute with a `value` becomes `{"value": ...}` (Entra sends the manager's id
/// bare). Recurses into objects and lists with the qualified names of their members.
fn normalize(q: &str, v: &Value, rules: &AttributeRules) -> Result<Value, ScimError> {
    if rules.is_boolean(q) {
        return match v {
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            Value::Bool(_) | Value::Null => Ok(v.clone()),
            _ => Err(ScimError::invalid_value(format!(
                "{q} must be a boolean (or \"True\"/\"False\"), got {v}"
            ))),
        };
    }
    Ok(match v {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, x)| Ok((k.clone(), normalize(&format!("{q}.{k}"), x, rules)?)))
                .collect::<Result<Object, ScimError>>()?,
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|x| normalize(q, x, rules))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Value::String(s) if rules.has_sub(q, "value") => Value::Object(Map::from_iter([(
            "value".to_string(),
            Value::String(s.clone()),
        )])),
        _ => v.clone(),
    })
}

/// The values of a multi-valued attribute given as a list or a single value, normalized,
/// without null members (`"$ref": null` from Entra) and without values that are left empty.
fn values_of(q: &str, value: &Value, rules: &AttributeRules) -> Result<Vec<Value>, ScimError> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        v => std::slice::from_ref(v),
    };
    let mut out = Vec::new();
    for item in items.iter().filter(|v| !v.is_null()) {
        let item = without_nulls(normalize(q, item, rules)?);
        if item.as_object().is_none_or(|m| !m.is_empty()) {
            out.push(item);
        }
    }
    Ok(out)
}

/// Adds `item` unless an equal value is there (RFC 7644 §3.5.2.1: no change, no error); a
/// value the new one only extends (`{value}` -> `{value, type}`) is replaced by it. Returns
/// the index of the value.
fn add_value(list: &mut Vec<Value>, item: Value, q: &str, rules: &AttributeRules) -> usize {
    if let Some(i) = list.iter().position(|v| contains(v, &item, q, rules)) {
        return i;
    }
    if let Some(i) = list.iter().position(|v| contains(&item, v, q, rules)) {
        list[i] = item;
        return i;
    }
    list.push(item);
    list.len() - 1
}

/// Whether `big` holds everything `small` says: equal simple values, or every member of
/// `small` equal in `big`. Strings compare ignoring case unless the attribute is case-exact.
fn contains(big: &Value, small: &Value, q: &str, rules: &AttributeRules) -> bool {
    match (big, small) {
        (Value::Object(b), Value::Object(s)) => {
            !s.is_empty()
                && s.iter().all(|(k, sv)| {
                    member(b, k).is_some_and(|bv| contains(bv, sv, &format!("{q}.{k}"), rules))
                })
        }
        (Value::String(a), Value::String(b)) => same_text(a, b, rules.is_case_exact(q)),
        _ => big == small,
    }
}

/// RFC 7644 §3.5.2: setting one value's `primary` to true sets it false on the others. The
/// last value written with `primary: true` wins.
fn single_primary(list: &mut [Value], written: &[usize]) {
    let is_primary = |v: &Value| {
        v.as_object()
            .and_then(|m| member(m, "primary"))
            .is_some_and(|p| p == &Value::Bool(true))
    };
    let Some(&winner) = written.iter().rev().find(|&&i| is_primary(&list[i])) else {
        return;
    };
    for (i, v) in list.iter_mut().enumerate() {
        if i != winner
            && is_primary(v)
            && let Value::Object(m) = v
            && let Some(k) = find_key(m, "primary")
        {
            m.insert(k, Value::Bool(false));
        }
    }
}

/// Sets each member in `existing` (keeping an existing key's spelling); null unassigns it.
fn merge(existing: &mut Object, members: Object, q: &str, rules: &AttributeRules) {
    for (k, v) in members {
        let key = find_key(existing, &k).unwrap_or_else(|| sub_spelling(rules, q, &k));
        if v.is_null() {
            existing.remove(&key);
        } else {
            existing.insert(key, without_nulls(v));
        }
    }
}

fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        v => v,
    }
}

fn remove_if_empty(map: &mut Object, key: &str) {
    if map
        .get(key)
        .is_some_and(|v| v.as_object().is_some_and(Map::is_empty))
    {
        map.remove(key);
    }
}

/// An extension left without attributes is unassigned, like any complex attribute.
fn prune_empty(doc: &mut Object, urn: &str) {
    if let Some(k) = find_key(doc, urn) {
        remove_if_empty(doc, &k);
    }
}

/// The existing key spelled like `name`, ignoring case; an exact match wins.
fn find_key(map: &Object, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_string());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn qualify(ext: Option<&str>, name: &str) -> String {
    match ext {
        Some(urn) => format!("{urn}:{name}"),
        None => name.to_string(),
    }
}

/// How a new attribute is spelled: as the rules declare it, else as sent.
fn attribute_spelling(rules: &AttributeRules, q: &str, name: &str) -> String {
    rules
        .canonical(q)
        .and_then(|c| c.rsplit(':').next())
        .unwrap_or(name)
        .to_string()
}

fn sub_spelling(rules: &AttributeRules, q: &str, sub: &str) -> String {
    rules
        .canonical(&format!("{q}.{sub}"))
        .and_then(|c| c.rsplit('.').next())
        .unwrap_or(sub)
        .to_string()
}

fn missing_value(op: PatchOp) -> ScimError {
    ScimError::invalid_value(format!("{op} needs a value"))
}

fn no_target(q: &str, filter: &Filter) -> ScimError {
    ScimError::no_target(format!("no value of {q} matches [{filter}]"))
}
