//! Modify Group: `PATCH /scim/v2/Groups/{id}` and the B2C connector's "Add/Remove Members or
//! Owners to a Group" `PATCH /v1.0/groups/{Id}`, with RFC 7644 PatchOp bodies as Microsoft Entra
//! provisioning sends them (member adds, removals by filter or value list, renames). The
//! operations apply to the group's SCIM form, all or nothing; the difference reaches Graph.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim::patch::{AttributeRules, PatchRequest};
use scim::resource::Group;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "groups-patch",
    summary: "Add or remove group members and change a group's attributes with SCIM PATCH.",
    routes: &[("PATCH", "/scim/v2/Groups/{id}"), ("PATCH", "/v1.0/groups/{id}")],
    graph_permissions: &["Group.ReadWrite.All"],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, groups_patch).await
}

async fn groups_patch(call: Call) -> Result<Reply, ScimError> {
    let id = call.param("id");
    let patch = PatchRequest::from_body(&call.body)?;
    let connection = Connection::open().await?;
    let graph = connection.graph();
    let before = scim_graph::read_group(&graph, id, true, &call.location_base).await?;
    let current = guest::to_json(&before)?;
    call.require_version(&current)?;
    let patched = scim::patch::apply(&current, &patch, &AttributeRules::group())?;
    let after = Group::from_request_body(patched.to_string().as_bytes())?;
    scim_graph::update_group(&graph, id, &before, &after).await?;
    let group = scim_graph::read_group(&graph, id, true, &call.location_base).await?;
    Ok(Reply::resource(guest::to_json(&group)?))
}
