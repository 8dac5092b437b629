//! Applying a new SCIM state of a user or a group to Graph, for replace (PUT) and modify (PATCH)
//! alike. A user: the manager first (so an unknown manager fails before anything changed), then
//! every property in one Graph update; if that update fails, the manager is put back. A group:
//! every property in one update, then member removals, then additions, then owner additions and
//! removals, each idempotent.

use crate::error::{is_existing_reference, scim_error};
use crate::group::{group_update_body, member_changes};
use crate::owner::owner_changes;
use crate::user::{manager_id, user_update_body};
use graph::{Error, GraphClient, Transport};
use scim::error::ScimError;
use scim::{Group, User};

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
/// Graph has no transaction across these requests: a failure part-way leaves the changes made
/// before it, and the error says which member failed.
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

/// A group's links the connector writes, one `$ref` at a time.
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
/// for), one Graph does not know is 400 invalidValue naming it.
async fn add_links<T: Transport>(graph: &GraphClient<'_, T>, id: &str, link: Link, objects: &[String]) -> Result<(), ScimError> {
    for object in objects {
        let added = match link {
            Link::Member => graph.add_member(id, object).await,
            Link::Owner => graph.add_owner(id, object).await,
        };
        let noun = link.noun();
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

/// Removes each object; one not linked is not an error.
async fn remove_links<T: Transport>(graph: &GraphClient<'_, T>, id: &str, link: Link, objects: &[String]) -> Result<(), ScimError> {
    for object in objects {
        let removed = match link {
            Link::Member => graph.remove_member(id, object).await,
            Link::Owner => graph.remove_owner(id, object).await,
        };
        match removed {
            Ok(()) => {}
            Err(e) if is_not_found(&e) && !names(&e, id) => {}
            Err(e) => return Err(scim_error(&e)),
        }
    }
    Ok(())
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
