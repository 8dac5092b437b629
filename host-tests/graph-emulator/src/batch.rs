//! JSON batching, `POST /v1.0/$batch`: up to 20 requests answered one by one in a single
//! response, in order, each routed like a request of its own (the batch's token covers them).
//! `dependsOn` holds a request back until the named ones succeeded, else it gets 424. Requests
//! are throttled one by one (429/503 with their own `Retry-After`), as Graph does.

use http::{HeaderMap, Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::resource_units;
use crate::codec;
use crate::error::GraphError;
use crate::faults::Fault;
use crate::server::{self, GRAPH_JSON, State};

/// Graph's limit.
const MAX_REQUESTS: usize = 20;

pub fn batch(
    state: &State,
    body: &[u8],
    request_id: &str,
    client_request_id: &str,
) -> Result<Value, GraphError> {
    let payload: Value = serde_json::from_slice(body)
        .map_err(|_| GraphError::bad_request("Invalid batch payload format."))?;
    let requests = payload["requests"]
        .as_array()
        .ok_or_else(|| GraphError::bad_request("Invalid batch payload format."))?;
    if requests.is_empty() {
        return Err(GraphError::bad_request("Invalid batch payload format."));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(GraphError::bad_request(format!(
            "Number of requests in the batch exceeds the maximum of {MAX_REQUESTS}."
        )));
    }
    let mut statuses: Vec<(String, u16)> = Vec::new();
    let mut responses = Vec::new();
    for request in requests {
        let id = match &request["id"] {
            Value::String(s) if !s.is_empty() => s.clone(),
            _ => {
                return Err(GraphError::bad_request(
                    "Invalid batch payload format: every request needs an id.",
                ));
            }
        };
        if statuses.iter().any(|(seen, _)| *seen == id) {
            return Err(GraphError::bad_request(format!(
                "Batch request id '{id}' is used more than once."
            )));
        }
        let depends_on: Vec<&str> = request["dependsOn"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut dependency_failed = false;
        for dependency in &depends_on {
            match statuses.iter().find(|(seen, _)| seen == dependency) {
                Some((_, status)) => dependency_failed |= !(200..300).contains(status),
                None => {
                    return Err(GraphError::bad_request(format!(
                        "Request '{id}' depends on '{dependency}', which is not an earlier request of the batch."
                    )));
                }
            }
        }
        let (status, headers, body) = if dependency_failed {
            let error = GraphError::new(
                StatusCode::FAILED_DEPENDENCY,
                "BadRequest",
                "Failed dependency",
            );
            error_answer(&error, request_id, client_request_id)
        } else {
            answer(state, request, request_id, client_request_id)?
        };
        statuses.push((id.clone(), status));
        let mut response = json!({ "id": id, "status": status, "headers": headers });
        if let Some(body) = body {
            response["body"] = body;
        }
        responses.push(response);
    }
    Ok(json!({ "responses": responses }))
}

type Answer = (u16, Map<String, Value>, Option<Value>);

fn answer(
    state: &State,
    request: &Value,
    request_id: &str,
    client_request_id: &str,
) -> Result<Answer, GraphError> {
    let method = request["method"]
        .as_str()
        .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
        .ok_or_else(|| {
            GraphError::bad_request("Invalid batch payload format: a request has no method.")
        })?;
    let url = request["url"].as_str().ok_or_else(|| {
        GraphError::bad_request("Invalid batch payload format: a request has no url.")
    })?;
    let (path, query) = url
        .split_once('?')
        .map_or((url, None), |(p, q)| (p, Some(q)));
    let mut segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| codec::percent_decode(s, false))
        .collect();
    // Graph takes URLs relative to the version; an absolute-looking "/v1.0/..." is tolerated.
    if segments.first().is_some_and(|s| s == "v1.0") {
        segments.remove(0);
    }
    // Requests of a batch carry no client-request-id of their own; their content names them
    // (member adds differ only by body).
    let key = match &request["body"] {
        Value::Null => format!("{method} {url}"),
        body => format!("{method} {url} {body}"),
    };
    state.faults.arrived(&key);
    match state.faults.draw(true, Some(resource_units::cost_in(&method, &segments, query, state.config.b2c.is_some()))) {
        Some(Fault::Throttle(seconds)) => {
            state.faults.told_to_wait(&key, seconds);
            return Ok(error_answer(
                &server::throttled(seconds),
                request_id,
                client_request_id,
            ));
        }
        Some(Fault::Unavailable(seconds)) => {
            state.faults.told_to_wait(&key, seconds);
            return Ok(error_answer(
                &server::unavailable(seconds),
                request_id,
                client_request_id,
            ));
        }
        _ => {}
    }
    let mut headers = HeaderMap::new();
    if let Some(given) = request["headers"].as_object() {
        for (name, value) in given {
            if let (Ok(name), Some(Ok(value))) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                value.as_str().map(http::HeaderValue::from_str),
            ) {
                headers.insert(name, value);
            }
        }
    }
    let body = match &request["body"] {
        Value::Null => Vec::new(),
        body => body.to_string().into_bytes(),
    };
    let pairs = query.map(codec::parse_pairs).unwrap_or_default();
    Ok(
        match server::route(state, &method, &segments, &pairs, &headers, &body) {
            Ok(reply) => {
                let mut headers = Map::new();
                let body = if reply.body.is_empty() {
                    None
                } else {
                    serde_json::from_slice(&reply.body).ok()
                };
                if let Some(content_type) = reply.content_type {
                    headers.insert("Content-Type".into(), content_type.into());
                }
                if let Some(location) = reply.location {
                    headers.insert("Location".into(), location.into());
                }
                (reply.status.as_u16(), headers, body)
            }
            Err(error) => error_answer(&error, request_id, client_request_id),
        },
    )
}

fn error_answer(error: &GraphError, request_id: &str, client_request_id: &str) -> Answer {
    let mut headers = Map::new();
    headers.insert("Content-Type".into(), GRAPH_JSON.into());
    if let Some(seconds) = error.retry_after {
        headers.insert("Retry-After".into(), seconds.to_string().into());
    }
    (
        error.status.as_u16(),
        headers,
        Some(error.body(request_id, client_request_id)),
    )
}
