//! Get User: `GET /scim/v2/Users/{id}` and the B2C connector's `GET /v1.0/users/{Id}`, with
//! `attributes` / `excludedAttributes` applied; the end date is read only when they name it.

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
    graph_permissions_on_request: &["User-LifeCycleInfo.Read.All"],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, users_get).await
}

async fn users_get(call: Call) -> Result<Reply, ScimError> {
    let query = ListQuery::from_query_string(&call.query)?;
    let connection = Connection::open().await?;
    let user = connection.graph_with(UserParts::asked_by(&query)).get_user(call.param("id")).await.map_err(|e| scim_graph::scim_error(&e))?;
    let mut user = guest::to_json(&connection.user_names().scim_user(&user, &call.location_base))?;
    let version = scim::etag::stamp(&mut user);
    if call.has_version(&version) {
        return Ok(Reply::not_modified(version));
    }
    Ok(Reply::versioned(project(&user, &query.attributes, &query.excluded_attributes, ResourceKind::User), version))
}
