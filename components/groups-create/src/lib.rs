//! Create Group: `POST /scim/v2/Groups` and the B2C connector's `POST /v1.0/groups`. The group
//! is created first and its members added after, so any number of members works; if a member
//! cannot be added the new group is removed again, leaving nothing behind. Owners (`owners` or
//! `ownersToAdd` in the azureAdGroup extension) are added the same way.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim_graph::GroupParts;
use scim::resource::Group;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "groups-create",
    summary: "Create a group with its members.",
    routes: &[("POST", "/scim/v2/Groups"), ("POST", "/v1.0/groups")],
    graph_permissions: &["Group.Create", "GroupMember.ReadWrite.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, groups_create).await
}

async fn groups_create(call: Call) -> Result<Reply, ScimError> {
    let request = Group::from_request_body(&call.body)?;
    let body = scim_graph::group_create_body(&request)?;
    // Malformed owner lists fail here, before anything is made.
    scim_graph::owner_changes(&Group::default(), &request)?;
    let connection = Connection::open().await?;
    let graph = connection.graph();
    let created = graph.create_group(&body).await.map_err(|e| scim_graph::scim_error(&e))?;
    let id = created.id.clone().unwrap_or_default();

    // From an empty group to the requested one: the same path as an update.
    let empty = scim_graph::group_to_scim(&created, Some(&[]), &call.location_base);
    let wanted = scim_graph::with_owners_of(&with_members_of(&empty, &request), &request)?;
    if let Err(error) = scim_graph::update_group(&graph, &id, &empty, &wanted).await {
        let _ = graph.delete_group(&id).await;
        return Err(error);
    }
    let parts = GroupParts { members: true, owners: scim_graph::mentions_owners(&guest::to_json(&request)?) };
    let group = scim_graph::read_group(&graph, &id, parts, &call.location_base).await?;
    let location = group.meta.as_ref().and_then(|m| m.location.clone()).unwrap_or_default();
    Ok(Reply::created(guest::to_json(&group)?, location))
}

/// The request's members on the group as created (its properties are already in place).
fn with_members_of(created: &Group, request: &Group) -> Group {
    Group { members: request.members.clone(), ..created.clone() }
}
