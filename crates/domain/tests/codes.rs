//! Mailed-code flows against mocked ports: double opt-in at sign-up, activation and its
//! resend, e-mail change and its confirmation.

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use clientele_domain::clock::MockClock;
use clientele_domain::customers::*;
use clientele_domain::error::{StoreError, UniqueRule};
use clientele_domain::identity::*;
use clientele_domain::ids::*;
use clientele_domain::mail::{MailKind, OutgoingMail};
use clientele_domain::tenants::MockTenantRepository;
use clientele_domain::users::*;
use clientele_domain::values::*;

mod support;

fn clock() -> Arc<MockClock> {
    let mut c = MockClock::new();
    c.expect_now()
        .returning(|| Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    Arc::new(c)
}

fn hasher(verifies: bool) -> Arc<MockPasswordHasher> {
    let mut h = MockPasswordHasher::new();
    h.expect_hash()
        .returning(|_| Ok(PasswordHash::from_phc("$argon2id$fake".into())));
    h.expect_verify().returning(move |_, _| Ok(verifies));
    Arc::new(h)
}

fn ids() -> Arc<MockIdGenerator> {
    let mut ids = MockIdGenerator::new();
    ids.expect_public_id().returning(|| PublicId::parse("u9").unwrap());
    Arc::new(ids)
}

fn sign_up_request() -> SignUp {
    SignUp {
        customer_number: Some(CustomerNumber::parse("C1").unwrap()),
        kind: CustomerKind::Private,
        login: Login::parse("anna@example.com").unwrap(),
        email: Email::parse("anna@example.com").unwrap(),
        password: Password::parse("correct horse battery", PasswordPolicy::default(), &[]).unwrap(),
        person: PersonData {
            first_name: Some("Anna".into()),
            ..Default::default()
        },
        consents: Consents::default(),
        addresses: vec![],
        custom: Default::default(),
    }
}

/// Signs up in a tenant with or without double opt-in and returns what reached the store.
async fn sign_up_stored(double_opt_in: bool) -> NewAccount {
    let seen = Arc::new(Mutex::new(None));
    let mut customers = MockCustomerRepository::new();
    let keep = seen.clone();
    customers.expect_create_account().returning(move |_, new, _| {
        *keep.lock().unwrap() = Some(new.clone());
        Err(StoreError::Duplicate(UniqueRule::UserLogin))
    });
    let service = SignUpService {
        tenants: Arc::new(MockTenantRepository::new()),
        customers: Arc::new(customers),
        hasher: hasher(true),
        ids: ids(),
        secrets: support::secrets(),
        clock: clock(),
        opt_in: support::code_mail(CodePurpose::SignupOptIn),
    };
    let tenant = clientele_domain::tenants::Tenant {
        double_opt_in,
        ..support::tenant("{seq}")
    };
    let _ = service.sign_up(&tenant, sign_up_request()).await;
    let stored = seen.lock().unwrap().take().expect("create_account called");
    stored
}

#[tokio::test]
async fn with_double_opt_in_the_account_starts_inactive_with_a_mailed_code() {
    let new = sign_up_stored(true).await;
    let user = &new.users[0];
    assert!(!user.active);
    assert_eq!(user.email_verification, EmailVerification::Pending);
    let (code, mail) = new.opt_in.expect("opt-in code stored with the account");
    assert_eq!(code.purpose, CodePurpose::SignupOptIn);
    // Only the digest is stored; the plain code travels in the mail's link only.
    assert_eq!(code.digest.as_str(), "digest:plain-code");
    assert_eq!(code.expires_at, Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap());
    assert_eq!(mail.kind, MailKind::SignupOptIn);
    assert_eq!(mail.to.as_str(), "anna@example.com");
    assert_eq!(mail.params["link"], "https://shop.example/c?code=plain-code");
    assert_eq!(mail.params["first_name"], "Anna");
}

#[tokio::test]
async fn without_double_opt_in_the_account_is_active_at_once() {
    let new = sign_up_stored(false).await;
    assert!(new.users[0].active);
    assert_eq!(new.users[0].email_verification, EmailVerification::Unverified);
    assert!(new.opt_in.is_none());
}

fn pending_user() -> User {
    User {
        active: false,
        email_verification: EmailVerification::Pending,
        ..support::user("$argon2id$stored")
    }
}

fn authenticator(user: User, verifies: bool) -> Authenticator {
    let mut users = MockUserRepository::new();
    users
        .expect_by_login_with_status()
        .returning(move |_, _| Ok(Some((user.clone(), CustomerStatus::Active))));
    users.expect_record_failed_login().returning(|_, _| Ok(1));
    Authenticator {
        users: Arc::new(users),
        hasher: hasher(verifies),
        clock: clock(),
        lockout: LockoutPolicy::default(),
        legacy: None,
    }
}

#[tokio::test]
async fn an_account_awaiting_its_opt_in_says_so_only_to_the_right_password() {
    let tenant = support::tenant("{seq}");
    let right = authenticator(pending_user(), true)
        .login(&tenant, "anna@example.com", &Password::for_login("x"))
        .await
        .unwrap_err();
    assert!(matches!(right, AuthError::NotActivated));
    let wrong = authenticator(pending_user(), false)
        .login(&tenant, "anna@example.com", &Password::for_login("x"))
        .await
        .unwrap_err();
    assert!(matches!(wrong, AuthError::InvalidCredentials));
}

fn activation(users: MockUserRepository, codes: MockCodeRepository) -> ActivationService {
    ActivationService {
        users: Arc::new(users),
        codes: Arc::new(codes),
        sessions: SessionService {
            authenticator: authenticator(pending_user(), true),
            sessions: Arc::new(MockSessionRepository::new()),
            secrets: support::secrets(),
            ids: ids(),
            clock: clock(),
            policy: SessionPolicy::default(),
            recent: Default::default(),
        },
        secrets: support::secrets(),
        clock: clock(),
        mail: support::code_mail(CodePurpose::SignupOptIn),
    }
}

#[tokio::test]
async fn unknown_and_expired_activation_codes_are_told_apart_and_open_no_session() {
    for (lookup, expired) in [(CodeLookup::Unknown, false), (CodeLookup::Expired, true)] {
        let mut codes = MockCodeRepository::new();
        codes
            .expect_activate()
            .withf(|_, digest, _| digest.as_str() == "digest:the-code")
            .returning(move |_, _, _| Ok(lookup));
        // No session repository expectations: opening a session would panic.
        let err = activation(MockUserRepository::new(), codes)
            .activate(&support::tenant("{seq}"), "the-code")
            .await
            .unwrap_err();
        assert_eq!(matches!(err, ActivationError::ExpiredCode), expired);
        assert_eq!(matches!(err, ActivationError::InvalidCode), !expired);
    }
}

#[tokio::test]
async fn a_new_opt_in_link_goes_only_to_accounts_that_await_one() {
    for (user, mailed) in [
        (Some(pending_user()), true),
        (Some(support::user("$argon2id$stored")), false),
        (None, false),
    ] {
        let mut users = MockUserRepository::new();
        users.expect_by_login().returning(move |_, _| Ok(user.clone()));
        let mut codes = MockCodeRepository::new();
        codes
            .expect_create_code()
            .times(usize::from(mailed))
            .withf(|_, user, code, mail: &OutgoingMail, _| {
                *user == UserId::new(3)
                    && code.purpose == CodePurpose::SignupOptIn
                    && mail.kind == MailKind::SignupOptIn
            })
            .returning(|_, _, _, _, _| Ok(()));
        activation(users, codes)
            .resend(&support::tenant("{seq}"), &Email::parse("anna@example.com").unwrap())
            .await
            .unwrap();
    }
}

fn email_change(users: MockUserRepository, codes: MockCodeRepository, verifies: bool) -> EmailChangeService {
    EmailChangeService {
        users: Arc::new(users),
        codes: Arc::new(codes),
        hasher: hasher(verifies),
        secrets: support::secrets(),
        clock: clock(),
        mail: support::code_mail(CodePurpose::EmailChange),
    }
}

fn principal() -> Principal {
    Principal {
        tenant: TenantId::new(1),
        customer: CustomerId::new(7),
        user: UserId::new(3),
    }
}

fn change(current: &str, new: &str) -> EmailChangeRequest {
    EmailChangeRequest {
        current_email: current.into(),
        password: Password::for_login("secret"),
        new_email: Email::parse(new).unwrap(),
        sync_contact_email: true,
    }
}

fn users_with(taken: bool) -> MockUserRepository {
    let mut users = MockUserRepository::new();
    users
        .expect_by_id()
        .returning(|_, _| Ok(Some(support::user("$argon2id$stored"))));
    users
        .expect_by_login()
        .returning(move |_, _| Ok(taken.then(|| support::user("$argon2id$other"))));
    users
}

#[tokio::test]
async fn an_email_change_needs_the_current_address_and_password_and_a_free_new_address() {
    let cases = [
        ("anna@example.com", "new@example.com", false, false, "wrong password"),
        ("other@example.com", "new@example.com", true, false, "wrong address"),
        ("ANNA@example.com", "anna@Example.com", true, false, "same address"),
        ("anna@example.com", "new@example.com", true, true, "taken"),
    ];
    for (current, new, verifies, taken, case) in cases {
        // No create_code expectation: storing a code would panic.
        let err = email_change(users_with(taken), MockCodeRepository::new(), verifies)
            .request(&principal(), change(current, new))
            .await
            .unwrap_err();
        let expected = match case {
            "wrong password" | "wrong address" => matches!(err, EmailChangeError::WrongCredentials),
            "same address" => matches!(err, EmailChangeError::SameAddress),
            _ => matches!(err, EmailChangeError::Taken),
        };
        assert!(expected, "{case}: {err:?}");
    }
}

#[tokio::test]
async fn an_email_change_mails_a_code_to_the_new_address() {
    let mut codes = MockCodeRepository::new();
    codes
        .expect_create_code()
        .times(1)
        .withf(|_, user, code, mail: &OutgoingMail, _| {
            *user == UserId::new(3)
                && code.purpose == CodePurpose::EmailChange
                && code.new_email.as_ref().map(Email::as_str) == Some("new@example.com")
                && code.sync_contact_email
                && mail.kind == MailKind::EmailChangeConfirm
                && mail.to.as_str() == "new@example.com"
                && mail.params["link"] == "https://shop.example/c?code=plain-code"
        })
        .returning(|_, _, _, _, _| Ok(()));
    email_change(users_with(false), codes, true)
        .request(&principal(), change("Anna@Example.com", "new@example.com"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_confirmation_whose_address_was_taken_meanwhile_is_refused() {
    let mut codes = MockCodeRepository::new();
    codes
        .expect_change_email()
        .returning(|_, _, _| Err(StoreError::Duplicate(UniqueRule::UserLogin)));
    let err = email_change(MockUserRepository::new(), codes, true)
        .confirm(&support::tenant("{seq}"), "code")
        .await
        .unwrap_err();
    assert!(matches!(err, EmailChangeError::Taken));
}
