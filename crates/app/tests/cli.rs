//! The operator CLI as an operator runs it: tenants with a time zone, and API clients
//! whose secret is printed once (`--json` on stdout, logs on stderr).

use std::path::PathBuf;
use std::process::{Command, Output};

/// A throw-away folder with an empty config folder and a SQLite database.
struct Workspace(PathBuf);

impl Workspace {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("clientele-cli-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(dir.join("config")).expect("temp dir");
        Self(dir)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_clientele"))
            .args(args)
            .env("CLIENTELE_CONFIG_DIR", self.0.join("config"))
            .env(
                "CLIENTELE__DATABASE__URL",
                format!("sqlite://{}", self.0.join("c.db").display()),
            )
            .env("CLIENTELE__MAIL__DIR", self.0.join("mail"))
            .env_remove("RUST_LOG")
            .output()
            .expect("the binary runs")
    }

    /// Runs and expects success; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn tenants_carry_a_time_zone_and_api_clients_show_their_secret_once() {
    let w = Workspace::new("clients");
    let migrated = w.run(&["migrate"]);
    let log = String::from_utf8_lossy(&migrated.stderr);
    assert!(migrated.status.success(), "{log}");
    // Logs to a pipe are plain text: no colour codes.
    assert!(log.contains("INFO") && !log.contains('\x1b'), "{log:?}");
    w.ok(&["tenant", "create", "shop", "--time-zone", "Europe/Berlin"]);
    assert!(w
        .ok(&["tenant", "list"])
        .contains("shop\t{seq:8}\tfalse\tEurope/Berlin\t"));
    let bad = w.run(&["tenant", "set", "shop", "--time-zone", "Mars/Base"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("time zone 'Mars/Base' is not a known IANA time zone"));

    let created: serde_json::Value = serde_json::from_str(&w.ok(&[
        "api-client",
        "create",
        "--tenant",
        "shop",
        "--name",
        "orders",
        "--scopes",
        "customer.spending_manage,customer.customer_read",
        "--json",
    ]))
    .expect("stdout is one JSON object");
    let id = created["clientId"].as_str().expect("client id").to_owned();
    let secret = created["secret"].as_str().expect("secret");
    assert!(secret.len() >= 32);
    assert_eq!(
        created["scopes"],
        serde_json::json!(["customer.spending_manage", "customer.customer_read"])
    );
    let listed = w.ok(&["api-client", "list", "--tenant", "shop"]);
    assert!(listed.contains(&format!(
        "{id}\torders\tcustomer.spending_manage,customer.customer_read\ttrue\t"
    )));
    assert!(!listed.contains(secret), "the secret is never listed");

    let rotated: serde_json::Value =
        serde_json::from_str(&w.ok(&["api-client", "rotate-secret", "--tenant", "shop", &id, "--json"])).unwrap();
    assert_ne!(rotated["secret"].as_str(), Some(secret));
    w.ok(&["api-client", "revoke", "--tenant", "shop", &id]);
    assert!(w.ok(&["api-client", "list", "--tenant", "shop"]).contains("\tfalse\t"));

    for (args, message) in [
        (
            vec![
                "api-client",
                "create",
                "--tenant",
                "shop",
                "--name",
                "x",
                "--scopes",
                "everything",
            ],
            "unknown scope everything",
        ),
        (
            vec!["api-client", "create", "--tenant", "nope", "--name", "x"],
            "tenant 'nope' does not exist",
        ),
        (
            vec!["api-client", "revoke", "--tenant", "shop", "unknown-client"],
            "no such API client",
        ),
    ] {
        let out = w.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn customers_import_from_json_lines_with_a_summary_and_can_be_imported_again() {
    let w = Workspace::new("import");
    w.ok(&["migrate"]);
    w.ok(&["tenant", "create", "shop"]);
    let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let line = |id: &str, email: &str| {
        serde_json::json!({"id": id, "account": {"email": email, "passwordHash": phc}, "firstName": "A", "lastName": "B"})
            .to_string()
    };
    let file = w.0.join("customers.jsonl");
    let good = [line("K-1", "a@example.com"), line("K-2", "b@example.com")];
    std::fs::write(&file, format!("{}\n{{not json\n\n{}\n", good[0], good[1])).unwrap();
    let out = w.run(&["import", "--tenant", "shop", file.to_str().unwrap()]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success(), "a failed line fails the run");
    assert!(
        stdout.contains("imported 3 line(s): 2 created, 0 updated, 1 failed"),
        "{stdout}"
    );
    assert!(stderr.contains("line 2: not JSON"), "{stderr}");
    std::fs::write(&file, format!("{}\n{}\n", good[0], good[1])).unwrap();
    let again = w.ok(&["import", "--tenant", "shop", file.to_str().unwrap()]);
    assert!(
        again.contains("imported 2 line(s): 0 created, 2 updated, 0 failed"),
        "{again}"
    );
    let missing = w.run(&["import", "--tenant", "nope", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("tenant 'nope' does not exist"));
}

#[test]
fn keys_generate_prints_a_fresh_256_bit_key_and_rotate_runs_on_an_empty_store() {
    let w = Workspace::new("keys");
    let a = w.ok(&["keys", "generate"]);
    let b = w.ok(&["keys", "generate"]);
    assert_ne!(a, b);
    assert_eq!(a.trim().len(), 44, "base64 of 32 bytes: {a}");
    w.ok(&["migrate"]);
    assert!(w
        .ok(&["keys", "rotate"])
        .contains("re-sealed 0 bank account(s) and 0 payment instrument(s) under key 'dev'"));
}

#[test]
fn gift_cards_are_issued_adjusted_once_per_key_and_shown_with_their_ledger() {
    let w = Workspace::new("giftcards");
    w.ok(&["migrate"]);
    w.ok(&["tenant", "create", "shop"]);
    let issued: serde_json::Value = serde_json::from_str(&w.ok(&[
        "giftcard",
        "issue",
        "--tenant",
        "shop",
        "--amount",
        "50.00",
        "--currency",
        "EUR",
        "--json",
    ]))
    .expect("JSON on stdout");
    let number = issued["number"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 16, "{issued}");
    assert_eq!(issued["pin"].as_str().unwrap().len(), 6, "{issued}");
    let adjust = |key: &str, amount: &str| {
        w.run(&[
            "giftcard",
            "adjust",
            "--tenant",
            "shop",
            "--number",
            &number,
            "--amount",
            amount,
            "--currency",
            "EUR",
            "--key",
            key,
            "--reason",
            "order",
        ])
    };
    let out = adjust("order-1", "-12.50");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "applied; balance: 37.50 EUR\n");
    let again = adjust("order-1", "-12.50");
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "already applied; balance: 37.50 EUR\n"
    );
    let too_much = adjust("order-2", "-40.00");
    assert!(!too_much.status.success());
    assert!(String::from_utf8_lossy(&too_much.stderr).contains("too low"));
    w.ok(&["giftcard", "block", "--tenant", "shop", "--number", &number]);
    let blocked = adjust("order-3", "-1.00");
    assert!(String::from_utf8_lossy(&blocked.stderr).contains("blocked"));
    w.ok(&[
        "giftcard",
        "block",
        "--tenant",
        "shop",
        "--number",
        &number,
        "--unblock",
    ]);
    let shown = w.ok(&["giftcard", "show", "--tenant", "shop", "--number", &number]);
    assert!(shown.contains("balance: 37.50 EUR"), "{shown}");
    assert!(shown.contains("\t50.00\t50.00\tissue\tissued"), "{shown}");
    assert!(shown.contains("\t-12.50\t37.50\torder-1\torder"), "{shown}");
}

#[test]
fn gdpr_inactive_is_a_dry_run_that_needs_a_period() {
    let w = Workspace::new("gdpr");
    w.ok(&["migrate"]);
    let off = w.run(&["gdpr", "inactive"]);
    assert!(!off.status.success());
    assert!(String::from_utf8_lossy(&off.stderr).contains("--months"));
    let out = w.run(&["gdpr", "inactive", "--months", "6"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tenant_id\tcustomer_no\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 account(s) inactive for 6 month(s)"));
}

#[test]
fn gdpr_export_prints_everything_held_on_a_customer_without_secrets() {
    let w = Workspace::new("export");
    w.ok(&["migrate"]);
    w.ok(&["tenant", "create", "shop"]);
    let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let file = w.0.join("one.jsonl");
    let line = serde_json::json!({"id": "X-1", "account": {"email": "x@example.com", "passwordHash": phc},
                                  "firstName": "Xaver", "lastName": "Exportmann"});
    std::fs::write(&file, format!("{line}\n")).unwrap();
    w.ok(&["import", "--tenant", "shop", file.to_str().unwrap()]);
    let out = w.ok(&["gdpr", "export", "--tenant", "shop", "--customer", "X-1"]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(doc["customerNumber"], "X-1");
    assert_eq!(doc["tables"]["users"][0]["email"], "x@example.com");
    assert_eq!(doc["tables"]["users"][0]["last_name"], "Exportmann");
    assert!(!out.contains("argon2id"), "no password hash: {out}");
    let missing = w.run(&["gdpr", "export", "--tenant", "shop", "--customer", "NOPE"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("customer 'NOPE'"));
}

#[test]
fn orders_import_records_documents_and_can_run_again() {
    let w = Workspace::new("orders");
    w.ok(&["migrate"]);
    w.ok(&["tenant", "create", "shop"]);
    let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let customer = w.0.join("one.jsonl");
    let line = serde_json::json!({"id": "O-1", "account": {"email": "o@example.com", "passwordHash": phc}});
    std::fs::write(&customer, format!("{line}\n")).unwrap();
    w.ok(&["import", "--tenant", "shop", customer.to_str().unwrap()]);
    let file = w.0.join("orders.jsonl");
    let lines = [
        serde_json::json!({"document": "order", "shopCustomerNumber": "O-1", "shopOrderNumber": "A-1",
                           "currency": "EUR", "orderPositions": [{"shopArticleNumber": "1", "quantityOrdered": 1}]}),
        serde_json::json!({"document": "invoice", "shopCustomerNumber": "O-1", "type": "invoice",
                           "invoiceNumber": "I-1", "relatedShopOrderNumbers": ["A-1"]}),
        serde_json::json!({"document": "balance", "shopCustomerNumber": "O-1", "currency": "EUR", "openInvoiceAmount": -1.5}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(
        &file,
        format!("{text}{{\"document\": \"order\", \"shopCustomerNumber\": \"NOPE\", \"shopOrderNumber\": \"B\"}}\n"),
    )
    .unwrap();
    let out = w.run(&["orders", "import", "--tenant", "shop", file.to_str().unwrap()]);
    assert!(!out.status.success(), "a failed line fails the run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "recorded 4 line(s): 3 created, 0 replaced, 1 failed\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 4: no customer with this number"));
    std::fs::write(&file, &text).unwrap();
    let again = w.ok(&["orders", "import", "--tenant", "shop", file.to_str().unwrap()]);
    assert_eq!(again, "recorded 3 line(s): 0 created, 3 replaced, 0 failed\n");
    let export = w.ok(&["gdpr", "export", "--tenant", "shop", "--customer", "O-1"]);
    let doc: serde_json::Value = serde_json::from_str(&export).unwrap();
    assert_eq!(doc["tables"]["orders"].as_array().unwrap().len(), 1);
    assert_eq!(doc["tables"]["invoices"].as_array().unwrap().len(), 1);
    assert_eq!(doc["tables"]["customer_balances"].as_array().unwrap().len(), 1);
}
