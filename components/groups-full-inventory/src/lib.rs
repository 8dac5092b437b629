//! Groups full inventory: every group, as a document in the warehouse's attribute names (the map
//! named by variable `group_attribute_map`), then the groups delta link from the run's start
//! (tracking members and owners) as the watermark for incremental runs.

use guest::{Connection, Operation};
use inventory::{GroupDocuments, JobError, Step, StepRequest};
use inventory_guest::{Job, Mode};
use spin_sdk::http::{IntoResponse, Request};

pub const JOB: Job = Job {
    operation: Operation {
        name: "groups-full-inventory",
        summary: "Full inventory of groups: every group mapped to warehouse attributes.",
        routes: &[("GET", "/inventory/groups-full-inventory")],
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
    let groups = GroupDocuments { map: inventory_guest::attribute_map("group").await? };
    inventory::groups_full_step(&connection.graph(), &groups, inventory_guest::change_tracking(connection), request.cursor.as_deref()).await
}
