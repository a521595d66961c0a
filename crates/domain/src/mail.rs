//! Mail: the outbox port, the sender port and the dispatcher between them.
//!
//! Flows never send mail themselves: they write an [`OutgoingMail`] to the outbox in the
//! same transaction as the change that caused it, so a mail exists exactly when its
//! change was committed. The [`MailDispatcher`] later claims due mail, hands it to a
//! [`MailSender`] (SMTP, or `.eml` files in development) and records the outcome, with
//! retries and exponential backoff. Delivery is at least once: a dispatcher that dies
//! between sending and recording leaves the mail to be sent again after its lease.
//!
//! Params may hold one-time secrets (opt-in and reset links), so neither they nor the
//! full recipient address are ever logged; `Debug` of a mail shows neither.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::error::StoreError;
use crate::ids::{MailId, TenantId};
use crate::values::{Email, LanguageTag};

/// What a mail is about; selects its subject and templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MailKind {
    /// Confirms the address given at sign-up (double opt-in); params `link`, optional `first_name`.
    SignupOptIn,
    /// Offers a link to set a new password; params `link`, optional `first_name`.
    PasswordReset,
    /// Confirms a new e-mail address, sent to that address; params `link`, optional `first_name`.
    EmailChangeConfirm,
    /// Tells the user the password was changed; optional param `first_name`.
    PasswordChanged,
    /// Invites a new user of a customer; params `link`, optional `first_name`.
    Invitation,
}

impl MailKind {
    /// Every kind, in declaration order.
    pub const ALL: [MailKind; 5] = [
        MailKind::SignupOptIn,
        MailKind::PasswordReset,
        MailKind::EmailChangeConfirm,
        MailKind::PasswordChanged,
        MailKind::Invitation,
    ];

    /// The stable code stored in the outbox and used in template file names.
    pub fn code(self) -> &'static str {
        match self {
            MailKind::SignupOptIn => "signup_opt_in",
            MailKind::PasswordReset => "password_reset",
            MailKind::EmailChangeConfirm => "email_change_confirm",
            MailKind::PasswordChanged => "password_changed",
            MailKind::Invitation => "invitation",
        }
    }

    /// The kind of a stored code; `None` for an unknown one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for MailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A mail to send: its kind, recipient, language and template parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub kind: MailKind,
    pub to: Email,
    /// The recipient's language; `None` uses the default templates (English).
    pub language: Option<LanguageTag>,
    /// Values for the template placeholders, e.g. `link` (a full URL) and `first_name`.
    /// May hold one-time secrets: never log them.
    pub params: BTreeMap<String, String>,
}

impl OutgoingMail {
    /// A mail of `kind` to `to`, without language or params.
    pub fn new(kind: MailKind, to: Email) -> Self {
        Self {
            kind,
            to,
            language: None,
            params: BTreeMap::new(),
        }
    }

    /// The same mail in `language`.
    pub fn in_language(mut self, language: Option<LanguageTag>) -> Self {
        self.language = language;
        self
    }

    /// The same mail with one more template parameter.
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }
}

// Shows the parameter names only and a masked recipient: the values may be secrets,
// and a mail may end up in a log through `{:?}`.
impl fmt::Debug for OutgoingMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingMail")
            .field("kind", &self.kind)
            .field("to", &masked_address(&self.to))
            .field("language", &self.language)
            .field("params", &self.params.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// An address as it may appear in logs: first character and domain, `a***@example.com`.
pub fn masked_address(email: &Email) -> String {
    let (local, domain) = email.as_str().rsplit_once('@').unwrap_or(("", email.as_str()));
    let first: String = local.chars().take(1).collect();
    format!("{first}***@{domain}")
}

/// A mail claimed from the outbox for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: MailId,
    pub tenant_id: TenantId,
    /// The tenant's name: selects its templates and names its folder of `.eml` files.
    pub tenant_name: String,
    pub mail: OutgoingMail,
    /// Delivery attempts started so far, counting the one this claim starts (so ≥ 1).
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// The outbox: mail waiting to be delivered, shared by every instance of the service.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait MailOutbox: Send + Sync {
    /// Queues a mail on its own, due at once. Flows that change data queue their mail in
    /// the store's transaction instead, so that the mail and the change commit together.
    async fn enqueue(&self, tenant: TenantId, mail: OutgoingMail, now: DateTime<Utc>) -> Result<MailId, StoreError>;
    /// Atomically claims up to `limit` mails due at `now` (oldest first): counts an attempt
    /// and makes them due again only at `now + lease`, so no other dispatcher (of this or
    /// another instance) takes them meanwhile, and a crashed sender's mail is retried.
    async fn claim_due(&self, limit: usize, now: DateTime<Utc>, lease: Duration)
        -> Result<Vec<QueuedMail>, StoreError>;
    /// Records a delivered mail; it is never claimed again.
    async fn mark_sent(&self, id: MailId, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Records a failed attempt: due again at `next_attempt_at`, or given up (kept with
    /// its failure time) when that is `None`.
    async fn mark_failed(
        &self,
        id: MailId,
        error: String,
        next_attempt_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// Why a mail was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth retrying: the server was unreachable, timed out or answered 4xx.
    #[error("temporary delivery failure: {0}")]
    Temporary(String),
    /// Retrying cannot help: the server answered 5xx, or the mail cannot be built.
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

/// Delivers one mail (renders its templates and hands it to a mail server or a file).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait MailSender: Send + Sync {
    /// Sends `mail`; the same mail may be sent again if recording the outcome fails.
    async fn send(&self, mail: &QueuedMail) -> Result<(), MailError>;
}

/// Delivers due mail from the outbox, with retries and exponential backoff.
#[derive(Clone)]
pub struct MailDispatcher {
    pub outbox: Arc<dyn MailOutbox>,
    pub sender: Arc<dyn MailSender>,
    pub clock: Arc<dyn Clock>,
    /// Delivery attempts before a temporarily failing mail is given up (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failed attempt; it doubles with each further failure,
    /// up to [`MailDispatcher::MAX_BACKOFF`].
    pub base_backoff: Duration,
    /// How long a claim keeps other dispatchers off a mail. A batch stops sending once
    /// half of it has passed (its rest is claimed again later), so it must be well above
    /// the time one send can take.
    pub lease: Duration,
}

impl MailDispatcher {
    /// The longest wait between two attempts.
    pub const MAX_BACKOFF: Duration = Duration::hours(1);

    /// The wait after the `attempts`-th failed attempt: base × 2^(attempts − 1), capped.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = (attempts.max(1) - 1).min(30) as u32;
        self.base_backoff
            .checked_mul(1 << doublings)
            .map_or(Self::MAX_BACKOFF, |wait| wait.min(Self::MAX_BACKOFF))
    }

    /// Claims up to `batch` due mails and tries each once, recording sent, retry or give
    /// up. Returns how many were claimed: a full batch means more may be due. A store
    /// error stops the batch; its unsent mails are claimed again after the lease.
    pub async fn dispatch_due(&self, batch: usize) -> Result<usize, StoreError> {
        let claimed_at = self.clock.now();
        let due = self.outbox.claim_due(batch, claimed_at, self.lease).await?;
        let claimed = due.len();
        // A send started before this point has the other half of the lease to finish
        // before another dispatcher may claim the same mail and send it a second time.
        let last_start = claimed_at + self.lease / 2;
        for (done, mail) in due.into_iter().enumerate() {
            if self.clock.now() >= last_start {
                tracing::warn!(
                    left = claimed - done,
                    lease_secs = self.lease.num_seconds(),
                    "half the mail lease passed before the batch was sent; the rest is retried later"
                );
                break;
            }
            self.deliver(mail).await?;
        }
        Ok(claimed)
    }

    async fn deliver(&self, queued: QueuedMail) -> Result<(), StoreError> {
        let max = i32::try_from(self.max_attempts).unwrap_or(i32::MAX).max(1);
        let (id, kind, tenant, attempts) = (
            queued.id,
            queued.mail.kind,
            queued.tenant_name.as_str(),
            queued.attempts,
        );
        if attempts > max {
            // Claimed more often than allowed without any recorded outcome: earlier
            // attempts died mid-send (a crash or a hang), so this mail may be what kills them.
            tracing::error!(mail = %id, %kind, tenant, attempts, "mail given up: no outcome after repeated attempts");
            let error = format!("given up after {} attempts without an outcome", attempts - 1);
            return self.outbox.mark_failed(id, error, None, self.clock.now()).await;
        }
        let outcome = self.sender.send(&queued).await;
        let now = self.clock.now();
        match outcome {
            Ok(()) => {
                tracing::info!(mail = %id, %kind, tenant, attempts, "mail sent");
                self.outbox.mark_sent(id, now).await
            }
            Err(MailError::Temporary(error)) if attempts < max => {
                let wait = self.backoff(attempts);
                tracing::warn!(
                    mail = %id, %kind, tenant, attempts, retry_in_secs = wait.num_seconds(),
                    error = %scrubbed(&error, &queued.mail.to),
                    "mail not sent; will retry"
                );
                self.outbox.mark_failed(id, error, Some(now + wait), now).await
            }
            Err(error) => {
                let error = match error {
                    MailError::Temporary(e) => format!("given up after {attempts} attempts: {e}"),
                    MailError::Permanent(e) => e,
                };
                tracing::error!(
                    mail = %id, %kind, tenant, attempts,
                    error = %scrubbed(&error, &queued.mail.to),
                    "mail given up"
                );
                self.outbox.mark_failed(id, error, None, now).await
            }
        }
    }
}

/// A sender's error text for the log: servers like to quote the recipient address.
fn scrubbed(error: &str, to: &Email) -> String {
    let masked = masked_address(to);
    error
        .replace(to.as_str(), &masked)
        .replace(&to.as_str().to_ascii_lowercase(), &masked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for kind in MailKind::ALL {
            assert_eq!(MailKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(MailKind::SignupOptIn.code(), "signup_opt_in");
        assert_eq!(MailKind::from_code("newsletter"), None);
    }

    #[test]
    fn debug_output_hides_params_and_the_address() {
        let mail = OutgoingMail::new(MailKind::PasswordReset, Email::parse("anna@example.com").unwrap())
            .with_param("link", "https://shop.example/reset?token=s3cret");
        let shown = format!("{mail:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("anna@"), "{shown}");
        assert!(
            shown.contains("a***@example.com") && shown.contains("\"link\""),
            "{shown}"
        );
    }

    #[test]
    fn sender_errors_lose_the_recipient_before_logging() {
        let to = Email::parse("Anna.Meier@example.com").unwrap();
        assert_eq!(
            scrubbed("550 <anna.meier@example.com> unknown; <Anna.Meier@example.com>", &to),
            "550 <A***@example.com> unknown; <A***@example.com>"
        );
    }
}
