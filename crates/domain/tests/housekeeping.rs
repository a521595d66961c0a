//! Housekeeping keeps ended rows for the retention time.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use clientele_domain::clock::MockClock;
use clientele_domain::housekeeping::{HousekeepingService, MockHousekeeping, Purged};
use mockall::predicate::eq;

#[tokio::test]
async fn a_round_purges_what_ended_before_the_retention_time() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now);
    let mut store = MockHousekeeping::new();
    store
        .expect_purge()
        .with(eq(now - Duration::days(7)))
        .times(1)
        .returning(|_| {
            Ok(Purged {
                sessions: 3,
                codes: 1,
                mails: 0,
                api_tokens: 0,
            })
        });
    let service = HousekeepingService {
        store: Arc::new(store),
        clock: Arc::new(clock),
        retention: Duration::days(7),
    };
    assert_eq!(service.run_once().await.unwrap().sessions, 3);
}

#[tokio::test]
async fn retention_is_off_at_zero_months_and_erases_as_retention_otherwise() {
    use clientele_domain::customers::MockCustomerRepository;
    use clientele_domain::housekeeping::{InactiveCustomer, MockInactiveCustomers, RetentionService};
    use clientele_domain::ids::{CustomerId, TenantId};
    use clientele_domain::values::CustomerNumber;

    let now = chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
        .unwrap()
        .to_utc();
    let mut clock = clientele_domain::clock::MockClock::new();
    clock.expect_now().returning(move || now);
    let clock = std::sync::Arc::new(clock);
    let mut inactive = MockInactiveCustomers::new();
    inactive
        .expect_inactive_customers()
        .withf(move |since, limit| *since == now - chrono::Duration::days(183) && *limit == 500)
        .times(1)
        .returning(|_, _| {
            Ok(vec![InactiveCustomer {
                tenant: TenantId::new(1),
                customer: CustomerId::new(7),
                number: CustomerNumber::parse("C-7").unwrap(),
            }])
        });
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_erase_customer()
        .withf(|t, c, _, actor| *t == TenantId::new(1) && *c == CustomerId::new(7) && actor.by == "retention")
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let service = RetentionService {
        inactive: std::sync::Arc::new(inactive),
        customers: std::sync::Arc::new(customers),
        clock,
        months: 6,
    };
    assert_eq!(service.cutoff(0), None);
    assert!(service.candidates(0, 10).await.unwrap().is_empty());
    assert_eq!(service.run_once().await.unwrap(), 1);
}
