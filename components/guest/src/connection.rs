//! The component's link to Microsoft Graph: configuration from Spin variables, HTTP over
//! `wasi:http` (so Spin's `allowed_outbound_hosts` applies), and an app-token cache that lives as
//! long as the component instance, shared by the requests it serves.

use graph::{Credential, GraphClient, GraphConfig, TokenCache, Transport, TransportError};
use scim::error::ScimError;
use scim_graph::UserNames;
use spin_sdk::http::FullBody;
use spin_sdk::http::body::IncomingBodyExt;
use graph::{RetryNotice, RetryPolicy};
use spin_sdk::wasip3::clocks::monotonic_clock;
use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

/// A Graph exchange that takes longer is abandoned (and retried when the call is idempotent).
const GRAPH_EXCHANGE_TIMEOUT: Duration = Duration::from_secs(20);

/// What a SCIM request may spend waiting out Graph's throttling before it answers 429/503
/// itself, with Graph's `Retry-After`: well inside the host's 30 s request deadline.
const RETRY_BUDGET: Duration = Duration::from_secs(10);

thread_local! {
    // One instance runs on one thread; leaking one cache per instance gives requests a
    // `'static` borrow that can cross awaits.
    static TOKENS: &'static TokenCache = Box::leak(Box::new(TokenCache::new()));
    // Read once per instance: five host calls per request otherwise. An instance lives for a
    // bounded number of requests, so a changed variable reaches the next instance.
    static CONFIG: std::cell::OnceCell<&'static Tenant> = const { std::cell::OnceCell::new() };
}

/// What the component's variables say about the tenant it serves.
struct Tenant {
    graph: GraphConfig,
    user_names: UserNames,
}

pub struct Connection {
    tenant: &'static Tenant,
    transport: SpinTransport,
}

impl Connection {
    /// Opens the link with the tenant and credentials from the component's Spin variables.
    pub async fn open() -> Result<Connection, ScimError> {
        let config = match CONFIG.with(|config| config.get().copied()) {
            Some(config) => config,
            None => {
                let config: &'static Tenant = Box::leak(Box::new(read_config().await?));
                CONFIG.with(|cell| *cell.get_or_init(|| config))
            }
        };
        Ok(Connection { tenant: config, transport: SpinTransport { sent: Cell::new(0) } })
    }

    pub fn graph(&self) -> GraphClient<'_, SpinTransport> {
        GraphClient::new(&self.transport, &self.tenant.graph, TOKENS.with(|tokens| *tokens))
            .with_retry_policy(RetryPolicy { max_wait: RETRY_BUDGET, ..RetryPolicy::default() })
    }

    /// Requests sent to Graph (and its token endpoint) through this connection so far.
    pub fn graph_requests(&self) -> u32 {
        self.transport.sent.get()
    }

    /// How SCIM userNames stand for userPrincipalNames in this tenant (variable `upn_domain`).
    pub fn user_names(&self) -> &UserNames {
        &self.tenant.user_names
    }
}

async fn read_config() -> Result<Tenant, ScimError> {
    let graph = GraphConfig {
        graph_base_url: variable("graph_base_url").await?.trim_end_matches('/').to_string(),
        login_base_url: variable("login_base_url").await?.trim_end_matches('/').to_string(),
        tenant_id: variable("tenant_id").await?,
        client_id: variable("client_id").await?,
        credential: Credential::ClientSecret(variable("client_secret").await?),
    };
    let user_names = UserNames::with_default_domain(&variable("upn_domain").await?);
    Ok(Tenant { graph, user_names })
}

async fn variable(name: &str) -> Result<String, ScimError> {
    spin_sdk::variables::get(name)
        .await
        .map_err(|e| ScimError::internal(format!("the connector is not configured: variable {name}: {e}")))
}

pub struct SpinTransport {
    sent: Cell<u32>,
}

impl Transport for SpinTransport {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.sent.set(self.sent.get() + 1);
        let fail = |message: String| TransportError { message };
        let exchange = async {
            let request = request.map(|body| FullBody::new(bytes::Bytes::from(body)));
            let response = spin_sdk::http::send(request).await.map_err(|code| fail(format!("{code:?}")))?;
            let (parts, body) = response.into_parts();
            let body = body.bytes().await.map_err(|code| fail(format!("{code:?}")))?;
            Ok(http::Response::from_parts(parts, body.to_vec()))
        };
        within(GRAPH_EXCHANGE_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|| Err(fail(format!("no answer within {} s", GRAPH_EXCHANGE_TIMEOUT.as_secs()))))
    }

    async fn sleep(&self, duration: Duration) -> Result<(), TransportError> {
        monotonic_clock::wait_for(duration.as_nanos().min(u64::MAX as u128) as u64).await;
        Ok(())
    }

    fn retrying(&self, notice: &RetryNotice) {
        eprintln!("graph: {notice}");
    }

    /// wit-bindgen's runtime (without `inter-task-wakeup`) traps when a request waits on another
    /// request's wakeup; requests waiting for a shared token look again on the host's timer.
    fn wakes_other_tasks(&self) -> bool {
        false
    }
}

/// `work`'s output, or `None` if `limit` passes first.
async fn within<F: Future>(limit: Duration, work: F) -> Option<F::Output> {
    let mut work = pin!(work);
    let mut timer = pin!(monotonic_clock::wait_for(limit.as_nanos().min(u64::MAX as u128) as u64));
    poll_fn(|cx| match work.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Some(output)),
        Poll::Pending => timer.as_mut().poll(cx).map(|()| None),
    })
    .await
}
