//! Mailed one-time codes (password reset, opt-in, e-mail change): stored as digests,
//! created with their mail and spent with their effect, each in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::identity::{CodeLookup, CodePurpose, CodeRepository, NewCode, TokenDigest};
use clientele_domain::ids::{TenantId, UserId};
use clientele_domain::mail::OutgoingMail;
use clientele_domain::users::EmailVerification;
use clientele_domain::values::{Email, Login};
use clientele_domain::StoreError;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::encoding::db_time;
use crate::errors::DbError;
use crate::outbox::enqueue_in_tx;
use crate::schema::{mailed_codes, users};
use crate::Store;

/// A code found and spent: its user and what an e-mail change asked for.
pub(crate) struct SpentRow {
    user_id: i64,
    new_email: Option<String>,
    sync_contact_email: bool,
}

/// The concrete connections of both backends, so the code helpers can be called with
/// the `c` of `with_conn!` / `write_tx!` bodies (and so inside their transaction).
pub(crate) trait CodeConnection {
    /// Stores a code for `user`; the user's earlier open codes of the same purpose end.
    fn insert_code(&mut self, tenant: TenantId, user: i64, code: &NewCode, now: NaiveDateTime) -> QueryResult<()>;
    /// Spends a live code of `purpose`: `Err(lookup)` says why there is none.
    fn spend_code(
        &mut self,
        tenant: TenantId,
        purpose: CodePurpose,
        digest: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Result<SpentRow, CodeLookup>>;
    /// What a spent code does to its user: nothing for a password reset (the new password
    /// is set afterwards: hashing cannot run inside a transaction), activation for an
    /// opt-in, the new login for an e-mail change. A login taken meanwhile fails on the
    /// unique key and rolls back the lot.
    fn apply(
        &mut self,
        tenant: TenantId,
        purpose: CodePurpose,
        spent: &SpentRow,
        now: NaiveDateTime,
    ) -> Result<(), DbError>;
}

macro_rules! code_connection {
    ($($conn:ty),*) => {$(
        impl CodeConnection for $conn {
            fn insert_code(&mut self, tenant: TenantId, user: i64, code: &NewCode, now: NaiveDateTime) -> QueryResult<()> {
                // Only the newest code of a purpose works: earlier open ones end now.
                diesel::update(
                    mailed_codes::table
                        .filter(mailed_codes::tenant_id.eq(tenant.get()))
                        .filter(mailed_codes::user_id.eq(user))
                        .filter(mailed_codes::purpose.eq(code.purpose.code()))
                        .filter(mailed_codes::used_at.is_null()),
                )
                .set(mailed_codes::used_at.eq(Some(now)))
                .execute(self)?;
                diesel::insert_into(mailed_codes::table)
                    .values((
                        mailed_codes::tenant_id.eq(tenant.get()),
                        mailed_codes::user_id.eq(user),
                        mailed_codes::purpose.eq(code.purpose.code()),
                        mailed_codes::code_digest.eq(code.digest.as_str()),
                        mailed_codes::expires_at.eq(db_time(code.expires_at)),
                        mailed_codes::created_at.eq(now),
                        mailed_codes::new_email.eq(code.new_email.as_ref().map(Email::as_str)),
                        mailed_codes::sync_contact_email.eq(code.sync_contact_email),
                    ))
                    .execute(self)?;
                Ok(())
            }

            fn spend_code(
                &mut self,
                tenant: TenantId,
                purpose: CodePurpose,
                digest: &str,
                now: NaiveDateTime,
            ) -> QueryResult<Result<SpentRow, CodeLookup>> {
                type Row = (i64, i64, NaiveDateTime, Option<NaiveDateTime>, Option<String>, bool);
                let row: Option<Row> = mailed_codes::table
                    .filter(mailed_codes::tenant_id.eq(tenant.get()))
                    .filter(mailed_codes::code_digest.eq(digest))
                    .filter(mailed_codes::purpose.eq(purpose.code()))
                    .select((
                        mailed_codes::id,
                        mailed_codes::user_id,
                        mailed_codes::expires_at,
                        mailed_codes::used_at,
                        mailed_codes::new_email,
                        mailed_codes::sync_contact_email,
                    ))
                    .get_result(self)
                    .optional()?;
                let Some((id, user_id, expires_at, used_at, new_email, sync_contact_email)) = row else {
                    return Ok(Err(CodeLookup::Unknown));
                };
                if used_at.is_some() {
                    return Ok(Err(CodeLookup::Unknown));
                }
                if expires_at <= now {
                    return Ok(Err(CodeLookup::Expired));
                }
                // Guarded by `used_at IS NULL`: of two concurrent uses one wins.
                let spent = diesel::update(mailed_codes::table.find(id).filter(mailed_codes::used_at.is_null()))
                    .set(mailed_codes::used_at.eq(Some(now)))
                    .execute(self)?;
                Ok(if spent == 1 {
                    Ok(SpentRow { user_id, new_email, sync_contact_email })
                } else {
                    Err(CodeLookup::Unknown)
                })
            }

            fn apply(
                &mut self,
                tenant: TenantId,
                purpose: CodePurpose,
                spent: &SpentRow,
                now: NaiveDateTime,
            ) -> Result<(), DbError> {
                let user = users::table
                    .filter(users::tenant_id.eq(tenant.get()))
                    .filter(users::id.eq(spent.user_id));
                let verified = EmailVerification::Verified.code();
                let edit = (users::updated_at.eq(now), users::version.eq(users::version + 1));
                let changed = match purpose {
                    CodePurpose::PasswordReset => return Ok(()),
                    CodePurpose::SignupOptIn => diesel::update(user)
                        .set((users::active.eq(true), users::email_verification.eq(verified), edit))
                        .execute(self)?,
                    CodePurpose::EmailChange => {
                        let stored = spent.new_email.as_deref().ok_or(DbError::Missing("new e-mail of the code"))?;
                        let email = Email::parse(stored).map_err(|_| DbError::Missing("valid new e-mail of the code"))?;
                        let login = Login::from_email(&email);
                        let moved = diesel::update(user)
                            .set((users::login.eq(login.as_str()), users::login_key.eq(login.key()), edit))
                            .execute(self)?;
                        if spent.sync_contact_email {
                            diesel::update(user)
                                .set((users::email.eq(email.as_str()), users::email_verification.eq(verified)))
                                .execute(self)?;
                        }
                        moved
                    }
                };
                if changed != 1 {
                    return Err(DbError::Missing("user"));
                }
                Ok(())
            }
        }
    )*};
}

code_connection!(PgConnection, SqliteConnection);

#[async_trait]
impl CodeRepository for Store {
    async fn create_code(
        &self,
        tenant: TenantId,
        user: UserId,
        code: NewCode,
        mail: OutgoingMail,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.run("create mailed code", move |conn| {
            write_tx!(conn, |c| {
                c.insert_code(tenant, user.get(), &code, db_time(now))?;
                enqueue_in_tx(c, tenant, &mail, now)?;
                Ok(())
            })
        })
        .await
    }

    async fn spend_reset(
        &self,
        tenant: TenantId,
        code: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<CodeLookup, StoreError> {
        self.spend(tenant, CodePurpose::PasswordReset, code, now).await
    }

    async fn activate(
        &self,
        tenant: TenantId,
        code: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<CodeLookup, StoreError> {
        self.spend(tenant, CodePurpose::SignupOptIn, code, now).await
    }

    async fn change_email(
        &self,
        tenant: TenantId,
        code: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<CodeLookup, StoreError> {
        self.spend(tenant, CodePurpose::EmailChange, code, now).await
    }
}

impl Store {
    /// Spends a live code of `purpose` and applies its effect, in one transaction.
    async fn spend(
        &self,
        tenant: TenantId,
        purpose: CodePurpose,
        code: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<CodeLookup, StoreError> {
        let digest = code.as_str().to_owned();
        self.run(purpose.code(), move |conn| {
            let now = db_time(now);
            write_tx!(conn, |c| {
                // Opting in and confirming an e-mail change edit the user: its customer's
                // row is locked first, before the code's (a reset code edits no user).
                if purpose != CodePurpose::PasswordReset {
                    let owner: Option<i64> = mailed_codes::table
                        .filter(mailed_codes::tenant_id.eq(tenant.get()))
                        .filter(mailed_codes::code_digest.eq(&digest))
                        .filter(mailed_codes::purpose.eq(purpose.code()))
                        .select(mailed_codes::user_id)
                        .get_result(c)
                        .optional()?;
                    if let Some(owner) = owner {
                        lock_customer!(c, tenant.get(), user = owner)?;
                    }
                }
                let spent = match c.spend_code(tenant, purpose, &digest, now)? {
                    Ok(spent) => spent,
                    Err(lookup) => return Ok(lookup),
                };
                c.apply(tenant, purpose, &spent, now)?;
                Ok(CodeLookup::Spent(UserId::new(spent.user_id)))
            })
        })
        .await
    }
}
