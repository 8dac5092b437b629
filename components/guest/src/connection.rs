//! The component's link to Microsoft Graph: the tenant its variables describe ([`crate::config`]),
//! HTTP over `wasi:http` (so Spin's `allowed_outbound_hosts` applies), and an app-token cache that
//! lives as long as the component instance, shared by the requests it serves.

use crate::config::{Tenant, read_config};
use graph::{Credential, GraphClient, RetryNotice, RetryPolicy, TokenCache, Transport, TransportError};
use scim::error::ScimError;
use scim_graph::{UserNames, UserParts};
use spin_sdk::http::FullBody;
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::wasip3::clocks::monotonic_clock;
use spin_sdk::wasip3::http::types::ErrorCode;
use std::cell::Cell;
use std::rc::Rc;
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
    // Read once per instance: several host calls per request otherwise. An instance lives for a
    // bounded number of requests, so a changed variable reaches the next instance.
    static CONFIG: std::cell::OnceCell<Rc<Tenant>> = const { std::cell::OnceCell::new() };
}

pub struct Connection {
    tenant: Rc<Tenant>,
    transport: SpinTransport,
}

impl Connection {
    /// Opens the link with the tenant and credentials from the component's Spin variables.
    pub async fn open() -> Result<Connection, ScimError> {
        let tenant = match CONFIG.with(|config| config.get().cloned()) {
            Some(tenant) => tenant,
            None => {
                let tenant = Rc::new(read_config().await?);
                // A federated token expires within hours: it is read again for every request,
                // so the token cache's next acquisition presents a current one.
                if !matches!(tenant.graph.credential, Credential::FederatedToken(_)) {
                    CONFIG.with(|cell| cell.get_or_init(|| tenant.clone()).clone())
                } else {
                    tenant
                }
            }
        };
        Ok(Connection { tenant, transport: SpinTransport { sent: Cell::new(0) } })
    }

    pub fn graph(&self) -> GraphClient<'_, SpinTransport> {
        GraphClient::new(&self.transport, &self.tenant.graph, TOKENS.with(|tokens| *tokens))
            .with_retry_policy(RetryPolicy { max_wait: RETRY_BUDGET, ..RetryPolicy::default() })
            .with_user_properties(&self.tenant.user_properties)
    }

    /// The same client, reading of users what `parts` needs beyond the default properties: the
    /// end date only then, since Graph serves it only to an app holding User-LifeCycleInfo.Read.All.
    pub fn graph_with(&self, parts: UserParts) -> GraphClient<'_, SpinTransport> {
        match parts.lifecycle_info {
            true => self.graph().with_lifecycle_info(),
            false => self.graph(),
        }
    }

    /// Requests sent to Graph (and its token endpoint) through this connection so far.
    pub fn graph_requests(&self) -> u32 {
        self.transport.sent.get()
    }

    /// How SCIM userNames stand for userPrincipalNames in this tenant (variable `upn_domain`),
    /// or for sign-in names in a B2C tenant (variable `tenant_type`).
    pub fn user_names(&self) -> &UserNames {
        &self.tenant.user_names
    }

    /// Whether Graph answers advanced queries in this tenant: Azure AD B2C tenants have none.
    pub fn advanced_queries(&self) -> bool {
        self.tenant.advanced_queries
    }

    /// Sorting is Graph's `$orderby`, an advanced query: a B2C tenant cannot sort.
    pub fn check_order(&self, order_by: Option<&graph::OrderBy>) -> Result<(), ScimError> {
        match order_by {
            Some(_) if !self.advanced_queries() => Err(ScimError::invalid_value(
                "sortBy needs Microsoft Graph's advanced queries ($orderby), which Azure AD B2C tenants do not offer",
            )),
            _ => Ok(()),
        }
    }
}

pub struct SpinTransport {
    sent: Cell<u32>,
}

impl Transport for SpinTransport {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.sent.set(self.sent.get() + 1);
        // Errors name the origin: the token endpoint, a managed identity endpoint or Graph.
        let origin = format!("{}://{}", request.uri().scheme_str().unwrap_or("?"), request.uri().authority().map_or("?", |a| a.as_str()));
        let fail = |code: ErrorCode| match code {
            ErrorCode::HttpRequestDenied => {
                TransportError::refused(format!("{origin} is not among the component's allowed_outbound_hosts"))
            }
            code => TransportError::new(format!("{origin}: {code:?}")),
        };
        let exchange = async {
            let request = request.map(|body| FullBody::new(bytes::Bytes::from(body)));
            let response = spin_sdk::http::send(request).await.map_err(fail)?;
            let (parts, body) = response.into_parts();
            let body = body.bytes().await.map_err(fail)?;
            Ok(http::Response::from_parts(parts, body.to_vec()))
        };
        within(GRAPH_EXCHANGE_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|| Err(TransportError::new(format!("{origin}: no answer within {} s", GRAPH_EXCHANGE_TIMEOUT.as_secs()))))
    }

    async fn sleep(&self, duration: Duration) -> Result<(), TransportError> {
        monotonic_clock::wait_for(duration.as_nanos().min(u64::MAX as u128) as u64).await;
        Ok(())
    }

    fn retrying(&self, notice: &RetryNotice) {
        eprintln!("graph: {notice}");
    }

    /// What the caller caused (a bad value, an unknown id, a conflict) is its answer; the rest
    /// (throttling given up, Graph or token endpoint failures, refused permissions) is the
    /// operator's business, logged with Graph's request-id for Microsoft support.
    fn failed(&self, error: &graph::Error) {
        if !matches!(error, graph::Error::Graph { status: 400 | 404 | 409 | 412, .. } | graph::Error::InvalidArgument { .. }) {
            eprintln!("graph: {error}");
        }
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
