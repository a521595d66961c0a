//! Removal of ended sessions, codes, API-client tokens and sent mail.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clientele_domain::housekeeping::{Housekeeping, Purged};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::db_time;
use crate::schema::{api_client_tokens, mail_outbox, mailed_codes, sessions};
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
