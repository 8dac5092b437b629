//! SCIM discovery (RFC 7644 §4) through the gateway: the documents exist, say what the
//! connector supports, and cover every attribute a returned User carries.

mod common;

use common::Connector;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn service_provider_config_says_what_is_supported() {
    let connector = Connector::start().await;
    let reply = connector.get("/scim/v2/ServiceProviderConfig").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    let config = reply.json();
    assert_eq!(config["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]));
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(config["filter"]["supported"], true);
    assert_eq!(config["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(config["meta"]["location"], json!(connector.url("/scim/v2/ServiceProviderConfig")));
}

#[tokio::test(flavor = "multi_thread")]
async fn resource_types_and_schemas_are_listed_and_found_by_id() {
    let connector = Connector::start().await;
    let types = connector.get("/scim/v2/ResourceTypes").await.json();
    let names: Vec<&str> = types["Resources"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert!(names.contains(&"User") && names.contains(&"Group"), "{types}");
    assert_eq!(types["totalResults"], json!(names.len()));
    let user_type = connector.get("/scim/v2/ResourceTypes/User").await.json();
    assert_eq!(user_type["schema"], "urn:ietf:params:scim:schemas:core:2.0:User");

    let schemas = connector.get("/scim/v2/Schemas").await.json();
    let ids: Vec<&str> = schemas["Resources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    for urn in ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"] {
        assert!(ids.contains(&urn), "{urn} in {ids:?}");
        let one = connector.get(&format!("/scim/v2/Schemas/{urn}")).await;
        assert_eq!(one.status, 200, "{urn}: {}", one.text());
        assert_eq!(one.json()["id"], urn);
    }
    connector.get("/scim/v2/Schemas/urn:example:nothing").await.assert_scim_error(404, None);
    connector.get("/scim/v2/ResourceTypes/Printer").await.assert_scim_error(404, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_returned_user_is_described() {
    let connector = Connector::start().await;
    let id = connector.emulator.users()[0]["id"].as_str().unwrap().to_string();
    let user = connector.get(&format!("/scim/v2/Users/{id}")).await.json();
    let user_type = connector.get("/scim/v2/ResourceTypes/User").await.json();
    let core = connector.get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").await.json();
    let described: Vec<String> = core["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_lowercase()).collect();
    let extensions: Vec<&str> = user_type["schemaExtensions"].as_array().unwrap().iter().map(|e| e["schema"].as_str().unwrap()).collect();
    for (name, _) in user.as_object().unwrap() {
        let common = ["schemas", "id", "externalid", "meta"];
        assert!(
            common.contains(&name.to_lowercase().as_str()) || described.contains(&name.to_lowercase()) || extensions.contains(&name.as_str()),
            "`{name}` of a returned User is described by /Schemas or is a declared extension"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_is_read_only_and_needs_the_token() {
    let connector = Connector::start().await;
    let reply = connector.post_json("/scim/v2/Schemas", &json!({})).await;
    reply.assert_scim_error(405, None);
    assert_eq!(reply.header("allow"), Some("GET"));
    connector.send("GET", "/scim/v2/ServiceProviderConfig", &[], None).await.assert_scim_error(401, None);
}

/// RFC 7644 endpoints the connector does not offer answer 501 with a SCIM error, so a caller
/// (or a compliance suite) can tell "not supported" from a wrong path, which stays 404.
#[tokio::test(flavor = "multi_thread")]
async fn endpoints_not_offered_are_501_and_unknown_paths_404() {
    let connector = Connector::start().await;
    let search = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"] });
    let root_search = connector.post_json("/scim/v2/.search", &search).await;
    let body = root_search.assert_scim_error(501, None);
    assert!(body["detail"].as_str().unwrap().contains("/scim/v2/Users/.search"), "{body}");
    connector.post_json("/scim/v2/Bulk", &json!({})).await.assert_scim_error(501, None);
    connector.get("/scim/v2/Me").await.assert_scim_error(501, None);
    connector.get("/scim/v2/Printers").await.assert_scim_error(404, None);
}

/// In an Azure AD B2C tenant discovery says what the connector does there: no sorting (Graph's
/// $orderby is an advanced query B2C lacks), and the deployment's custom attributes in the
/// UserProfile extension's schema.
#[tokio::test(flavor = "multi_thread")]
async fn in_a_b2c_tenant_discovery_describes_no_sorting_and_the_custom_attributes() {
    let config = graph_emulator::EmulatorConfig { users: 3, groups: 0, b2c: Some(graph_emulator::B2c::default()), ..Default::default() };
    let variables = [
        ("tenant_type", "b2c"),
        ("upn_domain", graph_emulator::DOMAIN),
        ("b2c_extensions_app_id", graph_emulator::DEMO_B2C_EXTENSIONS_APP_ID),
        ("b2c_custom_attributes", "loyaltyNumber,membershipTier"),
    ];
    let connector = Connector::start_configured(config, scim_host::Limits::default(), &variables).await;
    let config = connector.get("/scim/v2/ServiceProviderConfig").await.json();
    assert_eq!(config["sort"]["supported"], false);
    let profile = connector.get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile").await.json();
    let names: Vec<&str> = profile["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["identities", "loyaltyNumber", "membershipTier"]);
    let all = connector.get("/scim/v2/Schemas").await.json();
    assert!(all.to_string().contains("membershipTier"));

    let entra = Connector::start().await;
    assert_eq!(entra.get("/scim/v2/ServiceProviderConfig").await.json()["sort"]["supported"], true);
}
