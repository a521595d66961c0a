//! Users (the logins of a customer): rows, their mapping, and the user repository.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clientele_domain::administration::UserEdit;
use clientele_domain::budgets::{BudgetPeriod, UserBudget};
use clientele_domain::customers::{Actor, CustomerStatus, ExternalRef};
use clientele_domain::identity::{LegacyAlgorithm, LegacyHash, NewCode};
use clientele_domain::ids::{CustomerId, PublicId, TenantId, UserId};
use clientele_domain::mail::OutgoingMail;
use clientele_domain::users::{
    Consents, EmailVerification, NewUser, PersonData, User, UserPage, UserQuery, UserRepository, UserSort,
};
use clientele_domain::values::{CurrencyCode, Email, LanguageTag, Login, Money, PasswordHash};
use clientele_domain::StoreError;
use diesel::dsl::sql;
use diesel::expression::functions::declare_sql_function;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use crate::addresses::AddressConnection;
use crate::codes::CodeConnection;
use crate::connection::Prepared;
use crate::encoding::{db_time, parse_strings, strings_text, utc, MaybeStamp, Stamp};
use crate::errors::{DbError, RowCheck};
use crate::outbox::enqueue_in_tx;
use crate::schema::{customers, password_history, sessions, users};
use crate::Store;

/// A user's order limit and budget (kept out of [`UserRow`]: only the budget routes
/// read them).
#[derive(Queryable, Selectable, AsChangeset)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
struct BudgetRow {
    budget_currency: Option<String>,
    order_spent_limit: Option<i64>,
    budget: Option<i64>,
    budget_period: Option<String>,
}

impl BudgetRow {
    fn budget(self, id: i64) -> Result<UserBudget, DbError> {
        let check = RowCheck { table: "users", id };
        let currency = self
            .budget_currency
            .map(|c| check.field("budget_currency", CurrencyCode::parse(&c)))
            .transpose()?;
        let money = |minor: Option<i64>| minor.zip(currency).map(|(minor, currency)| Money { minor, currency });
        Ok(UserBudget {
            order_spent_limit: money(self.order_spent_limit),
            budget: money(self.budget),
            period: self
                .budget_period
                .map(|p| check.field("budget_period", BudgetPeriod::parse(&p).ok_or("unknown period")))
                .transpose()?,
        })
    }
}

#[declare_sql_function]
extern "SQL" {
    /// `lower(x)`: ASCII case folding on SQLite, full Unicode on PostgreSQL (also used
    /// by the customer search).
    fn lower(x: Nullable<Text>) -> Nullable<Text>;
}

/// The `ORDER BY` of a company's user list, matching the `users_customer_*` indexes
/// (ties broken by the login, which is unique).
fn order_by(sort: UserSort, descending: bool) -> &'static str {
    match (sort, descending) {
        (UserSort::Name | UserSort::LastName, false) => {
            "last_name ASC NULLS FIRST, first_name ASC NULLS FIRST, login_key ASC"
        }
        (UserSort::Name | UserSort::LastName, true) => {
            "last_name DESC NULLS LAST, first_name DESC NULLS LAST, login_key DESC"
        }
        (UserSort::FirstName, false) => "first_name ASC NULLS FIRST, last_name ASC NULLS FIRST, login_key ASC",
        (UserSort::FirstName, true) => "first_name DESC NULLS LAST, last_name DESC NULLS LAST, login_key DESC",
        (UserSort::Login, false) => "login_key ASC",
        (UserSort::Login, true) => "login_key DESC",
    }
}

/// A `LIKE` pattern that matches `needle` anywhere (`%`, `_` and `\` taken literally).
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Changes to a company's users that must leave someone holding a role, for the
/// concrete connections of both backends (inside the caller's transaction).
pub(crate) trait CompanyConnection {
    /// Takes the company's turn (a row lock on the customer on PostgreSQL; SQLite writes
    /// one at a time anyway) and answers whether `user` is active and how many other
    /// active users of the customer hold `role`. A missing user is `Missing`.
    fn company_turn(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        role: &str,
    ) -> Result<(bool, i64), DbError>;

    /// Takes the company's turn and answers whether `user` is the last active holder of
    /// `role` (deactivating them would leave the company without one).
    fn last_active_holder(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        role: &str,
    ) -> Result<bool, DbError> {
        let (active, other_holders) = self.company_turn(tenant, customer, user, role)?;
        Ok(active && other_holders == 0 && self.holds(user, role)?)
    }

    /// Whether `user` holds `role`.
    fn holds(&mut self, user: UserId, role: &str) -> Result<bool, DbError>;
}

macro_rules! company_connection {
    ($($conn:ty),*) => {$(
        impl CompanyConnection for $conn {
            fn company_turn(
                &mut self,
                tenant: TenantId,
                customer: CustomerId,
                user: UserId,
                role: &str,
            ) -> Result<(bool, i64), DbError> {
                lock_customer!(self, tenant.get(), customer.get())?;
                let of_customer = users::table
                    .filter(users::tenant_id.eq(tenant.get()))
                    .filter(users::customer_id.eq(customer.get()));
                let active: bool = of_customer
                    .filter(users::id.eq(user.get()))
                    .select(users::active)
                    .get_result(self)
                    .optional()?
                    .ok_or(DbError::Missing("user"))?;
                // Roles are a JSON array of strings: a user holds the role when the text has it quoted.
                let others: i64 = of_customer
                    .filter(users::id.ne(user.get()))
                    .filter(users::active.eq(true))
                    .filter(users::roles.like(format!("%\"{role}\"%")))
                    .count()
                    .get_result(self)?;
                Ok((active, others))
            }

            fn holds(&mut self, user: UserId, role: &str) -> Result<bool, DbError> {
                let n: i64 = users::table
                    .filter(users::id.eq(user.get()))
                    .filter(users::roles.like(format!("%\"{role}\"%")))
                    .count()
                    .get_result(self)?;
                Ok(n > 0)
            }
        }
    )*};
}

company_connection!(diesel::PgConnection, diesel::SqliteConnection);

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct UserRow {
    id: i64,
    public_id: String,
    tenant_id: i64,
    customer_id: i64,
    login: String,
    email: String,
    password_hash: Option<String>,
    title: Option<String>,
    salutation: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone_home: Option<String>,
    phone_mobile: Option<String>,
    phone_business: Option<String>,
    fax: Option<String>,
    birthday: Option<NaiveDate>,
    preferred_language: Option<String>,
    preferred_currency: Option<String>,
    roles: String,
    active: bool,
    email_verification: i16,
    newsletter: bool,
    #[diesel(deserialize_as = MaybeStamp)]
    newsletter_changed_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    first_login_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    last_login_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    updated_at: NaiveDateTime,
    version: i64,
    failed_logins: i32,
    #[diesel(deserialize_as = MaybeStamp)]
    locked_until: Option<NaiveDateTime>,
    external_id: Option<String>,
    external_urn: Option<String>,
    legacy_auth: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub(crate) struct NewUserRow<'a> {
    public_id: &'a str,
    tenant_id: i64,
    customer_id: i64,
    login: &'a str,
    login_key: String,
    email: &'a str,
    password_hash: Option<&'a str>,
    #[diesel(embed)]
    person: PersonFields<'a>,
    roles: String,
    active: bool,
    email_verification: i16,
    newsletter: bool,
    newsletter_changed_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    external_id: Option<&'a str>,
    external_urn: Option<&'a str>,
    legacy_auth: Option<String>,
}

impl<'a> NewUserRow<'a> {
    pub(crate) fn new(tenant: TenantId, customer: i64, new: &'a NewUser, now: NaiveDateTime) -> Self {
        Self {
            public_id: new.public_id.as_str(),
            tenant_id: tenant.get(),
            customer_id: customer,
            login: new.login.as_str(),
            login_key: new.login.key(),
            email: new.email.as_str(),
            password_hash: new.password_hash.as_ref().map(PasswordHash::as_str),
            person: PersonFields::new(&new.person),
            roles: strings_text(&new.roles),
            active: new.active,
            email_verification: new.email_verification.code(),
            newsletter: new.consents.newsletter,
            newsletter_changed_at: new.consents.newsletter_changed_at.map(db_time),
            created_at: now,
            updated_at: now,
            external_id: new.external.id.as_deref(),
            external_urn: new.external.urn.as_deref(),
            legacy_auth: new.legacy_auth.as_ref().map(legacy_text),
        }
    }
}

/// The person columns of a user, for inserts and profile updates (`None` writes NULL).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct PersonFields<'a> {
    title: Option<&'a str>,
    salutation: Option<&'a str>,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    phone_home: Option<&'a str>,
    phone_mobile: Option<&'a str>,
    phone_business: Option<&'a str>,
    fax: Option<&'a str>,
    birthday: Option<NaiveDate>,
    preferred_language: Option<&'a str>,
    preferred_currency: Option<&'a str>,
}

impl<'a> PersonFields<'a> {
    pub(crate) fn new(p: &'a PersonData) -> Self {
        Self {
            title: p.title.as_deref(),
            salutation: p.salutation.as_deref(),
            first_name: p.first_name.as_deref(),
            last_name: p.last_name.as_deref(),
            phone_home: p.phone_home.as_deref(),
            phone_mobile: p.phone_mobile.as_deref(),
            phone_business: p.phone_business.as_deref(),
            fax: p.fax.as_deref(),
            birthday: p.birthday,
            preferred_language: p.preferred_language.as_ref().map(LanguageTag::as_str),
            preferred_currency: p.preferred_currency.as_ref().map(CurrencyCode::as_str),
        }
    }
}

/// A legacy hash as stored: `{"algorithm", "hash", "context"}`.
pub(crate) fn legacy_text(h: &LegacyHash) -> String {
    serde_json::json!({ "algorithm": h.algorithm.name(), "hash": h.hash, "context": h.context }).to_string()
}

fn parse_legacy(text: &str) -> Result<LegacyHash, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let field = |name: &str| v.get(name).and_then(|x| x.as_str()).ok_or(format!("{name} missing"));
    let algorithm = field("algorithm")?;
    let context = match v.get("context") {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, x)| {
                Ok((
                    k.clone(),
                    x.as_str().ok_or(format!("context.{k} is no string"))?.to_owned(),
                ))
            })
            .collect::<Result<_, String>>()?,
        _ => Default::default(),
    };
    Ok(LegacyHash {
        algorithm: LegacyAlgorithm::parse(algorithm).ok_or(format!("unknown algorithm {algorithm}"))?,
        hash: field("hash")?.to_owned(),
        context,
    })
}

impl TryFrom<UserRow> for User {
    type Error = DbError;

    fn try_from(row: UserRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "users",
            id: row.id,
        };
        Ok(User {
            id: UserId::new(row.id),
            public_id: check.field("public_id", PublicId::parse(&row.public_id).ok_or("malformed"))?,
            tenant_id: TenantId::new(row.tenant_id),
            customer_id: CustomerId::new(row.customer_id),
            login: check.field("login", Login::parse(&row.login))?,
            email: check.field("email", Email::parse(&row.email))?,
            password_hash: row.password_hash.map(PasswordHash::from_phc),
            person: PersonData {
                title: row.title,
                salutation: row.salutation,
                first_name: row.first_name,
                last_name: row.last_name,
                phone_home: row.phone_home,
                phone_mobile: row.phone_mobile,
                phone_business: row.phone_business,
                fax: row.fax,
                birthday: row.birthday,
                preferred_language: row
                    .preferred_language
                    .map(|l| check.field("preferred_language", LanguageTag::parse(&l)))
                    .transpose()?,
                preferred_currency: row
                    .preferred_currency
                    .map(|c| check.field("preferred_currency", CurrencyCode::parse(&c)))
                    .transpose()?,
            },
            roles: check.field("roles", parse_strings(&row.roles))?,
            active: row.active,
            email_verification: EmailVerification::from_code(row.email_verification),
            consents: Consents {
                newsletter: row.newsletter,
                newsletter_changed_at: row.newsletter_changed_at.map(utc),
            },
            first_login_at: row.first_login_at.map(utc),
            last_login_at: row.last_login_at.map(utc),
            failed_logins: row.failed_logins,
            locked_until: row.locked_until.map(utc),
            external: ExternalRef {
                id: row.external_id,
                urn: row.external_urn,
            },
            legacy_auth: row
                .legacy_auth
                .map(|t| check.field("legacy_auth", parse_legacy(&t)))
                .transpose()?,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        })
    }
}

#[async_trait]
impl UserRepository for Store {
    async fn by_login(&self, tenant: TenantId, login: &Login) -> Result<Option<User>, StoreError> {
        let key = login.key();
        self.run("user by login", move |conn| {
            let row: Option<UserRow> = with_conn!(conn, |c| users::table
                .filter(users::tenant_id.eq(tenant.get()))
                .filter(users::login_key.eq(&key))
                .select(UserRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(User::try_from).transpose()
        })
        .await
    }

    async fn by_login_with_status(
        &self,
        tenant: TenantId,
        login: &Login,
    ) -> Result<Option<(User, CustomerStatus)>, StoreError> {
        let key = login.key();
        self.run("user by login, with customer status", move |conn| {
            let row: Option<(UserRow, String)> = with_conn!(conn, |c| users::table
                .inner_join(customers::table)
                .filter(users::tenant_id.eq(tenant.get()))
                .filter(users::login_key.eq(&key))
                .select((UserRow::as_select(), customers::status))
                .get_result(c)
                .optional())?;
            let Some((user, status)) = row else { return Ok(None) };
            let check = RowCheck {
                table: "customers",
                id: user.customer_id,
            };
            let status = check.field("status", CustomerStatus::from_code(&status).ok_or("unknown code"))?;
            Ok(Some((User::try_from(user)?, status)))
        })
        .await
    }

    async fn by_public_id(&self, tenant: TenantId, id: &PublicId) -> Result<Option<User>, StoreError> {
        let id = id.as_str().to_owned();
        self.run("user by public id", move |conn| {
            let row: Option<UserRow> = with_conn!(conn, |c| users::table
                .filter(users::tenant_id.eq(tenant.get()))
                .filter(users::public_id.eq(&id))
                .select(UserRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(User::try_from).transpose()
        })
        .await
    }

    async fn by_id(&self, tenant: TenantId, id: UserId) -> Result<Option<User>, StoreError> {
        self.run("user by id", move |conn| {
            let row: Option<UserRow> = with_conn!(conn, |c| users::table
                .filter(users::tenant_id.eq(tenant.get()))
                .filter(users::id.eq(id.get()))
                .select(UserRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(User::try_from).transpose()
        })
        .await
    }

    async fn record_failed_login(&self, tenant: TenantId, id: UserId) -> Result<i32, StoreError> {
        self.run("record failed login", move |conn| {
            // One statement, so concurrent failures each count.
            let count: Option<i32> = with_conn!(conn, |c| Prepared(
                diesel::update(users::table)
                    .filter(users::tenant_id.eq(tenant.get()))
                    .filter(users::id.eq(id.get()))
                    .set(users::failed_logins.eq(users::failed_logins + 1))
                    .returning(users::failed_logins)
            )
            .get_result(c)
            .optional())?;
            count.ok_or(DbError::Missing("user"))
        })
        .await
    }

    async fn password_history(
        &self,
        tenant: TenantId,
        id: UserId,
        limit: usize,
    ) -> Result<Vec<PasswordHash>, StoreError> {
        self.run("password history", move |conn| {
            let hashes: Vec<String> = with_conn!(conn, |c| password_history::table
                .filter(password_history::tenant_id.eq(tenant.get()))
                .filter(password_history::user_id.eq(id.get()))
                .order(password_history::id.desc())
                .limit(limit as i64)
                .select(password_history::password_hash)
                .load(c))?;
            Ok(hashes.into_iter().map(PasswordHash::from_phc).collect())
        })
        .await
    }

    async fn set_password(
        &self,
        tenant: TenantId,
        id: UserId,
        hash: PasswordHash,
        keep: usize,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.run("set password", move |conn| {
            let now = db_time(now);
            write_tx!(conn, |c| {
                let current: Option<Option<String>> = users::table
                    .filter(users::tenant_id.eq(tenant.get()))
                    .filter(users::id.eq(id.get()))
                    .select(users::password_hash)
                    .get_result(c)
                    .optional()?;
                let Some(current) = current else {
                    return Err(DbError::Missing("user"));
                };
                if let Some(old) = current {
                    diesel::insert_into(password_history::table)
                        .values((
                            password_history::tenant_id.eq(tenant.get()),
                            password_history::user_id.eq(id.get()),
                            password_history::password_hash.eq(old),
                            password_history::created_at.eq(now),
                        ))
                        .execute(c)?;
                }
                // Keep the newest `keep` entries.
                let kept: Vec<i64> = password_history::table
                    .filter(password_history::user_id.eq(id.get()))
                    .order(password_history::id.desc())
                    .limit(keep as i64)
                    .select(password_history::id)
                    .load(c)?;
                diesel::delete(
                    password_history::table
                        .filter(password_history::user_id.eq(id.get()))
                        .filter(password_history::id.ne_all(kept)),
                )
                .execute(c)?;
                diesel::update(
                    users::table
                        .filter(users::tenant_id.eq(tenant.get()))
                        .filter(users::id.eq(id.get())),
                )
                .set((
                    users::password_hash.eq(Some(hash.as_str())),
                    users::legacy_auth.eq(None::<String>),
                    users::updated_at.eq(now),
                    users::version.eq(users::version + 1),
                ))
                .execute(c)?;
                // A new password ends every session of the user, in this transaction.
                Ok(end_sessions!(c, tenant.get(), user = id.get(), now)? as u64)
            })
        })
        .await
    }

    async fn set_login(
        &self,
        tenant: TenantId,
        id: UserId,
        login: &Login,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (login, key, now) = (login.as_str().to_owned(), login.key(), db_time(now));
        self.run("set login", move |conn| {
            let changed = write_tx!(conn, |c| {
                lock_customer!(c, tenant.get(), user = id.get())?;
                Ok(diesel::update(users::table)
                    .filter(users::tenant_id.eq(tenant.get()))
                    .filter(users::id.eq(id.get()))
                    .set((
                        users::login.eq(&login),
                        users::login_key.eq(&key),
                        users::updated_at.eq(now),
                        users::version.eq(users::version + 1),
                    ))
                    .execute(c)?)
            })?;
            Ok(changed == 1)
        })
        .await
    }

    async fn page_for_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        query: UserQuery,
    ) -> Result<UserPage, StoreError> {
        let pattern = query.filter.as_deref().map(contains_pattern);
        let (offset, limit) = (
            i64::try_from(query.offset).unwrap_or(i64::MAX),
            i64::try_from(query.limit).unwrap_or(i64::MAX),
        );
        self.run("list users of a customer", move |conn| {
            // One filter for the count and the page.
            macro_rules! matching {
                () => {{
                    let mut q = users::table
                        .filter(users::tenant_id.eq(tenant.get()))
                        .filter(users::customer_id.eq(customer.get()))
                        .into_boxed();
                    if let Some(p) = &pattern {
                        q = q.filter(
                            lower(users::first_name.nullable())
                                .like(p.clone())
                                .escape('\\')
                                .or(lower(users::last_name.nullable()).like(p.clone()).escape('\\'))
                                .or(users::login_key.nullable().like(p.clone()).escape('\\')),
                        );
                    }
                    q
                }};
            }
            // The page is found on the index alone (ids in index order, `offset` skipped
            // there), then only its rows are read: a deep page costs about what the
            // first one does. NULL names sort first, as "" would, on both backends.
            let order = sql::<Text>(order_by(query.sort, query.descending));
            let (total, rows): (i64, Vec<(UserRow, BudgetRow)>) = with_conn!(conn, |c| {
                let total = matching!().count().get_result(c)?;
                let page = matching!()
                    .select(users::id)
                    .order(order.clone())
                    .offset(offset)
                    .limit(limit);
                let rows = users::table
                    .filter(users::id.eq_any(page))
                    .order(order.clone())
                    .select((UserRow::as_select(), BudgetRow::as_select()))
                    .load(c)?;
                (total, rows)
            });
            let mut page = UserPage {
                users: Vec::with_capacity(rows.len()),
                budgets: Vec::with_capacity(rows.len()),
                total: u64::try_from(total).unwrap_or(0),
            };
            for (user, budget) in rows {
                page.budgets.push(budget.budget(user.id)?);
                page.users.push(User::try_from(user)?);
            }
            Ok(page)
        })
        .await
    }

    async fn set_roles(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        roles: Vec<String>,
        kept_role: &'static str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let keeps_role = roles.iter().any(|r| r == kept_role);
        let (text, now) = (strings_text(&roles), db_time(now));
        self.run("set roles", move |conn| {
            write_tx!(conn, |c| {
                let (active, other_holders) = c.company_turn(tenant, customer, user, kept_role)?;
                if other_holders == 0 && !(active && keeps_role) {
                    return Ok(false);
                }
                diesel::update(
                    users::table
                        .filter(users::tenant_id.eq(tenant.get()))
                        .filter(users::customer_id.eq(customer.get()))
                        .filter(users::id.eq(user.get())),
                )
                .set((
                    users::roles.eq(&text),
                    users::updated_at.eq(now),
                    users::version.eq(users::version + 1),
                ))
                .execute(c)?;
                Ok(true)
            })
        })
        .await
    }

    async fn remove_member(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        kept_role: &'static str,
        now: DateTime<Utc>,
        actor: Actor,
    ) -> Result<bool, StoreError> {
        let now = db_time(now);
        self.run("remove member", move |conn| {
            write_tx!(conn, |c| {
                let (_, other_holders) = c.company_turn(tenant, customer, user, kept_role)?;
                if other_holders == 0 {
                    return Ok(false);
                }
                let the_user = users::table
                    .filter(users::tenant_id.eq(tenant.get()))
                    .filter(users::customer_id.eq(customer.get()))
                    .filter(users::id.eq(user.get()));
                let emails: Vec<String> = the_user.select(users::email).load(c)?;
                let live_sessions: i64 = sessions::table
                    .filter(sessions::user_id.eq(user.get()))
                    .count()
                    .get_result(c)?;
                let gone = diesel::delete(the_user).execute(c)?;
                c.record_deletion(tenant, "user", user.get(), customer.get(), now)?;
                // Erased as every user is: their mail goes, the erasure is audited.
                audit_erasure!(
                    c,
                    tenant.get(),
                    customer.get(),
                    Some(user.get()),
                    emails,
                    live_sessions,
                    vec![("users", gone)],
                    actor,
                    now
                );
                Ok(true)
            })
        })
        .await
    }

    async fn add_member(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: NewUser,
        invitation: Option<(NewCode, OutgoingMail)>,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        self.run("add member", move |conn| {
            let at = db_time(now);
            write_tx!(conn, |c| {
                let row: UserRow = diesel::insert_into(users::table)
                    .values(&NewUserRow::new(tenant, customer.get(), &user, at))
                    .returning(UserRow::as_returning())
                    .get_result(c)?;
                if let Some((code, mail)) = &invitation {
                    c.insert_code(tenant, row.id, code, at)?;
                    enqueue_in_tx(c, tenant, mail, now)?;
                }
                User::try_from(row)
            })
        })
        .await
    }

    async fn set_active(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        active: bool,
        kept_role: &'static str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = db_time(now);
        self.run("set user active", move |conn| {
            write_tx!(conn, |c| {
                if c.last_active_holder(tenant, customer, user, kept_role)? && !active {
                    return Ok(false);
                }
                let changed = diesel::update(
                    users::table
                        .filter(users::tenant_id.eq(tenant.get()))
                        .filter(users::customer_id.eq(customer.get()))
                        .filter(users::id.eq(user.get())),
                )
                .set((
                    users::active.eq(active),
                    users::updated_at.eq(now),
                    users::version.eq(users::version + 1),
                ))
                .execute(c)?;
                if !active {
                    end_sessions!(c, tenant.get(), user = user.get(), now)?;
                }
                Ok(changed == 1)
            })
        })
        .await
    }

    async fn administer_user(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        edit: UserEdit,
        kept_role: Option<&'static str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = db_time(now);
        self.run("administer user", move |conn| {
            write_tx!(conn, |c| {
                if kept_role.is_none() {
                    lock_customer!(c, tenant.get(), user = user.get())?;
                }
                if let Some(role) = kept_role {
                    let holds_after = edit.active && edit.roles.iter().any(|r| r == role);
                    if c.last_active_holder(tenant, customer, user, role)? && !holds_after {
                        return Ok(false);
                    }
                }
                let changed = diesel::update(
                    users::table
                        .filter(users::tenant_id.eq(tenant.get()))
                        .filter(users::customer_id.eq(customer.get()))
                        .filter(users::id.eq(user.get())),
                )
                .set((
                    PersonFields::new(&edit.person),
                    users::email.eq(edit.email.as_str()),
                    users::active.eq(edit.active),
                    users::roles.eq(strings_text(&edit.roles)),
                    users::external_id.eq(edit.external.id.as_deref()),
                    users::external_urn.eq(edit.external.urn.as_deref()),
                    users::updated_at.eq(now),
                    users::version.eq(users::version + 1),
                ))
                .execute(c)?;
                if changed == 0 {
                    return Err(DbError::Missing("user"));
                }
                if !edit.active {
                    end_sessions!(c, tenant.get(), user = user.get(), now)?;
                }
                Ok(true)
            })
        })
        .await
    }

    async fn migrate_password(
        &self,
        tenant: TenantId,
        user: UserId,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = db_time(now);
        self.run("migrate password", move |conn| {
            // Only while the legacy hash is still the user's password: a reset that
            // landed meanwhile wins.
            with_conn!(conn, |c| diesel::update(
                users::table
                    .filter(users::tenant_id.eq(tenant.get()))
                    .filter(users::id.eq(user.get()))
                    .filter(users::password_hash.is_null())
                    .filter(users::legacy_auth.is_not_null())
            )
            .set((
                users::password_hash.eq(hash.as_str()),
                users::legacy_auth.eq(None::<String>),
                users::updated_at.eq(now),
                users::version.eq(users::version + 1),
            ))
            .execute(c))?;
            Ok(())
        })
        .await
    }

    async fn budget_of(&self, tenant: TenantId, user: UserId) -> Result<UserBudget, StoreError> {
        self.run("user budget", move |conn| {
            let row: Option<BudgetRow> = with_conn!(conn, |c| users::table
                .filter(users::tenant_id.eq(tenant.get()))
                .filter(users::id.eq(user.get()))
                .select(BudgetRow::as_select())
                .get_result(c)
                .optional())?;
            row.map_or(Ok(UserBudget::default()), |r| r.budget(user.get()))
        })
        .await
    }

    async fn set_budget(
        &self,
        tenant: TenantId,
        user: UserId,
        budget: UserBudget,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = db_time(now);
        let row = BudgetRow {
            budget_currency: budget.currency().map(|c| c.as_str().to_owned()),
            order_spent_limit: budget.order_spent_limit.map(|m| m.minor),
            budget: budget.budget.map(|m| m.minor),
            budget_period: budget.period.map(|p| p.code().to_owned()),
        };
        self.run("set user budget", move |conn| {
            let changed = with_conn!(conn, |c| diesel::update(users::table)
                .filter(users::tenant_id.eq(tenant.get()))
                .filter(users::id.eq(user.get()))
                .set((&row, users::updated_at.eq(now), users::version.eq(users::version + 1),))
                .execute(c))?;
            Ok(changed == 1)
        })
        .await
    }

    async fn lock(&self, tenant: TenantId, id: UserId, until: DateTime<Utc>) -> Result<(), StoreError> {
        let until = db_time(until);
        self.run("lock user", move |conn| {
            with_conn!(conn, |c| diesel::update(users::table)
                .filter(users::tenant_id.eq(tenant.get()))
                .filter(users::id.eq(id.get()))
                .set(users::locked_until.eq(Some(until)))
                .execute(c))?;
            Ok(())
        })
        .await
    }
}
