//! Delete Group: `DELETE /scim/v2/Groups/{id}` and the B2C connector's `DELETE /v1.0/groups/{Id}`.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "groups-delete",
    summary: "Delete a group.",
    routes: &[("DELETE", "/scim/v2/Groups/{id}"), ("DELETE", "/v1.0/groups/{id}")],
    graph_permissions: &["Group.ReadWrite.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, groups_delete).await
}

async fn groups_delete(call: Call) -> Result<Reply, ScimError> {
    let connection = Connection::open().await?;
    let graph = connection.graph();
    if call.has_precondition() {
        let current = scim_graph::read_group(&graph, call.param("id"), scim_graph::GroupParts::MEMBERS, &call.location_base).await?;
        call.require_version(&guest::to_json(&current)?)?;
    }
    graph.delete_group(call.param("id")).await.map_err(|e| scim_graph::scim_error(&e))?;
    Ok(Reply::no_content())
}
