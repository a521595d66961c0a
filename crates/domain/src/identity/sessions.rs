//! Sessions: access and refresh tokens for logged-in users and anonymous visitors.
//!
//! Tokens are random secrets handed out once; the store keeps only their digests. Every
//! request checks its access token against the store, so logout and revocation hold at
//! once on every instance sharing the database. Refresh tokens rotate on use; a refresh
//! token presented a second time revokes its whole family (it was stolen or replayed).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::addresses::Address;
use crate::clock::Clock;
use crate::customers::{Customer, OwnAccount};
use crate::error::StoreError;
use crate::identity::{AuthError, Authenticator, CurrentLogin, Principal, RecentLogins};
use crate::ids::{CustomerId, PublicId, SessionId, TenantId, UserId};
use crate::tenants::Tenant;
use crate::users::User;
use crate::values::{Login, Password};

/// The digest of a token: what the store keeps instead of the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenDigest(String);

impl TokenDigest {
    /// Wraps a digest computed by the [`Secrets`] port or read from the store.
    pub fn new(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Random secrets and their digests.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Secrets: Send + Sync {
    /// A new unguessable token (at least 256 bits of entropy), URL-safe.
    fn token(&self) -> String;
    /// The digest stored for `token` (deterministic, one-way).
    fn digest(&self, token: &str) -> TokenDigest;
}

/// Who a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A logged-in user of a customer.
    User { customer: CustomerId, user: UserId },
    /// An anonymous visitor (ICM anonymous grant, Emporix anonymous token).
    Anonymous,
}

/// One issued token pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub tenant_id: TenantId,
    /// Shared by every session derived from one login through refreshes.
    pub family: PublicId,
    pub subject: Subject,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl Session {
    /// The logged-in principal; `None` for anonymous sessions.
    pub fn principal(&self) -> Option<Principal> {
        match self.subject {
            Subject::User { customer, user } => Some(Principal {
                tenant: self.tenant_id,
                customer,
                user,
            }),
            Subject::Anonymous => None,
        }
    }
}

/// The digests and expiry times of a new token pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDigests {
    pub access: TokenDigest,
    pub access_expires_at: DateTime<Utc>,
    pub refresh: TokenDigest,
    pub refresh_expires_at: DateTime<Utc>,
}

/// A session to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub family: PublicId,
    pub subject: Subject,
    pub tokens: TokenDigests,
}

/// What the store found when a refresh token was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live: it is now spent and `next` was stored in its family.
    Rotated(Session),
    /// The token was already spent or revoked: a replay. Nothing was stored.
    Replayed { family: PublicId },
    /// No such token in this tenant, or it has expired.
    Unknown,
}

/// Session persistence. Every call is scoped to a tenant.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session. A user's session is a login: in the same transaction the
    /// user's first (once) and last login time are set and failed logins and any lock are
    /// cleared; for a user not of the tenant nothing is stored (an error).
    async fn insert(&self, tenant: TenantId, new: NewSession, now: DateTime<Utc>) -> Result<Session, StoreError>;
    /// Like [`SessionRepository::insert`] for a user login that verified a remembered
    /// password hash (see `recent_logins`): stores the session, in the same statement,
    /// only if the user still has `current`'s login and password hash, is active and not
    /// locked at `now`, and its customer is active. `None`: it no longer does; nothing was
    /// written.
    async fn insert_if_current(
        &self,
        tenant: TenantId,
        new: NewSession,
        current: CurrentLogin,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError>;
    /// The live session whose access token has this digest: not revoked, not rotated,
    /// not expired at `now`.
    async fn by_access(
        &self,
        tenant: TenantId,
        access: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError>;
    /// Like [`SessionRepository::by_access`], and with it the session user's customer,
    /// user and addresses — in one round trip, for the hot path of every
    /// token-authenticated profile read. The parts are `None` for anonymous sessions.
    async fn by_access_with_account(
        &self,
        tenant: TenantId,
        access: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, Option<AccountParts>)>, StoreError>;
    /// Atomically spends the live refresh token `refresh` and stores the token pair
    /// `next` as a new session of the same family and subject.
    async fn rotate(
        &self,
        tenant: TenantId,
        refresh: &TokenDigest,
        next: TokenDigests,
        now: DateTime<Utc>,
    ) -> Result<Rotation, StoreError>;
    /// Revokes every session of the family; returns how many were live.
    async fn revoke_family(&self, tenant: TenantId, family: &PublicId, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Revokes every session of the user; returns how many were live.
    async fn revoke_user(&self, tenant: TenantId, user: UserId, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// A customer, one of its users and its addresses, as read together.
pub type AccountParts = (Customer, User, Vec<Address>);

/// Token lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            access_ttl: Duration::minutes(30),
            refresh_ttl: Duration::days(30),
        }
    }
}

/// Tokens handed to the client, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub session: Session,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
}

/// Why a token was not accepted. One variant on purpose: callers learn nothing more.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is invalid, expired or revoked")]
    Invalid,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Session use cases: log in, visit anonymously, refresh, check, log out, revoke.
#[derive(Clone)]
pub struct SessionService {
    pub authenticator: Authenticator,
    pub sessions: Arc<dyn SessionRepository>,
    pub secrets: Arc<dyn Secrets>,
    pub ids: Arc<dyn crate::identity::IdGenerator>,
    pub clock: Arc<dyn Clock>,
    pub policy: SessionPolicy,
    /// Users of recent logins, so a repeated login can skip reading its user.
    pub recent: Arc<RecentLogins>,
}

impl SessionService {
    /// Checks the credentials and opens a session for the user.
    pub async fn login(&self, tenant: &Tenant, login: &str, password: &Password) -> Result<IssuedTokens, AuthError> {
        self.login_until(tenant, login, password, self.policy.refresh_ttl).await
    }

    /// Like [`Self::login`] for credentials sent with every request (HTTP Basic): the
    /// client never sees the refresh token, so it ends with the access token and the
    /// session is purged as soon as housekeeping allows.
    pub async fn login_access_only(
        &self,
        tenant: &Tenant,
        login: &str,
        password: &Password,
    ) -> Result<IssuedTokens, AuthError> {
        self.login_until(tenant, login, password, self.policy.access_ttl).await
    }

    /// A login whose refresh token lives `refresh_ttl`. A login remembered from before
    /// verifies against the remembered hash and stores its session only if the user is
    /// still as remembered; otherwise, and for every failure, the login is decided from
    /// the store as if nothing was remembered (see `recent_logins`).
    async fn login_until(
        &self,
        tenant: &Tenant,
        login: &str,
        password: &Password,
        refresh_ttl: Duration,
    ) -> Result<IssuedTokens, AuthError> {
        let now = self.clock.now();
        let key = Login::parse(login).ok().map(|l| l.key());
        let remembered = key.as_deref().and_then(|k| self.recent.get(tenant.id, k, now));
        let mut verified = None;
        if let Some(seen) = remembered {
            let hash = Some(seen.current.password_hash.clone());
            let matches = self.authenticator.hasher.verify(password, hash).await?;
            if matches {
                let subject = Subject::User {
                    customer: seen.customer,
                    user: seen.user,
                };
                let (access, refresh, new) = self.mint(self.ids.public_id(), subject, now, refresh_ttl);
                let stored = self
                    .sessions
                    .insert_if_current(tenant.id, new, seen.current.clone(), now)
                    .await?;
                if let Some(session) = stored {
                    tracing::info!(tenant = tenant.name.as_str(), event = "login_succeeded", session = %session.id, "login succeeded");
                    self.recent.confirm(tenant.id, seen, now);
                    return Ok(self.tokens(access, refresh, session, now));
                }
            }
            verified = Some((seen.current.password_hash, matches));
        }
        let verified = verified.as_ref().map(|(hash, matches)| (hash, *matches));
        let (principal, user) = self.authenticator.check(tenant, login, password, verified).await?;
        let issued = self.open_with(tenant, principal, refresh_ttl).await?;
        self.recent.remember(tenant.id, &user, now);
        Ok(issued)
    }

    /// Opens a session for a user whose identity is already proven (password checked,
    /// opt-in link opened).
    pub async fn open(&self, tenant: &Tenant, principal: Principal) -> Result<IssuedTokens, StoreError> {
        self.open_with(tenant, principal, self.policy.refresh_ttl).await
    }

    async fn open_with(
        &self,
        tenant: &Tenant,
        principal: Principal,
        refresh_ttl: Duration,
    ) -> Result<IssuedTokens, StoreError> {
        let now = self.clock.now();
        let subject = Subject::User {
            customer: principal.customer,
            user: principal.user,
        };
        let issued = self
            .issue(tenant.id, self.ids.public_id(), subject, now, refresh_ttl)
            .await?;
        tracing::info!(tenant = tenant.name.as_str(), event = "login_succeeded", session = %issued.session.id, "login succeeded");
        Ok(issued)
    }

    /// Opens an anonymous session.
    pub async fn anonymous(&self, tenant: &Tenant) -> Result<IssuedTokens, StoreError> {
        let refresh_ttl = self.policy.refresh_ttl;
        self.issue(
            tenant.id,
            self.ids.public_id(),
            Subject::Anonymous,
            self.clock.now(),
            refresh_ttl,
        )
        .await
    }

    /// Exchanges a refresh token for a new token pair. A replayed refresh token revokes
    /// its whole family.
    pub async fn refresh(&self, tenant: &Tenant, refresh_token: &str) -> Result<IssuedTokens, TokenError> {
        let now = self.clock.now();
        let (access, refresh) = (self.secrets.token(), self.secrets.token());
        let next = self.digests(&access, &refresh, now, self.policy.refresh_ttl);
        match self
            .sessions
            .rotate(tenant.id, &self.secrets.digest(refresh_token), next, now)
            .await?
        {
            Rotation::Rotated(session) => Ok(self.tokens(access, refresh, session, now)),
            Rotation::Replayed { family } => {
                let revoked = self.sessions.revoke_family(tenant.id, &family, now).await?;
                tracing::warn!(
                    tenant = tenant.name.as_str(),
                    event = "refresh_token_reused",
                    family = %family,
                    revoked,
                    "refresh token presented twice: session family revoked"
                );
                Err(TokenError::Invalid)
            }
            Rotation::Unknown => Err(TokenError::Invalid),
        }
    }

    /// The live session of an access token.
    pub async fn authenticate(&self, tenant: &Tenant, access_token: &str) -> Result<Session, TokenError> {
        let digest = self.secrets.digest(access_token);
        self.sessions
            .by_access(tenant.id, &digest, self.clock.now())
            .await?
            .ok_or(TokenError::Invalid)
    }

    /// The live session of an access token and, for a logged-in user, their own account
    /// (`None` for anonymous sessions, or when the customer is gone).
    pub async fn authenticate_with_account(
        &self,
        tenant: &Tenant,
        access_token: &str,
    ) -> Result<(Session, Option<OwnAccount>), TokenError> {
        let digest = self.secrets.digest(access_token);
        let (session, parts) = self
            .sessions
            .by_access_with_account(tenant.id, &digest, self.clock.now())
            .await?
            .ok_or(TokenError::Invalid)?;
        let account = parts.and_then(|(customer, user, addresses)| OwnAccount::checked(customer, user, addresses));
        Ok((session, account))
    }

    /// Ends the session of an access token and every session derived from the same login.
    pub async fn logout(&self, tenant: &Tenant, access_token: &str) -> Result<(), TokenError> {
        let session = self.authenticate(tenant, access_token).await?;
        self.sessions
            .revoke_family(tenant.id, &session.family, self.clock.now())
            .await?;
        tracing::info!(tenant = tenant.name.as_str(), event = "logout", session = %session.id, "logged out");
        Ok(())
    }

    /// Revokes every session of a user (password change or reset, blocking, deletion).
    pub async fn revoke_user(&self, tenant: TenantId, user: UserId) -> Result<u64, StoreError> {
        self.sessions.revoke_user(tenant, user, self.clock.now()).await
    }

    async fn issue(
        &self,
        tenant: TenantId,
        family: PublicId,
        subject: Subject,
        now: DateTime<Utc>,
        refresh_ttl: Duration,
    ) -> Result<IssuedTokens, StoreError> {
        let (access, refresh, new) = self.mint(family, subject, now, refresh_ttl);
        let session = self.sessions.insert(tenant, new, now).await?;
        Ok(self.tokens(access, refresh, session, now))
    }

    /// A new access and refresh token for `subject`, and the session storing their digests.
    fn mint(
        &self,
        family: PublicId,
        subject: Subject,
        now: DateTime<Utc>,
        refresh_ttl: Duration,
    ) -> (String, String, NewSession) {
        let (access, refresh) = (self.secrets.token(), self.secrets.token());
        let tokens = self.digests(&access, &refresh, now, refresh_ttl);
        (
            access,
            refresh,
            NewSession {
                family,
                subject,
                tokens,
            },
        )
    }

    fn digests(&self, access: &str, refresh: &str, now: DateTime<Utc>, refresh_ttl: Duration) -> TokenDigests {
        TokenDigests {
            access: self.secrets.digest(access),
            access_expires_at: now + self.policy.access_ttl,
            refresh: self.secrets.digest(refresh),
            refresh_expires_at: now + refresh_ttl,
        }
    }

    fn tokens(
        &self,
        access_token: String,
        refresh_token: String,
        session: Session,
        now: DateTime<Utc>,
    ) -> IssuedTokens {
        IssuedTokens {
            expires_in: (session.access_expires_at - now).num_seconds(),
            refresh_expires_in: (session.refresh_expires_at - now).num_seconds(),
            access_token,
            refresh_token,
            session,
        }
    }
}
