//! Removal of ended sessions, codes, API-client tokens and sent mail; the search for
//! inactive customers (automatic erasure).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clientele_domain::customers::CustomerStatus;
use clientele_domain::housekeeping::{Housekeeping, InactiveCustomer, InactiveCustomers, Purged};
use clientele_domain::ids::{CustomerId, TenantId};
use clientele_domain::values::CustomerNumber;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::db_time;
use crate::errors::RowCheck;
use crate::schema::{api_client_tokens, customers, mail_outbox, mailed_codes, orders, sessions, users};
use crate::Store;

#[async_trait]
impl Housekeeping for Store {
    async fn purge(&self, before: DateTime<Utc>) -> Result<Purged, StoreError> {
        self.run("housekeeping", move |conn| {
            let before = db_time(before);
            // Separate statements, no transaction: each delete stands on its own, and a
            // round that stops halfway is finished by the next.
            with_conn!(conn, |c| {
                let sessions = diesel::delete(
                    sessions::table.filter(
                        sessions::refresh_expires_at
                            .lt(before)
                            .or(sessions::revoked_at.lt(before)),
                    ),
                )
                .execute(c)?;
                let codes =
                    diesel::delete(mailed_codes::table.filter(mailed_codes::expires_at.lt(before))).execute(c)?;
                let mails = diesel::delete(mail_outbox::table.filter(mail_outbox::sent_at.lt(before))).execute(c)?;
                let api_tokens =
                    diesel::delete(api_client_tokens::table.filter(api_client_tokens::expires_at.lt(before)))
                        .execute(c)?;
                Ok(Purged {
                    sessions: sessions as u64,
                    codes: codes as u64,
                    mails: mails as u64,
                    api_tokens: api_tokens as u64,
                })
            })
        })
        .await
    }
}

#[async_trait]
impl InactiveCustomers for Store {
    async fn inactive_customers(&self, since: DateTime<Utc>, limit: u64) -> Result<Vec<InactiveCustomer>, StoreError> {
        let since = db_time(since);
        self.run("find inactive customers", move |conn| {
            let rows: Vec<(i64, i64, String)> = with_conn!(conn, |c| {
                let active_user = users::table.filter(users::customer_id.eq(customers::id)).filter(
                    users::updated_at
                        .ge(since)
                        .nullable()
                        .or(users::last_login_at.ge(since)),
                );
                let recent_order = orders::table
                    .filter(orders::customer_id.eq(customers::id))
                    .filter(orders::updated_at.ge(since));
                customers::table
                    .filter(customers::status.ne(CustomerStatus::Deleted.code()))
                    .filter(customers::created_at.lt(since))
                    .filter(customers::updated_at.lt(since))
                    .filter(diesel::dsl::not(diesel::dsl::exists(active_user)))
                    .filter(diesel::dsl::not(diesel::dsl::exists(recent_order)))
                    .order(customers::id)
                    .limit(limit as i64)
                    .select((customers::tenant_id, customers::id, customers::number))
                    .load(c)
            })?;
            rows.into_iter()
                .map(|(t, id, number)| {
                    Ok(InactiveCustomer {
                        tenant: TenantId::new(t),
                        customer: CustomerId::new(id),
                        number: RowCheck { table: "customers", id }.field("number", CustomerNumber::parse(&number))?,
                    })
                })
                .collect()
        })
        .await
    }
}
