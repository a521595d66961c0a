//! Mail adapters for the domain's `MailSender` port: templates per tenant and language
//! (plain text + HTML), an SMTP sender and a development sender writing `.eml` files.
//!
//! Both senders build the same message through one [`Composer`], so what lands in
//! `data/mail/` during development is byte for byte what SMTP would deliver.

mod compose;
mod file;
mod smtp;
mod templates;

pub use compose::{check_from, Composer, InvalidFrom};
pub use file::FileMailSender;
pub use smtp::{SmtpConfig, SmtpMailSender, SmtpSetupError, SmtpTls};
pub use templates::{RenderError, Rendered, TemplateError, Templates, FALLBACK_LANGUAGE};
