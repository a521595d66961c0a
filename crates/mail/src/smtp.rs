//! Delivery to an SMTP server (lettre over tokio, TLS by the system's OpenSSL).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use clientele_domain::mail::{MailError, MailSender, QueuedMail};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::compose::Composer;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or a trusted network.
    None,
    /// Plain connect, then STARTTLS, which is required (usually port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// Where and how to reach the SMTP server.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Log in with these when given (PLAIN or LOGIN, as the server offers).
    pub username: Option<String>,
    pub password: Option<String>,
    /// Limit for connecting and for each command.
    pub timeout: Duration,
}

// The password never reaches a log line.
impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The SMTP transport cannot be set up (e.g. the TLS library refuses the host name).
#[derive(Debug, thiserror::Error)]
#[error("SMTP transport for {host}: {reason}")]
pub struct SmtpSetupError {
    pub host: String,
    pub reason: String,
}

/// Sends each mail over a new SMTP connection.
#[derive(Clone)]
pub struct SmtpMailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    composer: Composer,
}

impl SmtpMailSender {
    /// A sender for `config`. Does not connect yet.
    pub fn new(config: &SmtpConfig, composer: Composer) -> Result<SmtpMailSender, SmtpSetupError> {
        let setup = |e: lettre::transport::smtp::Error| SmtpSetupError {
            host: config.host.clone(),
            reason: e.to_string(),
        };
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host).map_err(setup)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(setup)?,
        };
        let mut builder = builder.port(config.port).timeout(Some(config.timeout));
        if let Some(user) = &config.username {
            let password = config.password.clone().unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpMailSender {
            transport: builder.build(),
            composer,
        })
    }
}

impl fmt::Debug for SmtpMailSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailSender").finish_non_exhaustive()
    }
}

#[async_trait]
impl MailSender for SmtpMailSender {
    async fn send(&self, queued: &QueuedMail) -> Result<(), MailError> {
        let message = self.composer.compose(queued)?;
        self.transport.send(message).await.map(|_| ()).map_err(classify)
    }
}

/// Only a 5xx reply is final. Everything else — refused or dropped connections,
/// timeouts, TLS trouble, 4xx replies, even rejected credentials — may pass once the
/// server or its configuration is back, so the mail waits for that.
fn classify(error: lettre::transport::smtp::Error) -> MailError {
    if error.is_permanent() {
        MailError::Permanent(error.to_string())
    } else {
        MailError::Temporary(error.to_string())
    }
}
