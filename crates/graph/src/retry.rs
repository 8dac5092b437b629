//! When a failed Graph call is tried again, and after how long: `Retry-After` is obeyed to the
//! second (never less), other transient failures back off exponentially with jitter, and every
//! call has a budget of waiting after which the failure goes back to the caller with its
//! `retry_after`, so the SCIM layer answers 429/503 instead of hanging.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::random;

/// How patient one client call is. The budget counts time spent waiting between attempts, not
/// the attempts themselves (the transport's own timeout bounds those).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total waiting allowed per call; a `Retry-After` that would exceed it ends the call at once.
    pub max_wait: Duration,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// First backoff when Graph gives no `Retry-After`; doubles each time, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_wait: Duration::from_secs(30),
            max_attempts: 10,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// Whether a request may be sent twice. Graph refuses a throttled (429) or unavailable (503)
/// request before acting on it, so those are retried whatever the method; a 500, 502, 504 or a
/// lost connection may come after the change was made, so only requests whose repetition
/// changes nothing are retried then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// GET, PUT, DELETE, and PATCH of plain properties.
    Safe,
    /// POST `.../$ref`: a repetition answers "already exist", which then means success.
    ReferenceAdd,
    /// Creates and other POSTs, PATCH with `@odata.bind`: sent again only after 429/503.
    Unsafe,
}

impl Replay {
    pub(crate) fn of(method: &http::Method, body: Option<&serde_json::Value>) -> Replay {
        match *method {
            http::Method::GET | http::Method::HEAD | http::Method::PUT | http::Method::DELETE => {
                Replay::Safe
            }
            // Binding members twice fails the second time ("already exist"), so not plain.
            http::Method::PATCH
                if !body
                    .and_then(|b| b.as_object())
                    .is_some_and(|o| o.keys().any(|k| k.ends_with("@odata.bind"))) =>
            {
                Replay::Safe
            }
            _ => Replay::Unsafe,
        }
    }

    fn after_ambiguous_failure(self) -> bool {
        self != Replay::Unsafe
    }

    /// The replay of a batch: as safe as its least safe request.
    pub(crate) fn of_all(replays: impl IntoIterator<Item = Replay>) -> Replay {
        if replays.into_iter().all(|r| r != Replay::Unsafe) {
            Replay::Safe
        } else {
            Replay::Unsafe
        }
    }
}

/// What went wrong with one attempt, as far as retrying cares.
pub(crate) enum Failure {
    /// Graph (or the token endpoint) answered with this status.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// No answer at all.
    NoAnswer,
}

/// One call's remaining patience.
pub(crate) struct Budget<'p> {
    policy: &'p RetryPolicy,
    waited: Duration,
    attempts: u32,
}

impl<'p> Budget<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy) -> Self {
        Self {
            policy,
            waited: Duration::ZERO,
            attempts: 1,
        }
    }

    /// How long to wait before trying again, or `None` when the failure is final: not
    /// transient, not safe to repeat, or beyond the budget.
    pub(crate) fn next_wait(&mut self, failure: &Failure, replay: Replay) -> Option<Duration> {
        let wait = self.wait_for(failure, replay)?;
        self.spend(wait).then_some(wait)
    }

    /// The wait `failure` asks for if it is worth another attempt, without spending it.
    pub(crate) fn wait_for(&self, failure: &Failure, replay: Replay) -> Option<Duration> {
        let (retry_after, retriable) = match *failure {
            Failure::Status {
                status: 429 | 503,
                retry_after,
            } => (retry_after, true),
            Failure::Status {
                status: 500 | 502 | 504,
                retry_after,
            } => (retry_after, replay.after_ambiguous_failure()),
            Failure::Status { .. } => (None, false),
            Failure::NoAnswer => (None, replay.after_ambiguous_failure()),
        };
        retriable.then(|| match retry_after {
            Some(seconds) => Duration::from_secs(seconds),
            None => self.backoff(),
        })
    }

    /// Takes `wait` from the budget for one more attempt; `false` (nothing taken) when it does
    /// not fit. Never a shorter wait than asked: the caller then gets the failure with its
    /// retry_after and decides.
    pub(crate) fn spend(&mut self, wait: Duration) -> bool {
        if self.attempts >= self.policy.max_attempts || self.waited + wait > self.policy.max_wait {
            return false;
        }
        self.waited += wait;
        self.attempts += 1;
        true
    }

    /// Exponential backoff with "equal jitter": half the step fixed, half random, so clients
    /// failing together do not come back together.
    fn backoff(&self) -> Duration {
        let doublings = (self.attempts - 1).min(16);
        let step = self
            .policy
            .base_backoff
            .saturating_mul(1 << doublings)
            .min(self.policy.max_backoff);
        let half = step / 2;
        let half_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(random::up_to(half_ms))
    }
}

/// A failed attempt the client has waited after and now repeats, for the transport's log:
/// Graph's request-id and the call's client-request-id tie it to Graph's own records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNotice {
    pub method: String,
    /// Path and query, without the host.
    pub path: String,
    /// The status Graph answered, or `None` when no answer came (see `message`).
    pub status: Option<u16>,
    pub request_id: Option<String>,
    /// Sent as `client-request-id` on every attempt of one call.
    pub client_request_id: String,
    pub message: String,
    pub wait: Duration,
    /// The attempt that failed, from 1.
    pub attempt: u32,
}

impl fmt::Display for RetryNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} attempt {} ", self.method, self.path, self.attempt)?;
        match self.status {
            Some(status) => write!(f, "answered {status}")?,
            None => f.write_str("got no answer")?,
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request-id {id}")?;
        } else {
            f.write_str(" (no request-id")?;
        }
        write!(
            f,
            ", client-request-id {}); retrying after {:.1} s",
            self.client_request_id,
            self.wait.as_secs_f64()
        )
    }
}

/// Seconds to wait from a `Retry-After` value: delta-seconds, or an HTTP-date (IMF-fixdate,
/// `Sun, 06 Nov 1994 08:49:37 GMT`) counted from `now` and rounded up, 0 when already past.
pub(crate) fn retry_after_seconds(value: &str, now: SystemTime) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let at = http_date(value)?;
    let now = now.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    let now_secs = now.as_secs() + u64::from(now.subsec_nanos() > 0);
    Some(at.saturating_sub(now_secs))
}

/// Unix seconds of an IMF-fixdate; the obsolete RFC 850 and asctime forms are not sent by Graph.
fn http_date(text: &str) -> Option<u64> {
    let (_, rest) = text.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<u64> = time
        .split(':')
        .map(|n| n.parse().ok().filter(|_| n.len() == 2))
        .collect::<Option<_>>()?;
    let [h, m, s] = hms[..] else { return None };
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    u64::try_from(days)
        .ok()
        .map(|d| d * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
