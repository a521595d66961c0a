//! Foreground work (requests someone is waiting for) and the background pools that hold
//! back while it runs.
//!
//! On a machine with few cores, password hashes running on every core beside cheap
//! requests double those requests' tail latency, even at the lowest priority: each
//! hash streams through 19 MiB and leaves the core's caches cold for the next request.
//! A pool given a [`Throttle`] runs fewer jobs at once while foreground work is in
//! progress, and all its threads otherwise. Where the process may (see the `priority`
//! module), what a job started meanwhile computes runs under `SCHED_IDLE`, so any request
//! that wakes up takes its core at once.

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
    /// The share of its time (percent, 1–100) each of those places may spend running
    /// jobs meanwhile: after a job that took `t`, its place stays taken for
    /// `t × (100 − share) / share`, or until the foreground work ends.
    pub share_percent: u32,
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

impl Place<'_> {
    /// Keeps a place taken during foreground work for as long as the throttle's share
    /// asks after a job that took `ran`: a pause that lets the cores go idle now and then,
    /// so the scheduler spreads the foreground work over all of them again, and that bounds
    /// how much of the machine jobs take while it goes on.
    pub(crate) fn rest(self, ran: Duration) {
        let throttle = &self.places.throttle;
        let share = throttle.share_percent.clamp(1, 100);
        if !self.throttled || share == 100 {
            return;
        }
        let until = Instant::now() + ran * (100 - share) / share;
        while throttle.foreground.active() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(RECHECK));
        }
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut running = self.places.running.lock().unwrap_or_else(|e| e.into_inner());
        *running -= 1;
        self.places.freed.notify_one();
    }
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

    /// Places for `threads` jobs, one while foreground work goes on, at `share_percent`.
    fn one_place_under_load(threads: usize, share_percent: u32) -> (Foreground, Places) {
        let foreground = Foreground::default();
        let throttle = Throttle {
            foreground: foreground.clone(),
            threads: 1,
            share_percent,
        };
        (foreground, Places::new(threads, throttle))
    }

    #[test]
    fn a_place_taken_during_foreground_work_rests_for_its_share_until_that_work_ends() {
        let (fg, places) = one_place_under_load(2, 25);
        let ran = Duration::from_millis(20);
        fn timed(place: Place<'_>, ran: Duration) -> Duration {
            let start = Instant::now();
            place.rest(ran);
            start.elapsed()
        }
        assert!(timed(places.take(), ran) < ran, "no foreground work: no rest");
        let guard = fg.enter();
        assert!(
            timed(places.take(), ran) >= ran * 3,
            "three times the run at a 25 % share"
        );
        let place = places.take();
        let ends = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            drop(guard);
        });
        assert!(
            timed(place, Duration::from_secs(10)) < Duration::from_secs(5),
            "the rest ends with the foreground work"
        );
        ends.join().unwrap();
    }

    #[test]
    fn places_shrink_to_the_throttle_while_foreground_work_goes_on() {
        let (fg, places) = one_place_under_load(3, 100);
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
