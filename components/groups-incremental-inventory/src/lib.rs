//! Groups incremental inventory: the groups created, changed or deleted since the watermark of the
//! last completed run (Graph's groups delta, or in an Azure AD B2C tenant, the directory audit
//! log), with the members and owners each gained or lost.

use guest::{Connection, Operation};
use inventory::{GroupDocuments, JobError, Step, StepRequest};
use inventory_guest::{Job, Mode};
use spin_sdk::http::{IntoResponse, Request};

pub const JOB: Job = Job {
    operation: Operation {
        name: "groups-incremental-inventory",
        summary: "Incremental inventory of groups: changed and deleted groups, and member and owner changes, since the last run.",
        routes: &[("GET", "/inventory/groups-incremental-inventory")],
        // AuditLog.Read.All: Azure AD B2C tenants have no delta queries; there the audit log says
        // what changed.
        graph_permissions: &["GroupMember.Read.All", "AuditLog.Read.All"],
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
    let groups = GroupDocuments { map: inventory_guest::attribute_map("group").await? };
    inventory::groups_incremental_step(&connection.graph(), &groups, &request).await
}
