//! End-to-end harness: starts the real clientele server on port 0 against a throw-away
//! database and talks to it over real HTTP.

use std::time::Duration;

use base64::Engine;
use clientele::Settings;
use clientele_store::testing::TestDatabase;
use clientele_store::Store;
use serde_json::Value;

pub use clientele_store::testing::TestDatabase as Database;

/// A running server on its own database.
pub struct TestServer {
    pub base: String,
    pub backend: &'static str,
    /// The server's store, to check stored rows.
    pub store: Store,
    handle: actix_web::dev::ServerHandle,
    client: awc::Client,
    // Dropped last: the database outlives the server's pool.
    /// The database, owned by the first server on it; `None` for a second instance.
    _db: Option<TestDatabase>,
    url: String,
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (panics with the body text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `access_token` of a token answer (panics with the body if there is none).
    pub fn access_token(&self) -> String {
        self.json()["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access_token in: {}", self.text()))
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The backends to run a suite on: SQLite always, PostgreSQL when reachable (and
/// then mandatory under CI).
pub fn databases() -> Vec<(&'static str, TestDatabase)> {
    TestDatabase::all()
}

impl TestServer {
    /// Starts the server on `db` with the built-in defaults, port 0 and a small pool.
    pub async fn start(backend: &'static str, db: TestDatabase) -> TestServer {
        Self::start_with(backend, db, |_| {}).await
    }

    /// Like [`TestServer::start`], with settings adjusted by `tweak`.
    pub async fn start_with(backend: &'static str, db: TestDatabase, tweak: impl FnOnce(&mut Settings)) -> TestServer {
        let url = db.url.clone();
        Self::launch(backend, url, Some(db), tweak).await
    }

    /// Another instance on the same database, as a second server behind a load balancer.
    pub async fn second_instance(&self) -> TestServer {
        self.second_instance_with(|_| {}).await
    }

    /// [`TestServer::second_instance`] with settings adjusted by `tweak`.
    pub async fn second_instance_with(&self, tweak: impl FnOnce(&mut Settings)) -> TestServer {
        Self::launch(self.backend, self.url.clone(), None, tweak).await
    }

    /// The settings this harness starts servers with (before any tweak), on this database.
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::defaults();
        settings.database.url = self.url.clone();
        settings.database.pool_size = 2;
        settings
    }

    async fn launch(
        backend: &'static str,
        url: String,
        db: Option<TestDatabase>,
        tweak: impl FnOnce(&mut Settings),
    ) -> TestServer {
        let mut settings = Settings::defaults();
        settings.server.port = 0;
        settings.server.workers = 2;
        settings.database.url = url.clone();
        settings.database.pool_size = 4;
        // Mails go to a folder of this server's own, never to the working directory.
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mail_dir = std::env::temp_dir().join(format!("clientele-test-mail-{}-{n}", std::process::id()));
        settings.mail.dir = mail_dir.display().to_string();
        tweak(&mut settings);
        let running = clientele::start(&settings).await.expect("server starts");
        actix_web::rt::spawn(running.server);
        let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
        let base = format!("http://{}", running.addr);
        TestServer {
            base,
            backend,
            store: running.store,
            handle: running.handle,
            client,
            _db: db,
            url,
        }
    }

    /// Sends a request with optional JSON body and extra headers.
    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(b) => req.send_body(b.to_vec()).await,
            None => req.send().await,
        }
        .unwrap_or_else(|e| panic!("request to {path} failed: {e}"));
        let body = res.body().limit(16 * 1024 * 1024).await.expect("body").to_vec();
        Reply {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body,
        }
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send("GET", path, headers, None).await
    }

    /// POSTs `body` as `application/json`.
    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.post_json_with(path, body, &[]).await
    }

    /// POSTs `body` as `application/json` with extra headers.
    pub async fn post_json_with(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Reply {
        self.send_json("POST", path, body, headers).await
    }

    /// Sends `body` as JSON with `method`, plus `headers`.
    pub async fn send_json(&self, method: &str, path: &str, body: &Value, headers: &[(&str, &str)]) -> Reply {
        let bytes = serde_json::to_vec(body).expect("json");
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send(method, path, &all, Some(&bytes)).await
    }

    /// POSTs a form to the ICM `token` endpoint of tenant `demo`.
    pub async fn icm_token_form(&self, form: &str, headers: &[(&str, &str)]) -> Reply {
        let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        self.send("POST", &format!("{ICM}/token"), &all, Some(form.as_bytes()))
            .await
    }

    /// Registers a private customer through ICM `POST privatecustomers` (see
    /// [`icm_private_customer`]).
    pub async fn icm_register(&self, login: &str, customer_no: &str) -> Reply {
        self.post_json(
            &format!("{ICM}/privatecustomers"),
            &icm_private_customer(login, customer_no),
        )
        .await
    }

    /// An ICM password grant for `login` / `password`.
    pub async fn icm_password_grant(&self, login: &str, password: &str) -> Reply {
        let form = format!(
            "grant_type=password&username={}&password={}",
            login.replace('@', "%40"),
            password.replace(' ', "+")
        );
        self.icm_token_form(&form, &[]).await
    }

    /// Invites `login` into company `company` as its administrator (ICM token `admin`),
    /// sets `password` through the link in the invitation mail, and logs in: the
    /// colleague's ICM token.
    pub async fn invite_colleague(
        &self,
        mailbox: &mut Mailbox,
        admin: &str,
        company: &str,
        login: &str,
        password: &str,
    ) -> String {
        let r = self
            .send_json(
                "POST",
                &format!("{ICM}/customers/{company}/users"),
                &serde_json::json!({"elements": [{"firstName": "A", "lastName": login, "email": login}]}),
                &[("authentication-token", admin)],
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let (to, text) = mailbox.next().await;
        assert_eq!(to, login);
        let r = self
            .post_json(
                &format!("{ICM}/security/password"),
                &serde_json::json!({"userID": link_param(&text, "uid"), "secureCode": link_param(&text, "Hash"), "password": password}),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.text());
        self.icm_password_grant(login, password).await.access_token()
    }

    /// An Emporix anonymous access token of tenant `demo`, as `Bearer …`.
    pub async fn anonymous_bearer(&self) -> String {
        let r = self
            .get(
                "/customerlogin/auth/anonymous/login?tenant=demo&client_id=storefront",
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "anonymous login: {}", r.text());
        format!("Bearer {}", r.json()["access_token"].as_str().expect("access_token"))
    }

    /// Emporix sign-up of tenant `demo` with a fresh anonymous token.
    pub async fn emporix_signup(&self, body: &Value) -> Reply {
        let bearer = self.anonymous_bearer().await;
        self.post_json_with("/customer/demo/signup", body, &[("authorization", &bearer)])
            .await
    }

    /// Creates another tenant in the server's store.
    pub async fn store_tenant(&self, name: &str) {
        self.store_tenant_with(name, false).await
    }

    /// Creates another tenant in the server's store, with or without double opt-in.
    pub async fn store_tenant_with(&self, name: &str, double_opt_in: bool) {
        use clientele_domain::tenants::{NewTenant, TenantName, TenantRepository};
        use clientele_domain::values::CustomerNumberPattern;
        let new = NewTenant {
            name: TenantName::parse(name).expect("tenant name"),
            customer_number_pattern: CustomerNumberPattern::parse("{seq}").expect("pattern"),
            double_opt_in,
            time_zone: clientele_domain::tenants::Tz::UTC,
        };
        self.store
            .insert(new, chrono::Utc::now())
            .await
            .expect("tenant created");
    }

    /// Starts a server whose mail goes as `.eml` files into `mailbox`, dispatched every
    /// 50 ms; `tweak` adjusts the other settings.
    pub async fn start_with_mail(
        backend: &'static str,
        db: TestDatabase,
        mailbox: &Mailbox,
        tweak: impl FnOnce(&mut Settings),
    ) -> TestServer {
        let dir = mailbox.dir.display().to_string();
        Self::start_with(backend, db, move |s| {
            s.mail.dir = dir;
            s.mail.dispatch_interval_ms = 50;
            tweak(s);
        })
        .await
    }

    /// Creates an API client of `tenant` with `scopes` in the server's store; its client id
    /// and secret.
    pub async fn api_client(&self, tenant: &str, scopes: &[&str]) -> (String, String) {
        use clientele_domain::tenants::{TenantName, TenantRepository};
        let t = self
            .store
            .by_name(&TenantName::parse(tenant).expect("tenant name"))
            .await
            .expect("store")
            .expect("tenant exists");
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let (client, secret) = clientele::api_client_service(&self.store)
            .create(&t, "test client", &scopes)
            .await
            .expect("client created");
        (client.client_id.as_str().to_owned(), secret)
    }

    /// The text column `v` of `sql` on this server's database, read raw.
    pub fn column_texts(&self, sql: &str) -> Vec<String> {
        clientele_store::testing::column_texts(&self.url, sql)
    }

    /// Every row of every table of this server's database as text, with its table name:
    /// what a database dump would show (to scan for data that should be gone).
    pub fn dump(&self) -> Vec<(String, String)> {
        let sqlite = self.url.starts_with("sqlite://");
        let tables = if sqlite {
            self.column_texts(
                "SELECT name AS v FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%'",
            )
        } else {
            self.column_texts(
                "SELECT CAST(table_name AS TEXT) AS v FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND table_name NOT LIKE '__diesel%'",
            )
        };
        let mut rows = vec![];
        for table in tables {
            let sql = if sqlite {
                let columns = self.column_texts(&format!("SELECT name AS v FROM pragma_table_info('{table}')"));
                let text: Vec<String> = columns
                    .iter()
                    .map(|c| format!("coalesce(CAST(\"{c}\" AS TEXT), '')"))
                    .collect();
                format!("SELECT {} AS v FROM \"{table}\"", text.join(" || '|' || "))
            } else {
                format!("SELECT CAST(row_to_json(t) AS TEXT) AS v FROM \"{table}\" t")
            };
            rows.extend(self.column_texts(&sql).into_iter().map(|r| (table.clone(), r)));
        }
        rows
    }

    /// Stops the server gracefully.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// Waits (up to 10 s) for the next `.eml` file under `dir` that `seen` does not list yet,
/// and returns its text part.
pub async fn next_mail(dir: &std::path::Path, seen: &mut Vec<std::path::PathBuf>) -> String {
    next_mail_to(dir, seen).await.1
}

/// The `.eml` files under `dir` that `seen` does not list.
fn new_mail_files(dir: &std::path::Path, seen: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") && !seen.contains(&p) {
                files.push(p);
            }
        }
    }
    files
}

/// Like [`next_mail`], with the recipient's address.
async fn next_mail_to(dir: &std::path::Path, seen: &mut Vec<std::path::PathBuf>) -> (String, String) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(p) = new_mail_files(dir, seen).into_iter().next() {
            let bytes = std::fs::read(&p).expect("mail file");
            seen.push(p);
            let message = mail_parser::MessageParser::default()
                .parse(&bytes)
                .expect("a parseable mail");
            let to = message
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned();
            return (to, message.body_text(0).expect("a text part").into_owned());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail arrived in {}",
            dir.display()
        );
        // Async: the server's mail dispatcher runs on this test's runtime.
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The folder a test server's file transport writes mail to; removed when dropped.
pub struct Mailbox {
    pub dir: std::path::PathBuf,
    seen: Vec<std::path::PathBuf>,
}

impl Mailbox {
    /// A fresh, empty folder under the system's temporary directory.
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("clientele-{tag}-{}-{nanos}", std::process::id()));
        Self { dir, seen: vec![] }
    }

    /// Waits (up to 10 s) for the next mail; its recipient and text part.
    pub async fn next(&mut self) -> (String, String) {
        next_mail_to(&self.dir, &mut self.seen).await
    }

    /// Whether no mail arrived since the last one read, after giving the dispatcher
    /// (which polls every 50 ms in tests) time to deliver.
    pub async fn stays_empty(&self) -> bool {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        new_mail_files(&self.dir, &self.seen).is_empty()
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The value of query parameter `name` in the first link of `text`.
pub fn link_param(text: &str, name: &str) -> String {
    let start = text
        .find(&format!("{name}="))
        .unwrap_or_else(|| panic!("no {name}= in: {text}"))
        + name.len()
        + 1;
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// `Basic base64(login:password)`.
pub fn basic(login: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

/// The ICM storefront base path of the `demo` tenant, with matrix parameters as the PWA sends them.
pub const ICM: &str = "/INTERSHOP/rest/WFS/demo/-;loc=en_US;cur=USD";

/// A valid ICM `SMBCustomer` registration body: company `number` with its first user
/// (the administrator) `login`.
pub fn icm_company(number: &str, login: &str) -> Value {
    serde_json::json!({
        "type": "SMBCustomer", "customerNo": number, "companyName": "Müller GmbH",
        "user": {"firstName": "Max", "lastName": "Müller", "email": login},
        "credentials": {"login": login, "password": "correct horse battery"}
    })
}

/// A valid ICM `PrivateCustomer` registration body.
pub fn icm_private_customer(login: &str, customer_no: &str) -> Value {
    serde_json::json!({
        "type": "PrivateCustomer",
        "customerNo": customer_no,
        "firstName": "Anna",
        "lastName": "Meier",
        "email": login,
        "birthday": "1985-04-12",
        "preferredLanguage": "de_DE",
        "phoneHome": "+49 30 1234567",
        "credentials": { "login": login, "password": "correct horse battery" },
        "address": {
            "firstName": "Anna", "lastName": "Meier", "addressLine1": "Hauptstr. 1",
            "postalCode": "10115", "city": "Berlin", "countryCode": "DE"
        }
    })
}

/// A valid Emporix sign-up body.
pub fn emporix_signup(email: &str) -> Value {
    serde_json::json!({
        "email": email,
        "password": "another good passphrase",
        "customerDetails": {
            "title": "MR", "firstName": "John", "lastName": "Doe", "contactEmail": email,
            "contactPhone": "123456789", "preferredLanguage": "en_US", "preferredCurrency": "EUR"
        },
        "customerAddress": {
            "contactName": "John Doe", "street": "Platz der Republik", "streetNumber": "1",
            "zipCode": "11011", "city": "Berlin", "country": "DE", "tags": ["BILLING", "SHIPPING"], "isDefault": true
        }
    })
}

/// Every log line of the test binary, as the process's only subscriber writes them:
/// for tests that scan the log. Each test binary can install it once.
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    /// Installs the capture as the global subscriber at every level, as plain text or
    /// as JSON lines.
    pub fn install(json: bool) -> Self {
        let capture = Self::default();
        let writer = capture.clone();
        let builder = tracing_subscriber::fmt()
            .with_env_filter("trace")
            .with_ansi(false)
            .with_writer(move || writer.clone());
        let installed = if json {
            builder.json().try_init()
        } else {
            builder.try_init()
        };
        installed.expect("the only subscriber of this test binary");
        capture
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
