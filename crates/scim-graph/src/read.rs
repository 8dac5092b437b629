//! Reading a group the way SCIM returns it: its properties and, unless the caller excludes them,
//! every member, page by page, up to a bound (a larger group is read without members); its
//! owners when asked for.

use crate::error::scim_error;
use crate::group::group_to_scim;
use crate::owner::{read_owners, set_owners};
use graph::{DirectoryObject, GraphClient, Transport};
use scim::error::{ScimError, ScimType};
use scim::projection::{ResourceKind, names_attribute};
use scim::query::ListQuery;
use scim::schema::AZURE_AD_GROUP;

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

/// What to read of a group beside its properties: each costs Graph requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupParts {
    pub members: bool,
    /// Returned only on request (the azureAdGroup extension's `owners`).
    pub owners: bool,
}

impl GroupParts {
    pub const MEMBERS: GroupParts = GroupParts { members: true, owners: false };

    /// What a read or query answers: members unless excluded, owners only when named (they are
    /// returned on request).
    pub fn asked_by(query: &ListQuery) -> GroupParts {
        GroupParts {
            members: query.wants("members"),
            owners: names_attribute(&query.attributes, &format!("{AZURE_AD_GROUP}:owners"), ResourceKind::Group),
        }
    }
}

/// The group as a SCIM Group, with the parts asked for.
pub async fn read_group<T: Transport>(
    graph: &GraphClient<'_, T>,
    id: &str,
    parts: GroupParts,
    location_base: &str,
) -> Result<scim::Group, ScimError> {
    let group = graph.get_group(id).await.map_err(|e| scim_error(&e))?;
    let members = match parts.members {
        true => Some(all_members(graph, id).await?),
        false => None,
    };
    let mut out = group_to_scim(&group, members.as_deref(), location_base);
    if parts.owners {
        set_owners(&mut out, &read_owners(graph, id).await?, location_base);
    }
    Ok(out)
}
