//! WEBSALE admin customerAccounts on every backend: accounts across dialects, field
//! errors, scopes, addresses and sealed bank data, the deletion register, links, bulk
//! lines and keyset paging with signed page tokens.

use clientele_tests::{basic, databases, icm_private_customer, Reply, TestServer, ICM};
use serde_json::{json, Value};

const API: &str = "/admin/api/v1";
const READ: &str = "customer.customer_read";
const MANAGE: &str = "customer.customer_manage";

async fn client(s: &TestServer, scopes: &[&str]) -> String {
    let (id, secret) = s.api_client("demo", scopes).await;
    basic(&id, &secret)
}

async fn call(s: &TestServer, auth: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let path = format!("{API}{path}");
    match body {
        Some(b) => s.send_json(method, &path, b, &[("authorization", auth)]).await,
        None => s.send(method, &path, &[("authorization", auth)], None).await,
    }
}

fn error_type(r: &Reply) -> String {
    r.json()["errorType"].as_str().unwrap_or_default().to_owned()
}

#[actix_web::test]
async fn accounts_are_shared_with_the_other_dialects_and_refuse_bad_input() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let auth = client(&s, &[READ, MANAGE]).await;
        let reader = client(&s, &[READ]).await;

        // A customer registered through ICM is a WEBSALE account.
        let r = s
            .post_json(
                &format!("{ICM}/privatecustomers"),
                &icm_private_customer("icm@example.com", "W-1"),
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let r = call(&s, &reader, "GET", "/customerAccounts", None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let page = r.json();
        assert_eq!(page["totalCount"], 1, "{backend}");
        assert_eq!(page["endReached"], true);
        assert_eq!(page["nextPageToken"], "");
        let icm = &page["items"][0];
        assert_eq!(icm["email"], "icm@example.com");
        assert_eq!(icm["customerNumber"], "W-1");
        assert_eq!(icm["deleted"], false);
        assert_eq!(icm["meta"]["invitationStatus"], "notSent");
        assert!(icm["addresses"].is_array() && icm["bankData"].is_array(), "{backend}");
        let icm_id = icm["id"].as_i64().unwrap();

        // Create: the response has the account's fields; Emporix sees the same customer.
        let body = json!({"email": "neu@example.com", "password": "correct horse battery", "phone": "+49 30 1",
                          "displayName": "Neu", "customerNumber": "W-2", "allowedSubshopIds": ["deutsch"],
                          "mainSubshop": "deutsch"});
        let r = call(&s, &auth, "POST", "/customerAccounts", Some(&body)).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let created = r.json();
        assert!(created["id"].as_i64().unwrap() > icm_id);
        assert_eq!(created["customerNumber"], "W-2");
        assert_eq!(created["phone"], "+49 30 1");
        assert_eq!(created["allowedSubshopIds"], json!(["deutsch"]));
        assert_eq!(created["meta"]["lastChangedBy"], "adminInterface");
        assert!(
            created.get("addresses").is_none(),
            "{backend}: POST answers without addresses"
        );
        let id = created["id"].as_i64().unwrap();
        let (eid, esecret) = s.api_client("demo", &[READ]).await;
        let r = s
            .get(
                "/customer/demo/customers/W-2",
                &[("authorization", &basic(&eid, &esecret))],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["contactEmail"], "neu@example.com");
        // The new account logs in with its password.
        let r = s.icm_password_grant("neu@example.com", "correct horse battery").await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());

        // Every wrong field is named, with WEBSALE's error types.
        let r = call(&s, &auth, "POST", "/customerAccounts", Some(&json!({"phone": "1"}))).await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json()["fieldErrors"],
            json!({"email": {"type": "missing"}, "password": {"type": "missing"}})
        );
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "x@example.com", "password": "correct horse battery", "nickname": "x"})),
        )
        .await;
        assert_eq!(
            (r.status, error_type(&r)),
            (400, "unknownDataField".into()),
            "{}",
            r.text()
        );
        assert_eq!(r.json()["fieldErrors"]["nickname"]["type"], "unknownDataField");
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": 5, "password": "correct horse battery", "allSubshopsAllowed": "yes"})),
        )
        .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json()["fieldErrors"],
            json!({"email": {"type": "invalidFormat"}, "allSubshopsAllowed": {"type": "invalidFormat"}})
        );
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "not-an-address", "password": "correct horse battery"})),
        )
        .await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidFormat".into()));
        let r = call(&s, &auth, "POST", "/customerAccounts", Some(&json!([1]))).await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidFormat".into()));
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "NEU@example.com", "password": "correct horse battery"})),
        )
        .await;
        assert_eq!(
            (r.status, r.json()["fieldName"].clone()),
            (409, json!("email")),
            "{}",
            r.text()
        );
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "other@example.com", "password": "correct horse battery", "phone": "+49 30 1"})),
        )
        .await;
        assert_eq!(
            (r.status, r.json()["fieldName"].clone()),
            (409, json!("phone")),
            "{}",
            r.text()
        );
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "other@example.com", "password": "correct horse battery", "mainSubshop": "english"})),
        )
        .await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidValue".into()), "{}", r.text());
        let count = call(&s, &reader, "GET", "/customerAccounts", None).await.json()["totalCount"].clone();
        assert_eq!(count, 2, "{backend}: refused creates wrote nothing");

        // Update: only the given fields change; the login follows the e-mail.
        let r = call(
            &s,
            &auth,
            "PUT",
            &format!("/customerAccounts/{id}"),
            Some(&json!({"email": "m.mustermann@example.com", "passwordResetRequired": true})),
        )
        .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let updated = r.json();
        assert_eq!(updated["email"], "m.mustermann@example.com");
        assert_eq!(updated["passwordResetRequired"], true);
        assert_eq!(updated["displayName"], "Neu", "{backend}: untouched fields stay");
        let r = s
            .icm_password_grant("m.mustermann@example.com", "correct horse battery")
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = call(
            &s,
            &auth,
            "PUT",
            &format!("/customerAccounts/{id}"),
            Some(&json!({"password": "x"})),
        )
        .await;
        assert_eq!((r.status, error_type(&r)), (400, "unknownDataField".into()));
        let r = call(
            &s,
            &auth,
            "PUT",
            &format!("/customerAccounts/{id}"),
            Some(&json!({"email": "icm@example.com"})),
        )
        .await;
        assert_eq!((r.status, r.json()["fieldName"].clone()), (409, json!("email")));
        let r = call(
            &s,
            &auth,
            "PUT",
            &format!("/customerAccounts/{id}"),
            Some(&json!({"mainAddress": 12345})),
        )
        .await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidValue".into()));
        let r = call(
            &s,
            &auth,
            "PUT",
            "/customerAccounts/999999",
            Some(&json!({"phone": "1"})),
        )
        .await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json()["message"], "The account with id=999999 was not found.");
        let r = call(&s, &auth, "GET", "/customerAccounts/abc", None).await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidValue".into()));

        // Scopes: nothing without a client, writes need customer_manage, tenants apart.
        let r = s.get(&format!("{API}/customerAccounts"), &[]).await;
        assert_eq!((r.status, error_type(&r)), (401, "notAuthorized".into()));
        let r = call(
            &s,
            &reader,
            "PUT",
            &format!("/customerAccounts/{id}"),
            Some(&json!({"phone": "2"})),
        )
        .await;
        assert_eq!(r.status, 401);
        s.store_tenant("other").await;
        let (oid, osecret) = s.api_client("other", &[READ, MANAGE]).await;
        let r = call(&s, &basic(&oid, &osecret), "GET", "/customerAccounts", None).await;
        assert_eq!(r.status, 401, "{backend}: a client of another tenant is unknown here");
        let token = s
            .icm_password_grant("icm@example.com", "correct horse battery")
            .await
            .access_token();
        let r = call(&s, &format!("Bearer {token}"), "GET", "/customerAccounts", None).await;
        assert_eq!(r.status, 401, "{backend}: a storefront token opens no admin route");

        // Delete: erased, listed among the deleted accounts, then unknown to writes.
        let r = call(&s, &auth, "DELETE", &format!("/customerAccounts/{id}"), None).await;
        assert_eq!((r.status, r.json()), (200, json!({"success": true})));
        let r = call(&s, &auth, "GET", &format!("/customerAccounts/{id}"), None).await;
        assert_eq!(r.json()["deleted"], true, "{backend}");
        assert_eq!(r.json()["email"], "", "{backend}: personal data is gone");
        let r = call(&s, &auth, "DELETE", &format!("/customerAccounts/{id}"), None).await;
        assert_eq!(r.status, 404);
        let r = call(&s, &reader, "GET", "/customerAccounts/deleted", None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["items"][0]["id"], id);
        assert_eq!(r.json()["totalCount"], 1);
        let r = call(&s, &reader, "GET", "/customerAccounts/deleted?sort=email:asc", None).await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidParams".into()));
        let r = call(&s, &reader, "GET", "/customerAccounts?filter=deleted:eq:true", None).await;
        assert_eq!(
            r.json()["items"][0]["id"],
            id,
            "{backend}: deleted accounts only on request"
        );
        assert_eq!(
            call(&s, &reader, "GET", "/customerAccounts", None).await.json()["totalCount"],
            1
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn addresses_and_bank_data_are_kept_per_account_and_bank_data_is_sealed() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let auth = client(&s, &[READ, MANAGE]).await;
        let reader = client(&s, &[READ]).await;
        let mut ids = vec![];
        for email in ["a@example.com", "b@example.com"] {
            let r = call(
                &s,
                &auth,
                "POST",
                "/customerAccounts",
                Some(&json!({"email": email, "password": "correct horse battery"})),
            )
            .await;
            assert_eq!(r.status, 200, "{backend}: {}", r.text());
            ids.push(r.json()["id"].as_i64().unwrap());
        }
        let (a, b) = (ids[0], ids[1]);

        // The reference's example address.
        let address = json!({"custom": {}, "addressType": "1", "salutationCode": "1", "lastName": "Mustermann",
            "firstName": "Max", "street": "Musterstraße", "streetNumber": "54", "zip": "12345",
            "city": "Musterstadt", "country": "DE", "dateOfBirth": "14.07.1967", "phone": "+49123456789"});
        let r = call(
            &s,
            &auth,
            "POST",
            &format!("/customerAccounts/{a}/addresses"),
            Some(&address),
        )
        .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let created = r.json();
        assert_eq!(
            created["country"],
            json!({"isoAlpha2": "DE", "isoAlpha3": "DEU", "isoNum": "276", "name": "Deutschland"})
        );
        assert_eq!(created["streetNumber"], "54");
        assert_eq!(created["dateOfBirth"], "14.07.1967");
        assert_eq!(created["addressType"], "1");
        assert_eq!(created["custom"], Value::Null);
        assert_eq!(created["titleCode"], "");
        let address_id = created["id"].as_i64().unwrap();
        // Alpha-3 and numeric country codes are read too; a wrong one is named.
        let r = call(
            &s,
            &auth,
            "POST",
            &format!("/customerAccounts/{a}/addresses"),
            Some(&json!({"country": "AUT", "city": "Wien", "street": "Ring", "zip": "1010"})),
        )
        .await;
        assert_eq!(r.json()["country"]["isoAlpha2"], "AT", "{}", r.text());
        let r = call(
            &s,
            &auth,
            "POST",
            &format!("/customerAccounts/{a}/addresses"),
            Some(&json!({"country": "XX", "labels": "x", "custom": 1})),
        )
        .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json()["fieldErrors"],
            json!({"country": {"type": "invalidValue"}, "labels": {"type": "invalidFormat"}, "custom": {"type": "invalidFormat"}})
        );
        // PUT changes only the fields given.
        let r = call(
            &s,
            &auth,
            "PUT",
            &format!("/customerAccounts/{a}/addresses/{address_id}"),
            Some(&json!({"zip": "99999", "firstName": "foo"})),
        )
        .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(
            (
                r.json()["zip"].clone(),
                r.json()["firstName"].clone(),
                r.json()["street"].clone()
            ),
            (json!("99999"), json!("foo"), json!("Musterstraße"))
        );
        let r = call(&s, &reader, "GET", &format!("/customerAccounts/{a}/addresses"), None).await;
        assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);
        assert!(
            r.json()["items"][0]["updatedAt"].is_string(),
            "{backend}: lists carry updatedAt"
        );
        // The ICM storefront sees the same address.
        let token = s
            .icm_password_grant("a@example.com", "correct horse battery")
            .await
            .access_token();
        let r = s
            .get(
                &format!("{ICM}/customers/-/addresses"),
                &[("authentication-token", &token)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(
            r.json()["elements"].as_array().unwrap().len(),
            2,
            "{backend}: {}",
            r.text()
        );
        // Another account's address: 409 on delete, 404 on read.
        let r = call(
            &s,
            &auth,
            "DELETE",
            &format!("/customerAccounts/{b}/addresses/{address_id}"),
            None,
        )
        .await;
        assert_eq!(r.status, 409, "{}", r.text());
        let r = call(
            &s,
            &auth,
            "GET",
            &format!("/customerAccounts/{a}/addresses/999999"),
            None,
        )
        .await;
        assert_eq!(r.status, 404);
        let r = call(
            &s,
            &auth,
            "DELETE",
            &format!("/customerAccounts/{a}/addresses/{address_id}"),
            None,
        )
        .await;
        assert_eq!((r.status, r.json()), (200, json!({"success": true})));

        // Bank data: the reference's sample IBAN fails ISO 13616; a valid one is sealed.
        let r = call(
            &s,
            &auth,
            "POST",
            &format!("/customerAccounts/{a}/bankData"),
            Some(&json!({"iban": "DE746374637463746300", "bic": "INGDDEFFXXX"})),
        )
        .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["fieldErrors"], json!({"iban": {"type": "invalidValue"}}));
        let r = call(&s, &auth, "POST", &format!("/customerAccounts/{a}/bankData"), Some(&json!({"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "owner": "Max Mustermann", "bankName": "myBank", "labels": ["main"]}))).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let bank = r.json();
        assert_eq!(bank["iban"], "DE89370400440532013000");
        assert_eq!(bank["labels"], json!(["main"]));
        let bank_id = bank["id"].as_i64().unwrap();
        let raw = s.column_texts("SELECT sealed AS v FROM bank_accounts");
        assert_eq!(raw.len(), 1);
        assert!(
            !raw[0].contains("DE89") && !raw[0].contains("Mustermann"),
            "{backend}: stored sealed"
        );
        let r = call(
            &s,
            &auth,
            "PUT",
            &format!("/customerAccounts/{a}/bankData/{bank_id}"),
            Some(&json!({"owner": "Erika Mustermann", "bic": "nope"})),
        )
        .await;
        assert_eq!(r.json()["fieldErrors"], json!({"bic": {"type": "invalidValue"}}));
        let r = call(
            &s,
            &auth,
            "PUT",
            &format!("/customerAccounts/{a}/bankData/{bank_id}"),
            Some(&json!({"owner": "Erika Mustermann"})),
        )
        .await;
        assert_eq!(
            (r.json()["owner"].clone(), r.json()["iban"].clone()),
            (json!("Erika Mustermann"), json!("DE89370400440532013000"))
        );
        let r = call(&s, &reader, "GET", &format!("/customerAccounts/{a}"), None).await;
        assert_eq!(r.json()["bankData"][0]["owner"], "Erika Mustermann");
        let r = call(
            &s,
            &auth,
            "GET",
            &format!("/customerAccounts/{b}/bankData/{bank_id}"),
            None,
        )
        .await;
        assert_eq!(r.status, 409, "{backend}: another account's bank data");
        let r = call(
            &s,
            &auth,
            "DELETE",
            &format!("/customerAccounts/{a}/bankData/{bank_id}"),
            None,
        )
        .await;
        assert_eq!(r.status, 200);

        // Both deletions are in the register: type 0 address, 1 bank data.
        let r = call(&s, &reader, "GET", "/customerDataDeleted?sort=type:asc", None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let items = r.json()["items"].clone();
        assert_eq!(items.as_array().unwrap().len(), 2);
        assert_eq!((items[0]["id"].clone(), items[0]["type"].clone()), (json!(a), json!(0)));
        assert_eq!(items[1]["type"], 1);
        let r = call(&s, &reader, "GET", "/customerDataDeleted?filter=type:eq:1", None).await;
        assert_eq!(r.json()["totalCount"], 1);
        s.stop().await;
    }
}

#[actix_web::test]
async fn bulk_lines_are_done_alone_and_pages_never_repeat_or_skip() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let auth = client(&s, &[READ, MANAGE]).await;
        let first = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "taken@example.com", "password": "correct horse battery"})),
        )
        .await;
        let taken_id = first.json()["id"].as_i64().unwrap();

        // 1 000 lines, 10 of them bad in each documented way.
        let mut lines: Vec<Value> = (0..1000)
            .map(|i| json!({"type": "create", "data": {"email": format!("bulk{i}@example.com"), "firstName": "Max", "lastName": "M"}}))
            .collect();
        let bad: [(usize, Value, &str); 11] = [
            (3, json!({"data": {"email": "t1@example.com"}}), "invalidParameters"),
            (50, json!({"type": "upsert", "data": {}}), "invalidParameters"),
            (
                99,
                json!({"type": "update", "data": {"phone": "1"}}),
                "invalidParameters",
            ),
            (
                150,
                json!({"type": "create", "data": {"phone": "2"}}),
                "invalidParameters",
            ),
            (
                200,
                json!({"type": "create", "data": {"email": 7}}),
                "invalidParameters",
            ),
            (
                333,
                json!({"type": "create", "data": {"email": "taken@example.com"}}),
                "conflict",
            ),
            (
                500,
                json!({"type": "update", "accountId": 99_999_999, "data": {"phone": "3"}}),
                "notFound",
            ),
            (
                640,
                json!({"type": "update", "accountId": taken_id, "data": {"nickname": "x"}}),
                "invalidFields",
            ),
            (777, json!({"type": "create"}), "invalidParameters"),
            // The same e-mail as an earlier line of the request.
            (
                901,
                json!({"type": "create", "data": {"email": "bulk900@example.com"}}),
                "conflict",
            ),
            (998, json!("line"), "invalidParameters"),
        ];
        for (index, line, _) in &bad {
            lines[*index] = line.clone();
        }
        let r = call(&s, &auth, "POST", "/bulk/customerAccounts", Some(&Value::Array(lines))).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let out = r.json();
        assert_eq!(out["items"].as_array().unwrap().len(), 989, "{backend}");
        let ids = out["items"].as_array().unwrap();
        let mut unique: Vec<i64> = ids.iter().map(|v| v.as_i64().unwrap()).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 989, "{backend}: every created line has its own account");
        assert_eq!(
            s.column_texts("SELECT login AS v FROM users WHERE login = 'bulk900@example.com'")
                .len(),
            1,
            "{backend}: the conflicting line wrote nothing"
        );
        let skipped = out["skippedLines"].as_array().unwrap();
        let got: Vec<(i64, String)> = skipped
            .iter()
            .map(|l| {
                (
                    l["lineNumber"].as_i64().unwrap(),
                    l["errorType"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want: Vec<(i64, String)> = bad.iter().map(|(i, _, t)| (*i as i64 + 1, t.to_string())).collect();
        assert_eq!(got, want, "{backend}");
        assert_eq!(skipped[3]["fieldErrors"], json!({"email": {"type": "missing"}}));
        // Too many lines, or no array: invalidFormat.
        let many = Value::Array(vec![json!({}); 1001]);
        let r = call(&s, &auth, "POST", "/bulk/customerAccounts", Some(&many)).await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidFormat".into()));
        let r = call(
            &s,
            &auth,
            "POST",
            "/bulk/customerAccounts",
            Some(&json!({"type": "create"})),
        )
        .await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidFormat".into()));

        // Bulk addresses: created and updated per line.
        let r = call(&s, &auth, "POST", "/bulk/customerAccounts/addresses", Some(&json!([
            {"type": "create", "accountId": taken_id, "data": {"firstName": "Max", "street": "Musterstraße 1", "zip": "12345", "city": "Musterstadt", "country": "DE"}},
            {"type": "update", "accountId": taken_id, "data": {"city": "Berlin"}},
            {"type": "update", "accountId": taken_id, "addressId": 99_999_999, "data": {"city": "Berlin"}},
            {"type": "create", "accountId": 99_999_999, "data": {"country": "DE"}},
        ]))).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let out = r.json();
        assert_eq!(out["items"].as_array().unwrap().len(), 1);
        let skipped: Vec<(Value, Value)> = out["skippedLines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["lineNumber"].clone(), l["errorType"].clone()))
            .collect();
        assert_eq!(
            skipped,
            vec![
                (json!(2), json!("invalidParameters")),
                (json!(3), json!("notFound")),
                (json!(4), json!("notFound"))
            ]
        );

        // Page through all accounts 300 at a time while others come and go.
        let list = |q: String| {
            let (s, auth) = (&s, auth.clone());
            async move { call(s, &auth, "GET", &format!("/customerAccounts?{q}"), None).await }
        };
        // The order before anything changes: what "not seen yet" means below.
        let mut order: Vec<i64> = vec![];
        let mut q = "size=300&sort=createdAt:asc".to_owned();
        loop {
            let r = list(q.clone()).await;
            assert_eq!(r.status, 200, "{}", r.text());
            let page = r.json();
            assert_eq!(page["totalCount"], 990, "{backend}");
            order.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_i64().unwrap()),
            );
            if page["endReached"] == true {
                break;
            }
            q = format!(
                "size=300&sort=createdAt:asc&pageToken={}",
                page["nextPageToken"].as_str().unwrap()
            );
        }
        assert_eq!(order.len(), 990);
        let mut page = list("size=300&sort=createdAt:asc".into()).await.json();
        let mut seen: Vec<i64> = vec![];
        let mut deleted: Vec<i64> = vec![];
        let mut round = 0;
        loop {
            let items = page["items"].as_array().unwrap().clone();
            seen.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
            if page["endReached"] == true {
                assert_eq!(page["nextPageToken"], "");
                break;
            }
            // Meanwhile: one account not seen yet goes, one new one comes.
            round += 1;
            let last = *seen.last().unwrap();
            let victim = order[order.iter().position(|i| *i == last).unwrap() + 5];
            let r = call(&s, &auth, "DELETE", &format!("/customerAccounts/{victim}"), None).await;
            assert_eq!(r.status, 200, "{}", r.text());
            deleted.push(victim);
            let r = call(
                &s,
                &auth,
                "POST",
                "/customerAccounts",
                Some(&json!({"email": format!("late{round}@example.com"), "password": "correct horse battery"})),
            )
            .await;
            assert_eq!(r.status, 200);
            let token = page["nextPageToken"].as_str().unwrap().to_owned();
            assert!(!token.is_empty());
            let r = list(format!("size=300&sort=createdAt:asc&pageToken={token}")).await;
            assert_eq!(r.status, 200, "{}", r.text());
            page = r.json();
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{backend}: no account twice");
        assert!(
            deleted.iter().all(|d| !seen.contains(d)),
            "{backend}: deleted ones are gone"
        );
        let present: Vec<&i64> = order.iter().filter(|i| !deleted.contains(i)).collect();
        assert!(
            present.iter().all(|i| seen.contains(i)),
            "{backend}: none of those present throughout skipped"
        );

        // Tokens are bound to their filter and sort, and tamper-evident.
        let r = list("size=10&sort=id:asc".into()).await;
        let token = r.json()["nextPageToken"].as_str().unwrap().to_owned();
        let r = list(format!("size=10&sort=id:desc&pageToken={token}")).await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidValue".into()), "{}", r.text());
        let mut forged = token.clone().into_bytes();
        forged[2] = if forged[2] == b'A' { b'B' } else { b'A' };
        let r = list(format!(
            "size=10&sort=id:asc&pageToken={}",
            String::from_utf8(forged).unwrap()
        ))
        .await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidValue".into()));
        let r = list(format!("size=10&sort=id:asc&pageToken={token}")).await;
        assert_eq!(r.status, 200);
        // Documented parameter errors.
        for (q, t) in [
            ("size=abc", "invalidCharacters"),
            ("size=301", "invalidValue"),
            ("sort=id", "syntaxError"),
            ("sort=email:asc", "unknownDataField"),
            ("filter=email:eq:x", "unknownDataField"),
            ("filter=id:like:1", "unknownOperation"),
            ("filter=createdAt:gt:yesterday", "invalidValue"),
        ] {
            let r = list(q.into()).await;
            assert_eq!((r.status, error_type(&r)), (400, t.into()), "{q}: {}", r.text());
        }
        let r =
            list("filter=loginBlocked:eq:false&filter=createdAt:gte:2000-01-01&sort=customerNumber:desc&size=1".into())
                .await;
        assert_eq!(r.status, 200, "{}", r.text());
        s.stop().await;
    }
}

#[actix_web::test]
async fn reset_and_invitation_links_go_once_a_day_and_login_links_once() {
    for (backend, db) in databases() {
        let s = TestServer::start_with(backend, db, |c| c.websale.verify_email = false).await;
        let auth = client(&s, &[READ, MANAGE]).await;
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "link@example.com", "password": "correct horse battery"})),
        )
        .await;
        let id = r.json()["id"].as_i64().unwrap();

        let r = call(
            &s,
            &auth,
            "POST",
            &format!("/customerAccounts/{id}/passwordReset"),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["success"], true);
        assert!(r.json()["passwordLinkValidUntil"].as_str().unwrap().ends_with('Z'));
        let r = call(
            &s,
            &auth,
            "POST",
            &format!("/customerAccounts/{id}/passwordReset"),
            None,
        )
        .await;
        assert_eq!(r.status, 409, "{backend}: a second reset within 24 h");
        let r = call(&s, &auth, "POST", &format!("/customerAccounts/{id}/activate"), None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = call(
            &s,
            &auth,
            "POST",
            &format!("/customerAccounts/{id}/activate?stage=live"),
            None,
        )
        .await;
        assert_eq!((r.status, error_type(&r)), (400, "invalidValue".into()));
        let r = call(&s, &auth, "POST", &format!("/customerAccounts/{id}/activate"), None).await;
        assert_eq!(r.status, 409);
        let meta = call(&s, &auth, "GET", &format!("/customerAccounts/{id}"), None)
            .await
            .json()["meta"]
            .clone();
        assert_eq!(meta["invitationStatus"], "sent");
        assert!(meta["lastTimeAskedForPasswordReset"].as_str().unwrap().len() > 10);
        assert!(meta["lastTimeInvitationLinkSent"].as_str().unwrap().len() > 10);
        assert!(meta["lastInvitedBy"].as_i64().unwrap() > 0);
        let r = call(&s, &auth, "POST", "/customerAccounts/999999/passwordReset", None).await;
        assert_eq!(r.status, 404);

        // A login link: one storefront session, once.
        let r = call(&s, &auth, "POST", &format!("/customerAccounts/{id}/link"), None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let link = r.json()["link"].as_str().unwrap().to_owned();
        let key = link.split("sessionKey=").nth(1).unwrap().to_owned();
        let anonymous = s.anonymous_bearer().await;
        let exchange = || {
            let body = json!({ "sessionKey": key });
            let (s, anonymous) = (&s, anonymous.clone());
            async move {
                s.send_json(
                    "POST",
                    "/customer/demo/login/sessionkey",
                    &body,
                    &[("authorization", &anonymous)],
                )
                .await
            }
        };
        let r = exchange().await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let token = r.access_token();
        let r = s
            .get("/customer/demo/me", &[("authorization", &format!("Bearer {token}"))])
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["contactEmail"], "link@example.com");
        let r = exchange().await;
        assert_eq!(r.status, 401, "{backend}: a login link works once");
        s.stop().await;
    }
}

#[actix_web::test]
async fn key_rotation_reseals_bank_data_under_the_new_key() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let auth = client(&s, &[READ, MANAGE]).await;
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "k@example.com", "password": "correct horse battery"})),
        )
        .await;
        let id = r.json()["id"].as_i64().unwrap();
        let r = call(
            &s,
            &auth,
            "POST",
            &format!("/customerAccounts/{id}/bankData"),
            Some(&json!({"iban": "GB82WEST12345698765432", "owner": "K"})),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(s.column_texts("SELECT key_id AS v FROM bank_accounts"), ["dev"]);

        // What `clientele keys rotate` does, with a new current key.
        let new_key = clientele_crypto::AesGcmCipher::generate_key();
        let rotate = |s: &mut clientele::Settings| {
            s.encryption.keys.insert("k2".into(), new_key.clone());
            s.encryption.current = "k2".into();
        };
        let mut settings = s.settings();
        rotate(&mut settings);
        let moved = clientele::bank_accounts(&settings, &s.store)
            .unwrap()
            .rotate()
            .await
            .unwrap();
        assert_eq!(moved, 1, "{backend}");
        assert_eq!(s.column_texts("SELECT key_id AS v FROM bank_accounts"), ["k2"]);
        // An instance with the new key reads it; one with only the old key cannot.
        let rotated = s.second_instance_with(rotate).await;
        let r = call(
            &rotated,
            &auth,
            "GET",
            &format!("/customerAccounts/{id}/bankData"),
            None,
        )
        .await;
        assert_eq!(
            r.json()["items"][0]["iban"],
            "GB82WEST12345698765432",
            "{backend}: {}",
            r.text()
        );
        let r = call(&s, &auth, "GET", &format!("/customerAccounts/{id}/bankData"), None).await;
        assert_eq!(r.json()["items"], json!([]), "{backend}: the old ring cannot open it");
        rotated.stop().await;
        s.stop().await;
    }
}

#[actix_web::test]
async fn last_order_times_come_from_the_orders_reported_for_private_customers_too() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let auth = client(&s, &[READ, MANAGE]).await;
        let mut ids = vec![];
        for (email, number) in [("o1@example.com", "O-1"), ("o2@example.com", "O-2")] {
            let body = json!({"email": email, "password": "correct horse battery", "customerNumber": number});
            ids.push(
                call(&s, &auth, "POST", "/customerAccounts", Some(&body)).await.json()["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        let (sid, ssecret) = s.api_client("demo", &["customer.spending_manage"]).await;
        for (key, order, at) in [
            ("k1", "A-1", "2025-01-15T10:30:00Z"),
            ("k2", "A-2", "2025-03-20T14:22:00Z"),
        ] {
            let body = json!({"event": "placed", "customerNo": "O-1", "orderNo": order, "buyer": "o1@example.com",
                              "amount": {"value": 10, "currency": "EUR"}, "placedAt": at});
            let r = s
                .send_json(
                    "POST",
                    "/service/demo/spending",
                    &body,
                    &[("authorization", &basic(&sid, &ssecret)), ("idempotency-key", key)],
                )
                .await;
            assert_eq!(r.status, 201, "{backend}: {}", r.text());
        }
        let (a, b) = (ids[0], ids[1]);
        let path = format!("/bulk/lastOrderTimestamp?accountId={a}&accountId={b}&accountId=x&accountId=999999");
        async fn last(s: &TestServer, auth: &str, path: &str) -> serde_json::Value {
            let r = call(s, auth, "GET", path, None).await;
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()
        }
        assert_eq!(
            last(&s, &auth, &path).await,
            json!({"items": [{"accountId": a, "lastOrderTimestamp": "2025-03-20T14:22:00Z"}]}),
            "{backend}"
        );
        // One source of truth: an order the order system records as a document counts
        // too, and the reported orders are documents of the history.
        let (oid, osecret) = s.api_client("demo", &["customer.order_manage"]).await;
        let order = json!({"shopCustomerNumber": "O-2", "shopOrderCreationDate": "2025-04-01T08:00:00Z",
                           "shopTotalGross": 19.99, "currency": "EUR"});
        let r = s
            .send_json(
                "PUT",
                "/service/demo/orders/B-1",
                &order,
                &[("authorization", &basic(&oid, &osecret))],
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        assert_eq!(
            last(&s, &auth, &path).await,
            json!({"items": [{"accountId": a, "lastOrderTimestamp": "2025-03-20T14:22:00Z"},
                             {"accountId": b, "lastOrderTimestamp": "2025-04-01T08:00:00Z"}]}),
            "{backend}"
        );
        let numbers = s.column_texts("SELECT number || ' ' || status AS v FROM orders ORDER BY number");
        assert_eq!(numbers, ["A-1 placed", "A-2 placed", "B-1 placed"], "{backend}");
        let r = call(&s, &auth, "GET", "/bulk/lastOrderTimestamp?customer=1", None).await;
        assert_eq!((r.status, error_type(&r)), (400, "unknownDataField".into()));
        s.stop().await;
    }
}

#[actix_web::test]
async fn invitations_need_a_verified_address_when_the_tenant_verifies() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let auth = client(&s, &[READ, MANAGE]).await;
        let r = call(
            &s,
            &auth,
            "POST",
            "/customerAccounts",
            Some(&json!({"email": "v@example.com", "password": "correct horse battery"})),
        )
        .await;
        let id = r.json()["id"].as_i64().unwrap();
        let r = call(&s, &auth, "POST", &format!("/customerAccounts/{id}/activate"), None).await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        s.stop().await;
    }
}
