//! Get User: `GET /scim/v2/Users/{id}` and the B2C connector's `GET /v1.0/users/{Id}`, with
//! `attributes` / `excludedAttributes` applied; the end date and the mailbox's automatic replies
//! are read only when they name them.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim::projection::{ResourceKind, project};
use scim::query::ListQuery;
use scim_graph::UserParts;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-get",
    summary: "Retrieve a user by id.",
    routes: &[("GET", "/scim/v2/Users/{id}"), ("GET", "/v1.0/users/{id}")],
    graph_permissions: &["User.Read.All"],
    graph_permissions_on_request: &["User-LifeCycleInfo.Read.All", "MailboxSettings.Read"],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, users_get).await
}

async fn users_get(call: Call) -> Result<Reply, ScimError> {
    let query = ListQuery::from_query_string(&call.query)?;
    let parts = UserParts::asked_by(&query);
    let connection = Connection::open().await?;
    let graph = connection.graph_with(parts);
    let id = call.param("id");
    let user = graph.get_user(id).await.map_err(|e| scim_graph::scim_error(&e))?;
    let mut scim_user = connection.user_names().scim_user(&user, &call.location_base);
    if parts.automatic_replies
        && let Some(replies) = scim_graph::read_automatic_replies(&graph, id).await?
    {
        scim_graph::set_automatic_replies(&mut scim_user, &replies);
    }
    let mut user = guest::to_json(&scim_user)?;
    let version = scim::etag::stamp(&mut user);
    if call.has_version(&version) {
        return Ok(Reply::not_modified(version));
    }
    Ok(Reply::versioned(project(&user, &query.attributes, &query.excluded_attributes, ResourceKind::User), version))
}
