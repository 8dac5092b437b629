//! The HTTP/1.1 front door: accepts connections on a socket and hands each request to the app.

use crate::App;
use http_body_util::BodyExt;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A server running in the background until dropped.
pub struct Server {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    pub async fn start(app: App, listen: SocketAddr) -> std::io::Result<Server> {
        let listener = TcpListener::bind(listen).await?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(accept_loop(app, listener, address));
        Ok(Server { address, task })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(app: App, listener: TcpListener, local: SocketAddr) {
    loop {
        let (stream, client) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                eprintln!("scim-host: accept failed: {error}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let app = app.clone();
                async move {
                    let request = with_absolute_uri(request, local);
                    let request = request.map(|body| body.map_err(wasmtime_wasi_http::Error::Hyper).boxed_unsync());
                    Ok::<_, std::convert::Infallible>(app.handle(request, client).await)
                }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(error) = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, service).await
                && !error.is_incomplete_message()
            {
                eprintln!("scim-host: connection from {client}: {error}");
            }
        });
    }
}

/// Components see the URL the caller used, as in Spin: scheme and authority from the Host header.
fn with_absolute_uri<B>(mut request: http::Request<B>, local: SocketAddr) -> http::Request<B> {
    let authority = request
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| local.to_string());
    let path = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    if let Ok(uri) = format!("http://{authority}{path}").parse() {
        *request.uri_mut() = uri;
    }
    request
}
