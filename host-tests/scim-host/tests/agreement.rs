//! One source of truth: each operation's describe() is the truth about its routes and Graph
//! permissions; components/, spin.toml and the gateway's route table must agree with it.

use scim_host::inventory_job::Mode;
use scim_host::manifest::{Manifest, RouteSpec};
use scim_host::{App, HostOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn app() -> App {
    let variables = ["tenant_id", "client_id", "client_secret", "scim_bearer_token"]
        .into_iter()
        .map(|name| (name.to_string(), "unused".to_string()))
        .collect();
    App::load(component_artifacts::SPIN_MANIFEST.as_ref(), HostOptions { variables, ..Default::default() }).unwrap()
}

/// Operations the B2C connector's endpoint table (shared/seeds/003_5b59c6e6ed8c824f.txt) has no
/// row for: SCIM discovery, and user PATCH (the table updates users with PUT only).
const SCIM_ONLY: &[&str] = &["discovery", "users-patch"];
/// Rows of that table SCIM has no route for: SCIM carries members inside the Group resource
/// (and owners on request), and has no password reset message or audit-log queries.
const B2C_ONLY: &[&str] = &[
    "groups-members",
    "groups-owners",
    "users-password-reset",
    "users-changed",
    "users-deleted",
    "groups-changed",
    "groups-deleted",
];

fn operations() -> BTreeSet<String> {
    component_artifacts::COMPONENTS.iter().map(|(id, _)| id.to_string()).filter(|id| id != "gateway").collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_routes_are_generated_from_describe() {
    let generated = scim_host::describe::gateway_routes(&app()).await.unwrap();
    let committed_path = Path::new(component_artifacts::SPIN_MANIFEST).parent().unwrap().join("components/gateway/routes.txt");
    let committed = std::fs::read_to_string(&committed_path).unwrap();
    assert_eq!(
        committed, generated,
        "components/gateway/routes.txt is stale: regenerate it with `cargo run -p scim-host -- routes > components/gateway/routes.txt`"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_permissions_guide_is_generated_from_describe() {
    let generated = scim_host::describe::permissions_guide(&app()).await.unwrap();
    let committed_path = Path::new(component_artifacts::SPIN_MANIFEST).parent().unwrap().join("docs/permissions.md");
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert_eq!(
        committed, generated,
        "docs/permissions.md is stale: regenerate it with `cargo run -p scim-host -- permissions > docs/permissions.md`"
    );
    for permission in ["User.Read.All", "User.ReadWrite.All", "GroupMember.Read.All", "AuditLog.Read.All"] {
        assert!(generated.contains(&format!("- {permission}\n")), "the tenant-wide set lists {permission}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_describes_itself_under_its_component_id() {
    let app = app();
    for id in operations() {
        let description = app.describe(&id).await.unwrap();
        assert_eq!(description.name, id);
        assert!(!description.summary.is_empty(), "{id} has a summary");
        assert!(!description.routes.is_empty(), "{id} has routes");
        for permission in description.graph_permissions.iter().chain(&description.graph_permissions_on_request) {
            // Graph permission names: dot-separated words, each capitalised, some hyphenated
            // (User.Read.All, Group.Create, User-PasswordProfile.ReadWrite.All).
            let words: Vec<&str> = permission.split(['.', '-']).collect();
            let shaped = permission.split('.').count() >= 2 && words.iter().all(|w| w.starts_with(|c: char| c.is_ascii_uppercase()) && w.chars().all(|c| c.is_ascii_alphanumeric()));
            assert!(shaped, "{id}: `{permission}` is a Graph application permission");
        }
        let both = description.graph_permissions_on_request.iter().find(|p| description.graph_permissions.contains(p));
        assert_eq!(both, None, "{id}: a permission is needed or used on request, not both");
        if id.ends_with("-inventory") {
            // An inventory job: one route of its own, and the same self-description through
            // entra:scim/inventory as through entra:scim/operation.
            let routes: Vec<(&str, &str)> = description.routes.iter().map(|r| (r.method.as_str(), r.path.as_str())).collect();
            assert_eq!(routes, [("GET", format!("/inventory/{id}").as_str())], "{id}");
            let job = app.job(&id).await.unwrap().describe().await.unwrap();
            assert_eq!((&job.name, &job.summary, &job.graph_permissions), (&description.name, &description.summary, &description.graph_permissions));
            let mode = if id.ends_with("-incremental-inventory") { Mode::Incremental } else { Mode::Full };
            assert_eq!(job.mode, mode, "{id}: the mode its id says");
            continue;
        }
        for route in &description.routes {
            assert!(["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&route.method.as_str()), "{id}: {}", route.method);
            assert!(route.path.starts_with("/scim/v2/") || route.path.starts_with("/v1.0/"), "{id}: {}", route.path);
        }
        let styles: BTreeSet<bool> = description.routes.iter().map(|r| r.path.starts_with("/scim/v2/")).collect();
        let one_style = SCIM_ONLY.contains(&id.as_str()) || B2C_ONLY.contains(&id.as_str());
        let expected_styles = if one_style { 1 } else { 2 };
        assert_eq!(styles.len(), expected_styles, "{id} answers both route styles where the B2C table has the operation");
    }
}

/// What every component that calls Graph reads about its tenant: how to sign in (all that
/// `credential_type` may need) and what kind of directory it is.
const TENANT_VARIABLES: &[&str] = &[
    "tenant_type",
    "upn_domain",
    "b2c_extensions_app_id",
    "b2c_custom_attributes",
    "tenant_id",
    "client_id",
    "credential_type",
    "client_secret",
    "client_certificate",
    "client_private_key",
    "client_assertion_algorithm",
    "managed_identity_endpoint",
    "managed_identity_header",
    "managed_identity_client_id",
    "federated_token",
];

/// Least privilege: an operation that names no Graph permission may reach no host and holds no
/// credentials; the others may reach only Graph and the endpoints that issue their tokens.
#[tokio::test(flavor = "multi_thread")]
async fn outbound_hosts_and_credentials_follow_the_declared_permissions() {
    let manifest = Manifest::load(component_artifacts::SPIN_MANIFEST.as_ref()).unwrap();
    let app = app();
    for id in operations() {
        let description = app.describe(&id).await.unwrap();
        let component = &manifest.component[&id];
        if description.graph_permissions.is_empty() {
            assert!(component.allowed_outbound_hosts.is_empty(), "{id} calls no one");
            // What kind of tenant it describes, at most; no credentials.
            let descriptive: BTreeSet<&str> = ["tenant_type", "b2c_custom_attributes"].into();
            assert!(component.variables.keys().all(|name| descriptive.contains(name.as_str())), "{id} holds no credentials");
        } else {
            assert_eq!(
                component.allowed_outbound_hosts,
                ["{{ graph_base_url }}", "{{ login_base_url }}", "{{ managed_identity_origin }}"],
                "{id} may call only Graph and the endpoints that issue its tokens"
            );
            for credential in TENANT_VARIABLES {
                assert_eq!(component.variables.get(*credential).map(String::as_str), Some(format!("{{{{ {credential} }}}}").as_str()), "{id} can sign in every supported way, in either kind of tenant");
            }
        }
    }
}

#[test]
fn spin_toml_exposes_only_the_gateway_and_lets_it_reach_exactly_the_operations() {
    let manifest = Manifest::load(component_artifacts::SPIN_MANIFEST.as_ref()).unwrap();
    let declared: BTreeSet<String> = manifest.component.keys().cloned().collect();
    let built: BTreeSet<String> = component_artifacts::COMPONENTS.iter().map(|(id, _)| id.to_string()).collect();
    assert_eq!(declared, built, "spin.toml declares exactly the crates in components/");

    let routes: BTreeMap<&str, &RouteSpec> = manifest.trigger.http.iter().map(|t| (t.component.as_str(), &t.route)).collect();
    assert_eq!(routes.len(), manifest.trigger.http.len(), "one trigger per component");
    assert_eq!(routes["gateway"], &RouteSpec::Path("/...".into()));
    for id in operations() {
        assert_eq!(routes[id.as_str()], &RouteSpec::Private { private: true }, "{id} is private");
    }
    let gateway_hosts: BTreeSet<String> = manifest.component["gateway"].allowed_outbound_hosts.iter().cloned().collect();
    let expected: BTreeSet<String> = operations().iter().map(|id| format!("http://{id}.spin.internal")).collect();
    assert_eq!(gateway_hosts, expected, "the gateway reaches the operations and nothing else");
    assert!(manifest.component["gateway"].variables.keys().eq(["scim_bearer_token"]), "the gateway holds no Graph credentials");
}
