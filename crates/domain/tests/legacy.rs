//! Imported legacy hashes at login, with mocked ports: verified only while the tenant's
//! migration window is open, then replaced by argon2id; never tried for a user who has
//! a password already.

mod support;

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use clientele_domain::clock::SystemClock;
use clientele_domain::customers::CustomerStatus;
use clientele_domain::identity::{
    AuthError, Authenticator, LegacyAlgorithm, LegacyHash, LegacyLogin, LockoutPolicy, MockLegacyVerifier,
    MockPasswordHasher, MockPasswordMigrationRepository, PasswordMigration,
};
use clientele_domain::users::{MockUserRepository, User};
use clientele_domain::values::{Password, PasswordHash};

fn legacy_user() -> User {
    User {
        password_hash: None,
        legacy_auth: Some(LegacyHash {
            algorithm: LegacyAlgorithm::Bcrypt,
            hash: "$2b$04$x".into(),
            context: Default::default(),
        }),
        ..support::user("unused")
    }
}

fn window(end: NaiveDate) -> Option<PasswordMigration> {
    Some(PasswordMigration {
        retention_end: end,
        reminder_date: end,
        notifications: true,
    })
}

struct Setup {
    user: User,
    window: Option<PasswordMigration>,
    legacy_matches: bool,
    /// Expected calls of the legacy verifier and of the migration write.
    verifies: usize,
    migrates: usize,
}

fn authenticator(s: Setup) -> Authenticator {
    let mut users = MockUserRepository::new();
    let user = s.user.clone();
    users
        .expect_by_login_with_status()
        .returning(move |_, _| Ok(Some((user.clone(), CustomerStatus::Active))));
    users.expect_record_failed_login().returning(|_, _| Ok(1));
    users
        .expect_migrate_password()
        .times(s.migrates)
        .withf(|_, _, hash, _| hash.as_str() == "$argon2id$new")
        .returning(|_, _, _, _| Ok(()));
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(|_, hash| Ok(hash.is_some()));
    hasher
        .expect_hash()
        .times(s.migrates)
        .returning(|_| Ok(PasswordHash::from_phc("$argon2id$new".into())));
    let mut verifier = MockLegacyVerifier::new();
    let matches = s.legacy_matches;
    verifier
        .expect_verify_legacy()
        .times(s.verifies)
        .returning(move |_, _| Ok(matches));
    let mut migrations = MockPasswordMigrationRepository::new();
    let w = s.window;
    migrations.expect_password_migration().returning(move |_| Ok(w));
    Authenticator {
        users: Arc::new(users),
        hasher: Arc::new(hasher),
        clock: Arc::new(SystemClock),
        lockout: LockoutPolicy::default(),
        legacy: Some(LegacyLogin {
            verifier: Arc::new(verifier),
            migrations: Arc::new(migrations),
        }),
    }
}

async fn login(a: &Authenticator) -> Result<(), AuthError> {
    a.login(
        &support::tenant("{seq}"),
        "anna@example.com",
        &Password::for_login("old secret"),
    )
    .await
    .map(|_| ())
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

#[tokio::test]
async fn a_matching_legacy_hash_logs_in_once_and_is_replaced_by_argon2id() {
    let a = authenticator(Setup {
        user: legacy_user(),
        window: window(today()),
        legacy_matches: true,
        verifies: 1,
        migrates: 1,
    });
    login(&a).await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_against_a_legacy_hash_fails_and_migrates_nothing() {
    let a = authenticator(Setup {
        user: legacy_user(),
        window: window(today()),
        legacy_matches: false,
        verifies: 1,
        migrates: 0,
    });
    assert!(matches!(login(&a).await, Err(AuthError::InvalidCredentials)));
}

#[tokio::test]
async fn after_the_window_or_without_one_legacy_hashes_are_not_even_tried() {
    for w in [window(today() - Duration::days(1)), None] {
        let a = authenticator(Setup {
            user: legacy_user(),
            window: w,
            legacy_matches: true,
            verifies: 0,
            migrates: 0,
        });
        assert!(matches!(login(&a).await, Err(AuthError::InvalidCredentials)));
    }
}

#[tokio::test]
async fn a_user_with_a_password_never_falls_back_to_a_legacy_hash() {
    let user = User {
        password_hash: Some(PasswordHash::from_phc("$argon2id$current".into())),
        ..legacy_user()
    };
    let mut a = authenticator(Setup {
        user,
        window: window(today()),
        legacy_matches: true,
        verifies: 0,
        migrates: 0,
    });
    // The current password does not match.
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(|_, _| Ok(false));
    a.hasher = Arc::new(hasher);
    assert!(matches!(login(&a).await, Err(AuthError::InvalidCredentials)));
}

#[tokio::test]
async fn a_locked_or_inactive_account_never_reaches_its_legacy_hash() {
    let locked = User {
        locked_until: Some(Utc::now() + Duration::minutes(5)),
        ..legacy_user()
    };
    let inactive = User {
        active: false,
        ..legacy_user()
    };
    for user in [locked, inactive] {
        let a = authenticator(Setup {
            user,
            window: window(today()),
            legacy_matches: true,
            verifies: 0,
            migrates: 0,
        });
        assert!(matches!(login(&a).await, Err(AuthError::InvalidCredentials)));
    }
}
