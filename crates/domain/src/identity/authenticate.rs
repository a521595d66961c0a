//! Checking a login and password (HTTP Basic now; token grants build on it).

use std::sync::Arc;

use crate::clock::Clock;
use crate::customers::CustomerStatus;
use crate::error::StoreError;
use crate::identity::{HashError, PasswordHasher, Principal};
use crate::tenants::Tenant;
use crate::users::{User, UserRepository};
use crate::values::{Login, Password, PasswordHash};

/// Why a login failed. Unknown login, wrong password, inactive user and blocked
/// customer are one variant on purpose: callers must not learn which it was.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The credentials are right but the account awaits its double opt-in. Told apart
    /// only after the password matched, so it reveals nothing to a guesser.
    #[error("the account has not been activated yet")]
    NotActivated,
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// When repeated failed logins lock an account, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failed logins in a row that lock the account.
    pub threshold: i32,
    /// The first lock's length; each further failure doubles it.
    pub base: chrono::Duration,
    /// The longest lock.
    pub max: chrono::Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 5,
            base: chrono::Duration::seconds(30),
            max: chrono::Duration::hours(1),
        }
    }
}

impl LockoutPolicy {
    /// The lock after `failures` failed logins in a row, if any.
    pub fn lock_for(&self, failures: i32) -> Option<chrono::Duration> {
        if failures < self.threshold {
            return None;
        }
        let factor = 1i32 << (failures - self.threshold).min(20);
        Some((self.base * factor).min(self.max))
    }
}

/// Verifies credentials of storefront users.
#[derive(Clone)]
pub struct Authenticator {
    pub users: Arc<dyn UserRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub clock: Arc<dyn Clock>,
    pub lockout: LockoutPolicy,
    /// Imported legacy hashes: verified while the tenant's migration window lasts,
    /// then replaced by argon2id. `None`: legacy hashes never count.
    pub legacy: Option<crate::identity::LegacyLogin>,
}

impl Authenticator {
    /// The principal for `login` / `password` in `tenant`.
    pub async fn login(&self, tenant: &Tenant, login: &str, password: &Password) -> Result<Principal, AuthError> {
        Ok(self.check(tenant, login, password, None).await?.0)
    }

    /// Like [`Self::login`], with the user it let in. `verified`: a hash `password` was
    /// already verified against, and the result; if the stored hash is that one, the
    /// result is used instead of verifying again (see `recent_logins`).
    pub(crate) async fn check(
        &self,
        tenant: &Tenant,
        login: &str,
        password: &Password,
        verified: Option<(&PasswordHash, bool)>,
    ) -> Result<(Principal, User), AuthError> {
        let found = match Login::parse(login) {
            Ok(login) => self.users.by_login_with_status(tenant.id, &login).await?,
            Err(_) => None,
        };
        let (user, status) = match found {
            Some((user, status)) => (Some(user), Some(status)),
            None => (None, None),
        };
        // Always verify once, against a dummy hash when there is no user: equal cost.
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let mut matches = match verified {
            Some((hash, result)) if stored.as_ref() == Some(hash) => result,
            _ => self.hasher.verify(password, stored).await?,
        };
        let Some(user) = user else {
            tracing::info!(
                tenant = tenant.name.as_str(),
                event = "login_failed",
                "login failed: unknown login"
            );
            return Err(AuthError::InvalidCredentials);
        };
        let now = self.clock.now();
        // A locked account refuses even the right password, and looks like a wrong one.
        if user.locked_until.is_some_and(|until| until > now) {
            tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "login_refused_locked", "login refused: account locked");
            return Err(AuthError::InvalidCredentials);
        }
        // An imported legacy hash counts only for an account that may log in at all.
        if !matches && user.active && status == Some(CustomerStatus::Active) && !crate::identity::awaits_opt_in(&user) {
            matches = self.migrate_legacy(tenant, &user, password).await?;
        }
        if !matches {
            let failures = self.users.record_failed_login(tenant.id, user.id).await?;
            tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "login_failed", failures, "login failed: wrong password");
            if let Some(lock) = self.lockout.lock_for(failures) {
                self.users.lock(tenant.id, user.id, now + lock).await?;
                tracing::warn!(tenant = tenant.name.as_str(), user = %user.public_id, event = "account_locked", failures, lock_secs = lock.num_seconds(), "account locked after repeated failed logins");
            }
            return Err(AuthError::InvalidCredentials);
        }
        if crate::identity::awaits_opt_in(&user) {
            tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "login_refused", "login refused: account awaits its opt-in");
            return Err(AuthError::NotActivated);
        }
        if !user.active || status != Some(CustomerStatus::Active) {
            tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "login_refused", "login refused: user inactive or customer blocked");
            return Err(AuthError::InvalidCredentials);
        }
        let principal = Principal {
            tenant: tenant.id,
            customer: user.customer_id,
            user: user.id,
        };
        Ok((principal, user))
    }

    /// For a user with only an imported legacy hash, while the tenant's migration window
    /// lasts: whether the password matches it; if so the password is stored as argon2id
    /// and the legacy hash dropped.
    async fn migrate_legacy(
        &self,
        tenant: &Tenant,
        user: &crate::users::User,
        password: &Password,
    ) -> Result<bool, AuthError> {
        let (Some(legacy), None, Some(hash)) = (&self.legacy, &user.password_hash, &user.legacy_auth) else {
            return Ok(false);
        };
        let now = self.clock.now();
        let open = legacy
            .migrations
            .password_migration(tenant.id)
            .await?
            .is_some_and(|m| m.active(now.date_naive()));
        if !open || !legacy.verifier.verify_legacy(password, hash).await? {
            return Ok(false);
        }
        let migrated = self.hasher.hash(password).await?;
        self.users.migrate_password(tenant.id, user.id, migrated, now).await?;
        tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "password_migrated",
            algorithm = hash.algorithm.name(), "legacy password hash replaced by argon2id");
        Ok(true)
    }
}
