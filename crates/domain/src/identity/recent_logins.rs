//! Logins remembered between requests, so that a repeated login need not read its user
//! before verifying the password.
//!
//! A successful login remembers, per tenant and login key, the user it let in and the
//! password hash it verified. The next login under that key verifies against the
//! remembered hash and, if it matches, writes its session with
//! [`SessionRepository::insert_if_current`](crate::identity::SessionRepository::insert_if_current):
//! the store keeps the session only while the user still has that login and hash, is
//! active and not locked, and its customer is active. The database decides, so a change
//! made by any instance or script counts at once, and nothing has to forget entries.
//! When the condition does not hold, or the password does not match, the login is decided
//! afresh from the store (see `SessionService::login`), and the verify already done is
//! reused when the stored hash is the one it checked. Failed logins, lockouts and refusals
//! therefore always follow the stored state.
//!
//! Bounded: at most [`CAPACITY`] entries, each used for at most [`MAX_AGE`] after the
//! login that last confirmed it; when full, it starts over empty.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::ids::{CustomerId, TenantId, UserId};
use crate::users::User;
use crate::values::PasswordHash;

/// Entries kept at most (each about 300 bytes).
pub const CAPACITY: usize = 4096;

/// How long an entry is used after the login that last confirmed it. It bounds the
/// time in which a password changed elsewhere costs a login a second verify.
pub const MAX_AGE: Duration = Duration::seconds(60);

/// A user as a successful login left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedLogin {
    pub customer: CustomerId,
    pub user: UserId,
    /// What the session write must still find: see [`CurrentLogin`].
    pub current: CurrentLogin,
    seen_at: DateTime<Utc>,
}

/// The login and password hash a remembered login verified against; a session opened on
/// them is stored only while the user still has both and may log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentLogin {
    pub login_key: String,
    pub password_hash: PasswordHash,
}

/// The remembered logins of this process.
#[derive(Default)]
pub struct RecentLogins {
    entries: Mutex<HashMap<(TenantId, String), RememberedLogin>>,
}

impl RecentLogins {
    /// The login remembered under `login_key`, if it was confirmed within [`MAX_AGE`].
    pub fn get(&self, tenant: TenantId, login_key: &str, now: DateTime<Utc>) -> Option<RememberedLogin> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&(tenant, login_key.to_owned()))
            .filter(|e| now - e.seen_at < MAX_AGE && e.seen_at <= now)
            .cloned()
    }

    /// Remembers `user`, who has just logged in with the password of its argon2id hash.
    /// Users without one (imported legacy hashes) are not remembered.
    pub fn remember(&self, tenant: TenantId, user: &User, now: DateTime<Utc>) {
        let Some(hash) = &user.password_hash else { return };
        let login = RememberedLogin {
            customer: user.customer_id,
            user: user.id,
            current: CurrentLogin {
                login_key: user.login.key(),
                password_hash: hash.clone(),
            },
            seen_at: now,
        };
        self.keep(tenant, login);
    }

    /// Keeps `login` for [`MAX_AGE`] from `now` (a login on it just succeeded).
    pub fn confirm(&self, tenant: TenantId, mut login: RememberedLogin, now: DateTime<Utc>) {
        login.seen_at = now;
        self.keep(tenant, login);
    }

    fn keep(&self, tenant: TenantId, login: RememberedLogin) {
        let key = (tenant, login.current.login_key.clone());
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, login);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(key: &str, at: DateTime<Utc>) -> RememberedLogin {
        RememberedLogin {
            customer: CustomerId::new(1),
            user: UserId::new(2),
            current: CurrentLogin {
                login_key: key.into(),
                password_hash: PasswordHash::from_phc("$argon2id$x".into()),
            },
            seen_at: at,
        }
    }

    #[test]
    fn an_entry_is_used_until_max_age_after_its_last_confirmation() {
        let recent = RecentLogins::default();
        let t = TenantId::new(1);
        let start = Utc::now();
        recent.confirm(t, login("ada", start), start);
        assert!(recent.get(t, "ada", start + MAX_AGE - Duration::seconds(1)).is_some());
        assert!(recent.get(t, "ada", start + MAX_AGE).is_none());
        assert!(recent.get(TenantId::new(2), "ada", start).is_none(), "other tenant");
        let later = start + Duration::seconds(50);
        recent.confirm(t, login("ada", start), later);
        assert!(recent.get(t, "ada", start + MAX_AGE).is_some(), "confirmed again");
    }

    #[test]
    fn a_full_memory_starts_over() {
        let recent = RecentLogins::default();
        let t = TenantId::new(1);
        let now = Utc::now();
        for i in 0..CAPACITY {
            recent.confirm(t, login(&format!("u{i}"), now), now);
        }
        assert!(recent.get(t, "u0", now).is_some());
        recent.confirm(t, login("one-more", now), now);
        assert!(recent.get(t, "u0", now).is_none());
        assert!(recent.get(t, "one-more", now).is_some());
    }
}
