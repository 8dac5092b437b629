//! Query Users: `GET /scim/v2/Users?filter=...&startIndex=...&count=...` and the B2C connector's
//! `GET /v1.0/users?filter={filter}&count={pageSize}`, `POST /scim/v2/Users/.search` with the
//! same query as a SearchRequest body, and cursor paging: RFC 9865 `cursor`/`nextCursor`, and the
//! B2C table's `GET /v1.0/users/EIDExtension/Paged?filter=&count=&skipToken=`. The SCIM filter
//! becomes a Graph `$filter` as far as Graph can answer it; the rest is checked here on each user
//! Graph returns, over a bounded number of users. `sortBy`/`sortOrder` become `$orderby`; paging
//! walks Graph's skiptokens; `attributes` / `excludedAttributes` shape each user.

use guest::{Call, Check, Connection, Listing, Operation, Reply};
use scim::error::ScimError;
use scim::projection::{ResourceKind, project};
use scim::query::ListQuery;
use scim_graph::UserParts;
use serde_json::Value;
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
    graph_permissions_on_request: &["User-LifeCycleInfo.Read.All"],
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
    let connection = Connection::open().await?;
    let names = connection.user_names();
    let plan = query.filter.as_ref().map(|filter| scim_graph::plan_user_filter(filter, names)).transpose()?;
    let (filter, residual) = plan.map_or((None, None), |plan| (plan.graph, plan.residual));
    let order_by = query.sort_by.as_deref().map(|attribute| scim_graph::user_order_by(attribute, query.sort_order)).transpose()?;
    connection.check_order(order_by.as_ref())?;
    let graph = connection.graph_with(UserParts::asked_by(&query));
    let list = |top, skip_token, count| {
        // The count needs no order; pages keep theirs across skiptokens.
        let order_by = if count { None } else { order_by.clone() };
        let query = graph::UserQuery { filter: filter.clone(), top: Some(top), skip_token, count, order_by };
        let graph = &graph;
        async move { graph.list_users(&query).await.map_err(|e| scim_graph::scim_error(&e)) }
    };
    // Only candidates of a residual check are turned into SCIM users to be checked; the answer's
    // users are turned once more below, so the users a window skips are never converted.
    let passes = |user: &graph::User| {
        residual.as_ref().is_none_or(|residual| scim_user(user, &call, names).is_ok_and(|user| residual.matches(&user)))
    };
    let check = residual.as_ref().map(|residual| Check { passes: &passes, why: &residual.why });
    let listing = Listing::fetch(&call, &query, check, connection.advanced_queries(), list).await?;
    let users = listing
        .items
        .iter()
        .map(|user| Ok(project(&scim_user(user, &call, names)?, &query.attributes, &query.excluded_attributes, ResourceKind::User)))
        .collect::<Result<_, ScimError>>()?;
    Ok(Reply::ok(listing.respond(users).to_json()))
}

fn scim_user(user: &graph::User, call: &Call, names: &scim_graph::UserNames) -> Result<Value, ScimError> {
    let mut user = guest::to_json(&names.scim_user(user, &call.location_base))?;
    scim::etag::stamp(&mut user);
    Ok(user)
}
