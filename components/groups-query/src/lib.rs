//! Query Groups: `GET /scim/v2/Groups?filter=...&startIndex=...&count=...` and the B2C
//! connector's `GET /v1.0/groups?filter={filter}&count={pageSize}`, `POST
//! /scim/v2/Groups/.search`, cursor paging (RFC 9865 `cursor`, and the B2C table's
//! `GET /v1.0/groups/EIDExtension/Paged?filter=&count=&skipToken=`), with each group's members unless the caller excludes them
//! (`excludedAttributes=members`, as provisioning engines do) and `attributes` /
//! `excludedAttributes` applied.

use guest::{Call, Connection, CursorPage, Operation, Reply, Scan, Window};
use scim::error::ScimError;
use scim::list::ListResponse;
use scim::projection::{ResourceKind, project};
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
    let plan = query.filter.as_ref().map(scim_graph::plan_group_filter).transpose()?;
    let (filter, residual) = plan.map_or((None, None), |plan| (plan.graph, plan.residual));
    let order_by = query.sort_by.as_deref().map(|attribute| scim_graph::group_order_by(attribute, query.sort_order)).transpose()?;
    let with_members = query.wants("members");
    let connection = Connection::open().await?;
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
            let mut group = guest::to_json(&scim_graph::group_to_scim(group, members.as_deref(), &call.location_base))?;
            if with_members {
                scim::etag::stamp(&mut group);
            }
            resources.push(project(&group, &query.attributes, &query.excluded_attributes, ResourceKind::Group));
        }
        Ok(resources)
    };

    // The residual filter never names members (those filters are refused), so a group is
    // checked without reading its members.
    let passes = |group: &graph::Group| match &residual {
        Some(residual) => guest::to_json(&scim_graph::group_to_scim(group, None, &call.location_base))
            .is_ok_and(|group| residual.matches(&group)),
        None => true,
    };

    if let Some(cursor) = guest::requested_cursor(&call, &query) {
        let (page, total_results) = match &residual {
            None => {
                let page = CursorPage::fetch(&cursor, query.count, |top, token| list(top, token, false)).await?;
                let total = match page.next_cursor.is_some() || !cursor.is_empty() {
                    true => list(1, None, true).await?.count.unwrap_or(page.items.len() as u64),
                    false => page.items.len() as u64,
                };
                (page, Some(total))
            }
            Some(_) => {
                let page = Scan::page(&cursor, query.count, passes, |top, token| list(top, token, false)).await?;
                let total = (cursor.is_empty() && page.next_cursor.is_none()).then_some(page.items.len() as u64);
                (page, total)
            }
        };
        let resources = to_resources(&page.items).await?;
        return Ok(Reply::ok(ListResponse::cursor_page(resources, total_results, page.next_cursor).to_json()));
    }

    let (groups, total_results) = match &residual {
        None => {
            let window = Window::fetch(query.start_index, query.count, |top, token| list(top, token, false)).await?;
            let total = match window.more {
                true => list(1, None, true).await?.count.unwrap_or(window.seen),
                false => window.seen,
            };
            (window.items, total)
        }
        Some(residual) => {
            let all = Scan::all(&residual.why, passes, |top, token| list(top, token, false)).await?;
            let total = all.len() as u64;
            let skip = query.start_index.saturating_sub(1) as usize;
            let count = query.count.unwrap_or(guest::DEFAULT_COUNT) as usize;
            (all.into_iter().skip(skip).take(count).collect::<Vec<_>>(), total)
        }
    };
    Ok(Reply::ok(ListResponse::new(to_resources(&groups).await?, total_results, query.start_index).to_json()))
}
