//! Where the client talks to and who it is: base URLs, tenant, app registration and its credential.
//! Secrets live here only; `Debug` redacts them so a logged config cannot leak one.

use std::fmt;

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct GraphConfig {
    /// e.g. `https://graph.microsoft.com` (a trailing slash is tolerated); also the token scope's base.
    pub graph_base_url: String,
    /// e.g. `https://login.microsoftonline.com`.
    pub login_base_url: String,
    pub tenant_id: String,
    pub client_id: String,
    pub credential: Credential,
}

impl GraphConfig {
    pub(crate) fn graph_base(&self) -> &str {
        self.graph_base_url.trim_end_matches('/')
    }

    pub(crate) fn login_base(&self) -> &str {
        self.login_base_url.trim_end_matches('/')
    }

    /// The client-credentials scope: every application permission granted on Graph.
    pub(crate) fn scope(&self) -> String {
        format!("{}/.default", self.graph_base())
    }
}

/// How the app proves its identity to the token endpoint. Non-exhaustive so new ways to sign in
/// can be added; each variant decides its own token request (see `token.rs`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    ClientSecret(String),
    /// A certificate registered on the app registration: each token request carries a JWT
    /// signed in-process with its private key, so no secret crosses the network.
    Certificate(CertificateCredential),
    /// The Azure host's managed identity: no credential in configuration at all.
    ManagedIdentity(ManagedIdentity),
    /// A federated credential (workload identity): a token issued by another identity provider
    /// and trusted by the app registration, sent as the client assertion. It expires within
    /// hours, so the caller re-reads it (e.g. the projected token file) when it builds the config.
    FederatedToken(String),
}

impl Credential {
    /// Text that must never appear in an error, so error texts can be scrubbed of it.
    pub(crate) fn secret(&self) -> Option<&str> {
        match self {
            Credential::ClientSecret(secret) | Credential::FederatedToken(secret) => Some(secret),
            Credential::ManagedIdentity(ManagedIdentity::AppService {
                identity_header, ..
            }) => Some(identity_header),
            // The key never leaves the process; only signed assertions do, one per request.
            Credential::Certificate(_)
            | Credential::ManagedIdentity(ManagedIdentity::Imds { .. }) => None,
        }
        .map(String::as_str)
        .filter(|s| !s.is_empty())
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ClientSecret(_) => f.write_str("ClientSecret(<redacted>)"),
            Credential::Certificate(c) => f.debug_tuple("Certificate").field(c).finish(),
            Credential::ManagedIdentity(m) => f.debug_tuple("ManagedIdentity").field(m).finish(),
            Credential::FederatedToken(_) => f.write_str("FederatedToken(<redacted>)"),
        }
    }
}

/// How a certificate credential signs its client assertion. Entra ID accepts both; PS256 is the
/// one Microsoft recommends, RS256 with `x5t` serves older setups and libraries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AssertionAlgorithm {
    /// RSASSA-PSS with SHA-256, the certificate named by `x5t#S256` (SHA-256 thumbprint).
    #[default]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, the certificate named by `x5t` (SHA-1 thumbprint).
    Rs256,
}

/// A certificate and its RSA private key, read and checked once so a bad configuration shows
/// when it is loaded rather than at the first token request.
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateCredential {
    pub(crate) key: rsa::RsaPrivateKey,
    /// The DER certificate: its thumbprints name it to the token endpoint.
    pub(crate) certificate_der: Vec<u8>,
    pub(crate) algorithm: AssertionAlgorithm,
}

impl CertificateCredential {
    /// `private_key_pem`: `BEGIN PRIVATE KEY` (PKCS#8) or `BEGIN RSA PRIVATE KEY` (PKCS#1);
    /// `certificate_pem`: the `BEGIN CERTIFICATE` block registered on the app (the first one
    /// when a chain is given). Encrypted keys are not supported: store the key in a secret variable.
    pub fn from_pem(
        private_key_pem: &str,
        certificate_pem: &str,
        algorithm: AssertionAlgorithm,
    ) -> Result<Self, Error> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let invalid = |message: String| Error::Credential { message };
        let key_pem = private_key_pem.trim();
        let key = if key_pem.contains("BEGIN RSA PRIVATE KEY") {
            rsa::RsaPrivateKey::from_pkcs1_pem(key_pem)
                .map_err(|e| invalid(format!("the PKCS#1 private key cannot be read: {e}")))?
        } else if key_pem.contains("BEGIN PRIVATE KEY") {
            rsa::RsaPrivateKey::from_pkcs8_pem(key_pem)
                .map_err(|e| invalid(format!("the PKCS#8 private key cannot be read: {e}")))?
        } else {
            return Err(invalid(
                "the private key is not an unencrypted PEM RSA key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)".into(),
            ));
        };
        let certificate_der = pem_block(certificate_pem, "CERTIFICATE").ok_or_else(|| {
            invalid("the certificate is not a PEM certificate (BEGIN CERTIFICATE)".into())
        })?;
        Ok(Self {
            key,
            certificate_der,
            algorithm,
        })
    }
}

impl fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("key", &"<redacted>")
            .field(
                "x5t#S256",
                &crate::assertion::thumbprint_sha256(&self.certificate_der),
            )
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

/// The body of the first `-----BEGIN {label}-----` block, base64-decoded.
fn pem_block(pem: &str, label: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = pem.split_once(&begin)?.1.split_once(&end)?.0;
    let text: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .filter(|der| !der.is_empty())
}

/// Where the host's managed identity hands out tokens. Components cannot read environment
/// variables, so the host passes what Azure put there as configuration values.
#[derive(Clone, PartialEq, Eq)]
pub enum ManagedIdentity {
    /// Azure App Service and Functions: `GET {IDENTITY_ENDPOINT}?resource=..&api-version=2019-08-01`
    /// with header `X-IDENTITY-HEADER: {IDENTITY_HEADER}`.
    AppService {
        /// The value of `IDENTITY_ENDPOINT`.
        endpoint: String,
        /// The value of `IDENTITY_HEADER` (a secret rotated by the platform).
        identity_header: String,
        /// A user-assigned identity's client id; `None` for the system-assigned one.
        client_id: Option<String>,
    },
    /// An Azure VM's Instance Metadata Service: `GET {endpoint}?api-version=2018-02-01&resource=..`
    /// with header `Metadata: true`.
    Imds {
        /// Usually [`IMDS_ENDPOINT`]; another value points tests at an emulator.
        endpoint: String,
        client_id: Option<String>,
    },
}

/// The VM Instance Metadata Service's token endpoint (link-local, reachable only from the VM).
pub const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

impl fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagedIdentity::AppService {
                endpoint,
                client_id,
                ..
            } => f
                .debug_struct("AppService")
                .field("endpoint", endpoint)
                .field("identity_header", &"<redacted>")
                .field("client_id", client_id)
                .finish(),
            ManagedIdentity::Imds {
                endpoint,
                client_id,
            } => f
                .debug_struct("Imds")
                .field("endpoint", endpoint)
                .field("client_id", client_id)
                .finish(),
        }
    }
}
