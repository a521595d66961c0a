//! Cost centers, budgets and spending with mocked ports: the rules decide before anything
//! is written (owners, buyers of the company, currencies, non-negative amounts, nobody
//! raising their own budget), and a retried spending report is answered, not recorded.

mod support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use clientele_domain::budgets::{Budget, BudgetPeriod, UserBudget};
use clientele_domain::clock::MockClock;
use clientele_domain::cost_centers::spending::MockSpendingRepository;
use clientele_domain::cost_centers::{
    CostCenter, CostCenterError, CostCenterInput, CostCenterPatch, CostCenterService, MockCostCenterRepository,
    SpendTotal, Spending, SpendingError, SpendingEvent, SpendingReport, SpendingService,
};
use clientele_domain::customers::{MockCustomerRepository, OwnAccount};
use clientele_domain::error::{StoreError, UniqueRule};
use clientele_domain::identity::MockIdGenerator;
use clientele_domain::ids::{CostCenterId, CustomerId, PublicId, TenantId, UserId};
use clientele_domain::roles::OrganizationError;
use clientele_domain::users::{MockUserRepository, User};
use clientele_domain::values::{CurrencyCode, CustomerNumber, Email, Login, Money};

fn eur(minor: i64) -> Money {
    Money {
        minor,
        currency: CurrencyCode::parse("EUR").unwrap(),
    }
}

fn usd(minor: i64) -> Money {
    Money {
        minor,
        currency: CurrencyCode::parse("USD").unwrap(),
    }
}

fn clock() -> Arc<MockClock> {
    let mut c = MockClock::new();
    c.expect_now()
        .returning(|| Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    Arc::new(c)
}

fn member(id: i64, customer: i64, roles: &[&str]) -> User {
    let login = format!("u{id}@example.com");
    User {
        id: UserId::new(id),
        public_id: PublicId::parse(&format!("u{id}")).unwrap(),
        customer_id: CustomerId::new(customer),
        login: Login::parse(&login).unwrap(),
        email: Email::parse(&login).unwrap(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..support::user("$argon2id$x")
    }
}

fn caller(roles: &[&str]) -> OwnAccount {
    OwnAccount {
        customer: support::customer(true),
        user: member(3, 7, roles),
        addresses: vec![],
    }
}

fn center(owner: i64) -> CostCenter {
    let t = Utc.timestamp_opt(0, 0).unwrap();
    CostCenter {
        id: CostCenterId::new(1),
        public_id: PublicId::parse("cc1").unwrap(),
        tenant_id: TenantId::new(1),
        customer_id: CustomerId::new(7),
        code: "CC-1".into(),
        name: "One".into(),
        owner: Some(UserId::new(owner)),
        active: true,
        budget: Budget {
            amount: eur(10_000),
            period: BudgetPeriod::Monthly,
        },
        created_at: t,
        updated_at: t,
        version: 1,
    }
}

/// The service over `centers`; `users` resolves logins (only users listed exist).
fn service(centers: MockCostCenterRepository, users: Vec<User>) -> CostCenterService {
    let mut repo = MockUserRepository::new();
    let by_login = users.clone();
    repo.expect_by_login()
        .returning(move |_, l| Ok(by_login.iter().find(|u| u.login.key() == l.key()).cloned()));
    repo.expect_by_public_id().returning(|_, _| Ok(None));
    repo.expect_by_id()
        .returning(move |_, id| Ok(users.iter().find(|u| u.id == id).cloned()));
    let organization = support::organization_with(repo, MockCostCenterRepository::new(), clock());
    let mut ids = MockIdGenerator::new();
    ids.expect_public_id().returning(|| PublicId::parse("new-cc").unwrap());
    CostCenterService::new(Arc::new(centers), organization, Arc::new(ids), clock())
}

fn input(owner: Option<&str>, budget: Money) -> CostCenterInput {
    CostCenterInput {
        code: "CC-9".into(),
        name: "Nine".into(),
        owner: owner.map(str::to_owned),
        active: true,
        budget,
        period: BudgetPeriod::Monthly,
    }
}

#[tokio::test]
async fn cost_center_rules_refuse_before_writing() {
    let tenant = support::tenant("{seq}");
    let owner = member(4, 7, &["APP_B2B_COSTCENTER_OWNER"]);
    let plain = member(5, 7, &[]);
    let foreign = member(6, 8, &["APP_B2B_COSTCENTER_OWNER"]);
    let users = vec![owner.clone(), plain.clone(), foreign.clone()];
    // No add_cost_center expectation: a write would fail the test.
    let s = service(MockCostCenterRepository::new(), users.clone());
    let admin = caller(&["APP_B2B_ACCOUNT_OWNER"]);
    let manager = caller(&["APP_B2B_COSTCENTER_OWNER"]);

    let e = s.create(&tenant, &admin, input(None, eur(-1))).await.unwrap_err();
    assert!(
        matches!(
            e,
            CostCenterError::Invalid {
                field: "budget.value",
                ..
            }
        ),
        "{e:?}"
    );
    let e = s
        .create(&tenant, &admin, input(Some("u6@example.com"), eur(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(e, CostCenterError::UserNotFound(_)),
        "another company's user: {e:?}"
    );
    let e = s
        .create(&tenant, &admin, input(Some("u5@example.com"), eur(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CostCenterError::Invalid {
                field: "costCenterOwner",
                ..
            }
        ),
        "{e:?}"
    );
    let e = s
        .create(&tenant, &manager, input(Some("u4@example.com"), eur(1)))
        .await
        .unwrap_err();
    assert!(matches!(e, CostCenterError::Forbidden("APP_B2B_MANAGE_USERS")), "{e:?}");
    let e = s.create(&tenant, &caller(&[]), input(None, eur(1))).await.unwrap_err();
    assert!(
        matches!(e, CostCenterError::Forbidden("APP_B2B_MANAGE_COSTCENTER")),
        "{e:?}"
    );
    let mut blank = input(None, eur(1));
    blank.code = "  ".into();
    let e = s.create(&tenant, &admin, blank).await.unwrap_err();
    assert!(
        matches!(
            e,
            CostCenterError::Invalid {
                field: "costCenterId",
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn buyers_and_currencies_follow_the_cost_center() {
    let tenant = support::tenant("{seq}");
    let buyer = member(5, 7, &[]);
    let mut centers = MockCostCenterRepository::new();
    centers
        .expect_cost_center_by_key()
        .returning(|_, _, _| Ok(Some(center(3))));
    centers.expect_buyers_of().returning(|_, _| Ok(vec![]));
    centers
        .expect_spent()
        .returning(|_, _, _, _| Ok(SpendTotal { minor: 500, orders: 1 }));
    // The one write: the owner's (empty) change.
    centers
        .expect_update_cost_center()
        .times(1)
        .returning(|_, _, _, _, _| Ok(Some(center(3))));
    let s = service(centers, vec![buyer]);
    let admin = caller(&["APP_B2B_ACCOUNT_OWNER"]);

    let e = s
        .add_buyer(
            &tenant,
            &admin,
            "CC-1",
            "u5@example.com",
            Some(usd(100)),
            BudgetPeriod::Fixed,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CostCenterError::Invalid {
                field: "budget.currency",
                ..
            }
        ),
        "{e:?}"
    );
    let e = s
        .add_buyer(&tenant, &admin, "CC-1", "nobody@example.com", None, BudgetPeriod::Fixed)
        .await
        .unwrap_err();
    assert!(matches!(e, CostCenterError::UserNotFound(_)), "{e:?}");
    // Spending recorded in EUR: the currency stays.
    let patch = CostCenterPatch {
        budget: Some(usd(10_000)),
        ..Default::default()
    };
    let e = s.update(&tenant, &admin, "CC-1", patch).await.unwrap_err();
    assert!(matches!(e, CostCenterError::CurrencyLocked), "{e:?}");
    // Neither owner nor administrator.
    let e = s
        .update(
            &tenant,
            &caller(&["APP_B2B_COSTCENTER_OWNER"]),
            "CC-1",
            CostCenterPatch::default(),
        )
        .await;
    assert!(e.is_ok(), "the owner (user 3) may: {e:?}");
    let other = OwnAccount {
        user: member(9, 7, &["APP_B2B_COSTCENTER_OWNER"]),
        ..caller(&[])
    };
    let e = s.delete(&tenant, &other, "CC-1").await.unwrap_err();
    assert!(matches!(e, CostCenterError::Forbidden("APP_B2B_MANAGE_USERS")), "{e:?}");
}

#[tokio::test]
async fn nobody_raises_their_own_budget() {
    let tenant = support::tenant("{seq}");
    let me = caller(&["APP_B2B_ACCOUNT_OWNER"]);
    let mut users = MockUserRepository::new();
    users.expect_budget_of().returning(|_, _| {
        Ok(UserBudget {
            order_spent_limit: Some(eur(1_000)),
            budget: Some(eur(5_000)),
            period: Some(BudgetPeriod::Monthly),
        })
    });
    users.expect_set_budget().times(1).returning(|_, _, _, _| Ok(true));
    let mut centers = MockCostCenterRepository::new();
    centers.expect_spent().returning(|_, _, _, _| Ok(SpendTotal::default()));
    let s = support::organization_with(users, centers, clock());
    let set = |limit: Option<Money>, budget: Option<Money>| UserBudget {
        order_spent_limit: limit,
        budget,
        period: Some(BudgetPeriod::Monthly),
    };
    for raise in [
        set(Some(eur(1_001)), Some(eur(5_000))),
        set(Some(eur(1_000)), None),
        set(Some(eur(1_000)), Some(usd(5_000))),
    ] {
        let e = s.set_budget(&tenant, &me, "-", raise).await.unwrap_err();
        assert!(
            matches!(e, OrganizationError::OwnPermissions | OrganizationError::Invalid { .. }),
            "{e:?}"
        );
    }
    let e = s
        .set_budget(&tenant, &me, "-", set(Some(eur(-1)), None))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            OrganizationError::Invalid {
                field: "orderSpentLimit",
                ..
            }
        ),
        "{e:?}"
    );
    // Lowering one's own is fine (the one expected write).
    let (budget, spent) = s
        .set_budget(&tenant, &me, "-", set(Some(eur(500)), Some(eur(4_000))))
        .await
        .unwrap();
    assert_eq!(budget.budget, Some(eur(4_000)));
    assert_eq!(spent.unwrap().remaining, Some(eur(4_000)));
}

fn spending_service(spendings: MockSpendingRepository, centers: MockCostCenterRepository) -> SpendingService {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_by_number()
        .returning(|_, n| Ok((n.as_str() == "C-7").then(|| support::customer(true))));
    let mut users = MockUserRepository::new();
    users
        .expect_by_login()
        .returning(|_, l| Ok((l.as_str() == "u5@example.com").then(|| member(5, 7, &[]))));
    SpendingService {
        customers: Arc::new(customers),
        users: Arc::new(users),
        centers: Arc::new(centers),
        spendings: Arc::new(spendings),
        clock: clock(),
    }
}

fn placed(key: &str, amount: Money) -> SpendingReport {
    SpendingReport {
        idempotency_key: key.into(),
        customer: CustomerNumber::parse("C-7").unwrap(),
        order_no: "O-1".into(),
        event: SpendingEvent::Placed {
            buyer: "u5@example.com".into(),
            cost_center: Some("CC-1".into()),
            amount,
            placed_at: None,
        },
    }
}

fn recorded(amount: Money) -> Spending {
    Spending {
        customer: CustomerId::new(7),
        order_no: "O-1".into(),
        event: "placed",
        user: Some(UserId::new(5)),
        user_login: Some("u5@example.com".into()),
        cost_center: Some(CostCenterId::new(1)),
        cost_center_code: Some("CC-1".into()),
        amount,
        placed_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
        recorded_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
    }
}

#[tokio::test]
async fn a_retried_report_is_answered_and_a_reused_key_refused() {
    let tenant = support::tenant("{seq}");
    let mut centers = MockCostCenterRepository::new();
    centers
        .expect_cost_center_by_key()
        .returning(|_, _, _| Ok(Some(center(3))));
    // First: recorded. The stored canonical report is what a retry must match.
    let mut spendings = MockSpendingRepository::new();
    let request = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let seen = request.clone();
    spendings
        .expect_spending_by_key()
        .returning(move |_, _| Ok(seen.lock().unwrap().clone().map(|r| (recorded(eur(1_050)), r))));
    let keep = request.clone();
    spendings.expect_insert_spending().times(1).returning(move |_, new| {
        *keep.lock().unwrap() = Some(new.request.clone());
        Ok(new.spending)
    });
    let s = spending_service(spendings, centers);
    let (first, created) = s.record(&tenant, placed("k", eur(1_050))).await.unwrap();
    assert!(created);
    assert_eq!(first.amount, eur(1_050));
    let (again, created) = s.record(&tenant, placed("k", eur(1_050))).await.unwrap();
    assert!(!created, "answered from the first");
    assert_eq!(again.amount, eur(1_050));
    let e = s.record(&tenant, placed("k", eur(999))).await.unwrap_err();
    assert!(matches!(e, SpendingError::KeyReused), "{e:?}");
}

#[tokio::test]
async fn bad_reports_are_refused_before_writing() {
    let tenant = support::tenant("{seq}");
    let mut centers = MockCostCenterRepository::new();
    centers
        .expect_cost_center_by_key()
        .returning(|_, _, key| Ok((key == "CC-1").then(|| center(3))));
    let mut spendings = MockSpendingRepository::new();
    spendings.expect_spending_by_key().returning(|_, _| Ok(None));
    spendings.expect_placed_order().returning(|_, _, _| Ok(None));
    // A database reporting the order's constraint: recorded under another key.
    spendings
        .expect_insert_spending()
        .times(1)
        .returning(|_, _| Err(StoreError::Duplicate(UniqueRule::SpendingOrder)));
    let s = spending_service(spendings, centers);

    let e = s.record(&tenant, placed("k", usd(100))).await.unwrap_err();
    assert!(
        matches!(
            e,
            SpendingError::Invalid {
                field: "amount.currency",
                ..
            }
        ),
        "{e:?}"
    );
    let e = s.record(&tenant, placed("k", eur(0))).await.unwrap_err();
    assert!(
        matches!(
            e,
            SpendingError::Invalid {
                field: "amount.value",
                ..
            }
        ),
        "{e:?}"
    );
    let mut r = placed("k", eur(1));
    r.customer = CustomerNumber::parse("C-8").unwrap();
    assert!(matches!(
        s.record(&tenant, r).await,
        Err(SpendingError::CustomerNotFound)
    ));
    let mut r = placed("k", eur(1));
    r.event = SpendingEvent::Placed {
        buyer: "someone@example.com".into(),
        cost_center: None,
        amount: eur(1),
        placed_at: None,
    };
    assert!(matches!(s.record(&tenant, r).await, Err(SpendingError::BuyerNotFound)));
    let mut r = placed("k", eur(1));
    if let SpendingEvent::Placed { cost_center, .. } = &mut r.event {
        *cost_center = Some("CC-X".into());
    }
    assert!(matches!(
        s.record(&tenant, r).await,
        Err(SpendingError::CostCenterNotFound)
    ));
    let mut r = placed("k", eur(1));
    r.event = SpendingEvent::Cancelled;
    assert!(matches!(s.record(&tenant, r).await, Err(SpendingError::OrderNotFound)));
    let e = s.record(&tenant, placed(" ", eur(1))).await.unwrap_err();
    assert!(
        matches!(
            e,
            SpendingError::Invalid {
                field: "idempotencyKey",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(matches!(
        s.record(&tenant, placed("k", eur(1))).await,
        Err(SpendingError::AlreadyRecorded)
    ));
}
