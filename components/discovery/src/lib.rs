//! SCIM discovery (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes[/{id}]` and
//! `/Schemas[/{id}]`, describing exactly what the connector serves, in an Entra ID or an Azure AD
//! B2C tenant (variables `tenant_type`, `b2c_custom_attributes`). Needs no Graph access.

use guest::{Call, Operation, Reply};
use scim::discovery::{self, Features};
use scim::error::ScimError;
use scim::list::ListResponse;
use spin_sdk::http::{IntoResponse, Request};

pub const OPERATION: Operation = Operation {
    name: "discovery",
    summary: "Describe the service: its configuration, resource types and schemas.",
    routes: &[
        ("GET", "/scim/v2/ServiceProviderConfig"),
        ("GET", "/scim/v2/ResourceTypes"),
        ("GET", "/scim/v2/ResourceTypes/{id}"),
        ("GET", "/scim/v2/Schemas"),
        ("GET", "/scim/v2/Schemas/{id}"),
    ],
    graph_permissions: &[],
    graph_permissions_on_request: &[],
};

guest::export_operation!(OPERATION);

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    OPERATION.serve(request, describe_service).await
}

async fn describe_service(call: Call) -> Result<Reply, ScimError> {
    let base = &call.location_base;
    let id = call.params.get("id");
    // An Azure AD B2C tenant cannot sort (Graph's $orderby is an advanced query) and has the
    // custom attributes the deployment names.
    let b2c = guest::variable("tenant_type").await?.trim() == "b2c";
    let custom = match b2c {
        true => guest::b2c_custom_attribute_names().await?,
        false => Vec::new(),
    };
    let described = |schema| discovery::with_custom_attributes(schema, &custom);
    let document = match (call.route_template(), id) {
        ("/scim/v2/ServiceProviderConfig", _) => {
            discovery::service_provider_config(&Features { sort: !b2c, ..Features::default() }, base)
        }
        ("/scim/v2/ResourceTypes", _) => list(discovery::resource_types(base)),
        ("/scim/v2/Schemas", _) => list(discovery::schemas(base).into_iter().map(described).collect()),
        ("/scim/v2/ResourceTypes/{id}", Some(id)) => discovery::resource_type(id, base)
            .ok_or_else(|| ScimError::not_found(format!("no resource type {id}")))?,
        ("/scim/v2/Schemas/{id}", Some(id)) => {
            described(discovery::schema(id, base).ok_or_else(|| ScimError::not_found(format!("no schema {id}")))?)
        }
        (template, _) => return Err(ScimError::internal(format!("discovery has no answer for {template}"))),
    };
    Ok(Reply::ok(document))
}

fn list(resources: Vec<serde_json::Value>) -> serde_json::Value {
    let total = resources.len() as u64;
    ListResponse::new(resources, total, 1).to_json()
}
