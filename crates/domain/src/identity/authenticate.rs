//! Checking a login and password (HTTP Basic now; token grants build on it).

use std::sync::Arc;

use crate::clock::Clock;
use crate::customers::{CustomerRepository, CustomerStatus};
use crate::error::StoreError;
use crate::identity::{HashError, PasswordHasher, Principal};
use crate::tenants::Tenant;
use crate::users::UserRepository;
use crate::values::{Login, Password};

/// Why a login failed. Unknown login, wrong password, inactive user and blocked
/// customer are one variant on purpose: callers must not learn which it was.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Verifies credentials of storefront users.
#[derive(Clone)]
pub struct Authenticator {
    pub users: Arc<dyn UserRepository>,
    pub customers: Arc<dyn CustomerRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub clock: Arc<dyn Clock>,
}

impl Authenticator {
    /// The principal for `login` / `password` in `tenant`.
    pub async fn login(&self, tenant: &Tenant, login: &str, password: &Password) -> Result<Principal, AuthError> {
        let user = match Login::parse(login) {
            Ok(login) => self.users.by_login(tenant.id, &login).await?,
            Err(_) => None,
        };
        // Always verify once, against a dummy hash when there is no user: equal cost.
        let matches = self
            .hasher
            .verify(password, user.as_ref().and_then(|u| u.password_hash.clone()))
            .await?;
        let user = match user {
            Some(u) if matches => u,
            _ => {
                tracing::info!(tenant = tenant.name.as_str(), event = "login_failed", "login failed");
                return Err(AuthError::InvalidCredentials);
            }
        };
        let customer = self.customers.by_id(tenant.id, user.customer_id).await?;
        if !user.active || customer.is_none_or(|c| c.status != CustomerStatus::Active) {
            tracing::info!(tenant = tenant.name.as_str(), user = %user.public_id, event = "login_refused", "login refused: user inactive or customer blocked");
            return Err(AuthError::InvalidCredentials);
        }
        let principal = Principal {
            tenant: tenant.id,
            customer: user.customer_id,
            user: user.id,
        };
        Ok(principal)
    }
}
