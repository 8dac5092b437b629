//! Get Group: `GET /scim/v2/Groups/{id}` and the B2C connector's `GET /v1.0/groups/{Id}`, with
//! its members unless the caller excludes them (`excludedAttributes=members`), its owners when
//! the caller asks for them (`attributes=owners`), and with `attributes` / `excludedAttributes`
//! applied.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim_graph::GroupParts;
use scim::projection::{ResourceKind, project};
use scim::query::ListQuery;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "groups-get",
    summary: "Retrieve a group by id, with its members.",
    routes: &[("GET", "/scim/v2/Groups/{id}"), ("GET", "/v1.0/groups/{id}")],
    graph_permissions: &["GroupMember.Read.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, groups_get).await
}

async fn groups_get(call: Call) -> Result<Reply, ScimError> {
    let query = ListQuery::from_query_string(&call.query)?;
    let connection = Connection::open().await?;
    let parts = GroupParts::asked_by(&query);
    let group = scim_graph::read_group(&connection.graph(), call.param("id"), parts, &call.location_base).await?;
    let mut group = guest::to_json(&group)?;
    // A group's version covers its members; without them there is no version to give.
    if !parts.members {
        return Ok(Reply::ok(project(&group, &query.attributes, &query.excluded_attributes, ResourceKind::Group)));
    }
    let version = scim::etag::stamp(&mut group);
    if call.has_version(&version) {
        return Ok(Reply::not_modified(version));
    }
    Ok(Reply::versioned(project(&group, &query.attributes, &query.excluded_attributes, ResourceKind::Group), version))
}
