//! Fault injection for resilience tests: a share of Graph requests answered 429 or 503 with
//! `Retry-After`, 500, or processed and then left unanswered (the connection dropped), plus
//! added latency. Draws come from the tenant's seed, so a run is repeatable for a given order
//! of requests. Every `Retry-After` issued is recorded with how long the client actually waited
//! before asking again, so a test can prove it was never undercut.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::prng;
use crate::resource_units::{Budget, Cost};

/// What goes wrong, in percent of Graph requests (token requests are spared: Entra ID's
/// endpoint is a different service). The shares add up; together at most 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faults {
    /// 429 Too Many Requests with `Retry-After: retry_after_seconds`, before any processing.
    pub throttle_percent: u32,
    /// 503 Service Unavailable with `Retry-After`, before any processing.
    pub unavailable_percent: u32,
    /// 500 generalException, before any processing.
    pub server_error_percent: u32,
    /// Processed, then the connection closed without an answer: the client cannot know
    /// whether a write happened (what makes repeating a create unsafe).
    pub drop_percent: u32,
    pub retry_after_seconds: u64,
    /// Added before every answer (token requests included).
    pub latency_ms: u64,
    /// Graph's resource-unit throttling: this many units per 10 s for the app (see
    /// [`crate::resource_units`]; [`crate::resource_units::tenant_quota`] gives Graph's own
    /// figure for a tenant size). 0: off.
    pub resource_unit_quota: u32,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            throttle_percent: 0,
            unavailable_percent: 0,
            server_error_percent: 0,
            drop_percent: 0,
            retry_after_seconds: 1,
            latency_ms: 0,
            resource_unit_quota: 0,
        }
    }
}

impl Faults {
    /// Applies the fields present in an admin request's JSON body; refuses unknown ones and
    /// shares over 100 %.
    pub fn update(&self, changes: &Value) -> Result<Faults, String> {
        let mut faults = self.clone();
        let object = changes
            .as_object()
            .ok_or("the body must be a JSON object")?;
        for (name, value) in object {
            let number = value
                .as_u64()
                .ok_or_else(|| format!("{name} must be a non-negative integer"))?;
            let percent = || u32::try_from(number).map_err(|_| format!("{name} is too large"));
            match name.as_str() {
                "throttle_percent" => faults.throttle_percent = percent()?,
                "unavailable_percent" => faults.unavailable_percent = percent()?,
                "server_error_percent" => faults.server_error_percent = percent()?,
                "drop_percent" => faults.drop_percent = percent()?,
                "retry_after_seconds" => faults.retry_after_seconds = number,
                "latency_ms" => faults.latency_ms = number,
                "resource_unit_quota" => faults.resource_unit_quota = percent()?,
                other => return Err(format!("unknown fault setting {other}")),
            }
        }
        let total = faults.throttle_percent
            + faults.unavailable_percent
            + faults.server_error_percent
            + faults.drop_percent;
        if total > 100 {
            return Err(format!(
                "the fault shares add up to {total} %, more than 100"
            ));
        }
        Ok(faults)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "throttle_percent": self.throttle_percent,
            "unavailable_percent": self.unavailable_percent,
            "server_error_percent": self.server_error_percent,
            "drop_percent": self.drop_percent,
            "retry_after_seconds": self.retry_after_seconds,
            "latency_ms": self.latency_ms,
            "resource_unit_quota": self.resource_unit_quota,
        })
    }
}

/// One fault drawn for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Throttle(u64),
    Unavailable(u64),
    ServerError,
    Drop,
}

/// A `Retry-After` the emulator sent and what the client did next with the same request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryAfterRecord {
    /// The `client-request-id` the request carried, else its method and URL (and body, inside
    /// a batch).
    pub key: String,
    pub retry_after: Duration,
    /// From the answer to the client's next request with the same key.
    pub waited: Duration,
}

impl RetryAfterRecord {
    pub fn undercut(&self) -> bool {
        self.waited < self.retry_after
    }
}

#[derive(Debug)]
pub struct FaultInjector {
    faults: RwLock<Faults>,
    seed: u64,
    draws: AtomicU64,
    /// Retry-After answers not yet followed by the client's next attempt.
    pending: Mutex<HashMap<String, (Instant, u64)>>,
    log: Mutex<Vec<RetryAfterRecord>>,
    resource_units: Budget,
}

impl FaultInjector {
    pub fn new(faults: Faults, seed: u64) -> Self {
        FaultInjector {
            faults: RwLock::new(faults),
            seed,
            draws: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            resource_units: Budget::default(),
        }
    }

    pub fn faults(&self) -> Faults {
        self.faults
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set(&self, faults: Faults) {
        *self.faults.write().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.faults().latency_ms)
    }

    /// Draws this request's fault, if any; `throttle_only` for requests inside a batch, which
    /// Graph throttles one by one but cannot drop or fail alone. With a resource-unit quota,
    /// a request whose `cost` does not fit is throttled first.
    pub fn draw(&self, throttle_only: bool, cost: Option<Cost>) -> Option<Fault> {
        let faults = self.faults();
        if let (1.., Some(cost)) = (faults.resource_unit_quota, cost)
            && let Err(seconds) = self.resource_units.charge(faults.resource_unit_quota, cost)
        {
            return Some(Fault::Throttle(seconds));
        }
        let draw = self.draws.fetch_add(1, Ordering::Relaxed);
        let roll = (prng::mix(
            self.seed ^ 0xFA17_0000_0000_0000 ^ draw.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        ) % 100) as u32;
        let mut bound = faults.throttle_percent;
        if roll < bound {
            return Some(Fault::Throttle(faults.retry_after_seconds));
        }
        bound += faults.unavailable_percent;
        if roll < bound {
            return Some(Fault::Unavailable(faults.retry_after_seconds));
        }
        if throttle_only {
            return None;
        }
        bound += faults.server_error_percent;
        if roll < bound {
            return Some(Fault::ServerError);
        }
        bound += faults.drop_percent;
        (roll < bound).then_some(Fault::Drop)
    }

    /// Notes a request's arrival: if its key was told to retry after a while, records the wait.
    pub fn arrived(&self, key: &str) {
        let issued = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        if let Some((at, seconds)) = issued {
            self.log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(RetryAfterRecord {
                    key: key.to_string(),
                    retry_after: Duration::from_secs(seconds),
                    waited: at.elapsed(),
                });
        }
    }

    /// Notes a `Retry-After` answered now to the request with this key.
    pub fn told_to_wait(&self, key: &str, seconds: u64) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), (Instant::now(), seconds));
    }

    pub fn log(&self) -> Vec<RetryAfterRecord> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Retry-After answers the client never came back after (it gave up, or has not yet).
    pub fn unanswered(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn log_json(&self) -> Value {
        let records: Vec<Value> = self
            .log()
            .iter()
            .map(|r| json!({"key": r.key, "retry_after_ms": r.retry_after.as_millis() as u64, "waited_ms": r.waited.as_millis() as u64, "undercut": r.undercut()}))
            .collect();
        json!({ "records": records, "unanswered": self.unanswered() })
    }
}
