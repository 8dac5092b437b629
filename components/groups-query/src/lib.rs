//! Query Groups: `GET /scim/v2/Groups?filter=...&startIndex=...&count=...` and the B2C
//! connector's `GET /v1.0/groups?filter={filter}&count={pageSize}`, `POST
//! /scim/v2/Groups/.search`, cursor paging (RFC 9865 `cursor`, and the B2C table's
//! `GET /v1.0/groups/EIDExtension/Paged?filter=&count=&skipToken=`), with each group's members unless the caller excludes them
//! (`excludedAttributes=members`, as provisioning engines do) and `attributes` /
//! `excludedAttributes` applied.

use guest::{Call, Check, Connection, Listing, Operation, Reply};
use scim::error::ScimError;
use scim::projection::{ResourceKind, project};
use scim_graph::GroupParts;
use scim::query::ListQuery;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "groups-query",
    summary: "Retrieve groups matching a filter, a page at a time.",
    routes: &[
        ("GET", "/scim/v2/Groups"),
        ("GET", "/v1.0/groups"),
        ("GET", "/v1.0/groups/EIDExtension/Paged"),
        ("POST", "/scim/v2/Groups/.search"),
    ],
    graph_permissions: &["GroupMember.Read.All"],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, groups_query).await
}

async fn groups_query(call: Call) -> Result<Reply, ScimError> {
    let query = match call.method.as_str() {
        "POST" => ListQuery::from_search_request(&call.body)?,
        _ => ListQuery::from_query_string(&call.query)?,
    };
    let connection = Connection::open().await?;
    let plan = query.filter.as_ref().map(|filter| scim_graph::plan_group_filter(filter, connection.advanced_queries())).transpose()?;
    let (filter, residual) = plan.map_or((None, None), |plan| (plan.graph, plan.residual));
    let order_by = query.sort_by.as_deref().map(|attribute| scim_graph::group_order_by(attribute, query.sort_order)).transpose()?;
    connection.check_order(order_by.as_ref())?;
    // Owners cost a Graph request per group: read only when asked for.
    let GroupParts { members: with_members, owners: with_owners } = GroupParts::asked_by(&query);
    let graph = connection.graph();
    let list = |top, skip_token, count| {
        // The count needs no order; pages keep theirs across skiptokens.
        let order_by = if count { None } else { order_by.clone() };
        let query = graph::GroupQuery { filter: filter.clone(), top: Some(top), skip_token, count, order_by };
        let graph = &graph;
        async move { graph.list_groups(&query).await.map_err(|e| scim_graph::scim_error(&e)) }
    };
    let to_resources = async |groups: &[graph::Group]| -> Result<Vec<serde_json::Value>, ScimError> {
        let mut resources = Vec::with_capacity(groups.len());
        for group in groups {
            let members = match (with_members, group.id.as_deref()) {
                (true, Some(id)) => Some(scim_graph::all_members(&graph, id).await?),
                _ => None,
            };
            let mut group = scim_graph::group_to_scim(group, members.as_deref(), &call.location_base);
            if let (true, Some(id)) = (with_owners, group.id.clone()) {
                let owners = scim_graph::read_owners(&graph, &id).await?;
                scim_graph::set_owners(&mut group, &owners, &call.location_base);
            }
            let mut group = guest::to_json(&group)?;
            if with_members {
                scim::etag::stamp(&mut group);
            }
            resources.push(project(&group, &query.attributes, &query.excluded_attributes, ResourceKind::Group));
        }
        Ok(resources)
    };

    // The residual filter never names members (those filters are refused), so a group is
    // checked without reading its members.
    let passes = |group: &graph::Group| {
        residual.as_ref().is_none_or(|residual| {
            guest::to_json(&scim_graph::group_to_scim(group, None, &call.location_base)).is_ok_and(|group| residual.matches(&group))
        })
    };
    let check = residual.as_ref().map(|residual| Check { passes: &passes, why: &residual.why });
    let listing = Listing::fetch(&call, &query, check, connection.advanced_queries(), list).await?;
    let groups = to_resources(&listing.items).await?;
    Ok(Reply::ok(listing.respond(groups).to_json()))
}
