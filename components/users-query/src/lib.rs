//! Query Users: `GET /scim/v2/Users?filter=...&startIndex=...&count=...` and the B2C connector's
//! `GET /v1.0/users?filter={filter}&count={pageSize}`. The SCIM filter becomes a Graph `$filter`
//! (or a 400 invalidFilter); paging walks Graph's skiptokens, never more than a bounded number
//! of pages for one answer.

use guest::{Call, Connection, Operation, Reply};
use scim::error::ScimError;
use scim::list::ListResponse;
use scim::query::ListQuery;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-query",
    summary: "Retrieve users matching a filter, a page at a time.",
    routes: &[("GET", "/scim/v2/Users"), ("GET", "/v1.0/users")],
    graph_permissions: &["User.Read.All"],
};

guest::export_operation!(OPERATION);

/// A page when the caller names no `count`.
const DEFAULT_COUNT: u64 = 100;
/// Graph's largest `$top`.
const GRAPH_MAX_TOP: u64 = 999;
/// Skipping to a far `startIndex` costs a Graph page per 999 users; past this, ask for a cursor.
const MAX_PAGES_PER_ANSWER: usize = 10;

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, users_query).await
}

async fn users_query(call: Call) -> Result<Reply, ScimError> {
    let connection = Connection::open().await?;
    let query = ListQuery::from_query_string(&call.query)?;
    let filter = query.filter.as_ref().map(scim_graph::user_filter).transpose()?;
    let count = query.count.unwrap_or(DEFAULT_COUNT).min(GRAPH_MAX_TOP);
    let skip = query.start_index - 1;
    let graph = connection.graph();

    // Fetch pages until `skip + count` users are in hand or Graph has no more.
    let wanted = skip + count;
    let mut users = Vec::new();
    let mut skip_token = None;
    let mut more = false;
    for page_number in 0.. {
        if page_number == MAX_PAGES_PER_ANSWER {
            return Err(ScimError::new(
                400,
                Some(scim::error::ScimType::TooMany),
                format!("startIndex {} is too far to reach in one request; page with smaller steps", query.start_index),
            ));
        }
        let top = (wanted - users.len() as u64).clamp(1, GRAPH_MAX_TOP) as u32;
        let page = graph
            .list_users(&graph::UserQuery { filter: filter.clone(), top: Some(top), skip_token: skip_token.take(), count: false })
            .await
            .map_err(|e| scim_graph::scim_error(&e))?;
        users.extend(page.value);
        skip_token = page.skip_token;
        more = skip_token.is_some();
        if !more || users.len() as u64 >= wanted {
            break;
        }
    }

    let page: Vec<_> = users.iter().skip(skip as usize).take(count as usize).collect();
    let total_results = if more {
        // More users than this answer holds: ask Graph for the count.
        let counted = graph
            .list_users(&graph::UserQuery { filter, top: Some(1), skip_token: None, count: true })
            .await
            .map_err(|e| scim_graph::scim_error(&e))?;
        counted.count.unwrap_or(users.len() as u64)
    } else {
        users.len() as u64
    };
    let resources = page.iter().map(|user| scim_graph::user_to_scim(user, &call.location_base)).collect::<Vec<_>>();
    let list = ListResponse {
        total_results,
        start_index: query.start_index,
        items_per_page: resources.len() as u64,
        resources,
        next_cursor: None,
    };
    Ok(Reply::ok(list.to_json()))
}
