//! Housekeeping on both backends: ended rows older than the cut-off go, everything
//! else stays.

mod support;

use chrono::Duration;
use clientele_domain::api_clients::{ApiClientRepository, NewApiClient};
use clientele_domain::customers::CustomerRepository;
use clientele_domain::housekeeping::{Housekeeping, Purged};
use clientele_domain::identity::{CodePurpose, CodeRepository, NewCode, NewSession, SessionRepository};
use clientele_domain::identity::{Subject, TokenDigest, TokenDigests};
use clientele_domain::mail::{MailKind, MailOutbox, OutgoingMail};
use clientele_domain::values::Email;
use support::{backends, count, now, private_account, public_id, tenant};

fn tokens(refresh_expires_in: Duration) -> TokenDigests {
    let digest = || TokenDigest::new(public_id().as_str().to_owned());
    TokenDigests {
        access: digest(),
        access_expires_at: now() + Duration::minutes(5),
        refresh: digest(),
        refresh_expires_at: now() + refresh_expires_in,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_rows_that_ended_before_the_cut_off_are_removed() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await;
        let user = b
            .store
            .create_account(t.id, private_account("anna@example.com", "C1"), now())
            .await
            .unwrap()
            .users[0]
            .id;
        let session = |refresh| NewSession {
            family: public_id(),
            subject: Subject::Anonymous,
            tokens: tokens(refresh),
        };
        // Refresh tokens that end in 1 day (gone at the cut-off below) and in 30 days.
        b.store.insert(t.id, session(Duration::days(1)), now()).await.unwrap();
        b.store.insert(t.id, session(Duration::days(30)), now()).await.unwrap();
        let revoked = b.store.insert(t.id, session(Duration::days(30)), now()).await.unwrap();
        b.store.revoke_family(t.id, &revoked.family, now()).await.unwrap();

        let mail = || OutgoingMail::new(MailKind::PasswordReset, Email::parse("anna@example.com").unwrap());
        for (purpose, days) in [(CodePurpose::PasswordReset, 1), (CodePurpose::SignupOptIn, 30)] {
            let code = NewCode {
                purpose,
                digest: TokenDigest::new(public_id().as_str().to_owned()),
                expires_at: now() + Duration::days(days),
                new_email: None,
                sync_contact_email: false,
            };
            b.store.create_code(t.id, user, code, mail(), now()).await.unwrap();
        }
        let sent = b.store.enqueue(t.id, mail(), now()).await.unwrap();
        b.store.mark_sent(sent, now()).await.unwrap();
        assert_eq!(
            count(&b.db, "mail_outbox"),
            3,
            "{}: two code mails and one more",
            b.name
        );

        // API-client tokens: one ended before the cut-off, one after.
        let client = b
            .store
            .insert_api_client(
                t.id,
                NewApiClient {
                    client_id: public_id(),
                    name: "erp".into(),
                    secret_digest: TokenDigest::new("d".into()),
                    scopes: vec![],
                },
                now(),
            )
            .await
            .unwrap();
        for (digest, days) in [("old", 1), ("live", 3)] {
            b.store
                .insert_api_token(
                    client.key,
                    TokenDigest::new(digest.into()),
                    now() + Duration::days(days),
                    now(),
                )
                .await
                .unwrap();
        }

        let purged = b.store.purge(now() + Duration::days(2)).await.unwrap();
        assert_eq!(
            purged,
            Purged {
                sessions: 2,
                codes: 1,
                mails: 1,
                api_tokens: 1,
            },
            "{}",
            b.name
        );
        assert_eq!(count(&b.db, "sessions"), 1, "{}: the live one stays", b.name);
        assert_eq!(count(&b.db, "mailed_codes"), 1, "{}", b.name);
        assert_eq!(count(&b.db, "api_client_tokens"), 1, "{}: the live token stays", b.name);
        assert_eq!(count(&b.db, "mail_outbox"), 2, "{}: unsent mail stays", b.name);
        let again = b.store.purge(now() + Duration::days(2)).await.unwrap();
        assert_eq!(again, Purged::default(), "{}", b.name);
    }
}
