//! Housekeeping: rows that can no longer matter are removed, so tables grow with the
//! live data and not with traffic (ICM Basic auth opens a session per request); and,
//! when configured, accounts inactive for months are erased (GDPR storage limitation).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::customers::{Actor, CustomerRepository};
use crate::error::StoreError;
use crate::ids::{CustomerId, TenantId};
use crate::values::CustomerNumber;

/// How many rows a purge removed, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub codes: u64,
    pub mails: u64,
    /// Bearer tokens of API clients.
    pub api_tokens: u64,
}

/// Removal of ended rows, across all tenants.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Housekeeping: Send + Sync {
    /// Removes sessions whose refresh token expired or that were revoked before `before`,
    /// mailed codes and API-client tokens that expired before it, and mails sent before
    /// it. Mails that were given up stay for inspection.
    async fn purge(&self, before: DateTime<Utc>) -> Result<Purged, StoreError>;
}

/// Purges what ended longer than `retention` ago.
#[derive(Clone)]
pub struct HousekeepingService {
    pub store: Arc<dyn Housekeeping>,
    pub clock: Arc<dyn Clock>,
    /// How long ended rows are kept (for support questions and replay detection).
    pub retention: Duration,
}

impl HousekeepingService {
    /// One purge round.
    pub async fn run_once(&self) -> Result<Purged, StoreError> {
        let purged = self.store.purge(self.clock.now() - self.retention).await?;
        if purged != Purged::default() {
            tracing::info!(
                sessions = purged.sessions,
                codes = purged.codes,
                mails = purged.mails,
                api_tokens = purged.api_tokens,
                "housekeeping removed ended rows"
            );
        }
        Ok(purged)
    }
}

/// A live customer without activity since a cutoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InactiveCustomer {
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub number: CustomerNumber,
}

/// Finding inactive customers, across all tenants.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait InactiveCustomers: Send + Sync {
    /// Up to `limit` live customers created before `since` with no login, no change of
    /// customer or user and no recorded order since then; by id.
    async fn inactive_customers(&self, since: DateTime<Utc>, limit: u64) -> Result<Vec<InactiveCustomer>, StoreError>;
}

/// Automatic erasure of accounts inactive for a number of months (off with 0): run by
/// the service's housekeeping loop; `clientele gdpr inactive` shows what it would erase.
#[derive(Clone)]
pub struct RetentionService {
    pub inactive: Arc<dyn InactiveCustomers>,
    pub customers: Arc<dyn CustomerRepository>,
    pub clock: Arc<dyn Clock>,
    pub months: u32,
}

/// Customers erased per round at most (the next round goes on).
const RETENTION_BATCH: u64 = 500;

impl RetentionService {
    /// The cutoff for `months` of inactivity; `None` when retention is off.
    pub fn cutoff(&self, months: u32) -> Option<DateTime<Utc>> {
        (months > 0).then(|| {
            self.clock
                .now()
                .checked_sub_months(chrono::Months::new(months))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        })
    }

    /// The customers inactive for `months` (a dry run: nothing changes).
    pub async fn candidates(&self, months: u32, limit: u64) -> Result<Vec<InactiveCustomer>, StoreError> {
        match self.cutoff(months) {
            Some(since) => self.inactive.inactive_customers(since, limit).await,
            None => Ok(vec![]),
        }
    }

    /// Erases up to one batch of customers inactive for the configured months, each as
    /// every other erasure (audited as `retention`); how many went.
    pub async fn run_once(&self) -> Result<u64, StoreError> {
        let mut erased = 0;
        for c in self.candidates(self.months, RETENTION_BATCH).await? {
            let actor = Actor {
                by: "retention".to_owned(),
                request_id: None,
            };
            if self
                .customers
                .erase_customer(c.tenant, c.customer, self.clock.now(), actor)
                .await?
            {
                erased += 1;
            }
        }
        if erased > 0 {
            tracing::info!(
                event = "inactive_customers_erased",
                erased,
                months = self.months,
                "inactive customers erased"
            );
        }
        Ok(erased)
    }
}
