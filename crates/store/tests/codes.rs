//! Mailed codes on both backends: the opt-in code is written with its account and mail,
//! spending a code applies its effect in the same transaction, and a code works once,
//! for its own purpose only.

mod support;

use chrono::Duration;
use clientele_domain::customers::CustomerRepository;
use clientele_domain::error::UniqueRule;
use clientele_domain::identity::{CodeLookup, CodePurpose, CodeRepository, NewCode, TokenDigest};
use clientele_domain::mail::{MailKind, OutgoingMail};
use clientele_domain::tenants::{TenantChange, TenantName, TenantRepository, Tz};
use clientele_domain::users::{EmailVerification, UserRepository};
use clientele_domain::values::{Email, Login};
use clientele_domain::StoreError;
use support::{backends, count, now, private_account, tenant};

fn code(purpose: CodePurpose, digest: &str, new_email: Option<&str>) -> NewCode {
    NewCode {
        purpose,
        digest: TokenDigest::new(digest.into()),
        expires_at: now() + Duration::hours(1),
        new_email: new_email.map(|e| Email::parse(e).unwrap()),
        sync_contact_email: true,
    }
}

fn mail(kind: MailKind, to: &str) -> OutgoingMail {
    OutgoingMail::new(kind, Email::parse(to).unwrap()).with_param("link", "https://shop/x")
}

fn digest(d: &str) -> TokenDigest {
    TokenDigest::new(d.into())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_opt_in_account_is_written_with_its_code_and_mail_and_activated_once() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let mut new = private_account("anna@example.com", "C1");
        new.users[0].active = false;
        new.users[0].email_verification = EmailVerification::Pending;
        new.opt_in = Some((
            code(CodePurpose::SignupOptIn, "optin-1", None),
            mail(MailKind::SignupOptIn, "anna@example.com"),
        ));
        let acc = b.store.create_account(t.id, new, now()).await.unwrap();
        let user = acc.users[0].id;
        assert!(!acc.users[0].active, "{}", b.name);
        assert_eq!(count(&b.db, "mailed_codes"), 1, "{}", b.name);
        assert_eq!(count(&b.db, "mail_outbox"), 1, "{}", b.name);

        // Another purpose does not know the code.
        let other = b.store.spend_reset(t.id, &digest("optin-1"), now()).await.unwrap();
        assert_eq!(other, CodeLookup::Unknown, "{}", b.name);

        let spent = b.store.activate(t.id, &digest("optin-1"), now()).await.unwrap();
        assert_eq!(spent, CodeLookup::Spent(user), "{}", b.name);
        let read = UserRepository::by_id(&b.store, t.id, user).await.unwrap().unwrap();
        assert!(read.active, "{}", b.name);
        assert_eq!(read.email_verification, EmailVerification::Verified, "{}", b.name);
        assert_eq!(read.version, 2, "{}", b.name);

        let again = b.store.activate(t.id, &digest("optin-1"), now()).await.unwrap();
        assert_eq!(again, CodeLookup::Unknown, "{}: a code works once", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_code_ends_the_open_one_of_the_same_purpose_only() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let acc = b
            .store
            .create_account(t.id, private_account("anna@example.com", "C1"), now())
            .await
            .unwrap();
        let user = acc.users[0].id;
        let m = || mail(MailKind::PasswordReset, "anna@example.com");
        for (purpose, d) in [
            (CodePurpose::PasswordReset, "reset-1"),
            (CodePurpose::EmailChange, "change-1"),
            (CodePurpose::PasswordReset, "reset-2"),
        ] {
            let email = (purpose == CodePurpose::EmailChange).then_some("new@example.com");
            b.store
                .create_code(t.id, user, code(purpose, d, email), m(), now())
                .await
                .unwrap();
        }
        assert_eq!(count(&b.db, "mail_outbox"), 3, "{}", b.name);
        let first = b.store.spend_reset(t.id, &digest("reset-1"), now()).await.unwrap();
        assert_eq!(first, CodeLookup::Unknown, "{}: replaced by reset-2", b.name);
        let second = b.store.spend_reset(t.id, &digest("reset-2"), now()).await.unwrap();
        assert_eq!(second, CodeLookup::Spent(user), "{}", b.name);
        let late = now() + Duration::hours(2);
        let expired = b.store.change_email(t.id, &digest("change-1"), late).await.unwrap();
        assert_eq!(expired, CodeLookup::Expired, "{}: still there, but expired", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_change_moves_the_login_unless_the_address_was_taken_meanwhile() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let anna = b
            .store
            .create_account(t.id, private_account("anna@example.com", "C1"), now())
            .await
            .unwrap()
            .users[0]
            .id;
        let m = || mail(MailKind::EmailChangeConfirm, "x@example.com");
        let change = |d, e| code(CodePurpose::EmailChange, d, Some(e));
        b.store
            .create_code(t.id, anna, change("c-taken", "Bob@Example.com"), m(), now())
            .await
            .unwrap();
        b.store
            .create_account(t.id, private_account("bob@example.com", "C2"), now())
            .await
            .unwrap();
        let taken = b.store.change_email(t.id, &digest("c-taken"), now()).await;
        assert!(
            matches!(taken, Err(StoreError::Duplicate(UniqueRule::UserLogin))),
            "{}: {taken:?}",
            b.name
        );
        let read = UserRepository::by_id(&b.store, t.id, anna).await.unwrap().unwrap();
        assert_eq!(read.login.as_str(), "anna@example.com", "{}: nothing changed", b.name);

        b.store
            .create_code(t.id, anna, change("c-free", "Anna.New@Example.com"), m(), now())
            .await
            .unwrap();
        let spent = b.store.change_email(t.id, &digest("c-free"), now()).await.unwrap();
        assert_eq!(spent, CodeLookup::Spent(anna), "{}", b.name);
        let read = UserRepository::by_id(&b.store, t.id, anna).await.unwrap().unwrap();
        assert_eq!(read.login.as_str(), "Anna.New@example.com", "{}", b.name);
        assert_eq!(read.email.as_str(), "Anna.New@example.com", "{}: synced", b.name);
        let by_new = b
            .store
            .by_login(t.id, &Login::parse("anna.new@example.com").unwrap())
            .await
            .unwrap();
        assert_eq!(by_new.map(|u| u.id), Some(anna), "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn double_opt_in_and_time_zone_are_tenant_settings() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        assert!(!t.double_opt_in, "{}", b.name);
        let name = TenantName::parse("shop").unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let change = TenantChange {
            double_opt_in: Some(true),
            time_zone: Some(berlin),
        };
        let on = b.store.change(&name, change).await.unwrap().unwrap();
        assert!(on.double_opt_in, "{}", b.name);
        assert_eq!(on.time_zone, berlin, "{}", b.name);
        let kept = b.store.change(&name, TenantChange::default()).await.unwrap().unwrap();
        assert_eq!((kept.double_opt_in, kept.time_zone), (true, berlin), "{}", b.name);
        assert!(
            b.store.by_name(&name).await.unwrap().unwrap().double_opt_in,
            "{}",
            b.name
        );
        let missing = TenantName::parse("nope").unwrap();
        assert!(b.store.change(&missing, change).await.unwrap().is_none(), "{}", b.name);
    }
}
