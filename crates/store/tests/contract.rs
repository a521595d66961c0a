//! The store's contract, run on SQLite and (when reachable) PostgreSQL: every test
//! repeats its checks on each backend `support::backends()` returns.

mod support;

use std::time::Duration;

use clientele_domain::addresses::AddressRepository;
use clientele_domain::cost_centers::CostCenterRepository;
use clientele_domain::custom_attributes::{AttributeOwner, CustomAttributeRepository};
use clientele_domain::customers::{CustomerKind, CustomerRepository, CustomerStatus};
use clientele_domain::error::UniqueRule;
use clientele_domain::identity::Subject;
use clientele_domain::ids::UserId;
use clientele_domain::payments::PaymentInstrumentRepository;
use clientele_domain::tenants::{NewTenant, TenantName, TenantRepository};
use clientele_domain::users::UserRepository;
use clientele_domain::values::{CustomerNumberPattern, Login};
use clientele_domain::StoreError;
use clientele_store::testing::TestDatabase;
use clientele_store::{Backend, OpenError, Store, StoreConfig};
use diesel::{Connection, PgConnection, RunQueryDsl};
use support::{backends, config, count, full_account, now, private_account, public_id, stored, tenant};

/// The versions of the migration folders of a backend, in order (folder
/// `2026-11-23-000001_init` is version `20261123000001`).
fn migration_versions(backend: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    let mut versions: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .split('_')
                .next()
                .unwrap()
                .replace('-', "")
        })
        .collect();
    versions.sort();
    versions
}

/// Opens a session for the user (a login) at `at`.
async fn open_login_session(
    store: &Store,
    tenant: clientele_domain::ids::TenantId,
    customer: clientele_domain::ids::CustomerId,
    user: clientele_domain::ids::UserId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<clientele_domain::identity::Session, StoreError> {
    use clientele_domain::identity::{NewSession, SessionRepository, Subject, TokenDigest, TokenDigests};
    let digest = |_| TokenDigest::new(public_id().as_str().to_owned());
    let new = NewSession {
        family: public_id(),
        subject: Subject::User { customer, user },
        tokens: TokenDigests {
            access: digest(0),
            access_expires_at: at + chrono::Duration::minutes(5),
            refresh: digest(1),
            refresh_expires_at: at + chrono::Duration::days(1),
        },
    };
    SessionRepository::insert(store, tenant, new, at).await
}

#[tokio::test(flavor = "multi_thread")]
async fn migrating_twice_applies_nothing_the_second_time() {
    for (name, db) in TestDatabase::all() {
        let store = Store::open(&config(&db.url)).unwrap();
        assert_eq!(store.migrate().await.unwrap(), migration_versions(name), "{name}");
        assert_eq!(store.migrate().await.unwrap(), Vec::<String>::new(), "{name}");
        let again = Store::open(&config(&db.url)).unwrap();
        assert!(again.migrate().await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_store_reports_its_backend_pool_and_readiness() {
    for b in backends().await {
        let expected = if b.name == "sqlite" {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        assert_eq!(b.store.backend(), expected);
        b.store.ping().await.unwrap();
        let state = b.store.pool_state();
        assert_eq!(
            (state.max_size, state.connections, state.busy_jobs),
            (4, 4, 0),
            "{}",
            b.name
        );
    }
}

/// PostgreSQL connections the server closed while they sat idle in the pool (a
/// restart, an idle-session timeout, an administrator) are replaced before anyone gets
/// them: no request fails for them.
#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_the_server_closed_are_replaced_unseen() {
    let Some(db) = TestDatabase::postgres() else { return };
    let name = format!("closed_{}", public_id().as_str().to_lowercase());
    let store = Store::open(&config(&format!("{}&application_name={name}", db.url))).unwrap();
    store.migrate().await.unwrap();
    let terminate = format!(
        "SELECT count(pg_terminate_backend(pid, 5000))::text AS v FROM pg_stat_activity WHERE application_name = '{name}'"
    );
    assert_eq!(clientele_store::testing::column_texts(&db.url, &terminate), ["4"]);
    // Idle for longer than a connection is handed out untested.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..4 {
        store.ping().await.unwrap();
    }
    assert_eq!(tenant(&store, "after").await.name.as_str(), "after");
    // The pool opens the replacements in the background; all four come back.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while store.pool_state().connections < 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(store.pool_state().connections, 4);
    drop(store);
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_are_found_by_name_listed_and_unique() {
    for b in backends().await {
        let beta = tenant(&b.store, "beta").await;
        let alpha = tenant(&b.store, "alpha").await;
        let zulu = tenant(&b.store, "Zulu").await;
        assert_eq!(beta.created_at, stored(now()), "{}", b.name);
        assert_eq!(beta.customer_number_pattern.as_string(), "C{seq:6}");

        let found = b.store.by_name(&TenantName::parse("beta").unwrap()).await.unwrap();
        assert_eq!(found, Some(beta.clone()), "{}", b.name);
        assert_eq!(
            b.store.by_name(&TenantName::parse("gamma").unwrap()).await.unwrap(),
            None
        );
        // Byte order on both backends, whatever PostgreSQL's locale would say.
        assert_eq!(b.store.list().await.unwrap(), vec![zulu, alpha, beta], "{}", b.name);

        let again = NewTenant {
            name: TenantName::parse("beta").unwrap(),
            customer_number_pattern: CustomerNumberPattern::parse("{seq}").unwrap(),
            double_opt_in: false,
            time_zone: clientele_domain::tenants::Tz::UTC,
        };
        let refused = b.store.insert(again, now()).await;
        assert_eq!(
            refused,
            Err(StoreError::Duplicate(UniqueRule::TenantName)),
            "{}",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn customer_sequences_count_up_per_tenant() {
    for b in backends().await {
        let a = tenant(&b.store, "a").await;
        let other = tenant(&b.store, "other").await;
        for expected in 1..=3 {
            assert_eq!(
                b.store.next_customer_seqs(a.id, 1).await.unwrap(),
                expected,
                "{}",
                b.name
            );
        }
        assert_eq!(b.store.next_customer_seqs(other.id, 1).await.unwrap(), 1, "{}", b.name);
        // A block of values at once: the first is answered, the next draw follows it.
        assert_eq!(b.store.next_customer_seqs(a.id, 5).await.unwrap(), 4, "{}", b.name);
        assert_eq!(b.store.next_customer_seqs(a.id, 1).await.unwrap(), 9, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_round_trips_every_field() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let new = full_account("Anna.Meier@Example.com", "C000001");
        let account = b.store.create_account(t.id, new.clone(), now()).await.unwrap();

        let c = &account.customer;
        assert_eq!(
            (c.tenant_id, &c.public_id, &c.number),
            (t.id, &new.customer.public_id, &new.customer.number)
        );
        assert_eq!(c.kind, new.customer.kind, "{}", b.name);
        assert_eq!(c.custom, new.customer.custom, "{}", b.name);
        assert_eq!(c.status, CustomerStatus::Active);
        assert_eq!(
            (c.created_at, c.updated_at, c.version),
            (stored(now()), stored(now()), 1),
            "{}",
            b.name
        );
        let read = CustomerRepository::by_id(&b.store, t.id, c.id).await.unwrap();
        assert_eq!(read.as_ref(), Some(c), "{}", b.name);

        assert_eq!(account.users.len(), 2);
        for (user, input) in account.users.iter().zip(&new.users) {
            assert_eq!((user.tenant_id, user.customer_id), (t.id, c.id));
            assert_eq!(
                (&user.public_id, &user.login, &user.email),
                (&input.public_id, &input.login, &input.email)
            );
            assert_eq!(user.password_hash, input.password_hash, "{}", b.name);
            assert_eq!(user.person, input.person, "{}", b.name);
            assert_eq!(user.roles, input.roles, "{}", b.name);
            assert_eq!(
                (user.active, user.email_verification),
                (input.active, input.email_verification)
            );
            assert_eq!(user.consents, input.consents, "{}", b.name);
            assert_eq!((user.first_login_at, user.last_login_at), (None, None));
            assert_eq!(
                (user.created_at, user.updated_at, user.version),
                (stored(now()), stored(now()), 1)
            );
            let read = UserRepository::by_id(&b.store, t.id, user.id).await.unwrap();
            assert_eq!(read.as_ref(), Some(user), "{}", b.name);
        }
        let by_login = b
            .store
            .by_login(t.id, &Login::parse("anna.meier@EXAMPLE.COM").unwrap())
            .await
            .unwrap();
        assert_eq!(by_login.as_ref(), Some(&account.users[0]), "{}", b.name);

        let datas: Vec<_> = account.addresses.iter().map(|a| a.data.clone()).collect();
        let inputs: Vec<_> = new.addresses.iter().map(|a| a.data.clone()).collect();
        assert_eq!(datas, inputs, "{}", b.name);
        for (address, input) in account.addresses.iter().zip(&new.addresses) {
            assert_eq!(
                (address.tenant_id, address.customer_id, &address.public_id),
                (t.id, c.id, &input.public_id)
            );
            assert_eq!((address.created_at, address.version), (stored(now()), 1));
        }
        let listed = AddressRepository::list_for_customer(&b.store, t.id, c.id)
            .await
            .unwrap();
        assert_eq!(listed, account.addresses, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_account_round_trips() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let account = b
            .store
            .create_account(t.id, private_account("p@example.com", "P1"), now())
            .await
            .unwrap();
        assert_eq!(account.customer.kind, CustomerKind::Private);
        assert!(account.addresses.is_empty());
        let read = CustomerRepository::by_id(&b.store, t.id, account.customer.id)
            .await
            .unwrap();
        assert_eq!(read, Some(account.customer), "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_differing_only_in_case_is_a_duplicate_and_writes_nothing() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        b.store
            .create_account(t.id, full_account("Anna@Example.com", "C1"), now())
            .await
            .unwrap();
        let before = table_counts(&b.db);

        let clash = full_account("anna@example.COM", "C2");
        let refused = b.store.create_account(t.id, clash, now()).await;
        assert_eq!(refused, Err(StoreError::Duplicate(UniqueRule::UserLogin)), "{}", b.name);
        assert_eq!(
            table_counts(&b.db),
            before,
            "{}: the failed account left rows behind",
            b.name
        );
        // The customer number of the refused account was rolled back with it.
        b.store
            .create_account(t.id, full_account("bob@example.com", "C2"), now())
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_customer_number_is_a_duplicate_and_writes_nothing() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        b.store
            .create_account(t.id, private_account("a@example.com", "C7"), now())
            .await
            .unwrap();
        let before = table_counts(&b.db);
        let refused = b
            .store
            .create_account(t.id, full_account("b@example.com", "C7"), now())
            .await;
        assert_eq!(
            refused,
            Err(StoreError::Duplicate(UniqueRule::CustomerNumber)),
            "{}",
            b.name
        );
        assert_eq!(table_counts(&b.db), before, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_public_id_is_a_duplicate_and_writes_nothing() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let first = b
            .store
            .create_account(t.id, full_account("a@example.com", "C1"), now())
            .await
            .unwrap();
        let before = table_counts(&b.db);

        let mut clash = full_account("b@example.com", "C2");
        clash.addresses[1].public_id = first.addresses[0].public_id.clone();
        let refused = b.store.create_account(t.id, clash, now()).await;
        assert_eq!(refused, Err(StoreError::Duplicate(UniqueRule::PublicId)), "{}", b.name);
        assert_eq!(table_counts(&b.db), before, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_login_and_number_may_exist_in_two_tenants() {
    for b in backends().await {
        let (one, two) = (tenant(&b.store, "one").await, tenant(&b.store, "two").await);
        let a = b
            .store
            .create_account(one.id, private_account("same@example.com", "C1"), now())
            .await
            .unwrap();
        let z = b
            .store
            .create_account(two.id, private_account("same@example.com", "C1"), now())
            .await
            .unwrap();
        let login = Login::parse("same@example.com").unwrap();
        assert_eq!(
            b.store.by_login(one.id, &login).await.unwrap().map(|u| u.id),
            Some(a.users[0].id)
        );
        assert_eq!(
            b.store.by_login(two.id, &login).await.unwrap().map(|u| u.id),
            Some(z.users[0].id)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_read_crosses_tenants() {
    for b in backends().await {
        let (mine, theirs) = (tenant(&b.store, "mine").await, tenant(&b.store, "theirs").await);
        let acc = b
            .store
            .create_account(theirs.id, full_account("x@example.com", "C1"), now())
            .await
            .unwrap();
        let (customer, user) = (acc.customer.id, acc.users[0].id);

        assert_eq!(
            CustomerRepository::by_id(&b.store, mine.id, customer).await.unwrap(),
            None,
            "{}",
            b.name
        );
        assert_eq!(
            UserRepository::by_id(&b.store, mine.id, user).await.unwrap(),
            None,
            "{}",
            b.name
        );
        let login = Login::parse("x@example.com").unwrap();
        assert_eq!(b.store.by_login(mine.id, &login).await.unwrap(), None, "{}", b.name);
        let addresses = AddressRepository::list_for_customer(&b.store, mine.id, customer)
            .await
            .unwrap();
        assert!(addresses.is_empty(), "{}", b.name);

        let crossing = open_login_session(&b.store, mine.id, customer, user, now()).await;
        assert!(crossing.is_err(), "{}: a session for another tenant's user", b.name);
        let untouched = UserRepository::by_id(&b.store, theirs.id, user).await.unwrap().unwrap();
        assert_eq!(
            untouched.last_login_at, None,
            "{}: a login was recorded across tenants",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_sign_ups_with_one_login_let_exactly_one_through() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let attempts = (0..20).map(|i| {
            let store = b.store.clone();
            // Same login in varying case; distinct numbers, so only the login can clash.
            let login = if i % 2 == 0 {
                "Race@Example.com"
            } else {
                "race@example.com"
            };
            let account = private_account(login, &format!("C{i}"));
            tokio::spawn(async move { store.create_account(t.id, account, now()).await })
        });
        let mut outcomes = Vec::new();
        for attempt in attempts.collect::<Vec<_>>() {
            outcomes.push(attempt.await.unwrap());
        }
        let ok = outcomes.iter().filter(|o| o.is_ok()).count();
        let dup = outcomes
            .iter()
            .filter(|o| **o == Err(StoreError::Duplicate(UniqueRule::UserLogin)))
            .count();
        assert_eq!(
            (ok, dup),
            (1, 19),
            "{}: {:?}",
            b.name,
            outcomes.iter().filter_map(|o| o.as_ref().err()).collect::<Vec<_>>()
        );
        assert_eq!((count(&b.db, "customers"), count(&b.db, "users")), (1, 1), "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_session_sets_the_first_login_once_and_the_last_each_time() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let acc = b
            .store
            .create_account(t.id, private_account("l@example.com", "C1"), now())
            .await
            .unwrap();
        let user = acc.users[0].id;
        let (first, second) = (now() + chrono::Duration::hours(1), now() + chrono::Duration::hours(2));

        let customer = acc.customer.id;
        let session = open_login_session(&b.store, t.id, customer, user, first).await.unwrap();
        assert_eq!(
            (session.subject, session.tenant_id, session.created_at),
            (Subject::User { customer, user }, t.id, stored(first)),
            "{}",
            b.name
        );
        assert_eq!(
            session.access_expires_at,
            stored(first + chrono::Duration::minutes(5)),
            "{}",
            b.name
        );
        // Failed logins and a lock before it: a login clears both.
        UserRepository::record_failed_login(&b.store, t.id, user).await.unwrap();
        UserRepository::lock(&b.store, t.id, user, second + chrono::Duration::hours(1))
            .await
            .unwrap();
        open_login_session(&b.store, t.id, customer, user, second)
            .await
            .unwrap();
        let read = UserRepository::by_id(&b.store, t.id, user).await.unwrap().unwrap();
        assert_eq!(read.first_login_at, Some(stored(first)), "{}", b.name);
        assert_eq!(read.last_login_at, Some(stored(second)), "{}", b.name);
        assert_eq!((read.failed_logins, read.locked_until), (0, None), "{}", b.name);
        // A user that is not there (or of another tenant) gets no session.
        let other = tenant(&b.store, "other").await;
        for (tenant, user) in [(t.id, UserId::new(user.get() + 1000)), (other.id, user)] {
            assert!(
                open_login_session(&b.store, tenant, customer, user, second)
                    .await
                    .is_err(),
                "{}",
                b.name
            );
        }
        assert_eq!(count(&b.db, "sessions"), 2, "{}", b.name);
        assert_eq!(
            (read.version, read.updated_at),
            (1, stored(now())),
            "{}: a login is not an edit",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn repositories_without_writes_yet_list_nothing() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let acc = b
            .store
            .create_account(t.id, full_account("e@example.com", "C1"), now())
            .await
            .unwrap();
        let customer = acc.customer.id;
        assert!(CostCenterRepository::list_for_customer(&b.store, t.id, customer)
            .await
            .unwrap()
            .is_empty());
        assert!(
            PaymentInstrumentRepository::list_instruments(&b.store, t.id, customer, None)
                .await
                .unwrap()
                .is_empty()
        );
        for owner in [
            AttributeOwner::Customer(customer),
            AttributeOwner::User(acc.users[0].id),
            AttributeOwner::Address(acc.addresses[0].id),
        ] {
            assert!(b.store.list_for(t.id, owner).await.unwrap().is_empty(), "{}", b.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_in_memory_database_keeps_its_data_on_its_single_connection() {
    let store = Store::open(&config(":memory:")).unwrap();
    store.migrate().await.unwrap();
    tenant(&store, "mem").await;
    assert_eq!(store.list().await.unwrap().len(), 1);
    assert_eq!(store.pool_state().max_size, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_sqlite_directory_is_created() {
    let dir = std::env::temp_dir().join(format!("clientele-store-dir-{}", public_id()));
    let file = dir.join("nested").join("c.db");
    let store = Store::open(&config(&format!("sqlite:{}", file.display()))).unwrap();
    store.migrate().await.unwrap();
    assert!(file.exists());
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_the_server_dropped_are_replaced() {
    let Some(db) = TestDatabase::postgres() else { return };
    let app = format!("clientele_{}", public_id()).replace('-', "_");
    let store = Store::open(&config(&format!("{}&application_name={app}", db.url))).unwrap();
    store.ping().await.unwrap();

    let killed = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{app}'"
    ))
    .execute(&mut PgConnection::establish(&db.url).unwrap())
    .unwrap();
    assert_eq!(killed, 4);

    // Checkout does not test connections, so each dead one may fail one query; it must
    // then be replaced, not handed out again.
    let mut failures = 0;
    for _ in 0..12 {
        failures += usize::from(store.ping().await.is_err());
    }
    assert!(
        failures <= 4,
        "{failures} failed pings: dead connections went back to the pool"
    );
    for _ in 0..12 {
        store.ping().await.unwrap();
    }
}

#[test]
fn open_errors_name_the_database_but_never_the_password() {
    let unsupported = Store::open(&StoreConfig::new("mysql://app:hunter2@db/x")).unwrap_err();
    assert!(
        matches!(unsupported, OpenError::UnsupportedScheme(ref s) if s == "mysql"),
        "{unsupported}"
    );
    assert!(!unsupported.to_string().contains("hunter2"));

    let url = "postgres://app:hunter2@127.0.0.1:1/db?sslmode=disable";
    let cfg = StoreConfig {
        url: url.into(),
        pool_size: 1,
        connect_timeout: Duration::from_secs(1),
    };
    let message = Store::open(&cfg).unwrap_err().to_string();
    assert!(
        message.starts_with("cannot connect to PostgreSQL database postgres://127.0.0.1:1/db: "),
        "{message}"
    );
    assert!(!message.contains("hunter2") && !message.contains('\n'), "{message}");
}

fn table_counts(db: &TestDatabase) -> [i64; 3] {
    ["customers", "users", "addresses"].map(|table| count(db, table))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_candidate_comes_with_its_customers_status() {
    for b in backends().await {
        let (t, other) = (tenant(&b.store, "shop").await, tenant(&b.store, "other").await);
        let acc = b
            .store
            .create_account(t.id, private_account("l@example.com", "C1"), now())
            .await
            .unwrap();
        let login = Login::parse("L@Example.com").unwrap();
        let found = b.store.by_login_with_status(t.id, &login).await.unwrap();
        assert_eq!(
            found.map(|(u, s)| (u.id, s)),
            Some((acc.users[0].id, CustomerStatus::Active)),
            "{}",
            b.name
        );
        assert!(
            b.store.by_login_with_status(other.id, &login).await.unwrap().is_none(),
            "{}",
            b.name
        );
    }
}
