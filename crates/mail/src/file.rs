//! The development sender: every mail becomes an `.eml` file, readable by any mail
//! client, instead of leaving the machine.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use clientele_domain::mail::{MailError, MailSender, QueuedMail};

use crate::compose::Composer;

/// Writes each mail to `{dir}/{tenant}/{id}-{kind}.eml`.
#[derive(Debug, Clone)]
pub struct FileMailSender {
    dir: PathBuf,
    composer: Composer,
}

impl FileMailSender {
    /// A sender writing under `dir` (created on the first mail).
    pub fn new(dir: impl Into<PathBuf>, composer: Composer) -> FileMailSender {
        FileMailSender {
            dir: dir.into(),
            composer,
        }
    }

    /// Where the mail `queued` is written.
    pub fn path_of(&self, queued: &QueuedMail) -> PathBuf {
        self.dir
            .join(&queued.tenant_name)
            .join(format!("{}-{}.eml", queued.id, queued.mail.kind.code()))
    }
}

#[async_trait]
impl MailSender for FileMailSender {
    async fn send(&self, queued: &QueuedMail) -> Result<(), MailError> {
        // Tenant names may be `.` or `..`, which as a folder would leave `dir`.
        if queued.tenant_name.chars().all(|c| c == '.') {
            return Err(MailError::Permanent(format!(
                "tenant name '{}' cannot name a folder",
                queued.tenant_name
            )));
        }
        let bytes = self.composer.compose(queued)?.formatted();
        let path = self.path_of(queued);
        // File system calls block; keep them off the executor.
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| MailError::Temporary(format!("writing the mail file did not finish: {e}")))?
            .map_err(|e| MailError::Temporary(format!("writing the mail file failed: {e}")))
    }
}

/// Writes a temporary file beside `path` and renames it, so a reader (or a crash) never
/// sees half a mail.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}
