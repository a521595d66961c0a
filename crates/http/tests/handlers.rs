//! Handler tests: the real app factory over mocked domain ports, driven by
//! `actix_web::test` (no network, no database).

use std::sync::Arc;

use actix_web::{http::StatusCode, test};
use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use clientele_domain::addresses::{AddressBook, AddressLimits, MockAddressRepository};
use clientele_domain::clock::SystemClock;
use clientele_domain::cost_centers::spending::MockSpendingRepository;
use clientele_domain::cost_centers::{CostCenterService, MockCostCenterRepository, SpendingService};
use clientele_domain::customers::*;
use clientele_domain::error::{StoreError, UniqueRule};
use clientele_domain::identity::*;
use clientele_domain::ids::*;
use clientele_domain::tenants::{MockTenantRepository, Tenant, TenantName, TenantService};
use clientele_domain::users::MockUserRepository;
use clientele_domain::values::*;
use clientele_http::{app, AppState, HttpLimits, Metrics, PoolGauges, Readiness, Services};
use serde_json::json;

struct AlwaysReady;

#[async_trait]
impl Readiness for AlwaysReady {
    async fn check(&self) -> Result<(), String> {
        Ok(())
    }
    fn pool_gauges(&self) -> PoolGauges {
        PoolGauges::default()
    }
}

fn demo() -> Tenant {
    Tenant {
        id: TenantId::new(1),
        name: TenantName::parse("demo").unwrap(),
        customer_number_pattern: CustomerNumberPattern::parse("{seq}").unwrap(),
        double_opt_in: false,
        time_zone: clientele_domain::tenants::Tz::UTC,
        created_at: Utc.timestamp_opt(0, 0).unwrap(),
    }
}

/// A live anonymous session of `tenant`.
fn anonymous(tenant: TenantId, now: chrono::DateTime<Utc>) -> Session {
    Session {
        id: SessionId::new(1),
        tenant_id: tenant,
        family: PublicId::parse("fam").unwrap(),
        subject: Subject::Anonymous,
        access_expires_at: now + chrono::Duration::minutes(5),
        refresh_expires_at: now + chrono::Duration::days(1),
        created_at: now,
    }
}

/// App state whose customer repository behaves as `customers` says; the demo tenant exists.
fn state(customers: MockCustomerRepository, users: MockUserRepository) -> AppState {
    let mut tenants = MockTenantRepository::new();
    tenants
        .expect_by_name()
        .returning(|name| Ok((name.as_str() == "demo").then(demo)));
    tenants.expect_next_customer_seqs().returning(|_, _| Ok(1));
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_hash()
        .returning(|_| Ok(PasswordHash::from_phc("$argon2id$fake".into())));
    hasher.expect_verify().returning(|_, _| Ok(false));
    // Every bearer token is a live anonymous session.
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_by_access()
        .returning(|tenant, _, now| Ok(Some(anonymous(tenant, now))));
    sessions
        .expect_by_access_with_account()
        .returning(|tenant, _, now| Ok(Some((anonymous(tenant, now), None))));
    let mut secrets = MockSecrets::new();
    secrets.expect_digest().returning(|t| TokenDigest::new(t.to_owned()));
    let mut ids = MockIdGenerator::new();
    ids.expect_public_id().returning(|| PublicId::parse("pub1").unwrap());
    let (tenants, customers, users, hasher, ids) = (
        Arc::new(tenants),
        Arc::new(customers),
        Arc::new(users),
        Arc::new(hasher),
        Arc::new(ids),
    );
    let clock = Arc::new(SystemClock);
    let code_mail = |purpose| CodeMail {
        purpose,
        ttl: chrono::Duration::hours(24),
        link: MailLink {
            base: "http://shop".into(),
            path: "/code?c={code}".into(),
        },
    };
    let secrets = Arc::new(secrets);
    let sessions = SessionService {
        authenticator: Authenticator {
            users: users.clone(),
            hasher: hasher.clone(),
            clock: clock.clone(),
            lockout: LockoutPolicy::default(),
            legacy: None,
        },
        sessions: Arc::new(sessions),
        secrets: secrets.clone(),
        ids: ids.clone(),
        clock: clock.clone(),
        policy: SessionPolicy::default(),
        recent: Default::default(),
    };
    let organization = clientele_domain::roles::OrganizationService {
        users: Arc::new(MockUserRepository::new()),
        centers: Arc::new(MockCostCenterRepository::new()),
        ids: ids.clone(),
        secrets: Arc::new(MockSecrets::new()),
        clock: clock.clone(),
        invitation: code_mail(CodePurpose::PasswordReset),
    };
    let sessions_for_accounts = sessions.clone();
    let admin = clientele_domain::administration::CustomerAdministration {
        customers: Arc::new(MockCustomerRepository::new()),
        users: Arc::new(MockUserRepository::new()),
        attributes: Arc::new(clientele_domain::custom_attributes::MockCustomAttributeRepository::new()),
        search: Arc::new(clientele_domain::administration::MockCustomerSearchRepository::new()),
        tenants: Arc::new(clientele_domain::tenants::MockTenantRepository::new()),
        addresses: AddressBook::new(
            Arc::new(MockAddressRepository::new()),
            ids.clone(),
            clock.clone(),
            AddressLimits::default(),
        ),
        organization: organization.clone(),
        ids: ids.clone(),
        clock: clock.clone(),
        hasher: Arc::new(MockPasswordHasher::new()),
        legacy: Arc::new(clientele_domain::identity::MockLegacyVerifier::new()),
        migrations: Arc::new(clientele_domain::identity::MockPasswordMigrationRepository::new()),
    };
    let bank = clientele_domain::bank_accounts::BankAccounts {
        repo: Arc::new(clientele_domain::bank_accounts::MockBankAccountRepository::new()),
        cipher: Arc::new(clientele_domain::cipher::MockFieldCipher::new()),
        clock: Arc::new(SystemClock),
    };
    let payments = clientele_domain::payments::PaymentInstruments {
        repo: Arc::new(clientele_domain::payments::MockPaymentInstrumentRepository::new()),
        catalog: Arc::new(clientele_domain::payments::PaymentCatalog::default()),
        cipher: Arc::new(clientele_domain::cipher::MockFieldCipher::new()),
        gift_cards: clientele_domain::payments::GiftCards {
            repo: Arc::new(clientele_domain::payments::gift_cards::MockGiftCardRepository::new()),
            hasher: Arc::new(MockPasswordHasher::new()),
            secrets: Arc::new(MockSecrets::new()),
            ids: ids.clone(),
            clock: clock.clone(),
            policy: Default::default(),
        },
        ids: ids.clone(),
        clock: clock.clone(),
    };
    AppState {
        services: Services {
            tenants: TenantService::new(tenants.clone(), clock.clone()),
            sign_up: SignUpService {
                tenants,
                customers: customers.clone(),
                hasher: hasher.clone(),
                ids: ids.clone(),
                secrets: secrets.clone(),
                clock: clock.clone(),
                opt_in: code_mail(CodePurpose::SignupOptIn),
            },
            activation: ActivationService {
                users: users.clone(),
                codes: Arc::new(MockCodeRepository::new()),
                sessions: sessions.clone(),
                secrets: secrets.clone(),
                clock: clock.clone(),
                mail: code_mail(CodePurpose::SignupOptIn),
            },
            email_change: EmailChangeService {
                users: users.clone(),
                codes: Arc::new(MockCodeRepository::new()),
                hasher: hasher.clone(),
                secrets: secrets.clone(),
                clock: clock.clone(),
                mail: code_mail(CodePurpose::EmailChange),
            },
            sessions,
            credentials: CredentialsService {
                users: users.clone(),
                hasher: Arc::new(MockPasswordHasher::new()),
                clock: Arc::new(SystemClock),
                policy: PasswordPolicy::default(),
                history: 5,
            },
            resets: PasswordResetService {
                users: users.clone(),
                codes: Arc::new(MockCodeRepository::new()),
                hasher: Arc::new(MockPasswordHasher::new()),
                secrets: Arc::new(MockSecrets::new()),
                clock: Arc::new(SystemClock),
                policy: PasswordPolicy::default(),
                history: 5,
                mail: code_mail(CodePurpose::PasswordReset),
            },
            profile: ProfileService::new(customers, users, Arc::new(MockAddressRepository::new()), clock.clone()),
            organization: organization.clone(),
            cost_centers: CostCenterService::new(
                Arc::new(MockCostCenterRepository::new()),
                organization.clone(),
                ids.clone(),
                clock.clone(),
            ),
            api_clients: clientele_domain::api_clients::ApiClientService {
                clients: Arc::new(clientele_domain::api_clients::MockApiClientRepository::new()),
                ids: ids.clone(),
                secrets: Arc::new(MockSecrets::new()),
                clock: clock.clone(),
                token_ttl: chrono::Duration::hours(1),
            },
            spending: SpendingService {
                customers: Arc::new(MockCustomerRepository::new()),
                users: Arc::new(MockUserRepository::new()),
                centers: Arc::new(MockCostCenterRepository::new()),
                spendings: Arc::new(MockSpendingRepository::new()),
                clock: clock.clone(),
            },
            addresses: AddressBook::new(
                Arc::new(MockAddressRepository::new()),
                ids.clone(),
                clock.clone(),
                AddressLimits::default(),
            ),
            admin: admin.clone(),
            accounts: clientele_domain::accounts::AccountAdministration {
                admin,
                accounts: Arc::new(clientele_domain::accounts::MockAccountRepository::new()),
                bank: bank.clone(),
                sessions: sessions_for_accounts,
                secrets: Arc::new(MockSecrets::new()),
                clock: Arc::new(SystemClock),
                reset: code_mail(CodePurpose::PasswordReset),
                invitation: code_mail(CodePurpose::PasswordReset),
                policy: Default::default(),
            },
            payments: payments.clone(),
            export: clientele_domain::privacy::PersonalDataExport {
                customers: Arc::new(MockCustomerRepository::new()),
                rows: Arc::new(clientele_domain::privacy::MockPersonalDataRepository::new()),
                bank: bank.clone(),
                payments,
                clock: clock.clone(),
            },
            orders: clientele_domain::orders::OrderHistory {
                customers: Arc::new(MockCustomerRepository::new()),
                repo: Arc::new(clientele_domain::orders::MockOrderHistoryRepository::new()),
                clock: clock.clone(),
            },
        },
        limits: HttpLimits::default(),
        readiness: Arc::new(AlwaysReady),
        ids,
        metrics: Metrics::new(),
        auth_limiter: Arc::new(clientele_http::rate_limit::RateLimiter::new(60)),
        websale: Arc::new(clientele_http::websale::WebsaleSettings::default()),
        foreground: Default::default(),
    }
}

fn registration() -> serde_json::Value {
    json!({"type": "PrivateCustomer", "firstName": "A", "lastName": "B", "email": "a@example.com",
           "credentials": {"login": "a@example.com", "password": "correct horse battery"}})
}

#[actix_web::test]
async fn a_taken_login_answers_400_with_the_icm_error_key() {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_create_account()
        .returning(|_, _, _| Err(StoreError::Duplicate(UniqueRule::UserLogin)));
    let svc = test::init_service(app(state(customers, MockUserRepository::new()))).await;
    let req = test::TestRequest::post()
        .uri("/INTERSHOP/rest/WFS/demo/-;loc=en_US;cur=USD/privatecustomers")
        .set_json(registration())
        .to_request();
    let res = test::call_service(&svc, req).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.headers().get("error-key").unwrap(),
        "customer.credentials.login.not_unique.error"
    );
    assert_eq!(test::read_body(res).await, "A customer with this login already exists.");
}

#[actix_web::test]
async fn a_store_failure_is_a_500_without_details() {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_create_account()
        .returning(|_, _, _| Err(StoreError::Unavailable("disk on fire".into())));
    let svc = test::init_service(app(state(customers, MockUserRepository::new()))).await;
    let req = test::TestRequest::post()
        .uri("/customer/demo/signup")
        .insert_header(("authorization", "Bearer anon"))
        .set_json(json!({"email": "a@example.com", "password": "correct horse battery"}));
    let res = test::call_service(&svc, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body["type"], "internal_error");
    assert!(!body.to_string().contains("disk on fire"));
}

#[actix_web::test]
async fn emporix_signup_answers_201_with_the_customer_id() {
    let mut customers = MockCustomerRepository::new();
    customers.expect_create_account().returning(|tenant, new, now| {
        Ok(Account {
            customer: Customer {
                id: CustomerId::new(9),
                public_id: new.customer.public_id,
                tenant_id: tenant,
                number: new.customer.number,
                kind: new.customer.kind,
                status: CustomerStatus::Active,
                custom: new.customer.custom,
                external: Default::default(),
                created_at: now,
                updated_at: now,
                version: 1,
            },
            users: vec![],
            addresses: vec![],
        })
    });
    let svc = test::init_service(app(state(customers, MockUserRepository::new()))).await;
    let req = test::TestRequest::post()
        .uri("/customer/demo/signup")
        .insert_header(("authorization", "Bearer anon"))
        .set_json(json!({"email": "a@example.com", "password": "correct horse battery"}))
        .to_request();
    let res = test::call_service(&svc, req).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(
        test::read_body_json::<serde_json::Value, _>(res).await,
        json!({"id": "pub1"})
    );
}

#[actix_web::test]
async fn profile_reads_without_credentials_are_401_and_unknown_logins_are_checked() {
    let mut users = MockUserRepository::new();
    users.expect_by_login_with_status().times(1).returning(|_, _| Ok(None));
    let svc = test::init_service(app(state(MockCustomerRepository::new(), users))).await;
    let res = test::call_service(
        &svc,
        test::TestRequest::get()
            .uri("/INTERSHOP/rest/WFS/demo/-/customers/-")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let req = test::TestRequest::get()
        .uri("/INTERSHOP/rest/WFS/demo/-/customers/-")
        .insert_header(("authorization", "Basic bm9ib2R5QGV4YW1wbGUuY29tOnBhc3N3b3Jk"))
        .to_request();
    let res = test::call_service(&svc, req).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("error-key").is_none());
}

/// Sends `req` to an app over mocks that store nothing (every bearer is anonymous).
async fn answer(req: test::TestRequest) -> (StatusCode, serde_json::Value) {
    let svc = test::init_service(app(state(MockCustomerRepository::new(), MockUserRepository::new()))).await;
    let res = test::call_service(&svc, req.to_request()).await;
    let status = res.status();
    let body = test::read_body(res).await;
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

#[actix_web::test]
async fn opt_in_routes_need_a_token_and_a_well_formed_address() {
    let (status, body) = answer(test::TestRequest::get().uri("/customer/demo/signup/optin/abc")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["fault"]["detail"]["errorcode"], "oauth.v2.InvalidAccessToken");

    let (status, body) = answer(
        test::TestRequest::post()
            .uri("/customer/demo/signup/optin/refresh_token")
            .insert_header(("authorization", "Bearer anon"))
            .set_json(json!({"email": "not an address"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["details"][0]["field"], "email");

    // `refresh_token` is its own route, not a token of `optin/{token}`.
    let (status, _) = answer(
        test::TestRequest::get()
            .uri("/customer/demo/signup/optin/refresh_token")
            .insert_header(("authorization", "Bearer anon")),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[actix_web::test]
async fn email_change_needs_a_customer_token_and_confirmation_a_token_field() {
    let change = json!({"email": "a@example.com", "password": "x", "newEmail": "b@example.com"});
    let (status, _) = answer(
        test::TestRequest::post()
            .uri("/customer/demo/me/accounts/internal/email/change")
            .insert_header(("authorization", "Bearer anon"))
            .set_json(change),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an anonymous token changes nothing");

    let (status, body) = answer(
        test::TestRequest::post()
            .uri("/customer/demo/me/accounts/internal/email/change/confirm")
            .insert_header(("authorization", "Bearer anon"))
            .set_json(json!({"token": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["details"][0]["field"], "token");
}

#[actix_web::test]
async fn payment_routes_need_a_logged_in_customer() {
    let base = "/INTERSHOP/rest/WFS/demo/-;loc=en_US/privatecustomers/-";
    for (method, path) in [
        ("OPTIONS", format!("{base}/payments")),
        ("GET", format!("{base}/payments")),
        ("POST", format!("{base}/payments")),
        ("GET", format!("{base}/eligible-payment-methods")),
        ("DELETE", format!("{base}/payments/p1")),
        ("GET", format!("{base}/giftcardsandcertificates")),
    ] {
        let m = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        // Without credentials, and with an anonymous token: 401, no payment port touched.
        let (status, _) = answer(test::TestRequest::default().method(m.clone()).uri(&path)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        let (status, _) = answer(
            test::TestRequest::default()
                .method(m)
                .uri(&path)
                .insert_header(("authentication-token", "anonymous")),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} anonymous");
    }
    let (status, _) = answer(test::TestRequest::patch().uri(&format!("{base}/payments"))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}
