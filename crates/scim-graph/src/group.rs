//! Graph group <-> SCIM Group (core and the azureAdGroup extension). Members are not Graph
//! properties: they are read from the members relationship and written one `$ref` at a time, so
//! this module only turns them into SCIM member references and works out which to add and remove.

use graph::{DirectoryObject, Group as GraphGroup, ObjectKind};
use scim::Group;
use scim::error::ScimError;
use scim::resource::{MemberRef, Meta};
use serde_json::{Map, Value, json};

use crate::json::member_named;

pub use scim::schema::AZURE_AD_GROUP;

/// Graph group -> SCIM Group. `members` are the group's direct members when the caller read them
/// (`None` leaves `members` out, e.g. when the caller asked to exclude it). `location_base` is the
/// SCIM base URL the caller sees; `meta.location` and each member's `$ref` hang off it.
pub fn group_to_scim(
    group: &GraphGroup,
    members: Option<&[DirectoryObject]>,
    location_base: &str,
) -> Group {
    let base = location_base.trim_end_matches('/');
    let mut out = Group {
        id: group.id.clone(),
        external_id: group.mail_nickname.clone(),
        display_name: group.display_name.clone(),
        members: members
            .unwrap_or_default()
            .iter()
            .filter(|m| !m.id.is_empty())
            .map(|m| member_ref(m, base))
            .collect(),
        meta: Some(Meta {
            resource_type: Some("Group".into()),
            created: group.created_date_time.clone(),
            location: group.id.as_ref().map(|id| format!("{base}/Groups/{id}")),
            ..Meta::default()
        }),
        ..Group::default()
    };
    let extension = azure_ad_group(group);
    if !extension.is_empty() {
        out.extensions
            .insert(AZURE_AD_GROUP.into(), Value::Object(extension));
    }
    out.fill_schemas();
    out
}

/// Users and groups have SCIM resources to point at; anything else (a service principal, a
/// device, a contact) is named by its Graph type and has no `$ref`.
pub(crate) fn member_ref(member: &DirectoryObject, base: &str) -> MemberRef {
    let r#type = match member.kind() {
        ObjectKind::User => Some("User"),
        ObjectKind::Group => Some("Group"),
        ObjectKind::ServicePrincipal | ObjectKind::Other => member.type_name(),
    };
    MemberRef {
        value: Some(member.id.clone()),
        display: member.display_name.clone(),
        r#ref: scim_location(member, base),
        r#type: r#type.map(str::to_string),
    }
}

/// The URL of a directory object's SCIM resource under `location_base`: users and groups have
/// one, other objects (service principals, devices, contacts) none.
pub fn scim_location(object: &DirectoryObject, location_base: &str) -> Option<String> {
    let collection = match object.kind() {
        ObjectKind::User => "Users",
        ObjectKind::Group => "Groups",
        ObjectKind::ServicePrincipal | ObjectKind::Other => return None,
    };
    Some(format!("{}/{collection}/{}", location_base.trim_end_matches('/'), object.id))
}

fn azure_ad_group(group: &GraphGroup) -> Map<String, Value> {
    let mut ext = Map::new();
    if let Some(v) = group.security_enabled {
        ext.insert("securityEnabled".into(), Value::Bool(v));
    }
    if let Some(v) = group.mail_enabled {
        ext.insert("mailEnabled".into(), Value::Bool(v));
    }
    // An empty list is "unassigned" in SCIM (RFC 7643 §2.5), so it is left out.
    if !group.group_types.is_empty() {
        ext.insert("groupTypes".into(), json!(group.group_types));
    }
    if let Some(v) = non_empty(&group.mail_nickname) {
        ext.insert("mailNickname".into(), v.into());
    }
    if let Some(v) = non_empty(&group.description) {
        ext.insert("description".into(), v.into());
    }
    ext
}

/// SCIM create request -> Graph `POST /groups` body. `mailNickname` comes from `externalId`, else
/// the extension's `mailNickname`, else is derived from `displayName`; without the extension's
/// say the group is a security group (securityEnabled, not mail-enabled, no groupTypes), and a
/// Microsoft 365 group (`groupTypes: ["Unified"]`) defaults to mail-enabled, not security.
/// Members are not in the body: the caller adds them after create (one `$ref` each), which
/// avoids Graph's limit of 20 links per request.
pub fn group_create_body(group: &Group) -> Result<Value, ScimError> {
    let mut body = group_fields(group)?;
    let display_name = body
        .get("displayName")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
    let nickname = mail_nickname_from(display_name);
    body.entry("mailNickname")
        .or_insert(Value::String(nickname));
    let unified = body
        .get("groupTypes")
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t == "Unified"));
    body.entry("securityEnabled")
        .or_insert(Value::Bool(!unified));
    body.entry("mailEnabled").or_insert(Value::Bool(unified));
    body.entry("groupTypes").or_insert(json!([]));
    Ok(Value::Object(body))
}

/// Graph properties a group always has and decides at creation: an update leaves them alone
/// when `after` omits them (Graph cannot clear them, and a kind of group cannot be dropped).
const REQUIRED_PROPERTIES: &[&str] = &[
    "displayName",
    "mailNickname",
    "securityEnabled",
    "mailEnabled",
    "groupTypes",
];

/// The Graph update (`PATCH /groups/{id}` body) that turns the group `before` into `after`, both
/// as SCIM Groups: only the properties whose values differ, a description `after` no longer has
/// cleared, required properties left alone when `after` omits them. When `externalId` is kept
/// but the extension's `mailNickname` changed, the latter is the new nickname. Members are not
/// properties: see [`member_changes`].
pub fn group_update_body(before: &Group, after: &Group) -> Result<Value, ScimError> {
    if non_empty(&after.display_name).is_none() {
        return Err(ScimError::invalid_value("displayName is required"));
    }
    let old = group_fields(before)?;
    let mut new = group_fields(after)?;
    let ext_nickname = |g: &Group| {
        extension_member(g, "mailNickname")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    };
    if non_empty(&after.external_id) == non_empty(&before.external_id)
        && let Some(nickname) = ext_nickname(after)
        && Some(&nickname) != ext_nickname(before).as_ref()
    {
        check_mail_nickname(&nickname, "mailNickname")?;
        new.insert("mailNickname".into(), Value::String(nickname));
    }
    let mut changes = Map::new();
    for (key, value) in &new {
        if old.get(key) != Some(value) {
            changes.insert(key.clone(), value.clone());
        }
    }
    for key in old.keys() {
        if !new.contains_key(key) && !REQUIRED_PROPERTIES.contains(&key.as_str()) {
            changes.insert(key.clone(), Value::Null);
        }
    }
    Ok(Value::Object(changes))
}

/// The member ids to add and to remove to go from `before` to `after`, compared by `value`
/// (ignoring ASCII case: Graph ids are GUIDs), each list in the order the members appear and
/// without duplicates. `before` must carry the group's current members for removals to show.
pub fn member_changes(before: &Group, after: &Group) -> (Vec<String>, Vec<String>) {
    let ids = |group: &Group| -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for id in group.members.iter().filter_map(|m| non_empty(&m.value)) {
            if !ids.iter().any(|seen| seen.eq_ignore_ascii_case(id)) {
                ids.push(id.to_string());
            }
        }
        ids
    };
    let (old, new) = (ids(before), ids(after));
    let missing_from =
        |list: &[String], id: &String| !list.iter().any(|o| o.eq_ignore_ascii_case(id));
    let to_add = new
        .iter()
        .filter(|id| missing_from(&old, id))
        .cloned()
        .collect();
    let to_remove = old
        .iter()
        .filter(|id| missing_from(&new, id))
        .cloned()
        .collect();
    (to_add, to_remove)
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Every Graph property a SCIM group maps to (no defaults), checked as Graph would check them.
fn group_fields(group: &Group) -> Result<Map<String, Value>, ScimError> {
    let mut body = Map::new();
    if let Some(name) = non_empty(&group.display_name) {
        if name.chars().count() > 256 {
            return Err(ScimError::invalid_value(
                "displayName is longer than the 256 characters Microsoft Graph accepts",
            ));
        }
        body.insert("displayName".into(), name.into());
    }

    let extension = match extension(group) {
        None | Some(Value::Null) => None,
        Some(Value::Object(ext)) => Some(ext),
        Some(_) => {
            return Err(ScimError::invalid_value(format!(
                "{AZURE_AD_GROUP} must be an object"
            )));
        }
    };
    let field = |name: &str| extension.and_then(|ext| member_named(ext, name)).filter(|v| !v.is_null());

    let nickname = match non_empty(&group.external_id) {
        Some(external_id) => Some((external_id, "externalId")),
        None => match field("mailNickname") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some((s.trim(), "mailNickname")),
            Some(Value::String(_)) | None => None,
            Some(_) => return Err(not_a("mailNickname", "string")),
        },
    };
    if let Some((nickname, attribute)) = nickname {
        check_mail_nickname(nickname, attribute)?;
        body.insert("mailNickname".into(), nickname.into());
    }

    match field("description") {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.trim().chars().count() > 1024 {
                return Err(ScimError::invalid_value(
                    "description is longer than the 1024 characters Microsoft Graph accepts",
                ));
            }
            body.insert("description".into(), s.trim().into());
        }
        Some(Value::String(_)) | None => {}
        Some(_) => return Err(not_a("description", "string")),
    }

    for flag in ["securityEnabled", "mailEnabled"] {
        if let Some(value) = field(flag) {
            body.insert(flag.into(), Value::Bool(boolean(value, flag)?));
        }
    }

    if let Some(value) = field("groupTypes") {
        let types = group_types(value)?;
        if !types.is_empty() {
            body.insert("groupTypes".into(), json!(types));
        }
    }
    Ok(body)
}

/// The extension object, named ignoring case (SCIM URNs are case-insensitive).
pub(crate) fn extension(group: &Group) -> Option<&Value> {
    member_named(&group.extensions, AZURE_AD_GROUP)
}

fn extension_member<'a>(group: &'a Group, name: &str) -> Option<&'a Value> {
    member_named(extension(group)?.as_object()?, name).filter(|v| !v.is_null())
}

fn not_a(attribute: &str, kind: &str) -> ScimError {
    ScimError::invalid_value(format!("{AZURE_AD_GROUP}:{attribute} must be a {kind}"))
}

/// A boolean, or the strings "True"/"False" that Microsoft Entra provisioning sends when the
/// attribute is mapped from a string.
fn boolean(value: &Value, attribute: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(not_a(attribute, "boolean")),
    }
}

/// The kinds Graph knows, in its spelling; membership rules for dynamic groups are not mapped,
/// so Graph itself refuses `DynamicMembership` without one.
const GROUP_TYPES: &[&str] = &["Unified", "DynamicMembership"];

fn group_types(value: &Value) -> Result<Vec<&'static str>, ScimError> {
    let items = value
        .as_array()
        .ok_or_else(|| not_a("groupTypes", "list of strings"))?;
    let mut types = Vec::new();
    for item in items {
        let text = item
            .as_str()
            .ok_or_else(|| not_a("groupTypes", "list of strings"))?
            .trim();
        let known = GROUP_TYPES
            .iter()
            .find(|t| t.eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "groupTypes {text:?} is not one Microsoft Graph knows (Unified or DynamicMembership)"
                ))
            })?;
        if !types.contains(known) {
            types.push(*known);
        }
    }
    Ok(types)
}

/// Characters Graph refuses in a group's mailNickname, besides non-ASCII and control characters.
const MAIL_NICKNAME_REFUSED: &[char] = &[
    '@', '(', ')', '\\', '[', ']', '"', ';', ':', '<', '>', ',', ' ',
];

fn check_mail_nickname(nickname: &str, attribute: &str) -> Result<(), ScimError> {
    if let Some(c) = nickname
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control() || MAIL_NICKNAME_REFUSED.contains(c))
    {
        return Err(ScimError::invalid_value(format!(
            "{attribute} {nickname:?} cannot be a Microsoft Graph mailNickname: {c:?} is not allowed"
        )));
    }
    if nickname.chars().count() > 64 {
        return Err(ScimError::invalid_value(format!(
            "{attribute} {nickname:?} is longer than the 64 characters of a mailNickname"
        )));
    }
    Ok(())
}

/// A mailNickname from a display name, as the Entra admin centre makes one: ASCII letters,
/// digits, '-' and '_' only (no dots, which some of Graph's checks refuse in group aliases), at
/// most 64 characters, and never empty.
fn mail_nickname_from(display_name: &str) -> String {
    let nickname: String = display_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(64)
        .collect();
    if nickname.is_empty() {
        "group".to_string()
    } else {
        nickname
    }
}
