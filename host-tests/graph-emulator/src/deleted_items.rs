//! Graph's `/v1.0/directory/deletedItems` routes: deleted users and Microsoft 365 groups,
//! listed by type (`.../microsoft.graph.user`, `.../microsoft.graph.group`, with that type's
//! query options), read, restored (`POST .../{id}/restore`) or deleted for good by id.

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::error::GraphError;
use crate::odata::{self, Selection};
use crate::schema::{self, Resource};
use crate::server::{Reply, State};
use crate::tenant::{Object, ObjectRef};
use crate::wire::{self, check_advanced, parse_body, select_suffix, write_json_str, write_key};

pub fn route(
    state: &State,
    method: &Method,
    segments: &[String],
    pairs: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Reply, GraphError> {
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let deleted = |s: &str| s.eq_ignore_ascii_case("deletedItems");
    let restore = |s: &str| {
        s.eq_ignore_ascii_case("restore") || s.eq_ignore_ascii_case("microsoft.graph.restore")
    };
    match (segs.as_slice(), method.as_str()) {
        ([_, d], "GET") if deleted(d) => Err(GraphError::bad_request(
            "Listing deleted items needs a type cast: microsoft.graph.user or microsoft.graph.group.",
        )),
        ([_, d, cast], "GET") if deleted(d) && cast_type(cast).is_some() => {
            list(state, cast_type(cast).expect("matched"), pairs, headers)
        }
        ([_, d, cast], _) if deleted(d) && is_cast(cast) => {
            if method == Method::GET {
                Err(GraphError::unsupported(format!(
                    "Deleted items of type '{cast}' are not supported by this emulator."
                )))
            } else {
                Err(GraphError::method_not_allowed())
            }
        }
        ([_, d, id], "GET") if deleted(d) => get(state, id, pairs),
        ([_, d, id], "DELETE") if deleted(d) => {
            state.write().purge(id)?;
            Ok(Reply::no_content())
        }
        ([_, d, id, r], "POST") if deleted(d) && restore(r) => restore_item(state, id, body),
        ([_, d] | [_, d, _], _) if deleted(d) => Err(GraphError::method_not_allowed()),
        ([_, d, _, r], _) if deleted(d) && restore(r) => Err(GraphError::method_not_allowed()),
        ([_, d, _, other, ..], _) if deleted(d) => Err(GraphError::segment_not_found(other)),
        ([_, other, ..], _) => Err(GraphError::segment_not_found(other)),
        _ => Err(GraphError::segment_not_found("directory")),
    }
}

fn is_cast(segment: &str) -> bool {
    segment
        .get(..16)
        .is_some_and(|p| p.eq_ignore_ascii_case("microsoft.graph."))
}

fn cast_type(segment: &str) -> Option<&'static Resource> {
    [&schema::USER, &schema::GROUP]
        .into_iter()
        .find(|r| is_cast(segment) && segment[16..].eq_ignore_ascii_case(r.name))
}

/// Deleted items carry `deletedDateTime`, which the user's default property set lacks.
fn with_deleted_date(resource: &Resource, select: Selection) -> Selection {
    match select {
        Selection::Default if !resource.default_select.contains(&"deletedDateTime") => {
            let mut names: Vec<String> = resource
                .default_select
                .iter()
                .map(|n| n.to_string())
                .collect();
            names.push("deletedDateTime".into());
            Selection::Properties(names)
        }
        other => other,
    }
}

fn list(
    state: &State,
    resource: &'static Resource,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let path = format!("directory/deletedItems/microsoft.graph.{}", resource.name);
    let mut query = odata::parse_query(resource, pairs, true)?.scoped(&path);
    if query.expand.is_some() {
        return Err(GraphError::unsupported(
            "$expand on deleted items is not supported by this emulator.",
        ));
    }
    check_advanced(&query, headers)?;
    let cursor = wire::cursor(&query)?;
    let context = format!(
        "{}/v1.0/$metadata#{}s{}",
        state.base_url,
        resource.name,
        select_suffix(&query.select)
    );
    query.select = with_deleted_date(resource, query.select);

    let tenant = state.read();
    let page = if resource.name == schema::USER.name {
        tenant.deleted_users_page(&query, cursor.as_ref())
    } else {
        tenant.deleted_groups_page(&query, cursor.as_ref())
    };
    let next = page
        .next
        .as_ref()
        .map(|next| wire::next_link(&state.base_url, &path, &query, next));
    let count = page.count.filter(|_| cursor.is_none());
    let mut out = Vec::with_capacity(256 + page.items.len() * 1024);
    wire::open_collection(&mut out, &context, count, next.as_deref());
    for (i, object) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        let mut first = true;
        wire::write_properties(
            &mut out,
            object.props(),
            resource,
            &query.select,
            &mut first,
        );
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(Reply::json(StatusCode::OK, out))
}

fn get(state: &State, id: &str, pairs: &[(String, String)]) -> Result<Reply, GraphError> {
    let query = odata::parse_query(&schema::DIRECTORY_OBJECT, pairs, false)?;
    let tenant = state.read();
    let object = tenant
        .find_deleted(id)
        .ok_or_else(|| GraphError::not_found(id))?;
    let select = with_deleted_date(object.resource(), query.select);
    Ok(entity_reply(state, object, &select))
}

/// The body may name a `newUserPrincipalName` for a user whose own is taken now;
/// `autoReconcileProxyConflict` is accepted and has nothing to reconcile here.
fn restore_item(state: &State, id: &str, body: &[u8]) -> Result<Reply, GraphError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        parse_body(body)?
    };
    let mut new_upn = None;
    for (key, value) in body.as_object().into_iter().flatten() {
        match (key.as_str(), value) {
            ("newUserPrincipalName", Value::String(upn)) => new_upn = Some(upn.as_str()),
            ("autoReconcileProxyConflict", Value::Bool(_)) => {}
            _ => {
                return Err(GraphError::odata(format!(
                    "The parameter '{key}' in the request payload is not a valid parameter for the operation 'restore'."
                )));
            }
        }
    }
    let mut tenant = state.write();
    let restored = tenant.restore(id, new_upn)?;
    let tenant = std::sync::RwLockWriteGuard::downgrade(tenant);
    let object = match restored {
        ObjectRef::User(seq) => Object::User(tenant.get(seq).expect("just restored")),
        ObjectRef::Group(seq) => Object::Group(tenant.group(seq).expect("just restored")),
    };
    Ok(entity_reply(state, object, &Selection::Default))
}

/// One directory object as `deletedItems/{id}` answers: `@odata.context`, `@odata.type`,
/// then the selected properties of its type.
fn entity_reply(state: &State, object: Object<'_>, select: &Selection) -> Reply {
    let resource = object.resource();
    let context = format!("{}/v1.0/$metadata#directoryObjects/$entity", state.base_url);
    let mut out = Vec::with_capacity(2048);
    out.push(b'{');
    let mut first = true;
    write_key(&mut out, &mut first, "@odata.context");
    write_json_str(&mut out, &context);
    write_key(&mut out, &mut first, "@odata.type");
    write_json_str(&mut out, &resource.odata_type());
    wire::write_properties(&mut out, object.props(), resource, select, &mut first);
    out.push(b'}');
    Reply::json(StatusCode::OK, out)
}
