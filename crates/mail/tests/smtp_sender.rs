//! SMTP delivery against a real SMTP server on loopback: a minimal sink started by each
//! test, which answers the commands a client sends and records what it received.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use clientele_domain::ids::{MailId, TenantId};
use clientele_domain::mail::{MailError, MailKind, MailSender, OutgoingMail, QueuedMail};
use clientele_domain::values::Email;
use clientele_mail::{Composer, SmtpConfig, SmtpMailSender, SmtpTls, Templates};
use mail_parser::MessageParser;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const LINK: &str = "https://shop.example/reset?token=abc&user=7";

/// One mail transaction the sink accepted.
#[derive(Debug, Clone, Default)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: Vec<u8>,
}

/// An SMTP server on 127.0.0.1 answering RCPT TO with `rcpt_reply`. It serves
/// until the test's runtime ends.
async fn smtp_sink(rcpt_reply: &'static str) -> (SocketAddr, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, rcpt_reply, log.clone()));
        }
    });
    (addr, received)
}

async fn serve(stream: TcpStream, rcpt_reply: &'static str, log: Arc<Mutex<Vec<Received>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut current = Received::default();
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => "250-sink.test\r\n250 8BITMIME",
            "HELO" | "RSET" | "NOOP" => "250 ok",
            "MAIL" => {
                current.mail_from = command.clone();
                "250 ok"
            }
            "RCPT" => {
                current.rcpt_to.push(command.clone());
                rcpt_reply
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    // Undo dot-stuffing (RFC 5321, 4.5.2).
                    let unstuffed = line
                        .strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line);
                    current.data.extend_from_slice(unstuffed.as_bytes());
                }
                log.lock().unwrap().push(std::mem::take(&mut current));
                "250 queued"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 command not implemented",
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

fn queued() -> QueuedMail {
    QueuedMail {
        id: MailId::new(11),
        tenant_id: TenantId::new(1),
        tenant_name: "demo".into(),
        mail: OutgoingMail::new(MailKind::PasswordReset, Email::parse("anna@example.com").unwrap())
            .with_param("link", LINK)
            .with_param("first_name", "Anna"),
        attempts: 1,
        created_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
    }
}

fn sender(port: u16) -> SmtpMailSender {
    let config = SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        timeout: Duration::from_secs(5),
    };
    let composer = Composer::new("clientele <no-reply@shop.example>", Templates::built_in()).unwrap();
    SmtpMailSender::new(&config, composer).unwrap()
}

#[tokio::test]
async fn a_mail_is_delivered_with_envelope_subject_and_both_parts() {
    let (addr, received) = smtp_sink("250 ok").await;
    sender(addr.port()).send(&queued()).await.unwrap();

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.mail_from, "MAIL FROM:<no-reply@shop.example>");
    assert_eq!(got.rcpt_to, ["RCPT TO:<anna@example.com>"]);
    let message = MessageParser::default().parse(&got.data).expect("an RFC 5322 message");
    assert_eq!(message.subject(), Some("Reset your password"));
    let to = message.to().and_then(|a| a.first()).and_then(|a| a.address());
    assert_eq!(to, Some("anna@example.com"));
    let text = message.body_text(0).unwrap();
    assert!(text.starts_with("Hello Anna,") && text.contains(LINK), "{text}");
    let html = message.body_html(0).unwrap();
    assert!(html.contains("token=abc&amp;user=7"), "{html}");
    assert_eq!(message.text_body_count(), 1);
    assert_eq!(message.html_body_count(), 1);
}

#[tokio::test]
async fn a_5xx_reply_is_a_permanent_failure() {
    let (addr, received) = smtp_sink("550 5.1.1 <anna@example.com>: no such user").await;
    let err = sender(addr.port()).send(&queued()).await.unwrap_err();
    let MailError::Permanent(reason) = &err else {
        panic!("expected a permanent failure, got {err:?}");
    };
    assert!(reason.contains("550"), "{reason}");
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_4xx_reply_is_a_temporary_failure() {
    let (addr, _) = smtp_sink("451 4.3.0 try again later").await;
    let err = sender(addr.port()).send(&queued()).await.unwrap_err();
    assert!(
        matches!(err, MailError::Temporary(ref r) if r.contains("451")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_temporary_failure() {
    // A port that was just free: nothing listens there any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = sender(port).send(&queued()).await.unwrap_err();
    assert!(matches!(err, MailError::Temporary(_)), "{err:?}");
}

#[test]
fn the_password_is_not_shown_in_debug_output() {
    let config = SmtpConfig {
        host: "smtp.example".into(),
        port: 587,
        tls: SmtpTls::StartTls,
        username: Some("shop".into()),
        password: Some("s3cret".into()),
        timeout: Duration::from_secs(10),
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cret") && shown.contains("***"), "{shown}");
}

#[test]
fn every_tls_mode_sets_up_without_connecting() {
    for tls in [SmtpTls::None, SmtpTls::StartTls, SmtpTls::Tls] {
        let config = SmtpConfig {
            host: "smtp.example".into(),
            port: 465,
            tls,
            username: Some("shop".into()),
            password: Some("s3cret".into()),
            timeout: Duration::from_secs(10),
        };
        let composer = Composer::new("clientele <no-reply@shop.example>", Templates::built_in()).unwrap();
        assert!(SmtpMailSender::new(&config, composer).is_ok(), "{tls:?}");
    }
}
