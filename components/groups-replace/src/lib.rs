//! Update Group by replacement: `PUT /scim/v2/Groups/{id}` and the B2C connector's
//! `PUT /v1.0/groups/{Id}`: the request is the group's new state, members included, and only the
//! differences reach Graph (changed properties in one update, then member removals and adds).

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim_graph::GroupParts;
use scim::resource::Group;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "groups-replace",
    summary: "Replace a group's attributes and members.",
    routes: &[("PUT", "/scim/v2/Groups/{id}"), ("PUT", "/v1.0/groups/{id}")],
    graph_permissions: &["Group.ReadWrite.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, groups_replace).await
}

async fn groups_replace(call: Call) -> Result<Reply, ScimError> {
    let id = call.param("id");
    let replacement = Group::from_request_body(&call.body)?;
    if replacement.id.as_deref().is_some_and(|body_id| body_id != id) {
        return Err(ScimError::new(
            400,
            Some(scim::error::ScimType::Mutability),
            format!("the body's id does not match the URL's {id}"),
        ));
    }
    let connection = Connection::open().await?;
    let graph = connection.graph();
    // Owners are replaced only when the body speaks of them: they are returned on request
    // only, so a client that read the group and sent it back did not see them.
    let owners = scim_graph::mentions_owners(&serde_json::from_slice(&call.body).unwrap_or_default());
    let parts = GroupParts { members: true, owners };
    let before = scim_graph::read_group(&graph, id, parts, &call.location_base).await?;
    call.require_version(&guest::to_json(&before)?)?;
    scim_graph::update_group(&graph, id, &before, &replacement).await?;
    let group = scim_graph::read_group(&graph, id, parts, &call.location_base).await?;
    Ok(Reply::resource(guest::to_json(&group)?))
}
