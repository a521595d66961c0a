//! Double opt-in: where a tenant asks for it, a new account stays inactive (e-mail
//! pending) until the link mailed at sign-up is opened; opening it logs the customer in.

use std::sync::Arc;

use crate::clock::Clock;
use crate::error::StoreError;
use crate::identity::codes::{CodeLookup, CodeMail, CodeRepository};
use crate::identity::{IssuedTokens, Principal, Secrets, SessionService};
use crate::tenants::Tenant;
use crate::users::{EmailVerification, User, UserRepository};
use crate::values::{Email, Login};

/// Why an activation failed. Nothing changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ActivationError {
    #[error("the activation code is invalid or used")]
    InvalidCode,
    #[error("the activation code has expired")]
    ExpiredCode,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether a user still waits for their opt-in (and may be sent a new link).
pub fn awaits_opt_in(user: &User) -> bool {
    !user.active && user.email_verification == EmailVerification::Pending
}

/// The opt-in flow after sign-up.
#[derive(Clone)]
pub struct ActivationService {
    pub users: Arc<dyn UserRepository>,
    pub codes: Arc<dyn CodeRepository>,
    pub sessions: SessionService,
    pub secrets: Arc<dyn Secrets>,
    pub clock: Arc<dyn Clock>,
    /// Lifetime and link of opt-in codes (also used by sign-up).
    pub mail: CodeMail,
}

impl ActivationService {
    /// Activates the account of a mailed code and logs its user in.
    pub async fn activate(&self, tenant: &Tenant, code: &str) -> Result<IssuedTokens, ActivationError> {
        let now = self.clock.now();
        let user = match self.codes.activate(tenant.id, &self.secrets.digest(code), now).await? {
            CodeLookup::Spent(user) => user,
            CodeLookup::Expired => return Err(ActivationError::ExpiredCode),
            CodeLookup::Unknown => return Err(ActivationError::InvalidCode),
        };
        let user = self
            .users
            .by_id(tenant.id, user)
            .await?
            .ok_or(ActivationError::InvalidCode)?;
        tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "account_activated", "account activated by opt-in");
        let principal = Principal {
            tenant: tenant.id,
            customer: user.customer_id,
            user: user.id,
        };
        Ok(self.sessions.open(tenant, principal).await?)
    }

    /// Mails a new opt-in link if `email` is the login of an account that still awaits
    /// its opt-in (earlier links stop working); does nothing otherwise, so the answer
    /// never tells whether the address is known.
    pub async fn resend(&self, tenant: &Tenant, email: &Email) -> Result<(), StoreError> {
        let user = self.users.by_login(tenant.id, &Login::from_email(email)).await?;
        let Some(user) = user.filter(awaits_opt_in) else {
            tracing::info!(
                tenant = tenant.name.as_str(),
                event = "opt_in_resend_requested",
                pending = false,
                "opt-in link requested"
            );
            return Ok(());
        };
        let now = self.clock.now();
        let (code, mail) = self.mail.prepare_for(&*self.secrets, &user, now);
        self.codes.create_code(tenant.id, user.id, code, mail, now).await?;
        tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "opt_in_resend_requested", pending = true, "opt-in link mailed again");
        Ok(())
    }
}
