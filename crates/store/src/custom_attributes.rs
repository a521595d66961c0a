//! Typed custom attributes: a value is stored as its ICM 11 type name plus the JSON
//! text ICM 11 shows for it.

use async_trait::async_trait;
use clientele_domain::custom_attributes::{
    AttributeName, AttributeOwner, AttributeValue, CustomAttribute, CustomAttributeRepository,
};
use clientele_domain::ids::{AddressId, CustomAttributeId, CustomerId, TenantId, UserId};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::errors::{DbError, RowCheck};
use crate::schema::custom_attributes;
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = custom_attributes, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct CustomAttributeRow {
    id: i64,
    tenant_id: i64,
    customer_id: Option<i64>,
    user_id: Option<i64>,
    address_id: Option<i64>,
    name: String,
    value_type: String,
    value: String,
}

impl TryFrom<CustomAttributeRow> for CustomAttribute {
    type Error = DbError;

    fn try_from(row: CustomAttributeRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "custom_attributes",
            id: row.id,
        };
        let owner = match (row.customer_id, row.user_id, row.address_id) {
            (Some(id), None, None) => AttributeOwner::Customer(CustomerId::new(id)),
            (None, Some(id), None) => AttributeOwner::User(UserId::new(id)),
            (None, None, Some(id)) => AttributeOwner::Address(AddressId::new(id)),
            _ => return check.field("owner", Err("not exactly one owner")),
        };
        let json = check.field("value", serde_json::from_str(&row.value))?;
        Ok(CustomAttribute {
            id: CustomAttributeId::new(row.id),
            tenant_id: TenantId::new(row.tenant_id),
            owner,
            name: row.name,
            value: check.field("value", AttributeValue::from_json(&row.value_type, &json))?,
        })
    }
}

/// The owner columns of a row.
fn owner_columns(owner: AttributeOwner) -> (Option<i64>, Option<i64>, Option<i64>) {
    match owner {
        AttributeOwner::Customer(id) => (Some(id.get()), None, None),
        AttributeOwner::User(id) => (None, Some(id.get()), None),
        AttributeOwner::Address(id) => (None, None, Some(id.get())),
    }
}

/// The owner's rows.
macro_rules! owned_by {
    ($tenant:expr, $owner:expr) => {{
        let query = custom_attributes::table
            .filter(custom_attributes::tenant_id.eq($tenant.get()))
            .into_boxed();
        match $owner {
            AttributeOwner::Customer(id) => query.filter(custom_attributes::customer_id.eq(id.get())),
            AttributeOwner::User(id) => query.filter(custom_attributes::user_id.eq(id.get())),
            AttributeOwner::Address(id) => query.filter(custom_attributes::address_id.eq(id.get())),
        }
    }};
}

#[async_trait]
impl CustomAttributeRepository for Store {
    async fn list_for(&self, tenant: TenantId, owner: AttributeOwner) -> Result<Vec<CustomAttribute>, StoreError> {
        self.run("list custom attributes", move |conn| {
            let rows: Vec<CustomAttributeRow> = with_conn!(conn, |c| owned_by!(tenant, owner)
                .order(custom_attributes::name)
                .select(CustomAttributeRow::as_select())
                .load(c))?;
            rows.into_iter().map(CustomAttribute::try_from).collect()
        })
        .await
    }

    async fn insert_attribute(
        &self,
        tenant: TenantId,
        owner: AttributeOwner,
        name: AttributeName,
        value: AttributeValue,
    ) -> Result<CustomAttribute, StoreError> {
        self.run("add custom attribute", move |conn| {
            let (customer, user, address) = owner_columns(owner);
            let row: CustomAttributeRow = with_conn!(conn, |c| diesel::insert_into(custom_attributes::table)
                .values((
                    custom_attributes::tenant_id.eq(tenant.get()),
                    custom_attributes::customer_id.eq(customer),
                    custom_attributes::user_id.eq(user),
                    custom_attributes::address_id.eq(address),
                    custom_attributes::name.eq(name.as_str()),
                    custom_attributes::value_type.eq(value.type_name()),
                    custom_attributes::value.eq(value.to_json().to_string()),
                ))
                .returning(CustomAttributeRow::as_returning())
                .get_result(c))?;
            CustomAttribute::try_from(row)
        })
        .await
    }

    async fn replace_attribute(
        &self,
        tenant: TenantId,
        owner: AttributeOwner,
        name: AttributeName,
        value: AttributeValue,
    ) -> Result<Option<CustomAttribute>, StoreError> {
        self.run("change custom attribute", move |conn| {
            let id: Option<i64> = with_conn!(conn, |c| owned_by!(tenant, owner)
                .filter(custom_attributes::name.eq(name.as_str()))
                .select(custom_attributes::id)
                .first(c)
                .optional())?;
            let Some(id) = id else { return Ok(None) };
            let row: Option<CustomAttributeRow> = with_conn!(conn, |c| diesel::update(
                custom_attributes::table.filter(custom_attributes::id.eq(id))
            )
            .set((
                custom_attributes::value_type.eq(value.type_name()),
                custom_attributes::value.eq(value.to_json().to_string()),
            ))
            .returning(CustomAttributeRow::as_returning())
            .get_result(c)
            .optional())?;
            row.map(CustomAttribute::try_from).transpose()
        })
        .await
    }

    async fn delete_attribute(
        &self,
        tenant: TenantId,
        owner: AttributeOwner,
        name: AttributeName,
    ) -> Result<bool, StoreError> {
        self.run("delete custom attribute", move |conn| {
            let id: Option<i64> = with_conn!(conn, |c| owned_by!(tenant, owner)
                .filter(custom_attributes::name.eq(name.as_str()))
                .select(custom_attributes::id)
                .first(c)
                .optional())?;
            let Some(id) = id else { return Ok(false) };
            let gone = with_conn!(conn, |c| diesel::delete(
                custom_attributes::table.filter(custom_attributes::id.eq(id))
            )
            .execute(c))?;
            Ok(gone > 0)
        })
        .await
    }
}
