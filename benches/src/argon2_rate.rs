//! The raw argon2id rate: the product's own hasher with its default (OWASP) parameters,
//! called synchronously on plain OS threads, with no HTTP, database or pool around it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clientele_blocking::BlockingPool;
use clientele_crypto::{Argon2Params, Argon2idHasher};
use serde::Serialize;

use crate::BoxError;

/// The same password the bench's sign-ups and profile reads use.
const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Serialize)]
pub struct Rates {
    pub hashes_per_sec: f64,
    pub verifies_per_sec: f64,
    pub threads: usize,
}

/// Hashes for `phase` on `threads` threads, then verifies for `phase` on as many.
pub fn measure(phase: Duration, threads: usize) -> Result<Rates, BoxError> {
    // The hasher wants a pool for its async API; the *_blocking calls measured here
    // run on the calling thread and never touch it.
    let hasher = Argon2idHasher::new(Argon2Params::default(), BlockingPool::new("floor-argon2", 1, 0))?;
    let phc = hasher.hash_blocking(PASSWORD).map_err(|e| e.0)?;

    let hashes_per_sec = rate(phase, threads, || hasher.hash_blocking(PASSWORD).is_ok())?;
    let verifies_per_sec = rate(phase, threads, || hasher.verify_blocking(PASSWORD, &phc))?;
    Ok(Rates {
        hashes_per_sec,
        verifies_per_sec,
        threads,
    })
}

/// Runs `op` in a loop on `threads` threads for `phase`; operations per second, summed
/// over threads, each thread's count divided by the time it actually ran.
fn rate(phase: Duration, threads: usize, op: impl Fn() -> bool + Sync) -> Result<f64, BoxError> {
    let failed = AtomicBool::new(false);
    let per_thread: Vec<f64> = thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let start = Instant::now();
                    let mut done = 0u64;
                    while start.elapsed() < phase {
                        if !op() {
                            failed.store(true, Ordering::Relaxed);
                            break;
                        }
                        done += 1;
                    }
                    done as f64 / start.elapsed().as_secs_f64()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0.0)).collect()
    });
    if failed.load(Ordering::Relaxed) {
        return Err("argon2id hash or verify failed".into());
    }
    // Two decimals are more than the run-to-run noise already.
    Ok((per_thread.iter().sum::<f64>() * 100.0).round() / 100.0)
}
