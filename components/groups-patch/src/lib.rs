//! Modify Group: `PATCH /scim/v2/Groups/{id}` and the B2C connector's "Add/Remove Members or
//! Owners to a Group" `PATCH /v1.0/groups/{Id}`, with RFC 7644 PatchOp bodies as Microsoft Entra
//! provisioning sends them (member adds, removals by filter or value list, renames), and owners
//! (`owners`, or the B2C connector's `ownersToAdd` / `ownersToRemove`). The operations apply to
//! the group's SCIM form, all or nothing; the difference reaches Graph.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim_graph::GroupParts;
use scim::patch::{AttributeRules, PatchRequest};
use scim::resource::Group;
use scim::schema::AZURE_AD_GROUP;
use serde_json::{Value, json};
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "groups-patch",
    summary: "Add or remove group members and change a group's attributes with SCIM PATCH.",
    routes: &[("PATCH", "/scim/v2/Groups/{id}"), ("PATCH", "/v1.0/groups/{id}")],
    graph_permissions: &["Group.ReadWrite.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, groups_patch).await
}

async fn groups_patch(call: Call) -> Result<Reply, ScimError> {
    let id = call.param("id");
    let patch = PatchRequest::from_body(&call.body)?;
    // Owners cost a Graph request: read only for a PATCH that speaks of them.
    let with_owners = scim_graph::mentions_owners(&serde_json::from_slice(&call.body).unwrap_or_default());
    let connection = Connection::open().await?;
    let graph = connection.graph();
    let parts = GroupParts { members: true, owners: with_owners };
    let before = scim_graph::read_group(&graph, id, parts, &call.location_base).await?;
    let current = guest::to_json(&before)?;
    call.require_version(&current)?;
    let mut patched = scim::patch::apply(&current, &patch, &AttributeRules::group())?;
    keep_emptied_owners(&current, &mut patched);
    scim_graph::refuse_required_removals(&current, &patched, scim_graph::GROUP_ATTRIBUTES_GRAPH_REQUIRES)?;
    let after = Group::from_request_body(patched.to_string().as_bytes())?;
    scim_graph::update_group(&graph, id, &before, &after).await?;
    let group = scim_graph::read_group(&graph, id, parts, &call.location_base).await?;
    Ok(Reply::resource(guest::to_json(&group)?))
}

/// PATCH drops an attribute whose last value it removes; for owners that must read "none" rather
/// than "not said", or removing every owner would change nothing.
fn keep_emptied_owners(before: &Value, patched: &mut Value) {
    if before[AZURE_AD_GROUP].get("owners").is_none() {
        return;
    }
    let Some(doc) = patched.as_object_mut() else { return };
    if let Some(extension) = doc.entry(AZURE_AD_GROUP).or_insert_with(|| json!({})).as_object_mut() {
        extension.entry("owners").or_insert_with(|| json!([]));
    }
}
