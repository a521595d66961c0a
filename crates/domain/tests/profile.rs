//! Deleting one's own account with mocked ports: a private customer goes whole; a company
//! user goes alone while an administrator stays; the last administrator of a company with
//! other users cannot go; the last user takes the company along. And a back office's
//! profile change: its switches go to the store with the profile, with the kept role.

mod support;

use std::sync::Arc;

use clientele_domain::addresses::MockAddressRepository;
use clientele_domain::clock::SystemClock;
use clientele_domain::customers::{
    AccountSwitches, Actor, Erasure, MockCustomerRepository, OwnAccount, ProfileChange, ProfileError, ProfileService,
    ProfileWrite,
};
use clientele_domain::identity::Principal;
use clientele_domain::ids::{CustomerId, TenantId, UserId};
use clientele_domain::users::{MockUserRepository, UserPage};

fn who() -> Principal {
    Principal {
        tenant: TenantId::new(1),
        customer: CustomerId::new(7),
        user: UserId::new(3),
    }
}

/// A profile service whose store has the caller in a customer of this kind; the user
/// What the HTTP layer passes for an own-account deletion.
fn actor() -> Actor {
    Actor {
        by: "customer:3".into(),
        request_id: Some("req-1".into()),
    }
}

/// store removes a company member when `other_admin` and counts `users` in all.
fn service(business: bool, other_admin: bool, users: u64, erases: bool) -> ProfileService {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_by_id()
        .returning(move |_, _| Ok(Some(support::customer(business))));
    customers
        .expect_erase_user()
        .withf(|_, _, _, _, actor| actor.by == "customer:3" && actor.request_id.as_deref() == Some("req-1"))
        .times(usize::from(erases))
        .returning(move |_, _, _, _, _| Ok(Erasure { customer_erased: true }));
    let mut people = MockUserRepository::new();
    people
        .expect_by_id()
        .returning(|_, _| Ok(Some(support::user("$argon2id$x"))));
    people
        .expect_remove_member()
        .returning(move |_, _, _, kept, _, _| Ok(kept == "APP_B2B_ACCOUNT_OWNER" && other_admin));
    people.expect_page_for_customer().returning(move |_, _, _| {
        Ok(UserPage {
            users: vec![],
            budgets: vec![],
            total: users,
        })
    });
    let mut addresses = MockAddressRepository::new();
    addresses.expect_list_for_customer().returning(|_, _| Ok(vec![]));
    ProfileService::new(
        Arc::new(customers),
        Arc::new(people),
        Arc::new(addresses),
        Arc::new(SystemClock),
    )
}

#[tokio::test]
async fn a_private_customer_goes_whole() {
    let erased = service(false, false, 1, true)
        .delete_account(&who(), actor())
        .await
        .unwrap();
    assert!(erased.customer_erased);
}

#[tokio::test]
async fn a_company_user_goes_alone_while_an_administrator_stays() {
    let erased = service(true, true, 3, false)
        .delete_account(&who(), actor())
        .await
        .unwrap();
    assert!(!erased.customer_erased);
}

#[tokio::test]
async fn the_last_administrator_stays_while_the_company_has_other_users() {
    let err = service(true, false, 2, false)
        .delete_account(&who(), actor())
        .await
        .unwrap_err();
    assert!(matches!(err, ProfileError::LastAdministrator), "{err:?}");
}

#[tokio::test]
async fn the_last_user_takes_the_company_along() {
    let erased = service(true, false, 1, true)
        .delete_account(&who(), actor())
        .await
        .unwrap();
    assert!(erased.customer_erased);
}

/// A profile service whose store answers a profile write with `outcome` and records the
/// switches it was given.
fn administering(
    business: bool,
    outcome: ProfileWrite,
) -> (ProfileService, Arc<std::sync::Mutex<Vec<AccountSwitches>>>) {
    let seen = Arc::new(std::sync::Mutex::new(vec![]));
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_by_id()
        .returning(move |_, _| Ok(Some(support::customer(business))));
    let record = Arc::clone(&seen);
    customers
        .expect_update_profile()
        .times(1)
        .returning(move |_, _, _, _, _, switches, _| {
            record.lock().unwrap().push(switches);
            Ok(outcome)
        });
    let mut people = MockUserRepository::new();
    people
        .expect_by_id()
        .returning(|_, _| Ok(Some(support::user("$argon2id$x"))));
    let mut addresses = MockAddressRepository::new();
    addresses.expect_list_for_customer().returning(|_, _| Ok(vec![]));
    let service = ProfileService::new(
        Arc::new(customers),
        Arc::new(people),
        Arc::new(addresses),
        Arc::new(SystemClock),
    );
    (service, seen)
}

fn unchanged(current: &OwnAccount) -> Result<ProfileChange, ProfileError> {
    Ok(ProfileChange {
        person: current.user.person.clone(),
        email: current.user.email.clone(),
        company: None,
        custom: Default::default(),
        preferred_invoice: None,
        preferred_shipping: None,
    })
}

#[tokio::test]
async fn a_back_office_change_writes_the_switches_with_the_profile_and_keeps_a_company_owner() {
    // Whatever the dialect, the use case decides the kept role.
    let deactivate = AccountSwitches::new(Some(false), Some(true));
    for (business, kept) in [(true, Some("APP_B2B_ACCOUNT_OWNER")), (false, None)] {
        let (service, seen) = administering(business, ProfileWrite::Written);
        service.administer(&who(), unchanged, deactivate).await.unwrap();
        let seen: Vec<_> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| (s.user_active, s.login_blocked, s.kept_role()))
            .collect();
        assert_eq!(seen, vec![(Some(false), Some(true), kept)], "business: {business}");
    }
    // Activating keeps no role.
    let (service, seen) = administering(true, ProfileWrite::Written);
    let activate = AccountSwitches::new(Some(true), None);
    service.administer(&who(), unchanged, activate).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![activate]);
    // The store refused: the last owner stays, and the caller hears why.
    let (service, _) = administering(true, ProfileWrite::LastAdministrator);
    let err = service.administer(&who(), unchanged, deactivate).await.unwrap_err();
    assert!(matches!(err, ProfileError::LastAdministrator), "{err:?}");
}
