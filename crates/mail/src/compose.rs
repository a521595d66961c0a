//! From a queued mail to a MIME message: rendered templates as text and HTML
//! alternatives, with From, To, Subject, Date and Message-ID.

use std::sync::Arc;
use std::time::SystemTime;

use clientele_domain::mail::{MailError, QueuedMail};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use crate::templates::Templates;

/// The configured sender address cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{from}' is not a sender address like `Shop <no-reply@shop.example>`: {reason}")]
pub struct InvalidFrom {
    pub from: String,
    pub reason: String,
}

/// Checks a sender address such as `clientele <no-reply@localhost>`.
pub fn check_from(from: &str) -> Result<(), InvalidFrom> {
    parse_from(from).map(|_| ())
}

fn parse_from(from: &str) -> Result<Mailbox, InvalidFrom> {
    from.parse::<Mailbox>().map_err(|e| InvalidFrom {
        from: from.to_owned(),
        reason: e.to_string(),
    })
}

/// Builds the messages both senders deliver, so a `.eml` file shows exactly what SMTP sends.
#[derive(Debug, Clone)]
pub struct Composer {
    from: Mailbox,
    templates: Arc<Templates>,
}

impl Composer {
    /// A composer sending as `from` with `templates`.
    pub fn new(from: &str, templates: Templates) -> Result<Composer, InvalidFrom> {
        Ok(Composer {
            from: parse_from(from)?,
            templates: Arc::new(templates),
        })
    }

    /// The message for `queued`. Rendering and address errors are permanent: sending the
    /// same mail again cannot fix them.
    pub fn compose(&self, queued: &QueuedMail) -> Result<Message, MailError> {
        let mail = &queued.mail;
        let rendered = self
            .templates
            .render(&queued.tenant_name, mail.kind, mail.language.as_ref(), &mail.params)
            .map_err(|e| MailError::Permanent(e.to_string()))?;
        let to: Mailbox = mail
            .to
            .as_str()
            .parse()
            .map_err(|e| MailError::Permanent(format!("recipient address refused: {e}")))?;
        // The same id on every attempt: a receiver can drop the duplicate that
        // at-least-once delivery may cause. The creation time keeps ids of different
        // databases (whose mail ids restart at 1) apart.
        let message_id = format!(
            "<mail.{}.{}@{}>",
            queued.id,
            queued.created_at.timestamp_micros(),
            self.from.email.domain()
        );
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .date(SystemTime::from(queued.created_at))
            .message_id(Some(message_id))
            .multipart(MultiPart::alternative_plain_html(rendered.text, rendered.html))
            .map_err(|e| MailError::Permanent(format!("the message cannot be built: {e}")))
    }
}
