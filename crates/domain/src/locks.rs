//! Writes of one customer's profile and address book queue up inside an instance.
//!
//! Every write is a compare-and-swap on the row's version, which is what keeps instances
//! sharing a database correct. Within one instance, letting concurrent writers of the
//! same customer race would only make all but one of them fail and start over (with n
//! writers the last one needs n attempts); queueing them first turns that into one
//! attempt each. Locks are striped by customer, so memory stays fixed.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use futures_util::lock::{Mutex, MutexGuard};

use crate::ids::{CustomerId, TenantId};

const STRIPES: usize = 64;

/// Striped async locks keyed by customer.
#[derive(Clone)]
pub struct CustomerLocks {
    stripes: Arc<Vec<Mutex<()>>>,
}

impl Default for CustomerLocks {
    fn default() -> Self {
        Self {
            stripes: Arc::new((0..STRIPES).map(|_| Mutex::new(())).collect()),
        }
    }
}

impl CustomerLocks {
    /// Waits until no other write of this customer (or of one sharing its stripe) runs.
    pub async fn lock(&self, tenant: TenantId, customer: CustomerId) -> MutexGuard<'_, ()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (tenant, customer).hash(&mut h);
        let stripe = (h.finish() % STRIPES as u64) as usize;
        self.stripes[stripe].lock().await
    }
}
