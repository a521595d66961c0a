//! The development sender writes a complete, parseable `.eml` file per mail.

use chrono::{TimeZone, Utc};
use clientele_domain::ids::{MailId, TenantId};
use clientele_domain::mail::{MailError, MailKind, MailSender, OutgoingMail, QueuedMail};
use clientele_domain::values::{Email, LanguageTag};
use clientele_mail::{Composer, FileMailSender, Templates};
use mail_parser::MessageParser;

const LINK: &str = "https://shop.example/optin?token=abc&user=7";

fn queued(tenant: &str) -> QueuedMail {
    QueuedMail {
        id: MailId::new(7),
        tenant_id: TenantId::new(1),
        tenant_name: tenant.into(),
        mail: OutgoingMail::new(MailKind::SignupOptIn, Email::parse("anna@example.com").unwrap())
            .in_language(Some(LanguageTag::parse("de_DE").unwrap()))
            .with_param("link", LINK)
            .with_param("first_name", "Jürgen"),
        attempts: 1,
        created_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
    }
}

fn sender(dir: &std::path::Path) -> FileMailSender {
    let composer = Composer::new("Demo Shop <no-reply@shop.example>", Templates::built_in()).unwrap();
    FileMailSender::new(dir, composer)
}

#[tokio::test]
async fn a_mail_becomes_a_parseable_eml_file_with_text_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let sender = sender(dir.path());
    sender.send(&queued("demo")).await.unwrap();

    let path = dir.path().join("demo/7-signup_opt_in.eml");
    assert_eq!(sender.path_of(&queued("demo")), path);
    let raw = std::fs::read(&path).unwrap();
    let message = MessageParser::default().parse(&raw).expect("an RFC 5322 message");
    let from = message.from().and_then(|a| a.first()).unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Demo Shop"), Some("no-reply@shop.example"))
    );
    let to = message.to().and_then(|a| a.first()).and_then(|a| a.address());
    assert_eq!(to, Some("anna@example.com"));
    assert_eq!(message.subject(), Some("Bitte bestätigen Sie Ihre E-Mail-Adresse"));
    let id = format!("mail.7.{}@shop.example", queued("demo").created_at.timestamp_micros());
    assert_eq!(message.message_id(), Some(id.as_str()));
    assert_eq!(message.date().unwrap().to_rfc3339(), "2026-11-23T12:00:00Z");
    assert!(String::from_utf8_lossy(&raw).contains("multipart/alternative"));
    let text = message.body_text(0).unwrap();
    assert!(text.starts_with("Hallo Jürgen,"), "{text}");
    assert!(text.contains(LINK), "{text}");
    let html = message.body_html(0).unwrap();
    assert!(
        html.contains("https://shop.example/optin?token=abc&amp;user=7"),
        "{html}"
    );

    let names: Vec<_> = std::fs::read_dir(dir.path().join("demo"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["7-signup_opt_in.eml"], "no temporary file is left behind");
}

#[tokio::test]
async fn sending_again_replaces_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let sender = sender(dir.path());
    sender.send(&queued("demo")).await.unwrap();
    sender.send(&queued("demo")).await.unwrap();
    assert_eq!(std::fs::read_dir(dir.path().join("demo")).unwrap().count(), 1);
}

#[tokio::test]
async fn a_tenant_name_that_would_leave_the_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = sender(&dir.path().join("mail")).send(&queued("..")).await.unwrap_err();
    assert!(matches!(err, MailError::Permanent(_)), "{err:?}");
    assert!(!dir.path().join("7-signup_opt_in.eml").exists());
}

#[tokio::test]
async fn a_mail_missing_its_link_fails_permanently() {
    let dir = tempfile::tempdir().unwrap();
    let mut mail = queued("demo");
    mail.mail.params.remove("link");
    let err = sender(dir.path()).send(&mail).await.unwrap_err();
    assert_eq!(
        err,
        MailError::Permanent("template built-in de/signup_opt_in needs the parameter `link`".into())
    );
}

#[tokio::test]
async fn an_unwritable_folder_is_a_temporary_failure() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the tenant's folder should be.
    std::fs::write(dir.path().join("demo"), b"").unwrap();
    let err = sender(dir.path()).send(&queued("demo")).await.unwrap_err();
    assert!(matches!(err, MailError::Temporary(_)), "{err:?}");
}
