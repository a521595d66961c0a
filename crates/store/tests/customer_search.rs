//! Back-office customer search on both backends: the primary user's fields that each
//! customer row carries (kept by triggers) follow the users' inserts, edits and
//! deletions; pages read from either end give the same rows in the same order.

mod support;

use clientele_domain::administration::{CustomerQuery, CustomerSearchRepository, Filter, SearchField, TextMatch};
use clientele_domain::customers::{Account, AccountSwitches, Actor, CustomerRepository, ProfileChange, ProfileWrite};
use clientele_domain::ids::TenantId;
use clientele_domain::users::{PersonData, UserRepository};
use clientele_domain::values::{Email, Login};
use clientele_store::testing::column_texts;
use clientele_store::Store;
use support::{backends, full_account, now, private_account, tenant, user};

fn by_last_name(name: &str) -> Vec<Filter> {
    vec![Filter::Text(SearchField::LastName, TextMatch::Exact(name.into()))]
}

/// Numbers and primary users' logins of a page, and the total.
async fn search(
    store: &Store,
    t: TenantId,
    filters: Vec<Filter>,
    sort: Vec<(SearchField, bool)>,
    offset: u64,
    limit: u64,
) -> (Vec<(String, Option<String>)>, u64) {
    let query = CustomerQuery {
        filters,
        sort,
        offset,
        limit,
    };
    let (hits, total) = store.search_customers(t, query).await.unwrap();
    let hits = hits
        .into_iter()
        .map(|h| {
            (
                h.customer.number.as_str().to_owned(),
                h.user.map(|u| u.login.as_str().to_owned()),
            )
        })
        .collect();
    (hits, total)
}

/// A private customer's profile edit: its person and e-mail, nothing else.
fn private_profile(person: PersonData, email: &str) -> ProfileChange {
    ProfileChange {
        person,
        email: Email::parse(email).unwrap(),
        company: None,
        custom: Default::default(),
        preferred_invoice: None,
        preferred_shipping: None,
    }
}

fn actor() -> Actor {
    Actor {
        by: "operator".into(),
        request_id: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_primary_users_fields_follow_its_changes() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let mut company = full_account("owner@example.com", "B1");
        company.users.clear();
        for (login, first, last) in [
            ("zoe@example.com", "Zoe", "Adams"),
            ("max@example.com", "Max", "Müller"),
        ] {
            let mut u = user(login);
            u.person.first_name = Some(first.into());
            u.person.last_name = Some(last.into());
            company.users.push(u);
        }
        let company = b.store.create_account(t, company, now()).await.unwrap();
        // A colleague added later does not become the primary user.
        let mut late = user("abe@example.com");
        late.person.last_name = Some("Aardvark".into());
        b.store
            .add_member(t, company.customer.id, late, None, now())
            .await
            .unwrap();

        let found = search(&b.store, t, by_last_name("ADAMS"), vec![], 0, 10).await;
        assert_eq!(
            found,
            (vec![("B1".into(), Some("zoe@example.com".into()))], 1),
            "{}",
            b.name
        );
        for name in ["müller", "aardvark"] {
            assert_eq!(
                search(&b.store, t, by_last_name(name), vec![], 0, 10).await.1,
                0,
                "{}: {name}",
                b.name
            );
        }

        // Edits of the primary user are searchable at once.
        let zoe = company.users[0].id;
        let login = Login::parse("Zoe.Adams@Example.com").unwrap();
        assert!(b.store.set_login(t, zoe, &login, now()).await.unwrap(), "{}", b.name);
        let by_login = vec![Filter::Text(
            SearchField::Login,
            TextMatch::Contains("zoe.ADAMS".into()),
        )];
        let found = search(&b.store, t, by_login, vec![], 0, 10).await;
        assert_eq!(found.1, 1, "{}", b.name);

        // The primary user goes: the next one (by creation) takes its place.
        b.store
            .erase_user(t, company.customer.id, zoe, now(), actor())
            .await
            .unwrap();
        assert_eq!(
            search(&b.store, t, by_last_name("adams"), vec![], 0, 10).await.1,
            0,
            "{}",
            b.name
        );
        let found = search(&b.store, t, by_last_name("Müller"), vec![], 0, 10).await;
        assert_eq!(
            found,
            (vec![("B1".into(), Some("max@example.com".into()))], 1),
            "{}",
            b.name
        );

        // The whole customer goes: nothing of its users stays on its row.
        b.store
            .erase_customer(t, company.customer.id, now(), actor())
            .await
            .unwrap();
        let left = column_texts(
            &b.db.url,
            "SELECT coalesce(search_login, '') || coalesce(search_email, '') || coalesce(search_first_name, '') \
             || coalesce(search_last_name, '') AS v FROM customers WHERE number = 'B1'",
        );
        assert_eq!(left, [""], "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_from_either_end_are_the_same_rows_in_the_same_order() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        // Seven customers, last names with ties and one without a name.
        for (i, last) in ["Weber", "Adams", "Weber", "", "Adams", "Zorn", "Weber"]
            .iter()
            .enumerate()
        {
            let mut account = private_account(&format!("p{i}@example.com"), &format!("P{i}"));
            if !last.is_empty() {
                account.users[0].person.last_name = Some((*last).into());
            }
            b.store.create_account(t, account, now()).await.unwrap();
        }
        for sort in [
            vec![],
            vec![(SearchField::LastName, false)],
            vec![(SearchField::LastName, true)],
            vec![(SearchField::LastName, false), (SearchField::Number, true)],
        ] {
            let (all, total) = search(&b.store, t, vec![], sort.clone(), 0, 100).await;
            assert_eq!((all.len(), total), (7, 7), "{}: {sort:?}", b.name);
            // Pages of 2 and 3: the later ones are read from the end.
            for size in [2, 3] {
                let mut paged = Vec::new();
                for offset in (0..8).step_by(size) {
                    let (page, total) = search(&b.store, t, vec![], sort.clone(), offset as u64, size as u64).await;
                    assert_eq!(total, 7, "{}", b.name);
                    paged.extend(page);
                }
                assert_eq!(paged, all, "{}: {sort:?} in pages of {size}", b.name);
            }
        }
        let (weber, total) = search(&b.store, t, by_last_name("weber"), vec![], 1, 2).await;
        let numbers: Vec<&str> = weber.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!((numbers, total), (vec!["P2", "P6"], 3), "{}", b.name);
    }
}

/// A login change of a primary user writes its customer row too (the search copy);
/// profile updates write the customer and then the user. Run against each other, both
/// take the customer first, so neither deadlocks (on PostgreSQL one of them was
/// rolled back as a deadlock victim now and then).
#[tokio::test(flavor = "multi_thread")]
async fn login_changes_and_profile_updates_of_one_customer_do_not_deadlock() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let acc = b
            .store
            .create_account(t, private_account("race@example.com", "R1"), now())
            .await
            .unwrap();
        let (c, u) = (acc.customer.id, acc.users[0].id);
        for round in 0..150 {
            let version = CustomerRepository::by_id(&b.store, t, c)
                .await
                .unwrap()
                .unwrap()
                .version;
            let mut person = acc.users[0].person.clone();
            person.last_name = Some(format!("Racer{round}"));
            let change = private_profile(person, "race@example.com");
            let login = Login::parse(&format!("race{round}@example.com")).unwrap();
            let (profile, login) = tokio::join!(
                b.store
                    .update_profile(t, c, u, version, change, AccountSwitches::default(), now()),
                b.store.set_login(t, u, &login, now()),
            );
            assert_eq!(profile.unwrap(), ProfileWrite::Written, "{} round {round}", b.name);
            assert!(login.unwrap(), "{} round {round}", b.name);
        }
        let found = search(&b.store, t, by_last_name("racer149"), vec![], 0, 10).await;
        assert_eq!(
            found,
            (vec![("R1".into(), Some("race149@example.com".into()))], 1),
            "{}",
            b.name
        );
    }
}

/// Deep pages on PostgreSQL (from the 4th row here) seek past remembered anchors: each page
/// is that stretch of the whole list, across the customers without a name, in both
/// directions, filtered or not, and still after writes that add, remove or re-sort
/// customers (which make the anchors stale). SQLite walks; the same checks hold.
#[tokio::test(flavor = "multi_thread")]
async fn deep_pages_from_anchors_are_stretches_of_the_whole_list() {
    for b in backends().await {
        let store = b.store.clone().with_deep_pages_from(4);
        let t = tenant(&store, "shop").await.id;
        let names = [Some("Weber"), None, Some("Adams"), Some("Zorn"), None, Some("Berg")];
        let mut accounts = Vec::new();
        for i in 0..27 {
            let mut account = private_account(&format!("d{i}@example.com"), &format!("D{i:02}"));
            account.users[0].person.last_name = names[i % names.len()].map(Into::into);
            accounts.push(store.create_account(t, account, now()).await.unwrap());
        }
        let sorts = [
            vec![],
            vec![(SearchField::LastName, false)],
            vec![(SearchField::LastName, true)],
            vec![(SearchField::Number, true)],
        ];
        // Totals of filtered searches are remembered too: each write below changes one.
        let filters = [
            vec![],
            vec![Filter::Text(SearchField::Email, TextMatch::Contains("5".into()))],
            vec![Filter::Text(SearchField::LastName, TextMatch::Contains("Z".into()))],
        ];
        let check = |round: &'static str| {
            let store = store.clone();
            let (sorts, filters) = (sorts.clone(), filters.clone());
            async move {
                for sort in &sorts {
                    for filter in &filters {
                        let (all, total) = search(&store, t, filter.clone(), sort.clone(), 0, 1000).await;
                        assert_eq!(all.len() as u64, total, "{round}");
                        // Every fifth page first (later pages seek past the ends of
                        // earlier ones, with rows to skip), then every page, each twice
                        // (the second from the anchor just before it).
                        for step in [5, 1] {
                            for offset in (0..=all.len()).step_by(step) {
                                let want = &all[offset..all.len().min(offset + 3)];
                                for _ in 0..2 {
                                    let (page, n) =
                                        search(&store, t, filter.clone(), sort.clone(), offset as u64, 3).await;
                                    assert_eq!(
                                        (page.as_slice(), n),
                                        (want, total),
                                        "{}: {round}, {sort:?} {filter:?} at {offset}",
                                        b.name
                                    );
                                }
                            }
                        }
                    }
                }
            }
        };
        check("as created").await;

        // A primary user renamed to the other end of the order.
        let renamed = &accounts[2];
        let (c, u) = (renamed.customer.id, renamed.users[0].id);
        let version = CustomerRepository::by_id(&store, t, c).await.unwrap().unwrap().version;
        let mut person = renamed.users[0].person.clone();
        person.last_name = Some("Zzyzx".into());
        let change = private_profile(person, "d2@example.com");
        let written = store
            .update_profile(t, c, u, version, change, AccountSwitches::default(), now())
            .await
            .unwrap();
        assert_eq!(written, ProfileWrite::Written, "{}", b.name);
        check("after a rename").await;

        // A new customer, and one removed.
        store
            .create_account(t, private_account("d99@example.com", "D99"), now())
            .await
            .unwrap();
        store
            .erase_customer(t, accounts[5].customer.id, now(), actor())
            .await
            .unwrap();
        check("after an insert and an erasure").await;
    }
}

/// Gives a private customer's user another last name through a profile update.
async fn rename(store: &Store, t: TenantId, account: &Account, last: &str) {
    let version = CustomerRepository::by_id(store, t, account.customer.id)
        .await
        .unwrap()
        .unwrap()
        .version;
    let user = &account.users[0];
    let mut person = user.person.clone();
    person.last_name = Some(last.into());
    let change = private_profile(person, user.email.as_str());
    let written = store
        .update_profile(
            t,
            account.customer.id,
            user.id,
            version,
            change,
            AccountSwitches::default(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(written, ProfileWrite::Written);
}

/// How many live customers of tenant `t` the database finds with `column LIKE %piece%`
/// (the truth a search's total must equal).
fn live_matches(url: &str, t: TenantId, column: &str, piece: &str) -> u64 {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS v FROM customers WHERE tenant_id = {} \
         AND status <> 'deleted' AND {column} LIKE '%{piece}%'",
        t.get()
    );
    column_texts(url, &sql)[0].parse().unwrap()
}

/// Totals of name-substring searches (on PostgreSQL counted per distinct name from the
/// tallies of migration 000026) equal a count of the customers after every kind of
/// write that adds, renames, blocks or removes customers, written one by one or
/// together, and after the tallies of the names read were folded.
#[tokio::test(flavor = "multi_thread")]
async fn name_substring_totals_follow_every_change() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let other = tenant(&b.store, "other").await.id;
        let named = |login: &str, number: &str, first: &str, last: &str| {
            let mut a = private_account(login, number);
            a.users[0].person.first_name = Some(first.into());
            a.users[0].person.last_name = Some(last.into());
            a
        };
        // Together (one statement per table on PostgreSQL), one by one, and in another tenant.
        let together: Vec<_> = [
            ("Anna", "Hoffmann"),
            ("Ben", "Neumann"),
            ("Clara", "Schmidt"),
            ("Dora", "Mann"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (f, l))| named(&format!("t{i}@example.com"), &format!("T{i}"), f, l))
        .collect();
        let written = b.store.create_accounts(t, together, now()).await.unwrap();
        let ids: Vec<_> = written.into_iter().map(Result::unwrap).collect();
        let single = b
            .store
            .create_account(t, named("s@example.com", "S1", "Emil", "Baumann"), now())
            .await
            .unwrap();
        b.store
            .create_account(other, named("o@example.com", "O1", "Anna", "Hoffmann"), now())
            .await
            .unwrap();
        // A company: its name is searched too.
        b.store
            .create_account(t, full_account("firm@example.com", "B1"), now())
            .await
            .unwrap();

        let check = |when: &'static str| {
            let b = &b;
            async move {
                for (field, column, piece) in [
                    (SearchField::LastName, "search_last_name", "mann"),
                    (SearchField::LastName, "search_last_name", "ann"),
                    (SearchField::LastName, "search_last_name", "schmidt"),
                    (SearchField::LastName, "search_last_name", "zzz"),
                    (SearchField::FirstName, "search_first_name", "a"),
                    (SearchField::Company, "lower(company_name)", "söhne"),
                ] {
                    let truth = live_matches(&b.db.url, t, column, piece);
                    // Upper case: another search than the one before, so it is counted anew.
                    for asked in [piece.to_owned(), piece.to_uppercase()] {
                        let filters = vec![Filter::Text(field, TextMatch::Contains(asked.clone()))];
                        let total = search(&b.store, t, filters, vec![], 0, 100).await.1;
                        assert_eq!(total, truth, "{} {when}: {field:?} ~ {asked}", b.name);
                    }
                }
            }
        };
        check("after the creates").await;
        assert_eq!(live_matches(&b.db.url, t, "search_last_name", "mann"), 4, "{}", b.name);

        // Renamed through the profile (the users' trigger rewrites the customer's copy).
        rename(&b.store, t, &single, "Schmidt").await;
        check("after a rename").await;

        // Erased (no longer live), and blocked (still live). The erased customer's names,
        // and the renamed one's old last name, carried by no live customer now, have left
        // the tallies (PostgreSQL).
        b.store.erase_customer(t, ids[1], now(), actor()).await.unwrap();
        if b.name == "postgres" {
            let left = column_texts(
                &b.db.url,
                "SELECT name AS v FROM customer_name_tallies WHERE name IN ('ben', 'neumann', 'baumann')",
            );
            assert!(left.is_empty(), "names no live customer carries: {left:?}");
        }
        let blocked = b
            .store
            .administer_customer(
                t,
                ids[0],
                None,
                clientele_domain::customers::CustomerStatus::LoginBlocked,
                Default::default(),
                now(),
            )
            .await
            .unwrap();
        assert!(blocked, "{}", b.name);
        check("after an erasure and a block").await;

        // Many customers written one by one leave a change row each; a count folds the
        // rows of the names it read (PostgreSQL) and the totals stay.
        for i in 0..80 {
            b.store
                .create_account(
                    t,
                    named(&format!("f{i}@example.com"), &format!("F{i}"), "Fritz", "Foldmann"),
                    now(),
                )
                .await
                .unwrap();
        }
        check("after 80 single creates").await;
        check("after a fold").await;
        if b.name == "postgres" {
            let rows = column_texts(
                &b.db.url,
                "SELECT CAST(COUNT(*) AS TEXT) AS v FROM customer_name_tallies WHERE name = 'foldmann'",
            );
            assert_eq!(rows, ["1"], "the change rows of a name read are folded into one");
        }
    }
}

/// Renames and erasures (which delete the tally rows of names no live customer carries
/// any more, under the tenant's tally lock) run against each other and against searches
/// (which fold the rows of the names they read, when they get the lock): no write fails,
/// and the totals afterwards equal a count of the customers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn name_tallies_hold_under_concurrent_renames_erasures_and_searches() {
    const NAMES: [&str; 4] = ["Hoffmann", "Neumann", "Baumann", "Schmidt"];
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let mut accounts = Vec::new();
        for i in 0..45 {
            let mut a = private_account(&format!("c{i}@example.com"), &format!("C{i}"));
            a.users[0].person.last_name = Some(NAMES[i % 4].into());
            accounts.push(b.store.create_account(t, a, now()).await.unwrap());
        }
        let mut tasks = tokio::task::JoinSet::new();
        // Four writers rename ten customers each, five times; a fifth erases five others.
        for w in 0..4 {
            let store = b.store.clone();
            let mine: Vec<_> = accounts[w * 10..w * 10 + 10].to_vec();
            tasks.spawn(async move {
                for round in 0..5 {
                    for (k, acc) in mine.iter().enumerate() {
                        rename(&store, t, acc, &format!("{}{}", NAMES[(w + k + round) % 4], round % 2)).await;
                    }
                }
            });
        }
        let store = b.store.clone();
        let erased: Vec<_> = accounts[40..].iter().map(|a| a.customer.id).collect();
        tasks.spawn(async move {
            for id in erased {
                assert!(store.erase_customer(t, id, now(), actor()).await.unwrap());
            }
        });
        // Searchers: each search of a new spelling counts (and may fold) anew.
        for s in 0..2 {
            let store = b.store.clone();
            tasks.spawn(async move {
                for i in 0..40 {
                    let piece = if (i + s) % 2 == 0 { "MANN" } else { "mann" };
                    let filters = vec![Filter::Text(SearchField::LastName, TextMatch::Contains(piece.into()))];
                    let query = CustomerQuery {
                        filters,
                        sort: vec![],
                        offset: 0,
                        limit: 10,
                    };
                    store.search_customers(t, query).await.unwrap();
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap_or_else(|e| panic!("{}: {e}", b.name));
        }
        for piece in ["mann", "ann", "schmidt", "mann0", "1"] {
            let truth = live_matches(&b.db.url, t, "search_last_name", piece);
            for asked in [piece.to_owned(), piece.to_uppercase(), format!("{piece}%")] {
                let filters = vec![Filter::Text(SearchField::LastName, TextMatch::Contains(asked.clone()))];
                let total = search(&b.store, t, filters, vec![], 0, 10).await.1;
                let expected = if asked.ends_with('%') { 0 } else { truth };
                assert_eq!(total, expected, "{}: ~ {asked}", b.name);
            }
        }
        if b.name == "postgres" {
            // 45 creates and 200 renames appended over 400 last-name rows. The checks
            // above searched "mann" (9 of the 12 names) and "schmidt" (the other 3)
            // with nobody holding the lock, and a search folds the names it reads once
            // they have more than 64 rows beyond one per name: at most 12 + 2 × 64 left.
            let rows = column_texts(
                &b.db.url,
                "SELECT CAST(COUNT(*) AS TEXT) AS v FROM customer_name_tallies WHERE field = 'last'",
            );
            let rows: i64 = rows[0].parse().unwrap();
            assert!(rows <= 12 + 2 * 64, "{rows} last-name rows left");
        }
    }
}
