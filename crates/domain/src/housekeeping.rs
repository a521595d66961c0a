//! Housekeeping: rows that can no longer matter are removed, so tables grow with the
//! live data and not with traffic (ICM Basic auth opens a session per request).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::error::StoreError;

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
