//! Errors inside the store and how they become the domain's `StoreError`.

use std::fmt;

use clientele_domain::error::UniqueRule;
use clientele_domain::StoreError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Why `Store::open` failed. The message is one line and never shows a password.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("no database URL given")]
    EmptyUrl,
    #[error("unsupported database URL scheme `{0}://`: use postgres://, postgresql://, sqlite:// or a file path")]
    UnsupportedScheme(String),
    #[error("cannot create the directory of {database}: {reason}")]
    Directory { database: String, reason: String },
    #[error("cannot connect to {database}: {reason}")]
    Connect { database: String, reason: String },
}

/// A failure inside the store, before it is mapped (and logged) for the domain.
#[derive(Debug)]
pub(crate) enum DbError {
    Query(DieselError),
    Pool(diesel::r2d2::PoolError),
    Blocking(clientele_blocking::PoolError),
    Migration(String),
    /// A stored row the domain refuses (bad e-mail, unknown code, broken JSON, …).
    Corrupt {
        table: &'static str,
        id: i64,
        field: &'static str,
        reason: String,
    },
    /// A row the operation needs does not exist (e.g. the tenant of a sequence).
    Missing(&'static str),
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        DbError::Query(e)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Query(e) => write!(f, "database error: {e}"),
            DbError::Pool(e) => write!(f, "no database connection: {e}"),
            DbError::Blocking(e) => write!(f, "{e}"),
            DbError::Migration(e) => write!(f, "migration failed: {e}"),
            DbError::Corrupt {
                table,
                id,
                field,
                reason,
            } => {
                write!(f, "stored row {table}#{id} has an invalid {field}: {reason}")
            }
            DbError::Missing(what) => write!(f, "{what} not found"),
        }
    }
}

impl DbError {
    /// A unique constraint refused the write.
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
        )
    }

    /// Unique violations become `Duplicate`; everything else is logged here, once,
    /// and reported as `Unavailable`.
    pub(crate) fn into_store_error(self, operation: &'static str) -> StoreError {
        if let DbError::Query(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) = &self {
            let rule = unique_rule(info.constraint_name(), info.message());
            tracing::debug!(operation, %rule, "unique violation");
            return StoreError::Duplicate(rule);
        }
        tracing::error!(operation, error = %self, "store operation failed");
        StoreError::Unavailable(format!("{operation}: {self}"))
    }
}

/// Checks the fields of one stored row while it is turned into a domain entity.
pub(crate) struct RowCheck {
    pub table: &'static str,
    pub id: i64,
}

impl RowCheck {
    /// The parsed value, or `Corrupt` naming the row and field.
    pub(crate) fn field<T, E: fmt::Display>(&self, field: &'static str, parsed: Result<T, E>) -> Result<T, DbError> {
        parsed.map_err(|e| DbError::Corrupt {
            table: self.table,
            id: self.id,
            field,
            reason: e.to_string(),
        })
    }
}

/// PostgreSQL names the violated constraint; SQLite only says
/// "UNIQUE constraint failed: users.tenant_id, users.login_key".
const RULES: &[(&str, &str, UniqueRule)] = &[
    ("tenants_name_key", "tenants.name", UniqueRule::TenantName),
    (
        "customers_tenant_number_key",
        "customers.tenant_id, customers.number",
        UniqueRule::CustomerNumber,
    ),
    (
        "users_tenant_login_key",
        "users.tenant_id, users.login_key",
        UniqueRule::UserLogin,
    ),
    (
        "cost_centers_customer_code_key",
        "cost_centers.tenant_id, cost_centers.customer_id, cost_centers.code",
        UniqueRule::CostCenterCode,
    ),
    (
        "cost_center_buyers_key",
        "cost_center_buyers.cost_center_id, cost_center_buyers.user_id",
        UniqueRule::CostCenterBuyer,
    ),
    (
        "order_reports_key",
        "order_reports.tenant_id, order_reports.idempotency_key",
        UniqueRule::IdempotencyKey,
    ),
    (
        "order_reports_event_key",
        "order_reports.order_id, order_reports.event",
        UniqueRule::SpendingOrder,
    ),
    (
        "custom_attributes_customer_name_key",
        "custom_attributes.customer_id, custom_attributes.name",
        UniqueRule::AttributeName,
    ),
    (
        "custom_attributes_user_name_key",
        "custom_attributes.user_id, custom_attributes.name",
        UniqueRule::AttributeName,
    ),
    (
        "custom_attributes_address_name_key",
        "custom_attributes.address_id, custom_attributes.name",
        UniqueRule::AttributeName,
    ),
    (
        "account_settings_phone_idx",
        "account_settings.tenant_id, account_settings.phone",
        UniqueRule::Phone,
    ),
    (
        "gift_cards_number_key",
        "gift_cards.tenant_id, gift_cards.number",
        UniqueRule::GiftCardNumber,
    ),
];

fn unique_rule(constraint: Option<&str>, message: &str) -> UniqueRule {
    let key = match constraint {
        Some(name) => name,
        None => message
            .split_once("UNIQUE constraint failed: ")
            .map_or(message, |(_, columns)| columns.trim()),
    };
    if let Some((_, _, rule)) = RULES.iter().find(|(pg, lite, _)| key == *pg || key == *lite) {
        return *rule;
    }
    if key.ends_with("_public_id_key") || key.ends_with(".public_id") {
        return UniqueRule::PublicId;
    }
    UniqueRule::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_constraint_names_map_to_rules() {
        assert_eq!(
            unique_rule(Some("users_tenant_login_key"), "duplicate key"),
            UniqueRule::UserLogin
        );
        assert_eq!(
            unique_rule(Some("customers_tenant_number_key"), ""),
            UniqueRule::CustomerNumber
        );
        assert_eq!(unique_rule(Some("tenants_name_key"), ""), UniqueRule::TenantName);
        assert_eq!(unique_rule(Some("addresses_public_id_key"), ""), UniqueRule::PublicId);
        assert_eq!(
            unique_rule(Some("custom_attributes_user_name_key"), ""),
            UniqueRule::AttributeName
        );
        assert_eq!(unique_rule(Some("some_other_key"), ""), UniqueRule::Other);
    }

    #[test]
    fn sqlite_messages_map_to_rules() {
        let rule = |m: &str| unique_rule(None, m);
        assert_eq!(
            rule("UNIQUE constraint failed: users.tenant_id, users.login_key"),
            UniqueRule::UserLogin
        );
        assert_eq!(
            rule("UNIQUE constraint failed: customers.tenant_id, customers.number"),
            UniqueRule::CustomerNumber
        );
        assert_eq!(rule("UNIQUE constraint failed: tenants.name"), UniqueRule::TenantName);
        assert_eq!(rule("UNIQUE constraint failed: users.public_id"), UniqueRule::PublicId);
        assert_eq!(
            rule("UNIQUE constraint failed: custom_attributes.user_id, custom_attributes.name"),
            UniqueRule::AttributeName
        );
        assert_eq!(rule("UNIQUE constraint failed: other.x"), UniqueRule::Other);
    }
}
