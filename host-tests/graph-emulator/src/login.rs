//! The Entra ID token endpoint (`POST /{tenant}/oauth2/v2.0/token`, client credentials with a
//! secret or a client assertion) and the store of issued access tokens that every Graph request
//! is checked against. Errors use the AADSTS codes Entra ID returns for the same mistakes.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::{Value, json};

use crate::EmulatorConfig;
use crate::clock;
use crate::codec;
use crate::credentials::Credentials;
use crate::error::{GraphError, LoginError};
use crate::odata;
use crate::prng;
use crate::tenant::DOMAIN;

/// Entra ID's usual lifetime for app-only tokens (it answers 3599 for the first hour).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3599);

/// Issued tokens and when they expire.
#[derive(Debug)]
pub struct TokenStore {
    tokens: RwLock<HashMap<String, Instant>>,
    /// Access tokens issued so far, by the token and managed identity endpoints.
    issued: AtomicU64,
    /// Token randomness: not security (this is a test double), just unguessable in practice.
    counter: AtomicU64,
    salt: u64,
}

impl TokenStore {
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let salt = prng::mix(nanos ^ (std::process::id() as u64) << 32);
        TokenStore {
            tokens: RwLock::new(HashMap::new()),
            issued: AtomicU64::new(0),
            counter: AtomicU64::new(1),
            salt,
        }
    }

    fn random(&self) -> u64 {
        prng::mix(
            self.salt
                ^ self
                    .counter
                    .fetch_add(1, Ordering::Relaxed)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15),
        )
    }

    /// Issues a JWT-shaped token (clients that peek at claims find the usual ones) and
    /// remembers it.
    pub fn issue(&self, config: &EmulatorConfig, resource: &str) -> String {
        let now = clock::unix_now();
        let header = json!({ "typ": "JWT", "alg": "RS256", "kid": "graph-emulator" });
        let claims = json!({
            "aud": resource,
            "iss": format!("https://sts.windows.net/{}/", config.tenant_id),
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME.as_secs(),
            "appid": config.client_id,
            "idtyp": "app",
            "oid": service_principal_id(config),
            "roles": ["User.ReadWrite.All", "Directory.Read.All"],
            "tid": config.tenant_id,
            "uti": codec::base64url_encode(&self.random().to_le_bytes()),
            "ver": "1.0",
        });
        let signature: Vec<u8> = (0..4).flat_map(|_| self.random().to_le_bytes()).collect();
        let token = format!(
            "{}.{}.{}",
            codec::base64url_encode(header.to_string().as_bytes()),
            codec::base64url_encode(claims.to_string().as_bytes()),
            codec::base64url_encode(&signature)
        );
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Forget expired tokens now and then, so long runs do not grow without bound.
        if tokens.len() > 1024 {
            tokens.retain(|_, expiry| *expiry > now);
        }
        tokens.insert(token.clone(), now + TOKEN_LIFETIME);
        self.issued.fetch_add(1, Ordering::Relaxed);
        token
    }

    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }

    /// Checks an `Authorization` header value the way Graph does, with Graph's messages.
    pub fn check(&self, authorization: Option<&str>) -> Result<(), GraphError> {
        let value = authorization.map(str::trim).unwrap_or("");
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ if value.is_empty() || value.eq_ignore_ascii_case("bearer") => "",
            _ => {
                return Err(GraphError::unauthenticated(
                    "CompactToken parsing failed with error code: 80049217",
                ));
            }
        };
        if token.is_empty() {
            return Err(GraphError::unauthenticated("Access token is empty."));
        }
        let expiry = self
            .tokens
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .copied();
        match expiry {
            Some(expiry) if expiry > Instant::now() => Ok(()),
            Some(_) => Err(GraphError::unauthenticated(
                "Lifetime validation failed, the token is expired.",
            )),
            None if token.split('.').count() == 3 => Err(GraphError::unauthenticated(
                "Access token validation failure. Invalid audience.",
            )),
            None => Err(GraphError::unauthenticated(
                "CompactToken parsing failed with error code: 80049217",
            )),
        }
    }

    #[cfg(test)]
    fn expire_all(&self) {
        let past = Instant::now() - Duration::from_secs(1);
        for expiry in self.tokens.write().unwrap().values_mut() {
            *expiry = past;
        }
    }
}

/// The object id of the configured app's service principal: the `oid` of its tokens and the
/// `initiatedBy` of its changes in the audit log. Derived from the client id, so stable.
pub fn service_principal_id(config: &EmulatorConfig) -> String {
    let hash = odata::fnv1a(config.client_id.to_lowercase().as_bytes());
    prng::format_guid(prng::mix(hash), prng::mix(hash ^ 1))
}

/// Handles a token request body for `tenant` (the path segment). On success returns the
/// JSON body Entra ID sends.
pub fn token_request(
    config: &EmulatorConfig,
    credentials: &Credentials,
    store: &TokenStore,
    tenant: &str,
    body: &[u8],
) -> Result<Value, LoginError> {
    let text = String::from_utf8_lossy(body);
    let form = codec::parse_pairs(&text);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let missing = |name: &str| {
        LoginError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    };

    let known_tenant =
        tenant.eq_ignore_ascii_case(&config.tenant_id) || tenant.eq_ignore_ascii_case(DOMAIN);
    if !known_tenant {
        let (code, text) = if prng::looks_like_guid(tenant) || tenant.contains('.') {
            (
                90002,
                format!(
                    "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
                ),
            )
        } else {
            (
                900023,
                format!(
                    "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain."
                ),
            )
        };
        return Err(LoginError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            code,
            text,
        ));
    }
    let grant_type = field("grant_type").ok_or_else(|| missing("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(LoginError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    let client_id = field("client_id").ok_or_else(|| missing("client_id"))?;
    if !client_id.eq_ignore_ascii_case(&config.client_id) {
        return Err(LoginError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        ));
    }
    let scope = field("scope").ok_or_else(|| missing("scope"))?;
    let resource = match scope.trim().strip_suffix("/.default") {
        Some(resource) if !resource.is_empty() && !scope.trim().contains(' ') => resource,
        _ => {
            return Err(LoginError::new(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                1002012,
                format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            ));
        }
    };
    match (field("client_secret"), field("client_assertion")) {
        (Some(secret), _) if secret != config.client_secret => {
            return Err(LoginError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    config.client_id
                ),
            ));
        }
        (Some(_), _) => {}
        (None, Some(assertion)) => {
            credentials.check_assertion(field("client_assertion_type"), assertion)?
        }
        (None, None) => {
            return Err(LoginError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            ));
        }
    }
    let access_token = store.issue(config, resource);
    let lifetime = TOKEN_LIFETIME.as_secs();
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(secret: &str) -> String {
        let config = EmulatorConfig::default();
        format!(
            "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
            config.client_id, secret
        )
    }

    fn credentials() -> Credentials {
        Credentials::new(&EmulatorConfig::default(), "http://127.0.0.1:1")
    }

    #[test]
    fn issues_tokens_that_the_store_accepts_until_they_expire() {
        let config = EmulatorConfig::default();
        let store = TokenStore::new();
        let body = token_request(
            &config,
            &credentials(),
            &store,
            &config.tenant_id,
            form(&config.client_secret).as_bytes(),
        )
        .unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3599);
        let token = body["access_token"].as_str().unwrap();
        assert_eq!(token.split('.').count(), 3);
        store.check(Some(&format!("Bearer {token}"))).unwrap();
        store.check(Some(&format!("bearer {token}"))).unwrap();
        let second = token_request(
            &config,
            &credentials(),
            &store,
            DOMAIN,
            form(&config.client_secret).as_bytes(),
        )
        .unwrap();
        assert_ne!(second["access_token"], body["access_token"]);

        assert_eq!(
            store.check(None).unwrap_err().message,
            "Access token is empty."
        );
        assert_eq!(
            store.check(Some("Bearer ")).unwrap_err().message,
            "Access token is empty."
        );
        assert!(
            store
                .check(Some("Bearer nope"))
                .unwrap_err()
                .message
                .contains("CompactToken")
        );
        assert!(store.check(Some("Basic abc")).is_err());
        assert!(store.check(Some("Bearer a.b.c")).is_err());
        store.expire_all();
        assert!(
            store
                .check(Some(&format!("Bearer {token}")))
                .unwrap_err()
                .message
                .contains("expired")
        );
    }

    #[test]
    fn rejects_like_entra_id() {
        let config = EmulatorConfig::default();
        let store = TokenStore::new();
        let credentials = credentials();
        let err = token_request(
            &config,
            &credentials,
            &store,
            &config.tenant_id,
            form("wrong").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            (err.status, err.error, err.aadsts),
            (StatusCode::UNAUTHORIZED, "invalid_client", 7000215)
        );
        let body = err.body("t", "c");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS7000215: Invalid client secret provided.")
        );
        assert_eq!(body["error_codes"], json!([7000215]));

        let err = token_request(
            &config,
            &credentials,
            &store,
            "00000000-0000-4000-8000-000000000000",
            form("x").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.aadsts, 90002);
        let err = token_request(
            &config,
            &credentials,
            &store,
            &config.tenant_id,
            b"client_id=x",
        )
        .unwrap_err();
        assert_eq!((err.error, err.aadsts), ("invalid_request", 900144));
        let err = token_request(
            &config,
            &credentials,
            &store,
            &config.tenant_id,
            b"grant_type=password",
        )
        .unwrap_err();
        assert_eq!(err.error, "unsupported_grant_type");
        let err = token_request(
            &config,
            &credentials,
            &store,
            &config.tenant_id,
            b"grant_type=client_credentials&client_id=other",
        )
        .unwrap_err();
        assert_eq!(err.error, "unauthorized_client");
        let bad_scope = form(&config.client_secret).replace("%2F.default", "%2FUser.Read");
        let err = token_request(
            &config,
            &credentials,
            &store,
            &config.tenant_id,
            bad_scope.as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.error, "invalid_scope");
        let no_secret = form("").replace("client_secret=&", "");
        let err = token_request(
            &config,
            &credentials,
            &store,
            &config.tenant_id,
            no_secret.as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.aadsts, 7000216);
    }
}
