//! A per-account, per-call rate limit: a token bucket for each (account, call), refilled by
//! the [`Clock`]. A call over the limit is refused at once, never queued.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use crate::backend::{Clock, Scope};
use crate::service::ServiceError;

/// At most `per_second` calls a second for each account and call, with bursts of up to
/// `burst` (Tencent: 10 requests a second for each CSR API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained calls per second (at least 1).
    pub per_second: u32,
    /// Calls allowed at once after a quiet spell (at least 1).
    pub burst: u32,
}

impl RateLimit {
    /// Tencent's limit for the CSR APIs: 10 a second, bursts of 10.
    pub const TENCENT: RateLimit = RateLimit {
        per_second: 10,
        burst: 10,
    };
}

/// Buckets that are full again are swept out once the map reaches `sweep_at` (at first
/// `MAX_BUCKETS`); after a sweep the next one waits until the map has doubled what was left,
/// so sweeping costs O(1) amortised per call however many accounts stay active, and memory
/// follows the accounts active in the last `burst / per_second` seconds.
const MAX_BUCKETS: usize = 100_000;

struct Bucket {
    tokens: f64,
    at: OffsetDateTime,
}

struct Buckets {
    map: HashMap<(String, &'static str), Bucket>,
    /// The size at which the next sweep runs.
    sweep_at: usize,
    /// Sweeps so far (for the tests' accounting).
    sweeps: u64,
}

pub(crate) struct RateLimiter {
    limit: RateLimit,
    clock: Arc<dyn Clock>,
    buckets: Mutex<Buckets>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit, clock: Arc<dyn Clock>) -> Self {
        RateLimiter {
            limit: RateLimit {
                per_second: limit.per_second.max(1),
                burst: limit.burst.max(1),
            },
            clock,
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                sweep_at: MAX_BUCKETS,
                sweeps: 0,
            }),
        }
    }

    pub(crate) fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Takes a token for `account`'s `call`; `Err(wait)` in milliseconds when there is none.
    pub(crate) fn take(&self, account: &str, call: &'static str) -> Result<(), u64> {
        let now = self.clock.now();
        let rate = f64::from(self.limit.per_second);
        let burst = f64::from(self.limit.burst);
        let mut guard = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let buckets = &mut *guard;
        if buckets.map.len() >= buckets.sweep_at {
            buckets
                .map
                .retain(|_, b| b.tokens + (now - b.at).as_seconds_f64().max(0.0) * rate < burst);
            buckets.sweeps += 1;
            buckets.sweep_at = MAX_BUCKETS.max(buckets.map.len().saturating_mul(2));
        }
        let bucket = buckets
            .map
            .entry((account.to_owned(), call))
            .or_insert(Bucket {
                tokens: burst,
                at: now,
            });
        let elapsed = (now - bucket.at).as_seconds_f64().max(0.0);
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate;
            Err((wait * 1000.0).ceil() as u64)
        }
    }
}

/// Takes a token of `scope`'s account for `call` when there is a limit; refused at once with
/// [`ServiceError::RateLimited`] when there is none left.
pub(crate) fn admit(
    limiter: Option<&RateLimiter>,
    scope: &Scope,
    call: &'static str,
) -> Result<(), ServiceError> {
    match limiter {
        Some(l) => {
            l.take(&scope.account, call)
                .map_err(|retry_after_ms| ServiceError::RateLimited {
                    call,
                    retry_after_ms,
                })
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::FixedClock;
    use time::macros::datetime;

    #[test]
    fn sweeping_stays_amortised_when_every_account_is_active() {
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-23 12:00 UTC)));
        let limiter = RateLimiter::new(RateLimit::TENCENT, clock.clone());
        // MAX_BUCKETS accounts, each with a bucket that is not full (none can be swept).
        for i in 0..MAX_BUCKETS {
            limiter.take(&format!("a{i}"), "create").unwrap();
        }
        // A thousand more active accounts: one sweep, not one per call.
        for i in 0..1000 {
            limiter.take(&format!("b{i}"), "create").unwrap();
        }
        let buckets = limiter.buckets.lock().unwrap();
        assert_eq!(buckets.sweeps, 1);
        assert_eq!(buckets.map.len(), MAX_BUCKETS + 1000);
        drop(buckets);
        // Once they are idle (full again), the next sweep frees them.
        clock.advance(time::Duration::seconds(2));
        let sweep_at = limiter.buckets.lock().unwrap().sweep_at;
        let mut i = 0;
        while limiter.buckets.lock().unwrap().sweeps < 2 {
            limiter.take(&format!("c{i}"), "create").unwrap();
            i += 1;
            assert!(i <= sweep_at, "no second sweep");
        }
        // The idle accounts are gone; only the ones active now are kept.
        let buckets = limiter.buckets.lock().unwrap();
        assert!(
            buckets
                .map
                .keys()
                .all(|(account, _)| account.starts_with('c'))
        );
        assert!(buckets.map.len() <= i);
    }

    #[test]
    fn ten_a_second_per_account_and_call() {
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-23 12:00 UTC)));
        let limiter = RateLimiter::new(RateLimit::TENCENT, clock.clone());
        for _ in 0..10 {
            assert_eq!(limiter.take("a", "create"), Ok(()));
        }
        assert_eq!(limiter.take("a", "create"), Err(100));
        // Another call and another account have their own buckets.
        assert_eq!(limiter.take("a", "list"), Ok(()));
        assert_eq!(limiter.take("b", "create"), Ok(()));
        clock.advance(time::Duration::milliseconds(100));
        assert_eq!(limiter.take("a", "create"), Ok(()));
        assert!(limiter.take("a", "create").is_err());
        clock.advance(time::Duration::seconds(5));
        for _ in 0..10 {
            assert_eq!(limiter.take("a", "create"), Ok(()));
        }
        assert!(limiter.take("a", "create").is_err());
    }
}
