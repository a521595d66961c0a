//! The account a token-authenticated request reads with its session, on both backends.
//! The store keeps it in memory and uses it only while the database's row versions of
//! the user and the customer are unchanged: every change through the
//! store shows on the next read, and so does a change to the user's or the customer's
//! row made behind the store's back (by a script). And back-office writes that block a
//! customer, deactivate a user or change a login end the sessions they must, in their
//! own transaction. A PostgreSQL login's commit skips the WAL flush, and only its own.

mod support;

use chrono::Duration;
use clientele_domain::accounts::{AccountEdit, AccountRepository};
use clientele_domain::addresses::AddressRepository;
use clientele_domain::administration::UserEdit;
use clientele_domain::customers::{
    AccountSwitches, CustomerRepository, CustomerStatus, Keep, ProfileChange, ProfileWrite,
};
use clientele_domain::identity::{
    AccountParts, CurrentLogin, NewSession, SessionRepository, Subject, TokenDigest, TokenDigests,
};
use clientele_domain::ids::{CustomerId, TenantId, UserId};
use clientele_domain::users::UserRepository;
use clientele_domain::values::{Email, Login, PasswordHash};
use clientele_store::Store;
use support::{backends, execute, full_account, now, private_account, public_id, sparse_address, stored, tenant};

async fn read(store: &Store, t: TenantId, access: &TokenDigest) -> Option<AccountParts> {
    let (_, parts) = store
        .by_access_with_account(t, access, now())
        .await
        .unwrap()
        .expect("a live session");
    parts
}

/// Whether the session of this access token is live.
async fn live(store: &Store, t: TenantId, access: &TokenDigest) -> bool {
    store.by_access_with_account(t, access, now()).await.unwrap().is_some()
}

/// A live session of `subject`; its access-token digest.
async fn insert_session(store: &Store, t: TenantId, subject: Subject) -> TokenDigest {
    let access = TokenDigest::new(public_id().as_str().to_owned());
    let session = NewSession {
        family: public_id(),
        subject,
        tokens: TokenDigests {
            access: access.clone(),
            access_expires_at: now() + Duration::minutes(5),
            refresh: TokenDigest::new(public_id().as_str().to_owned()),
            refresh_expires_at: now() + Duration::days(1),
        },
    };
    SessionRepository::insert(store, t, session, now()).await.unwrap();
    access
}

/// A live session of the user; its access-token digest.
async fn open_session(store: &Store, t: TenantId, c: CustomerId, u: UserId) -> TokenDigest {
    insert_session(store, t, Subject::User { customer: c, user: u }).await
}

/// Title of the user (not a searched field: no trigger copies it to the customer), number of the customer, cities of the addresses.
fn summary(parts: &AccountParts) -> (Option<String>, String, Vec<String>) {
    let (customer, user, addresses) = parts;
    (
        user.person.title.clone(),
        customer.number.as_str().to_owned(),
        addresses.iter().map(|a| a.data.city.clone()).collect(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn every_change_to_the_account_shows_on_the_next_token_read() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let acc = b
            .store
            .create_account(t, full_account("reader@example.com", "K1"), now())
            .await
            .unwrap();
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let access = open_session(&b.store, t, c, u).await;

        let first = read(&b.store, t, &access).await.unwrap();
        let cities: Vec<String> = acc.addresses.iter().map(|a| a.data.city.clone()).collect();
        assert_eq!(summary(&first).2, cities, "{}", b.name);
        // Twice the same (the second comes from memory).
        assert_eq!(read(&b.store, t, &access).await.unwrap(), first, "{}", b.name);

        // Through the store: the user, and each kind of address write.
        let login = Login::parse("renamed@example.com").unwrap();
        assert!(b.store.set_login(t, u, &login, now()).await.unwrap());
        let (_, user, _) = read(&b.store, t, &access).await.unwrap();
        assert_eq!(user.login.as_str(), "renamed@example.com", "{}", b.name);
        let added = b
            .store
            .add_address(t, c, sparse_address(), 10, now())
            .await
            .unwrap()
            .unwrap();
        let mut expected = cities.clone();
        expected.push(added.data.city.clone());
        assert_eq!(
            summary(&read(&b.store, t, &access).await.unwrap()).2,
            expected,
            "{}",
            b.name
        );
        let mut data = added.data.clone();
        data.city = "Elsewhere".into();
        let moved = b
            .store
            .update_address(t, c, added.id, added.version, data, now())
            .await
            .unwrap()
            .unwrap();
        *expected.last_mut().unwrap() = "Elsewhere".into();
        assert_eq!(
            summary(&read(&b.store, t, &access).await.unwrap()).2,
            expected,
            "{}",
            b.name
        );
        b.store
            .delete_address(t, c, added.id, moved.version, false, now())
            .await
            .unwrap();
        assert_eq!(
            summary(&read(&b.store, t, &access).await.unwrap()).2,
            cities,
            "{}",
            b.name
        );

        // Behind the store's back: the user's and the customer's rows.
        execute(
            &b.db,
            &format!("UPDATE users SET title = 'Behind' WHERE id = {}", u.get()),
        );
        assert_eq!(
            summary(&read(&b.store, t, &access).await.unwrap()).0.as_deref(),
            Some("Behind"),
            "{}",
            b.name
        );
        execute(
            &b.db,
            &format!("UPDATE customers SET number = 'K2' WHERE id = {}", c.get()),
        );
        assert_eq!(
            summary(&read(&b.store, t, &access).await.unwrap()).1,
            "K2",
            "{}",
            b.name
        );

        // An account with more than ten addresses is not kept: read each time, so even
        // an address edited behind the store's back shows at once.
        for _ in 0..9 {
            b.store
                .add_address(t, c, sparse_address(), 20, now())
                .await
                .unwrap()
                .unwrap();
        }
        assert_eq!(read(&b.store, t, &access).await.unwrap().2.len(), 11, "{}", b.name);
        execute(
            &b.db,
            &format!("UPDATE addresses SET city = 'Raw' WHERE customer_id = {}", c.get()),
        );
        let cities = summary(&read(&b.store, t, &access).await.unwrap()).2;
        assert!(cities.iter().all(|city| city == "Raw"), "{}: {cities:?}", b.name);

        // The session is checked on every read, whatever is cached.
        b.store.revoke_user(t, u, now()).await.unwrap();
        assert!(!live(&b.store, t, &access).await, "{}", b.name);
        // And the user is the store's, not the cache's, after all.
        assert_eq!(
            UserRepository::by_id(&b.store, t, u)
                .await
                .unwrap()
                .unwrap()
                .login
                .as_str(),
            "renamed@example.com",
            "{}",
            b.name
        );
    }
}

/// A login that verified a remembered password hash (`RecentLogins`) stores its session
/// only while the user still has that login and hash, is active and not locked, and the
/// customer is active; otherwise nothing is written. Each change below is made behind
/// the store's back, as another instance or a script would.
#[tokio::test]
async fn a_remembered_login_is_stored_only_while_the_user_is_as_remembered() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let mut new = private_account("memo@example.com", "M1");
        new.users[0].password_hash = Some(PasswordHash::from_phc("$argon2id$old".into()));
        let acc = b.store.create_account(t, new, now()).await.unwrap();
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let current = CurrentLogin {
            login_key: "memo@example.com".into(),
            password_hash: PasswordHash::from_phc("$argon2id$old".into()),
        };
        let attempt = |current: CurrentLogin| {
            let store = b.store.clone();
            let access = TokenDigest::new(public_id().as_str().to_owned());
            let new = NewSession {
                family: public_id(),
                subject: Subject::User { customer: c, user: u },
                tokens: TokenDigests {
                    access: access.clone(),
                    access_expires_at: now() + Duration::minutes(5),
                    refresh: TokenDigest::new(public_id().as_str().to_owned()),
                    refresh_expires_at: now() + Duration::days(1),
                },
            };
            async move {
                let stored = store.insert_if_current(t, new, current, now()).await.unwrap();
                let live = store.by_access_with_account(t, &access, now()).await.unwrap().is_some();
                assert_eq!(stored.is_some(), live, "a session is live exactly when one was stored");
                stored
            }
        };
        let sql = |sql: String| execute(&b.db, &sql);

        // As remembered, after failed logins and an expired lock: stored, and the login
        // clears both, as a login does.
        sql(format!(
            "UPDATE users SET failed_logins = 3, locked_until = '2026-11-23 10:00:00' WHERE id = {}",
            u.get()
        ));
        let session = attempt(current.clone()).await.expect("stored");
        assert_eq!(session.principal().unwrap().customer, c, "{}", b.name);
        let user = UserRepository::by_id(&b.store, t, u).await.unwrap().unwrap();
        assert_eq!((user.failed_logins, user.locked_until), (0, None), "{}", b.name);

        // Each change refuses the remembered login, and undoing it accepts it again.
        let changes = [
            ("password_hash = '$argon2id$new'", "password_hash = '$argon2id$old'"),
            ("login_key = 'other@example.com'", "login_key = 'memo@example.com'"),
            ("active = false", "active = true"),
            ("locked_until = '2026-11-23 11:00:00'", "locked_until = NULL"),
        ];
        for (change, undo) in changes {
            sql(format!("UPDATE users SET {change} WHERE id = {}", u.get()));
            assert!(attempt(current.clone()).await.is_none(), "{}: {change}", b.name);
            let user = UserRepository::by_id(&b.store, t, u).await.unwrap().unwrap();
            assert_eq!(
                user.last_login_at,
                Some(stored(now())),
                "{}: {change} wrote nothing",
                b.name
            );
            sql(format!("UPDATE users SET {undo} WHERE id = {}", u.get()));
            assert!(attempt(current.clone()).await.is_some(), "{}: {undo}", b.name);
        }
        sql(format!(
            "UPDATE customers SET status = 'login_blocked' WHERE id = {}",
            c.get()
        ));
        assert!(attempt(current.clone()).await.is_none(), "{}: blocked customer", b.name);
        sql(format!("UPDATE customers SET status = 'active' WHERE id = {}", c.get()));
        assert!(attempt(current).await.is_some(), "{}: unblocked", b.name);
    }
}

/// A back office's switches are written with the profile change, and end the sessions
/// they must in the same transaction.
#[tokio::test(flavor = "multi_thread")]
async fn switches_deactivate_block_and_unblock_with_the_profile() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let acc = b
            .store
            .create_account(t, private_account("switch@example.com", "S1"), now())
            .await
            .unwrap();
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let change = ProfileChange {
            person: acc.users[0].person.clone(),
            email: acc.users[0].email.clone(),
            company: None,
            custom: Default::default(),
            preferred_invoice: None,
            preferred_shipping: None,
        };
        let write = |version: i64, switches: AccountSwitches| {
            b.store
                .update_profile(t, c, u, version, change.clone(), switches, now())
        };
        let status = || async { CustomerRepository::by_id(&b.store, t, c).await.unwrap().unwrap() };

        let access = open_session(&b.store, t, c, u).await;
        let block = AccountSwitches::new(None, Some(true));
        assert_eq!(
            write(acc.customer.version, block).await.unwrap(),
            ProfileWrite::Written,
            "{}",
            b.name
        );
        let blocked = status().await;
        assert_eq!(blocked.status, CustomerStatus::LoginBlocked, "{}", b.name);
        assert!(
            !live(&b.store, t, &access).await,
            "{}: blocking ends the sessions",
            b.name
        );

        let unblock = AccountSwitches::new(None, Some(false));
        assert_eq!(
            write(blocked.version, unblock).await.unwrap(),
            ProfileWrite::Written,
            "{}",
            b.name
        );
        let unblocked = status().await;
        assert_eq!(unblocked.status, CustomerStatus::Active, "{}", b.name);

        let access = open_session(&b.store, t, c, u).await;
        let deactivate = AccountSwitches::new(Some(false), None);
        // A stale version writes nothing, switches included.
        assert_eq!(
            write(blocked.version, deactivate).await.unwrap(),
            ProfileWrite::Moved,
            "{}",
            b.name
        );
        assert!(
            UserRepository::by_id(&b.store, t, u).await.unwrap().unwrap().active,
            "{}",
            b.name
        );
        assert!(live(&b.store, t, &access).await, "{}", b.name);
        assert_eq!(
            write(unblocked.version, deactivate).await.unwrap(),
            ProfileWrite::Written,
            "{}",
            b.name
        );
        assert!(
            !UserRepository::by_id(&b.store, t, u).await.unwrap().unwrap().active,
            "{}",
            b.name
        );
        assert!(
            !live(&b.store, t, &access).await,
            "{}: deactivating ends the user's sessions",
            b.name
        );
    }
}

/// Writes that block a customer, deactivate a user, give it a new login or a new
/// password end the sessions in their own transaction.
#[tokio::test(flavor = "multi_thread")]
async fn writes_that_block_deactivate_or_change_credentials_end_sessions_in_their_transaction() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let account = |login: &str, number: &str| {
            let store = b.store.clone();
            let new = private_account(login, number);
            async move { store.create_account(t, new, now()).await.unwrap() }
        };

        // Blocking (ICM 11 / Emporix admin): every session of the customer.
        let acc = account("block@example.com", "E1").await;
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let access = open_session(&b.store, t, c, u).await;
        let blocked = b
            .store
            .administer_customer(t, c, None, CustomerStatus::LoginBlocked, Default::default(), now())
            .await
            .unwrap();
        assert!(blocked && !live(&b.store, t, &access).await, "{}", b.name);

        // Deactivating a user.
        let acc = account("off@example.com", "E2").await;
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let access = open_session(&b.store, t, c, u).await;
        let user = &acc.users[0];
        let edit = UserEdit {
            person: user.person.clone(),
            email: user.email.clone(),
            active: false,
            roles: vec![],
            external: Default::default(),
        };
        assert!(b.store.administer_user(t, c, u, edit, None, now()).await.unwrap());
        assert!(!live(&b.store, t, &access).await, "{}", b.name);

        // A company deactivating one of its users (B2B).
        let acc = account("member@example.com", "E6").await;
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let access = open_session(&b.store, t, c, u).await;
        assert!(b
            .store
            .set_active(t, c, u, false, "APP_B2B_ACCOUNT_OWNER", now())
            .await
            .unwrap());
        assert!(!live(&b.store, t, &access).await, "{}", b.name);

        // WEBSALE: the same e-mail keeps the sessions, a new one (the login) ends them.
        let acc = account("mail@example.com", "E3").await;
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let access = open_session(&b.store, t, c, u).await;
        let edit = |email: &str| AccountEdit {
            number: None,
            email: Some(Email::parse(email).unwrap()),
            settings: Default::default(),
        };
        assert!(
            AccountRepository::update(&b.store, t, c, Some(u), edit("mail@example.com"), now())
                .await
                .unwrap()
        );
        assert!(
            live(&b.store, t, &access).await,
            "{}: an unchanged login keeps its sessions",
            b.name
        );
        assert!(
            AccountRepository::update(&b.store, t, c, Some(u), edit("new@example.com"), now())
                .await
                .unwrap()
        );
        assert!(!live(&b.store, t, &access).await, "{}", b.name);

        // A new password.
        let acc = account("pass@example.com", "E5").await;
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let access = open_session(&b.store, t, c, u).await;
        let hash = PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        let ended = b.store.set_password(t, u, hash, 2, now()).await.unwrap();
        assert!(ended == 1 && !live(&b.store, t, &access).await, "{}", b.name);

        // An import that puts a known customer on hold.
        let acc = account("held@example.com", "E4").await;
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let access = open_session(&b.store, t, c, u).await;
        let mut again = private_account("held@example.com", "E4");
        again.customer.status = CustomerStatus::LoginBlocked;
        let keep = Keep {
            addresses: true,
            active: true,
            status: false,
        };
        let (_, created) = b.store.upsert_account(t, again, keep, now()).await.unwrap();
        assert!(!created && !live(&b.store, t, &access).await, "{}", b.name);
        // Both blocks recorded since when (WEBSALE's loginBlockedAt).
        let since = clientele_store::testing::column_texts(
            &b.db.url,
            "SELECT number AS v FROM customers WHERE blocked_at > '2000-01-01' ORDER BY number",
        );
        assert_eq!(since, ["E1", "E4"], "{}", b.name);
    }
}

/// A PostgreSQL login commits without waiting for the WAL flush (its one statement turns
/// `synchronous_commit` off), for its own transaction only: the next transaction on the
/// same connection waits again. A trigger records the setting each session insert saw.
#[tokio::test(flavor = "multi_thread")]
async fn a_login_skips_the_wal_flush_for_its_own_transaction_only() {
    let Some(db) = clientele_store::testing::TestDatabase::postgres() else {
        return;
    };
    // One connection, so every statement below runs on the same one.
    let config = clientele_store::StoreConfig {
        pool_size: 1,
        ..support::config(&db.url)
    };
    let store = Store::open(&config).unwrap();
    store.migrate().await.unwrap();
    let t = tenant(&store, "shop").await.id;
    let acc = store
        .create_account(t, private_account("wal@example.com", "W1"), now())
        .await
        .unwrap();
    for sql in [
        "CREATE TABLE seen (n serial PRIMARY KEY, setting text NOT NULL)",
        "CREATE FUNCTION record_setting() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         INSERT INTO seen (setting) VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$",
        "CREATE TRIGGER record_setting AFTER INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION record_setting()",
    ] {
        execute(&db, sql);
    }
    let (c, u) = (acc.customer.id, acc.users[0].id);
    for _ in 0..2 {
        open_session(&store, t, c, u).await;
        insert_session(&store, t, Subject::Anonymous).await;
    }
    let seen = clientele_store::testing::column_texts(&db.url, "SELECT setting AS v FROM seen ORDER BY n");
    assert_eq!(seen, ["off", "on", "off", "on"]);
    drop(store);
}
