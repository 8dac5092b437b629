//! The HTTP seam. The crate never opens a connection: components implement [`Transport`] over
//! wasi:http, native code and tests over hyper or a fake, so Graph logic is testable without a network.

use std::fmt;
use std::future::Future;

/// Sends one HTTP request and returns the whole response. Implementations do no retries and no
/// interpretation of status codes: a 4xx/5xx answer is `Ok`, only a failure to get any answer is `Err`.
pub trait Transport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>>;
}

/// No HTTP answer could be had (DNS, connect, TLS, timeout, a host policy refusing the outbound call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub message: String,
}

impl TransportError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {}
