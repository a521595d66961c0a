//! API clients: machine principals of a tenant (order systems, back offices, ERPs). Each
//! has a client id, a secret (stored only as its digest, shown once) and scopes that
//! name what it may do; a disabled (revoked) client can do nothing.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::error::StoreError;
use crate::identity::{IdGenerator, Secrets, TokenDigest};
use crate::ids::{ApiClientKey, PublicId, TenantId};
use crate::tenants::Tenant;
use crate::values::{required_text, TextLimit, ValueError};

/// The scopes clients can hold (Emporix names; see docs/compat.md for the other dialects).
pub mod scope {
    pub const CUSTOMER_READ: &str = "customer.customer_read";
    pub const CUSTOMER_MANAGE: &str = "customer.customer_manage";
    pub const IMPORT_READ: &str = "customer.import_read";
    pub const IMPORT_MANAGE: &str = "customer.import_manage";
    /// Report spending against B2B budgets (order systems).
    pub const SPENDING_MANAGE: &str = "customer.spending_manage";
    /// Read gift cards and their ledgers.
    pub const GIFTCARD_READ: &str = "customer.giftcard_read";
    /// Issue gift cards and change their balance.
    pub const GIFTCARD_MANAGE: &str = "customer.giftcard_manage";
    /// Record orders, invoices and balances (order systems).
    pub const ORDER_MANAGE: &str = "customer.order_manage";
    /// IOM GDPR: read a person's data.
    pub const GDPR_READ: &str = "gdpr.read";
    /// IOM GDPR: erase a person's data.
    pub const GDPR_DELETE: &str = "gdpr.delete";

    pub const ALL: [&str; 10] = [
        CUSTOMER_READ,
        CUSTOMER_MANAGE,
        IMPORT_READ,
        IMPORT_MANAGE,
        SPENDING_MANAGE,
        GIFTCARD_READ,
        GIFTCARD_MANAGE,
        ORDER_MANAGE,
        GDPR_READ,
        GDPR_DELETE,
    ];
}

/// An API client as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub key: ApiClientKey,
    pub tenant_id: TenantId,
    /// What the client authenticates with (the Basic user name).
    pub client_id: PublicId,
    pub name: String,
    pub secret_digest: TokenDigest,
    pub scopes: Vec<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A client to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiClient {
    pub client_id: PublicId,
    pub name: String,
    pub secret_digest: TokenDigest,
    pub scopes: Vec<String>,
}

/// API-client persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ApiClientRepository: Send + Sync {
    async fn insert_api_client(
        &self,
        tenant: TenantId,
        new: NewApiClient,
        now: DateTime<Utc>,
    ) -> Result<ApiClient, StoreError>;
    /// The client with this client id, in any tenant.
    async fn api_client(&self, client_id: &PublicId) -> Result<Option<ApiClient>, StoreError>;
    /// The tenant's clients, by name.
    async fn api_clients(&self, tenant: TenantId) -> Result<Vec<ApiClient>, StoreError>;
    /// Disables a client; false if the tenant has no such client.
    async fn disable_api_client(
        &self,
        tenant: TenantId,
        client_id: &PublicId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Stores the digest of a bearer token of `client`, valid until `expires_at`.
    async fn insert_api_token(
        &self,
        client: ApiClientKey,
        digest: TokenDigest,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The client a live (unexpired) token digest belongs to.
    async fn api_client_by_token(
        &self,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiClient>, StoreError>;
    /// Replaces a client's secret; false if the tenant has no such client.
    async fn set_api_client_secret(
        &self,
        tenant: TenantId,
        client_id: &PublicId,
        digest: TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// A bearer token issued for client credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub access_token: String,
    pub expires_in: i64,
    pub client: ApiClient,
}

/// Why an API-client use case failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiClientError {
    #[error("name {0}")]
    Name(ValueError),
    #[error("unknown scope {0}")]
    UnknownScope(String),
    #[error("no such API client")]
    NotFound,
    /// Unknown client, wrong secret, disabled, or another tenant's client.
    #[error("invalid client credentials")]
    Unauthorized,
    #[error("the client lacks the scope {0}")]
    MissingScope(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// API clients of tenants: the operator CLI manages them, the dialects authenticate them.
#[derive(Clone)]
pub struct ApiClientService {
    pub clients: Arc<dyn ApiClientRepository>,
    pub ids: Arc<dyn IdGenerator>,
    pub secrets: Arc<dyn Secrets>,
    pub clock: Arc<dyn Clock>,
    /// Lifetime of bearer tokens issued for client credentials.
    pub token_ttl: chrono::Duration,
}

impl ApiClientService {
    /// Exchanges a client's credentials for a short-lived bearer token (OAuth 2 client
    /// credentials grant). The client id names the tenant.
    pub async fn issue_token(
        &self,
        tenant: Option<TenantId>,
        client_id: &str,
        secret: &str,
    ) -> Result<ApiToken, ApiClientError> {
        let id = PublicId::parse(client_id).ok_or(ApiClientError::Unauthorized)?;
        let client = self
            .clients
            .api_client(&id)
            .await?
            .filter(|c| c.enabled && tenant.is_none_or(|t| t == c.tenant_id))
            .filter(|c| c.secret_digest == self.secrets.digest(secret))
            .ok_or(ApiClientError::Unauthorized)?;
        let token = self.secrets.token();
        let now = self.clock.now();
        self.clients
            .insert_api_token(client.key, self.secrets.digest(&token), now + self.token_ttl, now)
            .await?;
        tracing::info!(event = "api_token_issued", tenant = client.tenant_id.get(), client = %client.client_id, "API client token issued");
        Ok(ApiToken {
            access_token: token,
            expires_in: self.token_ttl.num_seconds(),
            client,
        })
    }

    /// The enabled client of `tenant` a live bearer token was issued to, if it holds `needed`.
    pub async fn authenticate_token(
        &self,
        tenant: &Tenant,
        token: &str,
        needed: &'static str,
    ) -> Result<ApiClient, ApiClientError> {
        let client = self
            .clients
            .api_client_by_token(&self.secrets.digest(token), self.clock.now())
            .await?
            .filter(|c| c.enabled && c.tenant_id == tenant.id)
            .ok_or(ApiClientError::Unauthorized)?;
        if !client.scopes.iter().any(|s| s == needed) {
            return Err(ApiClientError::MissingScope(needed));
        }
        Ok(client)
    }

    /// Creates a client; returns it with its secret, which exists nowhere else.
    pub async fn create(
        &self,
        tenant: &Tenant,
        name: &str,
        scopes: &[String],
    ) -> Result<(ApiClient, String), ApiClientError> {
        let name = required_text(name, TextLimit::SHORT).map_err(ApiClientError::Name)?;
        let mut checked: Vec<String> = Vec::new();
        for s in scopes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !scope::ALL.contains(&s) {
                return Err(ApiClientError::UnknownScope(s.to_owned()));
            }
            if !checked.iter().any(|c| c == s) {
                checked.push(s.to_owned());
            }
        }
        let secret = self.secrets.token();
        let client = self
            .clients
            .insert_api_client(
                tenant.id,
                NewApiClient {
                    client_id: self.ids.public_id(),
                    name,
                    secret_digest: self.secrets.digest(&secret),
                    scopes: checked,
                },
                self.clock.now(),
            )
            .await?;
        tracing::info!(event = "api_client_created", tenant = tenant.id.get(), client = %client.client_id, "API client created");
        Ok((client, secret))
    }

    /// The tenant's clients.
    pub async fn list(&self, tenant: &Tenant) -> Result<Vec<ApiClient>, ApiClientError> {
        Ok(self.clients.api_clients(tenant.id).await?)
    }

    /// Disables a client for good.
    pub async fn revoke(&self, tenant: &Tenant, client_id: &str) -> Result<(), ApiClientError> {
        let id = PublicId::parse(client_id).ok_or(ApiClientError::NotFound)?;
        if !self
            .clients
            .disable_api_client(tenant.id, &id, self.clock.now())
            .await?
        {
            return Err(ApiClientError::NotFound);
        }
        tracing::info!(event = "api_client_revoked", tenant = tenant.id.get(), client = %id, "API client revoked");
        Ok(())
    }

    /// Gives a client a new secret (the old one stops working at once).
    pub async fn rotate_secret(&self, tenant: &Tenant, client_id: &str) -> Result<String, ApiClientError> {
        let id = PublicId::parse(client_id).ok_or(ApiClientError::NotFound)?;
        let secret = self.secrets.token();
        if !self
            .clients
            .set_api_client_secret(tenant.id, &id, self.secrets.digest(&secret), self.clock.now())
            .await?
        {
            return Err(ApiClientError::NotFound);
        }
        tracing::info!(event = "api_client_secret_rotated", tenant = tenant.id.get(), client = %id, "API client secret rotated");
        Ok(secret)
    }

    /// The enabled client of `tenant` with these credentials, if it holds `needed`.
    pub async fn authenticate(
        &self,
        tenant: &Tenant,
        client_id: &str,
        secret: &str,
        needed: &'static str,
    ) -> Result<ApiClient, ApiClientError> {
        let id = PublicId::parse(client_id).ok_or(ApiClientError::Unauthorized)?;
        let client = self
            .clients
            .api_client(&id)
            .await?
            .filter(|c| c.enabled && c.tenant_id == tenant.id && c.secret_digest == self.secrets.digest(secret))
            .ok_or(ApiClientError::Unauthorized)?;
        if !client.scopes.iter().any(|s| s == needed) {
            return Err(ApiClientError::MissingScope(needed));
        }
        Ok(client)
    }
}
