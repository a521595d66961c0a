//! Customers: rows, their mapping to the domain, and the customer repository.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::customers::{
    Account, AccountSwitches, Actor, Company, Customer, CustomerKind, CustomerRepository, CustomerStatus, Erasure,
    ExternalRef, Keep, NewAccount, NewCustomer, ProfileChange, ProfileWrite,
};
use clientele_domain::ids::{CustomerId, PublicId, TenantId, UserId};
use clientele_domain::users::NewUser;
use clientele_domain::values::CustomerNumber;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::{db_time, object_text, parse_object, utc, Stamp};
use crate::errors::{DbError, RowCheck};
use crate::schema::customers;
use crate::{accounts, profile, Store};

const PRIVATE: &str = "private";
const BUSINESS: &str = "business";

#[derive(Queryable, Selectable)]
#[diesel(table_name = customers, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct CustomerRow {
    pub id: i64,
    public_id: String,
    tenant_id: i64,
    pub number: String,
    kind: String,
    company_name: Option<String>,
    company_name2: Option<String>,
    tax_id: Option<String>,
    industry: Option<String>,
    description: Option<String>,
    status: String,
    custom: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    version: i64,
    external_id: Option<String>,
    external_urn: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
pub(crate) struct NewCustomerRow<'a> {
    public_id: &'a str,
    tenant_id: i64,
    number: &'a str,
    kind: &'static str,
    company_name: Option<&'a str>,
    company_name2: Option<&'a str>,
    tax_id: Option<&'a str>,
    industry: Option<&'a str>,
    description: Option<&'a str>,
    status: &'static str,
    custom: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    external_id: Option<&'a str>,
    external_urn: Option<&'a str>,
}

impl<'a> NewCustomerRow<'a> {
    pub(crate) fn new(tenant: TenantId, new: &'a NewCustomer, now: NaiveDateTime) -> Self {
        let (kind, company) = match &new.kind {
            CustomerKind::Private => (PRIVATE, None),
            CustomerKind::Business(company) => (BUSINESS, Some(company)),
        };
        Self {
            public_id: new.public_id.as_str(),
            tenant_id: tenant.get(),
            number: new.number.as_str(),
            kind,
            company_name: company.map(|c| c.name.as_str()),
            company_name2: company.and_then(|c| c.name2.as_deref()),
            tax_id: company.and_then(|c| c.tax_id.as_deref()),
            industry: company.and_then(|c| c.industry.as_deref()),
            description: company.and_then(|c| c.description.as_deref()),
            status: new.status.code(),
            custom: object_text(&new.custom),
            created_at: now,
            updated_at: now,
            external_id: new.external.id.as_deref(),
            external_urn: new.external.urn.as_deref(),
        }
    }
}

/// A new customer's copy of its first user's id and searchable fields (migration
/// 000022), written with the customer by bulk inserts so the users trigger need not
/// rewrite the row (migration 000025; it corrects any field that differs).
#[derive(Insertable)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
pub(crate) struct SearchKeys {
    primary_user_id: i64,
    search_login: String,
    search_email: String,
    search_first_name: Option<String>,
    search_last_name: Option<String>,
    user_active: bool,
}

impl SearchKeys {
    pub(crate) fn new(user_id: i64, user: &NewUser) -> Self {
        Self {
            primary_user_id: user_id,
            search_login: user.login.key(),
            search_email: user.email.as_str().to_lowercase(),
            // Names are COLLATE "C", where PostgreSQL's `lower` maps ASCII letters only.
            search_first_name: user.person.first_name.as_deref().map(str::to_ascii_lowercase),
            search_last_name: user.person.last_name.as_deref().map(str::to_ascii_lowercase),
            user_active: user.active,
        }
    }
}

/// What an import changes on a known customer (`None` writes NULL); its status and
/// external ids are written apart, or kept.
#[derive(AsChangeset)]
#[diesel(table_name = customers, treat_none_as_null = true)]
pub(crate) struct CustomerChanges<'a> {
    kind: &'static str,
    company_name: Option<&'a str>,
    company_name2: Option<&'a str>,
    tax_id: Option<&'a str>,
    industry: Option<&'a str>,
    description: Option<&'a str>,
    custom: String,
}

impl<'a> CustomerChanges<'a> {
    pub(crate) fn new(new: &'a NewCustomer) -> Self {
        let row = NewCustomerRow::new(TenantId::new(0), new, NaiveDateTime::default());
        Self {
            kind: row.kind,
            company_name: row.company_name,
            company_name2: row.company_name2,
            tax_id: row.tax_id,
            industry: row.industry,
            description: row.description,
            custom: row.custom,
        }
    }
}

impl TryFrom<CustomerRow> for Customer {
    type Error = DbError;

    fn try_from(row: CustomerRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "customers",
            id: row.id,
        };
        let kind = match row.kind.as_str() {
            PRIVATE => CustomerKind::Private,
            BUSINESS => CustomerKind::Business(Company {
                name: check.field("company_name", row.company_name.ok_or("missing for a business"))?,
                name2: row.company_name2,
                tax_id: row.tax_id,
                industry: row.industry,
                description: row.description,
            }),
            other => return check.field("kind", Err(format!("unknown kind {other:?}"))),
        };
        Ok(Customer {
            id: CustomerId::new(row.id),
            public_id: check.field("public_id", PublicId::parse(&row.public_id).ok_or("malformed"))?,
            tenant_id: TenantId::new(row.tenant_id),
            number: check.field("number", CustomerNumber::parse(&row.number))?,
            kind,
            status: check.field("status", CustomerStatus::from_code(&row.status).ok_or("unknown code"))?,
            custom: check.field("custom", parse_object(&row.custom))?,
            external: ExternalRef {
                id: row.external_id,
                urn: row.external_urn,
            },
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        })
    }
}

#[async_trait]
impl CustomerRepository for Store {
    async fn create_account(
        &self,
        tenant: TenantId,
        new: NewAccount,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        self.run("create account", move |conn| accounts::create(conn, tenant, &new, now))
            .await
    }

    async fn create_accounts(
        &self,
        tenant: TenantId,
        news: Vec<NewAccount>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<CustomerId, StoreError>>, StoreError> {
        self.run("create accounts", move |conn| {
            accounts::create_many(conn, tenant, &news, now)
        })
        .await
    }

    async fn by_id(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        self.run("customer by id", move |conn| {
            let row: Option<CustomerRow> = with_conn!(conn, |c| customers::table
                .filter(customers::tenant_id.eq(tenant.get()))
                .filter(customers::id.eq(id.get()))
                .select(CustomerRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(Customer::try_from).transpose()
        })
        .await
    }

    async fn by_number(&self, tenant: TenantId, number: &CustomerNumber) -> Result<Option<Customer>, StoreError> {
        let number = number.as_str().to_owned();
        self.run("customer by number", move |conn| {
            let row: Option<CustomerRow> = with_conn!(conn, |c| customers::table
                .filter(customers::tenant_id.eq(tenant.get()))
                .filter(customers::number.eq(&number))
                .select(CustomerRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(Customer::try_from).transpose()
        })
        .await
    }

    async fn update_profile(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        expected: i64,
        change: ProfileChange,
        switches: AccountSwitches,
        now: DateTime<Utc>,
    ) -> Result<ProfileWrite, StoreError> {
        self.run("update profile", move |conn| {
            profile::update(conn, tenant, customer, user, expected, &change, switches, now)
        })
        .await
    }

    async fn administer_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        company: Option<Company>,
        status: CustomerStatus,
        external: ExternalRef,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = db_time(now);
        self.run("administer customer", move |conn| {
            write_tx!(conn, |c| {
                let the_customer = customers::table
                    .filter(customers::tenant_id.eq(tenant.get()))
                    .filter(customers::id.eq(customer.get()))
                    .filter(customers::status.ne(CustomerStatus::Deleted.code()));
                set_status!(c, tenant.get(), customer.get(), status, now);
                let changed = diesel::update(the_customer)
                    .set((
                        customers::external_id.eq(external.id.as_deref()),
                        customers::external_urn.eq(external.urn.as_deref()),
                        customers::updated_at.eq(now),
                        customers::version.eq(customers::version + 1),
                    ))
                    .execute(c)?;
                if changed == 0 {
                    return Ok(false);
                }
                if let Some(co) = &company {
                    diesel::update(the_customer.filter(customers::kind.eq(BUSINESS)))
                        .set((
                            customers::company_name.eq(&co.name),
                            customers::company_name2.eq(co.name2.as_deref()),
                            customers::tax_id.eq(co.tax_id.as_deref()),
                            customers::industry.eq(co.industry.as_deref()),
                            customers::description.eq(co.description.as_deref()),
                        ))
                        .execute(c)?;
                }
                Ok(true)
            })
        })
        .await
    }

    async fn erase_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        now: DateTime<Utc>,
        actor: Actor,
    ) -> Result<bool, StoreError> {
        self.run("erase customer", move |conn| {
            profile::erase_customer(conn, tenant, customer, now, &actor)
        })
        .await
    }

    async fn upsert_account(
        &self,
        tenant: TenantId,
        new: NewAccount,
        keep: Keep,
        now: DateTime<Utc>,
    ) -> Result<(Account, bool), StoreError> {
        self.run("import account", move |conn| {
            accounts::upsert(conn, tenant, &new, keep, now)
        })
        .await
    }

    async fn erase_user(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        now: DateTime<Utc>,
        actor: Actor,
    ) -> Result<Erasure, StoreError> {
        self.run("erase user", move |conn| {
            profile::erase_user(conn, tenant, customer, user, now, &actor)
        })
        .await
    }
}
