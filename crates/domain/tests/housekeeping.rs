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
