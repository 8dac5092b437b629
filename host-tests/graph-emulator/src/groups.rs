//! Graph's `/v1.0/groups` routes: list (filter, select, expand, count, orderby, paging), get,
//! create, update, delete, `$count`, and the members and owners relationships (list, count,
//! add and remove by `$ref`); also `GET /users/{id}/memberOf`, which walks the same links
//! from the other end. Writes Graph's JSON straight into a byte buffer.

use http::{HeaderMap, Method, StatusCode};

use crate::codec;
use crate::delta;
use crate::error::GraphError;
use crate::odata::{self, Expand, Query, Selection};
use crate::schema;
use crate::server::{Reply, State};
use crate::tenant::{Collection, Group, Link, Object, ObjectPage, Tenant};
use crate::wire::{
    self, check_advanced, eventual, parse_body, select_suffix, write_json_str, write_key,
};

/// "`$expand` typically returns a maximum of 20 items for the expanded relationship and has
/// no `@odata.nextLink`" (query-parameters page).
const MAX_EXPANDED: usize = 20;
/// With `$expand`, a page of directory objects holds at most 100, whatever `$top` asks
/// (Graph's known issue on `$expand` for directory objects).
const MAX_EXPANDED_PAGE: usize = 100;

pub fn route(
    state: &State,
    method: &Method,
    segments: &[String],
    pairs: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Reply, GraphError> {
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let link = |segment: &str| Link::from_segment(segment).expect("matched as members or owners");
    match (segs.as_slice(), method.as_str()) {
        (["groups"], "GET") => list(state, pairs, headers),
        (["groups"], "POST") => create(state, body),
        (["groups", "$count"], "GET") => count(state, pairs, headers),
        (["groups", "$count"], _) => Err(GraphError::method_not_allowed()),
        (["groups", d], "GET") if delta::is_delta(d) => {
            delta::route(state, Collection::Groups, pairs, headers)
        }
        (["groups", d], _) if delta::is_delta(d) => Err(GraphError::method_not_allowed()),
        (["groups", id], "GET") => get(state, id, pairs),
        (["groups", id], "PATCH") => {
            let body = parse_body(body)?;
            state.write().update_group(id, &body)?;
            Ok(Reply::no_content())
        }
        (["groups", id], "DELETE") => {
            state.write().delete_group(id)?;
            Ok(Reply::no_content())
        }
        (["groups", id, name @ ("members" | "owners")], "GET") => {
            list_links(state, id, link(name), pairs, headers)
        }
        (["groups", id, name @ ("members" | "owners"), "$count"], "GET") => {
            if !eventual(headers) {
                return Err(GraphError::bad_request(
                    "$count is not currently supported.",
                ));
            }
            Ok(wire::count_reply(state.read().link_count(id, link(name))?))
        }
        (["groups", id, name @ ("members" | "owners"), "$ref"], "POST") => {
            let what = if *name == "members" {
                "member"
            } else {
                "owner"
            };
            let reference = wire::reference(&parse_body(body)?, what)?;
            state.write().add_link(id, link(name), &reference)?;
            Ok(Reply::no_content())
        }
        (["groups", id, name @ ("members" | "owners"), object, "$ref"], "DELETE") => {
            state.write().remove_link(id, link(name), object)?;
            Ok(Reply::no_content())
        }
        (
            ["groups"]
            | ["groups", _]
            | ["groups", _, "members" | "owners"]
            | ["groups", _, "members" | "owners", _]
            | ["groups", _, "members" | "owners", _, "$ref"],
            _,
        ) => Err(GraphError::method_not_allowed()),
        (["groups", _, "members" | "owners", _, other, ..], _)
        | (["groups", _, other, ..], _)
        | ([other, ..], _) => Err(GraphError::segment_not_found(other)),
        ([], _) => Err(GraphError::segment_not_found("")),
    }
}

fn list(
    state: &State,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let mut query = odata::parse_query(&schema::GROUP, pairs, true)?.scoped("groups");
    check_advanced(&query, headers)?;
    if query.expand.is_some() {
        query.top = query.top.min(MAX_EXPANDED_PAGE);
    }
    let cursor = wire::cursor(&query)?;

    let tenant = state.read();
    let page = tenant.group_page(&query, cursor.as_ref());
    let context = format!(
        "{}/v1.0/$metadata#groups{}",
        state.base_url,
        select_suffix(&query.select)
    );
    let next = page
        .next
        .as_ref()
        .map(|next| wire::next_link(&state.base_url, "groups", &query, next));
    // "The @odata.count property is present only in the first page" (query-parameters page).
    let count = page.count.filter(|_| cursor.is_none());
    let mut out = Vec::with_capacity(256 + page.items.len() * 1024);
    wire::open_collection(&mut out, &context, count, next.as_deref());
    for (i, group) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_group(
            &mut out,
            &tenant,
            group,
            &query.select,
            query.expand.as_ref(),
            &[],
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
    let query = odata::parse_query(&schema::GROUP, pairs, true)?;
    let tenant = state.read();
    let n = tenant
        .iter_groups()
        .filter(|g| query.filter.as_ref().is_none_or(|f| f.matches(&g.props)))
        .count();
    Ok(wire::count_reply(n))
}

fn get(state: &State, id: &str, pairs: &[(String, String)]) -> Result<Reply, GraphError> {
    let query = odata::parse_query(&schema::GROUP, pairs, false)?;
    let tenant = state.read();
    let group = tenant.lookup_group(id)?;
    let context = format!(
        "{}/v1.0/$metadata#groups{}/$entity",
        state.base_url,
        select_suffix(&query.select)
    );
    let mut out = Vec::with_capacity(2048);
    write_group(
        &mut out,
        &tenant,
        group,
        &query.select,
        query.expand.as_ref(),
        &[("@odata.context", &context)],
    );
    Ok(Reply::json(StatusCode::OK, out))
}

fn create(state: &State, body: &[u8]) -> Result<Reply, GraphError> {
    let body = parse_body(body)?;
    let mut tenant = state.write();
    let seq = tenant.create_group(&body)?.seq;
    let tenant = std::sync::RwLockWriteGuard::downgrade(tenant);
    let group = tenant.group(seq).expect("just created");
    let context = format!("{}/v1.0/$metadata#groups/$entity", state.base_url);
    let location = format!(
        "{}/v2/{}/directoryObjects/{}/Microsoft.DirectoryServices.Group",
        state.base_url,
        state.config.tenant_id,
        group.id()
    );
    let mut out = Vec::with_capacity(2048);
    write_group(
        &mut out,
        &tenant,
        group,
        &Selection::Default,
        None,
        &[("@odata.context", &context), ("@odata.id", &location)],
    );
    let mut reply = Reply::json(StatusCode::CREATED, out);
    reply.location = Some(location);
    Ok(reply)
}

/// Relationship listings take `$top`, `$select`, `$count` and `$skiptoken`; Graph's
/// filtering and sorting of members (advanced queries with casts) are not emulated.
fn refuse_unsupported_options(pairs: &[(String, String)], what: &str) -> Result<(), GraphError> {
    for (key, _) in pairs {
        let bare = key.strip_prefix('$').unwrap_or(key);
        if ["filter", "orderby", "expand"]
            .iter()
            .any(|o| o.eq_ignore_ascii_case(bare))
        {
            return Err(GraphError::unsupported(format!(
                "${} on {what} is not supported by this emulator.",
                bare.to_ascii_lowercase()
            )));
        }
    }
    Ok(())
}

/// `GET /groups/{id}/members` and `GET /groups/{id}/owners`.
fn list_links(
    state: &State,
    id: &str,
    link: Link,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    refuse_unsupported_options(pairs, link.name())?;
    let path = format!("groups/{}/{}", id.to_lowercase(), link.name());
    let query = odata::parse_query(&schema::DIRECTORY_OBJECT, pairs, true)?.scoped(&path);
    check_advanced(&query, headers)?;
    let cursor = wire::cursor(&query)?;
    let tenant = state.read();
    let page = tenant.link_page(id, link, &query, cursor.as_ref())?;
    Ok(write_object_page(
        state,
        &path,
        &query,
        cursor.is_none(),
        page,
    ))
}

/// `GET /users/{id}/memberOf`: the groups a user belongs to directly.
pub fn member_of(
    state: &State,
    user: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    refuse_unsupported_options(pairs, "memberOf")?;
    let path = format!("users/{}/memberOf", codec::percent_encode_query(user));
    let query =
        odata::parse_query(&schema::DIRECTORY_OBJECT, pairs, true)?.scoped(&path.to_lowercase());
    check_advanced(&query, headers)?;
    let cursor = wire::cursor(&query)?;
    let tenant = state.read();
    let page = tenant.member_of_page(user, &query, cursor.as_ref())?;
    Ok(write_object_page(
        state,
        &path,
        &query,
        cursor.is_none(),
        page,
    ))
}

/// A page of directory objects, each led by its `@odata.type`.
fn write_object_page(
    state: &State,
    path: &str,
    query: &Query,
    first_page: bool,
    page: ObjectPage<'_>,
) -> Reply {
    let context = format!(
        "{}/v1.0/$metadata#directoryObjects{}",
        state.base_url,
        select_suffix(&query.select)
    );
    let next = page
        .next
        .as_ref()
        .map(|next| wire::next_link(&state.base_url, path, query, next));
    let count = page.count.filter(|_| first_page);
    let mut out = Vec::with_capacity(256 + page.items.len() * 512);
    wire::open_collection(&mut out, &context, count, next.as_deref());
    for (i, object) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_object(&mut out, object, &query.select);
    }
    out.extend_from_slice(b"]}");
    Reply::json(StatusCode::OK, out)
}

/// One group, led by annotations such as `@odata.context`, with its expanded relationship
/// (at most [`MAX_EXPANDED`] objects) after its properties.
fn write_group(
    out: &mut Vec<u8>,
    tenant: &Tenant,
    group: &Group,
    select: &Selection,
    expand: Option<&Expand>,
    lead: &[(&str, &str)],
) {
    out.push(b'{');
    let mut first = true;
    for (key, value) in lead {
        write_key(out, &mut first, key);
        write_json_str(out, value);
    }
    wire::write_properties(out, &group.props, &schema::GROUP, select, &mut first);
    if let Some(expand) = expand
        && let Some(link) = Link::from_segment(expand.navigation)
    {
        write_key(out, &mut first, expand.navigation);
        out.push(b'[');
        for (i, object) in tenant.linked(group, link).take(MAX_EXPANDED).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_object(out, &object, &expand.select);
        }
        out.push(b']');
    }
    out.push(b'}');
}

/// A directory object as relationships list it: `@odata.type`, then the selected
/// properties its own type has.
fn write_object(out: &mut Vec<u8>, object: &Object<'_>, select: &Selection) {
    let resource = object.resource();
    out.extend_from_slice(b"{\"@odata.type\":");
    write_json_str(out, &resource.odata_type());
    let mut first = false;
    wire::write_properties(out, object.props(), resource, select, &mut first);
    out.push(b'}');
}
