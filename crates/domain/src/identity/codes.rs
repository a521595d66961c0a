//! Mailed one-time codes: password reset, sign-up opt-in and e-mail change. A code is
//! stored only as its digest, works once, expires, and is created in the same
//! transaction as the mail that carries it.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::error::StoreError;
use crate::identity::{Secrets, TokenDigest};
use crate::ids::{TenantId, UserId};
use crate::mail::{MailKind, OutgoingMail};
use crate::users::User;
use crate::values::Email;

/// What a code is for; a code of one purpose is unknown to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    PasswordReset,
    SignupOptIn,
    EmailChange,
}

impl CodePurpose {
    /// The stable code stored with it.
    pub fn code(self) -> &'static str {
        match self {
            CodePurpose::PasswordReset => "password_reset",
            CodePurpose::SignupOptIn => "signup_opt_in",
            CodePurpose::EmailChange => "email_change",
        }
    }

    fn mail(self) -> MailKind {
        match self {
            CodePurpose::PasswordReset => MailKind::PasswordReset,
            CodePurpose::SignupOptIn => MailKind::SignupOptIn,
            CodePurpose::EmailChange => MailKind::EmailChangeConfirm,
        }
    }
}

/// A code to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    pub purpose: CodePurpose,
    pub digest: TokenDigest,
    pub expires_at: DateTime<Utc>,
    /// E-mail change: the address the login changes to.
    pub new_email: Option<Email>,
    /// E-mail change: whether the contact address changes too.
    pub sync_contact_email: bool,
}

/// What the store found for a presented code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeLookup {
    /// The code was live and is now spent (its effect applied); it belongs to this user.
    Spent(UserId),
    /// The code exists but has expired (it stays unusable).
    Expired,
    /// No such code of this purpose, or it was used already.
    Unknown,
}

/// Code persistence. Spending a code and applying its effect is one transaction, so a
/// code is never spent without its effect, nor the other way round.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CodeRepository: Send + Sync {
    /// Stores a code for the user (the user's earlier open codes of the same purpose
    /// end) and puts `mail` into the outbox, in one transaction.
    async fn create_code(
        &self,
        tenant: TenantId,
        user: UserId,
        code: NewCode,
        mail: OutgoingMail,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Spends a live password-reset code (the new password is set afterwards: hashing
    /// cannot run inside a transaction).
    async fn spend_reset(
        &self,
        tenant: TenantId,
        code: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<CodeLookup, StoreError>;
    /// Spends a live opt-in code and activates its user (active, e-mail verified).
    async fn activate(
        &self,
        tenant: TenantId,
        code: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<CodeLookup, StoreError>;
    /// Spends a live e-mail-change code and sets the user's login (and, if asked, contact
    /// e-mail) to the new address. An address taken meanwhile is `Duplicate(UserLogin)`
    /// and changes nothing, the code included.
    async fn change_email(
        &self,
        tenant: TenantId,
        code: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<CodeLookup, StoreError>;
}

/// Where the links in code mails point: `{base}{path}` with `{user_id}` and `{code}`
/// filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailLink {
    pub base: String,
    pub path: String,
}

impl MailLink {
    fn render(&self, user_id: &str, code: &str) -> String {
        let path = self.path.replace("{user_id}", user_id).replace("{code}", code);
        format!("{}{}", self.base.trim_end_matches('/'), path)
    }
}

/// How one kind of code is mailed: its lifetime and link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeMail {
    pub purpose: CodePurpose,
    pub ttl: Duration,
    pub link: MailLink,
}

impl CodeMail {
    /// A fresh code for `user`, mailed to `to`: the code to store and its mail (the
    /// plain code exists only inside the mail).
    pub(crate) fn prepare(
        &self,
        secrets: &dyn Secrets,
        user: (&str, &crate::users::PersonData),
        to: &Email,
        now: DateTime<Utc>,
    ) -> (NewCode, OutgoingMail) {
        let (public_id, person) = user;
        let plain = secrets.token();
        let mail = OutgoingMail::new(self.purpose.mail(), to.clone())
            .in_language(person.preferred_language.clone())
            .with_param("link", self.link.render(public_id, &plain))
            .with_param("first_name", person.first_name.clone().unwrap_or_default());
        let code = NewCode {
            purpose: self.purpose,
            digest: secrets.digest(&plain),
            expires_at: now + self.ttl,
            new_email: None,
            sync_contact_email: false,
        };
        (code, mail)
    }

    /// A code that lets a new user choose their first password, in an invitation mail
    /// (the code works like a reset code, on the same storefront page).
    pub(crate) fn prepare_invitation(
        &self,
        secrets: &dyn Secrets,
        user: (&str, &crate::users::PersonData),
        to: &Email,
        now: DateTime<Utc>,
    ) -> (NewCode, OutgoingMail) {
        let (code, mut mail) = self.prepare(secrets, user, to, now);
        mail.kind = MailKind::Invitation;
        (code, mail)
    }

    /// [`Self::prepare`] for a stored user, mailed to their address.
    pub(crate) fn prepare_for(
        &self,
        secrets: &dyn Secrets,
        user: &User,
        now: DateTime<Utc>,
    ) -> (NewCode, OutgoingMail) {
        self.prepare(secrets, (user.public_id.as_str(), &user.person), &user.email, now)
    }
}
