//! Per-client-IP rate limits for the endpoints that check credentials or create accounts
//! (logins, token grants, sign-ups): a token bucket per address, in memory. Per-account
//! lockout lives in the domain; this stops one client spraying many accounts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::HttpRequest;

use crate::problem::Problem;

/// Buckets kept before idle ones are dropped.
const MAX_TRACKED: usize = 50_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per client address: `per_minute` attempts, bursts up to that many.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `ip`, or says how many seconds until the next is allowed.
    pub fn take(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute.max(1));
        let per_sec = capacity / 60.0;
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_TRACKED {
            // Full buckets carry no state worth keeping.
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * per_sec < capacity);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_sec).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / per_sec).ceil().max(1.0) as u64)
        }
    }

    /// Takes one attempt for the request's peer address (requests without one pass).
    pub fn check(&self, req: &HttpRequest) -> Result<(), Problem> {
        match req.peer_addr() {
            Some(peer) => self.take(peer.ip(), Instant::now()).map_err(|secs| {
                tracing::warn!(client = %peer.ip(), event = "rate_limited", retry_after = secs, "too many attempts");
                Problem::TooManyRequests(secs)
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_are_unaffected() {
        let limiter = RateLimiter::new(3);
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.take(a, t0).is_ok()));
        assert_eq!(limiter.take(a, t0), Err(20), "3 per minute: one every 20 s");
        assert!(limiter.take(b, t0).is_ok());
        assert!(limiter.take(a, t0 + Duration::from_secs(20)).is_ok());
        assert!(limiter.take(a, t0 + Duration::from_secs(20)).is_err());
    }
}
