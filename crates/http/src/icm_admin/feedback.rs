//! ICM 11 answers: container objects and `FeedbackRO` errors
//! (`{"errors": [{"status", "code", "message", "paths", "causes"}]}`).

use actix_web::{http::StatusCode, HttpResponse};
use clientele_domain::administration::AdminError;
use serde::Serialize;
use utoipa::ToSchema;

use super::MEDIA_TYPE;
use crate::api_auth::Denied;
use crate::problem::Problem;

/// A cause of a feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FeedbackCauseRo {
    pub code: String,
    pub message: String,
    /// JSON paths of the request fields concerned.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// `FeedbackRO`: an error or piece of information about the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FeedbackRo {
    #[schema(example = "422")]
    pub status: String,
    #[schema(example = "customer.companyName1.missing")]
    pub code: String,
    pub message: String,
    /// JSON paths of the request fields concerned (the source of the error).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<FeedbackCauseRo>,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub status: StatusCode,
    pub feedback: Box<FeedbackRo>,
    /// `WWW-Authenticate` on 401.
    challenge: bool,
}

impl Feedback {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            feedback: Box::new(FeedbackRo {
                status: status.as_u16().to_string(),
                code: code.into(),
                message: message.into(),
                paths: vec![],
                causes: vec![],
            }),
            challenge: false,
        }
    }

    /// A 422 about one request field (`field` as the client named it).
    pub fn field(code: impl Into<String>, field: &str, message: impl Into<String>) -> Self {
        let mut f = Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message);
        f.feedback.paths = vec![format!("$.{field}")];
        f
    }

    pub fn not_found(what: &str) -> Self {
        let (code, message) = match what {
            "customer" => ("customer.not_found", "The customer could not be found.".to_owned()),
            "user" => (
                "customer.user.not_found",
                "The user could not be found for the customer.".to_owned(),
            ),
            "address" => (
                "customer.address.not_found",
                "The address could not be found for the customer.".to_owned(),
            ),
            "attribute" => (
                "customer.attribute.not_found",
                "The attribute could not be found.".to_owned(),
            ),
            other => ("not_found", format!("The {other} could not be found.")),
        };
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn not_acceptable() -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "http.not_acceptable",
            format!("This API version is not supported; send 'Accept: {MEDIA_TYPE}'."),
        )
    }

    pub fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if self.challenge {
            res.insert_header(("WWW-Authenticate", "Basic realm=\"clientele\", Bearer"));
        }
        res.content_type(MEDIA_TYPE)
            .json(serde_json::json!({ "errors": [self.feedback] }))
    }
}

impl From<Denied> for Feedback {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Unauthorized => Self {
                challenge: true,
                ..Self::new(
                    StatusCode::UNAUTHORIZED,
                    "authentication.required",
                    "Authenticate as an API client (HTTP Basic or a bearer token).",
                )
            },
            Denied::Forbidden(scope) => Self::new(
                StatusCode::FORBIDDEN,
                "authorization.scope.missing",
                format!("The API client lacks the scope {scope}."),
            ),
            Denied::Unavailable => Problem::Unavailable.into(),
        }
    }
}

impl From<Problem> for Feedback {
    fn from(p: Problem) -> Self {
        let code = match &p {
            Problem::BadRequest { .. } => "request.body.invalid",
            Problem::UnsupportedMediaType(_) => "request.content_type.unsupported",
            Problem::PayloadTooLarge(_) => "request.body.too_large",
            Problem::NotFound(_) => "not_found",
            Problem::Unauthorized => "authentication.required",
            Problem::TooManyRequests(_) => "request.too_many",
            Problem::MethodNotAllowed => "http.method_not_allowed",
            Problem::Internal => "server.error",
            Problem::Unavailable => "server.unavailable",
        };
        let mut f = Self::new(p.status(), code, p.message());
        if let Problem::BadRequest { field: Some(path), .. } = &p {
            f.feedback.paths = vec![format!("$.{path}")];
        }
        f
    }
}

impl From<AdminError> for Feedback {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::NotFound(what) => Self::not_found(what),
            AdminError::Invalid { field, reason } => Self::field(
                format!("customer.{field}.invalid"),
                field,
                format!("The field '{field}' {reason}."),
            ),
            AdminError::Taken(field) => Self::field(
                format!("customer.{field}.taken"),
                field,
                format!("The value of '{field}' is already taken."),
            ),
            AdminError::PrivateCustomer => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "customer.private.users",
                "A private customer has exactly one user; delete or change the customer instead.",
            ),
            AdminError::LastAdministrator => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "customer.user.last_admin",
                "The customer must keep an active user with the role APP_B2B_ACCOUNT_OWNER.",
            ),
            AdminError::Store(e) => {
                tracing::error!(error = %e, "administration failed");
                Problem::Unavailable.into()
            }
        }
    }
}

impl From<clientele_domain::addresses::AddressError> for Feedback {
    fn from(e: clientele_domain::addresses::AddressError) -> Self {
        AdminError::from(e).into()
    }
}

/// A success answer: `{data, included?, infos?, links}` with the v1 media type.
pub fn container(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status).content_type(MEDIA_TYPE).json(body)
}

/// The answer to a deletion: an info feedback.
pub fn deleted(code: &str, message: &str) -> HttpResponse {
    container(
        StatusCode::OK,
        serde_json::json!({ "infos": [{ "status": "200", "code": code, "message": message }] }),
    )
}
