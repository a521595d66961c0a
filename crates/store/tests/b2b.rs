//! B2B persistence on both backends: cost centers (code unique per company, found by id
//! or code), buyers, spending (idempotency key and order event unique, sums by scope and
//! period, the audit kept when a user or cost center goes), user budgets, members added
//! with their invitation, deactivation that keeps an administrator, and API clients.

mod support;

use chrono::Duration;
use clientele_domain::api_clients::{ApiClientRepository, NewApiClient};
use clientele_domain::budgets::{Budget, BudgetPeriod, UserBudget};
use clientele_domain::cost_centers::{
    BuyerTerms, CostCenterData, CostCenterRepository, NewSpending, SpendScope, Spending, SpendingRepository,
};
use clientele_domain::customers::{Actor, CustomerRepository};
use clientele_domain::error::{StoreError, UniqueRule};
use clientele_domain::identity::{CodePurpose, NewCode, TokenDigest};
use clientele_domain::mail::{MailKind, OutgoingMail};
use clientele_domain::orders::OrderHistoryRepository;
use clientele_domain::users::UserRepository;
use clientele_domain::values::{CurrencyCode, Email, Money};
use support::{backends, count, full_account, now, public_id, tenant, user};

fn eur(minor: i64) -> Money {
    Money {
        minor,
        currency: CurrencyCode::parse("EUR").unwrap(),
    }
}

fn spending(customer: clientele_domain::ids::CustomerId, order: &str, event: &'static str, minor: i64) -> Spending {
    Spending {
        customer,
        order_no: order.into(),
        event,
        user: None,
        user_login: Some("second.max@example.com".into()),
        cost_center: None,
        cost_center_code: None,
        amount: eur(minor),
        placed_at: now(),
        recorded_at: now(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cost_centers_buyers_and_spending_on_both_backends() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let mut new = full_account("max@example.com", "B1");
        new.users[0].active = true;
        let acc = b.store.create_account(t, new, now()).await.unwrap();
        let (c, owner, buyer) = (acc.customer.id, acc.users[0].id, acc.users[1].id);
        let data = |code: &str| CostCenterData {
            code: code.into(),
            name: format!("Center {code}"),
            owner,
            active: true,
            budget: Budget {
                amount: eur(500_000),
                period: BudgetPeriod::Monthly,
            },
        };
        let cc = b
            .store
            .add_cost_center(t, c, public_id(), data("CC-1"), now())
            .await
            .unwrap();
        assert_eq!(
            (cc.code.as_str(), cc.budget.amount, cc.owner),
            ("CC-1", eur(500_000), Some(owner))
        );
        let dup = b.store.add_cost_center(t, c, public_id(), data("CC-1"), now()).await;
        assert_eq!(
            dup.unwrap_err(),
            StoreError::Duplicate(UniqueRule::CostCenterCode),
            "{}",
            b.name
        );
        let other = b
            .store
            .add_cost_center(t, c, public_id(), data("CC-2"), now())
            .await
            .unwrap();
        for key in [cc.public_id.as_str(), "CC-1"] {
            let found = b.store.cost_center_by_key(t, c, key.into()).await.unwrap();
            assert_eq!(found.map(|f| f.id), Some(cc.id), "{} {key}", b.name);
        }
        let renamed = b.store.update_cost_center(t, c, other.id, data("CC-1"), now()).await;
        assert_eq!(renamed.unwrap_err(), StoreError::Duplicate(UniqueRule::CostCenterCode));

        // Buyers: once each, budgets replaced, removed.
        let terms = BuyerTerms {
            budget: Some(100_000),
            period: BudgetPeriod::Weekly,
        };
        assert!(b.store.put_buyer(t, cc.id, buyer, terms, false, now()).await.unwrap());
        assert!(
            !b.store.put_buyer(t, cc.id, owner, terms, true, now()).await.unwrap(),
            "{}: replacing a non-buyer writes nothing",
            b.name
        );
        let again = b.store.put_buyer(t, cc.id, buyer, terms, false, now()).await;
        assert_eq!(
            again.unwrap_err(),
            StoreError::Duplicate(UniqueRule::CostCenterBuyer),
            "{}",
            b.name
        );
        let changed = BuyerTerms { budget: None, ..terms };
        assert!(b.store.put_buyer(t, cc.id, buyer, changed, true, now()).await.unwrap());
        let buyers = b.store.buyers_of(t, cc.id).await.unwrap();
        assert_eq!(buyers.len(), 1);
        assert_eq!(
            (buyers[0].user.id, buyers[0].budget, buyers[0].period),
            (buyer, None, BudgetPeriod::Weekly)
        );
        let mine = b.store.cost_centers_of_user(t, c, buyer).await.unwrap();
        assert_eq!(
            mine.iter().map(|(m, buys)| (m.id, *buys)).collect::<Vec<_>>(),
            [(cc.id, true)]
        );
        let owned = b.store.cost_centers_of_user(t, c, owner).await.unwrap();
        assert_eq!(
            owned.iter().map(|(_, buys)| *buys).collect::<Vec<_>>(),
            [false, false],
            "{}: the owner of both, buyer of none",
            b.name
        );

        // Spending: a key once, an order placed once and cancelled once.
        let mut placed = spending(c, "O-1", "placed", 12_345);
        placed.user = Some(buyer);
        placed.cost_center = Some(cc.id);
        placed.cost_center_code = Some("CC-1".into());
        let new = |key: &str, s: &Spending| NewSpending {
            idempotency_key: key.into(),
            request: format!("req-{key}"),
            spending: s.clone(),
        };
        let stored = b.store.insert_spending(t, new("k1", &placed)).await.unwrap();
        assert_eq!(stored.amount, eur(12_345));
        let mut another = placed.clone();
        another.order_no = "O-9".into();
        let reused = b.store.insert_spending(t, new("k1", &another)).await;
        assert_eq!(reused.unwrap_err(), StoreError::Duplicate(UniqueRule::IdempotencyKey));
        let twice = b.store.insert_spending(t, new("k2", &placed)).await;
        assert_eq!(twice.unwrap_err(), StoreError::Duplicate(UniqueRule::SpendingOrder));
        let (found, request) = b.store.spending_by_key(t, "k1".into()).await.unwrap().unwrap();
        assert_eq!((found, request.as_str()), (stored.clone(), "req-k1"), "{}", b.name);
        assert_eq!(b.store.placed_order(t, c, "O-1".into()).await.unwrap(), Some(stored));
        // An older order and a cancelled one.
        let mut old = placed.clone();
        old.order_no = "O-0".into();
        old.placed_at = now() - Duration::days(40);
        b.store.insert_spending(t, new("k3", &old)).await.unwrap();
        let mut cancelled = placed.clone();
        cancelled.order_no = "O-2".into();
        b.store.insert_spending(t, new("k4", &cancelled)).await.unwrap();
        cancelled.event = "cancelled";
        cancelled.amount = eur(-12_345);
        b.store.insert_spending(t, new("k5", &cancelled)).await.unwrap();

        let spent = |scope, since| {
            let store = &b.store;
            async move { store.spent(t, scope, eur(0).currency, since).await.unwrap() }
        };
        let month = Some(now() - Duration::days(20));
        let s = spent(SpendScope::CostCenter(cc.id), month).await;
        assert_eq!((s.minor, s.orders), (12_345, 1), "{}", b.name);
        let s = spent(SpendScope::CostCenter(cc.id), None).await;
        assert_eq!((s.minor, s.orders), (24_690, 2), "{}", b.name);
        let s = spent(SpendScope::Buyer(cc.id, buyer), month).await;
        assert_eq!(s.minor, 12_345);
        assert_eq!(spent(SpendScope::Buyer(cc.id, owner), None).await.minor, 0);
        assert_eq!(spent(SpendScope::User(buyer), None).await.minor, 24_690);
        let usd = CurrencyCode::parse("USD").unwrap();
        assert_eq!(
            b.store
                .spent(t, SpendScope::User(buyer), usd, None)
                .await
                .unwrap()
                .minor,
            0
        );

        // The reports are orders of the order history, which is what budgets read: an
        // order document recorded later under a reported number keeps its attribution
        // and brings its own total; one without a total keeps the reported amount.
        let history = b.store.history(t, c).await.unwrap();
        assert_eq!(
            history
                .orders
                .iter()
                .map(|o| (o.document.shop_order_number.as_str(), o.document.shop_total_gross))
                .collect::<Vec<_>>(),
            [("O-1", Some(123.45)), ("O-0", Some(123.45)), ("O-2", Some(123.45))],
            "{}",
            b.name
        );
        let doc = |total: Option<f64>| clientele_domain::orders::OrderDocument {
            shop_order_number: "O-1".into(),
            shop_total_gross: total,
            currency: Some("EUR".into()),
            ..Default::default()
        };
        b.store.put_order(t, c, doc(Some(100.0)), now()).await.unwrap();
        let s = spent(SpendScope::CostCenter(cc.id), month).await;
        assert_eq!((s.minor, s.orders), (10_000, 1), "{}", b.name);
        b.store.put_order(t, c, doc(None), now()).await.unwrap();
        assert_eq!(spent(SpendScope::CostCenter(cc.id), month).await.minor, 10_000);

        // The audit stays when the cost center and the buyer go.
        assert!(b.store.delete_cost_center(t, c, cc.id).await.unwrap());
        assert!(!b.store.delete_cost_center(t, c, cc.id).await.unwrap());
        assert_eq!(count(&b.db, "cost_center_buyers"), 0, "{}", b.name);
        assert!(b
            .store
            .remove_member(
                t,
                c,
                buyer,
                "APP_B2B_ACCOUNT_OWNER",
                now(),
                Actor {
                    by: "customer:1".into(),
                    request_id: Some("r-1".into()),
                }
            )
            .await
            .unwrap());
        // Removing a company user is an audited erasure too.
        assert_eq!(
            clientele_store::testing::column_texts(&b.db.url, "SELECT actor || ' ' || counts AS v FROM erasures"),
            [r#"customer:1 {"users":1}"#],
            "{}",
            b.name
        );
        let kept = b.store.placed_order(t, c, "O-1".into()).await.unwrap().unwrap();
        assert_eq!(
            (
                kept.user,
                kept.cost_center,
                kept.user_login.as_deref(),
                kept.cost_center_code.as_deref()
            ),
            (None, None, None, Some("CC-1")),
            "{}",
            b.name
        );
        assert_eq!((count(&b.db, "orders"), count(&b.db, "order_reports")), (3, 4));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn members_budgets_activation_and_api_clients_on_both_backends() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let mut new = full_account("max@example.com", "B1");
        new.users[0].active = true;
        let acc = b.store.create_account(t, new, now()).await.unwrap();
        let (c, admin, second) = (acc.customer.id, acc.users[0].id, acc.users[1].id);

        // A member and its invitation are written together; a taken login writes neither.
        let invitation = || {
            (
                NewCode {
                    purpose: CodePurpose::PasswordReset,
                    digest: TokenDigest::new(format!("digest-{}", public_id().as_str())),
                    expires_at: now() + Duration::days(7),
                    new_email: None,
                    sync_contact_email: false,
                },
                OutgoingMail::new(MailKind::Invitation, Email::parse("new@example.com").unwrap()),
            )
        };
        let (codes, mails) = (count(&b.db, "mailed_codes"), count(&b.db, "mail_outbox"));
        let added = b
            .store
            .add_member(t, c, user("new@example.com"), Some(invitation()), now())
            .await
            .unwrap();
        assert_eq!(added.customer_id, c);
        assert_eq!(
            (count(&b.db, "mailed_codes"), count(&b.db, "mail_outbox")),
            (codes + 1, mails + 1)
        );
        let taken = b
            .store
            .add_member(t, c, user("NEW@example.com"), Some(invitation()), now())
            .await;
        assert_eq!(
            taken.unwrap_err(),
            StoreError::Duplicate(UniqueRule::UserLogin),
            "{}",
            b.name
        );
        assert_eq!(
            (count(&b.db, "mailed_codes"), count(&b.db, "mail_outbox")),
            (codes + 1, mails + 1)
        );

        // Budgets round-trip, and clear.
        assert_eq!(b.store.budget_of(t, second).await.unwrap(), UserBudget::default());
        let budget = UserBudget {
            order_spent_limit: Some(eur(5_000)),
            budget: Some(eur(100_000)),
            period: Some(BudgetPeriod::HalfYearly),
        };
        assert!(b.store.set_budget(t, second, budget, now()).await.unwrap());
        assert_eq!(b.store.budget_of(t, second).await.unwrap(), budget, "{}", b.name);
        assert!(b
            .store
            .set_budget(t, second, UserBudget::default(), now())
            .await
            .unwrap());
        assert_eq!(b.store.budget_of(t, second).await.unwrap(), UserBudget::default());

        // The only administrator stays active; others may be deactivated.
        let owner = "APP_B2B_ACCOUNT_OWNER";
        assert!(
            !b.store.set_active(t, c, admin, false, owner, now()).await.unwrap(),
            "{}",
            b.name
        );
        assert!(b.store.set_active(t, c, second, false, owner, now()).await.unwrap());
        assert!(
            !UserRepository::by_id(&b.store, t, second)
                .await
                .unwrap()
                .unwrap()
                .active
        );
        assert!(b.store.set_active(t, c, second, true, owner, now()).await.unwrap());

        // API clients: stored with the digest only, disabled and rotated.
        let client = b
            .store
            .insert_api_client(
                t,
                NewApiClient {
                    client_id: public_id(),
                    name: "erp".into(),
                    secret_digest: TokenDigest::new("d1".into()),
                    scopes: vec!["customer.spending_manage".into()],
                },
                now(),
            )
            .await
            .unwrap();
        assert!(client.enabled);
        let found = b.store.api_client(&client.client_id).await.unwrap().unwrap();
        assert_eq!(found, client, "{}", b.name);
        // Bearer tokens: found while live, by digest only.
        b.store
            .insert_api_token(
                client.key,
                TokenDigest::new("t1".into()),
                now() + Duration::hours(1),
                now(),
            )
            .await
            .unwrap();
        let by_token = |digest: &str, at| {
            let (store, digest) = (&b.store, TokenDigest::new(digest.into()));
            async move { store.api_client_by_token(&digest, at).await.unwrap().map(|c| c.key) }
        };
        assert_eq!(by_token("t1", now()).await, Some(client.key), "{}", b.name);
        assert_eq!(
            by_token("t1", now() + Duration::hours(2)).await,
            None,
            "{}: expired",
            b.name
        );
        assert_eq!(by_token("t2", now()).await, None);
        assert!(b
            .store
            .set_api_client_secret(t, &client.client_id, TokenDigest::new("d2".into()), now())
            .await
            .unwrap());
        assert!(b.store.disable_api_client(t, &client.client_id, now()).await.unwrap());
        let after = b.store.api_clients(t).await.unwrap();
        assert_eq!(
            (after.len(), after[0].enabled, after[0].secret_digest.as_str()),
            (1, false, "d2"),
            "{}",
            b.name
        );
        let other = tenant(&b.store, "other").await.id;
        assert!(!b
            .store
            .disable_api_client(other, &client.client_id, now())
            .await
            .unwrap());
        assert!(b.store.api_clients(other).await.unwrap().is_empty());
    }
}
