//! Profile and address book end to end: ICM 7.10 and Emporix flows, the same data in
//! both dialects, optimistic concurrency, object-level authorization and bad input.
//! On every backend.

use clientele_tests::{databases, emporix_signup, Reply, TestServer, ICM};
use futures_util::future::join_all;
use serde_json::{json, Value};

const PASSWORD: &str = "another good passphrase";

/// An ICM session of a private customer registered through ICM: its token header.
async fn icm_customer(s: &TestServer, login: &str, number: &str) -> (&'static str, String) {
    assert_eq!(s.icm_register(login, number).await.status, 201);
    let r = s.icm_password_grant(login, "correct horse battery").await;
    assert_eq!(r.status, 200, "{}", r.text());
    ("authentication-token", r.access_token())
}

/// An Emporix customer signed up in `tenant`: its `Bearer` header value.
async fn emporix_customer(s: &TestServer, tenant: &str, email: &str) -> String {
    let anon = s
        .get(
            &format!("/customerlogin/auth/anonymous/login?tenant={tenant}&client_id=storefront"),
            &[],
        )
        .await;
    let anon = format!("Bearer {}", anon.json()["access_token"].as_str().unwrap());
    let r = s
        .post_json_with(
            &format!("/customer/{tenant}/signup"),
            &emporix_signup(email),
            &[("authorization", &anon)],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = s
        .post_json_with(
            &format!("/customer/{tenant}/login"),
            &json!({"email": email, "password": PASSWORD}),
            &[("authorization", &anon)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    format!("Bearer {}", r.access_token())
}

fn us_address() -> Value {
    json!({
        "firstName": "Anna", "lastName": "Meier", "addressLine1": "1 Market St",
        "postalCode": "94105", "city": "San Francisco", "mainDivision": "CA", "countryCode": "US",
        "invoiceToAddress": true, "shipToAddress": true
    })
}

/// Follows an ICM `LinkRO` the way the PWA does: `/INTERSHOP/rest/{server}/{uri}`.
async fn resolve(s: &TestServer, link: &Value, auth: (&str, &str)) -> Reply {
    let uri = link["uri"].as_str().expect("uri");
    s.get(&format!("/INTERSHOP/rest/WFS/{uri}"), &[auth]).await
}

fn key(r: &Reply) -> Option<&str> {
    r.header("error-key")
}

#[actix_web::test]
async fn icm_address_book_lists_creates_updates_and_deletes() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let (h, token) = icm_customer(&s, "anna@example.com", "A-1").await;
        let auth = (h, token.as_str());
        let addresses = format!("{ICM}/customers/-/addresses");

        // The registration address is listed as a link the PWA can resolve.
        let r = s.get(&addresses, &[auth]).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert!(r.header("etag").is_some());
        let list = r.json();
        assert_eq!(list["type"], "ResourceCollection");
        let elements = list["elements"].as_array().unwrap();
        assert_eq!(elements.len(), 1, "{list}");
        let first_link = elements[0].clone();
        assert_eq!(first_link["type"], "Link");
        let first_id = first_link["itemId"].as_str().unwrap().to_owned();
        assert_eq!(
            first_link["uri"],
            format!("demo/-/customers/-/addresses/{first_id}"),
            "{backend}"
        );
        let first = resolve(&s, &first_link, auth).await;
        assert_eq!(first.status, 200, "{backend}: {}", first.text());
        assert_eq!(first.json()["addressLine1"], "Hauptstr. 1");
        assert_eq!(first.json()["invoiceToAddress"], true);
        assert_eq!(first.header("etag"), Some("\"1\""));

        // Create: 201 with a link; the same address again is the existing one (200).
        let r = s.send_json("POST", &addresses, &us_address(), &[auth]).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let second_link = r.json();
        let second_id = second_link["itemId"].as_str().unwrap().to_owned();
        assert!(r
            .header("location")
            .unwrap()
            .ends_with(&format!("/addresses/{second_id}")));
        let again = s.send_json("POST", &addresses, &us_address(), &[auth]).await;
        assert_eq!(again.status, 200, "{backend}: {}", again.text());
        assert_eq!(again.json()["itemId"], second_id.as_str());
        let second = resolve(&s, &second_link, auth).await;
        assert_eq!(second.json()["city"], "San Francisco");
        assert_eq!(second.json()["mainDivision"], "CA");
        let etag = second.header("etag").unwrap().to_owned();

        // Update with the current ETag, then a stale one changes nothing (412).
        let one = format!("{addresses}/{second_id}");
        let mut changed = us_address();
        changed["addressLine2"] = json!("Suite 100");
        let r = s.send_json("PUT", &one, &changed, &[auth, ("if-match", &etag)]).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["addressLine2"], "Suite 100");
        assert_ne!(r.header("etag"), Some(etag.as_str()));
        changed["addressLine2"] = json!("Suite 200");
        let r = s.send_json("PUT", &one, &changed, &[auth, ("if-match", &etag)]).await;
        assert_eq!(r.status, 412, "{backend}: {}", r.text());
        assert_eq!(s.get(&one, &[auth]).await.json()["addressLine2"], "Suite 100");

        // The profile makes the second address the preferred invoice address; the first
        // one loses that preference in the same write.
        let profile = s.get(&format!("{ICM}/privatecustomers/-"), &[auth]).await;
        let urn = s.get(&one, &[auth]).await.json()["urn"].clone();
        let mut body = profile.json();
        body["preferredInvoiceToAddress"] = json!({ "urn": urn });
        body["firstName"] = json!("Annette");
        let r = s
            .send_json("PUT", &format!("{ICM}/privatecustomers/-"), &body, &[auth])
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["firstName"], "Annette");
        assert_eq!(r.json()["preferredInvoiceToAddress"]["id"], second_id.as_str());
        assert_eq!(r.json()["preferredShipToAddress"]["id"], first_id.as_str());
        let stale = profile.header("etag").unwrap().to_owned();
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/privatecustomers/-"),
                &body,
                &[auth, ("if-match", &stale)],
            )
            .await;
        assert_eq!(r.status, 412, "{backend}: {}", r.text());

        // The preferred invoice address must stay usable for invoices.
        changed["invoiceToAddress"] = json!(false);
        let r = s.send_json("PUT", &one, &changed, &[auth]).await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        assert_eq!(key(&r), Some("customer.address.update.error.inconsistentUsage"));

        // Delete: the first one goes; the last one stays (409).
        let r = s
            .send("DELETE", &format!("{addresses}/{first_id}"), &[auth], None)
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let r = s.send("DELETE", &one, &[auth], None).await;
        assert_eq!(r.status, 409, "{backend}: {}", r.text());
        assert_eq!(key(&r), Some("customer.address.deletion.error.LastAddress"));
        let r = s.get(&format!("{addresses}/{first_id}"), &[auth]).await;
        assert_eq!(r.status, 404);
        assert_eq!(key(&r), Some("customer.address.not_found.error"));
        assert_eq!(
            s.get(&addresses, &[auth]).await.json()["elements"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn icm_address_input_is_checked_field_by_field() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let (h, token) = icm_customer(&s, "anna@example.com", "A-1").await;
        let auth = (h, token.as_str());
        let addresses = format!("{ICM}/privatecustomers/-/addresses");
        let with = |field: &str, value: Value| {
            let mut a = us_address();
            a[field] = value;
            a
        };
        for (body, status, error_key) in [
            (with("city", json!("")), 400, "customer.address.missing_fields.error"),
            (
                with("countryCode", json!("XX")),
                400,
                "customer.address.invalid_fields.error",
            ),
            (
                with("postalCode", json!("9410")),
                400,
                "customer.address.invalid_fields.error",
            ),
            (
                with("city", json!("x".repeat(256))),
                400,
                "customer.address.invalid_fields.error",
            ),
            (with("city", json!(42)), 400, "customer.address.invalid_fields.error"),
            (
                json!({"firstName": "A", "lastName": "B", "addressLine1": "x", "city": "Berlin", "postalCode": "10115",
                       "countryCode": "DE", "invoiceToAddress": false, "shipToAddress": false}),
                400,
                "customer.address.invalid_fields.usage.error",
            ),
        ] {
            let r = s.send_json("POST", &addresses, &body, &[auth]).await;
            assert_eq!(r.status, status, "{backend} {body}: {}", r.text());
            assert_eq!(key(&r), Some(error_key), "{backend} {body}: {}", r.text());
        }
        let r = s
            .send(
                "POST",
                &addresses,
                &[auth, ("content-type", "application/json")],
                Some(b"{nope"),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            s.get(&addresses, &[auth]).await.json()["elements"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // Profile updates are checked too, and an anonymous token reaches nothing.
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/privatecustomers/-"),
                &json!({"firstName": "", "lastName": "M", "email": "anna@example.com"}),
                &[auth],
            )
            .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        assert_eq!(key(&r), Some("customer.missing_fields.error"));
        let anonymous = s.icm_token_form("grant_type=anonymous", &[]).await.access_token();
        let r = s.get(&addresses, &[("authentication-token", &anonymous)]).await;
        assert_eq!(r.status, 401, "{backend}");
        s.stop().await;
    }
}

#[actix_web::test]
async fn emporix_profile_and_address_book_flow() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let bearer = emporix_customer(&s, "demo", "john@example.com").await;
        let auth = ("authorization", bearer.as_str());

        let r = s.get("/customer/demo/me?expand=addresses", &[auth]).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let me = r.json();
        assert_eq!(me["firstName"], "John");
        assert_eq!(me["contactEmail"], "john@example.com");
        assert_eq!(me["accounts"][0]["id"], "john@example.com");
        assert_eq!(me["businessModel"], "B2C");
        assert_eq!(me["metadata"]["version"], 1);
        assert_eq!(r.header("etag"), Some("\"1\""));
        assert_eq!(me["addresses"].as_array().unwrap().len(), 1);
        assert_eq!(me["defaultAddress"]["street"], "Platz der Republik 1");

        // Merge patch: members change, null removes, read-only members are ignored.
        let patch =
            json!({"firstName": "Jane", "contactPhone": null, "customerNumber": "X", "metadata": {"version": 1}});
        let r = s
            .send(
                "PATCH",
                "/customer/demo/me",
                &[auth, ("content-type", "application/merge-patch+json")],
                Some(patch.to_string().as_bytes()),
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let me = s.get("/customer/demo/me", &[auth]).await.json();
        assert_eq!(me["firstName"], "Jane");
        assert_eq!(me["lastName"], "Doe");
        assert!(me.get("contactPhone").is_none(), "{me}");
        assert_ne!(me["customerNumber"], "X");
        assert_eq!(me["metadata"]["version"], 2);
        // Stale versions: 409 from the body, 412 from If-Match; nothing changes.
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/me",
                &json!({"lastName": "X", "metadata": {"version": 1}}),
                &[auth],
            )
            .await;
        assert_eq!(r.status, 409, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/me",
                &json!({"lastName": "X"}),
                &[auth, ("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(r.status, 412, "{backend}: {}", r.text());
        assert_eq!(r.json()["status"], 412);
        for bad in [
            &b"[1,2]"[..],
            b"{nope",
            b"{\"firstName\": 5}",
            b"{\"contactEmail\": null}",
        ] {
            let r = s
                .send(
                    "PATCH",
                    "/customer/demo/me",
                    &[auth, ("content-type", "application/merge-patch+json")],
                    Some(bad),
                )
                .await;
            assert_eq!(
                r.status,
                400,
                "{backend} {}: {}",
                String::from_utf8_lossy(bad),
                r.text()
            );
        }
        assert_eq!(s.get("/customer/demo/me", &[auth]).await.json()["lastName"], "Doe");

        // Addresses: create, read, tags, patch, put, delete.
        let r = s
            .post_json_with(
                "/customer/demo/me/addresses",
                &json!({"contactName": "Jane Doe", "street": "Unter den Linden", "streetNumber": "5", "zipCode": "10117",
                        "city": "Berlin", "country": "DE", "tags": ["SHIPPING", "HOME"]}),
                &[auth],
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let one = format!("/customer/demo/me/addresses/{id}");
        let a = s.get(&one, &[auth]).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["tags"], json!(["SHIPPING", "HOME"]));
        assert_eq!(a.json()["isDefault"], false);
        assert_eq!(a.json()["street"], "Unter den Linden 5");
        assert_eq!(a.json()["metadata"]["version"], 1);

        assert_eq!(
            s.send("POST", &format!("{one}/tags?tags=WORK"), &[auth], None)
                .await
                .status,
            204
        );
        assert_eq!(
            s.send("DELETE", &format!("{one}/tags?tags=HOME"), &[auth], None)
                .await
                .status,
            204
        );
        assert_eq!(s.send("POST", &format!("{one}/tags"), &[auth], None).await.status, 400);
        let a = s.get(&one, &[auth]).await.json();
        assert_eq!(a["tags"], json!(["SHIPPING", "WORK"]));

        let r = s
            .send_json(
                "PATCH",
                &one,
                &json!({"isDefault": true, "city": "Potsdam", "zipCode": "14482"}),
                &[auth],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["isDefault"], true);
        assert_eq!(r.json()["city"], "Potsdam");
        assert_eq!(r.json()["contactName"], "Jane Doe");
        // The sign-up address keeps the invoice preference but lost the delivery one.
        let all = s.get("/customer/demo/me/addresses", &[auth]).await.json();
        let first = all.as_array().unwrap().iter().find(|a| a["id"] != id.as_str()).unwrap();
        assert_eq!(first["isDefault"], false, "{all}");

        let r = s
            .send_json(
                "PUT",
                &one,
                &json!({"contactName": "Jane Doe", "street": "Am Markt 1", "zipCode": "14467",
                                             "city": "Potsdam", "country": "DE"}),
                &[auth],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["tags"], json!(["BILLING", "SHIPPING"]));

        for bad in [
            json!({"zipCode": "1234"}),
            json!({"country": "Germany"}),
            json!({"city": ""}),
            json!({"street": "x".repeat(300)}),
            json!({"tags": vec!["t"; 10_000]}),
            json!({"tags": "BILLING"}),
        ] {
            let r = s.send_json("PATCH", &one, &bad, &[auth]).await;
            assert_eq!(
                r.status,
                400,
                "{backend} {}: {}",
                &bad.to_string()[..40.min(bad.to_string().len())],
                r.text()
            );
        }
        assert_eq!(s.get(&one, &[auth]).await.json()["city"], "Potsdam");

        assert_eq!(s.send("DELETE", &one, &[auth], None).await.status, 204);
        let r = s.get(&one, &[auth]).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json()["type"], "resource_not_found");
        s.stop().await;
    }
}

#[actix_web::test]
async fn an_address_is_the_same_in_both_dialects() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let bearer = emporix_customer(&s, "demo", "john@example.com").await;
        let r = s.icm_password_grant("john@example.com", PASSWORD).await;
        let icm = ("authentication-token", r.access_token());
        let icm = (icm.0, icm.1.as_str());
        let emporix = ("authorization", bearer.as_str());

        // Emporix → ICM.
        let r = s
            .post_json_with(
                "/customer/demo/me/addresses",
                &json!({"contactName": "John Doe", "companyName": "Emporix", "street": "Hauptstr. 9", "zipCode": "80331",
                        "city": "München", "country": "DE", "tags": ["BILLING"]}),
                &[emporix],
            )
            .await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let a = s.get(&format!("{ICM}/customers/-/addresses/{id}"), &[icm]).await;
        assert_eq!(a.status, 200, "{backend}: {}", a.text());
        let a = a.json();
        assert_eq!(
            (
                &a["firstName"],
                &a["lastName"],
                &a["companyName1"],
                &a["addressLine1"],
                &a["postalCode"],
                &a["city"],
                &a["countryCode"]
            ),
            (
                &json!("John"),
                &json!("Doe"),
                &json!("Emporix"),
                &json!("Hauptstr. 9"),
                &json!("80331"),
                &json!("München"),
                &json!("DE")
            )
        );
        assert_eq!(
            (&a["invoiceToAddress"], &a["shipToAddress"]),
            (&json!(true), &json!(false))
        );

        // ICM → Emporix.
        let r = s
            .send_json("POST", &format!("{ICM}/customers/-/addresses"), &us_address(), &[icm])
            .await;
        let icm_id = r.json()["itemId"].as_str().unwrap().to_owned();
        let e = s
            .get(&format!("/customer/demo/me/addresses/{icm_id}"), &[emporix])
            .await
            .json();
        assert_eq!(e["contactName"], "Anna Meier");
        assert_eq!(e["street"], "1 Market St");
        assert_eq!(e["zipCode"], "94105");
        assert_eq!(e["country"], "US");
        assert_eq!(e["tags"], json!(["BILLING", "SHIPPING"]));

        // A profile change through one dialect is read through the other.
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/me",
                &json!({"firstName": "Johnny"}),
                &[emporix],
            )
            .await;
        assert_eq!(r.status, 200);
        let p = s.get(&format!("{ICM}/customers/-"), &[icm]).await;
        assert_eq!(p.json()["firstName"], "Johnny");
        assert_eq!(p.header("etag"), Some("\"2\""));
        s.stop().await;
    }
}

#[actix_web::test]
async fn a_hundred_concurrent_patches_with_one_if_match_let_exactly_one_win() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let bearer = emporix_customer(&s, "demo", "john@example.com").await;
        let auth = ("authorization", bearer.as_str());
        let list = s.get("/customer/demo/me/addresses", &[auth]).await;
        let id = list.json()[0]["id"].as_str().unwrap().to_owned();
        let one = format!("/customer/demo/me/addresses/{id}");
        let etag = s.get(&one, &[auth]).await.header("etag").unwrap().to_owned();

        let replies = join_all((0..100).map(|i| {
            let (s, one, etag) = (&s, &one, &etag);
            async move {
                let body = json!({"city": format!("City {i}")});
                (i, s.send_json("PATCH", one, &body, &[auth, ("if-match", etag)]).await)
            }
        }))
        .await;
        let winners: Vec<_> = replies.iter().filter(|(_, r)| r.status == 200).collect();
        let stale = replies.iter().filter(|(_, r)| r.status == 412).count();
        assert_eq!(
            winners.len(),
            1,
            "{backend}: {:?}",
            replies.iter().map(|(_, r)| r.status).collect::<Vec<_>>()
        );
        assert_eq!(stale, 99, "{backend}");
        let final_city = s.get(&one, &[auth]).await.json()["city"].clone();
        assert_eq!(final_city, json!(format!("City {}", winners[0].0)), "{backend}");

        // Without If-Match every write goes through, one after the other.
        let replies = join_all((0..20).map(|i| {
            let (s, one) = (&s, &one);
            async move {
                s.send_json("PATCH", one, &json!({"city": format!("Town {i}")}), &[auth])
                    .await
            }
        }))
        .await;
        assert!(
            replies.iter().all(|r| r.status == 200),
            "{backend}: {:?}",
            replies.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        assert_eq!(s.get(&one, &[auth]).await.json()["metadata"]["version"], 22);
        s.stop().await;
    }
}

#[actix_web::test]
async fn nobody_reaches_another_customers_profile_or_addresses() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.store_tenant("other").await;
        let a = emporix_customer(&s, "demo", "a@example.com").await;
        let b = emporix_customer(&s, "demo", "b@example.com").await;
        let c = emporix_customer(&s, "other", "c@example.com").await;
        let id_of = |bearer: String| {
            let s = &s;
            async move {
                s.get("/customer/demo/me/addresses", &[("authorization", &bearer)])
                    .await
                    .json()[0]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let b_address = id_of(b.clone()).await;
        let c_address = s
            .get("/customer/other/me/addresses", &[("authorization", &c)])
            .await
            .json()[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let b_number = s.get("/customer/demo/me", &[("authorization", &b)]).await.json()["customerNumber"]
            .as_str()
            .unwrap()
            .to_owned();
        let a_icm = s.icm_password_grant("a@example.com", PASSWORD).await.access_token();
        let icm = ("authentication-token", a_icm.as_str());
        let emporix = ("authorization", a.as_str());
        let patch = json!({"city": "Stolen"});
        let address = us_address();

        for foreign in [b_address.as_str(), c_address.as_str(), "guessed0000000000000000"] {
            let path = format!("/customer/demo/me/addresses/{foreign}");
            for (method, body) in [
                ("GET", None),
                ("PATCH", Some(&patch)),
                ("PUT", Some(&patch)),
                ("DELETE", None),
            ] {
                let r = match body {
                    Some(b) => s.send_json(method, &path, b, &[emporix]).await,
                    None => s.send(method, &path, &[emporix], None).await,
                };
                assert_eq!(r.status, 404, "{backend} Emporix {method} {foreign}: {}", r.text());
                assert!(!r.text().contains("Berlin"), "{}", r.text());
            }
            assert_eq!(
                s.send("POST", &format!("{path}/tags?tags=X"), &[emporix], None)
                    .await
                    .status,
                404
            );
            let path = format!("{ICM}/customers/-/addresses/{foreign}");
            for (method, body) in [("GET", None), ("PUT", Some(&address)), ("DELETE", None)] {
                let r = match body {
                    Some(b) => s.send_json(method, &path, b, &[icm]).await,
                    None => s.send(method, &path, &[icm], None).await,
                };
                assert_eq!(r.status, 404, "{backend} ICM {method} {foreign}: {}", r.text());
            }
        }
        // Another customer's number as CustomerKey.
        for path in [
            format!("{ICM}/customers/{b_number}"),
            format!("{ICM}/privatecustomers/{b_number}"),
            format!("{ICM}/customers/{b_number}/addresses"),
            format!("{ICM}/customers/{b_number}/addresses/{b_address}"),
        ] {
            let r = s.get(&path, &[icm]).await;
            assert_eq!(r.status, 404, "{backend} {path}");
            if path.contains("/addresses") {
                assert_eq!(key(&r), Some("customer.address.not_found.error"), "{backend} {path}");
            }
        }
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/privatecustomers/{b_number}"),
                &json!({"firstName": "X", "lastName": "Y", "email": "x@example.com"}),
                &[icm],
            )
            .await;
        assert_eq!(r.status, 404, "{backend}");
        // Another tenant's token is useless here; anonymous tokens reach no address.
        assert_eq!(
            s.get("/customer/demo/me/addresses", &[("authorization", &c)])
                .await
                .status,
            401
        );
        let anon = s.anonymous_bearer().await;
        assert_eq!(
            s.get("/customer/demo/me/addresses", &[("authorization", &anon)])
                .await
                .status,
            401
        );
        assert_eq!(
            s.send_json("PATCH", "/customer/demo/me", &patch, &[("authorization", &anon)])
                .await
                .status,
            401
        );
        assert_eq!(
            s.get("/customer/demo/me", &[("authorization", &anon)]).await.json()["customerNumber"],
            "00000000"
        );

        // Nothing of B or C changed.
        let b_after = s
            .get(
                &format!("/customer/demo/me/addresses/{b_address}"),
                &[("authorization", &b)],
            )
            .await
            .json();
        assert_eq!(b_after["city"], "Berlin");
        assert_eq!(b_after["metadata"]["version"], 1);
        let c_after = s
            .get(
                &format!("/customer/other/me/addresses/{c_address}"),
                &[("authorization", &c)],
            )
            .await
            .json();
        assert_eq!(c_after["metadata"]["version"], 1);
        s.stop().await;
    }
}

#[actix_web::test]
async fn deleting_me_ends_the_account_and_frees_the_login() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let bearer = emporix_customer(&s, "demo", "john@example.com").await;
        let auth = ("authorization", bearer.as_str());
        let other_device = s.icm_password_grant("john@example.com", PASSWORD).await.access_token();

        let r = s.send("DELETE", "/customer/demo/me", &[auth], None).await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        assert_eq!(s.get("/customer/demo/me/addresses", &[auth]).await.status, 401);
        let r = s
            .get(
                &format!("{ICM}/customers/-"),
                &[("authentication-token", &other_device)],
            )
            .await;
        assert_eq!(r.status, 401, "{backend}");
        assert_eq!(s.icm_password_grant("john@example.com", PASSWORD).await.status, 401);
        // A company's only user takes the company along.
        let mut b2b = emporix_signup("boss@example.com");
        b2b["customerDetails"]["company"] = json!("Boss GmbH");
        b2b["customerDetails"]["b2b"] = json!({"companyRegistrationId": "DE1"});
        assert_eq!(s.emporix_signup(&b2b).await.status, 201);
        let anon = s.anonymous_bearer().await;
        let boss = s
            .post_json_with(
                "/customer/demo/login",
                &json!({"email": "boss@example.com", "password": PASSWORD}),
                &[("authorization", &anon)],
            )
            .await
            .access_token();
        let boss = format!("Bearer {boss}");
        assert_eq!(
            s.get("/customer/demo/me", &[("authorization", &boss)]).await.json()["businessModel"],
            "B2B"
        );
        assert_eq!(
            s.send("DELETE", "/customer/demo/me", &[("authorization", &boss)], None)
                .await
                .status,
            204
        );
        assert_eq!(s.icm_password_grant("boss@example.com", PASSWORD).await.status, 401);

        // The e-mail address can sign up again: a new, empty account.
        let again = emporix_customer(&s, "demo", "john@example.com").await;
        let me = s
            .get("/customer/demo/me?expand=addresses", &[("authorization", &again)])
            .await
            .json();
        assert_eq!(me["metadata"]["version"], 1);
        s.stop().await;
    }
}

#[actix_web::test]
async fn a_business_customer_updates_its_company_profile() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let company = json!({
            "type": "SMBCustomer", "customerNo": "B-1", "companyName": "Müller GmbH", "taxationID": "DE123",
            "user": {"firstName": "Max", "lastName": "Müller", "email": "max@example.com"},
            "credentials": {"login": "max@example.com", "password": "correct horse battery"},
            "address": {"firstName": "Max", "lastName": "Müller", "addressLine1": "Hauptstr. 1", "postalCode": "10115",
                        "city": "Berlin", "countryCode": "DE"}
        });
        assert_eq!(s.post_json(&format!("{ICM}/customers"), &company).await.status, 201);
        let token = s
            .icm_password_grant("max@example.com", "correct horse battery")
            .await
            .access_token();
        let auth = ("authentication-token", token.as_str());

        let current = s.get(&format!("{ICM}/customers/-"), &[auth]).await;
        assert_eq!(current.json()["type"], "SMBCustomer");
        let etag = current.header("etag").unwrap().to_owned();
        let mut body = current.json();
        body["companyName"] = json!("Müller & Söhne GmbH");
        body["industry"] = json!("Retail");
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/customers/B-1"),
                &body,
                &[auth, ("if-match", &etag)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["companyName"], "Müller & Söhne GmbH");
        assert_eq!(r.json()["industry"], "Retail");
        assert_eq!(r.json()["taxationID"], "DE123");
        // The person data of the user stays; a company without a name is refused.
        assert_eq!(
            s.get("/customer/demo/me", &[("authorization", &format!("Bearer {token}"))])
                .await
                .json()["firstName"],
            "Max"
        );
        body["companyName"] = json!(" ");
        let r = s.send_json("PUT", &format!("{ICM}/customers/-"), &body, &[auth]).await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        assert_eq!(key(&r), Some("customer.missing_fields.error"));
        // A business customer is not a private customer.
        let r = s
            .send_json("PUT", &format!("{ICM}/privatecustomers/-"), &body, &[auth])
            .await;
        assert_eq!(r.status, 404, "{backend}");
        s.stop().await;
    }
}
