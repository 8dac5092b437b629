//! Modify User: `PATCH /scim/v2/Users/{id}` with an RFC 7644 PatchOp, including the forms
//! Microsoft Entra provisioning sends (`"op": "Replace"`, `"active": "False"`, path-less replace
//! with dotted keys). The operations are applied to the user's SCIM representation, all or
//! nothing, and the difference reaches Graph as one update (`active` enables or disables).

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim::patch::{AttributeRules, PatchRequest};
use scim::resource::User;
use scim_graph::UserParts;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-patch",
    summary: "Modify a user's attributes with SCIM PATCH operations (enable or disable the account).",
    routes: &[("PATCH", "/scim/v2/Users/{id}")],
    graph_permissions: &["User.ReadWrite.All"],
    graph_permissions_on_request: &["User-LifeCycleInfo.ReadWrite.All"],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, users_patch).await
}

async fn users_patch(call: Call) -> Result<Reply, ScimError> {
    let id = call.param("id");
    let patch = PatchRequest::from_body(&call.body)?;
    let connection = Connection::open().await?;
    // The end date is read, and answered, only when the PATCH writes it (RFC 7643 §7).
    let graph = connection.graph_with(UserParts::patched_by(&patch));
    let current = graph.get_user(id).await.map_err(|e| scim_graph::scim_error(&e))?;
    let names = connection.user_names();
    let before = names.scim_user(&current, &call.location_base);
    let current = guest::to_json(&before)?;
    call.require_version(&current)?;
    let patched = scim::patch::apply(&current, &patch, &AttributeRules::user())?;
    scim_graph::refuse_required_removals(&current, &patched, scim_graph::USER_ATTRIBUTES_GRAPH_REQUIRES)?;
    let after = User::from_request_body(patched.to_string().as_bytes())?;
    scim_graph::update_user(&graph, id, &names.to_graph(before), &names.to_graph(after)).await?;

    let updated = graph.get_user(id).await.map_err(|e| scim_graph::scim_error(&e))?;
    Ok(Reply::resource(guest::to_json(&names.scim_user(&updated, &call.location_base))?))
}
