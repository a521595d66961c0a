//! Typed custom attributes on customers, users and addresses (ICM 11 admin API).
//!
//! Rules: a name is 1–128 characters of letters, digits and `_ . : -` (it is the
//! attribute's id in paths) and unique per owner; a value has one of ICM 11's types and
//! keeps it (an `Integer` stays an `Integer`, a `Text` a `Text`).

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};

use crate::error::StoreError;
use crate::ids::{AddressId, CustomAttributeId, CustomerId, TenantId, UserId};
use crate::values::{CurrencyCode, ValueError};

/// What a custom attribute is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeOwner {
    Customer(CustomerId),
    User(UserId),
    Address(AddressId),
}

/// A typed value, one variant per ICM 11 attribute type. Decimals and quantities keep
/// their decimal text so no precision is lost.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    Boolean(bool),
    Date(DateTime<FixedOffset>),
    Decimal(String),
    Double(f64),
    Integer(i32),
    Long(i64),
    Money { currency: CurrencyCode, value: String },
    Quantity { value: String, unit: Option<String> },
    String(String),
    Text(String),
    MultipleBoolean(Vec<bool>),
    MultipleDate(Vec<DateTime<FixedOffset>>),
    MultipleDecimal(Vec<String>),
    MultipleDouble(Vec<f64>),
    MultipleInteger(Vec<i32>),
    MultipleLong(Vec<i64>),
    MultipleString(Vec<String>),
}

impl AttributeValue {
    /// Every type name, as ICM 11 spells them.
    pub const TYPES: [&'static str; 17] = [
        "Boolean",
        "Date",
        "Decimal",
        "Double",
        "Integer",
        "Long",
        "Money",
        "Quantity",
        "String",
        "Text",
        "MultipleBoolean",
        "MultipleDate",
        "MultipleDecimal",
        "MultipleDouble",
        "MultipleInteger",
        "MultipleLong",
        "MultipleString",
    ];

    /// The ICM 11 type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Boolean(_) => "Boolean",
            Self::Date(_) => "Date",
            Self::Decimal(_) => "Decimal",
            Self::Double(_) => "Double",
            Self::Integer(_) => "Integer",
            Self::Long(_) => "Long",
            Self::Money { .. } => "Money",
            Self::Quantity { .. } => "Quantity",
            Self::String(_) => "String",
            Self::Text(_) => "Text",
            Self::MultipleBoolean(_) => "MultipleBoolean",
            Self::MultipleDate(_) => "MultipleDate",
            Self::MultipleDecimal(_) => "MultipleDecimal",
            Self::MultipleDouble(_) => "MultipleDouble",
            Self::MultipleInteger(_) => "MultipleInteger",
            Self::MultipleLong(_) => "MultipleLong",
            Self::MultipleString(_) => "MultipleString",
        }
    }

    /// The value as ICM 11 shows it in JSON (the store keeps the same text).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value};
        let date = |d: &DateTime<FixedOffset>| Value::String(d.to_rfc3339());
        // Decimal text was checked when parsed, so it is a valid JSON number.
        let decimal = |d: &str| serde_json::from_str::<Value>(d).unwrap_or_else(|_| Value::String(d.to_owned()));
        match self {
            Self::Boolean(b) => json!(b),
            Self::Date(d) => date(d),
            Self::Decimal(d) => decimal(d),
            Self::Double(f) => json!(f),
            Self::Integer(i) => json!(i),
            Self::Long(i) => json!(i),
            Self::Money { currency, value } => json!({ "currency": currency.as_str(), "value": decimal(value) }),
            Self::Quantity { value, unit } => match unit {
                Some(u) => json!({ "value": decimal(value), "unit": u }),
                None => json!({ "value": decimal(value) }),
            },
            Self::String(s) | Self::Text(s) => json!(s),
            Self::MultipleBoolean(v) => json!(v),
            Self::MultipleDate(v) => Value::Array(v.iter().map(date).collect()),
            Self::MultipleDecimal(v) => Value::Array(v.iter().map(|d| decimal(d)).collect()),
            Self::MultipleDouble(v) => json!(v),
            Self::MultipleInteger(v) => json!(v),
            Self::MultipleLong(v) => json!(v),
            Self::MultipleString(v) => json!(v),
        }
    }

    /// Reads a value of the named type from its JSON form; the error says what is wrong.
    pub fn from_json(type_name: &str, value: &serde_json::Value) -> Result<Self, String> {
        use serde_json::Value;
        fn many<T>(value: &Value, one: impl Fn(&Value) -> Result<T, String>) -> Result<Vec<T>, String> {
            match value {
                Value::Array(items) => items.iter().map(one).collect(),
                _ => Err("must be an array".into()),
            }
        }
        fn boolean(v: &Value) -> Result<bool, String> {
            v.as_bool().ok_or_else(|| "must be true or false".into())
        }
        fn date(v: &Value) -> Result<DateTime<FixedOffset>, String> {
            v.as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .ok_or_else(|| "must be a date-time like 2020-05-23T13:23:45+02:00".into())
        }
        fn decimal(v: &Value) -> Result<String, String> {
            match v {
                Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(n.to_string()),
                _ => Err("must be a number".into()),
            }
        }
        fn double(v: &Value) -> Result<f64, String> {
            v.as_f64().ok_or_else(|| "must be a number".into())
        }
        fn integer(v: &Value) -> Result<i32, String> {
            v.as_i64()
                .and_then(|i| i32::try_from(i).ok())
                .ok_or_else(|| "must be a whole number from -2147483648 to 2147483647".into())
        }
        fn long(v: &Value) -> Result<i64, String> {
            v.as_i64().ok_or_else(|| "must be a whole 64-bit number".into())
        }
        fn string(v: &Value) -> Result<String, String> {
            v.as_str().map(str::to_owned).ok_or_else(|| "must be a string".into())
        }
        let field = |name: &str| value.get(name).unwrap_or(&Value::Null);
        Ok(match type_name {
            "Boolean" => Self::Boolean(boolean(value)?),
            "Date" => Self::Date(date(value)?),
            "Decimal" => Self::Decimal(decimal(value)?),
            "Double" => Self::Double(double(value)?),
            "Integer" => Self::Integer(integer(value)?),
            "Long" => Self::Long(long(value)?),
            "Money" => Self::Money {
                currency: CurrencyCode::parse(field("currency").as_str().unwrap_or_default())
                    .map_err(|e| format!("currency {e}"))?,
                value: decimal(field("value")).map_err(|e| format!("value {e}"))?,
            },
            "Quantity" => Self::Quantity {
                value: decimal(field("value")).map_err(|e| format!("value {e}"))?,
                unit: match field("unit") {
                    Value::Null => None,
                    u => Some(string(u).map_err(|e| format!("unit {e}"))?),
                },
            },
            "String" => Self::String(string(value)?),
            "Text" => Self::Text(string(value)?),
            "MultipleBoolean" => Self::MultipleBoolean(many(value, boolean)?),
            "MultipleDate" => Self::MultipleDate(many(value, date)?),
            "MultipleDecimal" => Self::MultipleDecimal(many(value, decimal)?),
            "MultipleDouble" => Self::MultipleDouble(many(value, double)?),
            "MultipleInteger" => Self::MultipleInteger(many(value, integer)?),
            "MultipleLong" => Self::MultipleLong(many(value, long)?),
            "MultipleString" => Self::MultipleString(many(value, string)?),
            other => return Err(format!("type '{other}' is none of {}", Self::TYPES.join(", "))),
        })
    }
}

/// A checked attribute name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeName(String);

impl AttributeName {
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if raw.is_empty() {
            return Err(ValueError::Missing);
        }
        if raw.len() > Self::MAX_LEN {
            return Err(ValueError::TooLong(Self::MAX_LEN));
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
        {
            return Err(ValueError::Malformed("only letters, digits and _ . : - are allowed"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A named attribute; names are unique per owner.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomAttribute {
    pub id: CustomAttributeId,
    pub tenant_id: TenantId,
    pub owner: AttributeOwner,
    pub name: String,
    pub value: AttributeValue,
}

/// Custom-attribute persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CustomAttributeRepository: Send + Sync {
    /// The owner's attributes, by name.
    async fn list_for(&self, tenant: TenantId, owner: AttributeOwner) -> Result<Vec<CustomAttribute>, StoreError>;
    /// Adds an attribute; a name the owner already has is `Duplicate(AttributeName)`.
    async fn insert_attribute(
        &self,
        tenant: TenantId,
        owner: AttributeOwner,
        name: AttributeName,
        value: AttributeValue,
    ) -> Result<CustomAttribute, StoreError>;
    /// Replaces the value of the owner's attribute of that name (`None`: there is none).
    async fn replace_attribute(
        &self,
        tenant: TenantId,
        owner: AttributeOwner,
        name: AttributeName,
        value: AttributeValue,
    ) -> Result<Option<CustomAttribute>, StoreError>;
    /// Deletes the owner's attribute of that name; `false` if there is none.
    async fn delete_attribute(
        &self,
        tenant: TenantId,
        owner: AttributeOwner,
        name: AttributeName,
    ) -> Result<bool, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_type_round_trips_through_json() {
        let samples = [
            ("Boolean", json!(true)),
            ("Date", json!("2020-05-23T13:23:45+02:00")),
            ("Decimal", json!(12.5)),
            ("Double", json!(0.25)),
            ("Integer", json!(-7)),
            ("Long", json!(9_007_199_254_740_993_i64)),
            ("Money", json!({"currency": "EUR", "value": 10.99})),
            ("Quantity", json!({"value": 3, "unit": "kg"})),
            ("String", json!("red")),
            ("Text", json!("a\nlong text")),
            ("MultipleBoolean", json!([true, false])),
            ("MultipleDate", json!(["2020-05-23T13:23:45+02:00"])),
            ("MultipleDecimal", json!([1.5, 2])),
            ("MultipleDouble", json!([1.5])),
            ("MultipleInteger", json!([1, 2, 3])),
            ("MultipleLong", json!([1, 9_007_199_254_740_993_i64])),
            ("MultipleString", json!(["a", "b"])),
        ];
        for (t, v) in samples {
            let parsed = AttributeValue::from_json(t, &v).unwrap_or_else(|e| panic!("{t}: {e}"));
            assert_eq!(parsed.type_name(), t);
            assert_eq!(parsed.to_json(), v, "{t}");
        }
    }

    #[test]
    fn values_of_the_wrong_type_are_refused() {
        assert!(AttributeValue::from_json("Integer", &json!(2_147_483_648_i64)).is_err());
        assert!(AttributeValue::from_json("Integer", &json!(1.5)).is_err());
        assert!(AttributeValue::from_json("Boolean", &json!("true")).is_err());
        assert!(AttributeValue::from_json("Date", &json!("23.11.2026")).is_err());
        assert!(AttributeValue::from_json("MultipleLong", &json!([1, "2"])).is_err());
        assert!(AttributeValue::from_json("Money", &json!({"currency": "XXX", "value": 1})).is_err());
        assert!(AttributeValue::from_json("Color", &json!("red")).is_err());
    }

    #[test]
    fn names_are_path_safe() {
        assert!(AttributeName::parse("LoyaltyLevel").is_ok());
        assert!(AttributeName::parse("erp:segment-2.b").is_ok());
        assert!(AttributeName::parse("").is_err());
        assert!(AttributeName::parse("a/b").is_err());
        assert!(AttributeName::parse(&"x".repeat(129)).is_err());
    }
}
