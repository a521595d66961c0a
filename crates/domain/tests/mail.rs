//! The mail dispatcher against mocked outbox, sender and clock.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use clientele_domain::clock::MockClock;
use clientele_domain::ids::{MailId, TenantId};
use clientele_domain::mail::*;
use clientele_domain::values::Email;
use mockall::predicate::{always, eq};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn queued(id: i64, attempts: i32) -> QueuedMail {
    QueuedMail {
        id: MailId::new(id),
        tenant_id: TenantId::new(1),
        tenant_name: "demo".into(),
        mail: OutgoingMail::new(MailKind::PasswordReset, Email::parse("anna@example.com").unwrap())
            .with_param("link", "https://shop.example/reset?token=secret"),
        attempts,
        created_at: now(),
    }
}

fn fixed_clock() -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    Arc::new(clock)
}

fn dispatcher(outbox: MockMailOutbox, sender: MockMailSender) -> MailDispatcher {
    MailDispatcher {
        outbox: Arc::new(outbox),
        sender: Arc::new(sender),
        clock: fixed_clock(),
        max_attempts: 5,
        base_backoff: Duration::seconds(30),
        lease: Duration::minutes(10),
    }
}

/// An outbox whose one claim returns `mails` (with the dispatcher's lease).
fn outbox_with(mails: Vec<QueuedMail>) -> MockMailOutbox {
    let mut outbox = MockMailOutbox::new();
    outbox
        .expect_claim_due()
        .with(eq(50), eq(now()), eq(Duration::minutes(10)))
        .times(1)
        .return_once(move |_, _, _| Ok(mails));
    outbox
}

#[tokio::test]
async fn a_delivered_mail_is_marked_sent() {
    let mut outbox = outbox_with(vec![queued(7, 1)]);
    outbox
        .expect_mark_sent()
        .with(eq(MailId::new(7)), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
    let mut sender = MockMailSender::new();
    sender
        .expect_send()
        .withf(|m| m.id == MailId::new(7) && m.mail.params["link"].ends_with("token=secret"))
        .times(1)
        .returning(|_| Ok(()));
    assert_eq!(dispatcher(outbox, sender).dispatch_due(50).await.unwrap(), 1);
}

#[tokio::test]
async fn nothing_due_sends_nothing() {
    let outbox = outbox_with(vec![]);
    let sender = MockMailSender::new();
    assert_eq!(dispatcher(outbox, sender).dispatch_due(50).await.unwrap(), 0);
}

#[tokio::test]
async fn temporary_failures_back_off_exponentially() {
    // Attempt n waits 30 s × 2^(n−1): 30 s, 60 s, 120 s, 240 s.
    let mails: Vec<_> = (1..=4).map(|n| queued(n.into(), n)).collect();
    let mut outbox = outbox_with(mails);
    for (n, wait) in [(1, 30), (2, 60), (3, 120), (4, 240)] {
        outbox
            .expect_mark_failed()
            .with(
                eq(MailId::new(n)),
                eq("421 try again later".to_owned()),
                eq(Some(now() + Duration::seconds(wait))),
                eq(now()),
            )
            .times(1)
            .returning(|_, _, _, _| Ok(()));
    }
    let mut sender = MockMailSender::new();
    sender
        .expect_send()
        .times(4)
        .returning(|_| Err(MailError::Temporary("421 try again later".into())));
    assert_eq!(dispatcher(outbox, sender).dispatch_due(50).await.unwrap(), 4);
}

#[test]
fn backoff_is_capped_at_one_hour() {
    let d = dispatcher(MockMailOutbox::new(), MockMailSender::new());
    assert_eq!(d.backoff(1), Duration::seconds(30));
    assert_eq!(d.backoff(7), Duration::seconds(30 * 64));
    assert_eq!(d.backoff(8), Duration::hours(1));
    assert_eq!(d.backoff(i32::MAX), Duration::hours(1));
}

#[tokio::test]
async fn a_permanent_failure_gives_up_at_once() {
    let mut outbox = outbox_with(vec![queued(3, 1)]);
    outbox
        .expect_mark_failed()
        .with(
            eq(MailId::new(3)),
            eq("550 no such user".to_owned()),
            eq(None),
            eq(now()),
        )
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let mut sender = MockMailSender::new();
    sender
        .expect_send()
        .times(1)
        .returning(|_| Err(MailError::Permanent("550 no such user".into())));
    dispatcher(outbox, sender).dispatch_due(50).await.unwrap();
}

#[tokio::test]
async fn the_last_allowed_attempt_gives_up_on_a_temporary_failure() {
    let mut outbox = outbox_with(vec![queued(4, 5)]);
    outbox
        .expect_mark_failed()
        .withf(|id, error, next, _| {
            *id == MailId::new(4) && next.is_none() && error == "given up after 5 attempts: 421 busy"
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let mut sender = MockMailSender::new();
    sender
        .expect_send()
        .returning(|_| Err(MailError::Temporary("421 busy".into())));
    dispatcher(outbox, sender).dispatch_due(50).await.unwrap();
}

#[tokio::test]
async fn a_mail_whose_attempts_never_finished_is_given_up_without_sending() {
    // Claimed a sixth time: five earlier attempts died before recording anything.
    let mut outbox = outbox_with(vec![queued(5, 6)]);
    outbox
        .expect_mark_failed()
        .with(eq(MailId::new(5)), always(), eq(None), eq(now()))
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let sender = MockMailSender::new();
    dispatcher(outbox, sender).dispatch_due(50).await.unwrap();
}

#[tokio::test]
async fn a_batch_stops_once_half_its_lease_has_passed() {
    // The first send takes half the lease; the second mail must not be started any
    // more, as it might still be sending when another dispatcher claims it.
    let mut clock = MockClock::new();
    let mut calls = 0;
    // Claim and the check before the first send at `now`; every later reading is after the first send.
    clock.expect_now().returning(move || {
        calls += 1;
        if calls <= 2 {
            now()
        } else {
            now() + Duration::minutes(5)
        }
    });
    let mut outbox = outbox_with(vec![queued(1, 1), queued(2, 1)]);
    outbox
        .expect_mark_sent()
        .with(eq(MailId::new(1)), always())
        .times(1)
        .returning(|_, _| Ok(()));
    let mut sender = MockMailSender::new();
    sender
        .expect_send()
        .withf(|m| m.id == MailId::new(1))
        .times(1)
        .returning(|_| Ok(()));
    let mut d = dispatcher(outbox, sender);
    d.clock = Arc::new(clock);
    assert_eq!(d.dispatch_due(50).await.unwrap(), 2);
}

#[tokio::test]
async fn a_store_failure_stops_the_batch() {
    let mut outbox = outbox_with(vec![queued(1, 1), queued(2, 1)]);
    outbox
        .expect_mark_sent()
        .times(1)
        .returning(|_, _| Err(clientele_domain::StoreError::Unavailable("down".into())));
    let mut sender = MockMailSender::new();
    sender.expect_send().times(1).returning(|_| Ok(()));
    assert!(dispatcher(outbox, sender).dispatch_due(50).await.is_err());
}
