//! Each credential against the emulator's token and managed identity endpoints, and the
//! refusals a real tenant would give: wrong secret, unknown certificate, expired assertion,
//! replayed assertion, wrong identity header.

use std::time::{Duration, SystemTime};

use graph::{
    AssertionAlgorithm, CertificateCredential, Credential, Error, GraphClient, ManagedIdentity,
    TokenCache,
};
use graph_emulator::{
    EmulatorConfig, FederatedCredential, TEST_CERTIFICATE_PEM, TEST_PRIVATE_KEY_PEM, test_federated_token,
};

use crate::{ADELE, Loopback, config, secret, start};

fn certificate(algorithm: AssertionAlgorithm) -> Credential {
    Credential::Certificate(
        CertificateCredential::from_pem(TEST_PRIVATE_KEY_PEM, TEST_CERTIFICATE_PEM, algorithm)
            .unwrap(),
    )
}

fn workload() -> FederatedCredential {
    FederatedCredential {
        issuer: "https://oidc.example/cluster".into(),
        subject: "system:serviceaccount:scim:connector".into(),
        audience: "api://AzureADTokenExchange".into(),
    }
}

#[tokio::test]
async fn every_credential_signs_in_and_reads_graph() {
    let emulator = start(EmulatorConfig {
        users: 5,
        groups: 0,
        federated_credentials: vec![workload()],
        ..EmulatorConfig::default()
    })
    .await;
    let app = emulator.config().client_id.clone();
    let credentials = [
        ("secret", secret(&emulator)),
        ("certificate PS256", certificate(AssertionAlgorithm::Ps256)),
        ("certificate RS256", certificate(AssertionAlgorithm::Rs256)),
        (
            "federated token",
            Credential::FederatedToken(test_federated_token(&workload())),
        ),
        (
            "App Service managed identity",
            Credential::ManagedIdentity(ManagedIdentity::AppService {
                endpoint: format!("{}/msi/token", emulator.base_url()),
                identity_header: emulator.config().identity_header.clone(),
                client_id: Some(app.clone()),
            }),
        ),
        (
            "VM managed identity",
            Credential::ManagedIdentity(ManagedIdentity::Imds {
                endpoint: format!("{}/metadata/identity/oauth2/token", emulator.base_url()),
                client_id: None,
            }),
        ),
    ];
    for (name, credential) in credentials {
        let (transport, config, tokens) = (
            Loopback::new(),
            config(&emulator, credential),
            TokenCache::new(),
        );
        let client = GraphClient::new(&transport, &config, &tokens);
        let user = client
            .get_user(ADELE)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(user.user_principal_name.as_deref(), Some(ADELE), "{name}");
        client.get_user(ADELE).await.unwrap();
        assert_eq!(transport.token_requests(), 1, "{name}: the token is reused");
    }
}

async fn refusal(
    emulator: &graph_emulator::Emulator,
    credential: Credential,
    clock: fn() -> SystemTime,
) -> Error {
    let (transport, config, tokens) = (
        Loopback::new(),
        config(emulator, credential),
        TokenCache::with_clock(clock),
    );
    let error = GraphClient::new(&transport, &config, &tokens)
        .get_user(ADELE)
        .await
        .unwrap_err();
    assert!(
        transport
            .exchanges
            .borrow()
            .iter()
            .all(|e| e.path.contains("token")),
        "Graph is not asked without a token"
    );
    error
}

fn assert_refused(error: &Error, status: u16, code: &str) {
    match error {
        Error::Token {
            status: s,
            description,
            ..
        } => {
            assert_eq!(*s, status, "{error}");
            assert!(description.starts_with(code), "{error}");
        }
        other => panic!("expected a token refusal, got {other:?}"),
    }
}

fn hour_ago() -> SystemTime {
    SystemTime::now() - Duration::from_secs(3600)
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_entra_ids_reasons() {
    let emulator = start(EmulatorConfig {
        users: 1,
        groups: 0,
        ..EmulatorConfig::default()
    })
    .await;

    let wrong_secret = refusal(
        &emulator,
        Credential::ClientSecret("nope".into()),
        SystemTime::now,
    )
    .await;
    assert_refused(
        &wrong_secret,
        401,
        "AADSTS7000215: Invalid client secret provided.",
    );

    let unregistered = Credential::Certificate(
        CertificateCredential::from_pem(
            include_str!("../fixtures/unregistered-key.pem"),
            include_str!("../fixtures/unregistered-certificate.pem"),
            AssertionAlgorithm::Ps256,
        )
        .unwrap(),
    );
    let unknown = refusal(&emulator, unregistered, SystemTime::now).await;
    assert_refused(
        &unknown,
        401,
        "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found.",
    );

    // A client whose clock is an hour behind signs an assertion that expired 50 minutes ago.
    let expired = refusal(&emulator, certificate(AssertionAlgorithm::Ps256), hour_ago).await;
    assert_refused(
        &expired,
        401,
        "AADSTS700024: Client assertion is not within its valid time range.",
    );

    let wrong_header = Credential::ManagedIdentity(ManagedIdentity::AppService {
        endpoint: format!("{}/msi/token", emulator.base_url()),
        identity_header: "stolen?".into(),
        client_id: None,
    });
    let refused = refusal(&emulator, wrong_header, SystemTime::now).await;
    assert!(
        matches!(refused, Error::Token { status: 401, .. }),
        "{refused:?}"
    );
    assert!(!refused.to_string().contains("stolen?"));
}

#[tokio::test]
async fn a_replayed_assertion_is_refused() {
    let emulator = start(EmulatorConfig {
        users: 1,
        groups: 0,
        ..EmulatorConfig::default()
    })
    .await;
    // Record the token request the client sends, then send the very same body again.
    struct Recording {
        inner: Loopback,
        body: std::cell::RefCell<Option<http::Request<Vec<u8>>>>,
    }
    impl graph::Transport for Recording {
        async fn send(
            &self,
            request: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, graph::TransportError> {
            if request.uri().path().ends_with("/token") {
                let mut copy = http::Request::post(request.uri().clone())
                    .body(request.body().clone())
                    .unwrap();
                *copy.headers_mut() = request.headers().clone();
                *self.body.borrow_mut() = Some(copy);
            }
            self.inner.send(request).await
        }
    }
    let transport = Recording {
        inner: Loopback::new(),
        body: Default::default(),
    };
    let (config, tokens) = (
        config(&emulator, certificate(AssertionAlgorithm::Ps256)),
        TokenCache::new(),
    );
    GraphClient::new(&transport, &config, &tokens)
        .get_user(ADELE)
        .await
        .unwrap();

    let replay = transport.body.borrow_mut().take().unwrap();
    let answer = graph::Transport::send(&transport.inner, replay)
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("has already been used"),
        "{body}"
    );
}

#[tokio::test]
async fn fifty_concurrent_calls_on_a_cold_instance_make_one_token_request() {
    let emulator = start(EmulatorConfig {
        users: 60,
        groups: 0,
        ..EmulatorConfig::default()
    })
    .await;
    let (transport, config, tokens) = (
        Loopback::new(),
        config(&emulator, certificate(AssertionAlgorithm::Ps256)),
        TokenCache::new(),
    );
    let client = GraphClient::new(&transport, &config, &tokens);
    let users: Vec<String> = emulator
        .users()
        .iter()
        .take(50)
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    let results = futures::future::join_all(users.iter().map(|id| client.get_user(id))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(transport.token_requests(), 1);
}
