//! ICM 7.10 error shape: HTTP status, an `error-key` header naming the documented error,
//! and a plain-text message body.

use actix_web::{http::StatusCode, HttpResponse};
use clientele_domain::values::ValueError;

use crate::problem::Problem;

/// An ICM error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcmError {
    pub status: StatusCode,
    pub key: Option<&'static str>,
    pub message: String,
    /// A problem whose headers the answer carries (e.g. `Retry-After`).
    problem: Option<Problem>,
}

impl IcmError {
    pub fn new(status: StatusCode, key: Option<&'static str>, message: impl Into<String>) -> Self {
        Self {
            status,
            key,
            message: message.into(),
            problem: None,
        }
    }

    /// A 400 with a documented error key.
    pub fn bad(key: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(key), message)
    }

    /// A 400 naming the refused field and why.
    pub fn field(key: &'static str, field: &str, why: ValueError) -> Self {
        let message = match why {
            ValueError::Missing => format!("The field '{field}' is missing."),
            other => format!("The field '{field}' {other}."),
        };
        Self::bad(key, message)
    }

    /// The same error under another documented key (bad bodies of address routes).
    pub fn with_key(mut self, key: &'static str) -> Self {
        if self.key.is_some() {
            self.key = Some(key);
        }
        self
    }

    /// 404 for a customer the caller cannot see (never confirms existence).
    pub fn customer_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, None, "Customer not found.")
    }

    pub fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(key) = self.key {
            res.insert_header(("error-key", key));
        }
        let mut res = res.content_type("text/plain; charset=utf-8").body(self.message);
        if let Some(p) = &self.problem {
            p.add_headers(&mut res);
        }
        res
    }
}

impl From<Problem> for IcmError {
    fn from(p: Problem) -> Self {
        let key = match &p {
            // Invalid JSON or wrong value types in a customer body.
            Problem::BadRequest { .. } => Some("customer.invalid_fields.error"),
            _ => None,
        };
        Self {
            status: p.status(),
            key,
            message: p.message(),
            problem: Some(p),
        }
    }
}

/// Renders a non-use-case problem the ICM way.
pub fn render_problem(p: &Problem) -> HttpResponse {
    let mut e = IcmError::from(p.clone());
    if !matches!(p, Problem::BadRequest { .. }) {
        e.key = None;
    }
    e.into_response()
}
