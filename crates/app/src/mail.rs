//! Outgoing mail: the configured sender, the dispatcher over the store's outbox, and
//! the background loop that works the outbox off.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clientele_domain::clock::SystemClock;
use clientele_domain::mail::{MailDispatcher, MailSender};
use clientele_mail::{Composer, FileMailSender, SmtpConfig, SmtpMailSender, SmtpTls, Templates};
use clientele_store::Store;

use crate::settings::{MailSettings, MailTransport, SmtpTlsMode};

/// Mails claimed per round.
const BATCH: usize = 50;

/// The dispatcher for `settings`, over the outbox in `store`. Fails, naming the key, on
/// broken template overrides or an unusable sender, so the service does not start
/// with mail that could never go out.
pub(crate) fn dispatcher(settings: &MailSettings, store: &Store) -> anyhow::Result<MailDispatcher> {
    let templates = match settings.templates_dir.trim() {
        "" => Templates::built_in(),
        dir => {
            Templates::load(Path::new(dir)).map_err(|e| anyhow::anyhow!("configuration: mail.templates_dir: {e}"))?
        }
    };
    let composer =
        Composer::new(&settings.from, templates).map_err(|e| anyhow::anyhow!("configuration: mail.from: {e}"))?;
    let sender: Arc<dyn MailSender> = match settings.transport {
        MailTransport::File => Arc::new(FileMailSender::new(&settings.dir, composer)),
        MailTransport::Smtp => {
            let smtp = &settings.smtp;
            let config = SmtpConfig {
                host: smtp.host.clone(),
                port: smtp.port,
                tls: match smtp.tls {
                    SmtpTlsMode::None => SmtpTls::None,
                    SmtpTlsMode::Starttls => SmtpTls::StartTls,
                    SmtpTlsMode::Tls => SmtpTls::Tls,
                },
                username: Some(smtp.username.clone()).filter(|u| !u.is_empty()),
                password: Some(smtp.password.clone()).filter(|p| !p.is_empty()),
                timeout: Duration::from_secs(smtp.timeout_secs),
            };
            let sender =
                SmtpMailSender::new(&config, composer).map_err(|e| anyhow::anyhow!("configuration: mail.smtp: {e}"))?;
            Arc::new(sender)
        }
    };
    Ok(MailDispatcher {
        outbox: Arc::new(store.clone()),
        sender,
        clock: Arc::new(SystemClock),
        max_attempts: settings.max_attempts,
        base_backoff: chrono::Duration::seconds(settings.retry_base_secs as i64),
        lease: lease(settings),
    })
}

/// An SMTP send is about ten commands, each allowed the timeout; a batch starts no send
/// after half its lease, so the other half must hold the longest send, with room.
fn lease(settings: &MailSettings) -> chrono::Duration {
    let longest_send = chrono::Duration::seconds(settings.smtp.timeout_secs as i64) * 15;
    (longest_send * 2).max(chrono::Duration::minutes(10))
}

/// Spawns the loop that delivers due mail every `dispatch_interval_ms`. It runs on the
/// server's runtime and ends with it.
pub(crate) fn spawn_dispatch_loop(dispatcher: MailDispatcher, settings: &MailSettings) {
    let interval = Duration::from_millis(settings.dispatch_interval_ms);
    let transport = match settings.transport {
        MailTransport::File => format!("files under {}", settings.dir),
        MailTransport::Smtp => format!("SMTP via {}:{}", settings.smtp.host, settings.smtp.port),
    };
    tracing::info!(%transport, interval_ms = settings.dispatch_interval_ms, "mail dispatcher started");
    actix_web::rt::spawn(async move {
        loop {
            match dispatcher.dispatch_due(BATCH).await {
                // A full batch: more may be due right now.
                Ok(claimed) if claimed == BATCH => continue,
                Ok(_) => {}
                // The store logged the cause; the next round tries again.
                Err(e) => tracing::warn!(error = %e, "mail dispatch round failed"),
            }
            actix_web::rt::time::sleep(interval).await;
        }
    });
}
