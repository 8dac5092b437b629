//! Graph's wire format, shared by the users and groups routes: reading JSON bodies, the
//! advanced-query gate, skip tokens in and `@odata.nextLink` out, and writing entities
//! straight into a byte buffer (no intermediate `Value` per object).

use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use crate::codec;
use crate::error::GraphError;
use crate::odata::{self, PageCursor, Query, Selection};
use crate::schema::{self, Resource};
use crate::server::Reply;

pub fn parse_body(body: &[u8]) -> Result<Value, GraphError> {
    serde_json::from_slice(body).map_err(|_| {
        GraphError::odata(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    })
}

/// The `@odata.id` of a `$ref` body, as the client sent it.
pub fn reference(body: &Value, what: &str) -> Result<String, GraphError> {
    body.get("@odata.id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            GraphError::bad_request(format!(
                "The request body must contain an '@odata.id' reference to the {what}."
            ))
        })
}

pub fn eventual(headers: &HeaderMap) -> bool {
    headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
}

/// Graph's advanced-query gate: `$count` needs the header, and advanced constructs need both
/// the header and `$count=true`.
pub fn check_advanced(query: &Query, headers: &HeaderMap) -> Result<(), GraphError> {
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

/// The position a `$skiptoken` names, if the query carries one; a token from another query
/// or collection is refused.
pub fn cursor(query: &Query) -> Result<Option<PageCursor>, GraphError> {
    match &query.skiptoken {
        Some(token) => odata::decode_skiptoken(token)
            .filter(|c| c.fingerprint == query.fingerprint)
            .map(Some)
            .ok_or_else(|| {
                GraphError::bad_request("The specified page token is invalid for this query.")
            }),
        None => Ok(None),
    }
}

/// `{base}/v1.0/{path}?{the query's options}&$skiptoken=...`.
pub fn next_link(base_url: &str, path: &str, query: &Query, next: &PageCursor) -> String {
    let mut link = format!("{base_url}/v1.0/{path}?");
    for (key, value) in &query.carried {
        link.push_str(&codec::percent_encode_query(key));
        link.push('=');
        link.push_str(&codec::percent_encode_query(value));
        link.push('&');
    }
    link.push_str("$skiptoken=");
    link.push_str(&odata::encode_skiptoken(next));
    link
}

/// `/$count` answers are bare numbers.
pub fn count_reply(n: usize) -> Reply {
    Reply {
        status: StatusCode::OK,
        content_type: Some("text/plain;charset=utf-8"),
        body: n.to_string().into_bytes(),
        location: None,
    }
}

/// `(a,b)` after the entity set in `@odata.context` when `$select` names properties.
pub fn select_suffix(select: &Selection) -> String {
    match select {
        Selection::Properties(names) => format!("({})", names.join(",")),
        _ => String::new(),
    }
}

/// Writes the start of a collection answer: `{"@odata.context":...,"@odata.count":...,
/// "@odata.nextLink":...,"value":[`; the caller writes the items and `]}`.
pub fn open_collection(
    out: &mut Vec<u8>,
    context: &str,
    count: Option<usize>,
    next_link: Option<&str>,
) {
    out.extend_from_slice(b"{\"@odata.context\":");
    write_json_str(out, context);
    if let Some(count) = count {
        out.extend_from_slice(format!(",\"@odata.count\":{count}").as_bytes());
    }
    if let Some(link) = next_link {
        out.extend_from_slice(b",\"@odata.nextLink\":");
        write_json_str(out, link);
    }
    out.extend_from_slice(b",\"value\":[");
}

pub fn write_json_str(out: &mut Vec<u8>, text: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

pub fn write_key(out: &mut Vec<u8>, first: &mut bool, key: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    write_json_str(out, key);
    out.push(b':');
}

pub fn write_value(out: &mut Vec<u8>, value: Option<&Value>) {
    let _ = serde_json::to_writer(&mut *out, value.unwrap_or(&Value::Null));
}

/// The selected properties of one object of type `resource` (null when unset, as Graph
/// writes them). Names the type lacks are skipped: a `$select` over a collection of users
/// and groups gives each object only its own properties.
pub fn write_properties(
    out: &mut Vec<u8>,
    props: &Map<String, Value>,
    resource: &Resource,
    select: &Selection,
    first: &mut bool,
) {
    match select {
        Selection::Default => {
            for name in resource.default_select {
                write_key(out, first, name);
                write_value(out, props.get(*name));
            }
        }
        Selection::Properties(names) => {
            for name in names.iter().filter(|n| resource.owns(n)) {
                write_key(out, first, name);
                write_value(out, props.get(name.as_str()));
            }
        }
        Selection::All => {
            for property in resource.properties {
                if let Some(value) = props.get(property.name) {
                    write_key(out, first, property.name);
                    write_value(out, Some(value));
                }
            }
            for (name, value) in props.iter().filter(|(k, _)| schema::is_extension(k)) {
                write_key(out, first, name);
                write_value(out, Some(value));
            }
        }
    }
}
