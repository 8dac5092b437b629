//! Query Users: `GET /scim/v2/Users?filter=...&startIndex=...&count=...` and the B2C connector's
//! `GET /v1.0/users?filter={filter}&count={pageSize}`, `POST /scim/v2/Users/.search` with the
//! same query as a SearchRequest body, and cursor paging: RFC 9865 `cursor`/`nextCursor`, and the
//! B2C table's `GET /v1.0/users/EIDExtension/Paged?filter=&count=&skipToken=`. The SCIM filter
//! becomes a Graph `$filter` (or a 400 invalidFilter) and `sortBy`/`sortOrder` its `$orderby`;
//! paging walks Graph's skiptokens, a bounded number of pages at most; `attributes` /
//! `excludedAttributes` shape each user.

use guest::{Call, Connection, CursorPage, Operation, Reply, Window};
use scim::error::ScimError;
use scim::list::ListResponse;
use scim::projection::{ResourceKind, project};
use scim::query::ListQuery;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "users-query",
    summary: "Retrieve users matching a filter, a page at a time.",
    routes: &[
        ("GET", "/scim/v2/Users"),
        ("GET", "/v1.0/users"),
        ("GET", "/v1.0/users/EIDExtension/Paged"),
        ("POST", "/scim/v2/Users/.search"),
    ],
    graph_permissions: &["User.Read.All"],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, users_query).await
}

async fn users_query(call: Call) -> Result<Reply, ScimError> {
    let query = match call.method.as_str() {
        "POST" => ListQuery::from_search_request(&call.body)?,
        _ => ListQuery::from_query_string(&call.query)?,
    };
    let filter = query.filter.as_ref().map(scim_graph::user_filter).transpose()?;
    let order_by = query.sort_by.as_deref().map(|attribute| scim_graph::user_order_by(attribute, query.sort_order)).transpose()?;
    let connection = Connection::open().await?;
    let graph = connection.graph();
    let list = |top, skip_token, count| {
        // The count needs no order; pages keep theirs across skiptokens.
        let order_by = if count { None } else { order_by.clone() };
        let query = graph::UserQuery { filter: filter.clone(), top: Some(top), skip_token, count, order_by };
        let graph = &graph;
        async move { graph.list_users(&query).await.map_err(|e| scim_graph::scim_error(&e)) }
    };
    let to_resources = |users: &[graph::User]| -> Result<Vec<serde_json::Value>, ScimError> {
        users
            .iter()
            .map(|user| {
                let mut user = guest::to_json(&scim_graph::user_to_scim(user, &call.location_base))?;
                scim::etag::stamp(&mut user);
                Ok(project(&user, &query.attributes, &query.excluded_attributes, ResourceKind::User))
            })
            .collect()
    };

    if let Some(cursor) = guest::requested_cursor(&call, &query) {
        let page = CursorPage::fetch(&cursor, query.count, |top, token| list(top, token, false)).await?;
        // Past the first page, or with more to come, only Graph knows the total.
        let total_results = match page.next_cursor.is_some() || !cursor.is_empty() {
            true => list(1, None, true).await?.count.unwrap_or(page.items.len() as u64),
            false => page.items.len() as u64,
        };
        let mut list = ListResponse::new(to_resources(&page.items)?, total_results, 1);
        list.next_cursor = page.next_cursor;
        return Ok(Reply::ok(list.to_json()));
    }

    let window = Window::fetch(query.start_index, query.count, |top, token| list(top, token, false)).await?;
    // More users than this answer holds: ask Graph for the count.
    let total_results = match window.more {
        true => list(1, None, true).await?.count.unwrap_or(window.seen),
        false => window.seen,
    };
    Ok(Reply::ok(ListResponse::new(to_resources(&window.items)?, total_results, query.start_index).to_json()))
}
