//! Deleting one's own account with mocked ports: a private customer goes whole; a company
//! user goes alone while an administrator stays; the last administrator of a company with
//! other users cannot go; the last user takes the company along.

mod support;

use std::sync::Arc;

use clientele_domain::addresses::MockAddressRepository;
use clientele_domain::clock::SystemClock;
use clientele_domain::customers::{Actor, Erasure, MockCustomerRepository, ProfileError, ProfileService};
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
