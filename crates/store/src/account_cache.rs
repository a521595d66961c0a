//! Accounts read by token-authenticated requests, kept in memory between requests.
//!
//! Every token-authenticated request reads the session user's customer, user and
//! addresses: about a hundred columns over three tables, which costs PostgreSQL about
//! twice the CPU of the session check alone, and the service most of its own time on
//! SQLite. So the store keeps the account it last read per user with its
//! **revision**: the `row_version`s of the user and the customer row, which the
//! database bumps on every update of the row (migration 000023) and the session check
//! reads along with the session (see `crate::sessions`). Any committed change to the
//! user or customer row — by this instance, another one or a script — changes the
//! revision, and so does every write of an address through the store, which locks the
//! customer row by rewriting it first (`lock_customer!`). A cached account is used
//! only while its revision is the database's; otherwise it is read again. No write
//! path has to remember to invalidate anything.
//!
//! What the revision cannot see is an address edited in the database directly, behind
//! the store: such an edit shows once the entry is older than [`MAX_AGE`] (or at the
//! next change to the customer). Bounded: at most [`CAPACITY`] accounts of at most
//! [`MAX_ADDRESSES`] addresses; when full, the cache starts over empty (a cold read
//! costs one more statement).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clientele_domain::identity::AccountParts;

/// Accounts kept at most; each is a few kilobytes.
const CAPACITY: usize = 1024;

/// Accounts with more addresses are not kept (read each time), so the cache stays
/// within about 15 MB however large address books grow.
const MAX_ADDRESSES: usize = 10;

/// How long an entry is used at most, whatever its revision.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(30);

/// The row versions of the user and of the customer.
pub(crate) type Revision = (i64, i64);

/// Key: tenant and user id.
type Key = (i64, i64);

struct Entry {
    revision: Revision,
    read_at: Instant,
    parts: Arc<AccountParts>,
}

#[derive(Default)]
pub(crate) struct AccountCache {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl AccountCache {
    /// The account of `user` as last read, if it was read at `revision` and recently.
    pub(crate) fn get(&self, tenant: i64, user: i64, revision: Revision) -> Option<AccountParts> {
        let hit = {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries
                .get(&(tenant, user))
                .filter(|e| e.revision == revision && e.read_at.elapsed() < MAX_AGE)
                .map(|e| Arc::clone(&e.parts))
        };
        hit.map(|parts| (*parts).clone())
    }

    /// Keeps `parts`, read at `revision` or later, for the next request of `user`. A read
    /// later than its revision is safe: the database's revision has moved on, so the
    /// entry is never used.
    pub(crate) fn put(&self, tenant: i64, user: i64, revision: Revision, parts: &AccountParts) {
        if parts.2.len() > MAX_ADDRESSES {
            return;
        }
        let entry = Entry {
            revision,
            read_at: Instant::now(),
            parts: Arc::new(parts.clone()),
        };
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(&(tenant, user)) {
            entries.clear();
        }
        entries.insert((tenant, user), entry);
    }
}
