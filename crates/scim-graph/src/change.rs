//! Applying a new SCIM state of a user or a group to Graph, for replace (PUT) and modify (PATCH)
//! alike. A user: the manager first (so an unknown manager fails before anything changed), then
//! every property in one Graph update; if that update fails, the manager is put back. A group:
//! every property in one update, then member removals, then additions, then owner additions and
//! removals, each idempotent.

use crate::error::{is_existing_reference, scim_error};
use crate::json::member_named;
use crate::group::{group_update_body, member_changes};
use crate::owner::owner_changes;
use crate::user::{manager_id, user_update_body};
use graph::{Error, GraphClient, Transport};
use scim::error::ScimError;
use scim::{Group, User};

/// SCIM attributes of a user whose Graph property always has a value (accountEnabled).
pub const USER_ATTRIBUTES_GRAPH_REQUIRES: &[&str] = &["active"];

/// The same for groups: mailNickname (`externalId`, or the extension's), and the kind of group.
pub const GROUP_ATTRIBUTES_GRAPH_REQUIRES: &[&str] = &[
    "externalId",
    "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:mailNickname",
    "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:securityEnabled",
    "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:mailEnabled",
    "urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:groupTypes",
];

/// A PATCH that removes one of `required` (SCIM JSON `before` and `after` the operations) is
/// 400 mutability: Graph keeps a value for the property, so the removal cannot happen, and
/// answering 200 with the value still there would mislead the caller. (PUT, which restates the
/// whole resource, leaves such properties alone when it omits them.)
pub fn refuse_required_removals(before: &serde_json::Value, after: &serde_json::Value, required: &[&str]) -> Result<(), ScimError> {
    for name in scim::patch::changed_attributes(before, after) {
        let is_required = required.iter().any(|r| r.eq_ignore_ascii_case(&name));
        let removed = match name.rsplit_once(':') {
            Some((urn, attribute)) if name.starts_with("urn:") => is_absent(member(after, urn).and_then(|e| member(e, attribute))),
            _ => is_absent(member(after, &name)),
        };
        if is_required && removed {
            return Err(ScimError::mutability(format!("{name} cannot be removed: Microsoft Graph always keeps a value for it; replace it instead")));
        }
    }
    Ok(())
}

fn member<'a>(object: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    member_named(object.as_object()?, name)
}

fn is_absent(value: Option<&serde_json::Value>) -> bool {
    value.is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty))
}

/// Turns the Graph user `id`, currently `before`, into `after`.
pub async fn update_user<T: Transport>(
    graph: &GraphClient<'_, T>,
    id: &str,
    before: &User,
    after: &User,
) -> Result<(), ScimError> {
    let changes = user_update_body(before, after)?;
    let old_manager = manager_id(before);
    let new_manager = manager_id(after);
    if old_manager != new_manager {
        set_manager(graph, id, new_manager).await?;
    }
    let has_changes = changes.as_object().is_some_and(|c| !c.is_empty());
    if has_changes && let Err(error) = graph.update_user(id, &changes).await {
        if old_manager != new_manager {
            let _ = set_manager(graph, id, old_manager).await;
        }
        return Err(scim_error(&error));
    }
    Ok(())
}

/// Gives the user `id` this manager, or none. A manager Graph does not know is the caller's
/// mistake: 400 invalidValue naming it.
pub async fn set_manager<T: Transport>(graph: &GraphClient<'_, T>, id: &str, manager: Option<&str>) -> Result<(), ScimError> {
    let result = match manager {
        Some(manager) => graph.set_manager(id, manager).await,
        None => graph.remove_manager(id).await,
    };
    result.map_err(|error| match (scim_error(&error), manager) {
        (error, Some(manager)) if error.status == 404 => ScimError::invalid_value(format!("manager {manager} does not exist")),
        (error, _) => error,
    })
}

/// Turns the Graph group `id`, currently `before` (with its current members), into `after`.
/// Removing a non-member and adding a member the group already has are not errors: the caller
/// gets the membership it asked for. A member Graph does not know is 400 invalidValue naming it.
/// Graph has no transaction across these requests: a failure leaves the other changes made,
/// and the error says which member failed.
pub async fn update_group<T: Transport>(
    graph: &GraphClient<'_, T>,
    id: &str,
    before: &Group,
    after: &Group,
) -> Result<(), ScimError> {
    let changes = group_update_body(before, after)?;
    let (to_add, to_remove) = member_changes(before, after);
    let (owners_to_add, owners_to_remove) = owner_changes(before, after)?;
    if changes.as_object().is_some_and(|c| !c.is_empty()) {
        graph
            .update_group(id, &changes)
            .await
            .map_err(|e| scim_error(&e))?;
    }
    // Members: removals first, so a group near Graph's limits has room for the additions.
    // Owners: additions first, so the group is not left without owners in between.
    remove_links(graph, id, Link::Member, &to_remove).await?;
    add_links(graph, id, Link::Member, &to_add).await?;
    add_links(graph, id, Link::Owner, &owners_to_add).await?;
    remove_links(graph, id, Link::Owner, &owners_to_remove).await
}

/// A group's links the connector writes.
#[derive(Clone, Copy)]
enum Link {
    Member,
    Owner,
}

impl Link {
    fn noun(self) -> &'static str {
        match self {
            Link::Member => "member",
            Link::Owner => "owner",
        }
    }
}

/// Adds each object; one already linked is not an error (the caller gets the links it asked
/// for), one Graph does not know is 400 invalidValue naming it. Several members go in `$batch`
/// requests of twenty; the error is that of the first object that failed.
async fn add_links<T: Transport>(graph: &GraphClient<'_, T>, id: &str, link: Link, objects: &[String]) -> Result<(), ScimError> {
    let results = write_links(graph, id, link, Write::Add, objects).await;
    let noun = link.noun();
    for (object, added) in objects.iter().zip(results) {
        match added {
            Ok(()) => {}
            Err(e) if is_existing_reference(&e) => {}
            Err(e) if is_not_found(&e) && !names(&e, id) => {
                return Err(ScimError::invalid_value(format!("{noun} {object} does not exist")));
            }
            Err(e @ Error::Graph { status: 400, .. }) => {
                return Err(ScimError::invalid_value(format!("{noun} {object} cannot be added: {}", scim_error(&e).detail)));
            }
            Err(e) => return Err(scim_error(&e)),
        }
    }
    Ok(())
}

/// Removes each object; one not linked is not an error. Several members go in `$batch` requests.
async fn remove_links<T: Transport>(graph: &GraphClient<'_, T>, id: &str, link: Link, objects: &[String]) -> Result<(), ScimError> {
    let results = write_links(graph, id, link, Write::Remove, objects).await;
    for removed in results {
        match removed {
            Ok(()) => {}
            Err(e) if is_not_found(&e) && !names(&e, id) => {}
            Err(e) => return Err(scim_error(&e)),
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Write {
    Add,
    Remove,
}

/// Each object's outcome, in order: several members in `$batch` requests, anything else one
/// `$ref` request at a time.
async fn write_links<T: Transport>(graph: &GraphClient<'_, T>, id: &str, link: Link, write: Write, objects: &[String]) -> Vec<Result<(), Error>> {
    match (link, write, objects) {
        (Link::Member, Write::Add, [_, _, ..]) => graph.add_members(id, objects).await,
        (Link::Member, Write::Remove, [_, _, ..]) => graph.remove_members(id, objects).await,
        _ => {
            let mut results = Vec::with_capacity(objects.len());
            for object in objects {
                results.push(match (link, write) {
                    (Link::Member, Write::Add) => graph.add_member(id, object).await,
                    (Link::Owner, Write::Add) => graph.add_owner(id, object).await,
                    (Link::Member, Write::Remove) => graph.remove_member(id, object).await,
                    (Link::Owner, Write::Remove) => graph.remove_owner(id, object).await,
                });
            }
            results
        }
    }
}

fn is_not_found(error: &Error) -> bool {
    matches!(error, Error::Graph { status: 404, .. })
}

/// Whether Graph's message names `id` ("Resource '{id}' does not exist ..."): a 404 that names
/// the group means the group is gone, not the member.
fn names(error: &Error, id: &str) -> bool {
    match error {
        Error::Graph { message, .. } => message
            .to_ascii_lowercase()
            .contains(&id.to_ascii_lowercase()),
        _ => false,
    }
}
