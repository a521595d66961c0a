//! ICM 11 admin Customer Management on every backend: an API client creates, reads,
//! changes and deletes customers, users, addresses and typed custom attributes; every
//! route refuses callers without the right scope, and the media type selects the API.

use clientele_tests::{basic, databases, icm_company, Reply, TestServer, ICM};
use serde_json::{json, Value};

const V1: &str = "application/vnd.intershop.admin.customer.v1+json";

struct Admin<'a> {
    s: &'a TestServer,
    auth: String,
}

impl Admin<'_> {
    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let path = format!("{ICM}{path}");
        let headers = [("accept", V1), ("authorization", self.auth.as_str())];
        match body {
            Some(b) => self.s.send_json(method, &path, b, &headers).await,
            None => self.s.send(method, &path, &headers, None).await,
        }
    }
}

/// Asserts a FeedbackRO error answer and returns its code.
fn feedback(r: &Reply, status: u16) -> String {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some(V1));
    let body = r.json();
    assert_eq!(body["errors"][0]["status"], status.to_string(), "{body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    body["errors"][0]["code"].as_str().expect("code").to_owned()
}

#[actix_web::test]
async fn an_api_client_manages_customers_users_addresses_and_attributes() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let (id, secret) = s
            .api_client("demo", &["customer.customer_read", "customer.customer_manage"])
            .await;
        let a = Admin {
            s: &s,
            auth: basic(&id, &secret),
        };

        // Customers: create (201, Location, the media type), a taken id, missing company name.
        let r = a
            .call(
                "POST",
                "/customers",
                Some(
                    &json!({"id": "ERP-1", "customerType": "SMB", "companyName1": "Oil Corp",
                             "industry": "Oil & Gas", "externalId": "X-1", "externalUrn": "urn:customer:ERP:X-1"}),
                ),
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        assert_eq!(r.header("content-type"), Some(V1));
        assert!(r.header("location").unwrap().ends_with("/customers/ERP-1"), "{backend}");
        let c = r.json()["data"].clone();
        assert_eq!(c["id"], "ERP-1");
        assert_eq!(c["customerType"], "SMB");
        assert_eq!(c["active"], true);
        assert_eq!(c["externalUrn"], "urn:customer:ERP:X-1");
        assert_eq!(c["urn"], "urn:customer:ICM:demo:ERP-1");
        let r = a
            .call(
                "POST",
                "/customers",
                Some(&json!({"id": "ERP-1", "customerType": "SMB", "companyName1": "X"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.id.taken", "{backend}");
        let r = a
            .call("POST", "/customers", Some(&json!({"customerType": "SMB"})))
            .await;
        assert_eq!(feedback(&r, 422), "customer.companyName1.missing", "{backend}");
        assert_eq!(r.json()["errors"][0]["paths"], json!(["$.companyName1"]));
        let r = a
            .call("POST", "/customers", Some(&json!({"customerType": "B2X"})))
            .await;
        assert_eq!(feedback(&r, 422), "customer.customerType.invalid", "{backend}");
        let r = a
            .call(
                "POST",
                "/customers",
                Some(&json!({"customerType": "PRIVATE", "colour": "red"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "request.field.unsupported", "{backend}");
        let r = a.call("POST", "/customers", Some(&json!({"customerType": 7}))).await;
        assert_eq!(feedback(&r, 400), "request.body.invalid", "{backend}");

        // Users: the first is the administrator; an own id; unsupported fields are refused.
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/users",
                Some(
                    &json!({"accountId": "pmiller@example.com", "email": "pmiller@example.com", "firstName": "Patricia",
                             "lastName": "Miller", "roles": ["APP_B2B_ACCOUNT_OWNER"], "dateOfBirth": "1989-07-11"}),
                ),
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let owner = r.json()["data"].clone();
        assert_eq!(owner["accountId"], "pmiller@example.com");
        assert_eq!(owner["customer"], "ERP-1");
        assert_eq!(owner["dateOfBirth"], "1989-07-11");
        let owner_id = owner["id"].as_str().unwrap().to_owned();
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/users",
                Some(
                    &json!({"id": "bstein", "email": "bob@example.com", "firstName": "Bob", "lastName": "Stein",
                             "roles": ["APP_B2B_BUYER"], "externalId": "U-7"}),
                ),
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        assert_eq!(r.json()["data"]["id"], "bstein");
        assert_eq!(r.json()["data"]["accountId"], "bob@example.com");
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/users",
                Some(&json!({"email": "bob@example.com", "firstName": "B", "lastName": "S"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.accountId.taken", "{backend}");
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/users",
                Some(&json!({"email": "c@example.com", "firstName": "C", "lastName": "D", "jobTitle": "CEO"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "request.field.unsupported", "{backend}");
        assert_eq!(r.json()["errors"][0]["paths"], json!(["$.jobTitle"]));
        let r = a.call("GET", "/customers/ERP-1/users/bob@example.com", None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["data"]["externalId"], "U-7");
        let r = a
            .call(
                "PATCH",
                "/customers/ERP-1/users/bstein",
                Some(&json!({"lastName": "Stein-Berg", "active": false})),
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["data"]["lastName"], "Stein-Berg");
        assert_eq!(r.json()["data"]["firstName"], "Bob", "{backend}: unpatched fields stay");
        assert_eq!(r.json()["data"]["active"], false);
        let r = a
            .call(
                "PATCH",
                &format!("/customers/ERP-1/users/{owner_id}"),
                Some(&json!({"roles": ["APP_B2B_BUYER"]})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.user.last_admin", "{backend}");
        let r = a
            .call("PATCH", "/customers/ERP-1/users/bstein", Some(&json!({"id": "other"})))
            .await;
        assert_eq!(feedback(&r, 422), "customer.user.id.readonly", "{backend}");
        let r = a.call("GET", "/customers/ERP-1/users/nobody", None).await;
        assert_eq!(feedback(&r, 404), "customer.user.not_found", "{backend}");

        // Addresses: created as a list of one, read, patched (other fields kept), refused.
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/addresses",
                Some(
                    &json!({"addressLine1": "Berliner Str. 20", "postalCode": "14482", "city": "Potsdam",
                             "countryCode": "DE", "firstName": "Patricia", "lastName": "Miller",
                             "eligibleShipToAddress": false}),
                ),
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let address = r.json()["data"][0].clone();
        let address_id = address["id"].as_str().unwrap().to_owned();
        assert_eq!(address["eligibleInvoiceToAddress"], true);
        assert_eq!(address["eligibleShipToAddress"], false);
        let at = format!("/customers/ERP-1/addresses/{address_id}");
        let r = a.call("PATCH", &at, Some(&json!({"city": "Berlin"}))).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["data"]["city"], "Berlin");
        assert_eq!(r.json()["data"]["postalCode"], "14482");
        let r = a.call("PATCH", &at, Some(&json!({"countryCode": "XX"}))).await;
        assert_eq!(feedback(&r, 422), "customer.countryCode.invalid", "{backend}");
        let r = a.call("GET", &at, None).await;
        assert_eq!(
            r.json()["data"]["countryCode"],
            "DE",
            "{backend}: a refused patch writes nothing"
        );
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/addresses",
                Some(&json!({"addressLine1": "A 1", "city": "Jena", "countryCode": "DE"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.postalCode.invalid", "{backend}");
        assert_eq!(r.json()["errors"][0]["paths"], json!(["$.postalCode"]));
        let r = a.call("GET", "/customers/ERP-1/addresses/nope", None).await;
        assert_eq!(feedback(&r, 404), "customer.address.not_found", "{backend}");

        // Custom attributes of every kind round-trip with their types.
        let samples = [
            json!({"name": "birthday", "type": "Date", "value": "2020-05-23T13:23:45+02:00"}),
            json!({"name": "creditLimit", "type": "Money", "value": {"currency": "EUR", "value": 10000.5}}),
            json!({"name": "discount", "type": "Decimal", "value": 12.75}),
            json!({"name": "employees", "type": "Integer", "value": 250}),
            json!({"name": "segments", "type": "MultipleString", "value": ["oil", "gas"]}),
            json!({"name": "tier", "type": "String", "value": "gold"}),
            json!({"name": "vip", "type": "Boolean", "value": true}),
            json!({"name": "weights", "type": "MultipleDouble", "value": [0.5, 1.25]}),
        ];
        for attribute in &samples {
            let r = a.call("POST", "/customers/ERP-1/attributes", Some(attribute)).await;
            assert_eq!(r.status, 201, "{backend}: {attribute}: {}", r.text());
            assert_eq!(&r.json()["data"], attribute, "{backend}");
        }
        let r = a.call("GET", "/customers/ERP-1/attributes", None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(
            r.json()["data"],
            Value::Array(samples.to_vec()),
            "{backend}: by name, typed"
        );
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/attributes",
                Some(&json!({"name": "tier", "type": "String", "value": "x"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.name.taken", "{backend}");
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/attributes",
                Some(&json!({"name": "n", "type": "Integer", "value": "x"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.attribute.value.invalid", "{backend}");
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/attributes",
                Some(&json!({"name": "n", "type": "Colour", "value": "x"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.attribute.type.invalid", "{backend}");
        let r = a
            .call(
                "POST",
                "/customers/ERP-1/attributes",
                Some(&json!({"name": "a/b", "type": "String", "value": "x"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.name.invalid", "{backend}");
        let r = a
            .call(
                "PATCH",
                "/customers/ERP-1/attributes/employees",
                Some(&json!({"type": "Long", "value": 9_000_000_000_i64})),
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(
            r.json()["data"],
            json!({"name": "employees", "type": "Long", "value": 9_000_000_000_i64})
        );
        let r = a
            .call(
                "PATCH",
                "/customers/ERP-1/attributes/nope",
                Some(&json!({"type": "Long", "value": 1})),
            )
            .await;
        assert_eq!(feedback(&r, 404), "customer.attribute.not_found", "{backend}");
        assert_eq!(
            a.call("DELETE", "/customers/ERP-1/attributes/vip", None).await.status,
            200
        );
        let r = a.call("DELETE", "/customers/ERP-1/attributes/vip", None).await;
        assert_eq!(feedback(&r, 404), "customer.attribute.not_found", "{backend}");
        let on_user = json!({"name": "badge", "type": "MultipleLong", "value": [1, 2]});
        let r = a
            .call("POST", "/customers/ERP-1/users/bstein/attributes", Some(&on_user))
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let on_address = json!({"name": "dock", "type": "Quantity", "value": {"value": 3, "unit": "m"}});
        let r = a.call("POST", &format!("{at}/attributes"), Some(&on_address)).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = a.call("GET", "/customers/ERP-1/users/bstein", None).await;
        assert_eq!(r.json()["data"]["attributes"], json!([on_user]), "{backend}");
        let r = a.call("GET", &format!("{at}/attributes"), None).await;
        assert_eq!(r.json()["data"], json!([on_address]), "{backend}");

        // The customer with its users and addresses included.
        let r = a.call("GET", "/customers/ERP-1?include=addresses,users", None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let body = r.json();
        assert_eq!(body["data"]["addresses"], json!([address_id]));
        assert_eq!(body["data"]["users"].as_array().unwrap().len(), 2, "{backend}");
        assert_eq!(body["included"]["addresses"][&address_id]["city"], "Berlin");
        assert_eq!(body["included"]["users"]["bstein"]["lastName"], "Stein-Berg");
        assert_eq!(body["data"]["attributes"].as_array().unwrap().len(), 7, "{backend}");
        let r = a.call("GET", "/customers/ERP-1?include=users", None).await;
        assert!(r.json()["included"].get("addresses").is_none(), "{backend}");
        let r = a.call("GET", "/customers/ERP-1", None).await;
        assert!(r.json().get("included").is_none(), "{backend}");
        let r = a.call("GET", "/customers/ERP-1?include=orders", None).await;
        assert_eq!(feedback(&r, 400), "request.include.invalid", "{backend}");

        // Changing the customer: fields and activation; the id and type stay.
        let r = a
            .call(
                "PATCH",
                "/customers/ERP-1",
                Some(&json!({"companyName1": "Oil Corp Ltd", "active": false})),
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["data"]["companyName1"], "Oil Corp Ltd");
        assert_eq!(r.json()["data"]["industry"], "Oil & Gas");
        assert_eq!(r.json()["data"]["active"], false);
        // Attributes change through their routes; an object sent back whole is fine.
        let whole = a.call("GET", "/customers/ERP-1", None).await.json()["data"].clone();
        let r = a.call("PATCH", "/customers/ERP-1", Some(&whole)).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = a
            .call(
                "PATCH",
                "/customers/ERP-1",
                Some(&json!({"attributes": [{"name": "x", "type": "String", "value": "y"}]})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.attributes.readonly", "{backend}");
        let r = a.call("PATCH", "/customers/ERP-1", Some(&json!({"id": "ERP-2"}))).await;
        assert_eq!(feedback(&r, 422), "customer.id.readonly", "{backend}");
        let r = a
            .call("PATCH", "/customers/ERP-1", Some(&json!({"customerType": "PRIVATE"})))
            .await;
        assert_eq!(feedback(&r, 422), "customer.customerType.readonly", "{backend}");

        // Media type and content type.
        let r = s
            .send(
                "GET",
                &format!("{ICM}/customers/ERP-1"),
                &[
                    ("accept", "application/vnd.intershop.admin.customer.v2+json"),
                    ("authorization", &a.auth),
                ],
                None,
            )
            .await;
        assert_eq!(feedback(&r, 406), "http.not_acceptable", "{backend}");
        let r = s
            .send(
                "GET",
                &format!("{ICM}/customers/ERP-1/attributes"),
                &[("authorization", &a.auth)],
                None,
            )
            .await;
        assert_eq!(
            feedback(&r, 406),
            "http.not_acceptable",
            "{backend}: admin-only path without the media type"
        );
        let r = s
            .send(
                "POST",
                &format!("{ICM}/customers/ERP-1/attributes"),
                &[
                    ("accept", V1),
                    ("authorization", &a.auth),
                    ("content-type", "text/plain"),
                ],
                Some(b"{}"),
            )
            .await;
        assert_eq!(feedback(&r, 415), "request.content_type.unsupported", "{backend}");

        // Private customers: a drawn number, no further users.
        let r = a
            .call("POST", "/customers", Some(&json!({"customerType": "PRIVATE"})))
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let private = r.json()["data"]["id"].as_str().unwrap().to_owned();
        assert!(r.json()["data"].get("users").is_none(), "{backend}");
        let r = a
            .call(
                "POST",
                &format!("/customers/{private}/users"),
                Some(&json!({"email": "p@example.com", "firstName": "P", "lastName": "Q"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.private.users", "{backend}");

        // Deletions.
        let r = a.call("DELETE", "/customers/ERP-1/users/bstein", None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["infos"][0]["code"], "customer.user.deleted");
        let r = a.call("GET", "/customers/ERP-1/users/bstein", None).await;
        assert_eq!(feedback(&r, 404), "customer.user.not_found", "{backend}");
        let r = a
            .call("DELETE", &format!("/customers/ERP-1/users/{owner_id}"), None)
            .await;
        assert_eq!(feedback(&r, 422), "customer.user.last_admin", "{backend}");
        assert_eq!(a.call("DELETE", &at, None).await.status, 200, "{backend}");
        assert_eq!(
            feedback(&a.call("GET", &at, None).await, 404),
            "customer.address.not_found"
        );
        assert_eq!(
            a.call("DELETE", "/customers/ERP-1", None).await.status,
            200,
            "{backend}"
        );
        let r = a.call("GET", "/customers/ERP-1", None).await;
        assert_eq!(feedback(&r, 404), "customer.not_found", "{backend}");
        assert_eq!(
            feedback(&a.call("DELETE", "/customers/ERP-1", None).await, 404),
            "customer.not_found"
        );
        // The number stays taken.
        let r = a
            .call(
                "POST",
                "/customers",
                Some(&json!({"id": "ERP-1", "customerType": "PRIVATE"})),
            )
            .await;
        assert_eq!(feedback(&r, 422), "customer.id.taken", "{backend}");
        s.stop().await;
    }
}

#[actix_web::test]
async fn every_admin_route_needs_an_api_client_of_the_tenant_with_the_scope() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.store_tenant("other").await;
        let (id, secret) = s
            .api_client("demo", &["customer.customer_read", "customer.customer_manage"])
            .await;
        let full = basic(&id, &secret);
        let (rid, rsecret) = s.api_client("demo", &["customer.customer_read"]).await;
        let read_only = basic(&rid, &rsecret);
        let (wid, wsecret) = s.api_client("demo", &["customer.spending_manage"]).await;
        let wrong = basic(&wid, &wsecret);
        let (oid, osecret) = s
            .api_client("other", &["customer.customer_read", "customer.customer_manage"])
            .await;
        let foreign = basic(&oid, &osecret);
        assert_eq!(
            s.post_json(&format!("{ICM}/customers"), &icm_company("B-1", "max@example.com"))
                .await
                .status,
            201
        );
        let r = s.icm_password_grant("max@example.com", "correct horse battery").await;
        let storefront = format!("Bearer {}", r.access_token());

        // The client's bearer token from ICM's token endpoint works like its Basic credentials.
        let r = s
            .icm_token_form("grant_type=client_credentials", &[("authorization", &full)])
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["token_type"], "bearer");
        assert!(r.json().get("refresh_token").is_none(), "{backend}");
        let token = r.access_token();
        let r = s
            .send(
                "GET",
                &format!("{ICM}/customers/B-1"),
                &[("accept", V1), ("authentication-token", &token)],
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = s
            .icm_token_form("grant_type=client_credentials", &[("authorization", &foreign)])
            .await;
        assert_eq!(r.status, 401, "{backend}: another tenant's client gets no token here");

        let a = Admin {
            s: &s,
            auth: full.clone(),
        };
        let r = a
            .call(
                "POST",
                "/customers/B-1/addresses",
                Some(&json!({"addressLine1": "A 1", "postalCode": "07743", "city": "Jena", "countryCode": "DE"})),
            )
            .await;
        let address = r.json()["data"][0]["id"].as_str().unwrap().to_owned();
        let r = a.call("GET", "/customers/B-1/users/max@example.com", None).await;
        let user = r.json()["data"]["id"].as_str().unwrap().to_owned();
        let attribute = json!({"name": "tier", "type": "String", "value": "gold"});
        for owner in [
            "/customers/B-1".to_owned(),
            format!("/customers/B-1/users/{user}"),
            format!("/customers/B-1/addresses/{address}"),
        ] {
            assert_eq!(
                a.call("POST", &format!("{owner}/attributes"), Some(&attribute))
                    .await
                    .status,
                201
            );
        }

        let customer = json!({"customerType": "PRIVATE"});
        let new_user = json!({"email": "n@example.com", "firstName": "N", "lastName": "M"});
        let new_address = json!({"addressLine1": "B 2", "postalCode": "07743", "city": "Jena", "countryCode": "DE"});
        let patch = json!({"type": "String", "value": "silver"});
        let another = json!({"name": "level", "type": "Integer", "value": 3});
        let empty = json!({});
        let routes: Vec<(&str, String, Option<&Value>)> = vec![
            ("POST", "/customers".into(), Some(&customer)),
            ("GET", "/customers/B-1".into(), None),
            ("PATCH", "/customers/B-1".into(), Some(&empty)),
            ("POST", "/customers/B-1/addresses".into(), Some(&new_address)),
            ("GET", format!("/customers/B-1/addresses/{address}"), None),
            ("PATCH", format!("/customers/B-1/addresses/{address}"), Some(&empty)),
            ("GET", format!("/customers/B-1/addresses/{address}/attributes"), None),
            (
                "POST",
                format!("/customers/B-1/addresses/{address}/attributes"),
                Some(&another),
            ),
            (
                "PATCH",
                format!("/customers/B-1/addresses/{address}/attributes/tier"),
                Some(&patch),
            ),
            ("GET", "/customers/B-1/attributes".into(), None),
            ("POST", "/customers/B-1/attributes".into(), Some(&another)),
            ("PATCH", "/customers/B-1/attributes/tier".into(), Some(&patch)),
            ("POST", "/customers/B-1/users".into(), Some(&new_user)),
            ("GET", format!("/customers/B-1/users/{user}"), None),
            ("PATCH", format!("/customers/B-1/users/{user}"), Some(&empty)),
            ("GET", format!("/customers/B-1/users/{user}/attributes"), None),
            (
                "POST",
                format!("/customers/B-1/users/{user}/attributes"),
                Some(&another),
            ),
            (
                "PATCH",
                format!("/customers/B-1/users/{user}/attributes/tier"),
                Some(&patch),
            ),
            // Deletions last, innermost first.
            ("DELETE", format!("/customers/B-1/users/{user}/attributes/tier"), None),
            (
                "DELETE",
                format!("/customers/B-1/addresses/{address}/attributes/tier"),
                None,
            ),
            ("DELETE", "/customers/B-1/attributes/tier".into(), None),
            ("DELETE", format!("/customers/B-1/addresses/{address}"), None),
            ("DELETE", "/customers/B-1/users/n@example.com".into(), None),
            ("DELETE", "/customers/B-1".into(), None),
        ];
        assert_eq!(routes.len(), 24);
        for (method, path, body) in routes {
            let read = method == "GET";
            let callers: [(&str, Option<&str>, &[u16]); 5] = [
                ("no credentials", None, &[401]),
                ("storefront token", Some(&storefront), &[401]),
                ("another tenant's client", Some(&foreign), &[401]),
                ("wrong scope", Some(if read { &wrong } else { &read_only }), &[403]),
                ("right scope", Some(if read { &read_only } else { &full }), &[200, 201]),
            ];
            for (who, auth, expected) in callers {
                let mut headers = vec![("accept", V1)];
                if let Some(auth) = auth {
                    headers.push(("authorization", auth));
                }
                let path = format!("{ICM}{path}");
                let r = match body {
                    Some(b) => s.send_json(method, &path, b, &headers).await,
                    None => s.send(method, &path, &headers, None).await,
                };
                assert!(
                    expected.contains(&r.status),
                    "{backend}: {method} {path} as {who}: {} {}",
                    r.status,
                    r.text()
                );
                if r.status == 401 {
                    assert!(r.header("www-authenticate").is_some(), "{backend}: {method} {path}");
                }
            }
        }
        s.stop().await;
    }
}
