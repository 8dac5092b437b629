//! Graph's identity-service throttling, when asked for: every request costs resource units
//! (Microsoft's base-cost table, adjusted by `$select`, `$expand` and `$top`), and the app and
//! tenant pair may spend a quota of them per 10 seconds (S: 3,500 below 50 users, M: 5,000 up
//! to 500, L: 8,000 above) and make 3,000 writes per 150 seconds. A request over either is
//! answered 429 with a `Retry-After` of when enough of the window will have passed; throttled
//! requests cost nothing. (Graph's "Microsoft Graph service-specific throttling limits",
//! identity and access service limits.)

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::Method;

const UNIT_WINDOW: Duration = Duration::from_secs(10);
const WRITE_WINDOW: Duration = Duration::from_secs(150);
const WRITE_QUOTA: u32 = 3_000;

/// The resource-unit quota per 10 seconds of a tenant with this many users.
pub fn tenant_quota(users: usize) -> u32 {
    match users {
        0..50 => 3_500,
        50..=500 => 5_000,
        _ => 8_000,
    }
}

/// What one request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub units: u32,
    pub writes: u32,
}

/// What creating a user adds in an Azure AD B2C tenant ("Creating a user in an Azure AD B2C
/// tenant increases cost by 4").
pub const B2C_USER_CREATION_SURCHARGE: u32 = 4;

/// The cost of `method` on `path` (segments after `v1.0`) with this query string, in an
/// Entra ID tenant.
pub fn cost(method: &Method, path: &[String], query: Option<&str>) -> Cost {
    cost_in(method, path, query, false)
}

/// [`cost`] in an Entra ID tenant, or with `b2c` in an Azure AD B2C one.
pub fn cost_in(method: &Method, path: &[String], query: Option<&str>, b2c: bool) -> Cost {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let base: i64 = match (method, &p[..]) {
        (&Method::GET, ["users"]) | (&Method::GET, ["applications"]) => 2,
        (&Method::GET, ["groups", _, "members"]) => 3,
        (&Method::GET, ["groups", _, "transitiveMembers"]) => 5,
        (&Method::GET, ["subscribedSkus"]) => 3,
        (&Method::POST, ["directoryObjects", "getByIds"]) => 3,
        _ => 1,
    };
    let mut adjustment = 0;
    for pair in query.unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name.trim_start_matches("%24").trim_start_matches('$') {
            "select" => adjustment -= 1,
            "expand" => adjustment += 1,
            "top" if value.parse::<u32>().is_ok_and(|top| top < 20) => adjustment -= 1,
            _ => {}
        }
    }
    let writes = u32::from(*method != Method::GET && *method != Method::HEAD);
    let surcharge = match (method, &p[..]) {
        (&Method::POST, ["users"]) if b2c => B2C_USER_CREATION_SURCHARGE,
        _ => 0,
    };
    Cost { units: (base + adjustment).max(1) as u32 + surcharge, writes }
}

/// What the app and tenant pair spent recently.
#[derive(Debug, Default)]
pub struct Budget {
    spent: Mutex<Spent>,
}

#[derive(Debug, Default)]
struct Spent {
    units: VecDeque<(Instant, u32)>,
    writes: VecDeque<Instant>,
}

impl Budget {
    /// Spends `cost` within `quota` units per 10 s, or says after how many seconds to retry.
    pub fn charge(&self, quota: u32, cost: Cost) -> Result<(), u64> {
        let now = Instant::now();
        let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        while spent.units.front().is_some_and(|(at, _)| now.duration_since(*at) >= UNIT_WINDOW) {
            spent.units.pop_front();
        }
        while spent.writes.front().is_some_and(|at| now.duration_since(*at) >= WRITE_WINDOW) {
            spent.writes.pop_front();
        }
        let units: u32 = spent.units.iter().map(|(_, units)| units).sum();
        if units + cost.units > quota {
            // When the oldest charges leave the window, enough room is free.
            let mut freed = 0;
            let mut until = now;
            for (at, charged) in &spent.units {
                freed += charged;
                until = *at + UNIT_WINDOW;
                if units - freed + cost.units <= quota {
                    break;
                }
            }
            return Err(seconds_until(now, until));
        }
        if cost.writes > 0 && spent.writes.len() as u32 + cost.writes > WRITE_QUOTA {
            let oldest = spent.writes.front().copied().unwrap_or(now);
            return Err(seconds_until(now, oldest + WRITE_WINDOW));
        }
        spent.units.push_back((now, cost.units));
        spent.writes.extend(std::iter::repeat_n(now, cost.writes as usize));
        Ok(())
    }
}

/// Whole seconds from `now` until `then`, rounded up, at least one.
fn seconds_until(now: Instant, then: Instant) -> u64 {
    let wait = then.saturating_duration_since(now);
    (wait.as_millis().div_ceil(1000) as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split('/').map(str::to_string).collect()
    }

    #[test]
    fn costs_follow_graphs_table_and_adjustments() {
        assert_eq!(cost(&Method::GET, &path("users"), None), Cost { units: 2, writes: 0 });
        assert_eq!(cost(&Method::GET, &path("users"), Some("$select=id&$expand=manager")).units, 2);
        assert_eq!(cost(&Method::GET, &path("users"), Some("%24select=id&%24top=10")).units, 1);
        assert_eq!(cost(&Method::GET, &path("groups/g1/members"), Some("$top=999")).units, 3);
        assert_eq!(cost(&Method::GET, &path("users/u1"), Some("$select=id")).units, 1, "never below 1");
        assert_eq!(cost(&Method::PATCH, &path("users/u1"), None), Cost { units: 1, writes: 1 });
        assert_eq!(cost(&Method::POST, &path("users"), None).units, 1);
        assert_eq!(cost_in(&Method::POST, &path("users"), None, true), Cost { units: 5, writes: 1 });
        assert_eq!(cost_in(&Method::PATCH, &path("users/u1"), None, true).units, 1, "only creation costs more");
    }

    #[test]
    fn a_request_over_the_quota_waits_until_the_window_frees_room() {
        let budget = Budget::default();
        let two = Cost { units: 2, writes: 0 };
        for _ in 0..5 {
            budget.charge(10, two).unwrap();
        }
        let retry_after = budget.charge(10, two).unwrap_err();
        assert!((9..=10).contains(&retry_after), "{retry_after}");
        assert_eq!(budget.charge(11, Cost { units: 1, writes: 0 }), Ok(()), "a throttled request cost nothing");
    }

    #[test]
    fn tenant_sizes() {
        assert_eq!((tenant_quota(49), tenant_quota(50), tenant_quota(500), tenant_quota(501)), (3_500, 5_000, 5_000, 8_000));
    }
}
