//! GroupMembershipFullInventory: every group with its direct members, one document per group in
//! the seed's shape (`{"groupId": "...", "members": [{"id": "...", "type": "user"}]}`).

use guest::{Connection, Operation};
use inventory::{GroupLinks, JobError, Step, StepRequest};
use inventory_guest::{Job, Mode};
use spin_sdk::http::{IntoResponse, Request};

pub const JOB: Job = Job {
    operation: Operation {
        name: "group-membership-full-inventory",
        summary: "Full inventory of group memberships: each group's direct members, with their type.",
        routes: &[("GET", "/inventory/group-membership-full-inventory")],
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
    inventory::group_links_step(&connection.graph(), GroupLinks::Members, request.cursor.as_deref()).await
}
