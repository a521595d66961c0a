//! Changing the password of the logged-in user.

use std::sync::Arc;

use crate::clock::Clock;
use crate::error::{StoreError, UniqueRule};
use crate::identity::{HashError, PasswordHasher, Principal};
use crate::users::UserRepository;
use crate::values::{Login, Password, PasswordPolicy, ValueError};

/// Why a password change failed. Nothing changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("the new password {0}")]
    Weak(ValueError),
    #[error("the new password was used recently")]
    RecentlyUsed,
    #[error("the user does not exist")]
    NotFound,
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a new password could not be stored.
pub(crate) enum NewPasswordError {
    RecentlyUsed,
    Hashing(HashError),
    Store(StoreError),
}

impl From<NewPasswordError> for ChangePasswordError {
    fn from(e: NewPasswordError) -> Self {
        match e {
            NewPasswordError::RecentlyUsed => Self::RecentlyUsed,
            NewPasswordError::Hashing(e) => Self::Hashing(e),
            NewPasswordError::Store(e) => Self::Store(e),
        }
    }
}

impl From<NewPasswordError> for super::ResetError {
    fn from(e: NewPasswordError) -> Self {
        match e {
            NewPasswordError::RecentlyUsed => Self::RecentlyUsed,
            NewPasswordError::Hashing(e) => Self::Hashing(e),
            NewPasswordError::Store(e) => Self::Store(e),
        }
    }
}

/// Stores `new` as the user's password unless it is one of the last `history` ones
/// (the current one included), keeps the history, and ends every session of the user
/// (in the store's transaction). Returns how many sessions ended. Shared by password
/// change and reset.
pub(crate) async fn replace_password(
    users: &dyn UserRepository,
    hasher: &dyn PasswordHasher,
    user: &crate::users::User,
    new: &Password,
    history: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, NewPasswordError> {
    let (tenant, id) = (user.tenant_id, user.id);
    // The current password is one of the last `history`; the table holds the others.
    let kept = history.saturating_sub(1);
    let mut earlier = users
        .password_history(tenant, id, kept)
        .await
        .map_err(NewPasswordError::Store)?;
    earlier.extend(user.password_hash.clone().filter(|_| history > 0));
    for old in earlier {
        if hasher.verify(new, Some(old)).await.map_err(NewPasswordError::Hashing)? {
            return Err(NewPasswordError::RecentlyUsed);
        }
    }
    let hash = hasher.hash(new).await.map_err(NewPasswordError::Hashing)?;
    users
        .set_password(tenant, id, hash, kept, now)
        .await
        .map_err(NewPasswordError::Store)
}

/// Why a login change failed. Nothing changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ChangeLoginError {
    #[error("the login is already taken")]
    LoginTaken,
    #[error("the user does not exist")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

/// Password changes: checks the current password, the policy and the history, stores
/// the new hash, and ends every session of the user (other devices must log in again).
#[derive(Clone)]
pub struct CredentialsService {
    pub users: Arc<dyn UserRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub clock: Arc<dyn Clock>,
    pub policy: PasswordPolicy,
    /// How many of the latest passwords (the current one included) may not be used again.
    pub history: usize,
}

impl CredentialsService {
    /// Replaces the principal's password.
    pub async fn change_password(
        &self,
        who: &Principal,
        current: &Password,
        new: &str,
    ) -> Result<(), ChangePasswordError> {
        let user = self
            .users
            .by_id(who.tenant, who.user)
            .await?
            .ok_or(ChangePasswordError::NotFound)?;
        if !self.hasher.verify(current, user.password_hash.clone()).await? {
            tracing::info!(user = %user.public_id, event = "password_change_refused", "password change refused: wrong current password");
            return Err(ChangePasswordError::WrongCurrentPassword);
        }
        let new = Password::parse(new, self.policy, &[user.login.as_str(), user.email.as_str()])
            .map_err(ChangePasswordError::Weak)?;
        let now = self.clock.now();
        let revoked = replace_password(&*self.users, &*self.hasher, &user, &new, self.history, now).await?;
        tracing::info!(user = %user.public_id, event = "password_changed", sessions_revoked = revoked, "password changed");
        Ok(())
    }

    /// Gives the principal's user a new login (unique per tenant, case-insensitively).
    pub async fn change_login(&self, who: &Principal, login: &Login) -> Result<(), ChangeLoginError> {
        match self
            .users
            .set_login(who.tenant, who.user, login, self.clock.now())
            .await
        {
            Ok(true) => {
                tracing::info!(user = %who.user, event = "login_changed", "login changed");
                Ok(())
            }
            Ok(false) => Err(ChangeLoginError::NotFound),
            Err(StoreError::Duplicate(UniqueRule::UserLogin)) => Err(ChangeLoginError::LoginTaken),
            Err(e) => Err(ChangeLoginError::Store(e)),
        }
    }
}
