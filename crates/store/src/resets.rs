//! Password-reset codes: stored as digests, spent once, with their mail in the same
//! transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::identity::{ResetLookup, ResetRepository, TokenDigest};
use clientele_domain::ids::{TenantId, UserId};
use clientele_domain::mail::OutgoingMail;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::db_time;
use crate::outbox::enqueue_in_tx;
use crate::schema::password_resets;
use crate::Store;

#[async_trait]
impl ResetRepository for Store {
    async fn create_reset(
        &self,
        tenant: TenantId,
        user: UserId,
        code: TokenDigest,
        expires_at: DateTime<Utc>,
        mail: OutgoingMail,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.run("create password reset", move |conn| {
            let at = db_time(now);
            write_tx!(conn, |c| {
                // Only the newest code works: earlier open ones end now.
                diesel::update(
                    password_resets::table
                        .filter(password_resets::tenant_id.eq(tenant.get()))
                        .filter(password_resets::user_id.eq(user.get()))
                        .filter(password_resets::used_at.is_null()),
                )
                .set(password_resets::used_at.eq(Some(at)))
                .execute(c)?;
                diesel::insert_into(password_resets::table)
                    .values((
                        password_resets::tenant_id.eq(tenant.get()),
                        password_resets::user_id.eq(user.get()),
                        password_resets::code_digest.eq(code.as_str()),
                        password_resets::expires_at.eq(db_time(expires_at)),
                        password_resets::created_at.eq(at),
                    ))
                    .execute(c)?;
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
    ) -> Result<ResetLookup, StoreError> {
        let digest = code.as_str().to_owned();
        self.run("spend password reset", move |conn| {
            let now = db_time(now);
            write_tx!(conn, |c| {
                let row: Option<(i64, i64, NaiveDateTime, Option<NaiveDateTime>)> = password_resets::table
                    .filter(password_resets::tenant_id.eq(tenant.get()))
                    .filter(password_resets::code_digest.eq(&digest))
                    .select((
                        password_resets::id,
                        password_resets::user_id,
                        password_resets::expires_at,
                        password_resets::used_at,
                    ))
                    .first(c)
                    .optional()?;
                let Some((id, user, expires_at, used_at)) = row else {
                    return Ok(ResetLookup::Unknown);
                };
                if used_at.is_some() {
                    return Ok(ResetLookup::Unknown);
                }
                if expires_at <= now {
                    return Ok(ResetLookup::Expired);
                }
                // Guarded by `used_at IS NULL`: of two concurrent uses one wins.
                let spent = diesel::update(
                    password_resets::table
                        .find(id)
                        .filter(password_resets::used_at.is_null()),
                )
                .set(password_resets::used_at.eq(Some(now)))
                .execute(c)?;
                Ok(if spent == 1 {
                    ResetLookup::Spent(UserId::new(user))
                } else {
                    ResetLookup::Unknown
                })
            })
        })
        .await
    }
}
