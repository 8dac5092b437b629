//! The B2C table's Deleted and NewOrUpdated queries (`GET /v1.0/users/EIDExtension/Deleted`,
//! `.../NewOrUpdated`, and the same for groups), with
//! `Filter=AuditLogStartTime eq {t} and AuditLogEndTime eq {t}`: the users or groups Graph's
//! directory audit log names in that range, as SCIM resources, a page at a time
//! (`startIndex`, `count`).
//!
//! Changes and deletions are read together, so an object is in exactly one answer: the one its
//! latest entry in the range says (changed then deleted is Deleted; deleted then restored is
//! NewOrUpdated). New or updated objects are read live; one deleted after the range ended is
//! left out of its page. Deleted ones come from deleted items with `active: false`; what Graph
//! no longer keeps (a hard-deleted user, a security group, which Graph deletes for good) is
//! answered with what the log knows: id, name, and when.

use graph::{AuditQuery, AuditedObjects, DateTimeOffset, DeletedItem, Filter, GraphClient, MAX_IDS_PER_FILTER, Transport};
use scim::error::{ScimError, ScimType};
use scim::list::ListResponse;
use scim::projection::{ResourceKind, project};
use scim::query::ListQuery;
use scim_graph::TimeRange;
use serde_json::{Value, json};

use crate::paging::{DEFAULT_COUNT, GRAPH_MAX_TOP};
use crate::{Call, Connection, Reply};

/// Which of the audited objects a query answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Change {
    NewOrUpdated,
    Deleted,
}

/// The most audit entries one query reads (Graph pages hold 1,000).
const MAX_ENTRIES: usize = 20_000;

/// Graph's largest page of audit entries.
const AUDIT_PAGE: u32 = 1_000;

/// The activities of `directory` whose objects a `change` query answers.
fn activities(directory: AuditedObjects, change: Change) -> &'static [&'static str] {
    match change {
        Change::NewOrUpdated => directory.present_activities(),
        Change::Deleted => directory.deleted_activities(),
    }
}

fn resource_kind(directory: AuditedObjects) -> ResourceKind {
    match directory {
        AuditedObjects::Users => ResourceKind::User,
        AuditedObjects::Groups => ResourceKind::Group,
    }
}

/// An object the log names, with what the log knows of it.
struct Audited {
    id: String,
    display_name: Option<String>,
    user_principal_name: Option<String>,
    /// The time of its latest entry in the range.
    at: String,
}

/// Answers the query in `call` for `directory` and `change`.
pub async fn answer(call: Call, directory: AuditedObjects, change: Change) -> Result<Reply, ScimError> {
    let range = TimeRange::from_query_string(&call.query)?;
    let query = ListQuery::from_query_string(&without_filter(&call.query))?;
    let connection = Connection::open().await?;
    let graph = connection.graph();
    let audited = audited(&graph, directory, change, &range).await?;

    let count = query.count.unwrap_or(DEFAULT_COUNT).min(GRAPH_MAX_TOP) as usize;
    let skip = (query.start_index.max(1) - 1) as usize;
    let page: Vec<&Audited> = audited.iter().skip(skip).take(count).collect();
    let resources = match change {
        Change::NewOrUpdated => live(&connection, directory, &page, &call, &query).await?,
        Change::Deleted => deleted(&connection, directory, &page, &call).await?,
    };
    let resources = resources
        .iter()
        .map(|r| project(r, &query.attributes, &query.excluded_attributes, resource_kind(directory)))
        .collect();
    Ok(Reply::ok(ListResponse::new(resources, audited.len() as u64, query.start_index.max(1)).to_json()))
}

/// Every object of `directory` whose latest entry in `range` is a `change`, latest first.
async fn audited<T: Transport>(
    graph: &GraphClient<'_, T>,
    directory: AuditedObjects,
    change: Change,
    range: &TimeRange,
) -> Result<Vec<Audited>, ScimError> {
    let instant = |at: String| DateTimeOffset::parse(&at).map_err(|e| ScimError::internal(format!("a time Graph cannot read: {e}")));
    // Graph's audit times have seven fractional digits and the range has milliseconds: the end
    // is the last tick of its millisecond, so an entry within that millisecond is in range.
    let end = range.end.to_string().replace('Z', "9999Z");
    let wanted = activities(directory, change);
    let mut query = AuditQuery {
        start: Some(instant(range.start.to_string())?),
        end: Some(instant(end)?),
        category: Some(directory.category().into()),
        activities: [Change::NewOrUpdated, Change::Deleted]
            .into_iter()
            .flat_map(|c| activities(directory, c).iter().map(|a| a.to_string()))
            .collect(),
        top: Some(AUDIT_PAGE),
        skip_token: None,
    };
    let mut seen: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut read = 0;
    loop {
        let page = graph.list_directory_audits(&query).await.map_err(|e| scim_graph::scim_error(&e))?;
        read += page.value.len();
        if read > MAX_ENTRIES {
            return Err(ScimError::new(
                400,
                Some(ScimType::TooMany),
                format!("the range holds more than {MAX_ENTRIES} audit entries; ask for a shorter range"),
            ));
        }
        // Newest first: an object's first entry is its latest.
        for entry in &page.value {
            let is_wanted = wanted.iter().any(|a| a.eq_ignore_ascii_case(&entry.activity_display_name));
            let targets = entry.target_resources.iter().filter(|t| {
                t.r#type.as_deref().is_some_and(|ty| ty.eq_ignore_ascii_case(directory.target_type()))
            });
            for target in targets {
                let Some(id) = target.id.as_deref().filter(|id| !id.is_empty()) else { continue };
                if seen.iter().any(|s| s.eq_ignore_ascii_case(id)) {
                    continue;
                }
                seen.push(id.to_string());
                if is_wanted {
                    found.push(Audited {
                        id: id.to_string(),
                        display_name: target.display_name.clone(),
                        user_principal_name: target.user_principal_name.clone(),
                        at: entry.activity_date_time.clone(),
                    });
                }
            }
        }
        match page.skip_token {
            Some(token) if query.skip_token.as_ref() != Some(&token) => query.skip_token = Some(token),
            _ => return Ok(found),
        }
    }
}

/// The page's objects as they are now, in the page's order, read `MAX_IDS_PER_FILTER` at a time.
async fn live(
    connection: &Connection,
    directory: AuditedObjects,
    page: &[&Audited],
    call: &Call,
    query: &ListQuery,
) -> Result<Vec<Value>, ScimError> {
    let graph = connection.graph();
    let mut resources = Vec::with_capacity(page.len());
    for chunk in page.chunks(MAX_IDS_PER_FILTER) {
        let filter = Filter::any_id(chunk.iter().map(|a| a.id.as_str()));
        let top = Some(chunk.len() as u32);
        let mut found: Vec<(String, Value)> = Vec::new();
        match directory {
            AuditedObjects::Users => {
                let users = graph.list_users(&graph::UserQuery { filter, top, ..Default::default() }).await;
                for user in users.map_err(|e| scim_graph::scim_error(&e))?.value {
                    let scim = connection.user_names().scim_user(&user, &call.location_base);
                    found.push((user.id.unwrap_or_default(), crate::to_json(&scim)?));
                }
            }
            AuditedObjects::Groups => {
                let groups = graph.list_groups(&graph::GroupQuery { filter, top, ..Default::default() }).await;
                for group in groups.map_err(|e| scim_graph::scim_error(&e))?.value {
                    let id = group.id.clone().unwrap_or_default();
                    let members = match query.wants("members") {
                        true => Some(scim_graph::all_members(&graph, &id).await?),
                        false => None,
                    };
                    let scim = scim_graph::group_to_scim(&group, members.as_deref(), &call.location_base);
                    found.push((id, crate::to_json(&scim)?));
                }
            }
        }
        for audited in chunk {
            if let Some((_, mut resource)) = found.iter().find(|(id, _)| id.eq_ignore_ascii_case(&audited.id)).cloned() {
                resource["meta"]["lastModified"] = json!(audited.at);
                resources.push(resource);
            }
        }
    }
    Ok(resources)
}

/// The page's objects as deleted items keep them (`active: false` for users), or as the log
/// names them when Graph keeps nothing.
async fn deleted(connection: &Connection, directory: AuditedObjects, page: &[&Audited], call: &Call) -> Result<Vec<Value>, ScimError> {
    let graph = connection.graph();
    let mut resources = Vec::with_capacity(page.len());
    for audited in page {
        let kept = match graph.get_deleted_item(&audited.id).await {
            Ok(item) => Some(item),
            Err(graph::Error::Graph { status: 404, .. }) => None,
            Err(e) => return Err(scim_graph::scim_error(&e)),
        };
        let (mut resource, deleted_at) = match kept {
            Some(DeletedItem::User(user)) if directory == AuditedObjects::Users => {
                let mut scim = connection.user_names().scim_user(&user, &call.location_base);
                scim.active = Some(false);
                (crate::to_json(&scim)?, user.deleted_date_time.clone())
            }
            Some(DeletedItem::Group(group)) if directory == AuditedObjects::Groups => {
                let scim = scim_graph::group_to_scim(&group, None, &call.location_base);
                (crate::to_json(&scim)?, group.deleted_date_time.clone())
            }
            _ => (known_from_log(connection, directory, audited), None),
        };
        resource["meta"]["lastModified"] = json!(deleted_at.unwrap_or_else(|| audited.at.clone()));
        // Deleted objects have no resource to point at.
        if let Some(meta) = resource["meta"].as_object_mut() {
            meta.remove("location");
        }
        resources.push(resource);
    }
    Ok(resources)
}

fn known_from_log(connection: &Connection, directory: AuditedObjects, audited: &Audited) -> Value {
    match directory {
        AuditedObjects::Users => {
            let mut user = json!({
                "schemas": [scim::schema::USER],
                "id": audited.id,
                "active": false,
                "meta": {"resourceType": "User"},
            });
            if let Some(upn) = &audited.user_principal_name {
                user["userName"] = json!(connection.user_names().user_name(upn));
            }
            if let Some(name) = &audited.display_name {
                user["displayName"] = json!(name);
            }
            user
        }
        AuditedObjects::Groups => {
            let mut group = json!({"schemas": [scim::schema::GROUP], "id": audited.id, "meta": {"resourceType": "Group"}});
            if let Some(name) = &audited.display_name {
                group["displayName"] = json!(name);
            }
            group
        }
    }
}

/// The query string without its `filter` (the time range, which is not a SCIM filter), so the
/// rest (`startIndex`, `count`, `attributes`) parses as a SCIM list query.
fn without_filter(query: &str) -> String {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.split('=').next().unwrap_or_default().eq_ignore_ascii_case("filter"))
        .collect::<Vec<_>>()
        .join("&")
}
