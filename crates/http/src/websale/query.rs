//! List parameters of WEBSALE: `size` (1–300), `sort=field:asc|desc`, repeated
//! `filter=field:operation:value` (operations `eq`, `lt`, `lte`, `gt`, `gte`), and
//! `pageToken`, an opaque keyset cursor signed with HMAC-SHA256 and bound to the list,
//! its filters and its sort (see docs/compat.md).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use clientele_domain::accounts::{After, SortKey, MAX_PAGE};
use clientele_domain::administration::Compare;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::WsError;

/// One `filter` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub field: String,
    pub op: Compare,
    pub value: String,
}

/// The parsed parameters of a list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    pub size: u64,
    pub filters: Vec<Term>,
    /// Field and descending.
    pub sort: Option<(String, bool)>,
    pub after: Option<After>,
    /// What a page token of this request is bound to.
    fingerprint: String,
}

/// Default page size.
const DEFAULT_SIZE: u64 = 100;

/// Parses a list request's query string; `fields` are the filter fields, `sorts` the
/// sort fields, `list` names the list (tokens of one list are refused by another).
pub fn parse(query: &str, list: &str, fields: &[&str], sorts: &[&str], key: &[u8]) -> Result<ListParams, WsError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| WsError::field("syntaxError", "query", "The query string cannot be read."))?;
    let (mut size, mut filters, mut sort, mut token) = (DEFAULT_SIZE, Vec::new(), None, None);
    for (name, value) in pairs {
        match name.as_str() {
            "size" => {
                size = value
                    .parse::<u64>()
                    .map_err(|_| WsError::field("invalidCharacters", "size", "size is not an integer."))?;
                if size == 0 || size > MAX_PAGE {
                    return Err(WsError::field(
                        "invalidValue",
                        "size",
                        format!("size must be between 1 and {MAX_PAGE}."),
                    ));
                }
            }
            "sort" => {
                let parts: Vec<&str> = value.split(':').collect();
                let [field, dir] = parts[..] else {
                    return Err(WsError::field(
                        "syntaxError",
                        "sort",
                        "sort must be field:asc or field:desc (exactly one ':').",
                    ));
                };
                if !sorts.contains(&field) {
                    return Err(WsError::field(
                        "unknownDataField",
                        "sort",
                        format!("{field} is no sort field; use one of {}.", sorts.join(", ")),
                    ));
                }
                let desc = match dir {
                    "asc" => false,
                    "desc" => true,
                    _ => {
                        return Err(WsError::field(
                            "invalidValue",
                            "sort",
                            "the direction must be asc or desc.",
                        ))
                    }
                };
                sort = Some((field.to_owned(), desc));
            }
            "filter" => {
                let mut parts = value.splitn(3, ':');
                let (Some(field), Some(op), Some(v)) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(WsError::field(
                        "syntaxError",
                        "filter",
                        "filter must be field:operation:value.",
                    ));
                };
                if !fields.contains(&field) {
                    return Err(WsError::field(
                        "unknownDataField",
                        "filter",
                        format!("{field} is no filter field; use one of {}.", fields.join(", ")),
                    ));
                }
                let op = match op {
                    "eq" => Compare::At,
                    "lt" => Compare::Before,
                    "lte" => Compare::AtOrBefore,
                    "gt" => Compare::After,
                    "gte" => Compare::AtOrAfter,
                    other => {
                        return Err(WsError::field(
                            "unknownOperation",
                            "filter",
                            format!("{other} is no filter operation; use eq, lt, lte, gt or gte."),
                        ))
                    }
                };
                filters.push(Term {
                    field: field.to_owned(),
                    op,
                    value: v.to_owned(),
                });
            }
            "pageToken" if value.is_empty() => {}
            "pageToken" => token = Some(value),
            other => {
                return Err(WsError::field(
                    "unknownDataField",
                    other,
                    format!("{other} is no parameter; use size, sort, filter or pageToken."),
                ))
            }
        }
    }
    let mut canonical: Vec<String> = filters
        .iter()
        .map(|t| format!("{}:{:?}:{}", t.field, t.op, t.value))
        .collect();
    canonical.sort();
    let fingerprint = format!("{list}|{sort:?}|{}", canonical.join("|"));
    let after = match token {
        Some(t) => Some(open_token(&t, &fingerprint, key)?),
        None => None,
    };
    Ok(ListParams {
        size,
        filters,
        sort,
        after,
        fingerprint,
    })
}

#[derive(Serialize, Deserialize)]
struct Token {
    /// Digest of what the token is bound to.
    b: String,
    /// Sort value: `i` integer, `s` text, `t` time (RFC 3339, microseconds).
    i: Option<i64>,
    s: Option<String>,
    t: Option<String>,
    /// The row key.
    k: i64,
}

fn bound(fingerprint: &str) -> String {
    let digest = Sha256::digest(fingerprint.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

fn mac(key: &[u8], payload: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    mac
}

impl ListParams {
    /// The token of the page after `after`.
    pub fn token(&self, after: &After, key: &[u8]) -> String {
        let (i, s, t) = match &after.key {
            SortKey::Int(v) => (Some(*v), None, None),
            SortKey::Text(v) => (None, Some(v.clone()), None),
            SortKey::Time(v) => (None, None, Some(v.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))),
        };
        let token = Token {
            b: bound(&self.fingerprint),
            i,
            s,
            t,
            k: after.id,
        };
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).expect("a token serialises"));
        let tag = mac(key, &payload).finalize().into_bytes();
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&tag[..16]))
    }
}

fn bad_token(message: &str) -> WsError {
    WsError::field("invalidValue", "pageToken", message)
}

fn open_token(token: &str, fingerprint: &str, key: &[u8]) -> Result<After, WsError> {
    let (payload, tag) = token
        .split_once('.')
        .ok_or_else(|| bad_token("pageToken is not valid."))?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| bad_token("pageToken is not valid."))?;
    mac(key, payload)
        .verify_truncated_left(&tag)
        .map_err(|_| bad_token("pageToken is not valid."))?;
    if tag.len() != 16 {
        return Err(bad_token("pageToken is not valid."));
    }
    let token: Token = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad_token("pageToken is not valid."))?;
    if token.b != bound(fingerprint) {
        return Err(bad_token(
            "pageToken belongs to another filter or sort; repeat the request's filter and sort with it.",
        ));
    }
    let key = match (token.i, token.s, token.t) {
        (Some(i), None, None) => SortKey::Int(i),
        (None, Some(s), None) => SortKey::Text(s),
        (None, None, Some(t)) => SortKey::Time(
            DateTime::parse_from_rfc3339(&t)
                .map_err(|_| bad_token("pageToken is not valid."))?
                .with_timezone(&Utc),
        ),
        _ => return Err(bad_token("pageToken is not valid.")),
    };
    Ok(After { key, id: token.k })
}

/// A filter value that must be an integer.
pub fn int_value(term: &Term) -> Result<i64, WsError> {
    term.value
        .parse()
        .map_err(|_| WsError::field("invalidValue", "filter", format!("{} needs an integer.", term.field)))
}

/// A filter value that must be `true` or `false` (with `eq` only).
pub fn bool_value(term: &Term) -> Result<bool, WsError> {
    if term.op != Compare::At {
        return Err(WsError::field(
            "unknownOperation",
            "filter",
            format!("{} takes eq only.", term.field),
        ));
    }
    match term.value.as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(WsError::field(
            "invalidValue",
            "filter",
            format!("{} needs true or false.", term.field),
        )),
    }
}

/// A filter value that must be a time (ISO 8601, or a date meaning its midnight UTC).
pub fn time_value(term: &Term) -> Result<DateTime<Utc>, WsError> {
    DateTime::parse_from_rfc3339(&term.value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDate::parse_from_str(&term.value, "%Y-%m-%d").map(|d| d.and_time(Default::default()).and_utc())
        })
        .map_err(|_| {
            WsError::field(
                "invalidValue",
                "filter",
                format!("{} needs an ISO 8601 time such as 2025-01-31T12:00:00Z.", term.field),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"k";

    fn list(q: &str) -> Result<ListParams, WsError> {
        parse(q, "accounts", &["id", "createdAt"], &["id", "createdAt"], KEY)
    }

    #[test]
    fn parameters_parse_and_errors_name_their_type() {
        let p = list("size=5&sort=createdAt:desc&filter=id:gte:3").unwrap();
        assert_eq!(p.size, 5);
        assert_eq!(p.sort, Some(("createdAt".into(), true)));
        assert_eq!(p.filters[0].op, Compare::AtOrAfter);
        assert_eq!(list("size=x").unwrap_err().error_type, "invalidCharacters");
        assert_eq!(list("size=301").unwrap_err().error_type, "invalidValue");
        assert_eq!(list("sort=id").unwrap_err().error_type, "syntaxError");
        assert_eq!(list("sort=id:asc:x").unwrap_err().error_type, "syntaxError");
        assert_eq!(list("sort=email:asc").unwrap_err().error_type, "unknownDataField");
        assert_eq!(list("filter=email:eq:x").unwrap_err().error_type, "unknownDataField");
        assert_eq!(list("filter=id:like:x").unwrap_err().error_type, "unknownOperation");
        assert_eq!(list("filter=id").unwrap_err().error_type, "syntaxError");
    }

    #[test]
    fn tokens_round_trip_and_are_bound_and_tamper_evident() {
        let p = list("sort=createdAt:asc&filter=id:gt:1").unwrap();
        let after = After {
            key: SortKey::Time(Utc::now()),
            id: 42,
        };
        let token = p.token(&after, KEY);
        let q = format!("sort=createdAt:asc&filter=id:gt:1&pageToken={token}");
        let next = list(&q).unwrap();
        assert_eq!(next.after.unwrap().id, 42);
        // Another filter, another list or another key: refused.
        let other = format!("sort=createdAt:asc&filter=id:gt:2&pageToken={token}");
        assert_eq!(list(&other).unwrap_err().error_type, "invalidValue");
        assert!(parse(&q, "deleted", &["id"], &["createdAt"], KEY).is_err());
        assert!(parse(&q, "accounts", &["id", "createdAt"], &["id", "createdAt"], b"other").is_err());
        // A changed character: refused.
        let mut bytes = token.into_bytes();
        bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
        let tampered = format!(
            "sort=createdAt:asc&filter=id:gt:1&pageToken={}",
            String::from_utf8(bytes).unwrap()
        );
        assert_eq!(list(&tampered).unwrap_err().error_type, "invalidValue");
    }
}
