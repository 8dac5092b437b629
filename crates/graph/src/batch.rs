//! JSON batching: up to [`MAX_BATCH`] Graph requests in one `POST /v1.0/$batch`, each answered
//! on its own. Requests Graph throttled inside a batch (429/503, with their own Retry-After)
//! are sent again in a smaller batch, alone, after the longest of their waits, within the
//! call's one retry budget; the others' answers are kept.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use crate::client::{GraphClient, group_path, object_segment};
use crate::error::{self, Error};
use crate::retry::{Budget, Failure, Replay, RetryNotice};
use crate::transport::Transport;

/// Graph's limit of requests in one batch.
pub const MAX_BATCH: usize = 20;

/// One request of a batch. `url` is relative to the version root (`/users/{id}`), as Graph wants.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest {
    pub id: String,
    pub method: http::Method,
    pub url: String,
    pub body: Option<Value>,
    /// Ids of requests of the same batch that must succeed first (Graph answers 424 otherwise).
    pub depends_on: Vec<String>,
}

impl BatchRequest {
    pub fn get(id: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            method: http::Method::GET,
            url: url.into(),
            body: None,
            depends_on: Vec::new(),
        }
    }

    /// Member adds are POSTs whose repetition answers "already exist": retried as safe, and
    /// that answer to a retry counts as success.
    fn replay(&self) -> Replay {
        if self.method == http::Method::POST && self.url.ends_with("/$ref") {
            Replay::ReferenceAdd
        } else {
            Replay::of(&self.method, self.body.as_ref())
        }
    }
}

/// One answer of a batch; header names in lower case.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResponse {
    pub id: String,
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

impl BatchResponse {
    /// The answer as a result: the body on success, else Graph's error as [`Error::Graph`].
    pub fn into_result(self, now: std::time::SystemTime) -> Result<Value, Error> {
        if (200..300).contains(&self.status) {
            return Ok(self.body);
        }
        let mut response = http::Response::builder().status(self.status);
        for (name, value) in &self.headers {
            response = response.header(name, value);
        }
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        match response.body(body) {
            Ok(response) => Err(error::from_graph_response(&response, now)),
            Err(_) => Err(Error::Decode {
                context: "batch response".into(),
                message: format!("answer {} has status {}", self.id, self.status),
            }),
        }
    }
}

impl<T: Transport> GraphClient<'_, T> {
    /// Sends up to [`MAX_BATCH`] requests as one batch and returns their answers in the order
    /// of `requests`. Requests throttled inside the batch are retried as the retry policy
    /// allows; any other answer, success or not, is returned as Graph gave it.
    pub async fn batch(&self, requests: &[BatchRequest]) -> Result<Vec<BatchResponse>, Error> {
        check_batch(requests)?;
        let mut budget = Budget::new(self.retry_policy());
        let mut answers: BTreeMap<String, BatchResponse> = BTreeMap::new();
        let mut pending: Vec<&BatchRequest> = requests.iter().collect();
        let mut round = 1;
        while !pending.is_empty() {
            let ids: HashSet<&str> = pending.iter().map(|r| r.id.as_str()).collect();
            let body = json!({ "requests": pending.iter().map(|r| request_json(r, &ids)).collect::<Vec<_>>() });
            let replay = Replay::of_all(pending.iter().map(|r| r.replay()));
            let response = self
                .send_within(
                    http::Method::POST,
                    "/v1.0/$batch",
                    Some(&body),
                    false,
                    replay,
                    &mut budget,
                )
                .await?;
            let mut received = read_responses(response.body())?;

            let mut retry: Vec<&BatchRequest> = Vec::new();
            let mut wait = std::time::Duration::ZERO;
            let mut failures = Vec::new();
            for request in &pending {
                let Some(answer) = received.remove(&request.id) else {
                    return Err(Error::Decode {
                        context: "batch response".into(),
                        message: format!("no answer for request {}", request.id),
                    });
                };
                let failure = Failure::Status {
                    status: answer.status,
                    retry_after: answer
                        .headers
                        .get("retry-after")
                        .and_then(|v| crate::retry::retry_after_seconds(v, self.now())),
                };
                let existing_link = round > 1
                    && request.replay() == Replay::ReferenceAdd
                    && answer
                        .clone()
                        .into_result(self.now())
                        .is_err_and(|e| error::is_existing_reference(&e));
                match budget.wait_for(&failure, request.replay()) {
                    _ if existing_link => {
                        answers.insert(
                            request.id.clone(),
                            BatchResponse {
                                status: 204,
                                body: Value::Null,
                                ..answer
                            },
                        );
                    }
                    _ if (200..300).contains(&answer.status) => {
                        answers.insert(request.id.clone(), answer);
                    }
                    Some(w) => {
                        wait = wait.max(w);
                        retry.push(request);
                        failures.push(answer);
                    }
                    None => {
                        answers.insert(request.id.clone(), answer);
                    }
                }
            }
            // A request that failed only because what it depends on failed goes again with it.
            let retried: HashSet<&str> = retry.iter().map(|r| r.id.as_str()).collect();
            for request in &pending {
                let waits_on_retry = request
                    .depends_on
                    .iter()
                    .any(|d| retried.contains(d.as_str()));
                if answers.get(&request.id).is_some_and(|a| a.status == 424) && waits_on_retry {
                    answers.remove(&request.id);
                    retry.push(request);
                }
            }
            if retry.is_empty() {
                break;
            }
            if !budget.spend(wait) || self.transport().sleep(wait).await.is_err() {
                for answer in failures {
                    answers.insert(answer.id.clone(), answer);
                }
                // Dependants kept their 424 only if their dependency's failure is final.
                for request in retry {
                    answers
                        .entry(request.id.clone())
                        .or_insert_with(|| failed_dependency(&request.id));
                }
                break;
            }
            for answer in &failures {
                self.transport().retrying(&RetryNotice {
                    method: "POST".into(),
                    path: format!("/v1.0/$batch (request {})", answer.id),
                    status: Some(answer.status),
                    request_id: answer.headers.get("request-id").cloned(),
                    client_request_id: answer
                        .headers
                        .get("client-request-id")
                        .cloned()
                        .unwrap_or_default(),
                    message: "throttled inside a batch".into(),
                    wait,
                    attempt: round,
                });
            }
            pending = retry;
            round += 1;
        }
        Ok(requests
            .iter()
            .map(|r| {
                answers
                    .remove(&r.id)
                    .unwrap_or_else(|| failed_dependency(&r.id))
            })
            .collect())
    }

    /// `GET`s any number of paths (relative to the version root, e.g. `/groups/{id}/members`)
    /// in batches of [`MAX_BATCH`]; each path's body or error, in order.
    pub async fn batch_get(&self, paths: &[String]) -> Vec<Result<Value, Error>> {
        let requests: Vec<BatchRequest> = paths
            .iter()
            .enumerate()
            .map(|(i, path)| BatchRequest::get((i + 1).to_string(), path.clone()))
            .collect();
        self.batch_all(&requests).await
    }

    /// Adds each object to the group's members, batched; an object already a member is
    /// Graph's 400 "already exist" for the caller to judge, as with [`Self::add_member`].
    pub async fn add_members(
        &self,
        group_id: &str,
        object_ids: &[String],
    ) -> Vec<Result<(), Error>> {
        let requests = object_ids
            .iter()
            .enumerate()
            .map(|(i, object)| {
                let group = group_path(group_id)?;
                let reference = format!(
                    "{}/v1.0/directoryObjects/{}",
                    self.graph_base(),
                    object_segment(object, "members")?
                );
                Ok(BatchRequest {
                    id: (i + 1).to_string(),
                    method: http::Method::POST,
                    url: format!("/{group}/members/$ref"),
                    body: Some(json!({ "@odata.id": reference })),
                    depends_on: Vec::new(),
                })
            })
            .collect();
        self.batch_links(requests).await
    }

    /// Removes each object from the group's members, batched; 404 when it is not a member.
    pub async fn remove_members(
        &self,
        group_id: &str,
        object_ids: &[String],
    ) -> Vec<Result<(), Error>> {
        let requests = object_ids
            .iter()
            .enumerate()
            .map(|(i, object)| {
                Ok(BatchRequest {
                    id: (i + 1).to_string(),
                    method: http::Method::DELETE,
                    url: format!(
                        "/{}/members/{}/$ref",
                        group_path(group_id)?,
                        object_segment(object, "members")?
                    ),
                    body: None,
                    depends_on: Vec::new(),
                })
            })
            .collect();
        self.batch_links(requests).await
    }

    /// Sends the valid requests, keeping each invalid one's error in its place.
    async fn batch_links(
        &self,
        requests: Vec<Result<BatchRequest, Error>>,
    ) -> Vec<Result<(), Error>> {
        let valid: Vec<BatchRequest> = requests
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect();
        let mut sent = self.batch_all(&valid).await.into_iter();
        requests
            .into_iter()
            .map(|request| match request {
                Ok(_) => sent.next().expect("one answer per request").map(|_| ()),
                Err(error) => Err(error),
            })
            .collect()
    }

    /// Independent requests in as many batches as needed, one after the other.
    async fn batch_all(&self, requests: &[BatchRequest]) -> Vec<Result<Value, Error>> {
        let mut results = Vec::with_capacity(requests.len());
        for chunk in requests.chunks(MAX_BATCH) {
            match self.batch(chunk).await {
                Ok(answers) => {
                    results.extend(answers.into_iter().map(|a| a.into_result(self.now())))
                }
                Err(error) => results.extend(chunk.iter().map(|_| Err(error.clone()))),
            }
        }
        results
    }
}

fn check_batch(requests: &[BatchRequest]) -> Result<(), Error> {
    let invalid = |message: String| Err(Error::InvalidArgument { message });
    if requests.is_empty() || requests.len() > MAX_BATCH {
        return invalid(format!(
            "a batch holds 1 to {MAX_BATCH} requests, not {}",
            requests.len()
        ));
    }
    let mut seen = HashSet::new();
    for request in requests {
        if !request.url.starts_with('/') {
            return invalid(format!(
                "batch request {} has a URL not relative to the version root: {}",
                request.id, request.url
            ));
        }
        if let Some(missing) = request
            .depends_on
            .iter()
            .find(|d| !seen.contains(d.as_str()))
        {
            return invalid(format!(
                "batch request {} depends on {missing}, which is not an earlier request",
                request.id
            ));
        }
        if !seen.insert(request.id.as_str()) {
            return invalid(format!("batch request id {} is used twice", request.id));
        }
    }
    Ok(())
}

/// A request in Graph's batch format; dependencies on requests no longer sent (they
/// succeeded in an earlier round) are dropped.
fn request_json(request: &BatchRequest, sent: &HashSet<&str>) -> Value {
    let mut json =
        json!({ "id": request.id, "method": request.method.as_str(), "url": request.url });
    if let Some(body) = &request.body {
        json["body"] = body.clone();
        json["headers"] = json!({ "Content-Type": "application/json" });
    }
    let depends_on: Vec<&String> = request
        .depends_on
        .iter()
        .filter(|d| sent.contains(d.as_str()))
        .collect();
    if !depends_on.is_empty() {
        json["dependsOn"] = json!(depends_on);
    }
    json
}

fn read_responses(body: &[u8]) -> Result<BTreeMap<String, BatchResponse>, Error> {
    let decode = |message: String| Error::Decode {
        context: "batch response".into(),
        message,
    };
    let json: Value = serde_json::from_slice(body).map_err(|e| decode(e.to_string()))?;
    let responses = json["responses"]
        .as_array()
        .ok_or_else(|| decode("no responses".into()))?;
    responses
        .iter()
        .map(|r| {
            let id = match &r["id"] {
                Value::String(s) => s.clone(),
                other => return Err(decode(format!("an answer without an id: {other}"))),
            };
            let status = r["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| decode(format!("answer {id} has no status")))?;
            let headers = r["headers"]
                .as_object()
                .map(|h| {
                    h.iter()
                        .filter_map(|(k, v)| {
                            Some((k.to_ascii_lowercase(), v.as_str()?.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = r.get("body").cloned().unwrap_or(Value::Null);
            Ok((
                id.clone(),
                BatchResponse {
                    id,
                    status,
                    headers,
                    body,
                },
            ))
        })
        .collect()
}

/// What Graph answers a request whose dependency failed; also stands for a dependant left
/// unsent when the budget ran out.
fn failed_dependency(id: &str) -> BatchResponse {
    BatchResponse {
        id: id.to_string(),
        status: 424,
        headers: BTreeMap::new(),
        body: json!({ "error": { "code": "BadRequest", "message": "Failed dependency" } }),
    }
}
