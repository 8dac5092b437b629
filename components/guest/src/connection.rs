//! The component's link to Microsoft Graph: configuration from Spin variables, HTTP over
//! `wasi:http` (so Spin's `allowed_outbound_hosts` applies), and an app-token cache that lives as
//! long as the component instance, shared by the requests it serves.

use graph::{Credential, GraphClient, GraphConfig, TokenCache, Transport, TransportError};
use scim::error::ScimError;
use scim_graph::UserNames;
use spin_sdk::http::FullBody;
use spin_sdk::http::body::IncomingBodyExt;
use std::cell::Cell;

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
        let request = request.map(|body| FullBody::new(bytes::Bytes::from(body)));
        let response = spin_sdk::http::send(request)
            .await
            .map_err(|code| fail(format!("{code:?}")))?;
        let (parts, body) = response.into_parts();
        let body = body.bytes().await.map_err(|code| fail(format!("{code:?}")))?;
        Ok(http::Response::from_parts(parts, body.to_vec()))
    }
}
