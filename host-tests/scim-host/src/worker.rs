//! What runs one component: the store state each instance gets (WASI, wasi:http with our
//! outbound hooks, its variables, its memory cap), and the worker-pool policy for
//! `wasmtime_wasi_http::handler::ProxyHandler`: how many requests an instance takes, at once and
//! in its life, and when a request or an idle instance expires.

use crate::app::{AppInner, EPOCH_TICK};
use crate::outbound::OutboundPolicy;
use crate::variables::ComponentVariables;
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use wasmtime::component::{GuestTaskId, Linker, ResourceTable};
use wasmtime::{Engine, Result, Store, StoreContextMut, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, Proxy, ShouldAccept, WorkerExpiration, WorkerState, WorkerStatus,
};
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::{WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// Per-instance limits. A request that overruns them ends in a 500; the host keeps serving.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Linear memory an instance may grow to.
    pub memory_bytes: usize,
    /// Time a request may take, including the Graph calls it makes.
    pub request_timeout: Duration,
    /// Requests an instance serves before it is replaced (1 = a fresh instance per request).
    pub requests_per_instance: usize,
    /// Requests an instance interleaves at once (WASI 0.3 handlers are async).
    pub concurrent_per_instance: usize,
    /// How long an idle instance is kept for the next request.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 128 << 20,
            request_timeout: Duration::from_secs(30),
            requests_per_instance: 10_000,
            concurrent_per_instance: 16,
            idle_timeout: Duration::from_secs(60),
        }
    }
}

pub struct HostState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    variables: ComponentVariables,
    limits: StoreLimits,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

fn http_view(state: &mut HostState) -> WasiHttpCtxView<'_> {
    state.http()
}

/// Everything a Spin 4 component built with spin-sdk 7 imports: WASI 0.2 (Rust's std),
/// WASI 0.3 and wasi:http 0.3, and spin:variables.
pub fn linker(engine: &Engine) -> Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi::p3::add_to_linker(&mut linker)?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
    crate::variables::add_to_linker(&mut linker, |state: &mut HostState| &mut state.variables)?;
    Ok(linker)
}

/// The worker pool's view of one component.
pub struct ComponentHandler {
    pub(crate) id: String,
    pub(crate) engine: Engine,
    pub(crate) pre: ServicePre<HostState>,
    pub(crate) policy: Arc<OutboundPolicy>,
    pub(crate) variables: Arc<BTreeMap<String, String>>,
    pub(crate) app: Weak<AppInner>,
    pub(crate) outbound: OutboundClient,
    pub(crate) limits: Limits,
    /// Instances started to serve requests so far.
    pub(crate) instances: std::sync::atomic::AtomicU64,
}

impl ComponentHandler {
    pub fn new_store(&self) -> Result<Store<HostState>> {
        let state = HostState {
            table: ResourceTable::new(),
            wasi: WasiCtxBuilder::new().inherit_stdout().inherit_stderr().build(),
            http: WasiHttpCtx::new(),
            hooks: OutboundHooks {
                component: self.id.clone(),
                policy: self.policy.clone(),
                app: self.app.clone(),
                outbound: self.outbound.clone(),
            },
            variables: ComponentVariables { values: self.variables.clone() },
            limits: StoreLimitsBuilder::new().memory_size(self.limits.memory_bytes).trap_on_grow_failure(true).build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(deadline_ticks(self.limits.request_timeout));
        Ok(store)
    }
}

pub(crate) fn deadline_ticks(timeout: Duration) -> u64 {
    (timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64 + 1
}

impl HandlerState for ComponentHandler {
    type StoreData = HostState;
    type WorkerExpiration = InstanceExpiry;
    type WorkerState = InstancePolicy;

    async fn instantiate(&self) -> Result<Instance<HostState, InstanceExpiry, InstancePolicy>> {
        let mut store = self.new_store()?;
        let proxy = Proxy::P3(self.pre.instantiate_async(&mut store).await?);
        self.instances.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Instance {
            store,
            proxy,
            view: http_view,
            expiration: InstanceExpiry { limits: self.limits.clone(), timer: None },
            state: InstancePolicy { id: self.id.clone(), limits: self.limits.clone() },
        })
    }
}

pub struct InstancePolicy {
    id: String,
    limits: Limits,
}

impl WorkerState for InstancePolicy {
    type StoreData = HostState;
    type RequestData = ();

    fn should_accept_request(&self, concurrent: usize, total: usize) -> ShouldAccept {
        if total >= self.limits.requests_per_instance {
            ShouldAccept::Never
        } else if concurrent >= self.limits.concurrent_per_instance {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        mut store: StoreContextMut<'_, HostState>,
        _data: (),
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync>> {
        // A handler stuck in a loop never yields to the timer below; the epoch deadline traps it.
        store.set_epoch_deadline(deadline_ticks(self.limits.request_timeout));
        Box::pin(tokio::time::sleep(self.limits.request_timeout))
    }

    fn drop(&self, _store: Store<HostState>, result: Result<()>) {
        // A failed request is logged where it fails (App::dispatch); what is left here is an
        // instance ending outside any request, e.g. cancelled when the host shuts down.
        if let Err(error) = result
            && !format!("{error}").contains("worker panicked")
        {
            eprintln!("scim-host: an instance of `{}` ended: {error:#}", self.id);
        }
    }
}

/// Second line of defence for deadlines (see `WorkerState::on_request_start`), and the idle
/// timeout after which an unused instance is dropped.
pub struct InstanceExpiry {
    limits: Limits,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl WorkerExpiration for InstanceExpiry {
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>, status: WorkerStatus, start: Instant) -> Poll<()> {
        let this = self.get_mut();
        let allowed = match status {
            WorkerStatus::Idle => this.limits.idle_timeout,
            WorkerStatus::Requests | WorkerStatus::PostReturn => this.limits.request_timeout + Duration::from_secs(1),
        };
        let deadline = tokio::time::Instant::from_std(start + allowed);
        match &mut this.timer {
            Some(timer) if timer.deadline() == deadline => {}
            Some(timer) => timer.as_mut().reset(deadline),
            None => this.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
        this.timer.as_mut().map_or(Poll::Pending, |timer| timer.as_mut().poll(cx))
    }
}

/// Keep-alive connections to plain-HTTP upstreams (the emulator, local gateways); HTTPS goes
/// through wasmtime-wasi-http's TLS client.
#[derive(Clone)]
pub struct OutboundClient {
    http: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, WasiBody>,
}

impl Default for OutboundClient {
    fn default() -> OutboundClient {
        // Small requests and answers: without TCP_NODELAY, Nagle's algorithm meets delayed ACKs.
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .build(connector);
        OutboundClient { http }
    }
}

type SendResult = wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

/// Outbound HTTP as Spin does it: `allowed_outbound_hosts` first, then `*.spin.internal`
/// in-process, everything else over the network.
pub struct OutboundHooks {
    component: String,
    policy: Arc<OutboundPolicy>,
    app: Weak<AppInner>,
    outbound: OutboundClient,
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        _response_result: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        use wasmtime_wasi_http::Error;
        let done = || Box::new(async { Ok(()) }) as Box<dyn Future<Output = _> + Send>;
        let uri = request.uri().clone();
        if !self.policy.allows(&uri) {
            eprintln!(
                "scim-host: component `{}` may not call {}://{} (not in allowed_outbound_hosts)",
                self.component,
                uri.scheme_str().unwrap_or("?"),
                uri.authority().map(|a| a.as_str()).unwrap_or("?")
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        if host.ends_with(".spin.internal") {
            let app = self.app.clone();
            return Box::new(async move {
                let app = app.upgrade().ok_or(Error::DestinationUnavailable)?;
                let response = app.dispatch_internal(&host, request).await.ok_or(Error::DestinationNotFound)?;
                Ok((response, done()))
            });
        }
        if uri.scheme_str() == Some("http") {
            let client = self.outbound.http.clone();
            return Box::new(async move {
                let response = client.request(request).await.map_err(|error| {
                    if error.is_connect() { Error::ConnectionRefused } else { Error::InternalError(Some(error.to_string())) }
                })?;
                Ok((response.map(|body| body.map_err(Error::Hyper).boxed_unsync()), done()))
            });
        }
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as Box<dyn Future<Output = _> + Send>))
        })
    }
}
