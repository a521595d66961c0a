//! A company's users on both backends: the list (filter case-insensitive with `%` and
//! `_` literal, every sort in both directions, paging without overlap, past the end),
//! and role changes that always leave an active account administrator.

mod support;

use clientele_domain::customers::{Actor, CustomerRepository};
use clientele_domain::users::{UserQuery, UserRepository, UserSort};
use support::{backends, full_account, now, private_account, tenant, user};

fn query(filter: Option<&str>, sort: UserSort, descending: bool, offset: u64, limit: u64) -> UserQuery {
    UserQuery {
        filter: filter.map(str::to_owned),
        sort,
        descending,
        offset,
        limit,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_user_list_filters_sorts_and_pages_alike_on_both_backends() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let mut new = full_account("owner@example.com", "B1");
        new.users.clear();
        for (login, first, last) in [
            ("zoe@example.com", Some("Zoe"), Some("Adams")),
            ("max@example.com", Some("Max"), Some("Müller")),
            ("anna@example.com", Some("anna"), Some("Zander")),
            ("x_y@example.com", None, None),
            ("bob%@example.com", Some("Bob"), Some("Adams")),
        ] {
            let mut u = user(login);
            u.person.first_name = first.map(str::to_owned);
            u.person.last_name = last.map(str::to_owned);
            new.users.push(u);
        }
        let acc = b.store.create_account(t, new, now()).await.unwrap();
        b.store
            .create_account(t, private_account("other@example.com", "P1"), now())
            .await
            .unwrap();
        let c = acc.customer.id;
        let logins = |q: UserQuery| {
            let store = &b.store;
            async move {
                let page = store.page_for_customer(t, c, q).await.unwrap();
                (
                    page.users
                        .iter()
                        .map(|u| u.login.as_str().to_owned())
                        .collect::<Vec<_>>(),
                    page.total,
                )
            }
        };

        let (all, total) = logins(query(None, UserSort::Name, false, 0, 50)).await;
        assert_eq!(total, 5, "{}", b.name);
        // No last name sorts first (as ""), then Adams (Bob before Zoe), Müller, Zander.
        assert_eq!(
            all,
            [
                "x_y@example.com",
                "bob%@example.com",
                "zoe@example.com",
                "max@example.com",
                "anna@example.com"
            ],
            "{}",
            b.name
        );
        let (desc, _) = logins(query(None, UserSort::Name, true, 0, 50)).await;
        assert_eq!(desc, all.iter().rev().cloned().collect::<Vec<_>>(), "{}", b.name);
        let (by_login, _) = logins(query(None, UserSort::Login, false, 0, 50)).await;
        assert_eq!(by_login[0], "anna@example.com", "{}", b.name);
        let (by_first, _) = logins(query(None, UserSort::FirstName, false, 0, 50)).await;
        // Byte order: "" < "Bob" < "Max" < "Zoe" < "anna".
        assert_eq!(
            by_first[1..],
            [
                "bob%@example.com",
                "max@example.com",
                "zoe@example.com",
                "anna@example.com"
            ],
            "{}",
            b.name
        );

        // Pages of two: no overlap, no gap; past the end is empty with the total.
        let mut paged = Vec::new();
        for offset in [0, 2, 4] {
            paged.extend(logins(query(None, UserSort::Name, false, offset, 2)).await.0);
        }
        assert_eq!(paged, all, "{}", b.name);
        assert_eq!(
            logins(query(None, UserSort::Name, false, 10, 2)).await,
            (vec![], 5),
            "{}",
            b.name
        );

        // Filter: substring of first name, last name or login, any case; % and _ literal.
        assert_eq!(
            logins(query(Some("adams"), UserSort::Login, false, 0, 50)).await.1,
            2,
            "{}",
            b.name
        );
        assert_eq!(
            logins(query(Some("zan"), UserSort::Login, false, 0, 50)).await.0,
            ["anna@example.com"],
            "{}",
            b.name
        );
        assert_eq!(
            logins(query(Some("x_y"), UserSort::Login, false, 0, 50)).await.0,
            ["x_y@example.com"],
            "{}",
            b.name
        );
        assert_eq!(
            logins(query(Some("%"), UserSort::Login, false, 0, 50)).await.0,
            ["bob%@example.com"],
            "{}",
            b.name
        );
        assert_eq!(
            logins(query(Some("_"), UserSort::Login, false, 0, 50)).await.0,
            ["x_y@example.com"],
            "{}",
            b.name
        );
        assert_eq!(
            logins(query(Some("other"), UserSort::Login, false, 0, 50)).await.1,
            0,
            "{}",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn role_changes_keep_an_active_administrator() {
    const OWNER: &str = "APP_B2B_ACCOUNT_OWNER";
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let mut new = full_account("ann@example.com", "B1");
        new.users = vec![user("ann@example.com"), user("ben@example.com")];
        for u in &mut new.users {
            u.roles = vec![OWNER.to_owned()];
        }
        let acc = b.store.create_account(t, new, now()).await.unwrap();
        let (c, ann, ben) = (acc.customer.id, acc.users[0].id, acc.users[1].id);
        let buyer = vec!["APP_B2B_BUYER".to_owned()];
        assert!(
            b.store.set_roles(t, c, ann, buyer.clone(), OWNER, now()).await.unwrap(),
            "{}",
            b.name
        );
        assert!(
            !b.store.set_roles(t, c, ben, buyer.clone(), OWNER, now()).await.unwrap(),
            "{}",
            b.name
        );
        let ben_now = UserRepository::by_id(&b.store, t, ben).await.unwrap().unwrap();
        assert_eq!(ben_now.roles, [OWNER], "{}: the refused change wrote nothing", b.name);
        let ann_now = UserRepository::by_id(&b.store, t, ann).await.unwrap().unwrap();
        assert_eq!(ann_now.roles, buyer, "{}", b.name);
        // Giving the role back works, and then Ben may step down.
        assert!(b
            .store
            .set_roles(t, c, ann, vec![OWNER.to_owned()], OWNER, now())
            .await
            .unwrap());
        assert!(
            b.store.set_roles(t, c, ben, buyer, OWNER, now()).await.unwrap(),
            "{}",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_users_keeps_an_administrator_and_records_it() {
    const OWNER: &str = "APP_B2B_ACCOUNT_OWNER";
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let mut new = full_account("ann@example.com", "B1");
        new.users = vec![user("ann@example.com"), user("ben@example.com"), user("cy@example.com")];
        new.users[0].roles = vec![OWNER.to_owned()];
        new.users[1].roles = vec![OWNER.to_owned()];
        let acc = b.store.create_account(t, new, now()).await.unwrap();
        let (c, ann, ben, cy) = (acc.customer.id, acc.users[0].id, acc.users[1].id, acc.users[2].id);
        assert!(
            b.store
                .remove_member(t, c, cy, OWNER, now(), Actor::default())
                .await
                .unwrap(),
            "{}",
            b.name
        );
        assert!(
            b.store
                .remove_member(t, c, ann, OWNER, now(), Actor::default())
                .await
                .unwrap(),
            "{}",
            b.name
        );
        assert!(
            !b.store
                .remove_member(t, c, ben, OWNER, now(), Actor::default())
                .await
                .unwrap(),
            "{}",
            b.name
        );
        assert!(
            UserRepository::by_id(&b.store, t, ben).await.unwrap().is_some(),
            "{}",
            b.name
        );
        assert_eq!(support::count(&b.db, "users"), 1, "{}", b.name);
        assert_eq!(support::count(&b.db, "deleted_records"), 2, "{}", b.name);
        assert!(CustomerRepository::by_id(&b.store, t, c).await.unwrap().is_some());
    }
}
