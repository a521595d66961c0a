//! Sign-up, authentication and profile use cases against mocked ports.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use clientele_domain::addresses::{AddressData, MockAddressRepository};
use clientele_domain::clock::MockClock;
use clientele_domain::customers::*;
use clientele_domain::error::{StoreError, UniqueRule};
use clientele_domain::identity::*;
use clientele_domain::ids::*;
use clientele_domain::tenants::{MockTenantRepository, Tenant};
use clientele_domain::users::*;
use clientele_domain::values::*;
use mockall::predicate::eq;

mod support;

fn tenant() -> Tenant {
    support::tenant("C{seq:4}")
}

fn clock() -> Arc<MockClock> {
    let mut c = MockClock::new();
    c.expect_now()
        .returning(|| Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    Arc::new(c)
}

fn ids() -> Arc<MockIdGenerator> {
    let mut ids = MockIdGenerator::new();
    let mut n = 0;
    ids.expect_public_id().returning(move || {
        n += 1;
        PublicId::parse(&format!("id{n}")).unwrap()
    });
    Arc::new(ids)
}

fn hasher() -> Arc<MockPasswordHasher> {
    let mut h = MockPasswordHasher::new();
    h.expect_hash()
        .returning(|_| Ok(PasswordHash::from_phc("$argon2id$fake".into())));
    Arc::new(h)
}

fn address() -> AddressData {
    AddressData {
        first_name: Some("A".into()),
        last_name: Some("B".into()),
        postal_code: Some("10115".into()),
        ..AddressData::new("Hauptstr. 1", "Berlin", CountryCode::parse("DE").unwrap())
    }
}

fn request(number: Option<&str>, kind: CustomerKind) -> SignUp {
    SignUp {
        customer_number: number.map(|n| CustomerNumber::parse(n).unwrap()),
        kind,
        login: Login::parse("anna@example.com").unwrap(),
        email: Email::parse("anna@example.com").unwrap(),
        password: Password::parse("correct horse battery", PasswordPolicy::default(), &[]).unwrap(),
        person: PersonData::default(),
        consents: Consents::default(),
        addresses: vec![address()],
        custom: Default::default(),
    }
}

fn service(tenants: MockTenantRepository, customers: MockCustomerRepository) -> SignUpService {
    SignUpService {
        tenants: Arc::new(tenants),
        customers: Arc::new(customers),
        hasher: hasher(),
        ids: ids(),
        secrets: support::secrets(),
        clock: clock(),
        opt_in: support::code_mail(CodePurpose::SignupOptIn),
    }
}

fn created(new: &NewAccount) -> Account {
    let t = Utc.timestamp_opt(0, 0).unwrap();
    Account {
        customer: Customer {
            id: CustomerId::new(7),
            public_id: new.customer.public_id.clone(),
            tenant_id: TenantId::new(1),
            number: new.customer.number.clone(),
            kind: new.customer.kind.clone(),
            status: CustomerStatus::Active,
            custom: Default::default(),
            external: Default::default(),
            created_at: t,
            updated_at: t,
            version: 1,
        },
        users: vec![],
        addresses: vec![],
    }
}

#[tokio::test]
async fn a_taken_login_is_reported_as_such() {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_create_account()
        .returning(|_, _, _| Err(StoreError::Duplicate(UniqueRule::UserLogin)));
    let err = service(MockTenantRepository::new(), customers)
        .sign_up(&tenant(), request(Some("X1"), CustomerKind::Private))
        .await
        .unwrap_err();
    assert!(matches!(err, SignUpError::LoginTaken));
}

#[tokio::test]
async fn a_generated_number_that_collides_is_drawn_again() {
    let mut tenants = MockTenantRepository::new();
    let mut seq = 41;
    tenants
        .expect_next_customer_seqs()
        .with(eq(TenantId::new(1)), eq(1))
        .times(2)
        .returning(move |_, _| {
            seq += 1;
            Ok(seq)
        });
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_create_account()
        .withf(|_, new, _| new.customer.number.as_str() == "C0042")
        .times(1)
        .returning(|_, _, _| Err(StoreError::Duplicate(UniqueRule::CustomerNumber)));
    customers
        .expect_create_account()
        .withf(|_, new, _| new.customer.number.as_str() == "C0043")
        .times(1)
        .returning(|_, new, _| Ok(created(&new)));
    let account = service(tenants, customers)
        .sign_up(&tenant(), request(None, CustomerKind::Private))
        .await
        .unwrap();
    assert_eq!(account.customer.number.as_str(), "C0043");
}

#[tokio::test]
async fn a_client_chosen_number_that_is_taken_fails_without_redrawing() {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_create_account()
        .times(1)
        .returning(|_, _, _| Err(StoreError::Duplicate(UniqueRule::CustomerNumber)));
    let err = service(MockTenantRepository::new(), customers)
        .sign_up(&tenant(), request(Some("X1"), CustomerKind::Private))
        .await
        .unwrap_err();
    assert!(matches!(err, SignUpError::CustomerNumberTaken));
}

#[tokio::test]
async fn the_first_business_user_administers_the_company_and_the_address_is_preferred() {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_create_account()
        .withf(|tenant, new, _| {
            let user = &new.users[0];
            let usage = new.addresses[0].data.usage;
            *tenant == TenantId::new(1)
                && user.roles == ["APP_B2B_ACCOUNT_OWNER", "APP_B2B_BUYER"]
                && user
                    .password_hash
                    .as_ref()
                    .is_some_and(|h| h.as_str() == "$argon2id$fake")
                && user.email_verification == EmailVerification::Unverified
                && usage.preferred_invoice
                && usage.preferred_shipping
        })
        .times(1)
        .returning(|_, new, _| Ok(created(&new)));
    let kind = CustomerKind::Business(Company {
        name: "ACME".into(),
        ..Default::default()
    });
    service(MockTenantRepository::new(), customers)
        .sign_up(&tenant(), request(Some("B1"), kind))
        .await
        .unwrap();
}

fn user(active: bool) -> User {
    User {
        active,
        ..support::user("$argon2id$stored")
    }
}

fn customer(status: CustomerStatus) -> Customer {
    let t = Utc.timestamp_opt(0, 0).unwrap();
    Customer {
        id: CustomerId::new(7),
        public_id: PublicId::parse("c7").unwrap(),
        tenant_id: TenantId::new(1),
        number: CustomerNumber::parse("C0001").unwrap(),
        kind: CustomerKind::Private,
        status,
        custom: Default::default(),
        external: Default::default(),
        created_at: t,
        updated_at: t,
        version: 1,
    }
}

fn authenticator(found: Option<User>, verifies: bool, status: CustomerStatus) -> Authenticator {
    let mut users = MockUserRepository::new();
    users
        .expect_by_login_with_status()
        .returning(move |_, _| Ok(found.clone().map(|u| (u, status))));
    users.expect_record_failed_login().returning(|_, _| Ok(1));
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_verify()
        .times(1)
        .returning(move |_, hash| Ok(hash.is_some() && verifies));
    Authenticator {
        users: Arc::new(users),
        hasher: Arc::new(hasher),
        clock: clock(),
        lockout: LockoutPolicy::default(),
        legacy: None,
    }
}

#[tokio::test]
async fn an_unknown_login_still_costs_one_verification() {
    // `times(1)` on verify: the unknown login is checked against the dummy hash.
    let auth = authenticator(None, true, CustomerStatus::Active);
    let err = auth
        .login(&tenant(), "nobody@example.com", &Password::for_login("whatever1"))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidCredentials));
}

#[tokio::test]
async fn wrong_password_inactive_user_and_blocked_customer_look_the_same() {
    let cases = [
        (user(true), false, CustomerStatus::Active),
        (user(false), true, CustomerStatus::Active),
        (user(true), true, CustomerStatus::LoginBlocked),
        (user(true), true, CustomerStatus::Deleted),
    ];
    for (u, verifies, status) in cases {
        let err = authenticator(Some(u), verifies, status)
            .login(&tenant(), "anna@example.com", &Password::for_login("x"))
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials), "{status:?}");
    }
}

#[test]
fn locks_grow_from_the_threshold_and_are_capped() {
    let p = LockoutPolicy {
        threshold: 3,
        base: chrono::Duration::seconds(30),
        max: chrono::Duration::seconds(200),
    };
    assert_eq!(p.lock_for(2), None);
    assert_eq!(p.lock_for(3), Some(chrono::Duration::seconds(30)));
    assert_eq!(p.lock_for(4), Some(chrono::Duration::seconds(60)));
    assert_eq!(p.lock_for(5), Some(chrono::Duration::seconds(120)));
    assert_eq!(p.lock_for(6), Some(chrono::Duration::seconds(200)));
    assert_eq!(p.lock_for(500), Some(chrono::Duration::seconds(200)));
}

#[tokio::test]
async fn a_locked_account_refuses_even_the_right_password() {
    let mut locked = user(true);
    locked.locked_until = Some(Utc.with_ymd_and_hms(2026, 11, 23, 12, 5, 0).unwrap()); // clock says 12:00
    let err = authenticator(Some(locked), true, CustomerStatus::Active)
        .login(&tenant(), "anna@example.com", &Password::for_login("right"))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidCredentials));
}

#[tokio::test]
async fn the_failure_that_reaches_the_threshold_locks_the_account() {
    let mut users = MockUserRepository::new();
    users
        .expect_by_login_with_status()
        .returning(|_, _| Ok(Some((user(true), CustomerStatus::Active))));
    users.expect_record_failed_login().returning(|_, _| Ok(5));
    let lock_end = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 30).unwrap();
    users
        .expect_lock()
        .with(eq(TenantId::new(1)), eq(UserId::new(3)), eq(lock_end))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(|_, _| Ok(false));
    let auth = Authenticator {
        users: Arc::new(users),
        hasher: Arc::new(hasher),
        clock: clock(),
        lockout: LockoutPolicy::default(),
        legacy: None,
    };
    let err = auth
        .login(&tenant(), "anna@example.com", &Password::for_login("wrong"))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidCredentials));
}

#[tokio::test]
async fn a_correct_password_yields_the_principal() {
    let p = authenticator(Some(user(true)), true, CustomerStatus::Active)
        .login(&tenant(), "ANNA@example.com", &Password::for_login("right"))
        .await
        .unwrap();
    assert_eq!(
        p,
        Principal {
            tenant: TenantId::new(1),
            customer: CustomerId::new(7),
            user: UserId::new(3)
        }
    );
}

#[tokio::test]
async fn a_deleted_customer_has_no_profile() {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_by_id()
        .returning(|_, _| Ok(Some(customer(CustomerStatus::Deleted))));
    let mut users = MockUserRepository::new();
    users.expect_by_id().returning(|_, _| Ok(Some(user(true))));
    let mut addresses = MockAddressRepository::new();
    addresses.expect_list_for_customer().never();
    let profile = ProfileService::new(
        Arc::new(customers),
        Arc::new(users),
        Arc::new(addresses),
        Arc::new(clientele_domain::clock::SystemClock),
    );
    let who = Principal {
        tenant: TenantId::new(1),
        customer: CustomerId::new(7),
        user: UserId::new(3),
    };
    assert!(matches!(profile.own_account(&who).await, Err(ProfileError::NotFound)));
}
