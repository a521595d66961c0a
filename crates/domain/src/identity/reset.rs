//! Forgotten passwords: a single-use, expiring reset code is mailed (stored only as a
//! digest); the code sets a new password and ends every session of the user. Asking for
//! a code never reveals whether the address belongs to an account.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::error::StoreError;
use crate::identity::credentials::replace_password;
use crate::identity::{HashError, PasswordHasher, Secrets, SessionRepository, TokenDigest};
use crate::ids::{TenantId, UserId};
use crate::mail::{MailKind, OutgoingMail};
use crate::tenants::Tenant;
use crate::users::UserRepository;
use crate::values::{Email, Login, Password, PasswordPolicy, ValueError};

/// What the store found for a presented reset code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetLookup {
    /// The code was live and is now spent; it belongs to this user.
    Spent(UserId),
    /// The code exists but has expired (it stays unusable).
    Expired,
    /// No such code, or it was used already.
    Unknown,
}

/// Reset-code persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ResetRepository: Send + Sync {
    /// Stores a new code for the user (earlier open codes of the user end) and puts
    /// `mail` into the outbox, in one transaction.
    async fn create_reset(
        &self,
        tenant: TenantId,
        user: UserId,
        code: TokenDigest,
        expires_at: DateTime<Utc>,
        mail: OutgoingMail,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Spends the code atomically if it is live.
    async fn spend_reset(
        &self,
        tenant: TenantId,
        code: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<ResetLookup, StoreError>;
}

/// Why a reset failed. Nothing changed in any of these cases (a spent code stays spent).
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("the reset code is invalid or used")]
    InvalidCode,
    #[error("the reset code has expired")]
    ExpiredCode,
    #[error("the new password {0}")]
    Weak(ValueError),
    #[error("the new password was used recently")]
    RecentlyUsed,
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where reset links point: `{base}{path}` with `{user_id}` and `{code}` filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetLink {
    pub base: String,
    pub path: String,
}

impl ResetLink {
    fn render(&self, user_id: &str, code: &str) -> String {
        let path = self.path.replace("{user_id}", user_id).replace("{code}", code);
        format!("{}{}", self.base.trim_end_matches('/'), path)
    }
}

/// The password-reset flow.
#[derive(Clone)]
pub struct PasswordResetService {
    pub users: Arc<dyn UserRepository>,
    pub resets: Arc<dyn ResetRepository>,
    pub sessions: Arc<dyn SessionRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub secrets: Arc<dyn Secrets>,
    pub clock: Arc<dyn Clock>,
    pub policy: PasswordPolicy,
    /// How many of the latest passwords may not be used again (as for changes).
    pub history: usize,
    /// How long a code stays valid.
    pub ttl: Duration,
    pub link: ResetLink,
}

impl PasswordResetService {
    /// Mails a reset code if `email` is a login of the tenant; silently does nothing
    /// otherwise, so the answer is the same either way.
    pub async fn request(&self, tenant: &Tenant, email: &Email) -> Result<(), StoreError> {
        let user = self.users.by_login(tenant.id, &Login::from_email(email)).await?;
        let Some(user) = user.filter(|u| u.active) else {
            tracing::info!(
                tenant = tenant.name.as_str(),
                event = "password_reset_requested",
                known = false,
                "password reset requested"
            );
            return Ok(());
        };
        let now = self.clock.now();
        let code = self.secrets.token();
        let mail = OutgoingMail::new(MailKind::PasswordReset, user.email.clone())
            .in_language(user.person.preferred_language.clone())
            .with_param("link", self.link.render(user.public_id.as_str(), &code))
            .with_param("first_name", user.person.first_name.clone().unwrap_or_default());
        self.resets
            .create_reset(
                tenant.id,
                user.id,
                self.secrets.digest(&code),
                now + self.ttl,
                mail,
                now,
            )
            .await?;
        tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "password_reset_requested", known = true, "password reset requested");
        Ok(())
    }

    /// Sets a new password with a mailed code. `user_id`, when the dialect sends it, must
    /// be the public id of the code's user.
    pub async fn reset(&self, tenant: &Tenant, user_id: Option<&str>, code: &str, new: &str) -> Result<(), ResetError> {
        // Refuse a weak password before spending the code, so the user can retry with it.
        Password::parse(new, self.policy, &[]).map_err(ResetError::Weak)?;
        let now = self.clock.now();
        let user = match self
            .resets
            .spend_reset(tenant.id, &self.secrets.digest(code), now)
            .await?
        {
            ResetLookup::Spent(user) => user,
            ResetLookup::Expired => return Err(ResetError::ExpiredCode),
            ResetLookup::Unknown => return Err(ResetError::InvalidCode),
        };
        let user = self
            .users
            .by_id(tenant.id, user)
            .await?
            .ok_or(ResetError::InvalidCode)?;
        if user_id.is_some_and(|id| id != user.public_id.as_str()) {
            return Err(ResetError::InvalidCode);
        }
        let new =
            Password::parse(new, self.policy, &[user.login.as_str(), user.email.as_str()]).map_err(ResetError::Weak)?;
        let revoked = replace_password(
            &*self.users,
            &*self.sessions,
            &*self.hasher,
            &user,
            &new,
            self.history,
            now,
        )
        .await?;
        tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "password_reset_used", sessions_revoked = revoked, "password reset");
        Ok(())
    }
}
