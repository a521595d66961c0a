//! Emporix admin customers on every backend: `q` operators, sorting with ties, paging
//! past the end, `expand`, PATCH, DELETE 202, and the scopes.

use clientele_tests::{databases, icm_company, icm_private_customer, Reply, TestServer, ICM};
use serde_json::{json, Value};

async fn register(s: &TestServer, number: &str, first: &str, last: &str, email: &str) {
    let mut body = icm_private_customer(email, number);
    body["firstName"] = json!(first);
    body["lastName"] = json!(last);
    let r = s.post_json(&format!("{ICM}/privatecustomers"), &body).await;
    assert_eq!(r.status, 201, "{}: {}", s.backend, r.text());
}

async fn bearer(s: &TestServer, scopes: &[&str], tenant: &str) -> String {
    let (id, secret) = s.api_client(tenant, scopes).await;
    let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let r = s
        .send(
            "POST",
            "/oauth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.as_bytes()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    format!("Bearer {}", r.access_token())
}

fn numbers(r: &Reply) -> Vec<String> {
    r.json()
        .as_array()
        .unwrap_or_else(|| panic!("no list: {}", r.text()))
        .iter()
        .map(|c| c["customerNumber"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn back_offices_search_sort_page_change_and_delete_customers() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        register(&s, "C-1", "Anna", "Miller", "anna.miller@example.com").await;
        register(&s, "C-2", "Bob", "Miller", "Bob.Miller@Example.com").await;
        register(&s, "C-3", "Carla", "Adams", "carla@example.org").await;
        register(&s, "C-4", "Dora", "Zimmer", "dora@example.org").await;
        let auth = bearer(&s, &["customer.customer_read", "customer.customer_manage"], "demo").await;
        let get = |path: String| {
            let (s, auth) = (&s, auth.clone());
            async move { s.get(&path, &[("authorization", &auth)]).await }
        };
        let list = |query: &str| get(format!("/customer/demo/customers?{query}"));

        let r = list("").await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.header("count"), Some("4"));
        assert_eq!(
            numbers(&r),
            ["C-1", "C-2", "C-3", "C-4"],
            "{backend}: default order is creation"
        );
        let first = &r.json()[0];
        assert_eq!(first["email"], "anna.miller@example.com");
        assert_eq!(first["active"], true);
        assert_eq!(first["onHold"], false);
        assert!(first.get("mixins").is_none(), "{backend}: mixins only with expand");
        assert!(first.get("addresses").is_none(), "{backend}");

        // Exact (case-insensitive), substring, lists, dates, flags, AND of several.
        for (q, expected) in [
            ("lastName:miller", vec!["C-1", "C-2"]),
            ("contactEmail:bob.miller@example.com", vec!["C-2"]),
            ("email:BOB.MILLER@EXAMPLE.COM", vec!["C-2"]),
            ("firstName:~AR", vec!["C-3"]),
            ("contactEmail:~example.org", vec!["C-3", "C-4"]),
            ("customerNumber:(C-4,C-1)", vec!["C-1", "C-4"]),
            ("customerNumber:C-3", vec!["C-3"]),
            ("lastName:Miller firstName:Bob", vec!["C-2"]),
            (
                "metadata.createdAt:(>=2000-01-01 AND <2999-01-01)",
                vec!["C-1", "C-2", "C-3", "C-4"],
            ),
            ("metadata.createdAt:<2000-01-01", vec![]),
            ("onHold:false businessModel:B2C", vec!["C-1", "C-2", "C-3", "C-4"]),
            ("lastName:\"Mill er\"", vec![]),
        ] {
            let r = list(&format!("q={}", urlencode(q))).await;
            assert_eq!(r.status, 200, "{backend}: {q}: {}", r.text());
            assert_eq!(numbers(&r), expected, "{backend}: {q}");
            assert_eq!(
                r.header("count"),
                Some(expected.len().to_string().as_str()),
                "{backend}: {q}"
            );
        }
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers/search?sort=firstName:desc",
                &json!({"q": "lastName:Miller"}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(numbers(&r), ["C-2", "C-1"], "{backend}: search with q in the body");

        // Sorting with ties (creation order breaks them, in the sort's direction), descending,
        // paging past the end.
        let r = list("sort=lastName:desc").await;
        assert_eq!(
            numbers(&r),
            ["C-4", "C-2", "C-1", "C-3"],
            "{backend}: ties newest first when descending"
        );
        let r = list("sort=lastName:asc,firstName:desc").await;
        assert_eq!(numbers(&r), ["C-3", "C-2", "C-1", "C-4"], "{backend}");
        let r = list("sort=lastName&pageSize=3&pageNumber=2").await;
        assert_eq!(numbers(&r), ["C-4"], "{backend}");
        assert_eq!(r.header("count"), Some("4"));
        // Pages of one, the later ones read from the end: the same order.
        let mut paged = Vec::new();
        for n in 1..=4 {
            let r = list(&format!("sort=lastName:asc,firstName:desc&pageSize=1&pageNumber={n}")).await;
            paged.extend(numbers(&r));
        }
        assert_eq!(paged, ["C-3", "C-2", "C-1", "C-4"], "{backend}");
        let r = list("pageSize=3&pageNumber=9").await;
        assert_eq!((r.status, r.json()), (200, json!([])), "{backend}: past the end");
        assert_eq!(r.header("count"), Some("4"));

        // Bad input: 400 naming the parameter and what is wrong.
        for (query, field, says) in [
            ("q=password:x", "q", "cannot be searched"),
            ("q=active:maybe", "q", "true or false"),
            ("q=metadata.createdAt:>soon", "q", "no date"),
            ("sort=password", "sort", "cannot be sorted"),
            ("pageSize=0", "pageSize", "from 1"),
            ("pageNumber=x", "pageNumber", "from 1"),
            ("pageSize=5000", "pageSize", "at most 1000"),
        ] {
            let r = list(&query.replace('>', "%3E")).await;
            assert_eq!(r.status, 400, "{backend}: {query}: {}", r.text());
            let detail = &r.json()["details"][0];
            assert_eq!(detail["field"], field, "{backend}: {query}");
            assert!(
                detail["message"].as_str().unwrap().contains(says),
                "{backend}: {query}: {detail}"
            );
        }

        // One customer, with addresses and mixins expanded.
        let r = get("/customer/demo/customers/C-1?expand=addresses,mixin:*".into()).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["addresses"][0]["city"], "Berlin");
        assert_eq!(r.json()["mixins"], json!({}));
        let r = get("/customer/demo/customers/C-9".into()).await;
        assert_eq!(
            (r.status, r.json()["type"].clone()),
            (404, json!("resource_not_found")),
            "{backend}"
        );

        // PATCH: profile fields, activation and hold.
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/C-1",
                &json!({"lastName": "Miller-Smith", "onHold": true, "mixins": {"tier": "gold"}}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["lastName"], "Miller-Smith");
        assert_eq!(r.json()["firstName"], "Anna");
        assert_eq!(r.json()["onHold"], true);
        assert_eq!(r.json()["mixins"]["tier"], "gold");
        let r = list("q=onHold:true").await;
        assert_eq!(numbers(&r), ["C-1"], "{backend}");
        let r = list("q=lastName:miller").await;
        assert_eq!(numbers(&r), ["C-2"], "{backend}: found by the new name only");
        let r = list("q=lastName:~SMITH").await;
        assert_eq!(numbers(&r), ["C-1"], "{backend}");
        let r = s
            .icm_password_grant("anna.miller@example.com", "correct horse battery")
            .await;
        assert_eq!(r.status, 401, "{backend}: a customer on hold cannot log in");
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/C-2",
                &json!({"active": "no"}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/C-2",
                &json!({"contactEmail": "not-an-email"}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        assert_eq!(r.json()["details"][0]["field"], "contactEmail");

        // All or nothing: a company's last account owner is not deactivated, and then the
        // profile fields and the hold of the same PATCH are not written either.
        let r = s
            .post_json(&format!("{ICM}/customers"), &icm_company("B-9", "owner@example.com"))
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/B-9",
                &json!({"lastName": "Changed", "onHold": true, "active": false}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        assert!(r.text().contains("administrator"), "{backend}: {}", r.text());
        let r = get("/customer/demo/customers/B-9".into()).await;
        assert_eq!(
            (
                r.json()["lastName"].clone(),
                r.json()["onHold"].clone(),
                r.json()["active"].clone()
            ),
            (json!("Müller"), json!(false), json!(true)),
            "{backend}: {}",
            r.text()
        );
        let r = s
            .send(
                "DELETE",
                "/customer/demo/customers/B-9",
                &[("authorization", &auth)],
                None,
            )
            .await;
        assert_eq!(r.status, 202, "{backend}: {}", r.text());

        // DELETE: 202, then gone from reads and lists.
        let r = s
            .send(
                "DELETE",
                "/customer/demo/customers/C-2",
                &[("authorization", &auth)],
                None,
            )
            .await;
        assert_eq!(r.status, 202, "{backend}: {}", r.text());
        assert_eq!(
            get("/customer/demo/customers/C-2".into()).await.status,
            404,
            "{backend}"
        );
        assert_eq!(list("").await.header("count"), Some("3"), "{backend}");
        let r = s
            .send(
                "DELETE",
                "/customer/demo/customers/C-2",
                &[("authorization", &auth)],
                None,
            )
            .await;
        assert_eq!(r.status, 404, "{backend}");
        s.stop().await;
    }
}

#[actix_web::test]
async fn every_emporix_admin_route_needs_an_api_client_of_the_tenant_with_the_scope() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.store_tenant("other").await;
        register(&s, "C-1", "Anna", "Miller", "anna@example.com").await;
        register(&s, "C-2", "Bob", "Miller", "bob@example.com").await;
        let all = [
            "customer.customer_read",
            "customer.customer_manage",
            "customer.import_read",
            "customer.import_manage",
        ];
        // Every scope but the one a route needs.
        let mut without = std::collections::HashMap::new();
        for needed in all {
            let others: Vec<&str> = all.iter().copied().filter(|s| *s != needed).collect();
            without.insert(needed, bearer(&s, &others, "demo").await);
        }
        let right = bearer(&s, &all, "demo").await;
        let foreign = bearer(&s, &all, "other").await;
        let storefront = format!(
            "Bearer {}",
            s.icm_password_grant("anna@example.com", "correct horse battery")
                .await
                .access_token()
        );
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers/C-1/addresses",
                &json!({"contactName": "A", "street": "S", "zipCode": "10115", "city": "Berlin", "country": "DE"}),
                &[("authorization", &right)],
            )
            .await;
        let address = format!(
            "/customer/demo/customers/C-1/addresses/{}",
            r.json()["id"].as_str().unwrap()
        );
        let (read, manage) = ("customer.customer_read", "customer.customer_manage");
        let (import_read, import_manage) = ("customer.import_read", "customer.import_manage");
        let end = (chrono::Utc::now() + chrono::Duration::days(9))
            .date_naive()
            .to_string();
        let routes: Vec<(&str, String, Option<Value>, &str)> = vec![
            ("GET", "/customer/demo/customers".into(), None, read),
            (
                "POST",
                "/customer/demo/customers/search".into(),
                Some(json!({"q": "lastName:Miller"})),
                read,
            ),
            (
                "POST",
                "/customer/demo/customers".into(),
                Some(json!({"contactEmail": "new@example.com"})),
                manage,
            ),
            ("GET", "/customer/demo/customers/C-1".into(), None, read),
            (
                "PUT",
                "/customer/demo/customers/C-3".into(),
                Some(json!({"contactEmail": "c3@example.com"})),
                manage,
            ),
            (
                "PATCH",
                "/customer/demo/customers/C-1".into(),
                Some(json!({"firstName": "Anne"})),
                manage,
            ),
            ("GET", "/customer/demo/customers/C-1/addresses".into(), None, read),
            (
                "POST",
                "/customer/demo/customers/C-1/addresses".into(),
                Some(json!({"contactName": "B", "street": "S", "zipCode": "10115", "city": "Berlin", "country": "DE"})),
                manage,
            ),
            ("GET", address.clone(), None, read),
            (
                "PATCH",
                address.clone(),
                Some(json!({"city": "Potsdam", "zipCode": "14482"})),
                manage,
            ),
            (
                "PUT",
                address.clone(),
                Some(json!({"contactName": "A", "street": "S", "zipCode": "10115", "city": "Berlin", "country": "DE"})),
                manage,
            ),
            ("POST", format!("{address}/tags?tags=X"), None, manage),
            ("DELETE", format!("{address}/tags?tags=X"), None, manage),
            ("DELETE", address.clone(), None, manage),
            (
                "POST",
                "/customer/demo/customers/import".into(),
                Some(json!([])),
                import_manage,
            ),
            (
                "POST",
                "/customer/demo/config/password-migration-retention".into(),
                Some(json!({"retentionEndDate": end})),
                import_manage,
            ),
            (
                "GET",
                "/customer/demo/config/password-migration-retention".into(),
                None,
                import_read,
            ),
            (
                "DELETE",
                "/customer/demo/config/password-migration-retention".into(),
                None,
                import_manage,
            ),
            ("DELETE", "/customer/demo/customers/C-2".into(), None, manage),
        ];
        assert_eq!(routes.len(), 19, "every Emporix admin route");
        for (method, path, body, needed) in routes {
            for (who, auth, expected) in [
                ("no token", None, 401),
                ("storefront token", Some(&storefront), 401),
                ("another tenant's client", Some(&foreign), 401),
                ("every other scope", Some(&without[needed]), 403),
                ("right scope", Some(&right), 0),
            ] {
                let mut headers = vec![];
                if let Some(a) = auth {
                    headers.push(("authorization", a.as_str()));
                }
                let r = match &body {
                    Some(b) => s.send_json(method, &path, b, &headers).await,
                    None => s.send(method, &path, &headers, None).await,
                };
                if expected == 0 {
                    assert!(
                        matches!(r.status, 200 | 201 | 202 | 204 | 207),
                        "{backend}: {method} {path} as {who}: {} {}",
                        r.status,
                        r.text()
                    );
                } else {
                    assert_eq!(r.status, expected, "{backend}: {method} {path} as {who}: {}", r.text());
                    assert!(r.json()["type"].is_string(), "{backend}: Emporix error shape");
                }
            }
        }
        s.stop().await;
    }
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn back_offices_create_replace_and_keep_the_addresses_of_customers() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let auth = bearer(&s, &["customer.customer_read", "customer.customer_manage"], "demo").await;
        let h = [("authorization", auth.as_str())];
        let address = json!({"contactName": "Jo Doe", "street": "Main St", "streetNumber": "1", "zipCode": "10115",
                             "city": "Berlin", "country": "DE", "tags": ["BILLING"]});

        // POST: a new customer with a password logs in; a taken login is 409.
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers",
                &json!({"id": "S-1", "contactEmail": "jo@example.com", "password": "correct horse battery",
                        "firstName": "Jo", "lastName": "Doe", "addresses": [address]}),
                &h,
            )
            .await;
        assert_eq!(
            (r.status, r.json()),
            (201, json!({"id": "S-1"})),
            "{backend}: {}",
            r.text()
        );
        assert_eq!(
            s.icm_password_grant("jo@example.com", "correct horse battery")
                .await
                .status,
            200,
            "{backend}"
        );
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers",
                &json!({"contactEmail": "JO@example.com"}),
                &h,
            )
            .await;
        assert_eq!(
            (r.status, r.json()["type"].clone()),
            (409, json!("conflict_resource")),
            "{backend}: {}",
            r.text()
        );
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers",
                &json!({"contactEmail": "x@example.com", "password": "short"}),
                &h,
            )
            .await;
        assert_eq!(
            (r.status, r.json()["details"][0]["field"].clone()),
            (400, json!("password")),
            "{backend}"
        );

        // PUT: replaces the profile, keeps the addresses when none are sent; creates 201.
        let r = s
            .send_json(
                "PUT",
                "/customer/demo/customers/S-1",
                &json!({"contactEmail": "jo@example.com", "firstName": "Joanna", "lastName": "Doe", "onHold": false}),
                &h,
            )
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let r = s.get("/customer/demo/customers/S-1?expand=addresses", &h).await;
        assert_eq!(r.json()["firstName"], "Joanna", "{backend}");
        assert_eq!(
            r.json()["addresses"].as_array().unwrap().len(),
            1,
            "{backend}: addresses kept"
        );
        assert_eq!(
            s.icm_password_grant("jo@example.com", "correct horse battery")
                .await
                .status,
            200,
            "{backend}: password kept"
        );
        let r = s
            .send_json(
                "PUT",
                "/customer/demo/customers/S-2",
                &json!({"contactEmail": "kim@example.com", "lastName": "Kim"}),
                &h,
            )
            .await;
        assert_eq!(
            (r.status, r.json()),
            (201, json!({"id": "S-2"})),
            "{backend}: {}",
            r.text()
        );
        let r = s
            .send_json(
                "PUT",
                "/customer/demo/customers/S-2",
                &json!({"id": "S-3", "contactEmail": "kim@example.com"}),
                &h,
            )
            .await;
        assert_eq!(r.status, 400, "{backend}");

        // The admin address book of a customer.
        let base = "/customer/demo/customers/S-1/addresses";
        let r = s.get(base, &h).await;
        let id = r.json()[0]["id"].as_str().unwrap().to_owned();
        let r = s.send_json("POST", base, &json!({"contactName": "Jo", "street": "Side St", "zipCode": "10117", "city": "Berlin", "country": "DE"}), &h).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let second = r.json()["id"].as_str().unwrap().to_owned();
        let r = s
            .send_json(
                "PATCH",
                &format!("{base}/{id}"),
                &json!({"city": "Potsdam", "zipCode": "14482"}),
                &h,
            )
            .await;
        assert_eq!(
            (r.status, r.json()["city"].clone()),
            (200, json!("Potsdam")),
            "{backend}: {}",
            r.text()
        );
        let r = s
            .send("POST", &format!("{base}/{id}/tags?tags=SHIPPING,DOCK"), &h, None)
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let r = s.get(&format!("{base}/{id}"), &h).await;
        let tags = r.json()["tags"].clone();
        assert!(tags.as_array().unwrap().contains(&json!("DOCK")), "{backend}: {tags}");
        assert_eq!(
            s.send("DELETE", &format!("{base}/{second}"), &h, None).await.status,
            204
        );
        assert_eq!(s.get(&format!("{base}/{second}"), &h).await.status, 404, "{backend}");
        assert_eq!(
            s.get("/customer/demo/customers/S-9/addresses", &h).await.status,
            404,
            "{backend}"
        );
        let reader = bearer(&s, &["customer.customer_read"], "demo").await;
        let r = s.send_json("POST", base, &address, &[("authorization", &reader)]).await;
        assert_eq!(r.status, 403, "{backend}");
        assert_eq!(
            s.get(base, &[("authorization", &reader)]).await.status,
            200,
            "{backend}"
        );
        assert_eq!(s.get(base, &[]).await.status, 401, "{backend}");
        s.stop().await;
    }
}
