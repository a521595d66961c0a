//! Identity: who is calling (principals), sign-up and authentication use cases, and
//! the ports they need (password hasher, id generator).

mod activation;
mod authenticate;
mod codes;
mod credentials;
mod email_change;
mod legacy;
mod ports;
mod recent_logins;
mod reset;
mod sessions;
mod signup;

pub use activation::{awaits_opt_in, ActivationError, ActivationService};

pub use authenticate::{AuthError, Authenticator, LockoutPolicy};
#[cfg(feature = "mock")]
pub use codes::MockCodeRepository;
pub use codes::{CodeLookup, CodeMail, CodePurpose, CodeRepository, MailLink, NewCode};
pub use credentials::{ChangeLoginError, ChangePasswordError, CredentialsService};
pub use email_change::{EmailChangeError, EmailChangeRequest, EmailChangeService};
pub use legacy::{
    LegacyAlgorithm, LegacyHash, LegacyLogin, LegacyVerifier, PasswordMigration, PasswordMigrationRepository,
};
#[cfg(feature = "mock")]
pub use legacy::{MockLegacyVerifier, MockPasswordMigrationRepository};
pub use ports::{HashError, IdGenerator, PasswordHasher};
#[cfg(feature = "mock")]
pub use ports::{MockIdGenerator, MockPasswordHasher};
pub use recent_logins::{CurrentLogin, RecentLogins, RememberedLogin};
pub use reset::{PasswordResetService, ResetError};
pub use sessions::{
    AccountParts, IssuedTokens, NewSession, Rotation, Secrets, Session, SessionPolicy, SessionRepository,
    SessionService, Subject, TokenDigest, TokenDigests, TokenError,
};
#[cfg(feature = "mock")]
pub use sessions::{MockSecrets, MockSessionRepository};
pub use signup::{SignUp, SignUpError, SignUpService};

use crate::ids::{CustomerId, TenantId, UserId};

/// An authenticated storefront user acting within one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub user: UserId,
}
