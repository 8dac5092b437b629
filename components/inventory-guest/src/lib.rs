//! What every inventory job component shares: its description, the `entra:scim/inventory`
//! export (one step per call, for a driver), and the HTTP form for Spin: `GET
//! /inventory/{job}?cursor=..&watermark=..&steps=N` runs up to N steps and answers NDJSON, one
//! line per document, a checkpoint line after each step, and a final `done` or `error` line, so
//! a caller can resume from the last checkpoint it received.

use bindings::exports::entra::scim::{inventory as wit, operation as wit_operation};
use guest::{Call, Connection, Operation, Reply};
use bytes::Bytes;
use inventory::{JobError, Next, Step, StepRequest};
use mapping::{AttributeMap, Builtin, Overrides};
use scim::error::{ScimError, ScimType};
use serde_json::json;
use spin_sdk::http::Request;

#[doc(hidden)]
pub mod bindings {
    spin_sdk::wit_bindgen::generate!({
        path: "../../wit",
        world: "entra:scim/inventory-component",
        runtime_path: "spin_sdk::wit_bindgen::rt",
        pub_export_macro: true,
        export_macro_name: "export_inventory_bindings",
        default_bindings_module: "inventory_guest::bindings",
    });
}

thread_local! {
    // Loaded once per instance, like the Graph configuration: an instance lives for a bounded
    // number of requests, so a changed variable reaches the next instance.
    static MAPS: std::cell::RefCell<std::collections::BTreeMap<&'static str, &'static AttributeMap>> =
        const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
}

/// The attribute map a job applies: the built-in map named by variable `{kind}_attribute_map`,
/// changed by the TOML rows in `{kind}_attribute_overrides` when that is not empty. A map that
/// does not load fails the step with the loader's message, which names the bad expression.
pub async fn attribute_map(kind: &'static str) -> Result<&'static AttributeMap, JobError> {
    if let Some(map) = MAPS.with(|maps| maps.borrow().get(kind).copied()) {
        return Ok(map);
    }
    let name = variable(&format!("{kind}_attribute_map")).await?;
    let builtin = Builtin::named(&name).ok_or_else(|| {
        let known: Vec<&str> = Builtin::ALL.iter().filter_map(|map| map.file_name().strip_suffix(".toml")).collect();
        JobError::Failed(format!("variable {kind}_attribute_map: no map `{name}`; the maps are {}", known.join(", ")))
    })?;
    let mut map = AttributeMap::builtin(builtin);
    let overrides = variable(&format!("{kind}_attribute_overrides")).await?;
    if !overrides.trim().is_empty() {
        let origin = format!("variable {kind}_attribute_overrides");
        let overrides = Overrides::parse(&overrides, &origin).map_err(|e| JobError::Failed(e.to_string()))?;
        map = map.overridden(&overrides).map_err(|e| JobError::Failed(e.to_string()))?;
    }
    let map: &'static AttributeMap = Box::leak(Box::new(map));
    MAPS.with(|maps| maps.borrow_mut().insert(kind, map));
    Ok(map)
}

/// How the connection's tenant tracks changes: Azure AD B2C tenants have no delta queries.
pub fn change_tracking(connection: &Connection) -> inventory::ChangeTracking {
    match connection.advanced_queries() {
        true => inventory::ChangeTracking::Delta,
        false => inventory::ChangeTracking::AuditLog,
    }
}

async fn variable(name: &str) -> Result<String, JobError> {
    spin_sdk::variables::get(name)
        .await
        .map_err(|e| JobError::Failed(format!("the connector is not configured: variable {name}: {e}")))
}

/// Steps one HTTP request runs when the caller does not say, and at most.
const DEFAULT_STEPS_PER_REQUEST: usize = 10;
const MAX_STEPS_PER_REQUEST: usize = 100;

pub enum Mode {
    Full,
    Incremental,
}

pub struct Job {
    /// Name, summary, the job's HTTP route and its Graph permissions.
    pub operation: Operation,
    pub mode: Mode,
}

impl Job {
    pub fn operation_description(&self) -> wit_operation::Description {
        let description = self.operation.description();
        wit_operation::Description {
            name: description.name,
            summary: description.summary,
            routes: description
                .routes
                .into_iter()
                .map(|route| wit_operation::Route { method: route.method, path: route.path })
                .collect(),
            graph_permissions: description.graph_permissions,
            graph_permissions_on_request: description.graph_permissions_on_request,
        }
    }

    pub fn description(&self) -> wit::JobDescription {
        let operation = self.operation_description();
        wit::JobDescription {
            name: operation.name,
            summary: operation.summary,
            mode: match self.mode {
                Mode::Full => wit::Mode::Full,
                Mode::Incremental => wit::Mode::Incremental,
            },
            graph_permissions: operation.graph_permissions,
        }
    }

    /// One step for a driver, in the WIT's terms.
    pub async fn step_for_driver<F>(&self, request: wit::StepRequest, step: F) -> Result<wit::StepResult, wit::StepError>
    where
        F: AsyncFnOnce(&Connection, StepRequest) -> Result<Step, JobError>,
    {
        let connection = Connection::open().await.map_err(|e| wit::StepError::Failed(e.detail))?;
        let request = StepRequest { cursor: request.cursor, watermark: request.watermark };
        let outcome = step(&connection, request).await.map_err(wit_error)?;
        Ok(wit::StepResult {
            documents: outcome
                .documents
                .into_iter()
                .map(|d| wit::Document { kind: d.kind.to_string(), object_id: d.object_id, json: Box::<str>::from(d.json).into() })
                .collect(),
            next: match outcome.next {
                Next::More(cursor) => wit::Next::More(cursor),
                Next::Done(watermark) => wit::Next::Done(watermark),
            },
            graph_requests: connection.graph_requests(),
        })
    }

    /// The HTTP form: runs steps from the query's cursor and answers NDJSON.
    pub async fn serve<F>(&self, request: Request, step: F) -> http::Response<spin_sdk::http::FullBody<Bytes>>
    where
        F: AsyncFn(&Connection, StepRequest) -> Result<Step, JobError>,
    {
        self.operation.serve(request, async |call: Call| self.run_steps(&call, &step).await).await
    }

    async fn run_steps<F>(&self, call: &Call, step: &F) -> Result<Reply, ScimError>
    where
        F: AsyncFn(&Connection, StepRequest) -> Result<Step, JobError>,
    {
        let query = StepsQuery::parse(&call.query)?;
        let connection = Connection::open().await?;
        let mut request = StepRequest { cursor: query.cursor, watermark: query.watermark };
        let mut lines = String::new();
        for taken in 0..query.steps {
            let outcome = match step(&connection, request.clone()).await {
                Ok(outcome) => outcome,
                // Nothing sent yet: the failure is the answer, with its HTTP status.
                Err(error) if taken == 0 => return Err(http_error(error)),
                Err(error) => {
                    push_line(&mut lines, json!({ "type": "error", "error": error_name(&error), "detail": error.to_string() }));
                    break;
                }
            };
            for document in outcome.documents {
                push_line(
                    &mut lines,
                    json!({ "type": "document", "kind": document.kind, "objectId": document.object_id, "document": document.json }),
                );
            }
            match outcome.next {
                Next::More(cursor) => {
                    push_line(&mut lines, json!({ "type": "checkpoint", "cursor": cursor }));
                    request.cursor = Some(cursor);
                }
                Next::Done(watermark) => {
                    push_line(&mut lines, json!({ "type": "done", "watermark": watermark }));
                    break;
                }
            }
        }
        Ok(Reply::ndjson(lines))
    }
}

fn push_line(lines: &mut String, value: serde_json::Value) {
    lines.push_str(&value.to_string());
    lines.push('\n');
}

struct StepsQuery {
    cursor: Option<String>,
    watermark: Option<String>,
    steps: usize,
}

impl StepsQuery {
    fn parse(query: &str) -> Result<StepsQuery, ScimError> {
        let mut parsed = StepsQuery { cursor: None, watermark: None, steps: DEFAULT_STEPS_PER_REQUEST };
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = scim::percent::decode_query_component(value)
                .ok_or_else(|| ScimError::invalid_value(format!("query parameter `{name}` is not valid percent-encoding")))?;
            match name {
                "cursor" => parsed.cursor = Some(value),
                "watermark" => parsed.watermark = Some(value),
                "steps" => {
                    parsed.steps = value.parse().ok().filter(|n| (1..=MAX_STEPS_PER_REQUEST).contains(n)).ok_or_else(|| {
                        ScimError::invalid_value(format!("steps must be a number from 1 to {MAX_STEPS_PER_REQUEST}, not `{value}`"))
                    })?
                }
                other => {
                    return Err(ScimError::invalid_value(format!(
                        "unknown query parameter `{other}`; an inventory job takes cursor, watermark and steps"
                    )));
                }
            }
        }
        Ok(parsed)
    }
}

fn error_name(error: &JobError) -> &'static str {
    match error {
        JobError::InvalidCursor(_) => "invalid-cursor",
        JobError::ResyncRequired(_) => "resync-required",
        JobError::Unavailable { .. } => "graph-unavailable",
        JobError::Failed(_) => "failed",
    }
}

fn http_error(error: JobError) -> ScimError {
    let detail = error.to_string();
    match error {
        JobError::InvalidCursor(_) => ScimError::bad_request(ScimType::InvalidCursor, detail),
        // The watermark is gone for good: only a full run makes a new one.
        JobError::ResyncRequired(_) => ScimError::new(410, None, detail),
        JobError::Unavailable { retry_after_seconds, .. } => {
            ScimError::service_unavailable(detail, retry_after_seconds.map(u64::from))
        }
        JobError::Failed(_) => ScimError::bad_gateway(detail),
    }
}

fn wit_error(error: JobError) -> wit::StepError {
    match error {
        JobError::InvalidCursor(detail) => wit::StepError::InvalidCursor(detail),
        JobError::ResyncRequired(detail) => wit::StepError::ResyncRequired(detail),
        JobError::Unavailable { detail, retry_after_seconds } => {
            wit::StepError::GraphUnavailable(wit::Unavailable { detail, retry_after_seconds })
        }
        JobError::Failed(detail) => wit::StepError::Failed(detail),
    }
}

/// Exports `entra:scim/operation` and `entra:scim/inventory` for an inventory job component:
/// `$job` describes it, `$step` is its step function.
#[macro_export]
macro_rules! export_inventory {
    ($job:path, $step:path) => {
        struct InventoryJob;
        impl $crate::bindings::exports::entra::scim::operation::Guest for InventoryJob {
            fn describe() -> $crate::bindings::exports::entra::scim::operation::Description {
                $job.operation_description()
            }
        }
        impl $crate::bindings::exports::entra::scim::inventory::Guest for InventoryJob {
            fn describe() -> $crate::bindings::exports::entra::scim::inventory::JobDescription {
                $job.description()
            }
            async fn step(
                request: $crate::bindings::exports::entra::scim::inventory::StepRequest,
            ) -> Result<
                $crate::bindings::exports::entra::scim::inventory::StepResult,
                $crate::bindings::exports::entra::scim::inventory::StepError,
            > {
                $job.step_for_driver(request, $step).await
            }
        }
        $crate::bindings::export_inventory_bindings!(InventoryJob with_types_in $crate::bindings);
    };
}
