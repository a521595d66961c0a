//! A fixed set of threads for blocking work (Diesel calls, argon2 hashing), so such
//! work never runs on the async executor and never grows past a known bound.
//!
//! Callers wait asynchronously for a place in the queue, then for the result.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};

use tokio::sync::{oneshot, Semaphore};

mod foreground;
mod priority;
use foreground::Places;
pub use foreground::{Foreground, ForegroundGuard, Throttle};
pub use priority::lowered;
use priority::Lowering;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a job did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// The pool was shut down.
    Closed,
    /// The job panicked; the panic was contained in its worker.
    Panicked,
}

impl std::fmt::Display for PoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PoolError::Closed => "blocking pool is closed",
            PoolError::Panicked => "blocking job panicked",
        })
    }
}

impl std::error::Error for PoolError {}

/// A bounded pool of named worker threads.
#[derive(Clone)]
pub struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    threads: usize,
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    capacity: usize,
    /// Places for jobs running or waiting; bounds memory under overload.
    places: Semaphore,
}

impl BlockingPool {
    /// Starts `threads` workers named `{name}-{i}`; at most `threads + queue` jobs are
    /// accepted at once, further callers wait (asynchronously) for a place.
    pub fn new(name: &str, threads: usize, queue: usize) -> Self {
        Self::start(name, threads, queue, 0, None)
    }

    /// Like [`Self::new`], for CPU-bound bulk work such as password hashing. What a job
    /// computes inside [`lowered`] runs at nice +10 (Linux), after everything else that is
    /// ready, so it uses idle cores fully but never delays request handling or database
    /// work. With a `throttle`, fewer jobs run while foreground work goes on, and their
    /// [`lowered`] part runs under `SCHED_IDLE` (see [`Throttle`]). Where the process may
    /// not raise a thread's priority again, the workers stay at nice +10 throughout and
    /// never use `SCHED_IDLE` (see the `priority` module).
    pub fn background(name: &str, threads: usize, queue: usize, throttle: Option<Throttle>) -> Self {
        Self::start(name, threads, queue, 10, throttle)
    }

    fn start(name: &str, threads: usize, queue: usize, nice: i32, throttle: Option<Throttle>) -> Self {
        let threads = threads.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let places = throttle.map(|t| Arc::new(Places::new(threads, t)));
        let reversible = nice != 0 && priority::reversible(nice);
        for i in 0..threads {
            let rx = Arc::clone(&rx);
            let places = places.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    if nice != 0 && !reversible {
                        priority::set_nice(nice);
                    }
                    let lowered_nice = priority::to_nice(nice);
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => {
                                let place = places.as_deref().map(Places::take);
                                if reversible {
                                    let throttled = place.as_ref().is_some_and(|p| p.throttled);
                                    priority::set_lowering(if throttled { Lowering::Idle } else { lowered_nice });
                                }
                                let started = std::time::Instant::now();
                                job();
                                if let Some(place) = place {
                                    place.rest(started.elapsed());
                                }
                            }
                            Err(_) => return, // all senders dropped: shut down
                        }
                    }
                })
                .expect("spawning a blocking-pool thread");
        }
        Self {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                threads,
                sender: Mutex::new(Some(tx)),
                capacity: threads + queue,
                places: Semaphore::new(threads + queue),
            }),
        }
    }

    /// Runs `f` on a worker and waits for its result.
    pub async fn run<F, T>(&self, f: F) -> Result<T, PoolError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _place = self.inner.places.acquire().await.map_err(|_| PoolError::Closed)?;
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = catch_unwind(AssertUnwindSafe(f)).map_err(|_| PoolError::Panicked);
            let _ = tx.send(outcome);
        });
        {
            let sender = self.inner.sender.lock().map_err(|_| PoolError::Closed)?;
            sender
                .as_ref()
                .ok_or(PoolError::Closed)?
                .send(job)
                .map_err(|_| PoolError::Closed)?;
        }
        rx.await.map_err(|_| PoolError::Closed)?
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.inner.threads
    }

    /// The pool's name (for logs and metrics).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Jobs running or queued right now.
    pub fn busy(&self) -> usize {
        self.inner.capacity - self.inner.places.available_permits()
    }

    /// Stops accepting jobs; workers finish what is queued and exit.
    pub fn close(&self) {
        self.inner.places.close();
        if let Ok(mut sender) = self.inner.sender.lock() {
            sender.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn background_jobs_compute_at_nice_10_and_hold_no_lock_at_it() {
        use priority::tests::current;
        let pool = BlockingPool::background("bg", 1, 1, None);
        let (inside, outside) = pool.run(|| (lowered(current), current())).await.unwrap();
        assert_eq!(inside, (libc::SCHED_OTHER, 10), "what a job computes in `lowered`");
        if priority::reversible(10) {
            assert_eq!(outside, (libc::SCHED_OTHER, 0), "the rest at normal priority");
        } else {
            assert_eq!(outside, (libc::SCHED_OTHER, 10), "at nice +10 throughout");
        }
        let plain = BlockingPool::new("fg", 1, 1).run(|| lowered(current)).await.unwrap();
        assert_eq!(plain, current(), "an ordinary pool lowers nothing");
    }

    #[tokio::test]
    async fn runs_jobs_and_returns_their_results() {
        let pool = BlockingPool::new("t", 2, 4);
        let thread = pool
            .run(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert!(thread.unwrap().starts_with("t-"));
        assert_eq!(pool.busy(), 0);
    }

    #[tokio::test]
    async fn a_panicking_job_is_contained() {
        let pool = BlockingPool::new("t", 1, 1);
        assert_eq!(pool.run(|| panic!("boom")).await, Err::<(), _>(PoolError::Panicked));
        assert_eq!(pool.run(|| 7).await, Ok(7));
    }

    #[tokio::test]
    async fn never_more_jobs_run_at_once_than_threads() {
        let pool = BlockingPool::new("t", 2, 100);
        assert!(peak_running(&pool, 20, 2).await <= 2);
    }

    #[tokio::test]
    async fn a_throttled_pool_runs_fewer_jobs_while_foreground_work_goes_on() {
        let (foreground, pool) = throttled_to_one(3);
        let guard = foreground.enter();
        assert_eq!(
            peak_running(&pool, 6, 50).await,
            1,
            "one at a time beside foreground work"
        );
        drop(guard);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(
            peak_running(&pool, 6, 50).await,
            3,
            "every thread when the foreground is quiet"
        );
    }

    /// A background pool of `threads` that runs one job at a time during foreground work.
    fn throttled_to_one(threads: usize) -> (Foreground, BlockingPool) {
        let foreground = Foreground::default();
        let throttle = Throttle {
            foreground: foreground.clone(),
            threads: 1,
            share_percent: 100,
        };
        (foreground, BlockingPool::background("t", threads, 100, Some(throttle)))
    }

    /// Runs `jobs` jobs of `millis` each on `pool` at once; the most that ran together.
    async fn peak_running(pool: &BlockingPool, jobs: usize, millis: u64) -> usize {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs = (0..jobs).map(|_| {
            let (running, peak, pool) = (running.clone(), peak.clone(), pool.clone());
            async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(millis));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }
        });
        for r in futures_join(jobs).await {
            r.unwrap();
        }
        peak.load(Ordering::SeqCst)
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn throttled_jobs_compute_under_sched_idle_where_the_process_may_leave_it() {
        use priority::tests::current;
        let (foreground, pool) = throttled_to_one(1);
        let guard = foreground.enter();
        let (during, beside) = pool.run(|| (lowered(current), current())).await.unwrap();
        drop(guard);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let after = pool.run(|| lowered(current)).await.unwrap();
        if priority::reversible(10) {
            assert_eq!(during.0, libc::SCHED_IDLE);
            assert_eq!(beside, (libc::SCHED_OTHER, 0), "no lock taken under SCHED_IDLE");
        } else {
            assert_eq!(during, (libc::SCHED_OTHER, 10), "no SCHED_IDLE it could not leave");
        }
        assert_eq!(after, (libc::SCHED_OTHER, 10), "back at nice +10");
    }

    #[tokio::test]
    async fn a_closed_pool_refuses_jobs() {
        let pool = BlockingPool::new("t", 1, 1);
        pool.close();
        assert_eq!(pool.run(|| 1).await, Err(PoolError::Closed));
    }

    async fn futures_join<F>(fs: impl Iterator<Item = F>) -> Vec<F::Output>
    where
        F: std::future::Future + 'static,
        F::Output: 'static,
    {
        let handles: Vec<_> = fs.collect();
        let mut out = Vec::new();
        // Poll all concurrently on a local set.
        let local = tokio::task::LocalSet::new();
        let joins: Vec<_> = handles.into_iter().map(|f| local.spawn_local(f)).collect();
        local
            .run_until(async {
                for j in joins {
                    out.push(j.await.unwrap());
                }
            })
            .await;
        out
    }
}
