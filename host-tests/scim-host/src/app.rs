//! A loaded Spin application: every component compiled (through wasmtime's on-disk cache),
//! pre-instantiated and served by a worker pool that reuses instances the way Spin 4 reuses
//! WASI 0.3 instances, under per-instance limits (memory cap, request deadline enforced by epoch
//! interruption). Requests arrive from outside through the trigger routes, or from another
//! component through `http://<id>.spin.internal`, dispatched in-process.

use crate::http_routes::HttpRoutes;
use crate::manifest::Manifest;
use crate::outbound::OutboundPolicy;
use crate::variables::AppVariables;
use crate::worker::{ComponentHandler, HostState, Limits};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Weak};
use wasmtime::component::{Component, Linker};
use wasmtime::{Cache, Config, Engine, Result, error::Context as _};
use wasmtime_wasi_http::handler::ProxyHandler;
use wasmtime_wasi_http::{WasiBody, p3::bindings::ServicePre};

/// How long one epoch tick lasts; request deadlines are counted in ticks.
pub const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(10);

#[derive(Default)]
pub struct HostOptions {
    /// Values for application variables, taking precedence over `SPIN_VARIABLE_*`.
    pub variables: BTreeMap<String, String>,
    pub limits: Limits,
    /// Load only the components this accepts (all when `None`): a command that runs a few
    /// components need not compile and hold the others.
    pub only: Option<fn(&str) -> bool>,
}

#[derive(Clone)]
pub struct App(Arc<AppInner>);

pub(crate) struct AppInner {
    linker: Linker<HostState>,
    routes: HttpRoutes,
    components: BTreeMap<String, LoadedComponent>,
    /// Components with any HTTP trigger: the ones `<id>.spin.internal` can reach.
    chainable: BTreeSet<String>,
}

struct LoadedComponent {
    component: Component,
    handler: ProxyHandler<ComponentHandler>,
}

impl App {
    pub fn load(manifest_path: &Path, options: HostOptions) -> Result<App> {
        let manifest = Manifest::load(manifest_path)?;
        let variables = AppVariables::resolve(&manifest, &options.variables)?;
        let engine = engine()?;
        let linker = crate::worker::linker(&engine)?;
        let outbound = crate::worker::OutboundClient::default();

        let mut compiled = BTreeMap::new();
        for (id, decl) in &manifest.component {
            if options.only.is_some_and(|wanted| !wanted(id)) {
                continue;
            }
            let path = manifest.source_path(decl);
            let component = Component::from_file(&engine, &path).with_context(|| {
                format!("cannot load component `{id}` from {} (build it first: `spin build`)", path.display())
            })?;
            let pre = ServicePre::new(linker.instantiate_pre(&component)?)
                .with_context(|| format!("component `{id}` does not export wasi:http/handler@0.3.0"))?;
            let hosts = decl
                .allowed_outbound_hosts
                .iter()
                .map(|host| variables.expand(host))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("allowed_outbound_hosts of component `{id}`"))?;
            let policy = OutboundPolicy::new(&hosts).with_context(|| format!("component `{id}`"))?;
            let values = Arc::new(variables.for_component(&decl.variables));
            compiled.insert(id.clone(), (component, pre, Arc::new(policy), values));
        }

        let chainable = manifest.trigger.http.iter().map(|t| t.component.clone()).collect();
        let routes = HttpRoutes::from_manifest(&manifest);
        let inner = Arc::new_cyclic(|app: &Weak<AppInner>| {
            let components = compiled
                .into_iter()
                .map(|(id, (component, pre, policy, values))| {
                    let handler = ProxyHandler::new(ComponentHandler {
                        id: id.clone(),
                        engine: engine.clone(),
                        pre,
                        policy,
                        variables: values,
                        app: app.clone(),
                        outbound: outbound.clone(),
                        limits: options.limits.clone(),
                        instances: Default::default(),
                    });
                    (id, LoadedComponent { component, handler })
                })
                .collect();
            AppInner { linker, routes, components, chainable }
        });
        Ok(App(inner))
    }

    pub fn component_ids(&self) -> impl Iterator<Item = &str> {
        self.0.components.keys().map(String::as_str)
    }

    /// Instances of component `id` started so far to serve HTTP requests.
    pub fn instances_started(&self, id: &str) -> u64 {
        self.0.components.get(id).map_or(0, |c| c.handler.state().instances.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Serves a request from outside: routes by path to a public component.
    pub async fn handle(&self, mut request: http::Request<WasiBody>, client: std::net::SocketAddr) -> http::Response<WasiBody> {
        let path = request.uri().path().to_string();
        let Some((component, matched)) = self.0.routes.lookup(&path) else {
            return plain_response(404, "Not Found");
        };
        let component = component.to_string();
        let full_url = request.uri().to_string();
        let headers = request.headers_mut();
        for (name, value) in [
            ("spin-full-url", full_url),
            ("spin-path-info", path),
            ("spin-matched-route", matched),
            ("spin-client-addr", client.to_string()),
        ] {
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        self.0.dispatch(&component, request).await
    }

    /// Calls the component's `entra:scim/operation.describe()`, if it exports it.
    pub async fn describe(&self, id: &str) -> Result<crate::describe::Description> {
        let loaded = self.0.components.get(id).with_context(|| format!("no component `{id}`"))?;
        crate::describe::describe(&self.0.linker, &loaded.component, self.0.handler_state(id)).await
    }
}

impl App {
    /// A fresh instance of an inventory job component, for one run.
    pub async fn job(&self, id: &str) -> Result<crate::inventory_job::JobInstance> {
        let loaded = self.0.components.get(id).with_context(|| format!("no component `{id}`"))?;
        crate::inventory_job::JobInstance::instantiate(&self.0.linker, &loaded.component, self.0.handler_state(id)).await
    }
}

impl AppInner {
    pub(crate) async fn dispatch(&self, id: &str, request: http::Request<WasiBody>) -> http::Response<WasiBody> {
        let Some(loaded) = self.components.get(id) else {
            return plain_response(404, "Not Found");
        };
        match loaded.handler.handle((), request).await {
            Ok(response) => response,
            Err(error) => {
                eprintln!("component `{id}` failed: {error:#}");
                plain_response(500, &format!("component `{id}` failed to produce a response"))
            }
        }
    }

    /// `http://<id>.spin.internal/...` from another component.
    pub(crate) async fn dispatch_internal(&self, host: &str, request: http::Request<WasiBody>) -> Option<http::Response<WasiBody>> {
        let id = host.strip_suffix(".spin.internal")?;
        if !self.chainable.contains(id) {
            return None;
        }
        Some(self.dispatch(id, request).await)
    }

    fn handler_state(&self, id: &str) -> &ComponentHandler {
        self.components[id].handler.state()
    }
}

pub fn plain_response(status: u16, text: &str) -> http::Response<WasiBody> {
    let body = Full::new(Bytes::from(text.to_string())).map_err(|never| match never {}).boxed_unsync();
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
    response
}

/// One engine per process: component-model async for WASI 0.3, epoch interruption for request
/// deadlines, and wasmtime's on-disk cache so a restart does not recompile.
fn engine() -> Result<Engine> {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    if let Some(engine) = ENGINE.get() {
        return Ok(engine.clone());
    }
    let mut config = Config::new();
    config.wasm_component_model_async(true);
    config.epoch_interruption(true);
    // `SCIM_HOST_PERFMAP=1 perf record ...` names guest functions in profiles.
    if std::env::var_os("SCIM_HOST_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    match Cache::from_file(None) {
        Ok(cache) => {
            config.cache(Some(cache));
        }
        Err(error) => eprintln!("scim-host: compiling without a cache: {error:#}"),
    }
    let engine = Engine::new(&config)?;
    let ticker = engine.weak();
    std::thread::spawn(move || {
        while let Some(engine) = ticker.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(EPOCH_TICK);
        }
    });
    Ok(ENGINE.get_or_init(|| engine).clone())
}
