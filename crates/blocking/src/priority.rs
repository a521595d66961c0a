//! The priority background work runs at: lowered only while it computes.
//!
//! A thread at a low priority that holds a lock someone else needs makes them wait as
//! long as the scheduler keeps it off the cores: under `SCHED_IDLE` on a busy machine,
//! up to hundreds of milliseconds. A background pool's worker takes and gives back locks
//! shared with request threads (its job queue, the channel that wakes the waiting request,
//! the allocator), so where the process may raise a thread's priority again (see
//! [`reversible`]) its workers stay at normal priority and lower it only inside
//! [`lowered`], around the pure computation (a password hash touches nothing but its own
//! working area). Where it may not, they stay at their lowered nice value throughout.

use std::cell::Cell;

/// How a background job lowers its thread's priority inside [`lowered`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lowering {
    /// Not at all: the thread is not a background worker, or stays lowered throughout.
    None,
    /// To nice `to` (Linux: per thread), and back to `from`.
    Nice { to: i32, from: i32 },
    /// To `SCHED_IDLE`: the thread runs only when nothing else wants its core.
    Idle,
}

thread_local! {
    static LOWERING: Cell<Lowering> = const { Cell::new(Lowering::None) };
}

/// Sets how [`lowered`] lowers the calling thread for the job it is about to run.
pub(crate) fn set_lowering(lowering: Lowering) {
    LOWERING.with(|l| l.set(lowering));
}

/// Runs `f` at the priority its background job was given (nothing changes on any other
/// thread), and restores the thread's own priority before returning. `f` should take no lock that
/// threads at normal priority take too.
pub fn lowered<R>(f: impl FnOnce() -> R) -> R {
    let lowering = LOWERING.with(Cell::get);
    let applied = match lowering {
        Lowering::None => false,
        Lowering::Nice { to, .. } => set_nice(to),
        Lowering::Idle => set_idle(true),
    };
    let out = f();
    if applied {
        match lowering {
            Lowering::Nice { from, .. } => set_nice(from),
            _ => set_idle(false),
        };
    }
    out
}

/// The lowering to nice `nice` for a thread at its current nice value (never above it).
pub(crate) fn to_nice(nice: i32) -> Lowering {
    let from = current_nice();
    Lowering::Nice {
        to: nice.max(from),
        from,
    }
}

/// Whether this process may lower a thread to nice `nice` and to `SCHED_IDLE`, and raise
/// it back to the nice value it had and to `SCHED_OTHER`: that needs `CAP_SYS_NICE`, or an
/// `RLIMIT_NICE` that allows that value (20 for nice 0; systemd: `LimitNICE=`). Tried on a
/// thread of its own (which inherits the caller's nice value), which then ends.
pub(crate) fn reversible(nice: i32) -> bool {
    std::thread::spawn(move || {
        let Lowering::Nice { to, from } = to_nice(nice) else {
            return false;
        };
        set_nice(to) && set_idle(true) && set_idle(false) && set_nice(from)
    })
    .join()
    .unwrap_or(false)
}

/// The calling thread's nice value.
#[cfg(target_os = "linux")]
fn current_nice() -> i32 {
    // SAFETY: reads the calling thread's own nice value.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
}

#[cfg(not(target_os = "linux"))]
fn current_nice() -> i32 {
    0
}

/// Sets the calling thread's nice value (Linux: nice values are per thread). Whether it
/// worked; a refusal leaves the thread as it was.
#[cfg(target_os = "linux")]
pub(crate) fn set_nice(nice: i32) -> bool {
    // SAFETY: plain syscalls on the calling thread's own id; no memory is shared.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, nice) == 0
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn set_nice(_nice: i32) -> bool {
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

#[cfg(all(test, target_os = "linux"))]
pub(crate) mod tests {
    use super::*;

    /// The calling thread's scheduling policy and nice value.
    pub(crate) fn current() -> (i32, i32) {
        // SAFETY: reads the calling thread's own policy.
        (unsafe { libc::sched_getscheduler(0) }, current_nice())
    }

    #[test]
    fn lowered_applies_the_threads_lowering_only_for_its_closure() {
        std::thread::spawn(|| {
            let before = current();
            assert_eq!(lowered(current), before, "no lowering set: nothing changes");
            if !reversible(10) {
                return; // this process could not raise the priority again
            }
            set_lowering(to_nice(10));
            assert_eq!(lowered(current), (libc::SCHED_OTHER, 10));
            assert_eq!(current(), (libc::SCHED_OTHER, 0));
            set_lowering(Lowering::Idle);
            assert_eq!(lowered(current).0, libc::SCHED_IDLE);
            assert_eq!(current(), (libc::SCHED_OTHER, 0));
            // A thread already at nice 5 (a process started with `nice -n 5`) comes back to
            // 5, and is never raised above it.
            assert!(set_nice(5));
            set_lowering(to_nice(10));
            assert_eq!(lowered(current), (libc::SCHED_OTHER, 10));
            assert_eq!(current(), (libc::SCHED_OTHER, 5));
            assert_eq!(to_nice(3), Lowering::Nice { to: 5, from: 5 });
        })
        .join()
        .unwrap();
    }
}
