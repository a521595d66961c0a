//! Emporix error shape: `ErrorMessage {status, type, message, details[]}`.

use actix_web::{http::StatusCode, HttpResponse};
use clientele_domain::values::ValueError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::Problem;

/// One field-level problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// JSON path of the field, e.g. `customerDetails.firstName`.
    pub field: String,
    /// e.g. `missing_value`, `invalid_value`, `invalid_type`.
    #[serde(rename = "type")]
    pub type_: String,
    pub message: String,
}

/// `ErrorMessage`: the body of every Emporix error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorMessage {
    pub status: u16,
    #[serde(rename = "type")]
    #[schema(example = "bad_request")]
    pub type_: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
}

impl ErrorMessage {
    pub fn new(status: StatusCode, type_: &str, message: impl Into<String>) -> Self {
        Self {
            status: status.as_u16(),
            type_: type_.into(),
            message: message.into(),
            details: vec![],
        }
    }

    /// A 400 for one refused field.
    pub fn field(field: &str, why: ValueError) -> Self {
        let type_ = if why == ValueError::Missing {
            "missing_value"
        } else {
            "invalid_value"
        };
        let mut e = Self::new(StatusCode::BAD_REQUEST, "bad_request", "The request is not valid.");
        e.details.push(ErrorDetail {
            field: field.into(),
            type_: type_.into(),
            message: format!("{field} {why}."),
        });
        e
    }

    pub fn into_response(self) -> HttpResponse {
        HttpResponse::build(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)).json(self)
    }
}

impl From<Problem> for ErrorMessage {
    fn from(p: Problem) -> Self {
        let type_ = match &p {
            Problem::NotFound(_) => "resource_not_found",
            Problem::MethodNotAllowed => "method_not_allowed",
            Problem::UnsupportedMediaType(_) => "unsupported_media_type",
            Problem::PayloadTooLarge(_) => "payload_too_large",
            Problem::BadRequest { .. } => "bad_request",
            Problem::Unauthorized => "unauthorized",
            Problem::Internal => "internal_error",
            Problem::Unavailable => "service_unavailable",
            Problem::TooManyRequests(_) => "too_many_requests",
        };
        let mut e = Self::new(p.status(), type_, p.message());
        if let Problem::BadRequest {
            field: Some(field),
            message,
        } = &p
        {
            e.message = "The request is not valid.".into();
            e.details.push(ErrorDetail {
                field: field.clone(),
                type_: "invalid_type".into(),
                message: message.clone(),
            });
        }
        e
    }
}

/// Renders a non-use-case problem the Emporix way.
pub fn render_problem(p: &Problem) -> HttpResponse {
    ErrorMessage::from(p.clone()).into_response()
}
