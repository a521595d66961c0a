//! Writes of one customer's profile and address book queue up inside an instance.
//!
//! Every write is a compare-and-swap on the row's version, which is what keeps instances
//! sharing a database correct. Within one instance, letting concurrent writers of the
//! same customer race would only make all but one of them fail and start over (with n
//! writers the last one needs n attempts); queueing them first turns that into one
//! attempt each. The queue is first come, first served, so no writer waits behind
//! later ones. Locks are striped by customer, so memory stays fixed.

use std::collections::VecDeque;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::ids::{CustomerId, TenantId};

const STRIPES: usize = 64;

/// Striped, fair async locks keyed by customer.
#[derive(Clone)]
pub struct CustomerLocks {
    stripes: Arc<Vec<Stripe>>,
}

impl Default for CustomerLocks {
    fn default() -> Self {
        Self {
            stripes: Arc::new((0..STRIPES).map(|_| Stripe::default()).collect()),
        }
    }
}

impl CustomerLocks {
    /// Waits until every earlier write of this customer (or of one sharing its stripe)
    /// has finished; the turn lasts until the returned value is dropped.
    pub async fn lock(&self, tenant: TenantId, customer: CustomerId) -> Turn<'_> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (tenant, customer).hash(&mut h);
        let stripe = &self.stripes[(h.finish() % STRIPES as u64) as usize];
        Wait { stripe, ticket: None }.await
    }
}

#[derive(Default)]
struct Stripe {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    held: bool,
    next_ticket: u64,
    /// Waiting writers, oldest first.
    queue: VecDeque<(u64, Waker)>,
    /// The ticket the lock was handed to, until it polls.
    handed: Option<u64>,
}

impl Stripe {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Passes the lock to the oldest waiter, or frees it.
    fn release(state: &mut State) {
        match state.queue.pop_front() {
            Some((ticket, waker)) => {
                state.handed = Some(ticket);
                waker.wake();
            }
            None => state.held = false,
        }
    }
}

/// A writer's turn: dropping it lets the next writer in.
pub struct Turn<'a> {
    stripe: &'a Stripe,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        Stripe::release(&mut self.stripe.state());
    }
}

struct Wait<'a> {
    stripe: &'a Stripe,
    ticket: Option<u64>,
}

impl<'a> Future for Wait<'a> {
    type Output = Turn<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Turn<'a>> {
        let stripe = self.stripe;
        let mut state = stripe.state();
        match self.ticket {
            None if !state.held => {
                state.held = true;
                Poll::Ready(Turn { stripe })
            }
            None => {
                let ticket = state.next_ticket;
                state.next_ticket += 1;
                state.queue.push_back((ticket, cx.waker().clone()));
                drop(state);
                self.ticket = Some(ticket);
                Poll::Pending
            }
            Some(ticket) if state.handed == Some(ticket) => {
                state.handed = None;
                drop(state);
                self.ticket = None;
                Poll::Ready(Turn { stripe })
            }
            Some(ticket) => {
                if let Some(entry) = state.queue.iter_mut().find(|(t, _)| *t == ticket) {
                    entry.1 = cx.waker().clone();
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Wait<'_> {
    /// A writer that gives up waiting leaves the queue, and passes the lock on if it had
    /// been handed to it already.
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let mut state = self.stripe.state();
        if state.handed == Some(ticket) {
            state.handed = None;
            Stripe::release(&mut state);
        } else {
            state.queue.retain(|(t, _)| *t != ticket);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn a_dropped_turn_frees_the_lock() {
        let locks = CustomerLocks::default();
        let takes_at_once = || {
            let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
            let mut f = Box::pin(locks.lock(TenantId::new(1), CustomerId::new(7)));
            matches!(poll(&mut f, &waker), Poll::Ready(_))
        };
        assert!(takes_at_once());
        assert!(takes_at_once(), "the first turn ended with its value");
    }

    #[test]
    fn waiters_get_their_turn_in_arrival_order_and_leaving_the_queue_passes_it_on() {
        let locks = CustomerLocks::default();
        let counter = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let stripe = &locks.stripes[0];
        let mut first = Box::pin(Wait { stripe, ticket: None });
        let Poll::Ready(turn) = poll(&mut first, &waker) else {
            panic!("a free lock is taken at once")
        };
        let mut second = Box::pin(Wait { stripe, ticket: None });
        let mut third = Box::pin(Wait { stripe, ticket: None });
        assert!(poll(&mut second, &waker).is_pending());
        assert!(poll(&mut third, &waker).is_pending());
        drop(turn);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1, "the oldest waiter is woken");
        // The third cannot jump the queue; the second, handed the lock, gives up.
        assert!(poll(&mut third, &waker).is_pending());
        drop(second);
        let Poll::Ready(turn) = poll(&mut third, &waker) else {
            panic!("the lock passes on to the next waiter")
        };
        drop(turn);
        assert!(!stripe.state().held);
    }
}
