//! The B2C table's "Get Deleted Users": `GET /v1.0/users/EIDExtension/Deleted?Filter=AuditLogStartTime eq {t} and
//! AuditLogEndTime eq {t}`, paged by `startIndex` and `count`. See [`guest::Change`].

use graph::AuditedObjects;
use guest::{Call, Change, Operation, Reply};
use scim::error::ScimError;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-deleted",
    summary: "List the users deleted in a time range, from the directory audit log.",
    routes: &[("GET", "/v1.0/users/EIDExtension/Deleted")],
    graph_permissions: &["AuditLog.Read.All", "User.Read.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, answer).await
}

async fn answer(call: Call) -> Result<Reply, ScimError> {
    guest::answer_audited(call, AuditedObjects::Users, Change::Deleted).await
}
