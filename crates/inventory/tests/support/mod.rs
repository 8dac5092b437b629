//! The jobs against the Graph emulator over real loopback HTTP: a hyper transport for
//! `GraphClient`, and a tenant to inventory.
#![allow(dead_code)]

use bytes::Bytes;
use graph::{Credential, GraphClient, GraphConfig, TokenCache, Transport, TransportError};
use graph_emulator::{Emulator, EmulatorConfig};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Tenant {
    pub emulator: Emulator,
    pub config: GraphConfig,
    pub tokens: TokenCache,
    pub transport: HyperTransport,
}

impl Tenant {
    pub async fn start(users: usize, groups: usize) -> Tenant {
        Tenant::start_with(EmulatorConfig { users, groups, ..Default::default() }).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Tenant {
        let emulator = Emulator::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("the emulator starts");
        let settings = emulator.config();
        let config = GraphConfig {
            graph_base_url: emulator.base_url(),
            login_base_url: emulator.base_url(),
            tenant_id: settings.tenant_id.clone(),
            client_id: settings.client_id.clone(),
            credential: Credential::ClientSecret(settings.client_secret.clone()),
        };
        let transport = HyperTransport { client: Client::builder(TokioExecutor::new()).build_http(), sent: AtomicU32::new(0) };
        Tenant { emulator, config, tokens: TokenCache::new(), transport }
    }

    pub fn graph(&self) -> GraphClient<'_, HyperTransport> {
        GraphClient::new(&self.transport, &self.config, &self.tokens)
    }

    /// Requests sent so far, token requests included.
    pub fn requests(&self) -> u32 {
        self.transport.sent.load(Ordering::Relaxed)
    }
}

pub struct HyperTransport {
    client: Client<HttpConnector, Full<Bytes>>,
    sent: AtomicU32,
}

impl Transport for HyperTransport {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let response = self.client.request(request).await.map_err(|e| TransportError::new(e.to_string()))?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| TransportError::new(e.to_string()))?.to_bytes();
        Ok(http::Response::from_parts(parts, body.to_vec()))
    }
}
