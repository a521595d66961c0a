//! Optimistic concurrency at the edge, the same in every dialect: each representation's
//! version travels as a strong `ETag` (`"7"`), and a write may send it back in
//! `If-Match`. A tag that is not one of ours can never match, so it fails the write.

use std::hash::{Hash, Hasher};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

/// A version no record ever has: what an unparseable or weak `If-Match` tag stands for.
const NEVER: i64 = i64::MIN;

/// The `ETag` value of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The weak `ETag` of a list: changes whenever an item is added, removed or changed.
pub fn list_etag(items: impl IntoIterator<Item = (i64, i64)>) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for item in items {
        item.hash(&mut h);
    }
    format!("W/\"{:016x}\"", h.finish())
}

/// Adds the `ETag` of `version` to an answer being built.
pub fn tagged(mut res: HttpResponseBuilder, version: i64) -> HttpResponseBuilder {
    res.insert_header((header::ETAG, etag(version)));
    res
}

/// Adds an `ETag` header to a finished answer.
pub fn with_etag(mut res: HttpResponse, value: &str) -> HttpResponse {
    if let Ok(v) = header::HeaderValue::from_str(value) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// The version an `If-Match` header demands: `None` without the header or for `*`.
/// Weak or foreign tags (and lists of several) match no version, so the write fails
/// with 412 as RFC 9110 requires for a tag that does not match.
pub fn if_match(req: &HttpRequest) -> Option<i64> {
    let raw = req.headers().get(header::IF_MATCH)?.to_str().unwrap_or("").trim();
    if raw == "*" {
        return None;
    }
    let version = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .and_then(|s| s.parse::<i64>().ok());
    Some(version.unwrap_or(NEVER))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn if_match_reads_our_tags_and_fails_others() {
        let with = |v: &str| {
            if_match(
                &TestRequest::default()
                    .insert_header((header::IF_MATCH, v))
                    .to_http_request(),
            )
        };
        assert_eq!(if_match(&TestRequest::default().to_http_request()), None);
        assert_eq!(with("*"), None);
        assert_eq!(with("\"7\""), Some(7));
        assert_eq!(with(&etag(12)), Some(12));
        assert_eq!(with("W/\"7\""), Some(NEVER));
        assert_eq!(with("\"7\", \"8\""), Some(NEVER));
        assert_eq!(with("abc"), Some(NEVER));
    }
}
