//! Typed custom attributes (read side only until the admin issue).
//!
//! A value is stored as its type name plus JSON text: a string, a number, a boolean,
//! a decimal or date as a string (`"12.50"`, `"2026-11-23"`), and a multiple value as
//! an array of `{"type": …, "value": …}` objects.

use async_trait::async_trait;
use chrono::NaiveDate;
use clientele_domain::custom_attributes::{AttributeOwner, AttributeValue, CustomAttribute, CustomAttributeRepository};
use clientele_domain::ids::{AddressId, CustomAttributeId, CustomerId, TenantId, UserId};
use clientele_domain::StoreError;
use diesel::prelude::*;
use serde_json::Value;

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
        Ok(CustomAttribute {
            id: CustomAttributeId::new(row.id),
            tenant_id: TenantId::new(row.tenant_id),
            owner,
            name: row.name,
            value: check.field("value", decode(&row.value_type, &row.value))?,
        })
    }
}

fn decode(value_type: &str, text: &str) -> Result<AttributeValue, String> {
    let json: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    decode_json(value_type, json)
}

fn decode_json(value_type: &str, json: Value) -> Result<AttributeValue, String> {
    match (value_type, json) {
        ("string", Value::String(s)) => Ok(AttributeValue::String(s)),
        ("integer", Value::Number(n)) => n.as_i64().map(AttributeValue::Integer).ok_or(format!("{n} is no i64")),
        ("decimal", Value::String(s)) => Ok(AttributeValue::Decimal(s)),
        ("boolean", Value::Bool(b)) => Ok(AttributeValue::Boolean(b)),
        ("date", Value::String(s)) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(AttributeValue::Date)
            .map_err(|e| format!("{s:?}: {e}")),
        ("multiple", Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(mut element) => match (element.remove("type"), element.remove("value")) {
                    (Some(Value::String(t)), Some(v)) => decode_json(&t, v),
                    _ => Err("an element needs a type and a value".to_owned()),
                },
                other => Err(format!("element {other} is no object")),
            })
            .collect::<Result<_, _>>()
            .map(AttributeValue::Multiple),
        (t, v) => Err(format!("{v} is no {t} value")),
    }
}

#[async_trait]
impl CustomAttributeRepository for Store {
    async fn list_for(&self, tenant: TenantId, owner: AttributeOwner) -> Result<Vec<CustomAttribute>, StoreError> {
        self.run("list custom attributes", move |conn| {
            let rows: Vec<CustomAttributeRow> = with_conn!(conn, |c| {
                let query = custom_attributes::table
                    .filter(custom_attributes::tenant_id.eq(tenant.get()))
                    .into_boxed();
                let query = match owner {
                    AttributeOwner::Customer(id) => query.filter(custom_attributes::customer_id.eq(id.get())),
                    AttributeOwner::User(id) => query.filter(custom_attributes::user_id.eq(id.get())),
                    AttributeOwner::Address(id) => query.filter(custom_attributes::address_id.eq(id.get())),
                };
                query
                    .order(custom_attributes::name)
                    .select(CustomAttributeRow::as_select())
                    .load(c)
            })?;
            rows.into_iter().map(CustomAttribute::try_from).collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_decode_by_type() {
        assert_eq!(decode("string", r#""red""#), Ok(AttributeValue::String("red".into())));
        assert_eq!(decode("integer", "-42"), Ok(AttributeValue::Integer(-42)));
        assert_eq!(
            decode("decimal", r#""12.50""#),
            Ok(AttributeValue::Decimal("12.50".into()))
        );
        assert_eq!(decode("boolean", "true"), Ok(AttributeValue::Boolean(true)));
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(decode("date", r#""2026-11-23""#), Ok(AttributeValue::Date(date)));
        assert_eq!(
            decode(
                "multiple",
                r#"[{"type":"integer","value":1},{"type":"string","value":"x"}]"#
            ),
            Ok(AttributeValue::Multiple(vec![
                AttributeValue::Integer(1),
                AttributeValue::String("x".into())
            ]))
        );
    }

    #[test]
    fn mismatched_values_are_refused() {
        assert!(decode("integer", "1.5").is_err());
        assert!(decode("boolean", r#""true""#).is_err());
        assert!(decode("date", r#""23.11.2026""#).is_err());
        assert!(decode("multiple", "[1]").is_err());
        assert!(decode("string", "not json").is_err());
    }
}
