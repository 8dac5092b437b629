//! Query Users: `GET /scim/v2/Users?filter=...&startIndex=...&count=...` and the B2C connector's
//! `GET /v1.0/users?filter={filter}&count={pageSize}`, `POST /scim/v2/Users/.search` with the
//! same query as a SearchRequest body, and cursor paging: RFC 9865 `cursor`/`nextCursor`, and the
//! B2C table's `GET /v1.0/users/EIDExtension/Paged?filter=&count=&skipToken=`. The SCIM filter
//! becomes a Graph `$filter` as far as Graph can answer it; the rest is checked here on each user
//! Graph returns, over a bounded number of users. `sortBy`/`sortOrder` become `$orderby`; paging
//! walks Graph's skiptokens; `attributes` / `excludedAttributes` shape each user, and the mailbox's
//! automatic replies are read only when they name them.

use graph::AutomaticRepliesSetting;
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
    graph_permissions_on_request: &["User-LifeCycleInfo.Read.All", "MailboxSettings.Read"],
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
    let parts = UserParts::asked_by(&query);
    let graph = connection.graph_with(parts);
    let list = |top, skip_token, count| {
        // The count needs no order; pages keep theirs across skiptokens.
        let order_by = if count { None } else { order_by.clone() };
        let query = graph::UserQuery { filter: filter.clone(), top: Some(top), skip_token, count, order_by };
        let graph = &graph;
        async move { graph.list_users(&query).await.map_err(|e| scim_graph::scim_error(&e)) }
    };
    // Only candidates of a residual check are turned into SCIM users to be checked; the answer's
    // users are turned once more below, so the users a window skips are never converted.
    // No filter can test the automatic replies, so candidates are checked without them.
    let passes = |user: &graph::User| {
        residual.as_ref().is_none_or(|residual| scim_user(user, None, &call, names).is_ok_and(|user| residual.matches(&user)))
    };
    let check = residual.as_ref().map(|residual| Check { passes: &passes, why: &residual.why });
    let listing = Listing::fetch(&call, &query, check, connection.advanced_queries(), list).await?;
    // The automatic replies cost a Graph request a user: only the answer's users are read, 20 to
    // a $batch request, which Graph serves side by side, so a page of 100 users costs 5 more
    // round trips rather than 100 and the largest Graph page (999) 50.
    let replies = match parts.automatic_replies {
        true => {
            let ids: Vec<&str> = listing.items.iter().map(|user| user.id.as_deref().unwrap_or_default()).collect();
            scim_graph::read_automatic_replies_of(&graph, &ids).await?
        }
        false => vec![None; listing.items.len()],
    };
    let users = listing
        .items
        .iter()
        .zip(&replies)
        .map(|(user, replies)| {
            let user = scim_user(user, replies.as_ref(), &call, names)?;
            Ok(project(&user, &query.attributes, &query.excluded_attributes, ResourceKind::User))
        })
        .collect::<Result<_, ScimError>>()?;
    Ok(Reply::ok(listing.respond(users).to_json()))
}

fn scim_user(
    user: &graph::User,
    replies: Option<&AutomaticRepliesSetting>,
    call: &Call,
    names: &scim_graph::UserNames,
) -> Result<Value, ScimError> {
    let mut user = names.scim_user(user, &call.location_base);
    if let Some(replies) = replies {
        scim_graph::set_automatic_replies(&mut user, replies);
    }
    let mut user = guest::to_json(&user)?;
    scim::etag::stamp(&mut user);
    Ok(user)
}
