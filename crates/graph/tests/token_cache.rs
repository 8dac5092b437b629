//! Many concurrent calls on one instance share one token acquisition: the first asks, the
//! others wait for its outcome, success or failure (what a component's concurrent requests do).

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::join_all;
use graph::{Error, GraphClient, TokenCache, Transport, TransportError};
use support::config;

/// Answers every token request after yielding to the executor once (as a real network would),
/// so the other calls run while it is in flight.
struct SlowTokenEndpoint {
    token_status: u16,
    token_requests: Cell<u32>,
    graph_requests: RefCell<Vec<String>>,
}

struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl Transport for SlowTokenEndpoint {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        if request.uri().path().ends_with("/oauth2/v2.0/token") {
            self.token_requests.set(self.token_requests.get() + 1);
            YieldOnce(false).await;
            let body = if self.token_status == 200 {
                r#"{"access_token":"shared","expires_in":3600}"#
            } else {
                r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#
            };
            return Ok(support::response(self.token_status, &[], body.into()));
        }
        let auth = request.headers()["authorization"]
            .to_str()
            .unwrap()
            .to_string();
        self.graph_requests.borrow_mut().push(auth);
        Ok(support::response(204, &[], String::new()))
    }
}

fn endpoint(token_status: u16) -> SlowTokenEndpoint {
    SlowTokenEndpoint {
        token_status,
        token_requests: Cell::new(0),
        graph_requests: RefCell::new(Vec::new()),
    }
}

#[test]
fn fifty_concurrent_calls_make_one_token_request() {
    let transport = endpoint(200);
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let ids: Vec<String> = (0..50).map(|i| format!("u{i}")).collect();
    let results =
        futures::executor::block_on(join_all(ids.iter().map(|id| client.delete_user(id))));
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(transport.token_requests.get(), 1);
    let sent = transport.graph_requests.borrow();
    assert_eq!(sent.len(), 50);
    assert!(sent.iter().all(|a| a == "Bearer shared"));
}

#[test]
fn waiting_calls_share_the_acquisition_failure_instead_of_asking_again() {
    let transport = endpoint(401);
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let ids: Vec<String> = (0..20).map(|i| format!("u{i}")).collect();
    let results =
        futures::executor::block_on(join_all(ids.iter().map(|id| client.delete_user(id))));
    assert_eq!(transport.token_requests.get(), 1);
    for result in results {
        assert!(
            matches!(result, Err(Error::Token { status: 401, .. })),
            "{result:?}"
        );
    }
    // The next call, later, tries again.
    futures::executor::block_on(client.delete_user("again")).unwrap_err();
    assert_eq!(transport.token_requests.get(), 2);
}

#[test]
fn an_abandoned_acquisition_lets_a_waiter_take_over() {
    let transport = endpoint(200);
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let mut first = Box::pin(client.delete_user("first"));
    let mut cx = Context::from_waker(std::task::Waker::noop());
    assert!(first.as_mut().poll(&mut cx).is_pending()); // its token request is in flight
    let mut second = Box::pin(client.delete_user("second"));
    assert!(second.as_mut().poll(&mut cx).is_pending()); // waits for the first's token
    drop(first);
    futures::executor::block_on(second).unwrap();
    assert_eq!(transport.token_requests.get(), 2);
    assert_eq!(*transport.graph_requests.borrow(), vec!["Bearer shared"]);
}

/// The same endpoint for a runtime that cannot resume a task woken by another (a WASI 0.3
/// guest): waiting callers look again on the transport's timer instead.
struct TimerOnly {
    endpoint: SlowTokenEndpoint,
    sleeps: Cell<u32>,
}

impl Transport for TimerOnly {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.endpoint.send(request).await
    }

    async fn sleep(&self, _: std::time::Duration) -> Result<(), TransportError> {
        self.sleeps.set(self.sleeps.get() + 1);
        YieldOnce(false).await;
        Ok(())
    }

    fn wakes_other_tasks(&self) -> bool {
        false
    }
}

#[test]
fn where_tasks_cannot_wake_each_other_waiters_poll_on_the_timer_and_still_share_one_token() {
    let transport = TimerOnly { endpoint: endpoint(200), sleeps: Cell::new(0) };
    let (config, tokens) = (config(), TokenCache::with_clock(support::now));
    let client = GraphClient::new(&transport, &config, &tokens);
    let ids: Vec<String> = (0..50).map(|i| format!("u{i}")).collect();
    let results = futures::executor::block_on(join_all(ids.iter().map(|id| client.delete_user(id))));
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(transport.endpoint.token_requests.get(), 1);
    assert!(transport.sleeps.get() >= 49, "every waiter looked again on the timer: {}", transport.sleeps.get());
    assert!(transport.endpoint.graph_requests.borrow().iter().all(|a| a == "Bearer shared"));
}
