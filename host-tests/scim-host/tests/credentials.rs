//! Each way the connector signs in, chosen by Spin variables and used by the real components:
//! a certificate (PS256 and RS256), a federated token, and the managed identities of App Service
//! and of an Azure VM, none with a secret in configuration; the refusals a real tenant gives
//! (an unregistered certificate, a wrong identity header), and configurations that cannot work,
//! each a clear SCIM error; and one token request for many simultaneous calls.

mod common;

use common::Connector;
use graph_emulator::{EmulatorConfig, Faults, FederatedCredential, TEST_CERTIFICATE_PEM, TEST_PRIVATE_KEY_PEM, test_federated_token};
use scim_host::Limits;

fn workload() -> FederatedCredential {
    FederatedCredential {
        issuer: "https://oidc.example/cluster".into(),
        subject: "system:serviceaccount:scim:connector".into(),
        audience: "api://AzureADTokenExchange".into(),
    }
}

fn tenant() -> EmulatorConfig {
    EmulatorConfig { users: 5, groups: 0, federated_credentials: vec![workload()], ..EmulatorConfig::default() }
}

/// The connector signing in with `credential` instead of the client secret the other tests use.
/// `{base}` in a value stands for the emulator's URL, known once it listens; `{localhost}` for
/// the same with the host named `localhost`.
async fn connect_with(config: EmulatorConfig, credential: &[(&str, &str)]) -> Connector {
    let emulator = graph_emulator::Emulator::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = emulator.base_url();
    let localhost = base.replace("127.0.0.1", "localhost");
    let values: Vec<(String, String)> = [("client_secret", "")]
        .iter()
        .chain(credential)
        .map(|(k, v)| (k.to_string(), v.replace("{base}", &base).replace("{localhost}", &localhost)))
        .collect();
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Connector::with_emulator(emulator, Limits::default(), &values).await
}

async fn reads_a_user(connector: &Connector) -> common::Reply {
    let id = connector.emulator.users()[0]["id"].as_str().unwrap().to_string();
    connector.get(&format!("/scim/v2/Users/{id}")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_credential_type_signs_in_without_a_secret_in_configuration() {
    let token = test_federated_token(&workload());
    let EmulatorConfig { identity_header: header, client_id: app, .. } = EmulatorConfig::default();
    // The emulator's base URL is known only once it runs; `{base}` stands for it.
    let credentials: [(&str, Vec<(&str, &str)>); 6] = [
        ("certificate, PS256", vec![("credential_type", "certificate"), ("client_certificate", TEST_CERTIFICATE_PEM), ("client_private_key", TEST_PRIVATE_KEY_PEM)]),
        (
            "certificate, RS256",
            vec![
                ("credential_type", "certificate"),
                ("client_certificate", TEST_CERTIFICATE_PEM),
                ("client_private_key", TEST_PRIVATE_KEY_PEM),
                ("client_assertion_algorithm", "RS256"),
            ],
        ),
        ("federated token", vec![("credential_type", "federated_token"), ("federated_token", &token)]),
        (
            "App Service managed identity",
            vec![
                ("credential_type", "managed_identity"),
                ("client_id", ""),
                ("managed_identity_endpoint", "{base}/msi/token"),
                ("managed_identity_header", &header),
                ("managed_identity_origin", "{base}"),
            ],
        ),
        (
            "user-assigned App Service managed identity",
            vec![
                ("credential_type", "managed_identity"),
                ("managed_identity_endpoint", "{base}/msi/token"),
                ("managed_identity_header", &header),
                ("managed_identity_client_id", &app),
                ("managed_identity_origin", "{base}"),
            ],
        ),
        (
            "VM managed identity (Instance Metadata Service)",
            vec![
                ("credential_type", "managed_identity"),
                ("managed_identity_endpoint", "{base}/metadata/identity/oauth2/token"),
                ("managed_identity_origin", "{base}"),
            ],
        ),
    ];
    for (name, credential) in credentials {
        let connector = connect_with(tenant(), &credential).await;
        let reply = reads_a_user(&connector).await;
        assert_eq!(reply.status, 200, "{name}: {}", reply.text());
        assert_eq!(connector.emulator.tokens_issued(), 1, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_credential_is_a_502_naming_the_token_endpoint() {
    // The app has no certificate registered: Entra ID refuses the assertion (AADSTS700027).
    let unregistered = EmulatorConfig { certificates: Vec::new(), ..tenant() };
    let certificate = [("credential_type", "certificate"), ("client_certificate", TEST_CERTIFICATE_PEM), ("client_private_key", TEST_PRIVATE_KEY_PEM)];
    let refused = connect_with(unregistered, &certificate).await;
    let reply = reads_a_user(&refused).await;
    let body = reply.assert_scim_error(502, None);
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("refused the connector's credentials") && detail.contains("invalid_client"), "{detail}");
    assert!(!detail.contains("PRIVATE KEY"), "{detail}");

    let wrong_header = [
        ("credential_type", "managed_identity"),
        ("managed_identity_endpoint", "{base}/msi/token"),
        ("managed_identity_header", "not-the-platform-header"),
        ("managed_identity_origin", "{base}"),
    ];
    let refused = connect_with(tenant(), &wrong_header).await;
    let reply = reads_a_user(&refused).await;
    let body = reply.assert_scim_error(502, None);
    assert!(!body["detail"].as_str().unwrap().contains("not-the-platform-header"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configuration_that_cannot_sign_in_is_a_500_naming_the_variable() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("credential_type", "password")], "credential_type `password`"),
        (&[("credential_type", "client_secret")], "client_secret is empty"),
        (&[("credential_type", "certificate"), ("client_certificate", TEST_CERTIFICATE_PEM)], "client_private_key is empty"),
        (
            &[("credential_type", "certificate"), ("client_certificate", TEST_CERTIFICATE_PEM), ("client_private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")],
            "client_certificate / client_private_key",
        ),
        (
            &[("credential_type", "certificate"), ("client_certificate", TEST_CERTIFICATE_PEM), ("client_private_key", TEST_PRIVATE_KEY_PEM), ("client_assertion_algorithm", "ES256")],
            "client_assertion_algorithm `ES256`",
        ),
    ];
    for (credential, expected) in cases {
        let connector = connect_with(tenant(), credential).await;
        let reply = reads_a_user(&connector).await;
        let body = reply.assert_scim_error(500, None);
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.starts_with("the connector is not configured") && detail.contains(expected), "{expected}: {detail}");
        assert_eq!(connector.emulator.tokens_issued(), 0, "{expected}: nothing was asked of Entra ID");
    }
}

/// Least privilege holds for identity endpoints too: a managed identity endpoint is called only
/// within `managed_identity_origin` (`localhost` is another origin than the emulator's
/// `127.0.0.1`, though the same server).
#[tokio::test(flavor = "multi_thread")]
async fn a_managed_identity_endpoint_outside_the_allowed_origin_is_not_called() {
    let at_localhost = |origin: &'static str| {
        [("credential_type", "managed_identity"), ("managed_identity_endpoint", "{localhost}/metadata/identity/oauth2/token"), ("managed_identity_origin", origin)]
    };
    let outside = connect_with(tenant(), &at_localhost("{base}")).await;
    let reply = reads_a_user(&outside).await;
    let body = reply.assert_scim_error(502, None);
    assert!(body["detail"].as_str().unwrap().contains("is not among the component's allowed_outbound_hosts"), "{body}");
    assert_eq!(outside.emulator.tokens_issued(), 0);

    let allowed = connect_with(tenant(), &at_localhost("{localhost}")).await;
    assert_eq!(reads_a_user(&allowed).await.status, 200);
    assert_eq!(allowed.emulator.tokens_issued(), 1);
}

/// Requests arriving together at an instance with no token yet wait for its one token request.
/// How many instances serve them is the host's pool policy; each asks Entra ID once, however
/// many requests it serves at a time. (The token endpoint answers slowly here, so that every
/// request arrives while its instance's token is still being fetched.)
#[tokio::test(flavor = "multi_thread")]
async fn simultaneous_requests_share_one_token_request_per_instance() {
    let config = EmulatorConfig { users: 48, groups: 0, faults: Faults { latency_ms: 300, ..Faults::default() }, ..EmulatorConfig::default() };
    let connector = Connector::start_with(config, Limits::default()).await;
    let ids: Vec<String> = connector.emulator.users().iter().map(|u| u["id"].as_str().unwrap().to_string()).collect();

    let requests = ids.iter().map(|id| {
        let connector = &connector;
        async move { connector.get(&format!("/scim/v2/Users/{id}")).await }
    });
    let replies = futures::future::join_all(requests).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    let instances = connector.app.instances_started("users-get");
    let tokens = connector.emulator.tokens_issued();
    assert!(tokens <= instances, "{tokens} token requests from {instances} instances");
    assert!(tokens < ids.len() as u64, "{tokens} token requests for {} requests", ids.len());
}
