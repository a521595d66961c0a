//! Password changes against mocked ports.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use clientele_domain::clock::MockClock;
use clientele_domain::identity::*;
use clientele_domain::ids::*;
use clientele_domain::users::*;
use clientele_domain::values::*;

mod support;

fn user() -> User {
    support::user("current")
}

const WHO: Principal = Principal {
    tenant: TenantId::new(1),
    customer: CustomerId::new(7),
    user: UserId::new(3),
};

/// A hasher whose "hash" of a password is the password itself.
fn hasher() -> MockPasswordHasher {
    let mut h = MockPasswordHasher::new();
    h.expect_verify()
        .returning(|pw, hash| Ok(hash.is_some_and(|h| h.as_str() == pw.expose())));
    h.expect_hash()
        .returning(|pw| Ok(PasswordHash::from_phc(pw.expose().to_owned())));
    h
}

fn service(users: MockUserRepository) -> CredentialsService {
    let mut clock = MockClock::new();
    clock
        .expect_now()
        .returning(|| Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    CredentialsService {
        users: Arc::new(users),
        hasher: Arc::new(hasher()),
        clock: Arc::new(clock),
        policy: PasswordPolicy::default(),
        history: 3,
    }
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing() {
    let mut users = MockUserRepository::new();
    users.expect_by_id().returning(|_, _| Ok(Some(user())));
    users.expect_set_password().never();
    let err = service(users)
        .change_password(&WHO, &Password::for_login("not current"), "a fine new secret")
        .await
        .unwrap_err();
    assert!(matches!(err, ChangePasswordError::WrongCurrentPassword));
}

#[tokio::test]
async fn a_password_from_the_history_is_refused() {
    let mut users = MockUserRepository::new();
    users.expect_by_id().returning(|_, _| Ok(Some(user())));
    // history 3 = the current password and the two before it.
    users
        .expect_password_history()
        .withf(|_, _, limit| *limit == 2)
        .returning(|_, _, _| Ok(vec![PasswordHash::from_phc("an older secret".into())]));
    users.expect_set_password().never();
    let err = service(users)
        .change_password(&WHO, &Password::for_login("current"), "an older secret")
        .await
        .unwrap_err();
    assert!(matches!(err, ChangePasswordError::RecentlyUsed));
}

#[tokio::test]
async fn a_change_stores_the_new_hash_which_ends_every_session_in_the_store() {
    let mut users = MockUserRepository::new();
    users.expect_by_id().returning(|_, _| Ok(Some(user())));
    users.expect_password_history().returning(|_, _, _| Ok(vec![]));
    users
        .expect_set_password()
        .withf(|_, id, hash, keep, _| *id == UserId::new(3) && hash.as_str() == "a fine new secret" && *keep == 2)
        .times(1)
        .returning(|_, _, _, _, _| Ok(2));
    service(users)
        .change_password(&WHO, &Password::for_login("current"), "a fine new secret")
        .await
        .unwrap();
}

#[tokio::test]
async fn the_new_password_obeys_the_policy_and_may_not_be_the_login() {
    for weak in ["short", "anna@example.com", "password123"] {
        let mut users = MockUserRepository::new();
        users.expect_by_id().returning(|_, _| Ok(Some(user())));
        let err = service(users)
            .change_password(&WHO, &Password::for_login("current"), weak)
            .await
            .unwrap_err();
        assert!(matches!(err, ChangePasswordError::Weak(_)), "{weak}");
    }
}
