//! The users and groups jobs, full and incremental. Objects become documents in the warehouse's
//! attribute names: Graph object -> our SCIM resource -> the configured attribute map.
//!
//! A full run pages through `/users` (or `/groups`), 999 objects a step. Its first step also
//! asks Graph for a delta link "from now on" (`$deltatoken=latest`), which the run ends with as
//! its watermark: whatever changes while the full run reads shows up again in the next
//! incremental run rather than being lost. An incremental run follows Graph's delta round from
//! that watermark, one page a step; changed objects are read again whole (300 per request),
//! because a change round may carry only the changed properties, and removed ones become
//! deprovisioning documents. Its cost follows the number of changes, not the tenant's size.

use crate::audit_changes;
use crate::cursor;
use crate::document::{LinkedObject, seed_type};
use crate::{Document, JobError, Next, Step, StepRequest};
use graph::{
    DeltaItem, DeltaNext, DeltaRequest, GraphClient, GroupQuery, LinkChange,
    RemovalReason, Transport, UserQuery,
};
use mapping::AttributeMap;
use scim_graph::UserNames;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;

/// Graph's largest page of users or groups.
pub const OBJECTS_PER_PAGE: u32 = 999;

/// How users become documents: SCIM userNames (the tenant's default domain) and the map.
pub struct UserDocuments<'a> {
    pub names: &'a UserNames,
    pub map: &'a AttributeMap,
}

impl UserDocuments<'_> {
    fn document(&self, user: &graph::User) -> Option<Document> {
        let id = user.id.clone()?;
        let scim = self.names.scim_user(user, "").into_json();
        Some(Document { kind: "user", object_id: id, json: self.map.apply_to_json(&scim) })
    }
}

/// How groups become documents. Members and owners are not part of them: the membership and
/// ownership jobs (and the incremental groups job's change documents) carry those.
pub struct GroupDocuments<'a> {
    pub map: &'a AttributeMap,
}

impl GroupDocuments<'_> {
    fn document(&self, group: &graph::Group) -> Option<Document> {
        let id = group.id.clone()?;
        let scim = serde_json::to_value(scim_graph::group_to_scim(group, None, "")).expect("SCIM groups are plain data");
        Some(Document { kind: "group", object_id: id, json: self.map.apply_to_json(&scim) })
    }
}

/// How the tenant tracks changes for incremental runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeTracking {
    /// Graph's delta queries: a full run ends with a delta link taken at its start.
    Delta,
    /// The directory audit log, where Graph has no delta queries (Azure AD B2C tenants): a full
    /// run ends with the instant it started (`b2c:{RFC 3339}`), and incremental runs read the
    /// audit entries since (see `audit_changes`).
    AuditLog,
}

/// The checkpoint of a full run: the watermark taken at its start and the page it is on.
#[derive(Serialize, Deserialize)]
struct FullCheckpoint {
    watermark: String,
    page: Option<String>,
}

/// The checkpoint of an incremental run: the delta link of the page to read next.
#[derive(Serialize, Deserialize)]
struct DeltaCheckpoint {
    link: String,
}

const USERS_FULL: &str = "users-full-inventory";
const USERS_INCREMENTAL: &str = "users-incremental-inventory";
const GROUPS_FULL: &str = "groups-full-inventory";
const GROUPS_INCREMENTAL: &str = "groups-incremental-inventory";

pub async fn users_full_step<T: Transport>(
    graph: &GraphClient<'_, T>,
    users: &UserDocuments<'_>,
    tracking: ChangeTracking,
    cursor: Option<&str>,
) -> Result<Step, JobError> {
    let checkpoint = match (cursor, tracking) {
        (Some(cursor), _) => cursor::decode(USERS_FULL, cursor)?,
        (None, ChangeTracking::Delta) => {
            FullCheckpoint { watermark: latest(graph.users_delta(&DeltaRequest::Latest).await?.next)?, page: None }
        }
        (None, ChangeTracking::AuditLog) => FullCheckpoint { watermark: audit_changes::watermark_now(), page: None },
    };
    let query = UserQuery { top: Some(OBJECTS_PER_PAGE), skip_token: checkpoint.page.clone(), ..Default::default() };
    let page = graph.list_users(&query).await?;
    let documents = page.value.iter().filter_map(|user| users.document(user)).collect();
    Ok(Step { documents, next: full_next(USERS_FULL, checkpoint.watermark, page.skip_token) })
}

pub async fn groups_full_step<T: Transport>(
    graph: &GraphClient<'_, T>,
    groups: &GroupDocuments<'_>,
    tracking: ChangeTracking,
    cursor: Option<&str>,
) -> Result<Step, JobError> {
    let checkpoint = match (cursor, tracking) {
        (Some(cursor), _) => cursor::decode(GROUPS_FULL, cursor)?,
        (None, ChangeTracking::Delta) => {
            FullCheckpoint { watermark: latest(graph.groups_delta(&DeltaRequest::Latest).await?.next)?, page: None }
        }
        (None, ChangeTracking::AuditLog) => FullCheckpoint { watermark: audit_changes::watermark_now(), page: None },
    };
    let query = GroupQuery { top: Some(OBJECTS_PER_PAGE), skip_token: checkpoint.page.clone(), ..Default::default() };
    let page = graph.list_groups(&query).await?;
    let documents = page.value.iter().filter_map(|group| groups.document(group)).collect();
    Ok(Step { documents, next: full_next(GROUPS_FULL, checkpoint.watermark, page.skip_token) })
}

pub async fn users_incremental_step<T: Transport>(
    graph: &GraphClient<'_, T>,
    users: &UserDocuments<'_>,
    request: &StepRequest,
) -> Result<Step, JobError> {
    if audit_changes::is_audit_run(USERS_INCREMENTAL, request) {
        return audit_changes::users_step(graph, users, USERS_INCREMENTAL, request).await;
    }
    let link = delta_link(USERS_INCREMENTAL, request)?;
    let page = graph.users_delta(&DeltaRequest::Continue(link)).await.map_err(resync)?;
    let mut changed = BTreeSet::new();
    let mut documents = Vec::new();
    for item in page.items {
        match item {
            DeltaItem::Present(entry) => changed.extend(entry.user.id),
            DeltaItem::Removed { id, reason } => documents.push(removal("user-deleted", id, reason)),
        }
    }
    documents.extend(reread_users(graph, users, &changed).await?);
    Ok(Step { documents, next: incremental_next(USERS_INCREMENTAL, page.next) })
}

pub async fn groups_incremental_step<T: Transport>(
    graph: &GraphClient<'_, T>,
    groups: &GroupDocuments<'_>,
    request: &StepRequest,
) -> Result<Step, JobError> {
    if audit_changes::is_audit_run(GROUPS_INCREMENTAL, request) {
        return audit_changes::groups_step(graph, groups, GROUPS_INCREMENTAL, request).await;
    }
    let link = delta_link(GROUPS_INCREMENTAL, request)?;
    let page = graph.groups_delta(&DeltaRequest::Continue(link)).await.map_err(resync)?;
    let mut changed = BTreeSet::new();
    let mut documents = Vec::new();
    for item in page.items {
        match item {
            DeltaItem::Present(entry) => {
                let Some(id) = entry.group.id else { continue };
                documents.extend(link_change("members", &id, &entry.members));
                documents.extend(link_change("owners", &id, &entry.owners));
                changed.insert(id);
            }
            DeltaItem::Removed { id, reason } => documents.push(removal("group-deleted", id, reason)),
        }
    }
    documents.extend(reread_groups(graph, groups, &changed).await?);
    Ok(Step { documents, next: incremental_next(GROUPS_INCREMENTAL, page.next) })
}

/// The delta link a `$deltatoken=latest` request ends with.
fn latest(next: DeltaNext) -> Result<String, JobError> {
    match next {
        DeltaNext::Done(link) => Ok(link),
        DeltaNext::Next(link) => Err(JobError::Failed(format!("Graph answered $deltatoken=latest with a next link: {link}"))),
    }
}

fn full_next(job: &str, watermark: String, next_page: Option<String>) -> Next {
    match next_page {
        Some(page) => Next::More(cursor::encode(job, FullCheckpoint { watermark, page: Some(page) })),
        None => Next::Done(watermark),
    }
}

/// Where an incremental step reads: its cursor, or at a run's start, the watermark.
fn delta_link(job: &str, request: &StepRequest) -> Result<String, JobError> {
    match (&request.cursor, &request.watermark) {
        (Some(cursor), _) => Ok(cursor::decode::<DeltaCheckpoint>(job, cursor)?.link),
        (None, Some(watermark)) if !watermark.is_empty() => Ok(watermark.clone()),
        (None, _) => Err(JobError::InvalidCursor(format!(
            "job {job} needs the watermark of a completed full run to start from"
        ))),
    }
}

fn incremental_next(job: &str, next: DeltaNext) -> Next {
    match next {
        DeltaNext::Next(link) => Next::More(cursor::encode(job, DeltaCheckpoint { link })),
        DeltaNext::Done(link) => Next::Done(link),
    }
}

/// An expired delta token is not a failure of the step: the driver needs a full run.
fn resync(error: graph::Error) -> JobError {
    match error {
        graph::Error::DeltaTokenExpired { .. } => JobError::ResyncRequired(error.to_string()),
        // A watermark or cursor the client will not follow (another host, another collection).
        graph::Error::InvalidArgument { message } => JobError::InvalidCursor(message),
        other => other.into(),
    }
}

/// The users with these ids, read again whole (300 a Graph round trip), as documents: a change
/// round may carry only the changed properties. One deleted since is missing; the next round
/// removes it.
pub(crate) async fn reread_users<T: Transport>(
    graph: &GraphClient<'_, T>,
    users: &UserDocuments<'_>,
    ids: &BTreeSet<String>,
) -> Result<Vec<Document>, JobError> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    Ok(graph.users_with_ids(&ids).await?.iter().filter_map(|user| users.document(user)).collect())
}

/// The same for groups.
pub(crate) async fn reread_groups<T: Transport>(
    graph: &GraphClient<'_, T>,
    groups: &GroupDocuments<'_>,
    ids: &BTreeSet<String>,
) -> Result<Vec<Document>, JobError> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    Ok(graph.groups_with_ids(&ids).await?.iter().filter_map(|group| groups.document(group)).collect())
}

/// A delta round's removal as a deprovisioning document.
fn removal(kind: &'static str, id: String, reason: RemovalReason) -> Document {
    deprovisioning(kind, id, reason == RemovalReason::Changed)
}

/// A deprovisioning document: the object left the directory, for now (`restorable`, in deleted
/// items for 30 days) or for good.
pub(crate) fn deprovisioning(kind: &'static str, id: String, restorable: bool) -> Document {
    Document::of(kind, id.clone(), &json!({ "id": id, "restorable": restorable }))
}

/// A delta round's member (or owner) changes of one group.
fn link_change(relationship: &'static str, group_id: &str, changes: &[LinkChange]) -> Option<Document> {
    if changes.is_empty() {
        return None;
    }
    let linked = |removed: bool| -> Vec<LinkedObject> {
        changes
            .iter()
            .filter(|change| change.removed == removed)
            .map(|change| LinkedObject {
                id: change.id.clone(),
                // A delta reference does not say what another kind of object is.
                kind: seed_type(change.kind).unwrap_or("directoryobject").into(),
            })
            .collect()
    };
    Some(link_change_document(relationship, group_id, linked(false), linked(true)))
}

/// Members (or owners: `relationship`) a group gained and lost, in the seed's link shape.
pub(crate) fn link_change_document(
    relationship: &'static str,
    group_id: &str,
    added: Vec<LinkedObject>,
    removed: Vec<LinkedObject>,
) -> Document {
    let kind = if relationship == "owners" { "ownership-change" } else { "membership-change" };
    let json = json!({ "groupId": group_id, "added": added, "removed": removed, "relationship": relationship });
    Document::of(kind, group_id.to_string(), &json)
}

