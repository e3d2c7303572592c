//! How the services retry: after a version conflict (another writer changed the record between
//! the read and the write), and while polling a CA that is still reviewing.

use std::time::Duration;

/// Retry settings for the services.
///
/// A version conflict is retried at once, with the record read again, up to
/// [`conflict_attempts`](RetryPolicy::conflict_attempts) times; the last conflict is the error.
/// [`OrderService::wait_for_ca`](crate::service::OrderService::wait_for_ca) polls the CA first
/// after [`delay`](RetryPolicy::delay), then after each wait multiplied by
/// [`backoff`](RetryPolicy::backoff) (at most [`max_delay`](RetryPolicy::max_delay)), and gives
/// up after [`timeout`](RetryPolicy::timeout).
///
/// ```
/// use std::time::Duration;
/// use certdesk::service::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .conflict_attempts(16)
///     .delay(Duration::from_secs(2))
///     .backoff(1.5)
///     .timeout(Duration::from_secs(300));
/// assert_eq!(policy.delays().take(3).collect::<Vec<_>>(),
///            [Duration::from_secs(2), Duration::from_secs(3), Duration::from_millis(4500)]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    conflict_attempts: u32,
    delay: Duration,
    backoff: f32,
    max_delay: Duration,
    timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            conflict_attempts: 8,
            delay: Duration::from_secs(5),
            backoff: 2.0,
            max_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

impl RetryPolicy {
    /// The defaults: 8 attempts on a conflict; CA polls after 5 s, doubling up to 60 s, for at
    /// most 30 minutes.
    pub fn new() -> Self {
        RetryPolicy::default()
    }

    /// How many times a read-modify-write is tried before a conflict is returned (at least 1).
    pub fn conflict_attempts(mut self, attempts: u32) -> Self {
        self.conflict_attempts = attempts.max(1);
        self
    }

    /// The first wait before polling the CA again.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The factor each wait is multiplied by (1.0 for a fixed interval; below 1.0 counts as
    /// 1.0).
    pub fn backoff(mut self, factor: f32) -> Self {
        self.backoff = if factor.is_finite() {
            factor.max(1.0)
        } else {
            1.0
        };
        self
    }

    /// The longest wait between two polls.
    pub fn max_delay(mut self, max: Duration) -> Self {
        self.max_delay = max;
        self
    }

    /// How long to poll in all before giving up.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The number of attempts on a conflict.
    pub fn attempts(&self) -> u32 {
        self.conflict_attempts
    }

    /// The polling timeout.
    pub fn total_timeout(&self) -> Duration {
        self.timeout
    }

    /// The successive waits between polls (endless; the caller stops at the timeout).
    pub fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        let (first, factor, max) = (self.delay.min(self.max_delay), self.backoff, self.max_delay);
        std::iter::successors(Some(first), move |d| Some(d.mul_f32(factor).min(max)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_the_cap() {
        let p = RetryPolicy::new()
            .delay(Duration::from_secs(5))
            .backoff(2.0)
            .max_delay(Duration::from_secs(30));
        let d: Vec<u64> = p.delays().take(5).map(|d| d.as_secs()).collect();
        assert_eq!(d, [5, 10, 20, 30, 30]);
        assert_eq!(RetryPolicy::new().conflict_attempts(0).attempts(), 1);
        let fixed = RetryPolicy::new()
            .backoff(f32::NAN)
            .delay(Duration::from_secs(1));
        assert_eq!(fixed.delays().nth(3), Some(Duration::from_secs(1)));
    }
}
