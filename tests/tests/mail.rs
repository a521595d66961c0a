//! Mail end to end: a mail put into the outbox of a running server is delivered by its
//! background dispatcher, here as an `.eml` file. On every backend.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clientele::settings::MailTransport;
use clientele_domain::mail::{MailKind, MailOutbox, OutgoingMail};
use clientele_domain::tenants::{TenantName, TenantRepository};
use clientele_domain::values::{Email, LanguageTag};
use clientele_tests::{databases, TestServer};

/// A fresh folder under the system's temp directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(backend: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        TempDir(std::env::temp_dir().join(format!("clientele-mail-{backend}-{}-{nanos}", std::process::id())))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[actix_web::test]
async fn a_queued_mail_is_delivered_by_the_running_server() {
    for (backend, db) in databases() {
        let dir = TempDir::new(backend);
        let mail_dir = dir.0.display().to_string();
        let s = TestServer::start_with(backend, db, |settings| {
            settings.mail.transport = MailTransport::File;
            settings.mail.dir = mail_dir;
            settings.mail.dispatch_interval_ms = 100;
        })
        .await;
        let demo = s
            .store
            .by_name(&TenantName::parse("demo").unwrap())
            .await
            .unwrap()
            .expect("the default tenant");
        let mail = OutgoingMail::new(MailKind::PasswordReset, Email::parse("anna@example.com").unwrap())
            .in_language(Some(LanguageTag::parse("en_US").unwrap()))
            .with_param("link", "http://127.0.0.1:8080/reset?token=abc")
            .with_param("first_name", "Anna");
        let id = s.store.enqueue(demo.id, mail, chrono::Utc::now()).await.unwrap();

        let file = dir.0.join("demo").join(format!("{id}-password_reset.eml"));
        let deadline = Instant::now() + Duration::from_secs(5);
        while !file.exists() {
            assert!(Instant::now() < deadline, "{backend}: no {} within 5 s", file.display());
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        let eml = std::fs::read_to_string(&file).unwrap();
        assert!(eml.contains("\r\nSubject: Reset your password\r\n"), "{backend}: {eml}");
        assert!(eml.contains("\r\nTo: anna@example.com\r\n"), "{backend}: {eml}");
        s.stop().await;
    }
}
