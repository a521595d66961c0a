//! The personal-data export knows every table: each table of the migrated schema is
//! either exported for a customer or listed as holding nobody's data. A migration that
//! adds a table fails here until it is classified (and so covered by export, and by
//! erasure where it holds personal data).

mod support;

use clientele_store::privacy::{HIDDEN_COLUMNS, OTHER_TABLES, PERSONAL_TABLES};
use clientele_store::testing::column_texts;
use support::backends;

#[tokio::test(flavor = "multi_thread")]
async fn every_table_of_the_schema_is_exported_or_holds_no_personal_data() {
    for b in backends().await {
        let tables = if b.name == "sqlite" {
            column_texts(
                &b.db.url,
                "SELECT name AS v FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%'",
            )
        } else {
            column_texts(
                &b.db.url,
                "SELECT CAST(table_name AS TEXT) AS v FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND table_name NOT LIKE '__diesel%'",
            )
        };
        assert!(tables.len() > 20, "{}: {tables:?}", b.name);
        for table in &tables {
            let exported = PERSONAL_TABLES.iter().any(|(t, _, _)| t == table);
            let other = OTHER_TABLES.iter().any(|(t, _)| t == table);
            assert!(
                exported ^ other,
                "{}: table {table} must be in exactly one of PERSONAL_TABLES and OTHER_TABLES \
                 (crates/store/src/privacy.rs)",
                b.name
            );
        }
        let listed = PERSONAL_TABLES
            .iter()
            .map(|(t, _, _)| t)
            .chain(OTHER_TABLES.iter().map(|(t, _)| t));
        // Tables only PostgreSQL's migrations create (name tallies, migration 000026).
        let postgres_only = ["customer_name_tallies"];
        for t in listed.filter(|t| b.name == "postgres" || !postgres_only.contains(t)) {
            assert!(
                tables.iter().any(|x| x == t),
                "{}: {t} is listed but not in the schema",
                b.name
            );
        }
        // Hidden columns are secrets, not personal data that would go missing.
        assert!(HIDDEN_COLUMNS
            .iter()
            .all(|c| c.ends_with("_hash") || c.ends_with("_digest") || *c == "sealed" || *c == "key_id"));
    }
}
