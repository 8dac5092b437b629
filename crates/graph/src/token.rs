//! App-only tokens: the request each credential makes (client credentials with a secret or a
//! signed assertion, or the host's managed identity endpoint) and a cache that reuses a token
//! until shortly before it expires, fetching it once however many requests wait for it. One
//! component instance is one thread, so the cache uses `Cell`s; none is borrowed across an `.await`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use crate::assertion;
use crate::config::{Credential, GraphConfig, ManagedIdentity};
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
    /// Set while one caller fetches a token: the others wait for its outcome rather than ask
    /// the token endpoint too (a burst of requests on a cold instance is one token request).
    acquiring: Cell<bool>,
    waiting: RefCell<Vec<Waker>>,
    /// Counts finished (or abandoned) acquisitions, so a waiter knows whether a failure is the
    /// one it waited for.
    acquisitions: Cell<u64>,
    last_failure: RefCell<Option<(u64, Error)>>,
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
            acquiring: Cell::new(false),
            waiting: RefCell::new(Vec::new()),
            acquisitions: Cell::new(0),
            last_failure: RefCell::new(None),
        }
    }

    /// The clock the cache reads: also the client's for assertions and Retry-After dates.
    pub(crate) fn now(&self) -> SystemTime {
        (self.now)()
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

/// A bearer token for Graph: the cached one if still fresh, else the outcome of the one
/// acquisition in flight, else a new one from the credential's token endpoint.
pub(crate) async fn bearer_token<T: Transport>(
    transport: &T,
    config: &GraphConfig,
    cache: &TokenCache,
) -> Result<String, Error> {
    let key = cache_key(config);
    loop {
        if let Some(token) = cache.get(&key) {
            return Ok(token);
        }
        if cache.acquiring.get() {
            let awaited = cache.acquisitions.get() + 1;
            if !acquisition_done(transport, cache).await {
                // This caller cannot wait for the other: it fetches a token of its own.
                let (access_token, expires_in) = fetch_token(transport, config, cache).await?;
                cache.store(key, access_token.clone(), expires_in);
                return Ok(access_token);
            }
            if let Some(token) = cache.get(&key) {
                return Ok(token);
            }
            if let Some((n, error)) = cache.last_failure.borrow().as_ref()
                && *n == awaited
            {
                return Err(error.clone());
            }
            // The acquisition was abandoned (its caller went away) or was for another config.
            continue;
        }
        let acquisition = Acquisition::start(cache);
        let outcome = fetch_token(transport, config, cache).await;
        return match outcome {
            Ok((access_token, expires_in)) => {
                cache.store(key, access_token.clone(), expires_in);
                acquisition.finish(None);
                Ok(access_token)
            }
            Err(error) => {
                acquisition.finish(Some(error.clone()));
                Err(error)
            }
        };
    }
}

/// The one acquisition in flight. Dropping it (finished or abandoned) wakes every waiter.
struct Acquisition<'c> {
    cache: &'c TokenCache,
}

impl<'c> Acquisition<'c> {
    fn start(cache: &'c TokenCache) -> Self {
        cache.acquiring.set(true);
        Self { cache }
    }

    fn finish(self, failure: Option<Error>) {
        let n = self.cache.acquisitions.get() + 1;
        *self.cache.last_failure.borrow_mut() = failure.map(|e| (n, e));
    }
}

impl Drop for Acquisition<'_> {
    fn drop(&mut self) {
        self.cache
            .acquisitions
            .set(self.cache.acquisitions.get() + 1);
        self.cache.acquiring.set(false);
        for waker in self.cache.waiting.take() {
            waker.wake();
        }
    }
}

/// How often a caller that cannot be woken by another task looks again for the token.
const ACQUISITION_POLL: Duration = Duration::from_millis(5);

/// Waits until no acquisition is in flight: woken by it where the transport's runtime delivers
/// wakeups between tasks, else looking again every few milliseconds on the transport's timer.
/// `false` when the transport can do neither.
async fn acquisition_done<T: Transport>(transport: &T, cache: &TokenCache) -> bool {
    if transport.wakes_other_tasks() {
        AcquisitionDone { cache }.await;
        return true;
    }
    while cache.acquiring.get() {
        if transport.sleep(ACQUISITION_POLL).await.is_err() {
            return false;
        }
    }
    true
}

/// Ready once no acquisition is in flight.
struct AcquisitionDone<'c> {
    cache: &'c TokenCache,
}

impl Future for AcquisitionDone<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.cache.acquiring.get() {
            self.cache.waiting.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

async fn fetch_token<T: Transport>(
    transport: &T,
    config: &GraphConfig,
    cache: &TokenCache,
) -> Result<(String, u64), Error> {
    let request = token_request(config, cache.now())?;
    let response = transport.send(request).await?;
    read_token_response(config, &response, cache.now())
}

/// The client-credentials request (`POST {login}/{tenant}/oauth2/v2.0/token`) or the managed
/// identity endpoint's `GET`, as the credential requires.
fn token_request(config: &GraphConfig, now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
    let token_url = format!(
        "{}/{}/oauth2/v2.0/token",
        config.login_base(),
        percent::path_segment(&config.tenant_id)
    );
    let mut form = vec![
        ("client_id", config.client_id.clone()),
        ("scope", config.scope()),
        ("grant_type", "client_credentials".to_string()),
    ];
    match &config.credential {
        Credential::ClientSecret(secret) => form.push(("client_secret", secret.clone())),
        Credential::Certificate(certificate) => {
            let jwt = assertion::client_assertion(certificate, &token_url, &config.client_id, now)?;
            form.push(("client_assertion_type", assertion::JWT_BEARER.to_string()));
            form.push(("client_assertion", jwt));
        }
        Credential::FederatedToken(token) => {
            form.push(("client_assertion_type", assertion::JWT_BEARER.to_string()));
            form.push(("client_assertion", token.trim().to_string()));
        }
        Credential::ManagedIdentity(identity) => return managed_identity_request(config, identity),
    }
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", percent::form_value(v)))
        .collect::<Vec<_>>()
        .join("&");
    Ok(http::Request::post(token_url)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(body.into_bytes())
        .expect("token request from a valid URI"))
}

/// Managed identity endpoints take the resource (Graph's base URL), not a scope.
fn managed_identity_request(
    config: &GraphConfig,
    identity: &ManagedIdentity,
) -> Result<http::Request<Vec<u8>>, Error> {
    let (endpoint, api_version, client_id, header) = match identity {
        ManagedIdentity::AppService {
            endpoint,
            identity_header,
            client_id,
        } => (
            endpoint,
            "2019-08-01",
            client_id,
            ("X-IDENTITY-HEADER", identity_header.as_str()),
        ),
        ManagedIdentity::Imds {
            endpoint,
            client_id,
        } => (endpoint, "2018-02-01", client_id, ("Metadata", "true")),
    };
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    let mut uri = format!(
        "{endpoint}{separator}api-version={api_version}&resource={}",
        percent::query_value(config.graph_base())
    );
    if let Some(client_id) = client_id {
        uri.push_str("&client_id=");
        uri.push_str(&percent::query_value(client_id));
    }
    http::Request::get(uri)
        .header(header.0, header.1)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|_| Error::Credential {
            message: format!("the managed identity endpoint {endpoint:?} is not a URL"),
        })
}

fn read_token_response(
    config: &GraphConfig,
    response: &http::Response<Vec<u8>>,
    now: SystemTime,
) -> Result<(String, u64), Error> {
    let status = response.status();
    let json: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
    let field = |name: &str| json.as_ref().and_then(|j| j.get(name));
    // The identity platform never echoes the secret, but a proxy's error page might: scrub anyway.
    let scrub = |s: String| match config.credential.secret() {
        Some(secret) => s.replace(secret, "<redacted>"),
        None => s,
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
    // Managed identity endpoints send numbers as strings, and App Service only `expires_on`
    // (Unix seconds); neither means "do not reuse".
    let seconds = |name: &str| match field(name) {
        Some(serde_json::Value::Number(n)) => Some(n.as_u64()),
        Some(serde_json::Value::String(s)) => Some(s.trim().parse().ok()),
        _ => None,
    };
    let expires_in = match (seconds("expires_in"), seconds("expires_on")) {
        (Some(expires_in), _) => expires_in,
        (None, Some(expires_on)) => {
            let now = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            expires_on.map(|at| at.saturating_sub(now))
        }
        (None, None) => Some(0),
    }
    .ok_or_else(|| decode("expires_in is not a number of seconds"))?;
    Ok((access_token.to_string(), expires_in))
}
