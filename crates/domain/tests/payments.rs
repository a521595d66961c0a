//! Payment instruments and gift cards with mocked ports: which methods a customer may
//! save, card numbers refused before any port is called, sealed direct debits and
//! duplicates, wrong gift-card PINs counted and locking, debits never below zero.

mod support;

use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use clientele_domain::clock::MockClock;
use clientele_domain::customers::OwnAccount;
use clientele_domain::identity::{MockIdGenerator, MockPasswordHasher};
use clientele_domain::ids::{CustomerId, PaymentInstrumentId, PublicId, TenantId, UserId};
use clientele_domain::payments::gift_cards::{Adjusted, GiftCard, GiftCardError, MockGiftCardRepository, PinPolicy};
use clientele_domain::payments::{
    GiftCards, MethodKind, MockPaymentInstrumentRepository, NewInstrument, PaymentCatalog, PaymentError,
    PaymentInstrument, PaymentInstruments, PaymentMethod, Restrictions,
};
use clientele_domain::values::{CurrencyCode, Money, PasswordHash};
use support::FakeCipher;

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn method(id: &str, kind: MethodKind, restrictions: Restrictions) -> PaymentMethod {
    PaymentMethod {
        id: id.into(),
        kind,
        display_names: Default::default(),
        parameters: vec![],
        restrictions,
        tenants: vec![],
    }
}

fn catalog() -> PaymentCatalog {
    PaymentCatalog::new(vec![
        method(
            "ISH_INVOICE",
            MethodKind::Plain,
            Restrictions {
                business_only: true,
                ..Default::default()
            },
        ),
        method("ISH_DEBIT_TRANSFER", MethodKind::DirectDebit, Restrictions::default()),
        method(
            "LOYAL",
            MethodKind::Plain,
            Restrictions {
                min_orders: 2,
                ..Default::default()
            },
        ),
        method("ISH_GIFT_CARD", MethodKind::GiftCard, Restrictions::default()),
        method("ELSEWHERE", MethodKind::Plain, Restrictions::default()),
    ])
    .unwrap()
}

fn clock() -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(t0);
    Arc::new(clock)
}

fn gift_cards(repo: MockGiftCardRepository, hasher: MockPasswordHasher) -> GiftCards {
    GiftCards {
        repo: Arc::new(repo),
        hasher: Arc::new(hasher),
        secrets: support::secrets(),
        ids: Arc::new(MockIdGenerator::new()),
        clock: clock(),
        policy: PinPolicy {
            attempts: 5,
            lock: Duration::minutes(15),
        },
    }
}

fn service(repo: MockPaymentInstrumentRepository) -> PaymentInstruments {
    let mut ids = MockIdGenerator::new();
    ids.expect_public_id().returning(|| PublicId::parse("p1").unwrap());
    PaymentInstruments {
        repo: Arc::new(repo),
        catalog: Arc::new(catalog()),
        cipher: Arc::new(FakeCipher("k1")),
        gift_cards: gift_cards(MockGiftCardRepository::new(), MockPasswordHasher::new()),
        ids: Arc::new(ids),
        clock: clock(),
    }
}

fn account(business: bool) -> OwnAccount {
    OwnAccount {
        customer: support::customer(business),
        user: support::user("$argon2id$x"),
        addresses: vec![],
    }
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn ids(methods: Vec<PaymentMethod>) -> Vec<String> {
    methods.into_iter().map(|m| m.id).collect()
}

#[tokio::test]
async fn options_follow_customer_kind_orders_and_tenant() {
    let mut all = catalog();
    all = PaymentCatalog::new(
        all.for_tenant("demo")
            .cloned()
            .map(|mut m| {
                if m.id == "ELSEWHERE" {
                    m.tenants = vec!["other".into()];
                }
                m
            })
            .collect(),
    )
    .unwrap();
    let orders = Arc::new(Mutex::new(1u64));
    let seen = orders.clone();
    let mut repo = MockPaymentInstrumentRepository::new();
    repo.expect_count_orders()
        .returning(move |_, _| Ok(*seen.lock().unwrap()));
    let mut s = service(repo);
    s.catalog = Arc::new(all);
    let tenant = support::tenant("{seq}");
    assert_eq!(
        ids(s.options(&tenant, &account(false)).await.unwrap()),
        ["ISH_DEBIT_TRANSFER", "ISH_GIFT_CARD"]
    );
    assert_eq!(
        ids(s.options(&tenant, &account(true)).await.unwrap()),
        ["ISH_INVOICE", "ISH_DEBIT_TRANSFER", "ISH_GIFT_CARD"]
    );
    *orders.lock().unwrap() = 2;
    assert_eq!(
        ids(s.options(&tenant, &account(false)).await.unwrap()),
        ["ISH_DEBIT_TRANSFER", "LOYAL", "ISH_GIFT_CARD"]
    );
}

#[tokio::test]
async fn card_numbers_are_refused_before_any_port_is_called() {
    let mut repo = MockPaymentInstrumentRepository::new();
    repo.expect_count_orders().returning(|_, _| Ok(0));
    repo.expect_list_instruments().never();
    repo.expect_insert_instrument().never();
    let s = service(repo);
    let tenant = support::tenant("{seq}");
    for bad in ["4111111111111111", "4111 1111 1111 1111", "IBAN 5500-0055-5555-5559"] {
        let err = s
            .add(
                &tenant,
                &account(false),
                "ISH_DEBIT_TRANSFER",
                params(&[("holder", bad), ("IBAN", "DE89370400440532013000")]),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, PaymentError::CardNumber), "{bad}: {err:?}");
    }
}

fn stored(new: NewInstrument) -> PaymentInstrument {
    PaymentInstrument {
        id: PaymentInstrumentId::new(1),
        public_id: new.public_id,
        tenant_id: new.tenant,
        customer_id: new.customer,
        user_id: Some(new.user),
        method: new.method,
        display: new.display,
        sealed: new.sealed,
        gift_card: new.gift_card,
        created_at: new.now,
        updated_at: new.now,
        version: 1,
    }
}

#[tokio::test]
async fn direct_debits_are_sealed_masked_and_saved_once() {
    let rows: Arc<Mutex<Vec<PaymentInstrument>>> = Arc::default();
    let mut repo = MockPaymentInstrumentRepository::new();
    repo.expect_count_orders().returning(|_, _| Ok(0));
    let listed = rows.clone();
    repo.expect_list_instruments()
        .withf(|t, c, u| *t == TenantId::new(1) && *c == CustomerId::new(7) && *u == Some(UserId::new(3)))
        .returning(move |_, _, _| Ok(listed.lock().unwrap().clone()));
    let inserted = rows.clone();
    repo.expect_insert_instrument().times(1).returning(move |new| {
        let row = stored(new);
        inserted.lock().unwrap().push(row.clone());
        Ok(row)
    });
    let s = service(repo);
    let tenant = support::tenant("{seq}");
    let dd = params(&[
        ("holder", "Anna"),
        ("IBAN", "de89 3704 0044 0532 0130 00"),
        ("BIC", "cobadeffxxx"),
    ]);
    let view = s
        .add(&tenant, &account(false), "ISH_DEBIT_TRANSFER", dd.clone())
        .await
        .unwrap();
    assert_eq!(view.account_identifier.as_deref(), Some("DE** **** **** **** **30 00"));
    let row = rows.lock().unwrap()[0].clone();
    assert_eq!(row.display["IBAN"], "DE** **** **** **** **30 00");
    assert_eq!(row.display["BIC"], "COBADEFFXXX");
    assert_eq!(row.user_id, Some(UserId::new(3)));
    let sealed = row.sealed.clone().unwrap();
    assert_eq!(sealed.key_id, "k1");
    assert!(sealed.bytes.starts_with(b"payment_instruments:1:7:p1\0"));
    let plain = String::from_utf8(sealed.bytes[27..].iter().rev().copied().collect()).unwrap();
    assert!(plain.contains("DE89370400440532013000"), "{plain}");

    // The same IBAN again, however it is spaced, is a duplicate.
    let again = s
        .add(
            &tenant,
            &account(false),
            "ISH_DEBIT_TRANSFER",
            params(&[("holder", "Other"), ("IBAN", "DE89370400440532013000")]),
        )
        .await
        .unwrap_err();
    assert!(matches!(again, PaymentError::Duplicate), "{again:?}");
    let unknown = s
        .add(&tenant, &account(false), "ISH_INVOICE", vec![])
        .await
        .unwrap_err();
    assert!(matches!(unknown, PaymentError::UnknownMethod));
    let missing = s
        .add(
            &tenant,
            &account(false),
            "ISH_DEBIT_TRANSFER",
            params(&[("IBAN", "DE89370400440532013000")]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(missing, PaymentError::Missing(ref f) if f == "holder"),
        "{missing:?}"
    );
}

#[tokio::test]
async fn an_unreadable_instrument_is_reported_in_the_export_not_hiding_the_others() {
    let rows: Arc<Mutex<Vec<PaymentInstrument>>> = Arc::default();
    let mut repo = MockPaymentInstrumentRepository::new();
    repo.expect_count_orders().returning(|_, _| Ok(0));
    let listed = rows.clone();
    repo.expect_list_instruments()
        .returning(move |_, _, _| Ok(listed.lock().unwrap().clone()));
    let inserted = rows.clone();
    repo.expect_insert_instrument().returning(move |new| {
        let row = stored(new);
        inserted.lock().unwrap().push(row.clone());
        Ok(row)
    });
    let s = service(repo);
    let tenant = support::tenant("{seq}");
    let dd = params(&[("holder", "Anna"), ("IBAN", "DE89370400440532013000")]);
    s.add(&tenant, &account(false), "ISH_DEBIT_TRANSFER", dd).await.unwrap();
    let mut broken = rows.lock().unwrap()[0].clone();
    broken.public_id = PublicId::parse("p2").unwrap();
    rows.lock().unwrap().push(broken);

    let opened = s.parameters_of(&tenant, CustomerId::new(7)).await.unwrap();
    assert_eq!(opened.len(), 2);
    assert_eq!(opened[0].2.as_ref().unwrap()["IBAN"], "DE89370400440532013000");
    assert!(
        matches!(&opened[1].2, Err(PaymentError::Undecryptable(why)) if why.contains("p2")),
        "{:?}",
        opened[1].2
    );
}

fn card(pin_failures: i32, locked_until: Option<chrono::DateTime<Utc>>) -> GiftCard {
    let eur = CurrencyCode::parse("EUR").unwrap();
    GiftCard {
        id: 9,
        public_id: PublicId::parse("g9").unwrap(),
        tenant: TenantId::new(1),
        number: "GC-1".into(),
        pin_hash: PasswordHash::from_phc("$argon2id$pin".into()),
        initial: Money {
            minor: 5000,
            currency: eur,
        },
        balance: Money {
            minor: 5000,
            currency: eur,
        },
        valid_from: None,
        valid_until: None,
        blocked: false,
        pin_failures,
        locked_until,
        created_at: t0(),
        updated_at: t0(),
    }
}

#[tokio::test]
async fn wrong_pins_are_counted_and_a_locked_card_is_not_checked() {
    let mut repo = MockGiftCardRepository::new();
    repo.expect_gift_card_by_number()
        .withf(|_, n| n == "GC-1")
        .returning(|_, _| Ok(Some(card(4, None))));
    repo.expect_gift_card_pin_failed()
        .withf(|id, after, until| *id == 9 && *after == 5 && *until == t0() + Duration::minutes(15))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().times(1).returning(|_, _| Ok(false));
    let cards = gift_cards(repo, hasher);
    let err = cards
        .check_pin(&support::tenant("{seq}"), "gc-1", "0000")
        .await
        .unwrap_err();
    assert!(matches!(err, GiftCardError::WrongNumberOrPin), "{err:?}");

    let mut repo = MockGiftCardRepository::new();
    repo.expect_gift_card_by_number()
        .returning(|_, _| Ok(Some(card(0, Some(t0() + Duration::minutes(1))))));
    repo.expect_gift_card_pin_failed().never();
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().never();
    let err = gift_cards(repo, hasher)
        .check_pin(&support::tenant("{seq}"), "GC-1", "1234")
        .await
        .unwrap_err();
    assert!(matches!(err, GiftCardError::Locked), "{err:?}");
}

#[tokio::test]
async fn debits_stay_in_the_cards_currency_and_above_zero() {
    let mut repo = MockGiftCardRepository::new();
    repo.expect_gift_card_by_number()
        .returning(|_, _| Ok(Some(card(0, None))));
    repo.expect_adjust_gift_card()
        .withf(|id, amount, key, _, _| *id == 9 && *amount == -6000 && key == "order-1")
        .times(1)
        .returning(|_, _, _, _, _| Ok(Adjusted::Insufficient { balance: 5000 }));
    let cards = gift_cards(repo, MockPasswordHasher::new());
    let tenant = support::tenant("{seq}");
    let eur = CurrencyCode::parse("EUR").unwrap();
    let usd = CurrencyCode::parse("USD").unwrap();
    let err = cards
        .adjust(
            &tenant,
            "GC-1",
            Money {
                minor: -6000,
                currency: eur,
            },
            "order-1",
            "",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, GiftCardError::Insufficient { balance } if balance.minor == 5000),
        "{err:?}"
    );
    let err = cards
        .adjust(
            &tenant,
            "GC-1",
            Money {
                minor: -100,
                currency: usd,
            },
            "order-2",
            "",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, GiftCardError::Invalid(_)), "{err:?}");
    let err = cards
        .adjust(
            &tenant,
            "GC-1",
            Money {
                minor: -100,
                currency: eur,
            },
            " ",
            "",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, GiftCardError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn blocked_expired_and_future_cards_take_no_debits() {
    let eur = CurrencyCode::parse("EUR").unwrap();
    for (change, expected) in [
        ((|c: &mut GiftCard| c.blocked = true) as fn(&mut GiftCard), "blocked"),
        (|c: &mut GiftCard| c.valid_until = Some(t0()), "expired"),
        (
            |c: &mut GiftCard| c.valid_from = Some(t0() + Duration::days(1)),
            "not valid yet",
        ),
    ] {
        let mut repo = MockGiftCardRepository::new();
        repo.expect_gift_card_by_number().returning(move |_, _| {
            let mut c = card(0, None);
            change(&mut c);
            Ok(Some(c))
        });
        repo.expect_adjust_gift_card().never();
        let err = gift_cards(repo, MockPasswordHasher::new())
            .adjust(
                &support::tenant("{seq}"),
                "GC-1",
                Money {
                    minor: -100,
                    currency: eur,
                },
                "k",
                "",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
}
