//! Session use cases against mocked ports.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use clientele_domain::clock::MockClock;
use clientele_domain::identity::*;
use clientele_domain::ids::*;
use clientele_domain::tenants::Tenant;
use clientele_domain::users::MockUserRepository;
use mockall::predicate::eq;

mod support;

fn tenant() -> Tenant {
    support::tenant("{seq}")
}

fn service(sessions: MockSessionRepository) -> SessionService {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || now);
    let clock = Arc::new(clock);
    let mut secrets = MockSecrets::new();
    let mut n = 0;
    secrets.expect_token().returning(move || {
        n += 1;
        format!("token{n}")
    });
    secrets
        .expect_digest()
        .returning(|t| TokenDigest::new(format!("digest-of-{t}")));
    let mut ids = MockIdGenerator::new();
    ids.expect_public_id().returning(|| PublicId::parse("family1").unwrap());
    SessionService {
        authenticator: Authenticator {
            users: Arc::new(MockUserRepository::new()),
            hasher: Arc::new(MockPasswordHasher::new()),
            clock: clock.clone(),
            lockout: LockoutPolicy::default(),
            legacy: None,
        },
        sessions: Arc::new(sessions),
        secrets: Arc::new(secrets),
        ids: Arc::new(ids),
        clock,
        policy: SessionPolicy {
            access_ttl: Duration::minutes(30),
            refresh_ttl: Duration::days(30),
        },
        recent: Default::default(),
    }
}

fn stored(new: &NewSession, now: chrono::DateTime<Utc>) -> Session {
    Session {
        id: SessionId::new(9),
        tenant_id: TenantId::new(1),
        family: new.family.clone(),
        subject: new.subject,
        access_expires_at: new.tokens.access_expires_at,
        refresh_expires_at: new.tokens.refresh_expires_at,
        created_at: now,
    }
}

#[tokio::test]
async fn only_digests_are_stored_and_the_tokens_are_handed_out_once() {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_insert()
        .withf(|_, new, _| {
            new.tokens.access.as_str() == "digest-of-token1" && new.tokens.refresh.as_str() == "digest-of-token2"
        })
        .returning(|_, new, now| Ok(stored(&new, now)));
    let issued = service(sessions).anonymous(&tenant()).await.unwrap();
    assert_eq!(
        (issued.access_token.as_str(), issued.refresh_token.as_str()),
        ("token1", "token2")
    );
    assert_eq!((issued.expires_in, issued.refresh_expires_in), (1800, 30 * 86400));
    assert_eq!(issued.session.principal(), None, "anonymous sessions have no principal");
}

#[tokio::test]
async fn a_replayed_refresh_token_revokes_its_family() {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_rotate()
        .withf(|_, refresh, _, _| refresh.as_str() == "digest-of-stolen")
        .returning(|_, _, _, _| {
            Ok(Rotation::Replayed {
                family: PublicId::parse("fam7").unwrap(),
            })
        });
    sessions
        .expect_revoke_family()
        .with(
            eq(TenantId::new(1)),
            eq(PublicId::parse("fam7").unwrap()),
            mockall::predicate::always(),
        )
        .times(1)
        .returning(|_, _, _| Ok(2));
    let err = service(sessions).refresh(&tenant(), "stolen").await.unwrap_err();
    assert!(matches!(err, TokenError::Invalid));
}

#[tokio::test]
async fn unknown_tokens_are_invalid_without_saying_why() {
    let mut sessions = MockSessionRepository::new();
    sessions.expect_rotate().returning(|_, _, _, _| Ok(Rotation::Unknown));
    sessions.expect_by_access().returning(|_, _, _| Ok(None));
    sessions.expect_revoke_family().never();
    let svc = service(sessions);
    assert!(matches!(svc.refresh(&tenant(), "nope").await, Err(TokenError::Invalid)));
    assert!(matches!(
        svc.authenticate(&tenant(), "nope").await,
        Err(TokenError::Invalid)
    ));
    assert!(matches!(svc.logout(&tenant(), "nope").await, Err(TokenError::Invalid)));
}

#[tokio::test]
async fn per_request_credentials_open_a_session_whose_refresh_ends_with_its_access() {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_insert()
        .withf(|_, new, _| new.tokens.refresh_expires_at == new.tokens.access_expires_at)
        .times(1)
        .returning(|_, new, now| Ok(stored(&new, now)));
    let mut users = MockUserRepository::new();
    users.expect_by_login_with_status().returning(|_, _| {
        Ok(Some((
            support::user("$argon2id$stored"),
            clientele_domain::customers::CustomerStatus::Active,
        )))
    });
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(|_, _| Ok(true));
    let mut service = service(sessions);
    service.authenticator.users = Arc::new(users);
    service.authenticator.hasher = Arc::new(hasher);
    let issued = service
        .login_access_only(
            &tenant(),
            "anna@example.com",
            &clientele_domain::values::Password::for_login("right"),
        )
        .await
        .unwrap();
    assert_eq!(issued.refresh_expires_in, issued.expires_in);
}

// --- Remembered logins (recent_logins): a repeated login skips reading its user. ---

/// A hasher for which password `p` matches hash `$argon2id$p`, counting its verifies.
fn counting_hasher(verifies: Arc<std::sync::atomic::AtomicUsize>) -> MockPasswordHasher {
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(move |password, hash| {
        verifies.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(hash.is_some_and(|h| h.as_str() == format!("$argon2id${}", password.expose())))
    });
    hasher
}

/// A service whose user repository answers `reads` in turn, one per read.
fn remembering(
    sessions: MockSessionRepository,
    mut users: MockUserRepository,
    reads: Vec<clientele_domain::users::User>,
) -> (SessionService, Arc<std::sync::atomic::AtomicUsize>) {
    let reads = std::sync::Mutex::new(reads.into_iter());
    users.expect_by_login_with_status().returning(move |_, _| {
        let user = reads.lock().unwrap().next().expect("no more reads expected");
        Ok(Some((user, clientele_domain::customers::CustomerStatus::Active)))
    });
    let verifies = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut service = service(sessions);
    service.authenticator.users = Arc::new(users);
    service.authenticator.hasher = Arc::new(counting_hasher(verifies.clone()));
    (service, verifies)
}

/// Sessions that expect `fresh` plain inserts: logins decided from the store.
fn inserting(fresh: usize) -> MockSessionRepository {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_insert()
        .times(fresh)
        .returning(|_, new, now| Ok(stored(&new, now)));
    sessions
}

async fn log_in(service: &SessionService, password: &str) -> Result<IssuedTokens, AuthError> {
    let password = clientele_domain::values::Password::for_login(password);
    service.login(&tenant(), "Anna@Example.com", &password).await
}

fn verifies(counter: &std::sync::atomic::AtomicUsize) -> usize {
    counter.load(std::sync::atomic::Ordering::SeqCst)
}

#[tokio::test]
async fn a_repeated_login_verifies_the_remembered_hash_and_lets_the_store_confirm_it() {
    let mut sessions = inserting(1);
    sessions
        .expect_insert_if_current()
        .withf(|t, new, current, _| {
            *t == TenantId::new(1)
                && new.subject
                    == Subject::User {
                        customer: CustomerId::new(7),
                        user: UserId::new(3),
                    }
                && current.login_key == "anna@example.com"
                && current.password_hash.as_str() == "$argon2id$right"
        })
        .times(2)
        .returning(|_, new, _, now| Ok(Some(stored(&new, now))));
    // One read: the first login's.
    let (service, count) = remembering(
        sessions,
        MockUserRepository::new(),
        vec![support::user("$argon2id$right")],
    );
    for _ in 0..3 {
        let issued = log_in(&service, "right").await.unwrap();
        assert_eq!(issued.session.principal().unwrap().user, UserId::new(3));
    }
    assert_eq!(verifies(&count), 3, "one verify per login");
}

#[tokio::test]
async fn a_remembered_login_the_store_no_longer_confirms_is_decided_from_the_store() {
    let mut sessions = inserting(1);
    // Locked since by another instance: the store refuses the remembered state.
    sessions
        .expect_insert_if_current()
        .times(1)
        .returning(|_, _, _, _| Ok(None));
    let mut locked = support::user("$argon2id$right");
    locked.locked_until = Some(Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap());
    let mut users = MockUserRepository::new();
    users.expect_record_failed_login().never();
    let (service, count) = remembering(sessions, users, vec![support::user("$argon2id$right"), locked]);
    log_in(&service, "right").await.unwrap();
    let err = log_in(&service, "right").await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidCredentials), "{err:?}");
    assert_eq!(
        verifies(&count),
        2,
        "the stored hash is the one verified: no second verify"
    );
}

#[tokio::test]
async fn a_wrong_password_on_a_remembered_login_counts_as_a_failed_login_in_the_store() {
    let mut sessions = inserting(1);
    sessions.expect_insert_if_current().never();
    let mut users = MockUserRepository::new();
    users
        .expect_record_failed_login()
        .with(eq(TenantId::new(1)), eq(UserId::new(3)))
        .times(1)
        .returning(|_, _| Ok(1));
    let user = support::user("$argon2id$right");
    let (service, count) = remembering(sessions, users, vec![user.clone(), user]);
    log_in(&service, "right").await.unwrap();
    let err = log_in(&service, "wrong").await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidCredentials), "{err:?}");
    assert_eq!(verifies(&count), 2, "one verify per login");
}

#[tokio::test]
async fn a_password_changed_since_it_was_remembered_is_verified_against_the_new_hash() {
    let mut sessions = inserting(2);
    sessions.expect_insert_if_current().never();
    let (service, count) = remembering(
        sessions,
        MockUserRepository::new(),
        vec![support::user("$argon2id$old"), support::user("$argon2id$new")],
    );
    log_in(&service, "old").await.unwrap();
    log_in(&service, "new").await.unwrap();
    assert_eq!(verifies(&count), 3, "the remembered hash, then the stored one");
}
