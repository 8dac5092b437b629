//! Get Group Members: the B2C connector's `GET /v1.0/groups/EIDExtension/MemberQuery/{Id}`, a
//! page at a time (`count`, `skipToken`): each direct member's id, type and display name.

use guest::{GroupLinks, Operation};
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "groups-members",
    summary: "Retrieve a group's direct members (id and type), a page at a time.",
    routes: &[("GET", "/v1.0/groups/EIDExtension/MemberQuery/{id}")],
    graph_permissions: &["GroupMember.Read.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, |call| GroupLinks::Members.answer(call)).await
}
