//! Back-office accounts and bank data with mocked ports and a clock in the test's hand:
//! links at most once a day, verified addresses for invitations, subshops, and bank data
//! sealed before the store sees it, re-sealed on key rotation.

mod support;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use clientele_domain::accounts::{
    AccountAdministration, AccountError, AccountPolicy, AccountRecord, LinkKind, MockAccountRepository, Subshops,
};
use clientele_domain::addresses::{AddressBook, AddressLimits, MockAddressRepository};
use clientele_domain::administration::CustomerAdministration;
use clientele_domain::bank_accounts::{
    BankAccounts, BankData, BankError, MockBankAccountRepository, SealedBankAccount,
};
use clientele_domain::cipher::FieldCipher;
use clientele_domain::clock::MockClock;
use clientele_domain::customers::MockCustomerRepository;
use clientele_domain::identity::{
    Authenticator, CodePurpose, LockoutPolicy, MockIdGenerator, MockPasswordHasher, MockSessionRepository,
    SessionPolicy, SessionService,
};
use clientele_domain::ids::{CustomerId, TenantId};
use clientele_domain::users::{EmailVerification, MockUserRepository};
use clientele_domain::values::Iban;
use support::FakeCipher;

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

/// Seals by prefixing the key id and reversing the bytes, bound to the context.
fn bank(repo: MockBankAccountRepository, key: &'static str) -> BankAccounts {
    let mut clock = MockClock::new();
    clock.expect_now().returning(t0);
    BankAccounts {
        repo: Arc::new(repo),
        cipher: Arc::new(FakeCipher(key)),
        clock: Arc::new(clock),
    }
}

fn service(
    customers: MockCustomerRepository,
    accounts: MockAccountRepository,
    verify_email: bool,
) -> AccountAdministration {
    let mut clock = MockClock::new();
    clock.expect_now().returning(t0);
    let clock: Arc<MockClock> = Arc::new(clock);
    let mut ids = MockIdGenerator::new();
    ids.expect_public_id()
        .returning(|| clientele_domain::ids::PublicId::parse("id").unwrap());
    let ids = Arc::new(ids);
    let users = Arc::new(MockUserRepository::new());
    let admin = CustomerAdministration {
        customers: Arc::new(customers),
        users: users.clone(),
        attributes: Arc::new(clientele_domain::custom_attributes::MockCustomAttributeRepository::new()),
        search: Arc::new(clientele_domain::administration::MockCustomerSearchRepository::new()),
        tenants: Arc::new(clientele_domain::tenants::MockTenantRepository::new()),
        addresses: AddressBook::new(
            Arc::new(MockAddressRepository::new()),
            ids.clone(),
            clock.clone(),
            AddressLimits::default(),
        ),
        organization: support::organization(MockUserRepository::new()),
        ids: ids.clone(),
        clock: clock.clone(),
        hasher: Arc::new(MockPasswordHasher::new()),
        legacy: Arc::new(clientele_domain::identity::MockLegacyVerifier::new()),
        migrations: Arc::new(clientele_domain::identity::MockPasswordMigrationRepository::new()),
    };
    let sessions = SessionService {
        authenticator: Authenticator {
            users,
            hasher: Arc::new(MockPasswordHasher::new()),
            clock: clock.clone(),
            lockout: LockoutPolicy::default(),
            legacy: None,
        },
        sessions: Arc::new(MockSessionRepository::new()),
        secrets: support::secrets(),
        ids,
        clock: clock.clone(),
        policy: SessionPolicy::default(),
        recent: Default::default(),
    };
    AccountAdministration {
        admin,
        accounts: Arc::new(accounts),
        bank: bank(MockBankAccountRepository::new(), "k1"),
        sessions,
        secrets: support::secrets(),
        clock,
        reset: support::code_mail(CodePurpose::PasswordReset),
        invitation: support::code_mail(CodePurpose::PasswordReset),
        policy: AccountPolicy {
            subshops: vec!["deutsch".into(), "english".into()],
            verify_email,
            login_link_base: "https://shop.example/".into(),
        },
    }
}

/// Customer 7 with user 3 whose address is verified (or not).
fn known_account(verified: bool) -> (MockCustomerRepository, MockAccountRepository) {
    let mut customers = MockCustomerRepository::new();
    customers
        .expect_by_id()
        .returning(|_, _| Ok(Some(support::customer(false))));
    let mut accounts = MockAccountRepository::new();
    accounts.expect_details().returning(move |_, ids| {
        let mut user = support::user("$argon2id$x");
        if !verified {
            user.email_verification = EmailVerification::Pending;
        }
        Ok(ids
            .into_iter()
            .map(|id| (id, (Some(user.clone()), AccountRecord::default(), vec![])))
            .collect())
    });
    (customers, accounts)
}

fn no_bank_accounts(s: &mut AccountAdministration) {
    let mut repo = MockBankAccountRepository::new();
    repo.expect_list().returning(|_, _| Ok(vec![]));
    s.bank = bank(repo, "k1");
}

#[tokio::test]
async fn a_link_is_claimed_against_the_last_24_hours_and_refused_when_taken() {
    let (customers, mut accounts) = known_account(true);
    accounts
        .expect_send_link()
        .withf(|_, cu, link, until, now| {
            *cu == CustomerId::new(7)
                && link.kind == LinkKind::PasswordReset
                && link.not_since == t0() - Duration::hours(24)
                && link.mail.to.as_str() == "anna@example.com"
                && *until == t0() + Duration::hours(24)
                && *now == t0()
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(false));
    let mut s = service(customers, accounts, true);
    no_bank_accounts(&mut s);
    let out = s.send_reset(&support::tenant("{seq}"), CustomerId::new(7), None).await;
    assert!(matches!(out, Err(AccountError::TooSoon)), "{out:?}");
}

#[tokio::test]
async fn invitations_need_a_verified_address_unless_the_tenant_does_not_verify() {
    let (customers, mut accounts) = known_account(false);
    accounts.expect_send_link().never();
    let mut s = service(customers, accounts, true);
    no_bank_accounts(&mut s);
    let out = s
        .send_invitation(&support::tenant("{seq}"), CustomerId::new(7), None)
        .await;
    assert!(matches!(out, Err(AccountError::EmailNotVerified)), "{out:?}");

    let (customers, mut accounts) = known_account(false);
    accounts
        .expect_send_link()
        .withf(|_, _, link, _, _| link.kind == LinkKind::Invitation)
        .times(1)
        .returning(|_, _, _, _, _| Ok(true));
    let mut s = service(customers, accounts, false);
    no_bank_accounts(&mut s);
    let until = s
        .send_invitation(&support::tenant("{seq}"), CustomerId::new(7), None)
        .await
        .unwrap();
    assert_eq!(until, t0() + Duration::hours(24));
}

#[test]
fn subshops_must_be_configured_and_the_main_one_allowed() {
    let s = service(MockCustomerRepository::new(), MockAccountRepository::new(), true);
    let shops = |allowed: &[&str], main: Option<&str>, all: bool| Subshops {
        all,
        allowed: allowed.iter().map(|v| v.to_string()).collect(),
        main: main.map(str::to_owned),
    };
    assert!(s.check_subshops(&shops(&["deutsch"], Some("deutsch"), false)).is_ok());
    assert!(s.check_subshops(&shops(&[], Some("english"), true)).is_ok());
    assert!(s.check_subshops(&shops(&["french"], None, false)).is_err());
    assert!(s.check_subshops(&shops(&["deutsch"], Some("english"), false)).is_err());
}

#[tokio::test]
async fn bank_data_reaches_the_store_sealed_and_reads_back() {
    let iban = Iban::parse("DE89370400440532013000").unwrap();
    let data = BankData {
        iban: Some(iban.clone()),
        owner: "Max Mustermann".into(),
        ..Default::default()
    };
    let mut repo = MockBankAccountRepository::new();
    repo.expect_insert()
        .withf(|_, _, sealed, _| {
            let text = String::from_utf8_lossy(&sealed.bytes);
            !text.contains("DE89370400440532013000") && !text.contains("Max Mustermann") && sealed.key_id == "k1"
        })
        .returning(|t, c, sealed, now| {
            Ok(Some(SealedBankAccount {
                id: 5,
                tenant: t,
                customer: c,
                sealed,
                created_at: now,
                updated_at: now,
            }))
        });
    let added = bank(repo, "k1")
        .add(&support::tenant("{seq}"), CustomerId::new(7), &data)
        .await
        .unwrap();
    assert_eq!(added.data, data);
    assert!(
        !format!("{:?}", added.data).contains("0532013000"),
        "Debug shows the masked IBAN only"
    );
}

#[tokio::test]
async fn another_customers_bank_data_is_refused() {
    let b = bank(MockBankAccountRepository::new(), "k1");
    let sealed = b.cipher.seal(b"{}", b"bank_accounts:1:8");
    let mut repo = MockBankAccountRepository::new();
    repo.expect_get().returning(move |t, id| {
        Ok(Some(SealedBankAccount {
            id,
            tenant: t,
            customer: CustomerId::new(8),
            sealed: sealed.clone(),
            created_at: t0(),
            updated_at: t0(),
        }))
    });
    repo.expect_delete().never();
    let b = bank(repo, "k1");
    let out = b.delete(&support::tenant("{seq}"), CustomerId::new(7), 5).await;
    assert!(matches!(out, Err(BankError::OtherOwner)), "{out:?}");
}

#[tokio::test]
async fn rotation_reseals_rows_of_older_keys_under_the_current_one() {
    let old = FakeCipher("k1").seal(br#"{"owner":"A"}"#, b"bank_accounts:1:7");
    let mut repo = MockBankAccountRepository::new();
    let mut first = true;
    repo.expect_sealed_under_other_keys()
        .withf(|key, _| key == "k2")
        .returning(move |_, _| {
            let rows = if first {
                vec![SealedBankAccount {
                    id: 5,
                    tenant: TenantId::new(1),
                    customer: CustomerId::new(7),
                    sealed: old.clone(),
                    created_at: t0(),
                    updated_at: t0(),
                }]
            } else {
                vec![]
            };
            first = false;
            Ok(rows)
        });
    repo.expect_reseal()
        .withf(|id, old_key, sealed| *id == 5 && old_key == "k1" && sealed.key_id == "k2")
        .times(1)
        .returning(|_, _, _| Ok(true));
    assert_eq!(bank(repo, "k2").rotate().await.unwrap(), 1);
}
