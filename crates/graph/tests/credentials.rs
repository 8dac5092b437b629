//! Each credential's token request against a fake transport: the client assertion a certificate
//! signs (format, thumbprints, claims, signature), federated tokens, and the managed identity
//! endpoints of App Service and Azure VMs.

mod support;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use graph::{
    AssertionAlgorithm, CertificateCredential, Credential, Error, GraphClient, GraphConfig,
    ManagedIdentity, TokenCache,
};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::Verifier;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{FakeTransport, block_on, config};

// A test-only key pair with a self-signed certificate, registered nowhere.
const KEY_PEM: &str = include_str!("fixtures/unregistered-key.pem");
const CERT_PEM: &str = include_str!("fixtures/unregistered-certificate.pem");
const TOKEN_URL: &str = "https://login.example/tenant-1/oauth2/v2.0/token";

fn certificate_config(algorithm: AssertionAlgorithm) -> GraphConfig {
    let credential = CertificateCredential::from_pem(KEY_PEM, CERT_PEM, algorithm).unwrap();
    GraphConfig {
        credential: Credential::Certificate(credential),
        ..config()
    }
}

fn form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            let v = v.replace('+', " ");
            let bytes = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            (k.to_string(), String::from_utf8(out).unwrap())
        })
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn certificate_der() -> Vec<u8> {
    let body: String = CERT_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    STANDARD.decode(body).unwrap()
}

fn json_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Fetches one token with `config` and returns the token request's form.
fn token_form(config: &GraphConfig) -> Vec<(String, String)> {
    let transport = FakeTransport::new();
    transport.token(3600).reply(204, &[], "");
    let tokens = TokenCache::with_clock(support::now);
    block_on(GraphClient::new(&transport, config, &tokens).delete_user("u")).unwrap();
    let requests = transport.requests.borrow();
    assert_eq!(requests[0].uri, TOKEN_URL);
    form(&requests[0].body_text())
}

#[test]
fn certificate_assertion_is_a_ps256_jwt_naming_the_certificate_by_sha256_thumbprint() {
    let config = certificate_config(AssertionAlgorithm::default());
    let form = token_form(&config);
    assert_eq!(field(&form, "client_secret"), None);
    assert_eq!(field(&form, "client_id"), Some("client-1"));
    assert_eq!(field(&form, "grant_type"), Some("client_credentials"));
    assert_eq!(
        field(&form, "client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    let jwt = field(&form, "client_assertion").unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);

    let header = json_part(parts[0]);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(
        header["x5t#S256"],
        URL_SAFE_NO_PAD.encode(Sha256::digest(certificate_der()))
    );
    assert!(header.get("x5t").is_none());

    let claims = json_part(parts[1]);
    let now = 1_700_000_000u64;
    assert_eq!(
        claims,
        json!({
            "aud": TOKEN_URL, "iss": "client-1", "sub": "client-1",
            "jti": claims["jti"], "nbf": now, "iat": now, "exp": now + 600,
        })
    );
    assert_eq!(claims["jti"].as_str().unwrap().len(), 36);

    let key = rsa::RsaPrivateKey::from_pkcs1_pem(KEY_PEM).unwrap();
    let verifying = rsa::pss::VerifyingKey::<Sha256>::new(key.to_public_key());
    let signature =
        rsa::pss::Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice())
            .unwrap();
    verifying
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("a PS256 signature by the certificate's key");
}

#[test]
fn rs256_assertion_names_the_certificate_by_sha1_thumbprint() {
    let config = certificate_config(AssertionAlgorithm::Rs256);
    let form = token_form(&config);
    let jwt = field(&form, "client_assertion").unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let header = json_part(parts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(
        header["x5t"],
        URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(certificate_der()))
    );
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(KEY_PEM).unwrap();
    let verifying = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.to_public_key());
    let signature =
        rsa::pkcs1v15::Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice())
            .unwrap();
    verifying
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("an RS256 signature by the certificate's key");
}

#[test]
fn each_token_request_signs_a_new_assertion_with_a_new_jti() {
    let config = certificate_config(AssertionAlgorithm::Ps256);
    let jti = |form: &[(String, String)]| {
        let jwt = field(form, "client_assertion").unwrap().to_string();
        json_part(jwt.split('.').nth(1).unwrap())["jti"].clone()
    };
    assert_ne!(jti(&token_form(&config)), jti(&token_form(&config)));
}

#[test]
fn pkcs8_keys_are_read_and_bad_material_is_a_credential_error_that_quotes_none_of_it() {
    let pkcs8 = {
        use rsa::pkcs8::EncodePrivateKey;
        rsa::RsaPrivateKey::from_pkcs1_pem(KEY_PEM)
            .unwrap()
            .to_pkcs8_pem(Default::default())
            .unwrap()
    };
    CertificateCredential::from_pem(&pkcs8, CERT_PEM, AssertionAlgorithm::Ps256).unwrap();

    let garbled = KEY_PEM.replacen("MII", "XXX", 1);
    for (key, cert) in [
        (garbled.as_str(), CERT_PEM),
        ("not a key", CERT_PEM),
        (
            KEY_PEM,
            "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----",
        ),
        (KEY_PEM, KEY_PEM),
    ] {
        let err =
            CertificateCredential::from_pem(key, cert, AssertionAlgorithm::Ps256).unwrap_err();
        assert!(matches!(err, Error::Credential { .. }), "{err:?}");
        let text = err.to_string();
        assert!(!text.contains("MII") && !text.contains("XXX"), "{text}");
    }
    let debug = format!("{:?}", certificate_config(AssertionAlgorithm::Ps256));
    assert!(
        debug.contains("<redacted>") && !debug.contains("MII"),
        "{debug}"
    );
}

#[test]
fn federated_token_is_sent_as_the_client_assertion() {
    let config = GraphConfig {
        credential: Credential::FederatedToken("eyJ.federated.token\n".into()),
        ..config()
    };
    let form = token_form(&config);
    assert_eq!(
        field(&form, "client_assertion"),
        Some("eyJ.federated.token")
    );
    assert_eq!(
        field(&form, "client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert!(!format!("{config:?}").contains("federated.token"));
}

#[test]
fn app_service_managed_identity_asks_its_endpoint_with_the_identity_header() {
    let config = GraphConfig {
        credential: Credential::ManagedIdentity(ManagedIdentity::AppService {
            endpoint: "http://localhost:4141/msi/token".into(),
            identity_header: "header-secret".into(),
            client_id: Some("user-assigned-1".into()),
        }),
        ..config()
    };
    let transport = FakeTransport::new();
    // App Service answers expires_on (Unix seconds) as a string and no expires_in.
    transport.token_reply(Ok(support::response(
        200,
        &[],
        json!({"access_token": "mi-token", "expires_on": "1700003600", "resource": "https://graph.example", "token_type": "Bearer"}).to_string(),
    )));
    transport.reply(204, &[], "").reply(204, &[], "");
    let tokens = TokenCache::with_clock(support::now);
    let client = GraphClient::new(&transport, &config, &tokens);
    block_on(client.delete_user("a")).unwrap();
    support::advance(std::time::Duration::from_secs(3000)); // 10 min before expiry: reused
    block_on(client.delete_user("b")).unwrap();
    assert_eq!(transport.token_request_count(), 1);
    let requests = transport.requests.borrow();
    let token = &requests[0];
    assert_eq!(token.method, "GET");
    assert_eq!(
        token.uri,
        "http://localhost:4141/msi/token?api-version=2019-08-01&resource=https:%2F%2Fgraph.example&client_id=user-assigned-1"
    );
    assert_eq!(token.header("x-identity-header"), Some("header-secret"));
    assert_eq!(requests[1].header("authorization"), Some("Bearer mi-token"));
    assert!(!format!("{config:?}").contains("header-secret"));
}

#[test]
fn vm_managed_identity_asks_imds_with_the_metadata_header() {
    let config = GraphConfig {
        credential: Credential::ManagedIdentity(ManagedIdentity::Imds {
            endpoint: graph::IMDS_ENDPOINT.into(),
            client_id: None,
        }),
        ..config()
    };
    let transport = FakeTransport::new();
    transport.token_reply(Ok(support::response(
        400,
        &[],
        json!({"error": "invalid_request", "error_description": "Identity not found"}).to_string(),
    )));
    let tokens = TokenCache::with_clock(support::now);
    let err =
        block_on(GraphClient::new(&transport, &config, &tokens).delete_user("a")).unwrap_err();
    assert_eq!(
        err,
        Error::Token {
            status: 400,
            error: "invalid_request".into(),
            description: "Identity not found".into()
        }
    );
    let token = transport.last();
    assert_eq!(
        token.uri,
        "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https:%2F%2Fgraph.example"
    );
    assert_eq!(token.header("metadata"), Some("true"));
}
