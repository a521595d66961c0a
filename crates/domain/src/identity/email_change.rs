//! Changing the e-mail address a customer logs in with: the request is proven with the
//! current address and password, a code goes to the new address, and the login changes
//! only when that code comes back. The address stays unique per tenant throughout.

use std::sync::Arc;

use crate::clock::Clock;
use crate::error::{StoreError, UniqueRule};
use crate::identity::codes::{CodeLookup, CodeMail, CodeRepository};
use crate::identity::{HashError, PasswordHasher, Principal, Secrets};
use crate::tenants::Tenant;
use crate::users::UserRepository;
use crate::values::{Email, Login, Password};

/// A change request, parsed.
#[derive(Debug, Clone)]
pub struct EmailChangeRequest {
    /// The address the user logs in with now, as the client states it.
    pub current_email: String,
    pub password: Password,
    pub new_email: Email,
    /// Whether the contact address changes too.
    pub sync_contact_email: bool,
}

/// Why an e-mail change failed. Nothing changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum EmailChangeError {
    #[error("the current e-mail address or the password is wrong")]
    WrongCredentials,
    #[error("the new address is the current one")]
    SameAddress,
    #[error("the new address belongs to another account")]
    Taken,
    #[error("the user does not exist")]
    NotFound,
    #[error("the confirmation code is invalid or used")]
    InvalidCode,
    #[error("the confirmation code has expired")]
    ExpiredCode,
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The e-mail change flow.
#[derive(Clone)]
pub struct EmailChangeService {
    pub users: Arc<dyn UserRepository>,
    pub codes: Arc<dyn CodeRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub secrets: Arc<dyn Secrets>,
    pub clock: Arc<dyn Clock>,
    /// Lifetime and link of confirmation codes.
    pub mail: CodeMail,
}

impl EmailChangeService {
    /// Checks the request and mails a confirmation code to the new address.
    pub async fn request(&self, who: &Principal, req: EmailChangeRequest) -> Result<(), EmailChangeError> {
        let user = self
            .users
            .by_id(who.tenant, who.user)
            .await?
            .ok_or(EmailChangeError::NotFound)?;
        // Verify first, whatever the stated address: the same cost either way.
        let password_ok = self.hasher.verify(&req.password, user.password_hash.clone()).await?;
        let address_ok = Login::parse(&req.current_email).is_ok_and(|l| l.key() == user.login.key());
        if !(password_ok && address_ok) {
            tracing::info!(user = %user.public_id, event = "email_change_refused", "e-mail change refused: wrong address or password");
            return Err(EmailChangeError::WrongCredentials);
        }
        let new_login = Login::from_email(&req.new_email);
        if new_login.key() == user.login.key() {
            return Err(EmailChangeError::SameAddress);
        }
        if self.users.by_login(who.tenant, &new_login).await?.is_some() {
            return Err(EmailChangeError::Taken);
        }
        let now = self.clock.now();
        let (mut code, mail) = self.mail.prepare(
            &*self.secrets,
            (user.public_id.as_str(), &user.person),
            &req.new_email,
            now,
        );
        code.new_email = Some(req.new_email);
        code.sync_contact_email = req.sync_contact_email;
        self.codes.create_code(who.tenant, user.id, code, mail, now).await?;
        tracing::info!(user = %user.public_id, event = "email_change_requested", "e-mail change requested; confirmation mailed to the new address");
        Ok(())
    }

    /// Applies the change a mailed code stands for.
    pub async fn confirm(&self, tenant: &Tenant, code: &str) -> Result<(), EmailChangeError> {
        let now = self.clock.now();
        match self
            .codes
            .change_email(tenant.id, &self.secrets.digest(code), now)
            .await
        {
            Ok(CodeLookup::Spent(user)) => {
                tracing::info!(tenant = tenant.name.as_str(), user = %user, event = "email_changed", "e-mail address changed");
                Ok(())
            }
            Ok(CodeLookup::Expired) => Err(EmailChangeError::ExpiredCode),
            Ok(CodeLookup::Unknown) => Err(EmailChangeError::InvalidCode),
            Err(StoreError::Duplicate(UniqueRule::UserLogin)) => Err(EmailChangeError::Taken),
            Err(e) => Err(e.into()),
        }
    }
}
