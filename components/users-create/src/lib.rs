//! Create User: `POST /scim/v2/Users` and the B2C connector's `POST /v1.0/users`.
//! A manager named in the request is set after the user exists; if that fails the new user is
//! removed again, so a failed create leaves nothing behind.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim::resource::User;
use scim_graph::UserParts;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-create",
    summary: "Create a user account.",
    routes: &[("POST", "/scim/v2/Users"), ("POST", "/v1.0/users")],
    graph_permissions: &["User.ReadWrite.All"],
    graph_permissions_on_request: &["User-LifeCycleInfo.ReadWrite.All"],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, users_create).await
}

async fn users_create(call: Call) -> Result<Reply, ScimError> {
    let request = User::from_request_body(&call.body)?;
    let connection = Connection::open().await?;
    // The end date is read back, and answered, only when the request sends it (RFC 7643 §7).
    let graph = connection.graph_with(UserParts::written_by(&request));
    let request = connection.user_names().to_graph(request);
    let body = connection.user_names().create_body(&request, &guest::generate_password())?;
    let created = graph.create_user(&body).await.map_err(|e| scim_graph::scim_error(&e))?;
    let id = created.id.clone().unwrap_or_default();

    if let Some(manager) = scim_graph::manager_id(&request)
        && let Err(error) = scim_graph::set_manager(&graph, &id, Some(manager)).await
    {
        let _ = graph.delete_user(&id).await;
        return Err(error);
    }

    // Read back the whole user (Graph's create answer holds only the default properties).
    let user = graph.get_user(&id).await.unwrap_or(created);
    let user = connection.user_names().scim_user(&user, &call.location_base);
    let location = user.meta.as_ref().and_then(|m| m.location.clone()).unwrap_or_default();
    Ok(Reply::created(guest::to_json(&user)?, location))
}
