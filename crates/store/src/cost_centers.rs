//! Cost centers of business customers, their buyers, and the spending against them (the
//! orders of the order history charged to them).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::budgets::{Budget, BudgetPeriod};
use clientele_domain::cost_centers::{
    Buyer, BuyerTerms, CostCenter, CostCenterData, CostCenterRepository, SpendScope, SpendTotal,
};
use clientele_domain::ids::{CostCenterId, CustomerId, PublicId, TenantId, UserId};
use clientele_domain::users::User;
use clientele_domain::values::{CurrencyCode, Money};
use clientele_domain::StoreError;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::encoding::{db_time, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::{cost_center_buyers, cost_centers, orders, users};
use crate::users::UserRow;
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = cost_centers, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct CostCenterRow {
    id: i64,
    public_id: String,
    tenant_id: i64,
    customer_id: i64,
    code: String,
    name: String,
    owner_user_id: Option<i64>,
    active: bool,
    budget: i64,
    currency: String,
    budget_period: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

pub(crate) fn money(check: &RowCheck, minor: i64, currency: &str) -> Result<Money, DbError> {
    Ok(Money {
        minor,
        currency: check.field("currency", CurrencyCode::parse(currency))?,
    })
}

fn period(check: &RowCheck, code: &str) -> Result<BudgetPeriod, DbError> {
    check.field("budget_period", BudgetPeriod::parse(code).ok_or("unknown period"))
}

impl TryFrom<CostCenterRow> for CostCenter {
    type Error = DbError;

    fn try_from(row: CostCenterRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "cost_centers",
            id: row.id,
        };
        Ok(CostCenter {
            id: CostCenterId::new(row.id),
            public_id: check.field("public_id", PublicId::parse(&row.public_id).ok_or("malformed"))?,
            tenant_id: TenantId::new(row.tenant_id),
            customer_id: CustomerId::new(row.customer_id),
            code: row.code,
            name: row.name,
            owner: row.owner_user_id.map(UserId::new),
            active: row.active,
            budget: Budget {
                amount: money(&check, row.budget, &row.currency)?,
                period: period(&check, &row.budget_period)?,
            },
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        })
    }
}

/// The written fields of a cost center.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = cost_centers)]
struct CostCenterFields {
    code: String,
    name: String,
    owner_user_id: Option<i64>,
    active: bool,
    budget: i64,
    currency: String,
    budget_period: String,
}

impl From<CostCenterData> for CostCenterFields {
    fn from(d: CostCenterData) -> Self {
        Self {
            code: d.code,
            name: d.name,
            owner_user_id: Some(d.owner.get()),
            active: d.active,
            budget: d.budget.amount.minor,
            currency: d.budget.amount.currency.as_str().to_owned(),
            budget_period: d.budget.period.code().to_owned(),
        }
    }
}

#[async_trait]
impl CostCenterRepository for Store {
    async fn list_for_customer(&self, tenant: TenantId, customer: CustomerId) -> Result<Vec<CostCenter>, StoreError> {
        self.run("list cost centers", move |conn| {
            let rows: Vec<CostCenterRow> = with_conn!(conn, |c| cost_centers::table
                .filter(cost_centers::tenant_id.eq(tenant.get()))
                .filter(cost_centers::customer_id.eq(customer.get()))
                .order((cost_centers::code, cost_centers::id))
                .select(CostCenterRow::as_select())
                .load(c))?;
            rows.into_iter().map(CostCenter::try_from).collect()
        })
        .await
    }

    async fn cost_center_by_key(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        key: String,
    ) -> Result<Option<CostCenter>, StoreError> {
        self.run("cost center by key", move |conn| {
            let rows: Vec<CostCenterRow> = with_conn!(conn, |c| cost_centers::table
                .filter(cost_centers::tenant_id.eq(tenant.get()))
                .filter(cost_centers::customer_id.eq(customer.get()))
                .filter(cost_centers::public_id.eq(&key).or(cost_centers::code.eq(&key)))
                .select(CostCenterRow::as_select())
                .load(c))?;
            // The id wins over another cost center's cost-center id.
            let mut rows = rows;
            rows.sort_by_key(|r| r.public_id != key);
            rows.into_iter().next().map(CostCenter::try_from).transpose()
        })
        .await
    }

    async fn add_cost_center(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        public_id: PublicId,
        data: CostCenterData,
        now: DateTime<Utc>,
    ) -> Result<CostCenter, StoreError> {
        let (fields, now) = (CostCenterFields::from(data), db_time(now));
        self.run("add cost center", move |conn| {
            let row: CostCenterRow = with_conn!(conn, |c| diesel::insert_into(cost_centers::table)
                .values((
                    cost_centers::public_id.eq(public_id.as_str()),
                    cost_centers::tenant_id.eq(tenant.get()),
                    cost_centers::customer_id.eq(customer.get()),
                    &fields,
                    cost_centers::created_at.eq(now),
                    cost_centers::updated_at.eq(now),
                ))
                .returning(CostCenterRow::as_returning())
                .get_result(c))?;
            row.try_into()
        })
        .await
    }

    async fn update_cost_center(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: CostCenterId,
        data: CostCenterData,
        now: DateTime<Utc>,
    ) -> Result<Option<CostCenter>, StoreError> {
        let (fields, now) = (CostCenterFields::from(data), db_time(now));
        self.run("update cost center", move |conn| {
            let row: Option<CostCenterRow> = with_conn!(conn, |c| diesel::update(cost_centers::table)
                .filter(cost_centers::tenant_id.eq(tenant.get()))
                .filter(cost_centers::customer_id.eq(customer.get()))
                .filter(cost_centers::id.eq(id.get()))
                .set((
                    &fields,
                    cost_centers::updated_at.eq(now),
                    cost_centers::version.eq(cost_centers::version + 1),
                ))
                .returning(CostCenterRow::as_returning())
                .get_result(c)
                .optional())?;
            row.map(CostCenter::try_from).transpose()
        })
        .await
    }

    async fn delete_cost_center(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: CostCenterId,
    ) -> Result<bool, StoreError> {
        self.run("delete cost center", move |conn| {
            let deleted = with_conn!(conn, |c| diesel::delete(cost_centers::table)
                .filter(cost_centers::tenant_id.eq(tenant.get()))
                .filter(cost_centers::customer_id.eq(customer.get()))
                .filter(cost_centers::id.eq(id.get()))
                .execute(c))?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn buyers_of(&self, tenant: TenantId, center: CostCenterId) -> Result<Vec<Buyer>, StoreError> {
        self.run("cost center buyers", move |conn| {
            let rows: Vec<(i64, Option<i64>, String, String, UserRow)> =
                with_conn!(conn, |c| cost_center_buyers::table
                    .inner_join(users::table)
                    .inner_join(cost_centers::table)
                    .filter(cost_center_buyers::tenant_id.eq(tenant.get()))
                    .filter(cost_center_buyers::cost_center_id.eq(center.get()))
                    .order(users::login_key)
                    .select((
                        cost_center_buyers::id,
                        cost_center_buyers::budget,
                        cost_center_buyers::budget_period,
                        cost_centers::currency,
                        UserRow::as_select(),
                    ))
                    .load(c))?;
            rows.into_iter()
                .map(|(id, budget, budget_period, currency, user)| {
                    let check = RowCheck {
                        table: "cost_center_buyers",
                        id,
                    };
                    Ok(Buyer {
                        user: User::try_from(user)?,
                        budget: budget.map(|b| money(&check, b, &currency)).transpose()?,
                        period: period(&check, &budget_period)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn put_buyer(
        &self,
        tenant: TenantId,
        center: CostCenterId,
        user: UserId,
        terms: BuyerTerms,
        replace: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (now, budget, period) = (db_time(now), terms.budget, terms.period);
        self.run("put cost center buyer", move |conn| {
            let written = with_conn!(conn, |c| if replace {
                diesel::update(cost_center_buyers::table)
                    .filter(cost_center_buyers::tenant_id.eq(tenant.get()))
                    .filter(cost_center_buyers::cost_center_id.eq(center.get()))
                    .filter(cost_center_buyers::user_id.eq(user.get()))
                    .set((
                        cost_center_buyers::budget.eq(budget),
                        cost_center_buyers::budget_period.eq(period.code()),
                        cost_center_buyers::updated_at.eq(now),
                    ))
                    .execute(c)
            } else {
                diesel::insert_into(cost_center_buyers::table)
                    .values((
                        cost_center_buyers::tenant_id.eq(tenant.get()),
                        cost_center_buyers::cost_center_id.eq(center.get()),
                        cost_center_buyers::user_id.eq(user.get()),
                        cost_center_buyers::budget.eq(budget),
                        cost_center_buyers::budget_period.eq(period.code()),
                        cost_center_buyers::created_at.eq(now),
                        cost_center_buyers::updated_at.eq(now),
                    ))
                    .execute(c)
            })?;
            Ok(written == 1)
        })
        .await
    }

    async fn remove_buyer(&self, tenant: TenantId, center: CostCenterId, user: UserId) -> Result<bool, StoreError> {
        self.run("remove cost center buyer", move |conn| {
            let deleted = with_conn!(conn, |c| diesel::delete(cost_center_buyers::table)
                .filter(cost_center_buyers::tenant_id.eq(tenant.get()))
                .filter(cost_center_buyers::cost_center_id.eq(center.get()))
                .filter(cost_center_buyers::user_id.eq(user.get()))
                .execute(c))?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn cost_centers_of_user(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
    ) -> Result<Vec<(CostCenter, bool)>, StoreError> {
        self.run("cost centers of user", move |conn| {
            let (bought, rows): (Vec<i64>, Vec<CostCenterRow>) = with_conn!(conn, |c| {
                let bought: Vec<i64> = cost_center_buyers::table
                    .filter(cost_center_buyers::tenant_id.eq(tenant.get()))
                    .filter(cost_center_buyers::user_id.eq(user.get()))
                    .select(cost_center_buyers::cost_center_id)
                    .load(c)?;
                let rows = cost_centers::table
                    .filter(cost_centers::tenant_id.eq(tenant.get()))
                    .filter(cost_centers::customer_id.eq(customer.get()))
                    .filter(
                        cost_centers::owner_user_id
                            .eq(user.get())
                            .or(cost_centers::id.eq_any(&bought)),
                    )
                    .order((cost_centers::code, cost_centers::id))
                    .select(CostCenterRow::as_select())
                    .load(c)?;
                (bought, rows)
            });
            rows.into_iter()
                .map(|row| {
                    let buys = bought.contains(&row.id);
                    Ok((CostCenter::try_from(row)?, buys))
                })
                .collect()
        })
        .await
    }

    async fn spent(
        &self,
        tenant: TenantId,
        scope: SpendScope,
        currency: CurrencyCode,
        since: Option<DateTime<Utc>>,
    ) -> Result<SpendTotal, StoreError> {
        let (currency, since) = (currency.as_str().to_owned(), since.map(db_time));
        self.run("spent", move |conn| {
            let (minor, count): (i64, i64) = with_conn!(conn, |c| {
                let mut q = orders::table
                    .filter(orders::tenant_id.eq(tenant.get()))
                    .filter(orders::currency.eq(&currency))
                    .filter(orders::status.eq("placed"))
                    .into_boxed();
                q = match scope {
                    SpendScope::CostCenter(center) => q.filter(orders::cost_center_id.eq(center.get())),
                    SpendScope::Buyer(center, user) => q
                        .filter(orders::cost_center_id.eq(center.get()))
                        .filter(orders::buyer_id.eq(user.get())),
                    SpendScope::User(user) => q.filter(orders::buyer_id.eq(user.get())),
                };
                if let Some(since) = since {
                    q = q.filter(orders::placed_at.ge(since));
                }
                q.select((
                    sql::<BigInt>("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"),
                    sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
                ))
                .get_result(c)
            })?;
            Ok(SpendTotal {
                minor,
                orders: u64::try_from(count).unwrap_or(0),
            })
        })
        .await
    }
}
