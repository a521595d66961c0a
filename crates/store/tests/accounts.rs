//! Back-office accounts in the store, with the clock in the test's hand: links at most
//! once a day, login links once and for 30 seconds, keyset pages in every sort.

mod support;

use chrono::Duration;
use clientele_domain::accounts::{
    AccountFilter, AccountQuery, AccountRepository, AccountSort, After, LinkKind, LinkMail, LINK_COOLDOWN_HOURS,
    LOGIN_LINK_TTL_SECS,
};
use clientele_domain::addresses::AddressRepository;
use clientele_domain::customers::CustomerRepository;
use clientele_domain::error::UniqueRule;
use clientele_domain::identity::{CodePurpose, NewCode, TokenDigest};
use clientele_domain::mail::{MailKind, OutgoingMail};
use clientele_domain::values::Email;
use clientele_domain::StoreError;
use support::{backends, count, execute, now, private_account, tenant};

fn link(kind: LinkKind, user: clientele_domain::ids::UserId, at: chrono::DateTime<chrono::Utc>) -> LinkMail {
    LinkMail {
        kind,
        user,
        code: NewCode {
            purpose: CodePurpose::PasswordReset,
            digest: TokenDigest::new(format!("digest-{at}")),
            expires_at: at + Duration::hours(24),
            new_email: None,
            sync_contact_email: false,
        },
        mail: OutgoingMail::new(MailKind::PasswordReset, Email::parse("a@example.com").unwrap())
            .with_param("link", "https://shop/x"),
        not_since: at - Duration::hours(LINK_COOLDOWN_HOURS),
        by: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_of_each_kind_goes_at_most_once_a_day() {
    for b in backends().await {
        let t = tenant(&b.store, "demo").await;
        let account = b
            .store
            .create_account(t.id, private_account("a@example.com", "A-1"), now())
            .await
            .unwrap();
        let (cu, user) = (account.customer.id, account.users[0].id);
        let send = |kind, at| {
            let store = b.store.clone();
            async move {
                store
                    .send_link(t.id, cu, link(kind, user, at), at + Duration::hours(24), at)
                    .await
                    .unwrap()
            }
        };
        assert!(send(LinkKind::PasswordReset, now()).await, "{}", b.name);
        assert!(
            !send(LinkKind::PasswordReset, now() + Duration::hours(23)).await,
            "{}: within 24 h",
            b.name
        );
        assert!(
            send(LinkKind::Invitation, now() + Duration::hours(1)).await,
            "{}: another kind",
            b.name
        );
        assert!(
            send(LinkKind::PasswordReset, now() + Duration::hours(24)).await,
            "{}: after 24 h",
            b.name
        );
        let details = b.store.details(t.id, vec![cu]).await.unwrap();
        let links = &details[&cu].1.links;
        assert_eq!(
            links.reset_asked_at.map(support::stored),
            Some(support::stored(now() + Duration::hours(24)))
        );
        assert_eq!(
            links.invited_at.map(support::stored),
            Some(support::stored(now() + Duration::hours(1)))
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_link_works_once_and_only_for_its_seconds() {
    for b in backends().await {
        let t = tenant(&b.store, "demo").await;
        let account = b
            .store
            .create_account(t.id, private_account("a@example.com", "A-1"), now())
            .await
            .unwrap();
        let user = account.users[0].id;
        let expires = now() + Duration::seconds(LOGIN_LINK_TTL_SECS);
        for key in ["k1", "k2"] {
            b.store
                .create_login_link(t.id, user, TokenDigest::new(key.into()), expires)
                .await
                .unwrap();
        }
        let spend = |key: &str, at| {
            let store = b.store.clone();
            let digest = TokenDigest::new(key.into());
            async move { store.spend_login_link(t.id, digest, at).await.unwrap() }
        };
        assert_eq!(
            spend("k1", now() + Duration::seconds(29)).await,
            Some(user),
            "{}",
            b.name
        );
        assert_eq!(
            spend("k1", now() + Duration::seconds(29)).await,
            None,
            "{}: used",
            b.name
        );
        assert_eq!(
            spend("k2", now() + Duration::seconds(31)).await,
            None,
            "{}: expired",
            b.name
        );
        assert_eq!(spend("k3", now()).await, None, "{}: unknown", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keyset_pages_cover_every_row_once_in_every_sort() {
    for b in backends().await {
        let t = tenant(&b.store, "demo").await;
        // Equal creation times, so ties are broken by the key.
        for i in 0..7 {
            let at = now() + Duration::seconds(i / 3);
            b.store
                .create_account(
                    t.id,
                    private_account(&format!("u{i}@example.com"), &format!("N-{}", 7 - i)),
                    at,
                )
                .await
                .unwrap();
        }
        for sort in [
            AccountSort::Id,
            AccountSort::Number,
            AccountSort::CreatedAt,
            AccountSort::UpdatedAt,
            AccountSort::BlockedAt,
        ] {
            for descending in [false, true] {
                let (mut seen, mut after): (Vec<i64>, Option<After>) = (vec![], None);
                loop {
                    let q = AccountQuery {
                        filters: vec![AccountFilter::Deleted(false)],
                        sort,
                        descending,
                        after: after.clone(),
                        limit: 3,
                    };
                    let (page, total) = b.store.page(t.id, q).await.unwrap();
                    assert_eq!(total, 7);
                    seen.extend(page.iter().map(|(c, _)| c.id.get()));
                    match page.last() {
                        Some((_, a)) if page.len() == 3 => after = Some(a.clone()),
                        _ => break,
                    }
                }
                let mut unique = seen.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(
                    (seen.len(), unique.len()),
                    (7, 7),
                    "{}: {sort:?} desc={descending}: {seen:?}",
                    b.name
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_totals_follow_every_write() {
    for b in backends().await {
        let t = tenant(&b.store, "demo").await;
        let other = tenant(&b.store, "other").await;
        for i in 0..6 {
            let account = private_account(&format!("c{i}@example.com"), &format!("C-{i}"));
            b.store.create_account(t.id, account, now()).await.unwrap();
        }
        let elsewhere = private_account("c0@example.com", "C-0");
        b.store.create_account(other.id, elsewhere, now()).await.unwrap();
        let tid = t.id.get();
        execute(
            &b.db,
            &format!(
                "UPDATE customers SET status = 'login_blocked' WHERE tenant_id = {tid} AND number IN ('C-0', 'C-1')"
            ),
        );
        execute(
            &b.db,
            &format!("UPDATE customers SET status = 'deleted' WHERE tenant_id = {tid} AND number = 'C-2'"),
        );
        execute(&b.db, "UPDATE customers SET updated_at = updated_at");
        execute(
            &b.db,
            &format!("DELETE FROM customers WHERE tenant_id = {tid} AND number IN ('C-3', 'C-1')"),
        );
        let total = |filters: Vec<AccountFilter>| {
            let store = &b.store;
            async move {
                let q = AccountQuery {
                    filters,
                    sort: AccountSort::Id,
                    descending: false,
                    after: None,
                    limit: 1,
                };
                store.page(t.id, q).await.unwrap().1
            }
        };
        let expected = [
            (vec![], 3),
            (vec![AccountFilter::Blocked(true)], 1),
            (vec![AccountFilter::Blocked(false)], 2),
            (vec![AccountFilter::Deleted(true)], 1),
            (vec![AccountFilter::Deleted(false)], 3),
            (vec![AccountFilter::Deleted(true), AccountFilter::Blocked(true)], 0),
        ];
        for (filters, n) in expected {
            assert_eq!(total(filters.clone()).await, n, "{}: {filters:?}", b.name);
        }

        // PostgreSQL appends a change row per statement; a read folds them when they pile up.
        if b.name == "postgres" {
            execute(
                &b.db,
                &format!(
                    "INSERT INTO customer_counts (tenant_id, status, n) \
                     SELECT {tid}, 'active', 0 FROM generate_series(1, 300)"
                ),
            );
            assert_eq!(total(vec![]).await, 3);
            let rows = count(&b.db, &format!("customer_counts WHERE tenant_id = {tid}"));
            assert!(rows <= 3, "{rows} rows left after the fold");
            assert_eq!(total(vec![]).await, 3);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_written_together_refuse_only_the_taken_ones() {
    for b in backends().await {
        let t = tenant(&b.store, "demo").await;
        let before = private_account("taken@example.com", "N-1");
        b.store.create_account(t.id, before, now()).await.unwrap();
        let with_phone = |login: &str, number: &str, phone: &str| {
            let mut account = private_account(login, number);
            account.settings = Some(clientele_domain::accounts::AccountSettings {
                phone: Some(phone.into()),
                ..Default::default()
            });
            account
        };
        let mut with_addresses = private_account("a@example.com", "N-2");
        with_addresses.addresses = vec![support::full_address(), support::sparse_address()];
        let given: Vec<String> = with_addresses
            .addresses
            .iter()
            .map(|a| a.public_id.as_str().to_owned())
            .collect();
        let batch = vec![
            with_addresses,
            private_account("taken@example.com", "N-3"),
            private_account("b@example.com", "N-1"),
            with_phone("c@example.com", "N-4", "+49 1"),
            private_account("C@example.com", "N-5"),
            with_phone("d@example.com", "N-6", "+49 1"),
            with_phone("e@example.com", "N-7", "+49 2"),
        ];
        let written = b.store.create_accounts(t.id, batch, now()).await.unwrap();
        let first = *written[0].as_ref().unwrap();
        let stored: Vec<String> = b
            .store
            .list_for_customer(t.id, first)
            .await
            .unwrap()
            .iter()
            .map(|a| a.public_id.as_str().to_owned())
            .collect();
        assert_eq!(stored, given, "{}: the addresses in the given order", b.name);
        assert_eq!(count(&b.db, "addresses"), 2, "{}", b.name);
        let mut outcome: Vec<Result<String, StoreError>> = Vec::new();
        for id in written {
            outcome.push(match id {
                Ok(id) => Ok(b
                    .store
                    .by_id(t.id, id)
                    .await
                    .unwrap()
                    .unwrap()
                    .number
                    .as_str()
                    .to_owned()),
                Err(e) => Err(e),
            });
        }
        assert_eq!(
            outcome,
            [
                Ok("N-2".to_owned()),
                Err(StoreError::Duplicate(UniqueRule::UserLogin)),
                Err(StoreError::Duplicate(UniqueRule::CustomerNumber)),
                Ok("N-4".to_owned()),
                Err(StoreError::Duplicate(UniqueRule::UserLogin)),
                Err(StoreError::Duplicate(UniqueRule::Phone)),
                Ok("N-7".to_owned()),
            ],
            "{}",
            b.name
        );
        assert_eq!(count(&b.db, "customers"), 4, "{}", b.name);
        assert_eq!(count(&b.db, "users"), 4, "{}", b.name);
        assert_eq!(count(&b.db, "account_settings"), 2, "{}", b.name);
        // Refused with a phone that an earlier request took.
        let again = b
            .store
            .create_accounts(t.id, vec![with_phone("f@example.com", "N-8", "+49 2")], now())
            .await
            .unwrap();
        assert!(
            matches!(again[0], Err(StoreError::Duplicate(UniqueRule::Phone))),
            "{}",
            b.name
        );
        // A violation the look-ups do not foresee (here a public id twice; in life a
        // concurrent writer) falls back to one account at a time.
        let first = private_account("g@example.com", "N-9");
        let mut twin = private_account("h@example.com", "N-10");
        twin.customer.public_id = first.customer.public_id.clone();
        let written = b
            .store
            .create_accounts(t.id, vec![first, twin, private_account("i@example.com", "N-11")], now())
            .await
            .unwrap();
        assert!(written[0].is_ok(), "{}: {written:?}", b.name);
        assert!(
            matches!(written[1], Err(StoreError::Duplicate(UniqueRule::PublicId))),
            "{}: {written:?}",
            b.name
        );
        assert!(written[2].is_ok(), "{}: {written:?}", b.name);
        assert_eq!(count(&b.db, "customers"), 6, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_larger_than_one_statement_takes_is_written_whole() {
    for b in backends().await {
        let t = tenant(&b.store, "demo").await;
        let batch: Vec<_> = (0..1100)
            .map(|i| {
                let mut account = private_account(&format!("many{i}@example.com"), &format!("M-{i}"));
                account.addresses = vec![support::sparse_address(), support::sparse_address()];
                account
            })
            .collect();
        let written = b.store.create_accounts(t.id, batch, now()).await.unwrap();
        assert!(written.iter().all(Result::is_ok), "{}", b.name);
        let last = *written[1099].as_ref().unwrap();
        assert_eq!(
            b.store.list_for_customer(t.id, last).await.unwrap().len(),
            2,
            "{}",
            b.name
        );
        assert_eq!(count(&b.db, "customers"), 1100, "{}", b.name);
        assert_eq!(count(&b.db, "addresses"), 2200, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_written_together_carry_their_users_search_fields() {
    for b in backends().await {
        let t = tenant(&b.store, "demo").await;
        let people = [
            ("ann@example.com", "S-1", "Ann", "Smith", "Ann@Example.com"),
            // Names are lower-cased in ASCII only (PostgreSQL: COLLATE "C"; SQLite).
            ("bo@example.com", "S-2", "BÖRGE", "ÄRGER", "bo@example.com"),
            // E-mails fully; Rust lower-cases İ to two characters, PostgreSQL to one.
            ("ilk@example.com", "S-3", "İlknur", "KIZIL", "İlknur@example.com"),
        ];
        let batch: Vec<_> = people
            .iter()
            .map(|(login, number, first, last, email)| {
                let mut account = private_account(login, number);
                let user = &mut account.users[0];
                user.person.first_name = Some((*first).into());
                user.person.last_name = Some((*last).into());
                user.email = clientele_domain::values::Email::parse(email).unwrap();
                account
            })
            .collect();
        let written = b.store.create_accounts(t.id, batch, now()).await.unwrap();
        assert!(written.iter().all(Result::is_ok), "{}: {written:?}", b.name);
        // Each customer's copy is its user's fields as the database lower-cases them.
        let copied = count(
            &b.db,
            "customers c JOIN users u ON u.id = c.primary_user_id
             WHERE c.search_login = u.login_key AND c.search_email = lower(u.email)
               AND c.search_first_name = lower(u.first_name) AND c.search_last_name = lower(u.last_name)
               AND c.user_active = u.active",
        );
        assert_eq!(copied, 3, "{}", b.name);
        if b.name == "postgres" {
            // Written once: only the customer whose case mapping differs got a second
            // row version (after the batch's three, on the table's first page).
            assert_eq!(
                count(&b.db, "customers WHERE ctid > '(0,3)' AND number = 'S-3'"),
                1,
                "{}",
                b.name
            );
            assert_eq!(count(&b.db, "customers WHERE ctid > '(0,3)'"), 1, "{}", b.name);
        }
    }
}
