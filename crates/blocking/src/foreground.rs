//! Foreground work (requests someone is waiting for) and the background pools that hold
//! back while it runs.
//!
//! On a machine with few cores, password hashes running on every core beside cheap
//! requests double those requests' tail latency, even at the lowest priority: each
//! hash streams through 19 MiB and leaves the core's caches cold for the next request.
//! A pool given a [`Throttle`] runs fewer jobs at once while foreground work is in
//! progress, and all its threads otherwise. Where the process may (see
//! [`idle_policy_reversible`]), a job started meanwhile also runs under `SCHED_IDLE`, so
//! any request that wakes up takes its core at once.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Foreground work counts as going on for this long after the last piece of it ended,
/// so a steady stream of short requests with gaps between them counts as one.
const LINGER: Duration = Duration::from_millis(10);

/// How often a held-back job looks again whether the foreground work has ended.
const RECHECK: Duration = Duration::from_millis(5);

/// Counts foreground work in progress; cheap to clone and to enter.
#[derive(Clone)]
pub struct Foreground {
    inner: Arc<ForegroundInner>,
}

struct ForegroundInner {
    in_flight: AtomicUsize,
    /// When the last piece ended, in microseconds since `epoch` (0: never).
    last_end_us: AtomicU64,
    epoch: Instant,
}

impl Default for Foreground {
    fn default() -> Self {
        Self {
            inner: Arc::new(ForegroundInner {
                in_flight: AtomicUsize::new(0),
                last_end_us: AtomicU64::new(0),
                epoch: Instant::now(),
            }),
        }
    }
}

impl Foreground {
    /// Marks a piece of foreground work in progress until the guard is dropped.
    pub fn enter(&self) -> ForegroundGuard {
        self.inner.in_flight.fetch_add(1, Ordering::Relaxed);
        ForegroundGuard {
            inner: Arc::clone(&self.inner),
        }
    }

    /// Whether foreground work is in progress or ended less than [`LINGER`] ago.
    pub fn active(&self) -> bool {
        self.active_at(self.inner.now_us())
    }

    fn active_at(&self, now_us: u64) -> bool {
        let inner = &self.inner;
        if inner.in_flight.load(Ordering::Relaxed) > 0 {
            return true;
        }
        let last = inner.last_end_us.load(Ordering::Relaxed);
        last != 0 && now_us.saturating_sub(last) < LINGER.as_micros() as u64
    }
}

impl ForegroundInner {
    fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// Ends its piece of foreground work when dropped.
pub struct ForegroundGuard {
    inner: Arc<ForegroundInner>,
}

impl Drop for ForegroundGuard {
    fn drop(&mut self) {
        self.inner.last_end_us.store(self.inner.now_us(), Ordering::Relaxed);
        self.inner.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A pool's limit while foreground work goes on.
#[derive(Clone)]
pub struct Throttle {
    pub foreground: Foreground,
    /// Jobs that may run at once meanwhile (at least 1).
    pub threads: usize,
}

/// Places for running jobs: all of the pool's threads, or the throttle's number while
/// foreground work goes on. Jobs hold a place while they run.
pub(crate) struct Places {
    running: Mutex<usize>,
    freed: Condvar,
    threads: usize,
    throttle: Throttle,
}

impl Places {
    pub(crate) fn new(threads: usize, throttle: Throttle) -> Self {
        Self {
            running: Mutex::new(0),
            freed: Condvar::new(),
            threads,
            throttle,
        }
    }

    /// The number of jobs that may run now, and whether that is the throttle's.
    fn limit(&self) -> (usize, bool) {
        if self.throttle.foreground.active() {
            (self.throttle.threads.clamp(1, self.threads), true)
        } else {
            (self.threads, false)
        }
    }

    /// Waits for a place; the place is given back when the returned guard drops.
    pub(crate) fn take(&self) -> Place<'_> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let (limit, throttled) = self.limit();
            if *running < limit {
                *running += 1;
                return Place {
                    places: self,
                    throttled,
                };
            }
            running = self
                .freed
                .wait_timeout(running, RECHECK)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

pub(crate) struct Place<'a> {
    places: &'a Places,
    /// Taken while foreground work went on.
    pub(crate) throttled: bool,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut running = self.places.running.lock().unwrap_or_else(|e| e.into_inner());
        *running -= 1;
        self.places.freed.notify_one();
    }
}

/// Whether this process may move a thread to `SCHED_IDLE` and back to its nice value
/// (`nice`): leaving `SCHED_IDLE` needs `CAP_SYS_NICE` or an `RLIMIT_NICE` that allows
/// `nice` (systemd: `LimitNICE=`). Tried on a thread of its own, which then ends.
#[cfg(target_os = "linux")]
pub(crate) fn idle_policy_reversible(nice: i32) -> bool {
    std::thread::spawn(move || {
        crate::lower_priority(nice);
        set_idle(true) && set_idle(false)
    })
    .join()
    .unwrap_or(false)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn idle_policy_reversible(_nice: i32) -> bool {
    false
}

/// Moves the calling thread to `SCHED_IDLE`, or back to `SCHED_OTHER` (its nice value
/// stays). Whether it worked.
#[cfg(target_os = "linux")]
pub(crate) fn set_idle(idle: bool) -> bool {
    let policy = if idle { libc::SCHED_IDLE } else { libc::SCHED_OTHER };
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: changes only the calling thread's (pid 0) policy; `param` outlives the call.
    unsafe { libc::sched_setscheduler(0, policy, &param) == 0 }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn set_idle(_idle: bool) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreground_work_lingers_briefly_after_it_ends() {
        let fg = Foreground::default();
        assert!(!fg.active(), "nothing has run yet");
        let guard = fg.enter();
        let other = fg.enter();
        assert!(fg.active_at(u64::MAX));
        drop(guard);
        assert!(fg.active_at(u64::MAX), "one piece still runs");
        drop(other);
        let ended = fg.inner.last_end_us.load(Ordering::Relaxed);
        let linger = LINGER.as_micros() as u64;
        assert!(fg.active_at(ended + linger - 1), "it just ended");
        assert!(!fg.active_at(ended + linger));
    }

    #[test]
    fn places_shrink_to_the_throttle_while_foreground_work_goes_on() {
        let fg = Foreground::default();
        let places = Places::new(
            3,
            Throttle {
                foreground: fg.clone(),
                threads: 1,
            },
        );
        assert_eq!(places.limit(), (3, false));
        let guard = fg.enter();
        assert_eq!(places.limit(), (1, true));
        assert!(places.take().throttled);
        drop(guard);
        std::thread::sleep(LINGER + Duration::from_millis(5));
        assert_eq!(places.limit(), (3, false));
        assert!(!places.take().throttled);
    }
}
