//! A group's owners in SCIM: the azureAdGroup extension's `owners` (returned only on request,
//! since reading them costs a Graph request), and the B2C connector's write-only `ownersToAdd` /
//! `ownersToRemove`. Like members, owners are Graph links written one `$ref` at a time.

use graph::{DirectoryObject, GraphClient, Transport};
use scim::Group;
use scim::error::ScimError;
use serde_json::{Map, Value, json};

use crate::error::scim_error;
use crate::group::{AZURE_AD_GROUP, extension, member_ref};
use crate::json::member_named;

/// Graph caps a group at 100 owners; one page of the largest size reads them all.
const OWNER_PAGE: u32 = 999;

/// The most owners read; far past Graph's cap, so reaching it means a paging fault.
const OWNER_LIMIT: usize = 1_000;

/// Every owner of the group, as Graph's directory objects.
pub async fn read_owners<T: Transport>(graph: &GraphClient<'_, T>, group_id: &str) -> Result<Vec<DirectoryObject>, ScimError> {
    let mut owners = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = graph.list_owners(group_id, OWNER_PAGE, token.as_deref()).await.map_err(|e| scim_error(&e))?;
        owners.extend(page.value);
        match page.skip_token {
            Some(next) if owners.len() < OWNER_LIMIT && token.as_deref() != Some(next.as_str()) => token = Some(next),
            _ => return Ok(owners),
        }
    }
}

/// Puts `owners` on the SCIM group under the extension (left out when there are none).
pub fn set_owners(group: &mut Group, owners: &[DirectoryObject], location_base: &str) {
    let base = location_base.trim_end_matches('/');
    let refs: Vec<Value> = owners
        .iter()
        .filter(|o| !o.id.is_empty())
        .filter_map(|o| serde_json::to_value(member_ref(o, base)).ok())
        .collect();
    if refs.is_empty() {
        return;
    }
    extension_mut(group).insert("owners".into(), Value::Array(refs));
    group.fill_schemas();
}

/// The group's extension object, created when missing (or not an object).
fn extension_mut(group: &mut Group) -> &mut Map<String, Value> {
    let extension = group
        .extensions
        .entry(AZURE_AD_GROUP.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !extension.is_object() {
        *extension = Value::Object(Map::new());
    }
    match extension {
        Value::Object(map) => map,
        _ => unreachable!("made an object above"),
    }
}

/// `group` with the owner lists of `request` (`owners`, `ownersToAdd`, `ownersToRemove`) put
/// into its extension, so [`owner_changes`] from `group` to the result applies the request's
/// owners and nothing else of it (create uses this after Graph made the group).
pub fn with_owners_of(group: &Group, request: &Group) -> Result<Group, ScimError> {
    let mut out = group.clone();
    for name in ["owners", "ownersToAdd", "ownersToRemove"] {
        let Some(ids) = owner_ids(request, name)? else { continue };
        let values = ids.into_iter().map(|id| json!({"value": id})).collect();
        extension_mut(&mut out).insert(name.into(), Value::Array(values));
    }
    Ok(out)
}

/// Whether a request body (a SCIM Group or a PatchOp) speaks of owners anywhere: `owners`,
/// `ownersToAdd` or `ownersToRemove`, bare or under the extension, as a key or in a path. A
/// component reads the group's owners only then.
pub fn mentions_owners(body: &Value) -> bool {
    match body {
        Value::Object(members) => members
            .iter()
            .any(|(key, value)| is_owner_name(key) || mentions_owners(value)),
        Value::Array(items) => items.iter().any(mentions_owners),
        Value::String(path) => path
            .split([':', '[', '.', ' '])
            .any(is_owner_name),
        _ => false,
    }
}

fn is_owner_name(name: &str) -> bool {
    ["owners", "ownersToAdd", "ownersToRemove"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// The owner ids to add and to remove to go from `before` to `after`. The owners `after` asks
/// for are its `owners` when it carries them (else `before`'s), plus `ownersToAdd`, minus
/// `ownersToRemove`; `ownersToRemove` is removed even when `before` was read without owners.
/// Each list is in request order, without duplicates (ids compare ignoring ASCII case).
pub fn owner_changes(before: &Group, after: &Group) -> Result<(Vec<String>, Vec<String>), ScimError> {
    let old = owner_ids(before, "owners")?.unwrap_or_default();
    let to_add = owner_ids(after, "ownersToAdd")?.unwrap_or_default();
    let to_remove = owner_ids(after, "ownersToRemove")?.unwrap_or_default();
    let mut wanted = owner_ids(after, "owners")?.unwrap_or_else(|| old.clone());
    push_new(&mut wanted, to_add);
    wanted.retain(|id| !contains(&to_remove, id));

    let additions = wanted.iter().filter(|id| !contains(&old, id)).cloned().collect();
    let mut removals: Vec<String> = old.iter().filter(|id| !contains(&wanted, id)).cloned().collect();
    push_new(&mut removals, to_remove);
    Ok((additions, removals))
}

/// The ids in `group`'s attribute `name` (in the extension, or bare at the top level as a B2C
/// client may send it): each a `{"value": id}`, a `{"$ref": url}` (the id is the URL's last
/// segment, as in `.../Users/{id}`), or an id string. `None` when the group has no such attribute.
fn owner_ids(group: &Group, name: &str) -> Result<Option<Vec<String>>, ScimError> {
    let in_extension = extension(group).and_then(Value::as_object).and_then(|ext| member_named(ext, name));
    let Some(value) = in_extension.or_else(|| member_named(&group.extensions, name)) else {
        return Ok(None);
    };
    let items = match value {
        Value::Null => return Ok(Some(Vec::new())),
        Value::Array(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    let mut ids = Vec::new();
    for item in items {
        let id = match item {
            Value::String(id) => Some(id.as_str()),
            Value::Object(o) => member_named(o, "value")
                .and_then(Value::as_str)
                .or_else(|| reference_id(member_named(o, "$ref")?.as_str()?)),
            _ => None,
        };
        match id.map(str::trim).filter(|id| !id.is_empty()) {
            Some(id) => push_new(&mut ids, [id.to_string()]),
            None => {
                return Err(ScimError::invalid_value(format!(
                    "{name} must list owners as {{\"value\": \"<object id>\"}}; found {item}"
                )));
            }
        }
    }
    Ok(Some(ids))
}

/// The id a resource URL ends with: `https://host/scim/v2/Users/{id}` -> `{id}`.
fn reference_id(url: &str) -> Option<&str> {
    url.trim().trim_end_matches('/').rsplit('/').next()
}

fn contains(ids: &[String], id: &str) -> bool {
    ids.iter().any(|i| i.eq_ignore_ascii_case(id))
}

fn push_new(ids: &mut Vec<String>, more: impl IntoIterator<Item = String>) {
    for id in more {
        if !contains(ids, &id) {
            ids.push(id);
        }
    }
}
