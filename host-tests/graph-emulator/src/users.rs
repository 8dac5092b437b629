//! Graph's `/v1.0/users` routes: list (filter, select, expand, count, paging), get, create,
//! update, delete, the manager relationship, and `memberOf` (answered by [`crate::groups`]).
//! Turns each request into a tenant operation and writes the answer as Graph's JSON,
//! straight into a byte buffer.

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::delta;
use crate::error::GraphError;
use crate::groups;
use crate::odata::{self, Expand, Selection};
use crate::schema;
use crate::server::{Reply, State};
use crate::tenant::{self, Collection, Tenant, User};
use crate::wire::{
    self, check_advanced, eventual, parse_body, select_suffix, write_json_str, write_key,
};

/// `$levels=max` stops here; deeper JSON would trip clients' recursion limits.
const MAX_MANAGER_LEVELS: u32 = 50;

pub fn route(
    state: &State,
    method: &Method,
    segments: &[String],
    pairs: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Reply, GraphError> {
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (segs.as_slice(), method.as_str()) {
        ([], "GET") => Ok(service_document(state)),
        (["users"], "GET") => list(state, pairs, headers),
        (["users"], "POST") => create(state, body),
        (["users", "$count"], "GET") => count(state, pairs, headers),
        (["users", d], "GET") if delta::is_delta(d) => {
            delta::route(state, Collection::Users, pairs, headers)
        }
        (["users", d], _) if delta::is_delta(d) => Err(GraphError::method_not_allowed()),
        (["users", id], "GET") => get(state, id, pairs, headers),
        (["users", id], "PATCH") => {
            let body = parse_body(body)?;
            state.write().update(id, &body)?;
            Ok(Reply::no_content())
        }
        (["users", id], "DELETE") => {
            state.write().delete(id)?;
            Ok(Reply::no_content())
        }
        (["users", id, "manager"], "GET") => get_manager(state, id, pairs),
        (["users", id, "manager", "$ref"], "GET") => get_manager_ref(state, id),
        (["users", id, "manager", "$ref"], "PUT") => {
            let reference = wire::reference(&parse_body(body)?, "manager")?;
            let manager = tenant::id_from_reference(&reference)
                .ok_or_else(|| GraphError::invalid_reference(&reference))?;
            state.write().set_manager(id, manager)?;
            Ok(Reply::no_content())
        }
        (["users", id, "manager", "$ref"], "DELETE") => {
            state.write().remove_manager(id)?;
            Ok(Reply::no_content())
        }
        (["users", id, "memberOf"], "GET") => groups::member_of(state, id, pairs, headers),
        (
            []
            | ["users"]
            | ["users", _]
            | ["users", _, "manager"]
            | ["users", _, "manager", "$ref"]
            | ["users", _, "memberOf"],
            _,
        ) => Err(GraphError::method_not_allowed()),
        (["users", _, "manager", other, ..], _)
        | (["users", _, other, ..], _)
        | ([other, ..], _) => Err(GraphError::segment_not_found(other)),
    }
}

fn list(
    state: &State,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let mut query = odata::parse_user_query(pairs, true)?;
    if let Some(b2c) = &state.config.b2c {
        b2c.own_query_extensions(&mut query)?;
    }
    check_advanced(&query, headers)?;
    if query.expand.as_ref().is_some_and(|e| e.levels.is_some()) {
        return Err(GraphError::unsupported(
            "$levels is only supported when expanding the manager of a single user.",
        ));
    }
    let cursor = wire::cursor(&query)?;

    let tenant = state.read();
    let page = tenant.page(&query, cursor.as_ref());
    let mut out = Vec::with_capacity(256 + page.items.len() * 512);
    let context = format!(
        "{}/v1.0/$metadata#users{}",
        state.base_url,
        select_suffix(&query.select)
    );
    let next = page
        .next
        .as_ref()
        .map(|next| wire::next_link(&state.base_url, "users", &query, next));
    wire::open_collection(&mut out, &context, page.count, next.as_deref());
    for (i, user) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_user(
            &mut out,
            &tenant,
            user,
            &query.select,
            query.expand.as_ref(),
            None,
        );
    }
    out.extend_from_slice(b"]}");
    Ok(Reply::json(StatusCode::OK, out))
}

fn count(
    state: &State,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    if !eventual(headers) {
        return Err(GraphError::bad_request(
            "$count is not currently supported.",
        ));
    }
    let query = odata::parse_user_query(pairs, true)?;
    let tenant = state.read();
    let n = tenant
        .iter()
        .filter(|u| query.filter.as_ref().is_none_or(|f| f.matches(&u.props)))
        .count();
    Ok(wire::count_reply(n))
}

fn get(
    state: &State,
    id: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let mut query = odata::parse_user_query(pairs, false)?;
    if let Some(b2c) = &state.config.b2c {
        b2c.own_query_extensions(&mut query)?;
    }
    if query.expand.as_ref().is_some_and(|e| e.levels.is_some()) && !eventual(headers) {
        return Err(GraphError::unsupported(
            "$levels in $expand requires the ConsistencyLevel header set to eventual.",
        ));
    }
    let tenant = state.read();
    let user = tenant.find(id).ok_or_else(|| GraphError::not_found(id))?;
    let context = format!(
        "{}/v1.0/$metadata#users{}/$entity",
        state.base_url,
        select_suffix(&query.select)
    );
    let mut out = Vec::with_capacity(1024);
    write_user(
        &mut out,
        &tenant,
        user,
        &query.select,
        query.expand.as_ref(),
        Some(("@odata.context", &context)),
    );
    Ok(Reply::json(StatusCode::OK, out))
}

fn create(state: &State, body: &[u8]) -> Result<Reply, GraphError> {
    let body = parse_body(body)?;
    let mut tenant = state.write();
    let seq = tenant.create(&body)?.seq;
    let tenant = std::sync::RwLockWriteGuard::downgrade(tenant);
    let user = tenant.get(seq).expect("just created");
    let context = format!("{}/v1.0/$metadata#users/$entity", state.base_url);
    let location = format!(
        "{}/v2/{}/directoryObjects/{}/Microsoft.DirectoryServices.User",
        state.base_url,
        state.config.tenant_id,
        user.id()
    );
    let mut out = Vec::with_capacity(1024);
    write_user(
        &mut out,
        &tenant,
        user,
        &Selection::Default,
        None,
        Some(("@odata.context", &context)),
    );
    let mut reply = Reply::json(StatusCode::CREATED, out);
    reply.location = Some(location);
    Ok(reply)
}

fn get_manager(state: &State, id: &str, pairs: &[(String, String)]) -> Result<Reply, GraphError> {
    let query = odata::parse_user_query(pairs, false)?;
    let tenant = state.read();
    let user = tenant.find(id).ok_or_else(|| GraphError::not_found(id))?;
    let manager = tenant
        .manager_of(user)
        .ok_or_else(|| GraphError::not_found("manager"))?;
    let context = format!("{}/v1.0/$metadata#directoryObjects/$entity", state.base_url);
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"{\"@odata.context\":");
    write_json_str(&mut out, &context);
    out.extend_from_slice(b",\"@odata.type\":\"#microsoft.graph.user\"");
    let mut first = false;
    write_fields(&mut out, &tenant, manager, &query.select, None, &mut first);
    out.push(b'}');
    Ok(Reply::json(StatusCode::OK, out))
}

fn get_manager_ref(state: &State, id: &str) -> Result<Reply, GraphError> {
    let tenant = state.read();
    let user = tenant.find(id).ok_or_else(|| GraphError::not_found(id))?;
    let manager = tenant
        .manager_of(user)
        .ok_or_else(|| GraphError::not_found("manager"))?;
    let body = serde_json::json!({
        "@odata.context": format!("{}/v1.0/$metadata#directoryObjects/$entity", state.base_url),
        "@odata.id": format!(
            "{}/v2/{}/directoryObjects/{}/Microsoft.DirectoryServices.User",
            state.base_url, state.config.tenant_id, manager.id()
        ),
    });
    Ok(Reply::json(StatusCode::OK, body.to_string().into_bytes()))
}

fn service_document(state: &State) -> Reply {
    let body = serde_json::json!({
        "@odata.context": format!("{}/v1.0/$metadata", state.base_url),
        "value": [
            { "name": "users", "kind": "EntitySet", "url": "users" },
            { "name": "groups", "kind": "EntitySet", "url": "groups" },
            { "name": "directory", "kind": "Singleton", "url": "directory" },
            { "name": "auditLogs", "kind": "Singleton", "url": "auditLogs" },
        ],
    });
    Reply::json(StatusCode::OK, body.to_string().into_bytes())
}

/// Writes one user object, optionally led by an annotation such as `@odata.context`.
fn write_user(
    out: &mut Vec<u8>,
    tenant: &Tenant,
    user: &User,
    select: &Selection,
    expand: Option<&Expand>,
    lead: Option<(&str, &str)>,
) {
    out.push(b'{');
    let mut first = true;
    if let Some((key, value)) = lead {
        write_key(out, &mut first, key);
        write_json_str(out, value);
    }
    let levels = expand.map(|e| e.levels.unwrap_or(1).min(MAX_MANAGER_LEVELS));
    write_fields(out, tenant, user, select, expand.zip(levels), &mut first);
    out.push(b'}');
}

/// The selected properties (null when unset, as Graph writes them) and, when expanding, the
/// manager chain `levels` deep.
fn write_fields(
    out: &mut Vec<u8>,
    tenant: &Tenant,
    user: &User,
    select: &Selection,
    expand: Option<(&Expand, u32)>,
    first: &mut bool,
) {
    wire::write_properties(out, &user.props, &schema::USER, select, first);
    if let Some((expand, levels)) = expand
        && levels > 0
        && let Some(manager) = tenant.manager_of(user)
    {
        write_key(out, first, "manager");
        out.extend_from_slice(b"{\"@odata.type\":\"#microsoft.graph.user\"");
        let mut inner_first = false;
        write_fields(
            out,
            tenant,
            manager,
            &expand.select,
            Some((expand, levels - 1)),
            &mut inner_first,
        );
        out.push(b'}');
    }
}

/// A user as Graph JSON with every stored property (for [`crate::Emulator::users`]).
pub fn full_json(user: &User) -> Value {
    Value::Object(user.props.clone())
}
