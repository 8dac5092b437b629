//! The client against the Graph emulator over loopback HTTP: every credential signs in (and
//! the wrong ones are refused with Entra ID's reasons), concurrent calls share one token,
//! batches and batched reads, and a long run through injected throttling and faults.

mod batched_reads;
mod credentials;
mod resilience;

use std::cell::RefCell;
use std::time::Duration;

use bytes::Bytes;
use graph::{Credential, GraphConfig, Transport, TransportError};
use graph_emulator::{Emulator, EmulatorConfig};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Every exchange is bounded, as a component's transport must be.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What one exchange was: which call (client-request-id), what, and the status (None: no answer).
#[derive(Debug, Clone)]
pub struct Exchange {
    pub client_request_id: Option<String>,
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
}

/// hyper over loopback, waiting with tokio's timer, recording every exchange.
pub struct Loopback {
    client: Client<HttpConnector, Full<Bytes>>,
    pub exchanges: RefCell<Vec<Exchange>>,
}

impl Loopback {
    pub fn new() -> Self {
        Loopback {
            client: Client::builder(TokioExecutor::new()).build_http(),
            exchanges: RefCell::new(Vec::new()),
        }
    }

    pub fn token_requests(&self) -> usize {
        self.exchanges
            .borrow()
            .iter()
            .filter(|e| e.path.contains("token"))
            .count()
    }
}

impl Transport for Loopback {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let mut exchange = Exchange {
            client_request_id: request
                .headers()
                .get("client-request-id")
                .map(|v| v.to_str().unwrap().to_string()),
            method: request.method().to_string(),
            path: request.uri().path().to_string(),
            status: None,
        };
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let answer = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
            Ok::<_, String>(http::Response::from_parts(parts, body.to_vec()))
        };
        let result = match tokio::time::timeout(TIMEOUT, answer).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(message)) => Err(TransportError::new(message)),
            Err(_) => Err(TransportError::new("timed out")),
        };
        exchange.status = result.as_ref().ok().map(|r| r.status().as_u16());
        self.exchanges.borrow_mut().push(exchange);
        result
    }

    async fn sleep(&self, duration: Duration) -> Result<(), TransportError> {
        tokio::time::sleep(duration).await;
        Ok(())
    }
}

pub async fn start(config: EmulatorConfig) -> Emulator {
    Emulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the emulator starts")
}

/// The client's configuration for `emulator` with `credential`.
pub fn config(emulator: &Emulator, credential: Credential) -> GraphConfig {
    GraphConfig {
        graph_base_url: emulator.base_url(),
        login_base_url: emulator.base_url(),
        tenant_id: emulator.config().tenant_id.clone(),
        client_id: emulator.config().client_id.clone(),
        credential,
    }
}

pub fn secret(emulator: &Emulator) -> Credential {
    Credential::ClientSecret(emulator.config().client_secret.clone())
}

pub const ADELE: &str = "adele.vance@contoso.onmicrosoft.com";
