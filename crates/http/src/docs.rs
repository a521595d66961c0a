//! OpenAPI documents per dialect at `/openapi/{dialect}.json` and a self-contained
//! `/docs` page (no CDN: it renders the documents with a few lines of script).

use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Adds ICM's security schemes: Basic, Bearer and the `authentication-token` header.
pub struct BasicAuth;

impl Modify for BasicAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basicAuth",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "authToken",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("authentication-token"))),
        );
    }
}

/// Adds Emporix' security schemes: anonymous and customer access tokens, both Bearer.
pub struct EmporixAuth;

impl Modify for EmporixAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        // OAuth2: the service access tokens of API clients (`POST /oauth/token`).
        for name in ["AnonymousAccessToken", "CustomerAccessToken", "OAuth2"] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The dialects with a document, by the name used in the URL.
pub fn document(dialect: &str) -> Option<utoipa::openapi::OpenApi> {
    let mut doc = match dialect {
        "icm" => crate::icm::IcmApi::openapi(),
        "icm-admin" => crate::icm_admin::IcmAdminApi::openapi(),
        "emporix" => crate::emporix::EmporixApi::openapi(),
        "service" => crate::service::ServiceApi::openapi(),
        "websale" => crate::websale::WebsaleApi::openapi(),
        "iom" => crate::iom::IomApi::openapi(),
        _ => return None,
    };
    declare_path_parameters(&mut doc);
    Some(doc)
}

/// The `{name}`s of a path template, in order.
fn template_names(path: &str) -> impl Iterator<Item = &str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Declares each `{name}` of a path that its operation leaves undeclared (the ICM base
/// `{serverGroup}/{site}/{app}`, and the ids of most routes) as a required string path
/// parameter, and lists an operation's path parameters in the order of its path. An
/// OpenAPI document must declare every templated parameter: client generators and
/// test tools refuse operations that do not.
fn declare_path_parameters(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    let is_path = |p: &Parameter, name: &str| p.name == name && p.parameter_in == ParameterIn::Path;
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            let mut declared = op.parameters.take().unwrap_or_default();
            let mut ordered = Vec::with_capacity(declared.len() + 3);
            for name in template_names(path) {
                if let Some(i) = declared.iter().position(|p| is_path(p, name)) {
                    ordered.push(declared.remove(i));
                } else {
                    ordered.push(
                        ParameterBuilder::new()
                            .name(name)
                            .parameter_in(ParameterIn::Path)
                            .required(Required::True)
                            .description(path_parameter_description(name))
                            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                            .build(),
                    );
                }
            }
            ordered.append(&mut declared);
            op.parameters = Some(ordered);
        }
    }
}

fn path_parameter_description(name: &str) -> Option<&'static str> {
    Some(match name {
        "serverGroup" => "ICM server group, e.g. `WFS`",
        "site" | "tenant" => "The tenant, e.g. `demo`",
        "app" => "ICM application, e.g. `-`; may carry matrix parameters: `-;loc=en_US;cur=USD`",
        _ => return None,
    })
}

pub const DIALECTS: &[&str] = &["icm", "icm-admin", "emporix", "websale", "iom", "service"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi/{dialect}.json", web::get().to(openapi))
        .route("/docs", web::get().to(page));
}

async fn openapi(path: web::Path<String>) -> HttpResponse {
    match document(&path) {
        Some(doc) => HttpResponse::Ok().json(doc),
        None => crate::problem::Problem::NotFound("The API document".into()).render(crate::problem::Dialect::Service),
    }
}

async fn page() -> HttpResponse {
    let options: String = DIALECTS.iter().map(|d| format!("<option>{d}</option>")).collect();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_PAGE.replace("{{OPTIONS}}", &options))
}

const DOCS_PAGE: &str = include_str!("docs.html");

#[cfg(test)]
mod tests {
    use super::{document, template_names, DIALECTS};

    #[test]
    fn every_operation_declares_exactly_the_parameters_of_its_path() {
        let mut wrong = Vec::new();
        for dialect in DIALECTS {
            let doc = serde_json::to_value(document(dialect).expect("a document")).expect("json");
            for (path, item) in doc["paths"].as_object().expect("paths") {
                for (method, op) in item.as_object().expect("a path item") {
                    let declared: Vec<&str> = op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect();
                    if declared != template_names(path).collect::<Vec<_>>() {
                        wrong.push(format!("{dialect} {method} {path}: {declared:?}"));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "path parameters not as templated:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn icm_base_parameters_are_described() {
        let doc = serde_json::to_value(document("icm").expect("a document")).expect("json");
        let token = &doc["paths"]["/INTERSHOP/rest/{serverGroup}/{site}/{app}/token"]["post"]["parameters"];
        assert_eq!(token[0]["name"], "serverGroup");
        assert_eq!(token[0]["in"], "path");
        assert_eq!(token[0]["required"], true);
        assert_eq!(token[2]["name"], "app");
        assert!(token[2]["description"].as_str().is_some_and(|d| d.contains(";loc=")));
    }
}
