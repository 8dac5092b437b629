//! The HTTP seam. The crate never opens a connection: components implement [`Transport`] over
//! wasi:http, native code and tests over hyper or a fake, so Graph logic is testable without a network.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::error::Error;
use crate::retry::RetryNotice;

/// Sends one HTTP request and returns the whole response. Implementations do no retries and no
/// interpretation of status codes: a 4xx/5xx answer is `Ok`, only a failure to get any answer is
/// `Err`. They should bound each exchange with a timeout, so a silent server becomes an `Err`.
pub trait Transport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>>;

    /// Waits `duration` before the client tries a throttled or failed call again (wasi clocks in
    /// a component, a timer or a fake clock natively). The default cannot wait: the client then
    /// returns each failure at once, with Graph's `retry_after`, and never retries.
    fn sleep(&self, duration: Duration) -> impl Future<Output = Result<(), TransportError>> {
        let _ = duration;
        std::future::ready(Err(TransportError::new(
            "this transport cannot wait before a retry",
        )))
    }

    /// Called after the wait, just before each retry, with what failed (Graph's request-id
    /// included) and how long the client waited; a place to log it. The default ignores it.
    fn retrying(&self, notice: &RetryNotice) {
        let _ = notice;
    }

    /// Called with the error a call ends in, after any retries (Graph's request-id and the
    /// token endpoint's description included); a place to log it. The default ignores it.
    fn failed(&self, error: &Error) {
        let _ = error;
    }

    /// Whether a future of one task, woken from another task of the same program, is resumed.
    /// Most runtimes do this; a WASI 0.3 guest's (wit-bindgen without `inter-task-wakeup`)
    /// traps instead, so there callers sharing one token acquisition look again on a timer.
    fn wakes_other_tasks(&self) -> bool {
        true
    }
}

/// No HTTP answer could be had (DNS, connect, TLS, timeout, a host policy refusing the outbound call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub message: String,
    /// The request was never sent because the host forbids it (e.g. Spin's
    /// `allowed_outbound_hosts`): a configuration problem that no retry can cure.
    pub refused: bool,
}

impl TransportError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            refused: false,
        }
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            refused: true,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {}
