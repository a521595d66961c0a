//! Payments end to end, on every backend: ICM `…/payments` (OPTIONS per customer kind,
//! save, list, read, replace, delete, documented errors), card numbers refused anywhere,
//! sealed storage, gift cards issued through the service API and linked with their PIN,
//! concurrent debits and idempotency, and who sees whose instruments.

use clientele_tests::{basic, databases, icm_company, Mailbox, Reply, TestServer, ICM};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";
const IBAN: &str = "DE89370400440532013000";

fn auth(token: &str) -> [(&str, &str); 1] {
    [("authentication-token", token)]
}

async fn private(s: &TestServer, login: &str, number: &str) -> String {
    assert_eq!(s.icm_register(login, number).await.status, 201);
    s.icm_password_grant(login, PASSWORD).await.access_token()
}

async fn save(s: &TestServer, token: &str, collection: &str, body: Value) -> Reply {
    s.send_json("POST", &format!("{ICM}/{collection}/-/payments"), &body, &auth(token))
        .await
}

fn debit(holder: &str, iban: &str) -> Value {
    json!({"name": "ISH_DEBIT_TRANSFER", "parameters": [
        {"key": "holder", "property": holder}, {"key": "IBAN", "property": iban}, {"key": "BIC", "property": "COBADEFFXXX"}]})
}

fn card(token: &str, number: &str, expiry: &str) -> Value {
    json!({"name": "ISH_CREDITCARD", "parameters": [
        {"key": "paymentToken", "property": token}, {"key": "creditCardType", "property": "visa"},
        {"key": "creditCardNumber", "property": number}, {"key": "creditCardExpiryDate", "property": expiry}]})
}

fn error_key(r: &Reply) -> &str {
    r.header("error-key").unwrap_or_default()
}

/// The method ids OPTIONS offers.
async fn offered(s: &TestServer, token: &str, collection: &str) -> Vec<String> {
    let r = s
        .send("OPTIONS", &format!("{ICM}/{collection}/-/payments"), &auth(token), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["type"], "PaymentOptions");
    body["methods"][0]["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn saved_instruments_through_icm() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let anna = private(&s, "anna@example.com", "P-1").await;

        // OPTIONS: a private customer may not save the business-only invoice.
        assert_eq!(
            offered(&s, &anna, "privatecustomers").await,
            ["ISH_DEBIT_TRANSFER", "ISH_CREDITCARD", "ISH_GIFT_CARD"],
            "{backend}"
        );
        let r = s
            .send(
                "OPTIONS",
                &format!("{ICM}/privatecustomers/-/payments"),
                &auth(&anna),
                None,
            )
            .await;
        let dd = &r.json()["methods"][0]["payments"][0];
        assert_eq!(dd["displayName"], "Direct Debit");
        assert_eq!(dd["paymentParameters"][1]["key"], "IBAN");
        assert_eq!(
            dd["parameterDefinitions"][1]["constraints"]["required"]["message"],
            "IBAN is required."
        );
        let de = s
            .send(
                "GET",
                "/INTERSHOP/rest/WFS/demo/-;loc=de_DE/privatecustomers/-/eligible-payment-methods",
                &auth(&anna),
                None,
            )
            .await;
        assert_eq!(de.json()["methods"][0]["payments"][0]["displayName"], "Lastschrift");

        // Save a direct debit: 201, Location, a link the PWA resolves.
        let r = save(&s, &anna, "privatecustomers", debit("Anna A", IBAN)).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let link = r.json();
        let id = link["itemId"].as_str().unwrap().to_owned();
        assert_eq!(link["uri"], format!("demo/-/privatecustomers/-/payments/{id}"));
        assert_eq!(
            r.header("location").unwrap(),
            format!("/INTERSHOP/rest/WFS/demo/-/privatecustomers/-/payments/{id}")
        );
        let got = s.get(r.header("location").unwrap(), &auth(&anna)).await;
        assert_eq!(got.status, 200);
        let p = got.json();
        assert_eq!(p["type"], "Payment");
        assert_eq!(p["name"], "ISH_DEBIT_TRANSFER");
        assert_eq!(p["id"], id.as_str());
        assert_eq!(p["accountIdentifier"], "DE** **** **** **** **30 00");
        assert!(!got.text().contains("0532013000"), "{}", got.text());
        let attrs: Vec<(String, Value)> = p["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["name"].as_str().unwrap().to_owned(), a["value"].clone()))
            .collect();
        assert!(attrs.contains(&("holder".into(), json!("Anna A"))));
        assert!(attrs.contains(&("BIC".into(), json!("COBADEFFXXX"))));
        assert!(attrs.contains(&("paymentInstrumentId".into(), json!(id))));

        // The raw table holds no IBAN.
        for text in s.column_texts("SELECT display || ' ' || coalesce(sealed, '') AS v FROM payment_instruments") {
            assert!(
                !text.contains("0532013000") && !text.contains(IBAN),
                "{backend}: {text}"
            );
        }

        // Documented errors.
        let r = save(&s, &anna, "privatecustomers", debit("Anna A", IBAN)).await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.dublicate.error")
        );
        let r = save(&s, &anna, "privatecustomers", debit("Anna A", "DE89370400440532013001")).await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.invalid_fields.error")
        );
        assert!(r.text().contains("IBAN"), "{}", r.text());
        let r = save(
            &s,
            &anna,
            "privatecustomers",
            json!({"name": "ISH_DEBIT_TRANSFER", "parameters": [{"key": "IBAN", "property": IBAN}]}),
        )
        .await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.missing_fields.error")
        );
        assert!(r.text().contains("holder"), "{}", r.text());
        let r = save(&s, &anna, "privatecustomers", json!({"name": "ISH_INVOICE"})).await;
        assert_eq!((r.status, error_key(&r)), (400, "shopping_cart.payment.name.error"));
        let r = save(&s, &anna, "privatecustomers", json!({"name": "NO_SUCH_METHOD"})).await;
        assert_eq!((r.status, error_key(&r)), (400, "shopping_cart.payment.name.error"));
        let r = save(&s, &anna, "privatecustomers", json!({"parameters": []})).await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.missing_fields.error")
        );
        let r = save(
            &s,
            &anna,
            "privatecustomers",
            json!({"name": "ISH_DEBIT_TRANSFER", "parameters": [{"key": "colour", "property": "red"}]}),
        )
        .await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.invalid_fields.error")
        );
        let r = save(&s, &anna, "privatecustomers", json!({"name": 7})).await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.invalid_fields.error")
        );

        // Card numbers are refused in any field, and never echoed.
        for body in [
            card("tok_1", "4111111111111111", "12/2030"),
            card("4111 1111 1111 1111", "************1111", "12/2030"),
            json!({"name": "ISH_CREDITCARD", "comment": "5500-0055-5555-5559"}),
            json!({"name": "ISH_DEBIT_TRANSFER", "parameters": [{"key": "holder", "property": 4111111111111111u64}]}),
        ] {
            let r = save(&s, &anna, "privatecustomers", body).await;
            assert_eq!(
                (r.status, error_key(&r)),
                (400, "shopping_cart.payment.invalid_fields.error"),
                "{}",
                r.text()
            );
            assert!(
                !r.text().contains("1111 1111") && !r.text().contains("4111111111111111") && !r.text().contains("5559")
            );
        }

        // A provider-token card: masked, expired ones flagged.
        let r = save(
            &s,
            &anna,
            "privatecustomers",
            card("tok_visa_42", "************4242", "01/20"),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let card_id = r.json()["itemId"].as_str().unwrap().to_owned();
        let c = s
            .get(&format!("{ICM}/privatecustomers/-/payments/{card_id}"), &auth(&anna))
            .await
            .json();
        assert_eq!(c["accountIdentifier"], "VISA ************4242 01/2020");
        assert!(c["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "expired" && a["value"] == true));
        assert!(!c.to_string().contains("tok_visa_42"));
        let r = save(&s, &anna, "privatecustomers", card("tok_x", "4242", "13/30")).await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.invalid_fields.error")
        );
        for text in s.column_texts("SELECT coalesce(sealed, '') || display AS v FROM payment_instruments") {
            assert!(!text.contains("tok_visa_42"), "{text}");
        }

        // List: links in creation order.
        let list = s.get(&format!("{ICM}/privatecustomers/-/payments"), &auth(&anna)).await;
        assert_eq!(list.status, 200);
        let body = list.json();
        let items: Vec<&str> = body["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["itemId"].as_str().unwrap())
            .collect();
        assert_eq!(items, [id.as_str(), card_id.as_str()]);

        // PUT replaces all parameters; the method cannot change.
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/privatecustomers/-/payments/{id}"),
                &debit("Anna B", "GB82WEST12345698765432"),
                &auth(&anna),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["accountIdentifier"], "GB** **** **** **** **54 32");
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/privatecustomers/-/payments/{id}"),
                &json!({"name": "ISH_CREDITCARD", "parameters": []}),
                &auth(&anna),
            )
            .await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.invalid_fields.error")
        );

        // Another customer sees none of it; another tenant's token is useless here.
        let ben = private(&s, "ben@example.com", "P-2").await;
        for path in [
            format!("{ICM}/privatecustomers/-/payments/{id}"),
            format!("{ICM}/privatecustomers/P-1/payments"),
        ] {
            let r = s.get(&path, &auth(&ben)).await;
            assert_eq!(r.status, 404, "{path}");
        }
        let r = s
            .send(
                "DELETE",
                &format!("{ICM}/privatecustomers/-/payments/{id}"),
                &auth(&ben),
                None,
            )
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(
            s.get(&format!("{ICM}/privatecustomers/-/payments"), &auth(&ben))
                .await
                .json()["elements"],
            json!([])
        );
        let r = s.get(&format!("{ICM}/privatecustomers/-/payments"), &[]).await;
        assert_eq!(r.status, 401);
        s.store_tenant("other").await;
        let r = s
            .get(
                &format!("/INTERSHOP/rest/WFS/other/-/privatecustomers/-/payments/{id}"),
                &auth(&anna),
            )
            .await;
        assert_eq!(r.status, 401);

        // `clientele keys rotate` re-seals instruments; an instance with the new key reads them.
        let new_key = clientele_crypto::AesGcmCipher::generate_key();
        let rotate = |st: &mut clientele::Settings| {
            st.encryption.keys.insert("k2".into(), new_key.clone());
            st.encryption.current = "k2".into();
        };
        let mut settings = s.settings();
        rotate(&mut settings);
        let moved = clientele::payment_instruments(&settings, &s.store)
            .unwrap()
            .rotate()
            .await
            .unwrap();
        assert_eq!(moved, 2, "{backend}");
        assert_eq!(
            s.column_texts("SELECT key_id AS v FROM payment_instruments"),
            ["k2", "k2"]
        );
        let rotated = s.second_instance_with(rotate).await;
        // The duplicate check opens the re-sealed IBAN with the new key.
        let r = save(
            &rotated,
            &anna,
            "privatecustomers",
            debit("Anna C", "GB82WEST12345698765432"),
        )
        .await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.dublicate.error"),
            "{}",
            r.text()
        );
        rotated.stop().await;

        // DELETE answers a link; the instrument is gone.
        let r = s
            .send(
                "DELETE",
                &format!("{ICM}/privatecustomers/-/payments/{id}"),
                &auth(&anna),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["type"], "Link");
        assert_eq!(
            s.get(&format!("{ICM}/privatecustomers/-/payments/{id}"), &auth(&anna))
                .await
                .status,
            404
        );
        assert_eq!(
            s.column_texts("SELECT method AS v FROM payment_instruments"),
            ["ISH_CREDITCARD"]
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn business_users_see_their_own_and_administrators_all() {
    for (backend, db) in databases() {
        let mut mailbox = Mailbox::new("payments-b2b");
        let s = TestServer::start_with_mail(backend, db, &mailbox, |_| {}).await;
        s.post_json(&format!("{ICM}/customers"), &icm_company("B-1", "admin@example.com"))
            .await;
        let admin = s.icm_password_grant("admin@example.com", PASSWORD).await.access_token();
        // The invoice is offered to business customers.
        assert_eq!(
            offered(&s, &admin, "customers").await,
            ["ISH_INVOICE", "ISH_DEBIT_TRANSFER", "ISH_CREDITCARD", "ISH_GIFT_CARD"],
            "{backend}"
        );
        let r = save(&s, &admin, "customers", json!({"name": "ISH_INVOICE"})).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let invoice = r.json()["itemId"].as_str().unwrap().to_owned();
        let r = save(&s, &admin, "customers", json!({"name": "ISH_INVOICE"})).await;
        assert_eq!(error_key(&r), "shopping_cart.payment.dublicate.error");
        // Methods without parameters are not updated.
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/customers/B-1/payments/{invoice}"),
                &json!({"parameters": []}),
                &auth(&admin),
            )
            .await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.invalid_fields.error")
        );

        // A buyer (no APP_B2B_MANAGE_USERS) added by the administrator.
        let buyer = s
            .invite_colleague(&mut mailbox, &admin, "B-1", "buyer@example.com", PASSWORD)
            .await;
        let r = save(&s, &buyer, "customers", debit("Buyer", IBAN)).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let buyers = r.json()["itemId"].as_str().unwrap().to_owned();

        let ids = |r: Reply| -> Vec<String> {
            r.json()["elements"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["itemId"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            ids(s.get(&format!("{ICM}/customers/B-1/payments"), &auth(&buyer)).await),
            std::slice::from_ref(&buyers)
        );
        assert_eq!(
            ids(s.get(&format!("{ICM}/customers/B-1/payments"), &auth(&admin)).await),
            [invoice.clone(), buyers.clone()]
        );
        assert_eq!(
            s.get(&format!("{ICM}/customers/B-1/payments/{invoice}"), &auth(&buyer))
                .await
                .status,
            404
        );
        assert_eq!(
            s.get(&format!("{ICM}/customers/B-1/payments/{buyers}"), &auth(&admin))
                .await
                .status,
            200
        );
        let r = s
            .send(
                "DELETE",
                &format!("{ICM}/customers/B-1/payments/{invoice}"),
                &auth(&buyer),
                None,
            )
            .await;
        assert_eq!(r.status, 404);
        // The buyer's gift cards are theirs; the administrator's are not the buyer's to read.
        assert_eq!(
            s.get(
                &format!("{ICM}/customers/B-1/users/-/giftcardsandcertificates"),
                &auth(&buyer)
            )
            .await
            .status,
            200
        );
        assert_eq!(
            s.get(
                &format!("{ICM}/customers/B-1/users/admin@example.com/giftcardsandcertificates"),
                &auth(&buyer)
            )
            .await
            .status,
            404
        );
        assert_eq!(
            s.get(
                &format!("{ICM}/customers/B-1/users/buyer@example.com/giftcardsandcertificates"),
                &auth(&admin)
            )
            .await
            .status,
            200
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn gift_cards_issued_linked_and_debited() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let (id, secret) = s
            .api_client("demo", &["customer.giftcard_manage", "customer.giftcard_read"])
            .await;
        let back_office = basic(&id, &secret);
        let (rid, rsecret) = s.api_client("demo", &["customer.giftcard_read"]).await;
        let reader = basic(&rid, &rsecret);

        // Issue through the service API: the PIN is shown once and stored hashed.
        let r = s
            .post_json_with(
                "/service/demo/giftcards",
                &json!({"amount": {"value": 50.00, "currency": "EUR"}, "number": "GC-0001", "pin": "7391"}),
                &[("authorization", &back_office)],
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        assert_eq!(r.json()["pin"], "7391");
        assert_eq!(r.json()["balance"]["value"], json!(50.0));
        let r = s
            .post_json_with(
                "/service/demo/giftcards",
                &json!({"amount": {"value": 5, "currency": "EUR"}, "number": "GC-0001"}),
                &[("authorization", &back_office)],
            )
            .await;
        assert_eq!(r.status, 409);
        let r = s
            .post_json_with(
                "/service/demo/giftcards",
                &json!({"amount": {"value": 5, "currency": "EUR"}}),
                &[("authorization", &reader)],
            )
            .await;
        assert_eq!(r.status, 403);
        let r = s
            .post_json_with(
                "/service/demo/giftcards",
                &json!({"amount": {"value": 5, "currency": "EUR"}, "number": "4111111111111111"}),
                &[("authorization", &back_office)],
            )
            .await;
        assert_eq!(r.status, 400);
        for text in s.column_texts("SELECT pin_hash AS v FROM gift_cards") {
            assert!(text.starts_with("$argon2id$") && !text.contains("7391"), "{text}");
        }

        // A customer links it with number and PIN; wrong PINs lock it for a while.
        let anna = private(&s, "anna@example.com", "P-1").await;
        let gift = |pin: &str| {
            json!({"name": "ISH_GIFT_CARD", "parameters": [
            {"key": "giftCardNumber", "property": "gc-0001"}, {"key": "giftCardPin", "property": pin}]})
        };
        let r = save(&s, &anna, "privatecustomers", gift("0000")).await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.paymentdata.error")
        );
        let r = save(
            &s,
            &anna,
            "privatecustomers",
            json!({"name": "ISH_GIFT_CARD", "parameters": [
            {"key": "giftCardNumber", "property": "GC-9999"}, {"key": "giftCardPin", "property": "7391"}]}),
        )
        .await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.paymentdata.error")
        );
        let r = save(&s, &anna, "privatecustomers", gift("7391")).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = save(&s, &anna, "privatecustomers", gift("7391")).await;
        assert_eq!(error_key(&r), "shopping_cart.payment.dublicate.error");
        let list = s
            .get(
                &format!("{ICM}/privatecustomers/-/giftcardsandcertificates"),
                &auth(&anna),
            )
            .await;
        assert_eq!(list.status, 200, "{}", list.text());
        let card_key = list.json()["elements"][0]["itemId"].as_str().unwrap().to_owned();
        let g = s
            .get(
                &format!("{ICM}/privatecustomers/-/giftcardsandcertificates/{card_key}"),
                &auth(&anna),
            )
            .await
            .json();
        assert_eq!(g["type"], "GiftCardAndCertificate");
        assert_eq!(
            (g["currency"].clone(), g["amount"].clone(), g["amountRemaining"].clone()),
            (json!("EUR"), json!(50.0), json!(50.0))
        );
        assert_eq!(g["name"], "***0001");
        let ben = private(&s, "ben@example.com", "P-2").await;
        let r = s
            .get(
                &format!("{ICM}/privatecustomers/-/giftcardsandcertificates/{card_key}"),
                &auth(&ben),
            )
            .await;
        assert_eq!(r.status, 404);

        // 100 concurrent debits of 1.00 on 50.00: exactly 50 succeed.
        let debit = |n: usize| {
            let s = &s;
            let back_office = back_office.clone();
            async move {
                s.send(
                    "POST",
                    "/service/demo/giftcards/GC-0001/entries",
                    &[
                        ("authorization", &back_office),
                        ("content-type", "application/json"),
                        ("idempotency-key", &format!("order-{n}")),
                    ],
                    Some(br#"{"amount": {"value": -1.00, "currency": "EUR"}, "reason": "order"}"#),
                )
                .await
                .status
            }
        };
        let statuses = futures_util::future::join_all((0..100).map(debit)).await;
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            50,
            "{backend}: {statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            50,
            "{backend}: {statuses:?}"
        );
        // A repeated key is counted once.
        let applied = statuses.iter().position(|s| *s == 201).unwrap();
        assert_eq!(debit(applied).await, 200);
        let shown = s
            .get("/service/demo/giftcards/GC-0001", &[("authorization", &reader)])
            .await
            .json();
        assert_eq!(shown["balance"]["value"], json!(0.0));
        let entries = shown["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 51);
        let sum: f64 = entries.iter().map(|e| e["amount"]["value"].as_f64().unwrap()).sum();
        assert!(sum.abs() < 1e-9, "{sum}");
        let raw = s.column_texts("SELECT CAST(SUM(amount) AS TEXT) AS v FROM gift_card_entries");
        assert_eq!(raw, ["0"]);
        let r = s
            .get(
                &format!("{ICM}/privatecustomers/-/giftcardsandcertificates/{card_key}"),
                &auth(&anna),
            )
            .await;
        assert_eq!(r.json()["amountRemaining"], json!(0.0));
        let r = s.get(&format!("{ICM}/privatecustomers/-/payments"), &auth(&anna)).await;
        let pid = r.json()["elements"][0]["itemId"].as_str().unwrap().to_owned();
        let p = s
            .get(&format!("{ICM}/privatecustomers/-/payments/{pid}"), &auth(&anna))
            .await
            .json();
        assert_eq!(p["limitedTenderBalance"]["value"], json!(0.0));

        // A blocked card takes no debits and cannot be linked; unblocked it can.
        let block = |blocked: bool| {
            let s = &s;
            let back_office = back_office.clone();
            async move {
                s.send_json(
                    "PATCH",
                    "/service/demo/giftcards/GC-0001",
                    &json!({ "blocked": blocked }),
                    &[("authorization", &back_office)],
                )
                .await
            }
        };
        let r = block(true).await;
        assert_eq!(
            (r.status, r.json()["blocked"].clone()),
            (200, json!(true)),
            "{}",
            r.text()
        );
        let r = s
            .send_json(
                "POST",
                "/service/demo/giftcards/GC-0001/entries",
                &json!({"amount": {"value": -1, "currency": "EUR"}}),
                &[("authorization", &back_office), ("idempotency-key", "blocked-1")],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text());
        let r = save(&s, &ben, "privatecustomers", gift("7391")).await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.paymentdata.error")
        );
        assert!(r.text().contains("blocked"), "{}", r.text());
        assert_eq!(block(false).await.status, 200);
        let r = save(&s, &ben, "privatecustomers", gift("7391")).await;
        assert_eq!(r.status, 201, "{}", r.text());
        // A card valid from tomorrow cannot be linked yet.
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let r = s
            .post_json_with(
                "/service/demo/giftcards",
                &json!({"amount": {"value": 5, "currency": "EUR"}, "number": "GC-0003", "pin": "5555", "validFrom": tomorrow}),
                &[("authorization", &back_office)],
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = save(
            &s,
            &ben,
            "privatecustomers",
            json!({"name": "ISH_GIFT_CARD", "parameters": [
            {"key": "giftCardNumber", "property": "GC-0003"}, {"key": "giftCardPin", "property": "5555"}]}),
        )
        .await;
        assert!(r.text().contains("not valid yet"), "{}", r.text());
        // Another tenant's client sees none of this tenant's cards.
        s.store_tenant("other").await;
        let (oid, osecret) = s.api_client("other", &["customer.giftcard_read"]).await;
        let r = s
            .get(
                "/service/demo/giftcards/GC-0001",
                &[("authorization", &basic(&oid, &osecret))],
            )
            .await;
        assert_eq!(r.status, 401);
        let r = s
            .get(
                "/service/other/giftcards/GC-0001",
                &[("authorization", &basic(&oid, &osecret))],
            )
            .await;
        assert_eq!(r.status, 404);

        // Five wrong PINs lock the card: then even the right PIN is refused.
        s.post_json_with(
            "/service/demo/giftcards",
            &json!({"amount": {"value": 10, "currency": "EUR"}, "number": "GC-0002", "pin": "1234"}),
            &[("authorization", &back_office)],
        )
        .await;
        let two = |pin: &str| {
            json!({"name": "ISH_GIFT_CARD", "parameters": [
            {"key": "giftCardNumber", "property": "GC-0002"}, {"key": "giftCardPin", "property": pin}]})
        };
        for _ in 0..5 {
            let r = save(&s, &ben, "privatecustomers", two("9999")).await;
            assert_eq!(error_key(&r), "shopping_cart.payment.paymentdata.error");
        }
        let r = save(&s, &ben, "privatecustomers", two("1234")).await;
        assert_eq!(
            (r.status, error_key(&r)),
            (400, "shopping_cart.payment.paymentdata.error")
        );
        assert!(r.text().contains("locked"), "{}", r.text());
        s.stop().await;
    }
}
