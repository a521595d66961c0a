//! Bank accounts: the store keeps keys in clear and everything else sealed (base64 of
//! the domain's AEAD ciphertext); it never sees an IBAN.

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::bank_accounts::{BankAccountId, BankAccountRepository, SealedBankAccount};
use clientele_domain::cipher::Sealed;
use clientele_domain::customers::CustomerStatus;
use clientele_domain::ids::{CustomerId, TenantId};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::{db_time, utc};
use crate::errors::DbError;
use crate::schema::{bank_accounts, customers, deleted_records};
use crate::Store;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Queryable, Selectable)]
#[diesel(table_name = bank_accounts, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct BankRow {
    id: i64,
    tenant_id: i64,
    customer_id: i64,
    key_id: String,
    sealed: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<BankRow> for SealedBankAccount {
    type Error = DbError;

    fn try_from(r: BankRow) -> Result<Self, DbError> {
        let bytes = B64.decode(&r.sealed).map_err(|e| DbError::Corrupt {
            table: "bank_accounts",
            id: r.id,
            field: "sealed",
            reason: e.to_string(),
        })?;
        Ok(SealedBankAccount {
            id: r.id,
            tenant: TenantId::new(r.tenant_id),
            customer: CustomerId::new(r.customer_id),
            sealed: Sealed {
                key_id: r.key_id,
                bytes,
            },
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

fn rows(rows: Vec<BankRow>) -> Result<Vec<SealedBankAccount>, DbError> {
    rows.into_iter().map(SealedBankAccount::try_from).collect()
}

#[async_trait]
impl BankAccountRepository for Store {
    async fn list(&self, tenant: TenantId, customers: Vec<CustomerId>) -> Result<Vec<SealedBankAccount>, StoreError> {
        self.run("list bank accounts", move |conn| {
            let ids: Vec<i64> = customers.iter().map(|c| c.get()).collect();
            let found: Vec<BankRow> = with_conn!(conn, |c| bank_accounts::table
                .filter(bank_accounts::tenant_id.eq(tenant.get()))
                .filter(bank_accounts::customer_id.eq_any(&ids))
                .order(bank_accounts::id)
                .select(BankRow::as_select())
                .load(c))?;
            rows(found)
        })
        .await
    }

    async fn get(&self, tenant: TenantId, id: BankAccountId) -> Result<Option<SealedBankAccount>, StoreError> {
        self.run("get bank account", move |conn| {
            let found: Option<BankRow> = with_conn!(conn, |c| bank_accounts::table
                .filter(bank_accounts::tenant_id.eq(tenant.get()))
                .filter(bank_accounts::id.eq(id))
                .select(BankRow::as_select())
                .first(c)
                .optional())?;
            found.map(SealedBankAccount::try_from).transpose()
        })
        .await
    }

    async fn insert(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        sealed: Sealed,
        now: DateTime<Utc>,
    ) -> Result<Option<SealedBankAccount>, StoreError> {
        let now = db_time(now);
        self.run("add bank account", move |conn| {
            write_tx!(conn, |c| {
                let live: i64 = customers::table
                    .filter(customers::tenant_id.eq(tenant.get()))
                    .filter(customers::id.eq(customer.get()))
                    .filter(customers::status.ne(CustomerStatus::Deleted.code()))
                    .count()
                    .get_result(c)?;
                if live == 0 {
                    return Ok(None);
                }
                let row: BankRow = diesel::insert_into(bank_accounts::table)
                    .values((
                        bank_accounts::tenant_id.eq(tenant.get()),
                        bank_accounts::customer_id.eq(customer.get()),
                        bank_accounts::key_id.eq(&sealed.key_id),
                        bank_accounts::sealed.eq(B64.encode(&sealed.bytes)),
                        bank_accounts::created_at.eq(now),
                        bank_accounts::updated_at.eq(now),
                    ))
                    .returning(BankRow::as_returning())
                    .get_result(c)?;
                Ok(Some(SealedBankAccount::try_from(row)?))
            })
        })
        .await
    }

    async fn replace(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: BankAccountId,
        sealed: Sealed,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = db_time(now);
        self.run("change bank account", move |conn| {
            let n = with_conn!(conn, |c| diesel::update(
                bank_accounts::table
                    .filter(bank_accounts::tenant_id.eq(tenant.get()))
                    .filter(bank_accounts::customer_id.eq(customer.get()))
                    .filter(bank_accounts::id.eq(id)),
            )
            .set((
                bank_accounts::key_id.eq(&sealed.key_id),
                bank_accounts::sealed.eq(B64.encode(&sealed.bytes)),
                bank_accounts::updated_at.eq(now),
            ))
            .execute(c))?;
            Ok(n == 1)
        })
        .await
    }

    async fn delete(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: BankAccountId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = db_time(now);
        self.run("delete bank account", move |conn| {
            write_tx!(conn, |c| {
                let n = diesel::delete(
                    bank_accounts::table
                        .filter(bank_accounts::tenant_id.eq(tenant.get()))
                        .filter(bank_accounts::customer_id.eq(customer.get()))
                        .filter(bank_accounts::id.eq(id)),
                )
                .execute(c)?;
                if n == 0 {
                    return Ok(false);
                }
                diesel::insert_into(deleted_records::table)
                    .values((
                        deleted_records::tenant_id.eq(tenant.get()),
                        deleted_records::kind.eq("bank_account"),
                        deleted_records::record_id.eq(id),
                        deleted_records::customer_id.eq(customer.get()),
                        deleted_records::deleted_at.eq(now),
                    ))
                    .execute(c)?;
                Ok(true)
            })
        })
        .await
    }

    async fn sealed_under_other_keys(&self, key_id: String, limit: u64) -> Result<Vec<SealedBankAccount>, StoreError> {
        self.run("bank accounts to re-seal", move |conn| {
            let found: Vec<BankRow> = with_conn!(conn, |c| bank_accounts::table
                .filter(bank_accounts::key_id.ne(&key_id))
                .order(bank_accounts::id)
                .limit(i64::try_from(limit).unwrap_or(i64::MAX))
                .select(BankRow::as_select())
                .load(c))?;
            rows(found)
        })
        .await
    }

    async fn reseal(&self, id: BankAccountId, old_key: String, sealed: Sealed) -> Result<bool, StoreError> {
        self.run("re-seal bank account", move |conn| {
            let n = with_conn!(conn, |c| diesel::update(
                bank_accounts::table
                    .filter(bank_accounts::id.eq(id))
                    .filter(bank_accounts::key_id.eq(&old_key)),
            )
            .set((
                bank_accounts::key_id.eq(&sealed.key_id),
                bank_accounts::sealed.eq(B64.encode(&sealed.bytes)),
            ))
            .execute(c))?;
            Ok(n == 1)
        })
        .await
    }
}
