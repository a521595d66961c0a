//! Address-book rules with mocked ports: checks, preferences of new addresses, the
//! address limit, duplicates, versions and retries, the last-address rule.

mod support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use clientele_domain::addresses::{
    Address, AddressBook, AddressData, AddressDeletion, AddressError, AddressField, AddressLimits, AddressUsage,
    MockAddressRepository, OnDuplicate,
};
use clientele_domain::clock::SystemClock;
use clientele_domain::identity::{MockIdGenerator, Principal};
use clientele_domain::ids::{AddressId, CustomerId, PublicId, TenantId, UserId};
use clientele_domain::values::{CountryCode, ValueError};

fn who() -> Principal {
    Principal {
        tenant: TenantId::new(1),
        customer: CustomerId::new(7),
        user: UserId::new(3),
    }
}

fn data(usage: AddressUsage) -> AddressData {
    AddressData {
        first_name: Some("Anna".into()),
        last_name: Some("Meier".into()),
        postal_code: Some("10115".into()),
        usage,
        ..AddressData::new("Hauptstr. 1", "Berlin", CountryCode::parse("DE").unwrap())
    }
}

const BOTH: AddressUsage = AddressUsage {
    invoice: true,
    shipping: true,
    preferred_invoice: false,
    preferred_shipping: false,
};

fn stored(id: i64, version: i64, d: AddressData) -> Address {
    let t = Utc.timestamp_opt(0, 0).unwrap();
    Address {
        id: AddressId::new(id),
        public_id: PublicId::parse(&format!("a{id}")).unwrap(),
        tenant_id: TenantId::new(1),
        customer_id: CustomerId::new(7),
        data: d,
        created_at: t,
        updated_at: t,
        version,
    }
}

fn book(repo: MockAddressRepository, limits: AddressLimits) -> AddressBook {
    let mut ids = MockIdGenerator::new();
    ids.expect_public_id().returning(|| PublicId::parse("new").unwrap());
    AddressBook::new(Arc::new(repo), Arc::new(ids), Arc::new(SystemClock), limits)
}

#[tokio::test]
async fn the_first_address_becomes_preferred_for_both_purposes() {
    let mut repo = MockAddressRepository::new();
    repo.expect_list_for_customer().returning(|_, _| Ok(vec![]));
    repo.expect_add_address()
        .withf(|t, c, new, max, _| {
            t.get() == 1
                && c.get() == 7
                && *max == 100
                && new.data.usage.preferred_invoice
                && new.data.usage.preferred_shipping
        })
        .returning(|_, _, new, _, _| Ok(Some(stored(1, 1, new.data))));
    let created = book(repo, AddressLimits::default())
        .create(&who(), data(BOTH), OnDuplicate::Create)
        .await
        .unwrap();
    assert!(!created.existed);
}

#[tokio::test]
async fn a_later_address_does_not_take_a_held_preference() {
    let held = AddressUsage {
        preferred_invoice: true,
        preferred_shipping: true,
        ..BOTH
    };
    let mut repo = MockAddressRepository::new();
    repo.expect_list_for_customer()
        .returning(move |_, _| Ok(vec![stored(1, 1, data(held))]));
    repo.expect_add_address()
        .withf(|_, _, new, _, _| !new.data.usage.preferred_invoice && !new.data.usage.preferred_shipping)
        .returning(|_, _, new, _, _| Ok(Some(stored(2, 1, new.data))));
    let mut other = data(BOTH);
    other.city = "Potsdam".into();
    other.postal_code = Some("14482".into());
    book(repo, AddressLimits::default())
        .create(&who(), other, OnDuplicate::Create)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_equal_address_is_returned_instead_of_created_when_asked() {
    let mut repo = MockAddressRepository::new();
    repo.expect_list_for_customer()
        .returning(|_, _| Ok(vec![stored(1, 4, data(BOTH))]));
    repo.expect_add_address().never();
    let created = book(repo, AddressLimits::default())
        .create(&who(), data(BOTH), OnDuplicate::ReturnExisting)
        .await
        .unwrap();
    assert!(created.existed);
    assert_eq!(created.address.id.get(), 1);
}

#[tokio::test]
async fn a_full_address_book_refuses_one_more_without_writing() {
    let mut repo = MockAddressRepository::new();
    repo.expect_list_for_customer()
        .returning(|_, _| Ok(vec![stored(1, 1, data(BOTH)), stored(2, 1, data(BOTH))]));
    repo.expect_add_address().never();
    let limits = AddressLimits {
        max_per_customer: 2,
        ..Default::default()
    };
    let err = book(repo, limits)
        .create(&who(), data(BOTH), OnDuplicate::Create)
        .await
        .unwrap_err();
    assert!(matches!(err, AddressError::TooMany(2)), "{err:?}");
}

#[tokio::test]
async fn bad_postal_codes_tags_and_usage_are_refused_before_any_write() {
    let limits = AddressLimits::default();
    type Expect = fn(&AddressError) -> bool;
    let cases: Vec<(AddressData, Expect)> = vec![
        (
            AddressData {
                postal_code: Some("1011".into()),
                ..data(BOTH)
            },
            |e| {
                matches!(
                    e,
                    AddressError::Invalid {
                        field: AddressField::PostalCode,
                        why: ValueError::Malformed(_)
                    }
                )
            },
        ),
        (
            AddressData {
                postal_code: None,
                ..data(BOTH)
            },
            |e| {
                matches!(
                    e,
                    AddressError::Invalid {
                        field: AddressField::PostalCode,
                        why: ValueError::Missing
                    }
                )
            },
        ),
        (
            AddressData {
                tags: vec!["t".into(); 10_000],
                ..data(BOTH)
            },
            |e| {
                matches!(
                    e,
                    AddressError::Invalid {
                        field: AddressField::Tags,
                        why: ValueError::TooMany(50)
                    }
                )
            },
        ),
        (
            AddressData {
                tags: vec!["x".repeat(65)],
                ..data(BOTH)
            },
            |e| {
                matches!(
                    e,
                    AddressError::Invalid {
                        field: AddressField::Tags,
                        ..
                    }
                )
            },
        ),
        (data(AddressUsage::default()), |e| matches!(e, AddressError::NoUsage)),
    ];
    for (d, expected) in cases {
        let mut repo = MockAddressRepository::new();
        repo.expect_list_for_customer().never();
        repo.expect_add_address().never();
        let err = book(repo, limits)
            .create(&who(), d, OnDuplicate::Create)
            .await
            .unwrap_err();
        assert!(expected(&err), "{err:?}");
    }
}

#[tokio::test]
async fn a_stale_client_version_fails_without_writing() {
    let mut repo = MockAddressRepository::new();
    repo.expect_list_for_customer()
        .returning(|_, _| Ok(vec![stored(1, 5, data(BOTH))]));
    repo.expect_update_address().never();
    let err = book(repo, AddressLimits::default())
        .update(&who(), "a1", Some(4), |a: &Address| {
            Ok::<_, AddressError>(a.data.clone())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, AddressError::Stale));
}

#[tokio::test]
async fn a_write_without_version_retries_on_a_concurrent_change_but_a_versioned_one_does_not() {
    // The first compare-and-swap loses (someone wrote meanwhile), the second wins.
    let mut repo = MockAddressRepository::new();
    let mut version = 1;
    repo.expect_list_for_customer().returning(move |_, _| {
        version += 1;
        Ok(vec![stored(1, version, data(BOTH))])
    });
    let mut calls = 0;
    repo.expect_update_address()
        .times(2)
        .returning(move |_, _, _, expected, d, _| {
            calls += 1;
            Ok((calls == 2).then(|| stored(1, expected + 1, d)))
        });
    let a = book(repo, AddressLimits::default())
        .update(&who(), "a1", None, |a: &Address| Ok::<_, AddressError>(a.data.clone()))
        .await
        .unwrap();
    assert_eq!(a.version, 4);

    let mut repo = MockAddressRepository::new();
    repo.expect_list_for_customer()
        .returning(|_, _| Ok(vec![stored(1, 2, data(BOTH))]));
    repo.expect_update_address()
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(None));
    let err = book(repo, AddressLimits::default())
        .update(&who(), "a1", Some(2), |a: &Address| {
            Ok::<_, AddressError>(a.data.clone())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, AddressError::Stale));
}

#[tokio::test]
async fn the_preferred_address_must_stay_usable_for_its_purpose() {
    let preferred = AddressUsage {
        preferred_invoice: true,
        ..BOTH
    };
    let mut repo = MockAddressRepository::new();
    repo.expect_list_for_customer()
        .returning(move |_, _| Ok(vec![stored(1, 1, data(preferred))]));
    repo.expect_update_address().never();
    let err = book(repo, AddressLimits::default())
        .update(&who(), "a1", None, |a: &Address| {
            let mut d = a.data.clone();
            d.usage.invoice = false;
            Ok::<_, AddressError>(d)
        })
        .await
        .unwrap_err();
    assert!(matches!(err, AddressError::InconsistentUsage), "{err:?}");
}

#[tokio::test]
async fn unknown_ids_are_not_found_and_the_last_address_stays_when_asked() {
    let mut repo = MockAddressRepository::new();
    repo.expect_list_for_customer()
        .returning(|_, _| Ok(vec![stored(1, 1, data(BOTH))]));
    repo.expect_delete_address()
        .withf(|_, _, id, expected, keep_last, _| id.get() == 1 && *expected == 1 && *keep_last)
        .returning(|_, _, _, _, _, _| Ok(AddressDeletion::LastAddress));
    let book = book(repo, AddressLimits::default());
    assert!(matches!(
        book.delete(&who(), "someone-elses", None, true).await,
        Err(AddressError::NotFound)
    ));
    assert!(matches!(
        book.delete(&who(), "a1", None, true).await,
        Err(AddressError::LastAddress)
    ));
}
