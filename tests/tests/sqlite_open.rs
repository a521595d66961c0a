//! Opening the store on a new SQLite file: the pool's connections all open at once, and
//! none of them may fail (and log an error) while another switches the file to WAL.
//! Its own test binary, because it captures every log line of the process.

use clientele_store::{Store, StoreConfig};
use clientele_tests::LogCapture;

#[test]
fn new_sqlite_files_open_without_a_connection_error() {
    let captured = LogCapture::install(false);
    let dir = std::env::temp_dir().join(format!("clientele-sqlite-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Without the switch to WAL ahead of the pool, about one open in eight of a new
    // file logged "database is locked"; thirty opens all pass by chance less than
    // once in fifty.
    for i in 0..30 {
        let mut config = StoreConfig::new(format!("sqlite://{}/c{i}.db", dir.display()));
        config.pool_size = 8;
        drop(Store::open(&config).expect("the store opens"));
    }
    std::fs::remove_dir_all(&dir).ok();
    let logged = captured.text();
    assert!(logged.contains("store opened"), "the capture works: {logged}");
    assert!(!logged.contains("database connection failed"), "{logged}");
}
