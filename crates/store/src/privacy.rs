//! Everything the store holds on one customer, row by row, for the complete personal-data
//! export (GDPR Art. 15/20): every table that can hold a customer's or their users' data
//! is listed in [`PERSONAL_TABLES`] with how its rows are found and what erasure does to
//! them (column by column where rows stay), and every other table in
//! [`OTHER_TABLES`] with why it holds none (a test checks the migrated schema against
//! both lists, so a new table cannot be forgotten). Rows are exported whole — a new
//! column is exported without a change here — except the secrets in
//! [`HIDDEN_COLUMNS`]; sealed columns are opened by the domain.

use async_trait::async_trait;
use clientele_domain::ids::{CustomerId, TenantId};
use clientele_domain::privacy::PersonalDataRepository;
use clientele_domain::StoreError;
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::Value;

use crate::connection::DbConnection;
use crate::errors::DbError;
use crate::Store;

/// What erasing the person does to a table's rows of them (checked column by column
/// against the migrated schema by the end-to-end GDPR test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The rows are deleted, every column with them.
    Deleted,
    /// The row stays: its `personal` columns are cleared; the `other` columns hold no
    /// personal data.
    Cleared {
        personal: &'static [&'static str],
        other: &'static [&'static str],
    },
    /// The rows stay whole, for the reason given; `columns` are all their columns.
    Kept {
        why: &'static str,
        columns: &'static [&'static str],
    },
}

/// How the rows of a table belong to the customer `{c}` of tenant `{t}`, and their fate
/// on erasure.
pub const PERSONAL_TABLES: &[(&str, &str, Fate)] = &[
    ("customers", "tenant_id = {t} AND id = {c}", Fate::Cleared {
            // The `search_*` copies of the primary user's fields are cleared by the
            // triggers that keep them when the users go (migration 000022).
            personal: &[
                "company_name", "company_name2", "tax_id", "industry", "description", "custom", "search_login",
                "search_email", "search_first_name", "search_last_name",
            ],
            other: &[
                "id", "public_id", "tenant_id", "number", "kind", "status", "created_at", "updated_at", "version",
                "external_id", "external_urn", "blocked_at", "deleted_at", "primary_user_id", "user_active",
                "row_version",
            ],
        }),
    ("users", "tenant_id = {t} AND customer_id = {c}", Fate::Deleted),
    ("addresses", "tenant_id = {t} AND customer_id = {c}", Fate::Deleted),
    ("account_settings", "tenant_id = {t} AND customer_id = {c}", Fate::Deleted),
    ("bank_accounts", "tenant_id = {t} AND customer_id = {c}", Fate::Deleted),
    ("payment_instruments", "tenant_id = {t} AND customer_id = {c}", Fate::Deleted),
    ("cost_centers", "tenant_id = {t} AND customer_id = {c}", Fate::Deleted),
    (
        "custom_attributes",
        "tenant_id = {t} AND (customer_id = {c} OR user_id IN (SELECT id FROM users WHERE customer_id = {c}) \
         OR address_id IN (SELECT id FROM addresses WHERE customer_id = {c}))",
        Fate::Deleted,
    ),
    ("sessions", "tenant_id = {t} AND customer_id = {c}", Fate::Deleted),
    (
        "password_history",
        "user_id IN (SELECT id FROM users WHERE customer_id = {c})",
        Fate::Deleted,
    ),
    (
        "mailed_codes",
        "user_id IN (SELECT id FROM users WHERE customer_id = {c})",
        Fate::Deleted,
    ),
    (
        "login_links",
        "user_id IN (SELECT id FROM users WHERE customer_id = {c})",
        Fate::Deleted,
    ),
    (
        "cost_center_buyers",
        "user_id IN (SELECT id FROM users WHERE customer_id = {c})",
        Fate::Deleted,
    ),
    (
        "mail_outbox",
        "tenant_id = {t} AND recipient IN (SELECT email FROM users WHERE customer_id = {c})",
        Fate::Deleted,
    ),
    ("orders", "tenant_id = {t} AND customer_id = {c}", Fate::Kept {
            why: "an order record the shop must keep (IOM: erasure does not affect orders); the buyer goes by foreign key",
            columns: &[
                "id", "tenant_id", "customer_id", "number", "document", "created_at", "updated_at", "status", "placed_at",
                "cancelled_at", "amount", "currency", "buyer_id", "cost_center_id", "cost_center_code",
            ],
        }),
    (
        "order_reports",
        "order_id IN (SELECT id FROM orders WHERE tenant_id = {t} AND customer_id = {c})",
        Fate::Kept {
            why: "idempotency keys of order reports; the canonical report names the buyer by id only",
            columns: &["id", "tenant_id", "idempotency_key", "request", "order_id", "event", "created_at"],
        },
    ),
    ("invoices", "tenant_id = {t} AND customer_id = {c}", Fate::Kept {
            why: "an invoice record the shop must keep",
            columns: &["id", "tenant_id", "customer_id", "number", "document", "created_at", "updated_at"],
        }),
    ("customer_balances", "tenant_id = {t} AND customer_id = {c}", Fate::Kept {
            why: "an accounting record the shop must keep",
            columns: &["id", "tenant_id", "customer_id", "currency", "document", "created_at", "updated_at"],
        }),
    (
        "gift_cards",
        "tenant_id = {t} AND id IN (SELECT gift_card_id FROM payment_instruments WHERE customer_id = {c})",
        Fate::Kept {
            why: "a bearer card names nobody; its link to the person (the payment instrument) is deleted",
            columns: &[
                "id", "public_id", "tenant_id", "number", "pin_hash", "currency", "initial_amount", "balance", "valid_from",
                "valid_until", "blocked", "pin_failures", "locked_until", "created_at", "updated_at",
            ],
        },
    ),
    (
        "gift_card_entries",
        "gift_card_id IN (SELECT gift_card_id FROM payment_instruments WHERE customer_id = {c})",
        Fate::Kept {
            why: "the ledger of a bearer card",
            columns: &["id", "gift_card_id", "amount", "balance_after", "reason", "idempotency_key", "created_at"],
        },
    ),
    ("deleted_records", "tenant_id = {t} AND customer_id = {c}", Fate::Kept {
            why: "the register of deletions (ids and times) integrations read",
            columns: &["id", "tenant_id", "kind", "record_id", "customer_id", "deleted_at"],
        }),
    ("erasures", "tenant_id = {t} AND customer_id = {c}", Fate::Kept {
            why: "the audit of erasures: who, when, which request, counts",
            columns: &["id", "tenant_id", "customer_id", "user_id", "actor", "request_id", "counts", "created_at"],
        }),
];

/// Tables that hold no customer's data, and why.
pub const OTHER_TABLES: &[(&str, &str)] = &[
    ("tenants", "shops and their settings"),
    ("api_clients", "machine principals of a tenant"),
    ("api_client_tokens", "bearer tokens of machine principals (digests)"),
    ("password_migrations", "a tenant's password-migration window"),
    ("customer_counts", "how many customers a tenant has in each status"),
    (
        "customer_name_tallies",
        "how many live customers carry each name, by no customer; a name no live customer \
         carries any more is deleted in the transaction that erases or renames its last one \
         (migration 000026)",
    ),
];

/// Secrets that are never exported, whosever they are: password, PIN, token and code
/// digests; ciphertext (opened by the domain instead).
pub const HIDDEN_COLUMNS: &[&str] = &[
    "password_hash",
    "pin_hash",
    "access_digest",
    "refresh_digest",
    "code_digest",
    "key_digest",
    "sealed",
    "key_id",
];

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

fn texts(conn: &mut DbConnection, sql: &str) -> Result<Vec<String>, DbError> {
    let rows: Vec<Text> = with_conn!(conn, |c| diesel::sql_query(sql).load(c))?;
    Ok(rows.into_iter().map(|r| r.v).collect())
}

/// The rows of `table` matching `condition`, one JSON object each.
fn rows(conn: &mut DbConnection, table: &str, condition: &str) -> Result<Vec<Value>, DbError> {
    let sql = match conn {
        DbConnection::Pg(_) => {
            format!("SELECT CAST(row_to_json(x) AS TEXT) AS v FROM (SELECT * FROM {table} WHERE {condition}) x")
        }
        DbConnection::Sqlite(_) => {
            let columns = texts(conn, &format!("SELECT name AS v FROM pragma_table_info('{table}')"))?;
            let pairs: Vec<String> = columns.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
            format!(
                "SELECT json_object({}) AS v FROM {table} WHERE {condition}",
                pairs.join(", ")
            )
        }
    };
    texts(conn, &sql)?
        .into_iter()
        .map(|text| {
            let mut row: Value = serde_json::from_str(&text).map_err(|e| DbError::Corrupt {
                table: "export",
                id: 0,
                field: "row",
                reason: e.to_string(),
            })?;
            if let Some(map) = row.as_object_mut() {
                map.retain(|k, _| !HIDDEN_COLUMNS.contains(&k.as_str()));
            }
            Ok(row)
        })
        .collect()
}

#[async_trait]
impl PersonalDataRepository for Store {
    async fn personal_rows(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<(String, Vec<Value>)>, StoreError> {
        self.run("export personal data", move |conn| {
            PERSONAL_TABLES
                .iter()
                .map(|(table, condition, _)| {
                    let condition = condition
                        .replace("{t}", &tenant.get().to_string())
                        .replace("{c}", &customer.get().to_string());
                    Ok(((*table).to_owned(), rows(conn, table, &condition)?))
                })
                .collect()
        })
        .await
    }
}
