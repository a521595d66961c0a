//! Tenants: an ICM site, an Emporix tenant, an IOM shop. Everything belongs to one.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
pub use chrono_tz::Tz;

use crate::error::{StoreError, UniqueRule};
use crate::ids::TenantId;
use crate::values::{CustomerNumberPattern, ValueError};

/// A tenant's name: the path segment that selects it (`demo`, `inSPIRED-inTRONICS-Site`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantName(String);

impl TenantName {
    /// 1–64 of letters, digits, `-`, `_`, `.`.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let ok = raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        match raw.len() {
            0 => Err(ValueError::Missing),
            65.. => Err(ValueError::TooLong(64)),
            _ if !ok => Err(ValueError::Malformed("letters, digits, '-', '_' and '.' only")),
            _ => Ok(Self(raw.to_owned())),
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tenant and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: TenantName,
    pub customer_number_pattern: CustomerNumberPattern,
    /// New storefront accounts stay inactive until the mailed opt-in link is opened.
    pub double_opt_in: bool,
    /// Where budget periods start at local midnight (an IANA name such as `Europe/Berlin`).
    pub time_zone: Tz,
    pub created_at: DateTime<Utc>,
}

impl Tenant {
    /// The customer number for value `seq` of the tenant's sequence (its pattern).
    pub fn customer_number(&self, seq: i64) -> Result<crate::values::CustomerNumber, StoreError> {
        crate::values::CustomerNumber::parse(&self.customer_number_pattern.format(seq))
            .map_err(|e| StoreError::Unavailable(format!("customer number pattern: {e}")))
    }
}

/// Draws the tenant's next customer number (gaps allowed): sign-up and administration.
pub async fn draw_customer_number(
    tenants: &dyn TenantRepository,
    tenant: &Tenant,
) -> Result<crate::values::CustomerNumber, StoreError> {
    let seq = tenants.next_customer_seqs(tenant.id, 1).await?;
    tenant.customer_number(seq)
}

/// A tenant to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTenant {
    pub name: TenantName,
    pub customer_number_pattern: CustomerNumberPattern,
    pub double_opt_in: bool,
    pub time_zone: Tz,
}

/// Settings to change; `None` keeps the current one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TenantChange {
    pub double_opt_in: Option<bool>,
    pub time_zone: Option<Tz>,
}

/// Reads an IANA time-zone name (`Europe/Berlin`, `UTC`).
pub fn parse_time_zone(raw: &str) -> Result<Tz, ValueError> {
    match raw.trim() {
        "" => Err(ValueError::Missing),
        name => name.parse().map_err(|_| ValueError::Unknown("IANA time zone")),
    }
}

/// Tenant persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait TenantRepository: Send + Sync {
    /// Inserts a tenant; `Duplicate(TenantName)` if the name is taken.
    async fn insert(&self, new: NewTenant, now: DateTime<Utc>) -> Result<Tenant, StoreError>;
    /// The tenant with this name.
    async fn by_name(&self, name: &TenantName) -> Result<Option<Tenant>, StoreError>;
    /// All tenants, by name.
    async fn list(&self) -> Result<Vec<Tenant>, StoreError>;
    /// Changes settings; the tenant as changed, `None` if there is none.
    async fn change(&self, name: &TenantName, change: TenantChange) -> Result<Option<Tenant>, StoreError>;
    /// Draws `count` (≥ 1) consecutive values of the tenant's customer-number sequence
    /// at once (gaps allowed); the first.
    async fn next_customer_seqs(&self, tenant: TenantId, count: i64) -> Result<i64, StoreError>;
}

/// Why a tenant could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateTenantError {
    #[error("a tenant with this name already exists")]
    NameTaken,
    #[error(transparent)]
    Store(StoreError),
}

/// Tenant use cases (operator CLI, start-up, tenant resolution per request).
#[derive(Clone)]
pub struct TenantService {
    repo: Arc<dyn TenantRepository>,
    clock: Arc<dyn crate::clock::Clock>,
    /// Tenants seen by name, with when they were read. Tenants are never renamed or
    /// removed while running; a hit is reused for [`TENANT_CACHE_SECS`], so a setting
    /// changed by the CLI takes effect within that time. Misses are not cached, so a
    /// tenant created by the CLI is found at once.
    known: Arc<RwLock<HashMap<String, Seen>>>,
}

/// A resolved tenant and when it was read.
type Seen = (Tenant, DateTime<Utc>);

/// How long a resolved tenant is reused before it is read again.
pub const TENANT_CACHE_SECS: i64 = 30;

impl TenantService {
    pub fn new(repo: Arc<dyn TenantRepository>, clock: Arc<dyn crate::clock::Clock>) -> Self {
        Self {
            repo,
            clock,
            known: Arc::default(),
        }
    }

    /// Creates a tenant.
    pub async fn create(&self, new: NewTenant) -> Result<Tenant, CreateTenantError> {
        self.repo.insert(new, self.clock.now()).await.map_err(|e| match e {
            StoreError::Duplicate(UniqueRule::TenantName) => CreateTenantError::NameTaken,
            other => CreateTenantError::Store(other),
        })
    }

    /// Creates the tenant unless one with that name exists; returns it either way.
    pub async fn ensure(&self, new: NewTenant) -> Result<Tenant, StoreError> {
        if let Some(t) = self.repo.by_name(&new.name).await? {
            return Ok(t);
        }
        let name = new.name.clone();
        match self.create(new).await {
            Ok(t) => Ok(t),
            // Another instance created it meanwhile.
            Err(CreateTenantError::NameTaken) => self
                .repo
                .by_name(&name)
                .await?
                .ok_or_else(|| StoreError::Unavailable("tenant vanished after creation".into())),
            Err(CreateTenantError::Store(e)) => Err(e),
        }
    }

    /// Resolves the tenant a request names; `None` for an unknown or malformed name.
    pub async fn resolve(&self, raw_name: &str) -> Result<Option<Tenant>, StoreError> {
        let now = self.clock.now();
        let fresh = |(t, at): &Seen| (now - *at < chrono::Duration::seconds(TENANT_CACHE_SECS)).then(|| t.clone());
        if let Some(t) = self.known.read().ok().and_then(|k| k.get(raw_name).and_then(fresh)) {
            return Ok(Some(t));
        }
        let Ok(name) = TenantName::parse(raw_name) else {
            return Ok(None);
        };
        let found = self.repo.by_name(&name).await?;
        if let (Some(t), Ok(mut known)) = (&found, self.known.write()) {
            known.insert(raw_name.to_owned(), (t.clone(), now));
        }
        Ok(found)
    }

    /// Changes a tenant's settings; `None` if there is no such tenant.
    pub async fn change(&self, name: &TenantName, change: TenantChange) -> Result<Option<Tenant>, StoreError> {
        let changed = self.repo.change(name, change).await?;
        if let (Some(_), Ok(mut known)) = (&changed, self.known.write()) {
            known.remove(name.as_str());
        }
        Ok(changed)
    }

    /// All tenants.
    pub async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        self.repo.list().await
    }
}
