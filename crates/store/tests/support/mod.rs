//! Fixtures of the contract suite: a migrated store per backend, accounts with every
//! field set, and row counts read behind the store's back.
// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clientele_domain::addresses::{AddressData, AddressUsage, NewAddress};
use clientele_domain::customers::{Company, CustomerKind, CustomerStatus, ExternalRef, NewAccount, NewCustomer};
use clientele_domain::ids::PublicId;
use clientele_domain::tenants::{NewTenant, Tenant, TenantName, TenantRepository};
use clientele_domain::users::{Consents, EmailVerification, NewUser, PersonData};
use clientele_domain::values::{
    CountryCode, CurrencyCode, CustomerNumber, CustomerNumberPattern, Email, LanguageTag, Login, PasswordHash,
};
use clientele_store::testing::TestDatabase;
use clientele_store::{Store, StoreConfig};
use diesel::connection::Connection;
use diesel::{PgConnection, RunQueryDsl, SqliteConnection};
use serde_json::json;

/// A migrated store on one backend. The store is dropped before its database.
pub struct Backend {
    pub name: &'static str,
    pub store: Store,
    pub db: TestDatabase,
}

pub fn config(url: &str) -> StoreConfig {
    StoreConfig {
        url: url.to_owned(),
        pool_size: 4,
        connect_timeout: Duration::from_secs(5),
    }
}

/// SQLite, and PostgreSQL when reachable, each fresh and migrated.
pub async fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    for (name, db) in TestDatabase::all() {
        let store = Store::open(&config(&db.url)).unwrap_or_else(|e| panic!("{name}: {e}"));
        store.migrate().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push(Backend { name, store, db });
    }
    out
}

pub async fn tenant(store: &Store, name: &str) -> Tenant {
    let new = NewTenant {
        name: TenantName::parse(name).unwrap(),
        customer_number_pattern: CustomerNumberPattern::parse("C{seq:6}").unwrap(),
        double_opt_in: false,
        time_zone: clientele_domain::tenants::Tz::UTC,
    };
    store.insert(new, now()).await.unwrap()
}

/// A fixed time with nanoseconds, which the store keeps to the microsecond.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 30, 15).unwrap() + chrono::Duration::nanoseconds(123_456_789)
}

pub fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    at.trunc_subsecs(6)
}

pub fn public_id() -> PublicId {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    PublicId::parse(&format!("pid-{}", NEXT.fetch_add(1, Ordering::Relaxed))).unwrap()
}

/// A business account with every field of customer, user and address set, plus a
/// second user and a second, sparse address.
pub fn full_account(login: &str, number: &str) -> NewAccount {
    let mut custom = serde_json::Map::new();
    custom.insert(
        "loyalty".into(),
        json!({"tier": "gold", "points": [1, 2.5, null], "ok": true}),
    );
    NewAccount {
        customer: NewCustomer {
            public_id: public_id(),
            number: CustomerNumber::parse(number).unwrap(),
            kind: CustomerKind::Business(Company {
                name: "Müller & Söhne GmbH".into(),
                name2: Some("Niederlassung Süd".into()),
                tax_id: Some("DE123456789".into()),
                industry: Some("Retail".into()),
                description: Some("Seit 1901 \"führend\"".into()),
            }),
            status: CustomerStatus::Active,
            custom,
            external: ExternalRef {
                id: Some("ERP-4711".into()),
                urn: Some("urn:customer:ERP:4711".into()),
            },
        },
        users: vec![full_user(login), user(&format!("second.{login}"))],
        addresses: vec![full_address(), sparse_address()],
        opt_in: None,
        settings: None,
    }
}

/// A private account with one user and no address.
pub fn private_account(login: &str, number: &str) -> NewAccount {
    NewAccount {
        customer: NewCustomer {
            public_id: public_id(),
            number: CustomerNumber::parse(number).unwrap(),
            kind: CustomerKind::Private,
            status: CustomerStatus::Active,
            custom: Default::default(),
            external: Default::default(),
        },
        users: vec![user(login)],
        addresses: vec![],
        opt_in: None,
        settings: None,
    }
}

pub fn user(login: &str) -> NewUser {
    NewUser {
        public_id: public_id(),
        login: Login::parse(login).unwrap(),
        email: Email::parse("someone@example.com").unwrap(),
        password_hash: None,
        person: PersonData::default(),
        roles: vec![],
        active: true,
        email_verification: EmailVerification::Unverified,
        consents: Consents::default(),
        external: Default::default(),
        legacy_auth: None,
    }
}

fn full_user(login: &str) -> NewUser {
    NewUser {
        public_id: public_id(),
        login: Login::parse(login).unwrap(),
        email: Email::parse("Anna.Meier@Example.com").unwrap(),
        password_hash: Some(PasswordHash::from_phc(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        )),
        person: PersonData {
            title: Some("Dr.".into()),
            salutation: Some("Frau".into()),
            first_name: Some("Anna".into()),
            last_name: Some("Meier".into()),
            phone_home: Some("+49 30 1".into()),
            phone_mobile: Some("+49 170 2".into()),
            phone_business: Some("+49 30 3".into()),
            fax: Some("+49 30 4".into()),
            birthday: NaiveDate::from_ymd_opt(1985, 2, 28),
            preferred_language: Some(LanguageTag::parse("de_DE").unwrap()),
            preferred_currency: Some(CurrencyCode::parse("EUR").unwrap()),
        },
        roles: vec!["APP_B2B_ACCOUNT_OWNER".into(), "APP_B2B_BUYER".into()],
        active: false,
        email_verification: EmailVerification::Verified,
        consents: Consents {
            newsletter: true,
            newsletter_changed_at: Some(stored(now())),
        },
        external: ExternalRef {
            id: Some("U-1".into()),
            urn: Some("urn:user:ERP:U-1".into()),
        },
        legacy_auth: None,
    }
}

pub fn full_address() -> NewAddress {
    let mut custom = serde_json::Map::new();
    custom.insert("dock".into(), json!(7));
    NewAddress {
        public_id: public_id(),
        data: AddressData {
            name: Some("Zentrale".into()),
            title: Some("Prof.".into()),
            salutation: Some("Herr".into()),
            first_name: Some("Jörg".into()),
            last_name: Some("Weiß".into()),
            company_name: Some("Müller & Söhne GmbH".into()),
            company_name2: Some("Wareneingang".into()),
            street1: "Hauptstraße 1".into(),
            street2: Some("Hof 2".into()),
            street3: Some("Tor 3".into()),
            post_box: Some("PF 1234".into()),
            postal_code: Some("80331".into()),
            city: "München".into(),
            region_code: Some("BY".into()),
            region_name: Some("Bayern".into()),
            country: CountryCode::parse("DE").unwrap(),
            phone_home: Some("1".into()),
            phone_mobile: Some("2".into()),
            phone_business: Some("3".into()),
            fax: Some("4".into()),
            email: Some(Email::parse("lager@example.de").unwrap()),
            usage: AddressUsage {
                invoice: true,
                shipping: true,
                preferred_invoice: true,
                preferred_shipping: false,
            },
            tags: vec!["hq".into(), "ü".into()],
            labels: vec!["Main".into()],
            external_id: Some("EXT-1".into()),
            custom,
            extra: Default::default(),
        },
    }
}

pub fn sparse_address() -> NewAddress {
    NewAddress {
        public_id: public_id(),
        data: AddressData {
            name: None,
            title: None,
            salutation: None,
            first_name: None,
            last_name: None,
            company_name: None,
            company_name2: None,
            street1: "Rue 9".into(),
            street2: None,
            street3: None,
            post_box: None,
            postal_code: None,
            city: "Paris".into(),
            region_code: None,
            region_name: None,
            country: CountryCode::parse("FR").unwrap(),
            phone_home: None,
            phone_mobile: None,
            phone_business: None,
            fax: None,
            email: None,
            usage: AddressUsage {
                shipping: true,
                preferred_shipping: true,
                ..Default::default()
            },
            tags: vec![],
            labels: vec![],
            external_id: None,
            custom: Default::default(),
            extra: Default::default(),
        },
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Runs `sql` on a connection of its own.
pub fn execute(db: &TestDatabase, sql: &str) {
    let query = diesel::sql_query(sql);
    match db.url.strip_prefix("sqlite://") {
        Some(path) => query.execute(&mut SqliteConnection::establish(path).unwrap()),
        None => query.execute(&mut PgConnection::establish(&db.url).unwrap()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Rows in `table`, counted on a connection of its own.
pub fn count(db: &TestDatabase, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let query = diesel::sql_query(sql);
    let counted = match db.url.strip_prefix("sqlite://") {
        Some(path) => query.get_result::<Count>(&mut SqliteConnection::establish(path).unwrap()),
        None => query.get_result::<Count>(&mut PgConnection::establish(&db.url).unwrap()),
    };
    counted.unwrap().n
}
