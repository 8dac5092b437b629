//! Reading a group the way SCIM returns it: its properties and, unless the caller excludes them,
//! every member, page by page, up to a bound (a larger group is read without members).

use crate::error::scim_error;
use crate::group::group_to_scim;
use graph::{DirectoryObject, GraphClient, Transport};
use scim::error::{ScimError, ScimType};

/// The most members one answer carries.
pub const MEMBER_LIMIT: usize = 100_000;

/// Every member of the group, or 400 tooMany past [`MEMBER_LIMIT`].
pub async fn all_members<T: Transport>(graph: &GraphClient<'_, T>, group_id: &str) -> Result<Vec<DirectoryObject>, ScimError> {
    graph.all_members(group_id, MEMBER_LIMIT).await.map_err(|error| match error {
        graph::Error::InvalidArgument { .. } => ScimError::new(
            400,
            Some(ScimType::TooMany),
            format!("group {group_id} has more than {MEMBER_LIMIT} members; ask with excludedAttributes=members"),
        ),
        error => scim_error(&error),
    })
}

/// The group as a SCIM Group, with its members when `with_members`.
pub async fn read_group<T: Transport>(
    graph: &GraphClient<'_, T>,
    id: &str,
    with_members: bool,
    location_base: &str,
) -> Result<scim::Group, ScimError> {
    let group = graph.get_group(id).await.map_err(|e| scim_error(&e))?;
    let members = match with_members {
        true => Some(all_members(graph, id).await?),
        false => None,
    };
    Ok(group_to_scim(&group, members.as_deref(), location_base))
}
