//! Forgotten passwords: a single-use, expiring reset code is mailed (stored only as a
//! digest); the code sets a new password and ends every session of the user. Asking for
//! a code never reveals whether the address belongs to an account.

use std::sync::Arc;

use crate::clock::Clock;
use crate::error::StoreError;
use crate::identity::codes::{CodeLookup, CodeMail, CodeRepository};
use crate::identity::credentials::replace_password;
use crate::identity::{HashError, PasswordHasher, Secrets};
use crate::tenants::Tenant;
use crate::users::UserRepository;
use crate::values::{Email, Login, Password, PasswordPolicy, ValueError};

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

/// The password-reset flow.
#[derive(Clone)]
pub struct PasswordResetService {
    pub users: Arc<dyn UserRepository>,
    pub codes: Arc<dyn CodeRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub secrets: Arc<dyn Secrets>,
    pub clock: Arc<dyn Clock>,
    pub policy: PasswordPolicy,
    /// How many of the latest passwords may not be used again (as for changes).
    pub history: usize,
    /// Lifetime and link of reset codes.
    pub mail: CodeMail,
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
        let (code, mail) = self.mail.prepare_for(&*self.secrets, &user, now);
        self.codes.create_code(tenant.id, user.id, code, mail, now).await?;
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
            .codes
            .spend_reset(tenant.id, &self.secrets.digest(code), now)
            .await?
        {
            CodeLookup::Spent(user) => user,
            CodeLookup::Expired => return Err(ResetError::ExpiredCode),
            CodeLookup::Unknown => return Err(ResetError::InvalidCode),
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
        let revoked = replace_password(&*self.users, &*self.hasher, &user, &new, self.history, now).await?;
        tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "password_reset_used", sessions_revoked = revoked, "password reset");
        Ok(())
    }
}
