//! Delete User: `DELETE /scim/v2/Users/{id}` and the B2C connector's `DELETE /v1.0/users/{Id}`.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-delete",
    summary: "Delete a user account.",
    routes: &[("DELETE", "/scim/v2/Users/{id}"), ("DELETE", "/v1.0/users/{id}")],
    graph_permissions: &["User.ReadWrite.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, users_delete).await
}

async fn users_delete(call: Call) -> Result<Reply, ScimError> {
    let connection = Connection::open().await?;
    let graph = connection.graph();
    if call.has_precondition() {
        let current = graph.get_user(call.param("id")).await.map_err(|e| scim_graph::scim_error(&e))?;
        call.require_version(&guest::to_json(&connection.user_names().scim_user(&current, &call.location_base))?)?;
    }
    graph.delete_user(call.param("id")).await.map_err(|e| scim_graph::scim_error(&e))?;
    Ok(Reply::no_content())
}
