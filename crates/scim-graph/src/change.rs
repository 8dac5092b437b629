//! Applying a new SCIM state of a user to Graph, for replace (PUT) and modify (PATCH) alike: the
//! manager first (so an unknown manager fails before anything changed), then every property in
//! one Graph update; if that update fails, the manager is put back.

use crate::error::scim_error;
use crate::user::{manager_id, user_update_body};
use graph::{GraphClient, Transport};
use scim::User;
use scim::error::ScimError;

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
        set_manager(graph, id, new_manager).await.map_err(|error| match (error.status, new_manager) {
            (404, Some(manager)) => ScimError::invalid_value(format!("manager {manager} does not exist")),
            _ => error,
        })?;
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

async fn set_manager<T: Transport>(graph: &GraphClient<'_, T>, id: &str, manager: Option<&str>) -> Result<(), ScimError> {
    let result = match manager {
        Some(manager) => graph.set_manager(id, manager).await,
        None => graph.remove_manager(id).await,
    };
    result.map_err(|e| scim_error(&e))
}
