//! Users full inventory: every user, as a document in the warehouse's attribute names (the map
//! named by variable `user_attribute_map`), then the users delta link from the run's start as the
//! watermark for incremental runs.

use guest::{Connection, Operation};
use inventory::{JobError, Step, StepRequest, UserDocuments};
use inventory_guest::{Job, Mode};
use spin_sdk::http::{IntoResponse, Request};

pub const JOB: Job = Job {
    operation: Operation {
        name: "users-full-inventory",
        summary: "Full inventory of users: every user mapped to warehouse attributes.",
        routes: &[("GET", "/inventory/users-full-inventory")],
        graph_permissions: &["User.Read.All"],
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
    let users = UserDocuments { names: connection.user_names(), map: inventory_guest::attribute_map("user").await? };
    inventory::users_full_step(&connection.graph(), &users, inventory_guest::change_tracking(connection), request.cursor.as_deref()).await
}
