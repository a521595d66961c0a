//! Problems every dialect must answer in its own documented shape (unknown route, wrong
//! method, bad body, …), and which dialect a request path belongs to.

use actix_web::{http::StatusCode, HttpRequest, HttpResponse};

/// The API dialects clientele serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Intershop ICM 7.10 storefront and ICM authentication.
    Icm,
    /// Intershop ICM 11 admin Customer Management (same base path, vendor Accept type).
    IcmAdmin,
    /// Emporix customer service.
    Emporix,
    /// WEBSALE admin customerAccounts.
    Websale,
    /// Intershop IOM GDPR.
    Iom,
    /// Our own routes (health, metrics, docs).
    Service,
}

impl Dialect {
    /// The dialect a request belongs to, by path prefix (and Accept for ICM 11 admin).
    pub fn of(req: &HttpRequest) -> Self {
        let path = req.path();
        if path.starts_with("/INTERSHOP/rest/") {
            let admin = req
                .headers()
                .get(actix_web::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("application/vnd.intershop.admin.customer"));
            if admin {
                Self::IcmAdmin
            } else {
                Self::Icm
            }
        } else if path.starts_with("/customer/") || path.starts_with("/customerlogin/") || path.starts_with("/oauth/") {
            Self::Emporix
        } else if path.starts_with("/admin/api/") {
            Self::Websale
        } else if path.starts_with("/rest/gdpr/") {
            Self::Iom
        } else {
            Self::Service
        }
    }
}

/// A failure that is not a use-case outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    NotFound(String),
    MethodNotAllowed,
    UnsupportedMediaType(String),
    PayloadTooLarge(usize),
    /// Malformed JSON or a value of the wrong type; `field` is a JSON path when known.
    BadRequest {
        field: Option<String>,
        message: String,
    },
    Unauthorized,
    /// Too many attempts from this client; retry after this many seconds.
    TooManyRequests(u64),
    /// Something failed on our side; details are in the log under the request id.
    Internal,
    Unavailable,
}

impl Problem {
    /// The HTTP status every dialect uses for this problem.
    pub fn status(&self) -> StatusCode {
        match self {
            Problem::NotFound(_) => StatusCode::NOT_FOUND,
            Problem::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Problem::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Problem::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Problem::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Problem::Unauthorized => StatusCode::UNAUTHORIZED,
            Problem::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Problem::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Problem::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// A human-readable message (no internals).
    pub fn message(&self) -> String {
        match self {
            Problem::NotFound(what) => format!("{what} was not found."),
            Problem::MethodNotAllowed => "The method is not allowed for this resource.".into(),
            Problem::UnsupportedMediaType(expected) => format!("Unsupported media type; send {expected}."),
            Problem::PayloadTooLarge(max) => format!("The request body exceeds {max} bytes."),
            Problem::BadRequest { message, .. } => message.clone(),
            Problem::Unauthorized => "Authentication is required or failed.".into(),
            Problem::Internal => "An internal error occurred; see the server log for this request id.".into(),
            Problem::Unavailable => "The service is temporarily unavailable.".into(),
            Problem::TooManyRequests(secs) => format!("Too many attempts from this client; retry in {secs} s."),
        }
    }

    /// Renders this problem in the shape of `dialect`.
    pub fn render(&self, dialect: Dialect) -> HttpResponse {
        let mut res = self.render_body(dialect);
        self.add_headers(&mut res);
        res
    }

    /// Headers a problem always carries (`Retry-After` on 429).
    pub fn add_headers(&self, res: &mut HttpResponse) {
        if let Problem::TooManyRequests(secs) = self {
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
            }
        }
    }

    fn render_body(&self, dialect: Dialect) -> HttpResponse {
        match dialect {
            Dialect::Icm => crate::icm::errors::render_problem(self),
            Dialect::Emporix => crate::emporix::errors::render_problem(self),
            Dialect::IcmAdmin => render_icm_admin(self),
            Dialect::Websale => render_websale(self),
            Dialect::Iom => render_iom(self),
            Dialect::Service => HttpResponse::build(self.status())
                .json(serde_json::json!({ "status": self.status().as_u16(), "message": self.message() })),
        }
    }
}

/// ICM 11 admin: a FeedbackCtnrRO_v1 container holding one FeedbackRO_v1.
fn render_icm_admin(p: &Problem) -> HttpResponse {
    let code = match p {
        Problem::NotFound(_) => "customer.not_found.error",
        Problem::MethodNotAllowed => "request.method_not_allowed.error",
        Problem::UnsupportedMediaType(_) => "request.unsupported_media_type.error",
        Problem::PayloadTooLarge(_) => "request.payload_too_large.error",
        Problem::BadRequest { .. } => "request.invalid.error",
        Problem::Unauthorized => "request.unauthorized.error",
        Problem::Internal | Problem::Unavailable => "server.error",
        Problem::TooManyRequests(_) => "request.too_many_requests.error",
    };
    let mut feedback = serde_json::json!({
        "code": code,
        "message": p.message(),
        "status": p.status().as_u16().to_string(),
    });
    if let Problem::BadRequest { field: Some(f), .. } = p {
        feedback["paths"] = serde_json::json!([format!("$.{f}")]);
    }
    HttpResponse::build(p.status())
        .content_type("application/vnd.intershop.admin.customer.v1+json")
        .json(serde_json::json!({ "errors": [feedback] }))
}

/// WEBSALE: an error object with `errorType` (its documented type names) and a message.
fn render_websale(p: &Problem) -> HttpResponse {
    let error_type = match p {
        Problem::NotFound(_) => "notFound",
        Problem::BadRequest { .. } => "invalidFormat",
        Problem::Unauthorized => "notAuthorized",
        Problem::UnsupportedMediaType(_) | Problem::PayloadTooLarge(_) => "invalidFormat",
        Problem::MethodNotAllowed => "methodNotAllowed",
        Problem::Internal => "internalError",
        Problem::Unavailable => "serviceUnavailable",
        Problem::TooManyRequests(_) => "tooManyRequests",
    };
    let mut body = serde_json::json!({ "errorType": error_type, "message": p.message() });
    if let Problem::BadRequest { field: Some(f), .. } = p {
        body["fieldErrors"] = serde_json::json!({ f.as_str(): { "type": "invalidFormat" } });
    }
    HttpResponse::build(p.status()).json(body)
}

/// IOM GDPR: status only, with `WWW-Authenticate` on 401 (IOM 2.9 documents it).
fn render_iom(p: &Problem) -> HttpResponse {
    let mut res = HttpResponse::build(p.status());
    if *p == Problem::Unauthorized {
        res.insert_header(("WWW-Authenticate", "Basic realm=\"IOM\", Bearer"));
    }
    res.finish()
}

/// Fallback for paths no route matched: 404 in the dialect of the path.
pub async fn unknown_route(req: HttpRequest) -> HttpResponse {
    Problem::NotFound("The resource".into()).render(Dialect::of(&req))
}

/// Fallback for a known path with a method it does not serve: 405 in the dialect.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    Problem::MethodNotAllowed.render(Dialect::of(&req))
}
