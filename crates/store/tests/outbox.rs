//! The mail outbox's contract, on SQLite and (when reachable) PostgreSQL.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, TimeZone, Utc};
use clientele_domain::ids::{MailId, TenantId};
use clientele_domain::mail::{MailKind, MailOutbox, OutgoingMail};
use clientele_domain::tenants::{NewTenant, TenantName, TenantRepository};
use clientele_domain::values::{CustomerNumberPattern, Email, LanguageTag};
use clientele_store::testing::TestDatabase;
use clientele_store::{Store, StoreConfig};

const LEASE: Duration = Duration::minutes(5);

fn config(url: &str) -> StoreConfig {
    StoreConfig {
        url: url.to_owned(),
        pool_size: 4,
        connect_timeout: StdDuration::from_secs(5),
    }
}

/// A fixed time with nanoseconds, which the store keeps to the microsecond.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 30, 15).unwrap() + Duration::nanoseconds(123_456_789)
}

/// A migrated store per backend; the store is dropped before its database.
async fn backends() -> Vec<(&'static str, Store, TestDatabase)> {
    let mut out = Vec::new();
    for (name, db) in TestDatabase::all() {
        let store = Store::open(&config(&db.url)).unwrap_or_else(|e| panic!("{name}: {e}"));
        store.migrate().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push((name, store, db));
    }
    out
}

async fn tenant(store: &Store, name: &str) -> TenantId {
    let new = NewTenant {
        name: TenantName::parse(name).unwrap(),
        customer_number_pattern: CustomerNumberPattern::parse("{seq}").unwrap(),
        double_opt_in: false,
        time_zone: clientele_domain::tenants::Tz::UTC,
    };
    store.insert(new, now()).await.unwrap().id
}

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail::new(MailKind::PasswordReset, Email::parse(to).unwrap())
        .in_language(Some(LanguageTag::parse("de_DE").unwrap()))
        .with_param("link", "https://shop.example/reset?token=abc&x=\"ü\"")
        .with_param("first_name", "Anna")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_enqueued_mail_is_claimed_once_with_everything_kept_and_then_marked_sent() {
    for (name, store, _db) in backends().await {
        let demo = tenant(&store, "demo").await;
        let id = store.enqueue(demo, mail("anna@example.com"), now()).await.unwrap();

        let claimed = store.claim_due(10, now(), LEASE).await.unwrap();
        assert_eq!(claimed.len(), 1, "{name}");
        let got = &claimed[0];
        assert_eq!(got.id, id, "{name}");
        assert_eq!((got.tenant_id, got.tenant_name.as_str()), (demo, "demo"), "{name}");
        assert_eq!(got.mail, mail("anna@example.com"), "{name}");
        assert_eq!(got.attempts, 1, "{name}: the claim counts the attempt");
        assert_eq!(got.created_at, now().trunc_subsecs(6), "{name}");

        store.mark_sent(id, now()).await.unwrap();
        let later = now() + Duration::days(1);
        assert!(store.claim_due(10, later, LEASE).await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_is_not_due_before_it_was_queued() {
    for (name, store, _db) in backends().await {
        let demo = tenant(&store, "demo").await;
        store.enqueue(demo, mail("anna@example.com"), now()).await.unwrap();
        let before = now() - Duration::seconds(1);
        assert!(store.claim_due(10, before, LEASE).await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claimed_mail_comes_back_only_when_its_lease_has_ended() {
    for (name, store, _db) in backends().await {
        let demo = tenant(&store, "demo").await;
        let id = store.enqueue(demo, mail("anna@example.com"), now()).await.unwrap();
        assert_eq!(store.claim_due(10, now(), LEASE).await.unwrap().len(), 1, "{name}");

        let during = now() + LEASE - Duration::seconds(1);
        assert!(store.claim_due(10, during, LEASE).await.unwrap().is_empty(), "{name}");

        // The first claimer died without recording anything: the mail is retried.
        let after = now() + LEASE;
        let again = store.claim_due(10, after, LEASE).await.unwrap();
        assert_eq!(again.len(), 1, "{name}");
        assert_eq!((again[0].id, again[0].attempts), (id, 2), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_take_the_oldest_mail_first_up_to_the_limit() {
    for (name, store, _db) in backends().await {
        let demo = tenant(&store, "demo").await;
        let mut ids = Vec::new();
        for n in 0..5 {
            let at = now() + Duration::seconds(n);
            ids.push(store.enqueue(demo, mail("anna@example.com"), at).await.unwrap());
        }
        let at = now() + Duration::minutes(1);
        let first: Vec<MailId> = store
            .claim_due(2, at, LEASE)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        let rest: Vec<MailId> = store
            .claim_due(10, at, LEASE)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(first, ids[..2], "{name}");
        assert_eq!(rest, ids[2..], "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_claims_never_return_the_same_mail() {
    for (name, store, db) in backends().await {
        // A second store on the same database stands for a second instance.
        let other = Store::open(&config(&db.url)).unwrap();
        let demo = tenant(&store, "demo").await;
        let mut queued = HashSet::new();
        for n in 0..40 {
            let to = format!("user{n}@example.com");
            queued.insert(store.enqueue(demo, mail(&to), now()).await.unwrap());
        }
        let mut seen = HashSet::new();
        for round in 0..8 {
            let claimers = [&store, &other, &store, &other].map(|s| {
                let s = s.clone();
                tokio::spawn(async move { s.claim_due(3, now(), LEASE).await.unwrap() })
            });
            for claimer in claimers {
                for m in claimer.await.unwrap() {
                    assert!(seen.insert(m.id), "{name}: mail {} claimed twice (round {round})", m.id);
                }
            }
        }
        assert_eq!(seen, queued, "{name}: every mail was claimed exactly once");
        drop(other);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_mail_is_retried_at_the_given_time_or_never() {
    for (name, store, _db) in backends().await {
        let demo = tenant(&store, "demo").await;
        let retried = store.enqueue(demo, mail("anna@example.com"), now()).await.unwrap();
        let given_up = store.enqueue(demo, mail("bob@example.com"), now()).await.unwrap();
        assert_eq!(store.claim_due(10, now(), LEASE).await.unwrap().len(), 2, "{name}");

        let retry_at = now() + Duration::seconds(30);
        store
            .mark_failed(retried, "421 busy".into(), Some(retry_at), now())
            .await
            .unwrap();
        store
            .mark_failed(given_up, "550 no such user".into(), None, now())
            .await
            .unwrap();

        let early = retry_at - Duration::seconds(1);
        assert!(store.claim_due(10, early, LEASE).await.unwrap().is_empty(), "{name}");
        let due = store.claim_due(10, retry_at, LEASE).await.unwrap();
        assert_eq!(
            due.iter().map(|m| (m.id, m.attempts)).collect::<Vec<_>>(),
            [(retried, 2)],
            "{name}"
        );
        // The given-up mail never comes back; the retried one does when its new lease ends.
        let much_later = now() + Duration::days(30);
        let due = store.claim_due(10, much_later, LEASE).await.unwrap();
        assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [retried], "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_keeps_its_tenant() {
    for (name, store, _db) in backends().await {
        let demo = tenant(&store, "demo").await;
        let shop = tenant(&store, "shop-b").await;
        let a = store.enqueue(demo, mail("anna@example.com"), now()).await.unwrap();
        let b = store.enqueue(shop, mail("anna@example.com"), now()).await.unwrap();
        let claimed = store.claim_due(10, now(), LEASE).await.unwrap();
        let tenants: Vec<_> = claimed
            .iter()
            .map(|m| (m.id, m.tenant_id, m.tenant_name.as_str()))
            .collect();
        assert_eq!(tenants, [(a, demo, "demo"), (b, shop, "shop-b")], "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mail_without_language_or_params_round_trips() {
    for (name, store, _db) in backends().await {
        let demo = tenant(&store, "demo").await;
        let bare = OutgoingMail::new(MailKind::PasswordChanged, Email::parse("anna@example.com").unwrap());
        store.enqueue(demo, bare.clone(), now()).await.unwrap();
        let claimed = store.claim_due(10, now(), LEASE).await.unwrap();
        assert_eq!(claimed[0].mail, bare, "{name}");
    }
}
