//! Graph's `/v1.0/users` routes: list (filter, select, expand, count, paging), get, create,
//! update, delete, and the manager relationship. Turns each request into a tenant operation
//! and writes the answer as Graph's JSON, straight into a byte buffer.

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::codec;
use crate::error::GraphError;
use crate::odata::{self, ExpandManager, Selection, UserQuery};
use crate::schema;
use crate::server::{Reply, State};
use crate::tenant::{self, Tenant, User};

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
            let body = parse_body(body)?;
            let reference = body
                .get("@odata.id")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    GraphError::bad_request(
                        "The request body must contain an '@odata.id' reference to the manager.",
                    )
                })?;
            let manager = tenant::id_from_reference(reference).ok_or_else(|| {
                GraphError::bad_request(format!("Invalid object identifier '{reference}'."))
            })?;
            state.write().set_manager(id, manager)?;
            Ok(Reply::no_content())
        }
        (["users", id, "manager", "$ref"], "DELETE") => {
            state.write().remove_manager(id)?;
            Ok(Reply::no_content())
        }
        (
            []
            | ["users"]
            | ["users", _]
            | ["users", _, "manager"]
            | ["users", _, "manager", "$ref"],
            _,
        ) => Err(GraphError::method_not_allowed()),
        (["users", _, "manager", other, ..], _)
        | (["users", _, other, ..], _)
        | ([other, ..], _) => Err(GraphError::segment_not_found(other)),
    }
}

fn parse_body(body: &[u8]) -> Result<Value, GraphError> {
    serde_json::from_slice(body).map_err(|_| {
        GraphError::odata(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    })
}

fn eventual(headers: &HeaderMap) -> bool {
    headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
}

/// Graph's advanced-query gate: `$count` needs the header, and advanced constructs need both
/// the header and `$count=true`.
fn check_advanced(query: &UserQuery, headers: &HeaderMap) -> Result<(), GraphError> {
    let eventual = eventual(headers);
    if query.count && !eventual {
        return Err(GraphError::bad_request(
            "$count is not currently supported.",
        ));
    }
    match &query.needs_advanced {
        Some(error) if !(eventual && query.count) => Err(error.clone()),
        _ => Ok(()),
    }
}

fn list(
    state: &State,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let query = odata::parse_user_query(pairs, true)?;
    check_advanced(&query, headers)?;
    if query.expand.as_ref().is_some_and(|e| e.levels.is_some()) {
        return Err(GraphError::unsupported(
            "$levels is only supported when expanding the manager of a single user.",
        ));
    }
    let cursor = match &query.skiptoken {
        Some(token) => Some(
            odata::decode_skiptoken(token)
                .filter(|c| c.fingerprint == query.fingerprint)
                .ok_or_else(|| {
                    GraphError::bad_request("The specified page token is invalid for this query.")
                })?,
        ),
        None => None,
    };

    let tenant = state.read();
    let page = tenant.page(&query, cursor.as_ref());
    let mut out = Vec::with_capacity(256 + page.users.len() * 512);
    out.extend_from_slice(b"{\"@odata.context\":");
    write_json_str(
        &mut out,
        &format!(
            "{}/v1.0/$metadata#users{}",
            state.base_url,
            select_suffix(&query.select)
        ),
    );
    if let Some(count) = page.count {
        out.extend_from_slice(format!(",\"@odata.count\":{count}").as_bytes());
    }
    if let Some(next) = &page.next {
        let mut link = format!("{}/v1.0/users?", state.base_url);
        for (key, value) in &query.carried {
            link.push_str(&codec::percent_encode_query(key));
            link.push('=');
            link.push_str(&codec::percent_encode_query(value));
            link.push('&');
        }
        link.push_str("$skiptoken=");
        link.push_str(&odata::encode_skiptoken(next));
        out.extend_from_slice(b",\"@odata.nextLink\":");
        write_json_str(&mut out, &link);
    }
    out.extend_from_slice(b",\"value\":[");
    for (i, user) in page.users.iter().enumerate() {
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
    Ok(Reply {
        status: StatusCode::OK,
        content_type: Some("text/plain;charset=utf-8"),
        body: n.to_string().into_bytes(),
        location: None,
    })
}

fn get(
    state: &State,
    id: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let query = odata::parse_user_query(pairs, false)?;
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
        "value": [{ "name": "users", "kind": "EntitySet", "url": "users" }],
    });
    Reply::json(StatusCode::OK, body.to_string().into_bytes())
}

fn select_suffix(select: &Selection) -> String {
    match select {
        Selection::Properties(names) => format!("({})", names.join(",")),
        _ => String::new(),
    }
}

fn write_json_str(out: &mut Vec<u8>, text: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

fn write_key(out: &mut Vec<u8>, first: &mut bool, key: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    write_json_str(out, key);
    out.push(b':');
}

fn write_value(out: &mut Vec<u8>, value: Option<&Value>) {
    let _ = serde_json::to_writer(&mut *out, value.unwrap_or(&Value::Null));
}

/// Writes one user object, optionally led by an annotation such as `@odata.context`.
fn write_user(
    out: &mut Vec<u8>,
    tenant: &Tenant,
    user: &User,
    select: &Selection,
    expand: Option<&ExpandManager>,
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
    expand: Option<(&ExpandManager, u32)>,
    first: &mut bool,
) {
    match select {
        Selection::Default => {
            for name in schema::DEFAULT_SELECT {
                write_key(out, first, name);
                write_value(out, user.props.get(*name));
            }
        }
        Selection::Properties(names) => {
            for name in names {
                write_key(out, first, name);
                write_value(out, user.props.get(name.as_str()));
            }
        }
        Selection::All => {
            for property in schema::USER_PROPERTIES {
                if let Some(value) = user.props.get(property.name) {
                    write_key(out, first, property.name);
                    write_value(out, Some(value));
                }
            }
            for (name, value) in user.props.iter().filter(|(k, _)| schema::is_extension(k)) {
                write_key(out, first, name);
                write_value(out, Some(value));
            }
        }
    }
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
