//! Users incremental inventory: the users created, changed or deleted since the watermark of the
//! last completed run (Graph's users delta, or in an Azure AD B2C tenant, the directory audit
//! log), as documents and deprovisioning documents.

use guest::{Connection, Operation};
use inventory::{JobError, Step, StepRequest, UserDocuments};
use inventory_guest::{Job, Mode};
use spin_sdk::http::{IntoResponse, Request};

pub const JOB: Job = Job {
    operation: Operation {
        name: "users-incremental-inventory",
        summary: "Incremental inventory of users: those created, changed or deleted since the last run.",
        routes: &[("GET", "/inventory/users-incremental-inventory")],
        // AuditLog.Read.All: Azure AD B2C tenants have no delta queries; there the audit log says
        // what changed.
        graph_permissions: &["User.Read.All", "AuditLog.Read.All"],
        graph_permissions_on_request: &[],
    },
    mode: Mode::Incremental,
};

inventory_guest::export_inventory!(JOB, step);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    JOB.serve(request, step).await
}

async fn step(connection: &Connection, request: StepRequest) -> Result<Step, JobError> {
    let users = UserDocuments { names: connection.user_names(), map: inventory_guest::attribute_map("user").await? };
    inventory::users_incremental_step(&connection.graph(), &users, &request).await
}
