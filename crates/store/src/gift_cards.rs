//! Gift cards and their ledger. An adjustment locks the card row first (an UPDATE), so
//! concurrent adjustments of one card run one after the other on PostgreSQL as they do
//! on SQLite; then the idempotency key is checked, the balance changed only if it stays
//! at zero or above, and the entry appended, all in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::ids::{PublicId, TenantId};
use clientele_domain::payments::gift_cards::{
    Adjusted, GiftCard, GiftCardId, GiftCardRepository, LedgerEntry, NewGiftCard,
};
use clientele_domain::values::{CurrencyCode, Money, PasswordHash};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::{db_time, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::{gift_card_entries, gift_cards};
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = gift_cards, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct CardRow {
    id: i64,
    public_id: String,
    tenant_id: i64,
    number: String,
    pin_hash: String,
    currency: String,
    initial_amount: i64,
    balance: i64,
    valid_from: Option<NaiveDateTime>,
    valid_until: Option<NaiveDateTime>,
    blocked: bool,
    pin_failures: i32,
    locked_until: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<CardRow> for GiftCard {
    type Error = DbError;

    fn try_from(r: CardRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "gift_cards",
            id: r.id,
        };
        let currency = check.field("currency", CurrencyCode::parse(&r.currency))?;
        Ok(GiftCard {
            id: r.id,
            public_id: check.field("public_id", PublicId::parse(&r.public_id).ok_or("malformed"))?,
            tenant: TenantId::new(r.tenant_id),
            number: r.number,
            pin_hash: PasswordHash::from_phc(r.pin_hash),
            initial: Money {
                minor: r.initial_amount,
                currency,
            },
            balance: Money {
                minor: r.balance,
                currency,
            },
            valid_from: r.valid_from.map(utc),
            valid_until: r.valid_until.map(utc),
            blocked: r.blocked,
            pin_failures: r.pin_failures,
            locked_until: r.locked_until.map(utc),
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = gift_card_entries, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct EntryRow {
    id: i64,
    gift_card_id: i64,
    amount: i64,
    balance_after: i64,
    reason: String,
    idempotency_key: String,
    created_at: NaiveDateTime,
}

impl From<EntryRow> for LedgerEntry {
    fn from(r: EntryRow) -> Self {
        LedgerEntry {
            id: r.id,
            card: r.gift_card_id,
            amount: r.amount,
            balance_after: r.balance_after,
            reason: r.reason,
            idempotency_key: r.idempotency_key,
            created_at: utc(r.created_at),
        }
    }
}

/// The key of the issuing entry.
const ISSUE_KEY: &str = "issue";

#[async_trait]
impl GiftCardRepository for Store {
    async fn insert_gift_card(&self, new: NewGiftCard) -> Result<GiftCard, StoreError> {
        self.run("issue gift card", move |conn| {
            let now = db_time(new.now);
            write_tx!(conn, |c| {
                let row: CardRow = diesel::insert_into(gift_cards::table)
                    .values((
                        gift_cards::public_id.eq(new.public_id.as_str()),
                        gift_cards::tenant_id.eq(new.tenant.get()),
                        gift_cards::number.eq(&new.number),
                        gift_cards::pin_hash.eq(new.pin_hash.as_str()),
                        gift_cards::currency.eq(new.amount.currency.as_str()),
                        gift_cards::initial_amount.eq(new.amount.minor),
                        gift_cards::balance.eq(new.amount.minor),
                        gift_cards::valid_from.eq(new.validity.from.map(db_time)),
                        gift_cards::valid_until.eq(new.validity.until.map(db_time)),
                        gift_cards::created_at.eq(now),
                        gift_cards::updated_at.eq(now),
                    ))
                    .returning(CardRow::as_returning())
                    .get_result(c)?;
                diesel::insert_into(gift_card_entries::table)
                    .values((
                        gift_card_entries::gift_card_id.eq(row.id),
                        gift_card_entries::amount.eq(new.amount.minor),
                        gift_card_entries::balance_after.eq(new.amount.minor),
                        gift_card_entries::reason.eq("issued"),
                        gift_card_entries::idempotency_key.eq(ISSUE_KEY),
                        gift_card_entries::created_at.eq(now),
                    ))
                    .execute(c)?;
                GiftCard::try_from(row)
            })
        })
        .await
    }

    async fn gift_card_by_number(&self, tenant: TenantId, number: String) -> Result<Option<GiftCard>, StoreError> {
        self.run("find gift card", move |conn| {
            let row: Option<CardRow> = with_conn!(conn, |c| gift_cards::table
                .filter(gift_cards::tenant_id.eq(tenant.get()))
                .filter(gift_cards::number.eq(&number))
                .select(CardRow::as_select())
                .first(c)
                .optional())?;
            row.map(GiftCard::try_from).transpose()
        })
        .await
    }

    async fn gift_cards_by_ids(&self, tenant: TenantId, ids: Vec<GiftCardId>) -> Result<Vec<GiftCard>, StoreError> {
        self.run("gift cards", move |conn| {
            let rows: Vec<CardRow> = with_conn!(conn, |c| gift_cards::table
                .filter(gift_cards::tenant_id.eq(tenant.get()))
                .filter(gift_cards::id.eq_any(&ids))
                .order(gift_cards::id)
                .select(CardRow::as_select())
                .load(c))?;
            rows.into_iter().map(GiftCard::try_from).collect()
        })
        .await
    }

    async fn adjust_gift_card(
        &self,
        card: GiftCardId,
        amount: i64,
        key: String,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<Adjusted, StoreError> {
        self.run("adjust gift card", move |conn| {
            let now = db_time(now);
            write_tx!(conn, |c| {
                // Lock the card: adjustments of one card queue here.
                let balance: Option<i64> = diesel::update(gift_cards::table.filter(gift_cards::id.eq(card)))
                    .set(gift_cards::updated_at.eq(now))
                    .returning(gift_cards::balance)
                    .get_result(c)
                    .optional()?;
                let Some(balance) = balance else {
                    return Err(DbError::Missing("gift card"));
                };
                let earlier: Option<EntryRow> = gift_card_entries::table
                    .filter(gift_card_entries::gift_card_id.eq(card))
                    .filter(gift_card_entries::idempotency_key.eq(&key))
                    .select(EntryRow::as_select())
                    .first(c)
                    .optional()?;
                if let Some(entry) = earlier {
                    return Ok(Adjusted::Replayed(entry.into()));
                }
                let after = balance + amount;
                if after < 0 {
                    return Ok(Adjusted::Insufficient { balance });
                }
                diesel::update(gift_cards::table.filter(gift_cards::id.eq(card)))
                    .set(gift_cards::balance.eq(after))
                    .execute(c)?;
                let entry: EntryRow = diesel::insert_into(gift_card_entries::table)
                    .values((
                        gift_card_entries::gift_card_id.eq(card),
                        gift_card_entries::amount.eq(amount),
                        gift_card_entries::balance_after.eq(after),
                        gift_card_entries::reason.eq(&reason),
                        gift_card_entries::idempotency_key.eq(&key),
                        gift_card_entries::created_at.eq(now),
                    ))
                    .returning(EntryRow::as_returning())
                    .get_result(c)?;
                Ok(Adjusted::Applied(entry.into()))
            })
        })
        .await
    }

    async fn set_gift_card_blocked(
        &self,
        card: GiftCardId,
        blocked: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.run("block gift card", move |conn| {
            let n = with_conn!(conn, |c| diesel::update(
                gift_cards::table.filter(gift_cards::id.eq(card))
            )
            .set((gift_cards::blocked.eq(blocked), gift_cards::updated_at.eq(db_time(now))))
            .execute(c))?;
            Ok(n == 1)
        })
        .await
    }

    async fn gift_card_ledger(&self, card: GiftCardId) -> Result<Vec<LedgerEntry>, StoreError> {
        self.run("gift card ledger", move |conn| {
            let rows: Vec<EntryRow> = with_conn!(conn, |c| gift_card_entries::table
                .filter(gift_card_entries::gift_card_id.eq(card))
                .order(gift_card_entries::id)
                .select(EntryRow::as_select())
                .load(c))?;
            Ok(rows.into_iter().map(LedgerEntry::from).collect())
        })
        .await
    }

    async fn gift_card_pin_failed(
        &self,
        card: GiftCardId,
        lock_after: i32,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.run("count wrong gift card PIN", move |conn| {
            write_tx!(conn, |c| {
                let failures: i32 = diesel::update(gift_cards::table.filter(gift_cards::id.eq(card)))
                    .set(gift_cards::pin_failures.eq(gift_cards::pin_failures + 1))
                    .returning(gift_cards::pin_failures)
                    .get_result(c)?;
                if failures >= lock_after {
                    diesel::update(gift_cards::table.filter(gift_cards::id.eq(card)))
                        .set((
                            gift_cards::pin_failures.eq(0),
                            gift_cards::locked_until.eq(Some(db_time(until))),
                        ))
                        .execute(c)?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn gift_card_pin_ok(&self, card: GiftCardId) -> Result<(), StoreError> {
        self.run("reset gift card PIN failures", move |conn| {
            with_conn!(conn, |c| diesel::update(
                gift_cards::table.filter(gift_cards::id.eq(card))
            )
            .set(gift_cards::pin_failures.eq(0))
            .execute(c))?;
            Ok(())
        })
        .await
    }
}
