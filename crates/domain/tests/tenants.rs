//! Tenant resolution: hits are cached for a while, so a changed setting arrives late but
//! does arrive; misses are never cached.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use clientele_domain::clock::MockClock;
use clientele_domain::tenants::{MockTenantRepository, TenantService, TENANT_CACHE_SECS};

mod support;

#[tokio::test]
async fn a_resolved_tenant_is_read_again_once_its_cache_time_is_over() {
    let seconds = Arc::new(AtomicI64::new(0));
    let mut clock = MockClock::new();
    let now = seconds.clone();
    clock.expect_now().returning(move || {
        Utc.timestamp_opt(1_800_000_000 + now.load(Ordering::SeqCst), 0)
            .unwrap()
    });
    let reads = Arc::new(AtomicI64::new(0));
    let mut repo = MockTenantRepository::new();
    let counted = reads.clone();
    repo.expect_by_name().returning(move |name| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        Ok((name.as_str() == "demo").then(|| clientele_domain::tenants::Tenant {
            double_opt_in: n > 0,
            time_zone: clientele_domain::tenants::Tz::UTC,
            ..support::tenant("{seq}")
        }))
    });
    let tenants = TenantService::new(Arc::new(repo), Arc::new(clock));

    assert!(!tenants.resolve("demo").await.unwrap().unwrap().double_opt_in);
    seconds.store(TENANT_CACHE_SECS - 1, Ordering::SeqCst);
    assert!(!tenants.resolve("demo").await.unwrap().unwrap().double_opt_in, "cached");
    assert_eq!(reads.load(Ordering::SeqCst), 1);
    seconds.store(TENANT_CACHE_SECS, Ordering::SeqCst);
    assert!(
        tenants.resolve("demo").await.unwrap().unwrap().double_opt_in,
        "read again"
    );
    assert_eq!(reads.load(Ordering::SeqCst), 2);

    assert!(tenants.resolve("nope").await.unwrap().is_none());
    assert!(tenants.resolve("nope").await.unwrap().is_none());
    assert_eq!(reads.load(Ordering::SeqCst), 4, "misses are not cached");
}
