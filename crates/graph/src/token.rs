//! App-only tokens: the client-credentials request to the Microsoft identity platform and a cache
//! that reuses a token until shortly before it expires. One component instance is one thread, so
//! the cache uses a `RefCell`; it is never borrowed across an `.await`.

use std::cell::RefCell;
use std::fmt;
use std::time::{Duration, SystemTime};

use crate::config::{Credential, GraphConfig};
use crate::error::{Error, excerpt};
use crate::percent;
use crate::transport::Transport;

/// How long before expiry a token is replaced, so a request never leaves with a token that lapses
/// in flight. Capped at half the lifetime so short-lived tokens (an emulator's) still get reused.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Access tokens live about an hour; nothing legitimate claims more than a day.
const MAX_LIFETIME_SECS: u64 = 86_400;

pub struct TokenCache {
    cached: RefCell<Option<CachedToken>>,
    now: fn() -> SystemTime,
}

struct CachedToken {
    /// Which tenant, app and scope the token is for: a cache shared by mistake across configs
    /// must not hand one app's token to another.
    key: String,
    access_token: String,
    refresh_at: SystemTime,
}

impl TokenCache {
    pub fn new() -> Self {
        Self::with_clock(SystemTime::now)
    }

    /// A cache reading time from `now` instead of the system clock (tests, hosts with their own clock).
    pub fn with_clock(now: fn() -> SystemTime) -> Self {
        Self {
            cached: RefCell::new(None),
            now,
        }
    }

    /// Forgets the cached token, e.g. after Graph rejected it.
    pub fn clear(&self) {
        self.cached.borrow_mut().take();
    }

    fn get(&self, key: &str) -> Option<String> {
        let cached = self.cached.borrow();
        let token = cached.as_ref()?;
        (token.key == key && (self.now)() < token.refresh_at).then(|| token.access_token.clone())
    }

    fn store(&self, key: String, access_token: String, expires_in: u64) {
        // Capped so a nonsense expires_in cannot overflow the clock arithmetic.
        let lifetime = Duration::from_secs(expires_in.min(MAX_LIFETIME_SECS));
        let refresh_at = (self.now)() + lifetime - REFRESH_MARGIN.min(lifetime / 2);
        *self.cached.borrow_mut() = Some(CachedToken {
            key,
            access_token,
            refresh_at,
        });
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.cached.borrow();
        f.debug_struct("TokenCache")
            .field("token", &cached.as_ref().map(|_| "<redacted>"))
            .field("refresh_at", &cached.as_ref().map(|t| t.refresh_at))
            .finish()
    }
}

fn cache_key(config: &GraphConfig) -> String {
    format!(
        "{}|{}|{}",
        config.tenant_id,
        config.client_id,
        config.scope()
    )
}

/// A bearer token for Graph: the cached one if still fresh, else a new one from the token endpoint.
pub(crate) async fn bearer_token<T: Transport>(
    transport: &T,
    config: &GraphConfig,
    cache: &TokenCache,
) -> Result<String, Error> {
    let key = cache_key(config);
    if let Some(token) = cache.get(&key) {
        return Ok(token);
    }
    let response = transport.send(token_request(config)).await?;
    let (access_token, expires_in) = read_token_response(config, &response)?;
    cache.store(key, access_token.clone(), expires_in);
    Ok(access_token)
}

/// `POST {login}/{tenant}/oauth2/v2.0/token` with the client-credentials grant.
fn token_request(config: &GraphConfig) -> http::Request<Vec<u8>> {
    let mut form = vec![
        ("client_id", config.client_id.clone()),
        ("scope", config.scope()),
        ("grant_type", "client_credentials".to_string()),
    ];
    match &config.credential {
        Credential::ClientSecret(secret) => form.push(("client_secret", secret.clone())),
    }
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", percent::form_value(v)))
        .collect::<Vec<_>>()
        .join("&");
    let uri = format!(
        "{}/{}/oauth2/v2.0/token",
        config.login_base(),
        percent::path_segment(&config.tenant_id)
    );
    http::Request::post(uri)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(body.into_bytes())
        .expect("token request from a valid URI")
}

fn read_token_response(
    config: &GraphConfig,
    response: &http::Response<Vec<u8>>,
) -> Result<(String, u64), Error> {
    let status = response.status();
    let json: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
    let field = |name: &str| json.as_ref().and_then(|j| j.get(name));
    // The identity platform never echoes the secret, but a proxy's error page might: scrub anyway.
    let scrub = |s: String| {
        let secret = config.credential.secret();
        if secret.is_empty() {
            s
        } else {
            s.replace(secret, "<redacted>")
        }
    };

    if !status.is_success() {
        let text = |name: &str| field(name).and_then(|v| v.as_str()).map(str::to_string);
        return Err(Error::Token {
            status: status.as_u16(),
            error: scrub(
                text("error")
                    .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string()),
            ),
            description: scrub(
                text("error_description").unwrap_or_else(|| excerpt(response.body())),
            ),
        });
    }
    let decode = |message: &str| Error::Decode {
        context: "token response".into(),
        message: message.into(),
    };
    let access_token = field("access_token")
        .and_then(|v| v.as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| decode("no access_token"))?;
    // Managed identity endpoints send expires_in as a string; a missing one means "do not reuse".
    let expires_in = match field("expires_in") {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => Some(0),
    }
    .ok_or_else(|| decode("expires_in is not a number of seconds"))?;
    Ok((access_token.to_string(), expires_in))
}
