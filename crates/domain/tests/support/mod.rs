//! Fixtures shared by the domain's test files.
// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use clientele_domain::ids::{CustomerId, PublicId, TenantId, UserId};
use clientele_domain::tenants::{Tenant, TenantName};
use clientele_domain::users::{Consents, EmailVerification, PersonData, User};
use clientele_domain::values::{CustomerNumberPattern, Email, Login, PasswordHash};

/// Tenant 1, `demo`, numbering customers with `pattern`.
pub fn tenant(pattern: &str) -> Tenant {
    Tenant {
        id: TenantId::new(1),
        name: TenantName::parse("demo").unwrap(),
        customer_number_pattern: CustomerNumberPattern::parse(pattern).unwrap(),
        double_opt_in: false,
        time_zone: clientele_domain::tenants::Tz::UTC,
        created_at: Utc.timestamp_opt(0, 0).unwrap(),
    }
}

/// User 3 (`anna@example.com`) of customer 7 in tenant 1, active, with this stored hash.
pub fn user(password_hash: &str) -> User {
    let t = Utc.timestamp_opt(0, 0).unwrap();
    User {
        id: UserId::new(3),
        public_id: PublicId::parse("u3").unwrap(),
        tenant_id: TenantId::new(1),
        customer_id: CustomerId::new(7),
        login: Login::parse("anna@example.com").unwrap(),
        email: Email::parse("anna@example.com").unwrap(),
        password_hash: Some(PasswordHash::from_phc(password_hash.into())),
        person: PersonData::default(),
        roles: vec![],
        active: true,
        email_verification: EmailVerification::Verified,
        consents: Consents::default(),
        first_login_at: None,
        last_login_at: None,
        failed_logins: 0,
        locked_until: None,
        external: Default::default(),
        legacy_auth: None,
        created_at: t,
        updated_at: t,
        version: 1,
    }
}

/// Secrets whose every token is `plain-code` and whose digest of `x` is `digest:x`.
pub fn secrets() -> std::sync::Arc<clientele_domain::identity::MockSecrets> {
    let mut s = clientele_domain::identity::MockSecrets::new();
    s.expect_token().returning(|| "plain-code".to_owned());
    s.expect_digest()
        .returning(|t| clientele_domain::identity::TokenDigest::new(format!("digest:{t}")));
    std::sync::Arc::new(s)
}

/// How codes of `purpose` are mailed: 24 h, links to `https://shop.example/c?code={code}`.
pub fn code_mail(purpose: clientele_domain::identity::CodePurpose) -> clientele_domain::identity::CodeMail {
    clientele_domain::identity::CodeMail {
        purpose,
        ttl: chrono::Duration::hours(24),
        link: clientele_domain::identity::MailLink {
            base: "https://shop.example/".into(),
            path: "/c?code={code}".into(),
        },
    }
}

/// Customer 7 of tenant 1 (`C-7`), a company (`Müller GmbH`) or a private customer.
pub fn customer(business: bool) -> clientele_domain::customers::Customer {
    use clientele_domain::customers::{Company, Customer, CustomerKind, CustomerStatus};
    let t = Utc.timestamp_opt(0, 0).unwrap();
    Customer {
        id: CustomerId::new(7),
        public_id: PublicId::parse("c7").unwrap(),
        tenant_id: TenantId::new(1),
        number: clientele_domain::values::CustomerNumber::parse("C-7").unwrap(),
        kind: if business {
            CustomerKind::Business(Company {
                name: "Müller GmbH".into(),
                ..Default::default()
            })
        } else {
            CustomerKind::Private
        },
        status: CustomerStatus::Active,
        custom: Default::default(),
        external: Default::default(),
        created_at: t,
        updated_at: t,
        version: 1,
    }
}

/// The organization service over `users` and `centers`; other ports are strict mocks.
#[allow(dead_code)]
pub fn organization_with(
    users: clientele_domain::users::MockUserRepository,
    centers: clientele_domain::cost_centers::MockCostCenterRepository,
    clock: std::sync::Arc<dyn clientele_domain::clock::Clock>,
) -> clientele_domain::roles::OrganizationService {
    use std::sync::Arc;
    let mut ids = clientele_domain::identity::MockIdGenerator::new();
    ids.expect_public_id()
        .returning(|| clientele_domain::ids::PublicId::parse("generated-id-0001").unwrap());
    clientele_domain::roles::OrganizationService {
        users: Arc::new(users),
        centers: Arc::new(centers),
        ids: Arc::new(ids),
        secrets: secrets(),
        clock,
        invitation: code_mail(clientele_domain::identity::CodePurpose::PasswordReset),
    }
}

/// [`organization_with`] without cost centers, on the system clock.
#[allow(dead_code)]
pub fn organization(
    users: clientele_domain::users::MockUserRepository,
) -> clientele_domain::roles::OrganizationService {
    organization_with(
        users,
        clientele_domain::cost_centers::MockCostCenterRepository::new(),
        std::sync::Arc::new(clientele_domain::clock::SystemClock),
    )
}

/// A cipher that "seals" by reversing the bytes behind the context, so tests can see
/// that data was sealed, under which key, and bound to which context.
pub struct FakeCipher(pub &'static str);

impl clientele_domain::cipher::FieldCipher for FakeCipher {
    fn seal(&self, plain: &[u8], context: &[u8]) -> clientele_domain::cipher::Sealed {
        let mut bytes: Vec<u8> = context.to_vec();
        bytes.push(0);
        bytes.extend(plain.iter().rev());
        clientele_domain::cipher::Sealed {
            key_id: self.0.into(),
            bytes,
        }
    }

    fn open(
        &self,
        sealed: &clientele_domain::cipher::Sealed,
        context: &[u8],
    ) -> Result<Vec<u8>, clientele_domain::cipher::CipherError> {
        let rest = sealed
            .bytes
            .strip_prefix(context)
            .ok_or(clientele_domain::cipher::CipherError::Corrupt)?;
        Ok(rest[1..].iter().rev().copied().collect())
    }

    fn current_key_id(&self) -> String {
        self.0.into()
    }
}
