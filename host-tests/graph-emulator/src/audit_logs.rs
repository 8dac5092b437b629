//! Graph's `/v1.0/auditLogs/directoryAudits` route: the tenant's audit log (see
//! [`crate::tenant`] for what is recorded), newest first, with `$filter`, `$select`, `$top`,
//! `$orderby=activityDateTime` and `@odata.nextLink` paging.

use http::{HeaderMap, Method, StatusCode};

use crate::error::GraphError;
use crate::odata;
use crate::schema;
use crate::server::{Reply, State};
use crate::wire::{self, check_advanced, select_suffix};

pub fn route(
    state: &State,
    method: &Method,
    segments: &[String],
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let audits = |s: &str| s.eq_ignore_ascii_case("directoryAudits");
    match (segs.as_slice(), method.as_str()) {
        ([_, a], "GET") if audits(a) => list(state, pairs, headers),
        ([_, a], _) if audits(a) => Err(GraphError::method_not_allowed()),
        // Single entries (`directoryAudits/{id}`) are not emulated.
        ([_, a, other, ..], _) if audits(a) => Err(GraphError::segment_not_found(other)),
        ([_, other, ..], _) => Err(GraphError::segment_not_found(other)),
        _ => Err(GraphError::method_not_allowed()),
    }
}

fn list(
    state: &State,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let path = "auditLogs/directoryAudits";
    let query = odata::parse_query(&schema::DIRECTORY_AUDIT, pairs, true)?.scoped(path);
    check_advanced(&query, headers)?;
    let cursor = wire::cursor(&query)?;

    let tenant = state.read();
    let page = tenant.audit_page(&query, cursor.as_ref());
    let context = format!(
        "{}/v1.0/$metadata#auditLogs/directoryAudits{}",
        state.base_url,
        select_suffix(&query.select)
    );
    let next = page
        .next
        .as_ref()
        .map(|next| wire::next_link(&state.base_url, path, &query, next));
    let count = page.count.filter(|_| cursor.is_none());
    let mut out = Vec::with_capacity(256 + page.items.len() * 1024);
    wire::open_collection(&mut out, &context, count, next.as_deref());
    for (i, entry) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        let mut first = true;
        wire::write_properties(
            &mut out,
            &entry.props,
            &schema::DIRECTORY_AUDIT,
            &query.select,
            &mut first,
        );
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(Reply::json(StatusCode::OK, out))
}
