//! Reading request bodies with a size limit and parsing JSON with field paths, so each
//! dialect can answer bad bodies in its own shape instead of actix's default text.

use actix_web::{http::header, web, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// Reads the whole body, refusing more than `limit` bytes.
pub async fn read(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, Problem> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Problem::BadRequest {
            field: None,
            message: format!("unreadable body: {e}"),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(Problem::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Checks that the request declares a JSON body (`application/json`, `…+json`).
pub fn require_json(req: &HttpRequest) -> Result<(), Problem> {
    let ok = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")));
    ok.then_some(())
        .ok_or_else(|| Problem::UnsupportedMediaType("application/json".into()))
}

/// Checks that the request declares a form body (`application/x-www-form-urlencoded`).
pub fn require_form(req: &HttpRequest) -> Result<(), Problem> {
    let ok = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    ok.then_some(())
        .ok_or_else(|| Problem::UnsupportedMediaType("application/x-www-form-urlencoded".into()))
}

/// Reads and parses a JSON body into `T`; errors name the offending field path.
pub async fn json<T: DeserializeOwned>(req: &HttpRequest, payload: web::Payload, limit: usize) -> Result<T, Problem> {
    require_json(req)?;
    let bytes = read(payload, limit).await?;
    parse(&bytes)
}

/// Parses JSON bytes into `T` with the path of the first offending field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        problem(path, inner.is_syntax() || inner.is_eof(), &inner)
    })
}

/// Reads an already parsed JSON value (e.g. a merged patch) into `T`, naming the
/// offending field as [`parse`] does.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        problem(path, false, e.inner())
    })
}

fn problem(path: String, syntax: bool, inner: &dyn std::fmt::Display) -> Problem {
    let field = (path != "." && !path.is_empty()).then_some(path);
    let message = if syntax {
        format!("The request body is not valid JSON: {inner}")
    } else {
        match &field {
            Some(f) => format!("Invalid value for '{f}': {inner}"),
            None => format!("Invalid request body: {inner}"),
        }
    };
    Problem::BadRequest { field, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        a: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        flag: Option<bool>,
    }

    #[test]
    fn type_errors_name_the_field_path() {
        let Problem::BadRequest { field, message } = parse::<Body>(br#"{"a":{"flag":"yes"}}"#).unwrap_err() else {
            panic!("expected bad request")
        };
        assert_eq!(field.as_deref(), Some("a.flag"));
        assert!(message.contains("a.flag"), "{message}");
    }

    #[test]
    fn syntax_errors_say_the_body_is_not_json() {
        let Problem::BadRequest { message, .. } = parse::<Body>(b"{nope").unwrap_err() else {
            panic!()
        };
        assert!(message.starts_with("The request body is not valid JSON"), "{message}");
    }
}
