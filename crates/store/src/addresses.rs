//! Addresses of a customer: rows, their mapping, and the address repository.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::addresses::{Address, AddressData, AddressDeletion, AddressRepository, AddressUsage, NewAddress};
use clientele_domain::ids::{AddressId, CustomerId, PublicId, TenantId};
use clientele_domain::values::{CountryCode, Email};
use clientele_domain::StoreError;
use diesel::dsl::Eq;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::encoding::{db_time, object_text, parse_object, parse_strings, strings_text, utc, Stamp};
use crate::errors::{DbError, RowCheck};
use crate::schema::{addresses, deleted_records};
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = addresses, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct AddressRow {
    pub(crate) id: i64,
    public_id: String,
    tenant_id: i64,
    customer_id: i64,
    name: Option<String>,
    title: Option<String>,
    salutation: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    company_name: Option<String>,
    company_name2: Option<String>,
    street1: String,
    street2: Option<String>,
    street3: Option<String>,
    post_box: Option<String>,
    postal_code: Option<String>,
    city: String,
    region_code: Option<String>,
    region_name: Option<String>,
    country: String,
    phone_home: Option<String>,
    phone_mobile: Option<String>,
    phone_business: Option<String>,
    fax: Option<String>,
    email: Option<String>,
    usage_invoice: bool,
    usage_shipping: bool,
    preferred_invoice: bool,
    preferred_shipping: bool,
    tags: String,
    labels: String,
    external_id: Option<String>,
    custom: String,
    extra: String,
    #[diesel(deserialize_as = Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    updated_at: NaiveDateTime,
    version: i64,
}

/// The editable columns of an address, for inserts and updates (a `None` writes NULL).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = addresses, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct AddressFields<'a> {
    name: Option<&'a str>,
    title: Option<&'a str>,
    salutation: Option<&'a str>,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    company_name: Option<&'a str>,
    company_name2: Option<&'a str>,
    street1: &'a str,
    street2: Option<&'a str>,
    street3: Option<&'a str>,
    post_box: Option<&'a str>,
    postal_code: Option<&'a str>,
    city: &'a str,
    region_code: Option<&'a str>,
    region_name: Option<&'a str>,
    country: &'a str,
    phone_home: Option<&'a str>,
    phone_mobile: Option<&'a str>,
    phone_business: Option<&'a str>,
    fax: Option<&'a str>,
    email: Option<&'a str>,
    usage_invoice: bool,
    usage_shipping: bool,
    preferred_invoice: bool,
    preferred_shipping: bool,
    tags: String,
    labels: String,
    external_id: Option<&'a str>,
    custom: String,
    extra: String,
}

impl<'a> AddressFields<'a> {
    pub(crate) fn new(d: &'a AddressData) -> Self {
        Self {
            name: d.name.as_deref(),
            title: d.title.as_deref(),
            salutation: d.salutation.as_deref(),
            first_name: d.first_name.as_deref(),
            last_name: d.last_name.as_deref(),
            company_name: d.company_name.as_deref(),
            company_name2: d.company_name2.as_deref(),
            street1: &d.street1,
            street2: d.street2.as_deref(),
            street3: d.street3.as_deref(),
            post_box: d.post_box.as_deref(),
            postal_code: d.postal_code.as_deref(),
            city: &d.city,
            region_code: d.region_code.as_deref(),
            region_name: d.region_name.as_deref(),
            country: d.country.as_str(),
            phone_home: d.phone_home.as_deref(),
            phone_mobile: d.phone_mobile.as_deref(),
            phone_business: d.phone_business.as_deref(),
            fax: d.fax.as_deref(),
            email: d.email.as_ref().map(Email::as_str),
            usage_invoice: d.usage.invoice,
            usage_shipping: d.usage.shipping,
            preferred_invoice: d.usage.preferred_invoice,
            preferred_shipping: d.usage.preferred_shipping,
            tags: strings_text(&d.tags),
            labels: strings_text(&d.labels),
            external_id: d.external_id.as_deref(),
            custom: object_text(&d.custom),
            extra: serde_json::to_string(&d.extra).unwrap_or_else(|_| "{}".into()),
        }
    }
}

/// The values of a new address row.
pub(crate) type NewAddressValues<'a> = (
    AddressFields<'a>,
    Eq<addresses::public_id, &'a str>,
    Eq<addresses::tenant_id, i64>,
    Eq<addresses::customer_id, i64>,
    Eq<addresses::created_at, NaiveDateTime>,
    Eq<addresses::updated_at, NaiveDateTime>,
);

pub(crate) fn new_address_values(
    tenant: TenantId,
    customer: i64,
    new: &NewAddress,
    now: NaiveDateTime,
) -> NewAddressValues<'_> {
    (
        AddressFields::new(&new.data),
        addresses::public_id.eq(new.public_id.as_str()),
        addresses::tenant_id.eq(tenant.get()),
        addresses::customer_id.eq(customer),
        addresses::created_at.eq(now),
        addresses::updated_at.eq(now),
    )
}

/// Address writes that must run inside the caller's transaction, for the concrete
/// connections of both backends (the `c` of `write_tx!` bodies).
pub(crate) trait AddressConnection {
    /// Takes the preferences `usage` claims from the customer's other addresses
    /// (their version goes up: their representation changes).
    fn take_preferences(&mut self, tenant: TenantId, customer: i64, keep: i64, usage: &AddressUsage)
        -> QueryResult<()>;
    /// Records a deletion for the admin "deleted data" views.
    fn record_deletion(
        &mut self,
        tenant: TenantId,
        kind: &str,
        record: i64,
        customer: i64,
        now: NaiveDateTime,
    ) -> QueryResult<()>;
}

macro_rules! address_connection {
    ($($conn:ty),*) => {$(
        impl AddressConnection for $conn {
            fn take_preferences(
                &mut self,
                tenant: TenantId,
                customer: i64,
                keep: i64,
                usage: &AddressUsage,
            ) -> QueryResult<()> {
                let others = addresses::table
                    .filter(addresses::tenant_id.eq(tenant.get()))
                    .filter(addresses::customer_id.eq(customer))
                    .filter(addresses::id.ne(keep));
                if usage.preferred_invoice {
                    diesel::update(others.filter(addresses::preferred_invoice.eq(true)))
                        .set((addresses::preferred_invoice.eq(false), addresses::version.eq(addresses::version + 1)))
                        .execute(self)?;
                }
                if usage.preferred_shipping {
                    diesel::update(others.filter(addresses::preferred_shipping.eq(true)))
                        .set((addresses::preferred_shipping.eq(false), addresses::version.eq(addresses::version + 1)))
                        .execute(self)?;
                }
                Ok(())
            }

            fn record_deletion(
                &mut self,
                tenant: TenantId,
                kind: &str,
                record: i64,
                customer: i64,
                now: NaiveDateTime,
            ) -> QueryResult<()> {
                diesel::insert_into(deleted_records::table)
                    .values((
                        deleted_records::tenant_id.eq(tenant.get()),
                        deleted_records::kind.eq(kind),
                        deleted_records::record_id.eq(record),
                        deleted_records::customer_id.eq(customer),
                        deleted_records::deleted_at.eq(now),
                    ))
                    .execute(self)?;
                Ok(())
            }
        }
    )*};
}

address_connection!(PgConnection, SqliteConnection);

impl TryFrom<AddressRow> for Address {
    type Error = DbError;

    fn try_from(row: AddressRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "addresses",
            id: row.id,
        };
        let data = AddressData {
            name: row.name,
            title: row.title,
            salutation: row.salutation,
            first_name: row.first_name,
            last_name: row.last_name,
            company_name: row.company_name,
            company_name2: row.company_name2,
            street1: row.street1,
            street2: row.street2,
            street3: row.street3,
            post_box: row.post_box,
            postal_code: row.postal_code,
            city: row.city,
            region_code: row.region_code,
            region_name: row.region_name,
            country: check.field("country", CountryCode::parse(&row.country))?,
            phone_home: row.phone_home,
            phone_mobile: row.phone_mobile,
            phone_business: row.phone_business,
            fax: row.fax,
            email: row.email.map(|e| check.field("email", Email::parse(&e))).transpose()?,
            usage: AddressUsage {
                invoice: row.usage_invoice,
                shipping: row.usage_shipping,
                preferred_invoice: row.preferred_invoice,
                preferred_shipping: row.preferred_shipping,
            },
            tags: check.field("tags", parse_strings(&row.tags))?,
            labels: check.field("labels", parse_strings(&row.labels))?,
            external_id: row.external_id,
            custom: check.field("custom", parse_object(&row.custom))?,
            extra: check.field("extra", serde_json::from_str(&row.extra))?,
        };
        Ok(Address {
            id: AddressId::new(row.id),
            public_id: check.field("public_id", PublicId::parse(&row.public_id).ok_or("malformed"))?,
            tenant_id: TenantId::new(row.tenant_id),
            customer_id: CustomerId::new(row.customer_id),
            data,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        })
    }
}

#[async_trait]
impl AddressRepository for Store {
    async fn list_for_customer(&self, tenant: TenantId, customer: CustomerId) -> Result<Vec<Address>, StoreError> {
        self.run("list addresses", move |conn| {
            let rows: Vec<AddressRow> = with_conn!(conn, |c| addresses::table
                .filter(addresses::tenant_id.eq(tenant.get()))
                .filter(addresses::customer_id.eq(customer.get()))
                .order(addresses::id)
                .select(AddressRow::as_select())
                .load(c))?;
            rows.into_iter().map(Address::try_from).collect()
        })
        .await
    }

    async fn add_address(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        new: NewAddress,
        max: usize,
        now: DateTime<Utc>,
    ) -> Result<Option<Address>, StoreError> {
        let (now, max) = (db_time(now), i64::try_from(max).unwrap_or(i64::MAX));
        self.run("insert address", move |conn| {
            write_tx!(conn, |c| {
                lock_customer!(c, tenant.get(), customer.get())?;
                let count: i64 = addresses::table
                    .filter(addresses::tenant_id.eq(tenant.get()))
                    .filter(addresses::customer_id.eq(customer.get()))
                    .count()
                    .get_result(c)?;
                if count >= max {
                    return Ok(None);
                }
                let row: AddressRow = diesel::insert_into(addresses::table)
                    .values(new_address_values(tenant, customer.get(), &new, now))
                    .returning(AddressRow::as_returning())
                    .get_result(c)?;
                c.take_preferences(tenant, customer.get(), row.id, &new.data.usage)?;
                Address::try_from(row).map(Some)
            })
        })
        .await
    }

    async fn update_address(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: AddressId,
        expected: i64,
        data: AddressData,
        now: DateTime<Utc>,
    ) -> Result<Option<Address>, StoreError> {
        let now = db_time(now);
        self.run("update address", move |conn| {
            write_tx!(conn, |c| {
                lock_customer!(c, tenant.get(), customer.get())?;
                let row: Option<AddressRow> = diesel::update(
                    addresses::table
                        .filter(addresses::tenant_id.eq(tenant.get()))
                        .filter(addresses::customer_id.eq(customer.get()))
                        .filter(addresses::id.eq(id.get()))
                        .filter(addresses::version.eq(expected)),
                )
                .set((
                    AddressFields::new(&data),
                    addresses::updated_at.eq(now),
                    addresses::version.eq(addresses::version + 1),
                ))
                .returning(AddressRow::as_returning())
                .get_result(c)
                .optional()?;
                let Some(row) = row else { return Ok(None) };
                c.take_preferences(tenant, customer.get(), row.id, &data.usage)?;
                Address::try_from(row).map(Some)
            })
        })
        .await
    }

    async fn delete_address(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: AddressId,
        expected: i64,
        keep_last: bool,
        now: DateTime<Utc>,
    ) -> Result<AddressDeletion, StoreError> {
        let now = db_time(now);
        self.run("delete address", move |conn| {
            write_tx!(conn, |c| {
                lock_customer!(c, tenant.get(), customer.get())?;
                let mine = addresses::table
                    .filter(addresses::tenant_id.eq(tenant.get()))
                    .filter(addresses::customer_id.eq(customer.get()));
                if keep_last {
                    let count: i64 = mine.count().get_result(c)?;
                    if count <= 1 {
                        return Ok(AddressDeletion::LastAddress);
                    }
                }
                let gone = diesel::delete(
                    mine.filter(addresses::id.eq(id.get()))
                        .filter(addresses::version.eq(expected)),
                )
                .execute(c)?;
                if gone == 0 {
                    return Ok(AddressDeletion::Changed);
                }
                c.record_deletion(tenant, "address", id.get(), customer.get(), now)?;
                Ok(AddressDeletion::Deleted)
            })
        })
        .await
    }
}
