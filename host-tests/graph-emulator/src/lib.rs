//! An offline Microsoft Graph v1.0 for integration tests, demos and benchmarks.
//!
//! [`Emulator::start`] serves, on one loopback port, both the Entra ID token endpoint
//! (`POST /{tenant}/oauth2/v2.0/token`, client credentials) and Graph's `/v1.0/users` API:
//! list with `$filter`/`$select`/`$expand=manager`/`$top`/`$count`/`$orderby` and
//! `@odata.nextLink` paging, get by id or userPrincipalName, create, update, delete, and the
//! manager relationship (`/manager`, `/manager/$ref`). Every `/v1.0` request needs a bearer
//! token the emulator issued. Errors carry Graph's codes and messages, and every response
//! carries `request-id` and `client-request-id`.
//!
//! It is an independent implementation of Graph's documented behaviour: it shares no code
//! with the connector's Graph client, so a misunderstanding cannot hide in both.
//!
//! # The demo tenant
//! [`EmulatorConfig::users`] users are generated from [`EmulatorConfig::seed`]; the same seed
//! and size give an identical tenant (ids included) on every run. All live in
//! `contoso.onmicrosoft.com`, with `companyName` "Contoso Ltd". The first five are fixed for
//! any seed (when the tenant is at least that large):
//!
//! | index | userPrincipalName | displayName | jobTitle | department | enabled | manager |
//! |---|---|---|---|---|---|---|
//! | 0 | `adele.vance@contoso.onmicrosoft.com` | Adele Vance | Chief Executive Officer | Executive Management | yes | none |
//! | 1 | `alex.wilber@contoso.onmicrosoft.com` | Alex Wilber | Vice President of Sales | Sales | yes | Adele |
//! | 2 | `diego.siciliani@contoso.onmicrosoft.com` | Diego Siciliani | Chief Technology Officer | Engineering | yes | Adele |
//! | 3 | `megan.bowen@contoso.onmicrosoft.com` | Megan Bowen | Marketing Manager | Marketing | yes | Adele |
//! | 4 | `lee.gu@contoso.onmicrosoft.com` | Lee Gu | Software Engineer | Engineering | **no** | Diego |
//!
//! Their `employeeId` is `100000 + index` (zero-padded to six digits) and their
//! `mailNickname` is the part before `@`. Users from index 5 are
//! `first.last{index}@contoso.onmicrosoft.com`, report to an earlier user (managers form a
//! forest, no cycles; about 3% have none) and about 5% are disabled.
//!
//! # Example
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use graph_emulator::{Emulator, EmulatorConfig};
//! let emulator = Emulator::start(EmulatorConfig { users: 250, ..Default::default() }, "127.0.0.1:0".parse().unwrap()).await?;
//! let token_url = format!("{}/{}/oauth2/v2.0/token", emulator.base_url(), emulator.config().tenant_id);
//! let graph_url = format!("{}/v1.0/users", emulator.base_url());
//! # let _ = (token_url, graph_url);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

mod clock;
mod codec;
mod demo;
mod error;
mod login;
mod odata;
mod prng;
mod schema;
mod server;
mod tenant;
mod users;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How the emulated tenant looks and which app credentials its token endpoint accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorConfig {
    /// The directory (tenant) id; the token endpoint also accepts `contoso.onmicrosoft.com`.
    pub tenant_id: String,
    /// The only application (client) id the token endpoint knows.
    pub client_id: String,
    pub client_secret: String,
    /// Demo tenant size.
    pub users: usize,
    /// Demo data seed: same seed and size, same tenant.
    pub seed: u64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            tenant_id: "8f4f0c3a-6b6e-4c1e-9a57-2d1b0c7e5f10".to_string(),
            client_id: "3c5b9e2d-7a41-4f8e-b6d2-91e0c4a7f3b8".to_string(),
            client_secret: "emulator-client-secret".to_string(),
            users: 100,
            seed: 1,
        }
    }
}

/// A running emulator; it serves until [`Emulator::shutdown`] or until dropped.
#[derive(Debug)]
pub struct Emulator {
    config: EmulatorConfig,
    base_url: String,
    state: Arc<server::State>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Builds the demo tenant and starts serving on `listen` (port 0 picks a free port).
    /// Must be called within a Tokio runtime.
    pub async fn start(config: EmulatorConfig, listen: SocketAddr) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(listen).await?;
        let local = listener.local_addr()?;
        // A wildcard bind is still reached through loopback; links must name a real host.
        let host = match local.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let base_url = format!("http://{}", SocketAddr::new(host, local.port()));
        let tenant = demo::tenant(config.users, config.seed);
        let state = Arc::new(server::State::new(config.clone(), base_url.clone(), tenant));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, state.clone(), stopped));
        Ok(Emulator {
            config,
            base_url,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`: Graph lives under `/v1.0`, the token endpoint under
    /// `/{tenant}/oauth2/v2.0/token`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn config(&self) -> &EmulatorConfig {
        &self.config
    }

    /// A snapshot of every user as Graph JSON with all stored properties (never passwords),
    /// in creation order.
    pub fn users(&self) -> Vec<serde_json::Value> {
        self.state.read().iter().map(users::full_json).collect()
    }

    pub fn user_count(&self) -> usize {
        self.state.read().len()
    }

    /// The id of the manager of the user with this id or userPrincipalName, if any.
    pub fn manager_of(&self, user: &str) -> Option<String> {
        let tenant = self.state.read();
        let user = tenant.find(user)?;
        tenant.manager_of(user).map(|m| m.id().to_string())
    }

    /// Graph requests served so far (token requests not included).
    pub fn request_count(&self) -> u64 {
        self.state.graph_requests.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Dropping the sender ends the accept loop too; sending just says it explicitly.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
