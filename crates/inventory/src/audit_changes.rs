//! Incremental runs where Graph has no delta queries (Azure AD B2C tenants): the directory audit
//! log says which users and groups were added, changed, deleted and restored, and which members
//! and owners joined or left, since the last run started. Changed objects are read again whole
//! (15 per request), as in a delta run; deleted ones become deprovisioning documents; link
//! activities become the same membership and ownership change documents.
//!
//! Entra ID writes audit entries some minutes after the fact, so a run reads from
//! [`AUDIT_LATENCY`] before the previous run's start: an object changed in that window may be
//! delivered by two runs (its latest state both times), none is missed.

use crate::cursor;
use crate::directory::{
    GroupDocuments, UserDocuments, deprovisioning, link_change_document, reread_groups, reread_users,
};
use crate::document::{LinkedObject, seed_type};
use crate::{Document, JobError, Next, Step, StepRequest};
use graph::{AuditQuery, AuditedObjects, DateTimeOffset, Deletion, DirectoryAudit, GraphClient, ObjectKind, Transport};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

/// How late Entra ID's audit entries may appear, read again by every run.
pub(crate) const AUDIT_LATENCY: Duration = Duration::from_secs(15 * 60);
/// Audit entries a step reads (Graph's largest page).
const ENTRIES_PER_STEP: u32 = 999;

/// The watermark prefix of runs that track changes through the audit log.
pub(crate) const AUDIT_WATERMARK: &str = "b2c:";

/// Where an audit-log run is: the window it reads and the page it is on.
#[derive(Serialize, Deserialize)]
struct AuditCheckpoint {
    since: String,
    until: String,
    page: Option<String>,
}

/// The watermark a run ends with when it starts now: its start instant.
pub(crate) fn watermark_now() -> String {
    format!("{AUDIT_WATERMARK}{}", crate::now_rfc3339())
}

/// Whether `request` continues or starts an audit-log run (rather than a delta round).
pub(crate) fn is_audit_run(job: &str, request: &StepRequest) -> bool {
    match (&request.cursor, &request.watermark) {
        (Some(cursor), _) => cursor::decode::<AuditCheckpoint>(job, cursor).is_ok(),
        (None, Some(watermark)) => watermark.starts_with(AUDIT_WATERMARK),
        (None, None) => false,
    }
}

/// (group, relationship) -> linked object -> (joined, its kind): the latest word of a step's
/// entries about each link.
type LinkWords = BTreeMap<(String, &'static str), BTreeMap<String, (bool, ObjectKind)>>;

/// What a step's entries say about one object, the latest word winning.
enum Fate {
    Changed,
    Deleted(Deletion),
}

pub(crate) async fn users_step<T: Transport>(
    graph: &GraphClient<'_, T>,
    users: &UserDocuments<'_>,
    job: &str,
    request: &StepRequest,
) -> Result<Step, JobError> {
    let checkpoint = checkpoint(job, request)?;
    let page = read(graph, &checkpoint, AuditedObjects::Users).await?;
    let mut fates = BTreeMap::new();
    for entry in oldest_first(&page.value) {
        let Some(user) = target(entry, AuditedObjects::Users).and_then(|t| t.id.clone()) else { continue };
        fates.insert(user, fate(AuditedObjects::Users, &entry.activity_display_name));
    }
    let (changed, mut documents) = split("user-deleted", fates);
    documents.extend(reread_users(graph, users, &changed).await?);
    Ok(Step { documents, next: next(job, checkpoint, page.skip_token) })
}

pub(crate) async fn groups_step<T: Transport>(
    graph: &GraphClient<'_, T>,
    groups: &GroupDocuments<'_>,
    job: &str,
    request: &StepRequest,
) -> Result<Step, JobError> {
    let checkpoint = checkpoint(job, request)?;
    let page = read(graph, &checkpoint, AuditedObjects::Groups).await?;
    let mut fates = BTreeMap::new();
    let mut links = LinkWords::new();
    for entry in oldest_first(&page.value) {
        let Some(group) = target(entry, AuditedObjects::Groups).filter(|t| t.id.is_some()) else { continue };
        let group_id = group.id.clone().unwrap_or_default();
        let activity = entry.activity_display_name.as_str();
        let relationship = match activity {
            "Add member to group" | "Remove member from group" => Some("members"),
            "Add owner to group" | "Remove owner from group" => Some("owners"),
            _ => None,
        };
        match relationship {
            // The linked object comes first, the group after it.
            Some(relationship) => {
                let Some(object) = entry.target_resources.first().filter(|t| !std::ptr::eq(*t, group)) else { continue };
                let Some(object_id) = object.id.clone() else { continue };
                let kind = ObjectKind::named(object.r#type.as_deref().unwrap_or_default());
                let joined = activity.starts_with("Add");
                links.entry((group_id.clone(), relationship)).or_default().insert(object_id, (joined, kind));
                fates.entry(group_id).or_insert(Fate::Changed);
            }
            None => {
                fates.insert(group_id, fate(AuditedObjects::Groups, activity));
            }
        }
    }
    let (changed, mut documents) = split("group-deleted", fates);
    for ((group, relationship), objects) in links {
        let linked = |joined: bool| -> Vec<LinkedObject> {
            objects
                .iter()
                .filter(|(_, (j, _))| *j == joined)
                .map(|(id, (_, kind))| LinkedObject { id: id.clone(), kind: seed_type(*kind).unwrap_or("directoryobject").into() })
                .collect()
        };
        documents.push(link_change_document(relationship, &group, linked(true), linked(false)));
    }
    documents.extend(reread_groups(graph, groups, &changed).await?);
    Ok(Step { documents, next: next(job, checkpoint, page.skip_token) })
}

/// The run's checkpoint: from its cursor, or for its first step, from the last run's start
/// (less [`AUDIT_LATENCY`]) to now.
fn checkpoint(job: &str, request: &StepRequest) -> Result<AuditCheckpoint, JobError> {
    if let Some(cursor) = &request.cursor {
        return cursor::decode(job, cursor);
    }
    let watermark = request.watermark.as_deref().and_then(|w| w.strip_prefix(AUDIT_WATERMARK)).unwrap_or_default();
    let last_start = humantime::parse_rfc3339(watermark)
        .map_err(|e| JobError::InvalidCursor(format!("`{watermark}` is not the start instant of a run of {job}: {e}")))?;
    let since = humantime::format_rfc3339_millis(last_start - AUDIT_LATENCY).to_string();
    // Rounded up to the millisecond: Graph stamps entries to 100 ns, and one made in this very
    // millisecond belongs to this run.
    let until = humantime::format_rfc3339_millis(SystemTime::now() + Duration::from_millis(1)).to_string();
    Ok(AuditCheckpoint { since, until, page: None })
}

/// One page of the entries about `objects` in the checkpoint's window.
async fn read<T: Transport>(
    graph: &GraphClient<'_, T>,
    checkpoint: &AuditCheckpoint,
    objects: AuditedObjects,
) -> Result<graph::Page<DirectoryAudit>, JobError> {
    let instant = |text: &str| DateTimeOffset::parse(text).map_err(|e| JobError::InvalidCursor(e.to_string()));
    let query = AuditQuery {
        start: Some(instant(&checkpoint.since)?),
        end: Some(instant(&checkpoint.until)?),
        category: Some(objects.category().to_string()),
        activities: objects.present_activities().iter().chain(objects.deleted_activities()).map(|a| a.to_string()).collect(),
        top: Some(ENTRIES_PER_STEP),
        skip_token: checkpoint.page.clone(),
    };
    Ok(graph.list_directory_audits(&query).await?)
}

/// Graph lists audit entries newest first; the latest word about an object must win.
fn oldest_first(entries: &[DirectoryAudit]) -> Vec<&DirectoryAudit> {
    let mut sorted: Vec<&DirectoryAudit> = entries.iter().collect();
    // Graph writes every instant with the same precision, so the text sorts as the time.
    sorted.sort_by(|a, b| a.activity_date_time.cmp(&b.activity_date_time));
    sorted
}

/// The entry's target that is one of `objects`.
fn target(entry: &DirectoryAudit, objects: AuditedObjects) -> Option<&graph::TargetResource> {
    entry.target_resources.iter().find(|t| t.r#type.as_deref().is_some_and(|ty| ty.eq_ignore_ascii_case(objects.target_type())))
}

fn fate(objects: AuditedObjects, activity: &str) -> Fate {
    objects.deletion(activity).map_or(Fate::Changed, Fate::Deleted)
}

/// The objects to read again, and the deprovisioning documents of the deleted ones.
fn split(kind: &'static str, fates: BTreeMap<String, Fate>) -> (BTreeSet<String>, Vec<Document>) {
    let mut changed = BTreeSet::new();
    let mut documents = Vec::new();
    for (id, fate) in fates {
        match fate {
            Fate::Changed => {
                changed.insert(id);
            }
            Fate::Deleted(deletion) => documents.push(deprovisioning(kind, id, deletion == Deletion::Soft)),
        }
    }
    (changed, documents)
}

fn next(job: &str, checkpoint: AuditCheckpoint, page: Option<String>) -> Next {
    match page {
        Some(page) => Next::More(cursor::encode(job, AuditCheckpoint { page: Some(page), ..checkpoint })),
        None => Next::Done(format!("{AUDIT_WATERMARK}{}", checkpoint.until)),
    }
}
