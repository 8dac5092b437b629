//! Update User by replacement: `PUT /scim/v2/Users/{id}` and the B2C connector's
//! `PUT /v1.0/users/{Id}`. The request is the user's whole new state: attributes it leaves out
//! are cleared (except those Graph requires), `active` enables or disables the account, and the
//! change reaches Graph as one update with only what differs.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim::resource::User;
use scim_graph::UserParts;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-replace",
    summary: "Replace a user's attributes (update user, enable or disable the account).",
    routes: &[("PUT", "/scim/v2/Users/{id}"), ("PUT", "/v1.0/users/{id}")],
    graph_permissions: &["User.ReadWrite.All"],
    graph_permissions_on_request: &["User-LifeCycleInfo.ReadWrite.All"],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, users_replace).await
}

async fn users_replace(call: Call) -> Result<Reply, ScimError> {
    let id = call.param("id");
    let replacement = User::from_request_body(&call.body)?;
    if replacement.id.as_deref().is_some_and(|body_id| body_id != id) {
        return Err(ScimError::new(
            400,
            Some(scim::error::ScimType::Mutability),
            format!("the body's id {} does not match the URL's {id}", replacement.id.as_deref().unwrap_or_default()),
        ));
    }
    let connection = Connection::open().await?;
    // The end date is read, and answered, only when the request sends it (RFC 7643 §7): one
    // left out was not seen by the client, so it is kept rather than cleared.
    let graph = connection.graph_with(UserParts::written_by(&replacement));
    let current = graph.get_user(id).await.map_err(|e| scim_graph::scim_error(&e))?;
    let names = connection.user_names();
    let before = names.scim_user(&current, &call.location_base);
    call.require_version(&guest::to_json(&before)?)?;
    scim_graph::update_user(&graph, id, &names.to_graph(before), &names.to_graph(replacement)).await?;

    let updated = graph.get_user(id).await.map_err(|e| scim_graph::scim_error(&e))?;
    Ok(Reply::resource(guest::to_json(&names.scim_user(&updated, &call.location_base))?))
}
