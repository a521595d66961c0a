//! The account a token-authenticated request reads with its session, on both backends.
//! The store keeps it in memory and uses it only while the database's row versions of
//! the user and the customer are unchanged: every change through the
//! store shows on the next read, and so does a change to the user's or the customer's
//! row made behind the store's back (by a script).

mod support;

use chrono::Duration;
use clientele_domain::addresses::AddressRepository;
use clientele_domain::customers::CustomerRepository;
use clientele_domain::identity::{AccountParts, NewSession, SessionRepository, Subject, TokenDigest, TokenDigests};
use clientele_domain::ids::TenantId;
use clientele_domain::users::UserRepository;
use clientele_domain::values::Login;
use clientele_store::Store;
use support::{backends, execute, full_account, now, public_id, sparse_address, tenant};

async fn read(store: &Store, t: TenantId, access: &TokenDigest) -> Option<AccountParts> {
    let (_, parts) = store
        .by_access_with_account(t, access, now())
        .await
        .unwrap()
        .expect("a live session");
    parts
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
        let access = TokenDigest::new(public_id().as_str().to_owned());
        let session = NewSession {
            family: public_id(),
            subject: Subject::User { customer: c, user: u },
            tokens: TokenDigests {
                access: access.clone(),
                access_expires_at: now() + Duration::minutes(5),
                refresh: TokenDigest::new(public_id().as_str().to_owned()),
                refresh_expires_at: now() + Duration::days(1),
            },
        };
        SessionRepository::insert(&b.store, t, session, now()).await.unwrap();

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
        assert!(
            b.store
                .by_access_with_account(t, &access, now())
                .await
                .unwrap()
                .is_none(),
            "{}",
            b.name
        );
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
