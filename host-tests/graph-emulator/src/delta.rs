//! Graph's delta functions, `GET /users/delta` and `GET /groups/delta`: reading the request
//! (`$select`, `$deltatoken`, `$skiptoken`, `Prefer: odata.maxpagesize`), the opaque tokens
//! that carry a round from page to page and from round to round, and writing delta pages
//! (`@removed` entries, `members@delta`, `owners@delta`, `manager@delta`).

use http::{HeaderMap, StatusCode};

use crate::codec;
use crate::error::GraphError;
use crate::odata::{self, Selection};
use crate::schema::{self, DIRECTORY_PAGE, MAX_DIRECTORY_PAGE, Resource};
use crate::server::{Reply, State};
use crate::tenant::{
    Collection, DeltaEntry, DeltaWalk, Group, Link, LinkCursor, LinkEntry, Tenant, User,
};
use crate::wire::{self, write_json_str, write_key};

/// Skip tokens (`@odata.nextLink`) and delta tokens (`@odata.deltaLink`) are base64url blobs
/// behind distinct magic bytes, so one cannot be passed off as the other.
const SKIP_MAGIC: &[u8] = b"DSdq\x01\x00";
const DELTA_MAGIC: &[u8] = b"DSdl\x01\x00";

/// The options a round keeps from its first request: Graph encodes them into its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Round {
    collection: Collection,
    /// `$select` as the client wrote it; `None` for the default properties.
    select: Option<String>,
}

/// What one request asks for, once its tokens are read.
#[derive(Debug)]
enum Request {
    /// `$deltatoken=latest`: no objects, a delta link from now on.
    Latest(Round),
    /// A page of a round: the first (initial or from a delta token) or a later one.
    Page(Round, Position),
}

/// Where a round stands: the fields of [`DeltaWalk`] a token carries.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    since: Option<u64>,
    until: u64,
    after: Option<u64>,
    links_after: Option<LinkCursor>,
}

/// The delta function's segment: `delta`, or its full name `microsoft.graph.delta` that the
/// SDKs send, either with `()`.
pub fn is_delta(segment: &str) -> bool {
    let name = segment.strip_suffix("()").unwrap_or(segment);
    name.eq_ignore_ascii_case("delta") || name.eq_ignore_ascii_case("microsoft.graph.delta")
}

/// `GET /users/delta` and `GET /groups/delta`.
pub fn route(
    state: &State,
    collection: Collection,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Reply, GraphError> {
    let tenant = state.read();
    let request = read_request(&tenant, collection, pairs)
        .map_err(|e| with_restart(e, state, collection, pairs))?;
    let (round, position) = match request {
        Request::Latest(round) => {
            let link = delta_link(&state.base_url, &round, tenant.last_change());
            let mut out = Vec::with_capacity(512);
            open_page(&mut out, state, &round, ("@odata.deltaLink", &link))?;
            out.extend_from_slice(b"]}");
            return Ok(Reply::json(StatusCode::OK, out));
        }
        Request::Page(round, position) => (round, position),
    };
    let shape = Shape::of(&round)?;
    let walk = DeltaWalk {
        collection,
        since: position.since,
        until: position.until,
        after: position.after,
        links_after: position.links_after,
        members: shape.members,
        owners: shape.owners,
        page_size: page_size(headers),
    };
    let page = tenant.delta_page(&walk);
    let link = match page.next {
        Some((after, links_after)) => {
            let next = Position {
                after: Some(after),
                links_after,
                ..position.clone()
            };
            ("@odata.nextLink", next_link(&state.base_url, &round, &next))
        }
        None => (
            "@odata.deltaLink",
            delta_link(&state.base_url, &round, position.until),
        ),
    };
    let mut out = Vec::with_capacity(512 + page.entries.len() * 1024);
    open_page(&mut out, state, &round, (link.0, &link.1))?;
    for (i, entry) in page.entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_entry(&mut out, &tenant, entry, &shape, position.since.is_some());
    }
    out.extend_from_slice(b"]}");
    Ok(Reply::json(StatusCode::OK, out))
}

/// Reads the query options and tokens; refuses what Graph refuses on delta functions.
fn read_request(
    tenant: &Tenant,
    collection: Collection,
    pairs: &[(String, String)],
) -> Result<Request, GraphError> {
    let (mut select, mut delta, mut skip) = (None, None, None);
    for (key, value) in pairs {
        let Some(bare) = key.strip_prefix('$') else {
            // Graph ignores parameters that are not query options.
            continue;
        };
        let slot = match bare.to_ascii_lowercase().as_str() {
            "select" => &mut select,
            "deltatoken" => &mut delta,
            "skiptoken" => &mut skip,
            "top" | "orderby" | "expand" | "filter" | "count" | "search" | "skip" => {
                return Err(GraphError::unsupported(format!(
                    "{key} is not supported on delta queries by this emulator."
                )));
            }
            _ => {
                return Err(GraphError::odata(format!(
                    "Query option '{key}' is not supported."
                )));
            }
        };
        if slot.replace(value.clone()).is_some() {
            return Err(GraphError::odata(format!(
                "Query option '{key}' was specified more than once, but it must be specified at most once."
            )));
        }
    }
    let fresh = |select: Option<String>| Round { collection, select };
    match (delta, skip) {
        (Some(_), Some(_)) => Err(GraphError::bad_request(
            "$deltatoken and $skiptoken cannot be used together.",
        )),
        (None, Some(token)) => {
            if select.is_some() {
                return Err(GraphError::bad_request(
                    "$select cannot be changed within a round: the skip token carries it.",
                ));
            }
            let (round, position) = decode_skip(&token)
                .filter(|(round, _)| round.collection == collection)
                .filter(|(_, p)| p.until <= tenant.last_change())
                .ok_or_else(invalid_token)?;
            check_not_forgotten(tenant, position.since)?;
            Ok(Request::Page(round, position))
        }
        (Some(token), None) if token.eq_ignore_ascii_case("latest") => {
            Ok(Request::Latest(fresh(select)))
        }
        // An empty delta token is a fresh start: Graph's 410 answers point there.
        (Some(token), None) if token.is_empty() => Ok(initial(tenant, fresh(select))),
        (Some(token), None) => {
            let (round, mark) = decode_delta(&token)
                .filter(|(round, _)| round.collection == collection)
                .filter(|(_, mark)| *mark <= tenant.last_change())
                .ok_or_else(invalid_token)?;
            check_not_forgotten(tenant, Some(mark))?;
            // "$select with a deltaLink" changes what the next rounds track.
            let round = match select {
                Some(_) => fresh(select),
                None => round,
            };
            let position = Position {
                since: Some(mark),
                until: tenant.last_change(),
                after: None,
                links_after: None,
            };
            Ok(Request::Page(round, position))
        }
        (None, None) => Ok(initial(tenant, fresh(select))),
    }
}

fn initial(tenant: &Tenant, round: Round) -> Request {
    let position = Position {
        since: None,
        until: tenant.last_change(),
        after: None,
        links_after: None,
    };
    Request::Page(round, position)
}

fn invalid_token() -> GraphError {
    GraphError::bad_request("The specified delta or skip token is invalid.")
}

/// A round that began before the tenant forgot its changes cannot continue.
fn check_not_forgotten(tenant: &Tenant, since: Option<u64>) -> Result<(), GraphError> {
    match since {
        Some(since) if since < tenant.change_floor() => Err(GraphError::new(
            StatusCode::GONE,
            "resyncRequired",
            "The delta token is no longer valid; the application must synchronize again from scratch.",
        )),
        _ => Ok(()),
    }
}

/// A 410 names where to start over: the same delta function with an empty delta token and
/// the round's `$select`, as far as the request still tells it.
fn with_restart(
    error: GraphError,
    state: &State,
    collection: Collection,
    pairs: &[(String, String)],
) -> GraphError {
    if error.status != StatusCode::GONE {
        return error;
    }
    let token = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let select = token("$skiptoken")
        .and_then(decode_skip)
        .map(|(round, _)| round.select)
        .or_else(|| {
            token("$deltatoken")
                .and_then(decode_delta)
                .map(|(r, _)| r.select)
        })
        .flatten();
    let round = Round { collection, select };
    let mut location = format!("{}/v1.0/{}/delta?", state.base_url, path(collection));
    if let Some(select) = &round.select {
        location.push_str("$select=");
        location.push_str(&codec::percent_encode_query(select));
        location.push('&');
    }
    location.push_str("$deltatoken=");
    error.with_location(location)
}

/// `Prefer: odata.maxpagesize=N` (among other preferences) sets the page size.
fn page_size(headers: &HeaderMap) -> usize {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .filter_map(|preference| {
            let (name, value) = preference.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("odata.maxpagesize")
                .then(|| value.trim().trim_matches('"').parse::<usize>().ok())?
        })
        .next()
        .map_or(DIRECTORY_PAGE, |n| n.clamp(1, MAX_DIRECTORY_PAGE))
}

/// What a round writes: properties by `$select`, and which relationships it tracks. Without
/// `$select`, users give their default properties and groups theirs plus `members@delta`.
struct Shape {
    resource: &'static Resource,
    select: Selection,
    manager: bool,
    members: bool,
    owners: bool,
}

impl Shape {
    fn of(round: &Round) -> Result<Shape, GraphError> {
        let resource = match round.collection {
            Collection::Users => &schema::USER,
            Collection::Groups => &schema::GROUP,
        };
        let Some(text) = &round.select else {
            return Ok(Shape {
                resource,
                select: Selection::Default,
                manager: false,
                members: round.collection == Collection::Groups,
                owners: false,
            });
        };
        let named = |name: &str| {
            text.split(',')
                .any(|item| item.trim().eq_ignore_ascii_case(name))
        };
        let groups = round.collection == Collection::Groups;
        Ok(Shape {
            resource,
            select: odata::parse_select(resource, text)?,
            manager: !groups && named("manager"),
            members: groups && named("members"),
            owners: groups && named("owners"),
        })
    }

    /// Graph always returns the id, selected or not.
    fn needs_id(&self) -> bool {
        match &self.select {
            Selection::Default => !self.resource.default_select.contains(&"id"),
            Selection::Properties(names) => !names.iter().any(|n| n == "id"),
            Selection::All => false,
        }
    }
}

fn path(collection: Collection) -> &'static str {
    match collection {
        Collection::Users => "users",
        Collection::Groups => "groups",
    }
}

/// `{"@odata.context":...,"@odata.nextLink" or "@odata.deltaLink":...,"value":[`.
fn open_page(
    out: &mut Vec<u8>,
    state: &State,
    round: &Round,
    link: (&str, &str),
) -> Result<(), GraphError> {
    let shape = Shape::of(round)?;
    let suffix = match &shape.select {
        Selection::Properties(names) if names.is_empty() => String::new(),
        select => wire::select_suffix(select),
    };
    let context = format!(
        "{}/v1.0/$metadata#{}{suffix}",
        state.base_url,
        path(round.collection)
    );
    out.extend_from_slice(b"{\"@odata.context\":");
    write_json_str(out, &context);
    out.push(b',');
    write_json_str(out, link.0);
    out.push(b':');
    write_json_str(out, link.1);
    out.extend_from_slice(b",\"value\":[");
    Ok(())
}

fn write_entry(
    out: &mut Vec<u8>,
    tenant: &Tenant,
    entry: &DeltaEntry<'_>,
    shape: &Shape,
    change_round: bool,
) {
    match entry {
        DeltaEntry::User(user) => write_user(out, tenant, user, shape, change_round),
        DeltaEntry::Group { group, links } => write_group(out, group, links, shape),
        DeltaEntry::Removed { id, permanently } => {
            out.extend_from_slice(b"{\"id\":");
            write_json_str(out, id);
            let reason: &[u8] = if *permanently { b"deleted" } else { b"changed" };
            out.extend_from_slice(b",\"@removed\":{\"reason\":\"");
            out.extend_from_slice(reason);
            out.extend_from_slice(b"\"}}");
        }
    }
}

/// A user's selected properties and, when `manager` is selected, `manager@delta`: the current
/// manager, or in a change round the one it lost.
fn write_user(out: &mut Vec<u8>, tenant: &Tenant, user: &User, shape: &Shape, change_round: bool) {
    out.push(b'{');
    let mut first = true;
    if shape.needs_id() {
        write_key(out, &mut first, "id");
        write_json_str(out, user.id());
    }
    wire::write_properties(out, &user.props, shape.resource, &shape.select, &mut first);
    if shape.manager {
        let manager = match (tenant.manager_of(user), &user.former_manager) {
            (Some(manager), _) => Some((manager.id(), false)),
            (None, Some(former)) if change_round => Some((former.as_str(), true)),
            (None, _) => None,
        };
        if let Some((id, removed)) = manager {
            write_key(out, &mut first, "manager@delta");
            out.push(b'[');
            write_reference(out, id, false, removed);
            out.push(b']');
        }
    }
    out.push(b'}');
}

/// A group's selected properties and its `members@delta` and `owners@delta` references (left
/// out when there are none, as Graph leaves them out for groups without members).
fn write_group(out: &mut Vec<u8>, group: &Group, links: &[LinkEntry<'_>], shape: &Shape) {
    out.push(b'{');
    let mut first = true;
    if shape.needs_id() {
        write_key(out, &mut first, "id");
        write_json_str(out, group.id());
    }
    wire::write_properties(out, &group.props, shape.resource, &shape.select, &mut first);
    for link in [Link::Members, Link::Owners] {
        let mut of_link = links.iter().filter(|l| l.link == link).peekable();
        if of_link.peek().is_none() {
            continue;
        }
        write_key(out, &mut first, &format!("{}@delta", link.name()));
        out.push(b'[');
        for (i, entry) in of_link.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_reference(out, entry.id, entry.group, entry.removed);
        }
        out.push(b']');
    }
    out.push(b'}');
}

/// `{"@odata.type":"#microsoft.graph.user","id":...}`, with `"@removed":{"reason":"deleted"}`
/// for a link that was cut.
fn write_reference(out: &mut Vec<u8>, id: &str, group: bool, removed: bool) {
    let odata_type: &[u8] = if group {
        b"{\"@odata.type\":\"#microsoft.graph.group\",\"id\":"
    } else {
        b"{\"@odata.type\":\"#microsoft.graph.user\",\"id\":"
    };
    out.extend_from_slice(odata_type);
    write_json_str(out, id);
    if removed {
        out.extend_from_slice(b",\"@removed\":{\"reason\":\"deleted\"}");
    }
    out.push(b'}');
}

// ---------------------------------------------------------------------------------------
// Tokens

fn next_link(base_url: &str, round: &Round, position: &Position) -> String {
    let number = |n: Option<u64>| n.map_or("-".to_string(), |n| n.to_string());
    let links = match position.links_after {
        None => "-".to_string(),
        Some(LinkCursor::Member(p)) => format!("m{p}"),
        Some(LinkCursor::Owner(p)) => format!("o{p}"),
        Some(LinkCursor::Change(c)) => format!("c{c}"),
    };
    let text = format!(
        "{}|{}|{}|{}|{links}|{}",
        collection_code(round.collection),
        number(position.since),
        position.until,
        number(position.after),
        select_code(&round.select),
    );
    format!(
        "{base_url}/v1.0/{}/delta?$skiptoken={}",
        path(round.collection),
        encode(SKIP_MAGIC, &text)
    )
}

fn delta_link(base_url: &str, round: &Round, mark: u64) -> String {
    let text = format!(
        "{}|{mark}|{}",
        collection_code(round.collection),
        select_code(&round.select)
    );
    format!(
        "{base_url}/v1.0/{}/delta?$deltatoken={}",
        path(round.collection),
        encode(DELTA_MAGIC, &text)
    )
}

fn decode_skip(token: &str) -> Option<(Round, Position)> {
    let text = decode(SKIP_MAGIC, token)?;
    let mut parts = text.splitn(6, '|');
    let collection = collection_from(parts.next()?)?;
    let number = |part: &str| -> Option<Option<u64>> {
        match part {
            "-" => Some(None),
            n => n.parse().ok().map(Some),
        }
    };
    let since = number(parts.next()?)?;
    let until: u64 = parts.next()?.parse().ok()?;
    let after = number(parts.next()?)?;
    let links = parts.next()?;
    let links_after = match links.split_at_checked(1)? {
        ("-", "") => None,
        ("m", p) => Some(LinkCursor::Member(p.parse().ok()?)),
        ("o", p) => Some(LinkCursor::Owner(p.parse().ok()?)),
        ("c", c) => Some(LinkCursor::Change(c.parse().ok()?)),
        _ => return None,
    };
    let select = select_from(parts.next()?)?;
    if since.is_some_and(|s| s > until) || (links_after.is_some() && after.is_none()) {
        return None;
    }
    let round = Round { collection, select };
    let position = Position {
        since,
        until,
        after,
        links_after,
    };
    Some((round, position))
}

fn decode_delta(token: &str) -> Option<(Round, u64)> {
    let text = decode(DELTA_MAGIC, token)?;
    let mut parts = text.splitn(3, '|');
    let collection = collection_from(parts.next()?)?;
    let mark = parts.next()?.parse().ok()?;
    let select = select_from(parts.next()?)?;
    Some((Round { collection, select }, mark))
}

fn encode(magic: &[u8], text: &str) -> String {
    let mut bytes = magic.to_vec();
    bytes.extend_from_slice(text.as_bytes());
    codec::base64url_encode(&bytes)
}

fn decode(magic: &[u8], token: &str) -> Option<String> {
    let bytes = codec::base64url_decode(token.trim())?;
    String::from_utf8(bytes.strip_prefix(magic)?.to_vec()).ok()
}

fn collection_code(collection: Collection) -> &'static str {
    match collection {
        Collection::Users => "u",
        Collection::Groups => "g",
    }
}

fn collection_from(code: &str) -> Option<Collection> {
    match code {
        "u" => Some(Collection::Users),
        "g" => Some(Collection::Groups),
        _ => None,
    }
}

/// `-` for no `$select`, `s` and the text otherwise (which may itself be empty).
fn select_code(select: &Option<String>) -> String {
    match select {
        None => "-".to_string(),
        Some(text) => format!("s{text}"),
    }
}

fn select_from(code: &str) -> Option<Option<String>> {
    match code.split_at_checked(1)? {
        ("-", "") => Some(None),
        ("s", text) => Some(Some(text.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_each_other_and_garbage() {
        let round = Round {
            collection: Collection::Groups,
            select: Some("displayName,members|x".into()),
        };
        let position = Position {
            since: Some(4),
            until: 9,
            after: Some(7),
            links_after: Some(LinkCursor::Owner(12)),
        };
        let link = next_link("http://h", &round, &position);
        let token = link.split_once("$skiptoken=").unwrap().1;
        assert_eq!(decode_skip(token), Some((round.clone(), position)));
        assert_eq!(decode_delta(token), None, "a skip token is no delta token");

        let link = delta_link("http://h", &round, 9);
        let token = link.split_once("$deltatoken=").unwrap().1;
        assert_eq!(decode_delta(token), Some((round, 9)));
        assert_eq!(decode_skip(token), None);

        let plain = Round {
            collection: Collection::Users,
            select: None,
        };
        let link = delta_link("http://h", &plain, 0);
        let token = link.split_once("$deltatoken=").unwrap().1;
        assert_eq!(decode_delta(token), Some((plain, 0)));
        for garbage in [
            "",
            "latest",
            "!!",
            "RFNkcQEA",
            &codec::base64url_encode(b"DSdq\x01\x00u|-|x|-|-|-"),
        ] {
            assert_eq!(decode_skip(garbage), None, "{garbage}");
            assert_eq!(decode_delta(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn page_size_comes_from_prefer() {
        let mut headers = HeaderMap::new();
        assert_eq!(page_size(&headers), DIRECTORY_PAGE);
        headers.insert(
            "prefer",
            "return=minimal, odata.maxpagesize=7".parse().unwrap(),
        );
        assert_eq!(page_size(&headers), 7);
        headers.insert("prefer", "odata.maxpagesize=100000".parse().unwrap());
        assert_eq!(page_size(&headers), MAX_DIRECTORY_PAGE);
        headers.insert("prefer", "odata.maxpagesize=lots".parse().unwrap());
        assert_eq!(page_size(&headers), DIRECTORY_PAGE);
    }
}
