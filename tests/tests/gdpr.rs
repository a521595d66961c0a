//! GDPR end to end, on every backend: the order system records orders, invoices and
//! balances; IOM `GET /rest/gdpr/…` answers everything held on the person in IOM's
//! schema (validated against iom-gdpr-2.10), `DELETE` erases it: afterwards no table
//! holds the person's name, e-mail, phone, IBAN or address — only the order records do;
//! every column of the migrated schema is classified, exported and erased as classified.

use clientele_tests::{basic, databases, icm_private_customer, Reply, TestServer, ICM};
use serde_json::{json, Value};

const SCHEMAS: &str = include_str!("../fixtures/iom-gdpr-2.10.schemas.json");
const IBAN: &str = "DE89370400440532013000";

/// Checks `value` against the schema `name` of the IOM document: every property is
/// declared there with the declared type and format; arrays and references followed.
fn validate(schemas: &Value, name: &str, value: &Value, path: &str) {
    let schema = &schemas[name];
    let props = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {name}"));
    let object = value.as_object().unwrap_or_else(|| panic!("{path}: not an object"));
    for (key, v) in object {
        let prop = props
            .get(key)
            .unwrap_or_else(|| panic!("{path}.{key}: not in the schema {name}"));
        check(schemas, prop, v, &format!("{path}.{key}"));
    }
}

fn check(schemas: &Value, prop: &Value, v: &Value, path: &str) {
    if let Some(r) = prop["$ref"].as_str() {
        return validate(schemas, r.trim_start_matches("#/components/schemas/"), v, path);
    }
    if v.is_null() {
        return;
    }
    match prop["type"].as_str().unwrap_or_default() {
        "string" => {
            let s = v.as_str().unwrap_or_else(|| panic!("{path}: not a string: {v}"));
            match prop["format"].as_str() {
                Some("date-time") => {
                    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{path}: {s}: {e}"));
                }
                Some("date") => {
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{path}: {s}: {e}"));
                }
                _ => {}
            }
        }
        "number" => assert!(v.is_number(), "{path}: not a number: {v}"),
        "integer" => assert!(v.is_i64(), "{path}: not an integer: {v}"),
        "boolean" => assert!(v.is_boolean(), "{path}: not a boolean: {v}"),
        "array" => {
            for (i, item) in v
                .as_array()
                .unwrap_or_else(|| panic!("{path}: not an array"))
                .iter()
                .enumerate()
            {
                check(schemas, &prop["items"], item, &format!("{path}[{i}]"));
            }
        }
        other => panic!("{path}: unexpected schema type {other}"),
    }
}

async fn put(s: &TestServer, auth: &str, path: &str, body: Value) -> Reply {
    s.send_json(
        "PUT",
        &format!("/service/demo{path}"),
        &body,
        &[("authorization", auth)],
    )
    .await
}

fn order(customer: &str, number: &str) -> Value {
    json!({
        "shopCustomerNumber": customer,
        "shopOrderNumber": number,
        "shopOrderCreationDate": "2026-11-20T10:15:00Z",
        "paymentMethod": "ISH_INVOICE", "currency": "EUR", "carrier": "DHL",
        "shopTotalGross": 119.0, "shopTotalNet": 100.0,
        "orderPositions": [{
            "shopArticleNumber": "100-0001", "shopArticleName": "Kettle", "orderPosNumber": 1,
            "quantityOrdered": 2, "shopPosGross": 119.0,
            "shippingAddress": {"firstName": "Erika", "lastName": "Order-Recipient", "street": "Lieferweg",
                                "houseNumber": "7", "postCode": "20095", "city": "Hamburg", "country": "DE"}
        }]
    })
}

#[actix_web::test]
async fn iom_export_and_erasure() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let (id, secret) = s
            .api_client(
                "demo",
                &[
                    "customer.order_manage",
                    "gdpr.read",
                    "gdpr.delete",
                    "customer.customer_manage",
                ],
            )
            .await;
        let client = basic(&id, &secret);
        let (rid, rsecret) = s.api_client("demo", &["gdpr.read"]).await;
        let reader = basic(&rid, &rsecret);

        // The person: an ICM registration with an address, a bank account through WEBSALE.
        let mut body = icm_private_customer("erika.gdpr@example.com", "G-1");
        body["firstName"] = json!("Erika");
        body["lastName"] = json!("Mustermann-Gdpr");
        body["phoneHome"] = json!("+49 30 9876543");
        body["address"]["addressLine1"] = json!("Geheimgasse 12");
        body["address"]["lastName"] = json!("Mustermann-Gdpr");
        let r = s.post_json(&format!("{ICM}/privatecustomers"), &body).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let account = s.column_texts("SELECT CAST(id AS TEXT) AS v FROM customers WHERE number = 'G-1'")[0].clone();
        let r = s
            .send_json(
                "POST",
                &format!("/admin/api/v1/customerAccounts/{account}/bankData"),
                &json!({"iban": IBAN, "owner": "Erika Mustermann-Gdpr", "bankName": "Commerzbank"}),
                &[("authorization", &client)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());

        // The order system records an order, an invoice and a balance.
        let r = put(&s, &client, "/orders/O-1", order("G-1", "O-1")).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = put(&s, &client, "/orders/O-1", order("G-1", "O-1")).await;
        assert_eq!(r.status, 200, "reported again: replaced");
        let r = put(&s, &client, "/orders/O-2", order("G-1", "O-1")).await;
        assert_eq!(r.status, 400, "the body's number must be the path's");
        let r = put(&s, &client, "/orders/O-3", order("NOPE", "O-3")).await;
        assert_eq!(r.status, 404);
        let mut bad = order("G-1", "O-4");
        bad["currency"] = json!("EURO");
        assert_eq!(put(&s, &client, "/orders/O-4", bad).await.status, 400);
        let mut bad = order("G-1", "O-4");
        bad["orderPositions"][0]["quantityOrdered"] = json!(-1);
        assert_eq!(put(&s, &client, "/orders/O-4", bad).await.status, 400);
        assert_eq!(
            put(
                &s,
                &client,
                "/orders/O-4",
                json!({"shopCustomerNumber": "G-1", "colour": 1})
            )
            .await
            .status,
            400
        );
        assert_eq!(put(&s, &reader, "/orders/O-4", order("G-1", "O-4")).await.status, 403);
        let r = put(
            &s,
            &client,
            "/invoices/2026-000001",
            json!({"shopCustomerNumber": "G-1", "type": "invoice", "relatedShopOrderNumbers": ["O-1"],
                   "invoicingDate": "2026-11-21T08:00:00Z", "currency": "EUR", "paymentMethod": "ISH_INVOICE",
                   "invoicePositions": [{"shopOrderNumber": "O-1", "shopArticleNumber": "100-0001", "quantity": 2,
                                         "salesItemNet": 50.0, "salesItemGross": 59.5}]}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = put(
            &s,
            &client,
            "/customers/G-1/balances/EUR",
            json!({"openInvoiceAmount": -119.0, "invoicingDebitSum": -119.0}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text());

        // IOM GET: the person's data in IOM's schema.
        let path = "/rest/gdpr/shops/demo/customers/G-1";
        let r = s.get(path, &[("authorization", &reader)]).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(
            r.header("content-type"),
            Some("application/vnd.intershop.customer.v3+json")
        );
        let c = r.json();
        let schemas: Value = serde_json::from_str(SCHEMAS).unwrap();
        validate(&schemas["components"]["schemas"], "Customer", &c, "Customer");
        assert_eq!(c["shopCustomerNumber"], "G-1");
        assert_eq!(c["shopCustomerNo"], "G-1");
        assert_eq!(c["customerType"], "b2c");
        assert_eq!(
            (c["firstName"].as_str(), c["lastName"].as_str()),
            (Some("Erika"), Some("Mustermann-Gdpr"))
        );
        assert_eq!(c["email"], "erika.gdpr@example.com");
        assert_eq!(c["dayOfBirth"], "1985-04-12");
        assert_eq!(c["phone1"], "+49 30 9876543");
        assert_eq!(c["isNewCustomer"], false);
        assert_eq!(c["bankAccounts"][0]["accountNumber"], IBAN);
        assert_eq!(c["bankAccounts"][0]["accountHolder"], "Erika Mustermann-Gdpr");
        assert_eq!(c["addresses"][0]["street"], "Geheimgasse 12");
        assert_eq!(c["addresses"][0]["city"], "Berlin");
        let o = &c["orders"][0];
        assert_eq!(
            (o["shopOrderNumber"].as_str(), o["shopOrderNo"].as_str()),
            (Some("O-1"), Some("O-1"))
        );
        assert!(o["id"].is_i64());
        assert_eq!(o["orderPositions"][0]["shopArticleNo"], "100-0001");
        assert_eq!(o["orderPositions"][0]["shippingAddress"]["city"], "Hamburg");
        assert_eq!(c["orders"].as_array().unwrap().len(), 1);
        assert_eq!(c["invoiceAndCreditNotes"][0]["invoiceNo"], "2026-000001");
        assert_eq!(c["invoiceAndCreditNotes"][0]["relatedShopOrderNos"], json!(["O-1"]));
        assert_eq!(c["customerBalances"][0]["currency"], "EUR");
        assert_eq!(c["customerBalances"][0]["openInvoiceAmount"], json!(-119.0));

        // Errors: the status alone.
        let r = s.get(path, &[]).await;
        assert_eq!(r.status, 401);
        assert!(r.header("www-authenticate").is_some());
        assert!(r.body.is_empty());
        let (oid, osecret) = s.api_client("demo", &["customer.customer_read"]).await;
        assert_eq!(
            s.get(path, &[("authorization", &basic(&oid, &osecret))]).await.status,
            403
        );
        assert_eq!(
            s.send("DELETE", path, &[("authorization", &reader)], None).await.status,
            403
        );
        assert_eq!(
            s.get("/rest/gdpr/shops/demo/customers/NOPE", &[("authorization", &reader)])
                .await
                .status,
            404
        );
        s.store_tenant("other").await;
        let (xid, xsecret) = s.api_client("other", &["gdpr.read"]).await;
        assert_eq!(
            s.get(path, &[("authorization", &basic(&xid, &xsecret))]).await.status,
            401
        );
        assert_eq!(
            s.get(
                "/rest/gdpr/shops/other/customers/G-1",
                &[("authorization", &basic(&xid, &xsecret))]
            )
            .await
            .status,
            404
        );

        // A mail to the person waits in the outbox.
        let r = s
            .post_json(
                &format!("{ICM}/security/reminder"),
                &json!({"email": "erika.gdpr@example.com"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(!s.column_texts("SELECT recipient AS v FROM mail_outbox").is_empty());

        // The complete export: every table, secrets left out, sealed data opened.
        let export_path = "/service/demo/customers/G-1/personal-data";
        let r = s.get(export_path, &[("authorization", &reader)]).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let doc = r.json();
        let tables = &doc["tables"];
        assert_eq!(tables["users"][0]["email"], "erika.gdpr@example.com");
        assert_eq!(tables["users"][0]["last_name"], "Mustermann-Gdpr");
        assert_eq!(tables["addresses"][0]["street1"], "Geheimgasse 12");
        assert_eq!(tables["orders"].as_array().unwrap().len(), 1);
        assert_eq!(tables["mail_outbox"].as_array().unwrap().len(), 1);
        assert_eq!(doc["bankAccounts"][0]["iban"], IBAN);
        for secret in ["password_hash", "sealed", "code_digest", "$argon2id$"] {
            assert!(!r.text().contains(secret), "{backend}: the export holds {secret}");
        }
        let (nid, nsecret) = s.api_client("demo", &["customer.customer_read"]).await;
        assert_eq!(
            s.get(export_path, &[("authorization", &basic(&nid, &nsecret))])
                .await
                .status,
            403
        );
        assert_eq!(
            s.get(
                "/service/demo/customers/NOPE/personal-data",
                &[("authorization", &reader)]
            )
            .await
            .status,
            404
        );

        // The scan below can fail: before the erasure the dump holds the person.
        let before = s.dump();
        for trace in ["Erika", "Mustermann-Gdpr", "erika.gdpr", "9876543", "Geheimgasse"] {
            assert!(
                before.iter().any(|(_, row)| row.contains(trace)),
                "{backend}: {trace} not found at all"
            );
        }

        // DELETE: 204, then the person is gone everywhere but in the order records.
        let r = s
            .send(
                "DELETE",
                path,
                &[("authorization", &client), ("x-request-id", "gdpr-req-1")],
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let audit = s.column_texts("SELECT actor || ' ' || request_id || ' ' || counts AS v FROM erasures");
        assert_eq!(audit.len(), 1, "{backend}");
        assert!(
            audit[0].starts_with(&format!("api-client:{id} gdpr-req-1 {{")),
            "{}",
            audit[0]
        );
        for table in ["users", "addresses", "bank_accounts", "mail_outbox", "customers"] {
            assert!(
                audit[0].contains(&format!("\"{table}\":")),
                "{table} counted: {}",
                audit[0]
            );
        }
        assert!(r.body.is_empty());
        assert_eq!(s.get(path, &[("authorization", &reader)]).await.status, 404);
        assert_eq!(
            s.send("DELETE", path, &[("authorization", &client)], None).await.status,
            404
        );
        let kept = ["orders", "invoices", "customer_balances"];
        for (table, row) in s.dump() {
            if kept.contains(&table.as_str()) {
                continue;
            }
            for trace in [
                "Erika",
                "Mustermann-Gdpr",
                "erika.gdpr",
                "9876543",
                "Geheimgasse",
                "0532013000",
            ] {
                assert!(!row.contains(trace), "{backend}: {table} still holds {trace}: {row}");
            }
        }
        // What is left: the order records and the audit record.
        let left = s.get(export_path, &[("authorization", &reader)]).await.json();
        assert_eq!(left["tables"]["users"], json!([]));
        assert_eq!(left["tables"]["erasures"].as_array().unwrap().len(), 1);
        assert_eq!(left["tables"]["orders"].as_array().unwrap().len(), 1);
        let orders = s.column_texts("SELECT document AS v FROM orders");
        assert_eq!(orders.len(), 1, "the order stays");
        assert!(orders[0].contains("Order-Recipient"), "as it was: {}", orders[0]);
        // Documents for the erased customer are still taken (orders outlive accounts).
        assert_eq!(put(&s, &client, "/orders/O-5", order("G-1", "O-5")).await.status, 201);
        s.stop().await;
    }
}

#[actix_web::test]
async fn a_profile_update_racing_an_erasure_resurrects_nothing() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let (id, secret) = s.api_client("demo", &["gdpr.delete"]).await;
        let client = basic(&id, &secret);
        for round in 0..5 {
            let number = format!("R-{round}");
            let login = format!("race{round}@example.com");
            assert_eq!(s.icm_register(&login, &number).await.status, 201);
            let token = s
                .icm_password_grant(&login, "correct horse battery")
                .await
                .access_token();
            let auth = [("authentication-token", token.as_str())];
            let mut profile = s.get(&format!("{ICM}/privatecustomers/-"), &auth).await.json();
            profile["lastName"] = json!(format!("Resurrected{round}"));
            profile["phoneHome"] = json!("+49 40 5550101");
            let (profile_path, gdpr_path) = (
                format!("{ICM}/privatecustomers/-"),
                format!("/rest/gdpr/shops/demo/customers/{number}"),
            );
            let gdpr_auth = [("authorization", client.as_str())];
            let update = s.send_json("PUT", &profile_path, &profile, &auth);
            let erase = s.send("DELETE", &gdpr_path, &gdpr_auth, None);
            let (updated, erased) = futures_util::future::join(update, erase).await;
            assert_eq!(erased.status, 204, "{backend}: {}", erased.text());
            // Before, after or refused for what is gone; never a failure.
            assert!(updated.status < 500, "{backend}: {} {}", updated.status, updated.text());
        }
        for (table, row) in s.dump() {
            for trace in ["Resurrected", "5550101", "race"] {
                assert!(!row.contains(trace), "{backend}: {table} holds {trace}: {row}");
            }
        }
        assert_eq!(s.column_texts("SELECT actor AS v FROM erasures").len(), 5);
        s.stop().await;
    }
}

#[actix_web::test]
async fn accounts_inactive_for_months_are_erased_when_configured() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let (id, secret) = s.api_client("demo", &["customer.order_manage"]).await;
        let client = basic(&id, &secret);
        for (login, number) in [
            ("old@example.com", "I-1"),
            ("buyer@example.com", "I-2"),
            ("new@example.com", "I-3"),
        ] {
            assert_eq!(s.icm_register(login, number).await.status, 201);
        }
        // I-1 and I-2 were last active two years ago; I-2 has an order recorded today.
        let old = "2024-01-01 00:00:00";
        for number in ["I-1", "I-2"] {
            s.column_texts(&format!(
                "UPDATE customers SET created_at = '{old}', updated_at = '{old}' WHERE number = '{number}' RETURNING number AS v"
            ));
            s.column_texts(&format!(
                "UPDATE users SET updated_at = '{old}', last_login_at = '{old}' WHERE customer_id = \
                 (SELECT id FROM customers WHERE number = '{number}') RETURNING login AS v"
            ));
        }
        assert_eq!(put(&s, &client, "/orders/A-1", order("I-2", "A-1")).await.status, 201);

        let retention = clientele::retention_service(&s.store, 6);
        let found: Vec<String> = retention
            .candidates(6, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.number.as_str().to_owned())
            .collect();
        assert_eq!(found, ["I-1"], "{backend}");
        assert_eq!(
            clientele::retention_service(&s.store, 0).run_once().await.unwrap(),
            0,
            "off"
        );
        assert_eq!(retention.run_once().await.unwrap(), 1, "{backend}");
        assert_eq!(retention.run_once().await.unwrap(), 0, "{backend}: once");
        let live = s.column_texts("SELECT number AS v FROM customers WHERE status <> 'deleted' ORDER BY number");
        assert_eq!(live, ["I-2", "I-3"], "{backend}");
        assert_eq!(s.column_texts("SELECT actor AS v FROM erasures"), ["retention"]);
        assert!(s
            .column_texts("SELECT login AS v FROM users")
            .iter()
            .all(|l| l != "old@example.com"));
        s.stop().await;
    }
}

/// The columns of `table` in the migrated schema.
fn schema_columns(s: &TestServer, table: &str) -> Vec<String> {
    let sql = if s.backend == "sqlite" {
        format!("SELECT name AS v FROM pragma_table_info('{table}')")
    } else {
        format!(
            "SELECT CAST(column_name AS TEXT) AS v FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}'"
        )
    };
    let mut columns = s.column_texts(&sql);
    columns.sort();
    columns
}

fn sorted(columns: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    v.sort();
    v
}

/// Empty as erasure leaves a cleared column.
fn cleared(value: &str) -> bool {
    ["", "{}", "[]"].contains(&value)
}

/// Every column of the migrated schema is classified (crates/store/src/privacy.rs), the
/// export has every column of the person's rows but the secrets, and erasure deletes
/// every row it must and clears every personal column of the rows it keeps. A column a
/// migration adds fails here until it is classified; a table this rich customer leaves
/// empty fails too, so the fixture grows with the schema.
#[actix_web::test]
async fn every_column_is_classified_exported_and_erased() {
    use clientele_store::privacy::{Fate, HIDDEN_COLUMNS, PERSONAL_TABLES};
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let (id, secret) = s
            .api_client(
                "demo",
                &[
                    "gdpr.read",
                    "gdpr.delete",
                    "customer.customer_read",
                    "customer.customer_manage",
                    "customer.spending_manage",
                    "customer.order_manage",
                    "customer.giftcard_manage",
                ],
            )
            .await;
        let client = basic(&id, &secret);
        let admin_call = |method: &'static str, path: String, body: Value| {
            let s = &s;
            let client = client.clone();
            async move {
                let headers = [
                    ("accept", "application/vnd.intershop.admin.customer.v1+json"),
                    ("authorization", client.as_str()),
                ];
                s.send_json(method, &format!("{ICM}{path}"), &body, &headers).await
            }
        };

        // A company: its administrator and a buyer, an address, custom attributes on
        // customer, user and address, a cost center with the buyer, bank data, a saved
        // payment instrument and a linked gift card, a changed password, a reset code
        // with its mail, a login link, an order charged to the cost center.
        let mut company = clientele_tests::icm_company("B-9", "max.gdpr@example.com");
        company["user"]["lastName"] = json!("Gdpr-Admin");
        assert_eq!(s.post_json(&format!("{ICM}/customers"), &company).await.status, 201);
        let r = admin_call(
            "PATCH",
            "/customers/B-9".into(),
            json!({"companyName2": "Zweigwerk-Gdpr", "taxIdentificationNumber": "DE-GDPR-1",
                   "industry": "Gdpr-Industry", "description": "Gdpr-Description"}),
        )
        .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/B-9",
                &json!({"mixins": {"nickname": "Gdpr-Mixin"}}),
                &[("authorization", &client)],
            )
            .await;
        assert!(r.status < 300, "{backend}: {}", r.text());
        let max = s
            .icm_password_grant("max.gdpr@example.com", "correct horse battery")
            .await
            .access_token();
        let as_max = [("authentication-token", max.as_str())];
        let r = s
            .send_json(
                "POST",
                &format!("{ICM}/customers/B-9/users"),
                &json!({"elements": [{"firstName": "Anna", "lastName": "Gdpr-Buyer", "email": "anna.gdpr@example.com",
                                      "active": true, "roleIDs": ["APP_B2B_BUYER"]},
                                     {"firstName": "Bob", "lastName": "Gdpr-Leaver", "email": "bob.gdpr@example.com"}]}),
                &as_max,
            )
            .await;
        assert!(r.status == 200 || r.status == 201, "{backend}: {}", r.text());
        // A user who left: their removal is an audited erasure and a deletion record.
        let r = s
            .send(
                "DELETE",
                &format!("{ICM}/customers/B-9/users/bob.gdpr@example.com"),
                &as_max,
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let r = admin_call(
            "POST",
            "/customers/B-9/addresses".into(),
            json!({"addressLine1": "Gdpr-Strasse 1", "postalCode": "07743", "city": "Jena", "countryCode": "DE",
                   "firstName": "Max", "lastName": "Gdpr-Admin"}),
        )
        .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let address = r.json()["data"][0]["id"].as_str().unwrap().to_owned();
        let r = admin_call("GET", "/customers/B-9/users/max.gdpr@example.com".into(), Value::Null).await;
        let user = r.json()["data"]["id"].as_str().unwrap().to_owned();
        let attribute = json!({"name": "nickname", "type": "String", "value": "Gdpr-Nick"});
        for owner in [
            "/customers/B-9".to_owned(),
            format!("/customers/B-9/users/{user}"),
            format!("/customers/B-9/addresses/{address}"),
        ] {
            let r = admin_call("POST", format!("{owner}/attributes"), attribute.clone()).await;
            assert_eq!(r.status, 201, "{backend}: {owner}: {}", r.text());
        }
        let r = s
            .send_json(
                "POST",
                &format!("{ICM}/customers/B-9/costcenters"),
                &json!({"costCenterId": "CC-9", "name": "Gdpr Center", "budget": {"type": "Money", "value": 500, "currency": "EUR"},
                        "budgetPeriod": "monthly", "costCenterOwner": {"login": "max.gdpr@example.com"}, "active": true}),
                &as_max,
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "POST",
                &format!("{ICM}/customers/B-9/costcenters/CC-9/buyers"),
                &json!({"login": "anna.gdpr@example.com"}),
                &as_max,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let account = s.column_texts("SELECT CAST(id AS TEXT) AS v FROM customers WHERE number = 'B-9'")[0].clone();
        let r = s
            .send_json(
                "POST",
                &format!("/admin/api/v1/customerAccounts/{account}/bankData"),
                &json!({"iban": IBAN, "owner": "Max Gdpr-Admin", "bankName": "Commerzbank"}),
                &[("authorization", &client)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "POST",
                &format!("{ICM}/customers/-/payments"),
                &json!({"name": "ISH_DEBIT_TRANSFER", "parameters": [{"key": "holder", "property": "Max Gdpr-Admin"},
                        {"key": "IBAN", "property": IBAN}, {"key": "BIC", "property": "COBADEFFXXX"}]}),
                &as_max,
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = s
            .post_json_with(
                "/service/demo/giftcards",
                &json!({"amount": {"value": 20, "currency": "EUR"}, "number": "GC-GDPR", "pin": "2468"}),
                &[("authorization", &client)],
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "POST",
                "/service/demo/giftcards/GC-GDPR/entries",
                &json!({"amount": {"value": -1, "currency": "EUR"}, "reason": "order"}),
                &[("authorization", &client), ("idempotency-key", "gc-1")],
            )
            .await;
        assert!(r.status < 300, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "POST",
                &format!("{ICM}/customers/-/payments"),
                &json!({"name": "ISH_GIFT_CARD", "parameters": [{"key": "giftCardNumber", "property": "GC-GDPR"},
                        {"key": "giftCardPin", "property": "2468"}]}),
                &as_max,
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/customers/-/users/-/credentials/password"),
                &json!({"password": "a brand new secret", "currentPassword": "correct horse battery"}),
                &as_max,
            )
            .await;
        assert!(r.status < 300, "{backend}: {}", r.text());
        let r = s
            .post_json(
                &format!("{ICM}/security/reminder"),
                &json!({"email": "max.gdpr@example.com"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let max = s.icm_password_grant("max.gdpr@example.com", "a brand new secret").await;
        assert_eq!(max.status, 200, "{backend}: a session to erase");
        let r = s
            .send_json(
                "PUT",
                &format!("/admin/api/v1/customerAccounts/{account}"),
                &json!({"displayName": "Gdpr-Display"}),
                &[("authorization", &client)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = s
            .send(
                "POST",
                &format!("/admin/api/v1/customerAccounts/{account}/link"),
                &[("authorization", &client)],
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "POST",
                "/service/demo/spending",
                &json!({"event": "placed", "customerNo": "B-9", "orderNo": "GDPR-1", "buyer": "anna.gdpr@example.com",
                        "costCenter": "CC-9", "amount": {"value": 12.5, "currency": "EUR"}}),
                &[("authorization", &client), ("idempotency-key", "gdpr-order-1")],
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = put(
            &s,
            &client,
            "/invoices/GDPR-INV-1",
            json!({"shopCustomerNumber": "B-9", "type": "invoice", "currency": "EUR"}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = put(
            &s,
            &client,
            "/customers/B-9/balances/EUR",
            json!({"openInvoiceAmount": 12.5}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text());

        // IOM GET of the company: its users, orders, invoices and bank data in IOM's schema.
        let r = s
            .get("/rest/gdpr/shops/demo/customers/B-9", &[("authorization", &client)])
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let c = r.json();
        let schemas: Value = serde_json::from_str(SCHEMAS).unwrap();
        validate(&schemas["components"]["schemas"], "Customer", &c, "Customer");
        assert_eq!(c["customerType"], "b2b");
        assert_eq!(c["companyName"], "Müller GmbH");
        assert_eq!(c["orders"][0]["shopOrderNumber"], "GDPR-1", "{c}");
        assert_eq!(c["orders"][0]["shopTotalGross"], 12.5, "{c}");
        assert_eq!(c["bankAccounts"][0]["accountNumber"], IBAN);
        assert_eq!(c["invoiceAndCreditNotes"][0]["invoiceNumber"], "GDPR-INV-1", "{c}");

        let tenant =
            s.column_texts("SELECT CAST(tenant_id AS TEXT) AS v FROM customers WHERE number = 'B-9'")[0].clone();
        let export = s
            .get(
                "/service/demo/customers/B-9/personal-data",
                &[("authorization", &client)],
            )
            .await;
        assert_eq!(export.status, 200, "{backend}: {}", export.text());
        let export = export.json();

        // Before: every column classified, exported, and the fixture reaches every table.
        let mut captured = vec![];
        for (table, condition, fate) in PERSONAL_TABLES {
            let columns = schema_columns(&s, table);
            match fate {
                Fate::Deleted => {}
                Fate::Cleared { personal, other } => {
                    let mut all = [*personal, *other].concat();
                    all.sort();
                    all.dedup();
                    assert_eq!(
                        all.len(),
                        personal.len() + other.len(),
                        "{table}: a column listed twice"
                    );
                    assert_eq!(
                        sorted(&all),
                        columns,
                        "{backend}: classify every column of {table} in crates/store/src/privacy.rs"
                    );
                }
                Fate::Kept { columns: kept, .. } => {
                    assert_eq!(
                        sorted(kept),
                        columns,
                        "{backend}: classify every column of {table} in crates/store/src/privacy.rs"
                    );
                }
            }
            let exported = export["tables"][*table]
                .as_array()
                .unwrap_or_else(|| panic!("{table} exported"));
            assert!(
                !exported.is_empty(),
                "{backend}: the fixture leaves {table} empty: extend it"
            );
            let visible: Vec<String> = columns
                .iter()
                .filter(|c| !HIDDEN_COLUMNS.contains(&c.as_str()))
                .cloned()
                .collect();
            for row in exported {
                let mut keys: Vec<String> = row.as_object().unwrap().keys().cloned().collect();
                keys.sort();
                assert_eq!(keys, visible, "{backend}: {table} exported whole but its secrets");
            }
            let key = if columns.iter().any(|c| c == "id") {
                "id"
            } else {
                "customer_id"
            };
            let condition = condition.replace("{t}", &tenant).replace("{c}", &account);
            let ids = s.column_texts(&format!(
                "SELECT CAST({key} AS TEXT) AS v FROM {table} WHERE {condition}"
            ));
            assert_eq!(ids.len(), exported.len(), "{backend}: {table}");
            if let Fate::Cleared { personal, .. } = fate {
                for column in *personal {
                    let values = s.column_texts(&format!(
                        "SELECT COALESCE(CAST({column} AS TEXT), '') AS v FROM {table} WHERE {condition}"
                    ));
                    assert!(
                        values.iter().all(|v| !cleared(v)),
                        "{backend}: the fixture leaves {table}.{column} empty: extend it"
                    );
                }
            }
            captured.push((table, key, ids.join(","), fate));
        }

        let r = s
            .send(
                "DELETE",
                "/rest/gdpr/shops/demo/customers/B-9",
                &[("authorization", &client)],
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());

        // After: deleted rows are gone, cleared columns empty, kept rows still there.
        for (table, key, ids, fate) in captured {
            let left = s.column_texts(&format!(
                "SELECT CAST({key} AS TEXT) AS v FROM {table} WHERE {key} IN ({ids})"
            ));
            match fate {
                Fate::Deleted => assert_eq!(left, Vec::<String>::new(), "{backend}: {table} rows left"),
                Fate::Cleared { personal, .. } => {
                    assert!(!left.is_empty(), "{backend}: {table} row kept");
                    for column in *personal {
                        let values = s.column_texts(&format!(
                            "SELECT COALESCE(CAST({column} AS TEXT), '') AS v FROM {table} WHERE {key} IN ({ids})"
                        ));
                        assert!(
                            values.iter().all(|v| cleared(v)),
                            "{backend}: {table}.{column} still holds {values:?}"
                        );
                    }
                }
                Fate::Kept { .. } => assert_eq!(left.len(), ids.split(',').count(), "{backend}: {table} kept"),
            }
        }
        let kept: Vec<&str> = PERSONAL_TABLES
            .iter()
            .filter(|(_, _, f)| matches!(f, Fate::Kept { .. }))
            .map(|(t, _, _)| *t)
            .filter(|t| ["orders", "invoices", "customer_balances"].contains(t))
            .collect();
        for (table, row) in s.dump() {
            if kept.contains(&table.as_str()) {
                continue;
            }
            for trace in ["Gdpr-", "max.gdpr", "anna.gdpr", "bob.gdpr", "0532013000", "DE-GDPR"] {
                assert!(!row.contains(trace), "{backend}: {table} still holds {trace}: {row}");
            }
        }
        s.stop().await;
    }
}
