//! GroupOwnershipFullInventory: every group with its owners, one document per group in
//! the seed's shape (`{"groupId": "...", "owners": [{"id": "...", "type": "user"}]}`).

use guest::{Connection, Operation};
use inventory::{GroupLinks, JobError, Step, StepRequest};
use inventory_guest::{Job, Mode};
use spin_sdk::http::{IntoResponse, Request};

pub const JOB: Job = Job {
    operation: Operation {
        name: "group-ownership-full-inventory",
        summary: "Full inventory of group ownerships: each group's owners, with their type.",
        routes: &[("GET", "/inventory/group-ownership-full-inventory")],
        graph_permissions: &["GroupMember.Read.All"],
        graph_permissions_on_request: &[],
    },
    mode: Mode::Full,
};

inventory_guest::export_inventory!(JOB, step);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    JOB.serve(request, step).await
}

async fn step(connection: &Connection, request: StepRequest) -> Result<Step, JobError> {
    inventory::group_links_step(&connection.graph(), GroupLinks::Owners, request.cursor.as_deref()).await
}
