//! ICM customer payments and gift cards:
//! `customers|privatecustomers/{CustomerKey}/payments[/{CustomerPaymentKey}]` (GET, POST,
//! OPTIONS; GET, PUT, DELETE), `…/eligible-payment-methods` (what ICM 11.10+ and the
//! current PWA ask instead of OPTIONS), and
//! `privatecustomers/{CustomerKey}/giftcardsandcertificates[/{key}]`,
//! `customers/{CustomerKey}/users/{CustomerItemUserKey}/giftcardsandcertificates[/{key}]`.
//! Translation only: the rules live in `clientele_domain::payments`.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::customers::OwnAccount;
use clientele_domain::payments::gift_cards::GiftCard;
use clientele_domain::payments::instruments::InstrumentView;
use clientele_domain::payments::pan::json_contains_pan;
use clientele_domain::payments::{PaymentError, PaymentMethod};
use clientele_domain::roles::OrganizationError;
use clientele_domain::tenants::Tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{caller_with_account, internal, own_customer_key, Caller};
use super::dto::{LinkRo, MoneyRo};
use super::errors::IcmError;
use crate::{body, AppState};

/// The documented error keys (`dublicate` sic).
pub mod keys {
    pub const PAYMENT_DATA: &str = "shopping_cart.payment.paymentdata.error";
    pub const MISSING: &str = "shopping_cart.payment.missing_fields.error";
    pub const INVALID: &str = "shopping_cart.payment.invalid_fields.error";
    pub const NAME: &str = "shopping_cart.payment.name.error";
    pub const DUPLICATE: &str = "shopping_cart.payment.dublicate.error";
}

/// One parameter as sent: `{key, property}` (the PWA) or `{name, value}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ParameterInRo {
    #[serde(alias = "name")]
    pub key: String,
    /// A string (numbers are taken as their text).
    #[serde(alias = "value", default)]
    #[schema(value_type = String)]
    pub property: serde_json::Value,
}

/// `PaymentRO` as sent to POST and PUT: the method id in `name` and its parameters.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PaymentInRo {
    /// The payment method id, e.g. `ISH_DEBIT_TRANSFER` (POST only; PUT keeps the method).
    #[serde(default, alias = "paymentMethod")]
    pub name: Option<String>,
    #[serde(default)]
    pub parameters: Vec<ParameterInRo>,
    /// Accepted like `parameters` (`{name, value}` pairs).
    #[serde(default)]
    pub attributes: Vec<ParameterInRo>,
}

/// `ResourceAttribute`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeRo {
    pub name: String,
    #[serde(rename = "type")]
    #[schema(example = "ResourceAttribute")]
    pub type_: &'static str,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// `PaymentRO` of a saved instrument: sensitive values masked, never a token or PIN.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentRo {
    #[serde(rename = "type")]
    #[schema(example = "Payment")]
    pub type_: &'static str,
    /// The payment method id.
    #[schema(example = "ISH_DEBIT_TRANSFER")]
    pub name: String,
    pub id: String,
    #[serde(rename = "accountIdentifier", skip_serializing_if = "Option::is_none")]
    #[schema(example = "DE** **** **** **** **30 00")]
    pub account_identifier: Option<String>,
    /// The shown parameters, `paymentInstrumentId`, and `expired` for cards.
    pub attributes: Vec<AttributeRo>,
    /// The balance of a gift card.
    #[serde(rename = "limitedTenderBalance", skip_serializing_if = "Option::is_none")]
    pub limited_tender_balance: Option<MoneyRo>,
}

/// A parameter definition the PWA builds its form from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParameterDefinitionRo {
    pub name: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
    #[serde(rename = "type")]
    #[schema(example = "string")]
    pub type_: &'static str,
    pub hidden: bool,
    pub sensitive: bool,
    #[schema(value_type = Object)]
    pub constraints: serde_json::Value,
}

/// `GenericPropertyROObject` of `paymentParameters`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentParameterRo {
    pub name: String,
    #[serde(rename = "type")]
    #[schema(example = "GenericProperty")]
    pub type_: &'static str,
    pub key: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
    #[schema(value_type = Object)]
    pub property: serde_json::Value,
}

/// `PaymentOptionRO`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOptionRo {
    #[serde(rename = "type")]
    #[schema(example = "PaymentOption")]
    pub type_: &'static str,
    pub name: String,
    #[schema(example = "ISH_INVOICE")]
    pub id: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
    #[schema(example = "Applicable")]
    pub applicability: &'static str,
    pub restrictions: Vec<String>,
    #[serde(rename = "paymentParameters")]
    pub payment_parameters: Vec<PaymentParameterRo>,
    #[serde(rename = "parameterDefinitions")]
    pub parameter_definitions: Vec<ParameterDefinitionRo>,
    #[serde(rename = "saveAllowed")]
    pub save_allowed: bool,
}

/// `PaymentOptionsForMethodRO`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOptionsForMethodRo {
    #[serde(rename = "type")]
    #[schema(example = "PaymentOptionsForMethodRO")]
    pub type_: &'static str,
    pub name: &'static str,
    /// The HTTP method that adds one.
    #[schema(example = "POST")]
    pub method: &'static str,
    pub payments: Vec<PaymentOptionRo>,
}

/// `PaymentOptionsRO`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOptionsRo {
    #[serde(rename = "type")]
    #[schema(example = "PaymentOptions")]
    pub type_: &'static str,
    pub name: &'static str,
    pub methods: Vec<PaymentOptionsForMethodRo>,
}

/// `GiftCardAndCertificateRO`.
#[derive(Debug, Serialize, ToSchema)]
pub struct GiftCardAndCertificateRo {
    #[serde(rename = "type")]
    #[schema(example = "GiftCardAndCertificate")]
    pub type_: &'static str,
    /// The card number, masked but for the last four characters.
    pub name: String,
    pub id: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// The issued amount.
    #[schema(value_type = f64, example = 10)]
    pub amount: serde_json::Number,
    #[serde(rename = "amountRemaining")]
    #[schema(value_type = f64, example = 5)]
    pub amount_remaining: serde_json::Number,
}

/// `ResourceCollectionRO` of `LinkRO`s.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentLinksRo {
    #[serde(rename = "type")]
    #[schema(example = "ResourceCollection")]
    pub type_: &'static str,
    pub name: &'static str,
    pub elements: Vec<LinkRo>,
}

fn error(e: PaymentError) -> IcmError {
    match e {
        PaymentError::NotFound => IcmError::new(StatusCode::NOT_FOUND, None, "The payment instrument was not found."),
        PaymentError::UnknownMethod => {
            IcmError::bad(keys::NAME, "The payment method is not available to this customer.")
        }
        PaymentError::Missing(f) => IcmError::bad(keys::MISSING, format!("The parameter '{f}' is missing.")),
        PaymentError::Invalid(f) => IcmError::bad(keys::INVALID, format!("The parameter '{f}' is unknown or invalid.")),
        e @ (PaymentError::CardNumber | PaymentError::NotUpdatable) => IcmError::bad(keys::INVALID, format!("{e}.")),
        PaymentError::Duplicate => IcmError::bad(keys::DUPLICATE, "This payment instrument is saved already."),
        PaymentError::PaymentData(e) => IcmError::bad(keys::PAYMENT_DATA, format!("{e}.")),
        e @ (PaymentError::Undecryptable(_) | PaymentError::Store(_)) => internal(e),
    }
}

/// The language of the app segment's `;loc=` matrix parameter (default English).
fn language(req: &HttpRequest) -> String {
    req.match_info()
        .get("app")
        .unwrap_or_default()
        .split(';')
        .find_map(|p| p.strip_prefix("loc="))
        .unwrap_or("en_US")
        .to_owned()
}

/// The caller and their account, if `{customer}` is `-` or their customer number.
async fn owner(state: &AppState, req: &HttpRequest) -> Result<(Tenant, Caller, OwnAccount), IcmError> {
    let tenant = super::site_tenant(state, req).await?;
    let (caller, account) = caller_with_account(state, req, &tenant).await?;
    if !own_customer_key(req, &account) {
        return Err(IcmError::customer_not_found());
    }
    Ok((tenant, caller, account))
}

/// `{site}/{app}/{customers|privatecustomers}/{key}[/users/{user}]/{what}`, relative to
/// the server group as the PWA resolves links (matrix parameters dropped).
fn collection_uri(req: &HttpRequest, what: &str) -> String {
    let m = req.match_info();
    let app = m.get("app").unwrap_or("-").split(';').next().unwrap_or("-");
    let collection = req.path().split('/').nth(6).unwrap_or("customers");
    let user = m.get("user").map(|u| format!("/users/{u}")).unwrap_or_default();
    format!(
        "{}/{}/{}/{}{}/{}",
        m.get("site").unwrap_or_default(),
        app,
        collection,
        m.get("customer").unwrap_or("-"),
        user,
        what
    )
}

fn link(req: &HttpRequest, what: &str, id: &str) -> LinkRo {
    LinkRo {
        type_: "Link",
        uri: format!("{}/{id}", collection_uri(req, what)),
        title: id.to_owned(),
        relation: None,
        item_id: Some(id.to_owned()),
    }
}

fn payment_ro(v: InstrumentView) -> PaymentRo {
    let i = v.instrument;
    let mut attributes = vec![AttributeRo {
        name: "paymentInstrumentId".to_owned(),
        type_: "ResourceAttribute",
        value: i.public_id.to_string().into(),
    }];
    attributes.extend(i.display.into_iter().map(|(name, value)| AttributeRo {
        name,
        type_: "ResourceAttribute",
        value: value.into(),
    }));
    if v.expired {
        attributes.push(AttributeRo {
            name: "expired".to_owned(),
            type_: "ResourceAttribute",
            value: true.into(),
        });
    }
    PaymentRo {
        type_: "Payment",
        name: i.method,
        id: i.public_id.to_string(),
        account_identifier: v.account_identifier,
        attributes,
        limited_tender_balance: v.gift_card.map(|g| g.balance.into()),
    }
}

fn option_ro(m: &PaymentMethod, lang: &str) -> PaymentOptionRo {
    let defs = m.parameter_defs();
    PaymentOptionRo {
        type_: "PaymentOption",
        name: m.id.clone(),
        id: m.id.clone(),
        display_name: m.display_name(lang).to_owned(),
        applicability: "Applicable",
        restrictions: vec![],
        payment_parameters: defs
            .iter()
            .map(|d| PaymentParameterRo {
                name: d.name.clone(),
                type_: "GenericProperty",
                key: d.name.clone(),
                display_name: d.display_name(lang).to_owned(),
                property: serde_json::json!({
                    "type": "string", "required": d.required, "minLength": d.min_len,
                    "maxLength": d.max_len, "pattern": d.pattern, "sensitive": d.sensitive,
                    "hidden": d.hidden,
                }),
            })
            .collect(),
        parameter_definitions: defs
            .iter()
            .map(|d| {
                let mut constraints = serde_json::json!({ "size": { "min": d.min_len, "max": d.max_len } });
                if d.required {
                    constraints["required"] =
                        serde_json::json!({ "message": format!("{} is required.", d.display_name(lang)) });
                }
                if let Some(p) = &d.pattern {
                    constraints["pattern"] = serde_json::json!({ "regexp": p });
                }
                ParameterDefinitionRo {
                    name: d.name.clone(),
                    display_name: d.display_name(lang).to_owned(),
                    type_: "string",
                    hidden: d.hidden,
                    sensitive: d.sensitive,
                    constraints,
                }
            })
            .collect(),
        save_allowed: true,
    }
}

fn gift_card_ro(g: GiftCard) -> GiftCardAndCertificateRo {
    GiftCardAndCertificateRo {
        type_: "GiftCardAndCertificate",
        name: g.masked_number(),
        id: g.public_id.to_string(),
        currency: g.balance.currency.to_string(),
        amount: g.initial.decimal_number(),
        amount_remaining: g.balance.decimal_number(),
    }
}

/// The body as (method, parameters): a card number anywhere in it is refused before
/// anything else reads it (and it is never echoed or logged).
async fn payment_body(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<(Option<String>, Vec<(String, String)>), IcmError> {
    body::require_json(req).map_err(|p| IcmError::from(p).with_key(keys::INVALID))?;
    let bytes = body::read(payload, state.limits.max_body_bytes)
        .await
        .map_err(IcmError::from)?;
    let value: serde_json::Value = body::parse(&bytes).map_err(|p| IcmError::from(p).with_key(keys::INVALID))?;
    if json_contains_pan(&value) {
        return Err(error(PaymentError::CardNumber));
    }
    let dto: PaymentInRo = body::from_value(value).map_err(|p| IcmError::from(p).with_key(keys::INVALID))?;
    let params = dto
        .parameters
        .into_iter()
        .chain(dto.attributes)
        .map(|p| {
            let value = match p.property {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (p.key, value)
        })
        .collect();
    Ok((dto.name, params))
}

fn payment_key(req: &HttpRequest) -> &str {
    req.match_info().get("payment").unwrap_or_default()
}

/// The customer's saved payment instruments, as links.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/payments",
    tag = "payments",
    responses((status = 200, description = "`ResourceCollectionRO` of `LinkRO`s; `itemId` is the payment key", body = PaymentLinksRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "Not the caller's customer")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = owner(&state, &req).await?;
        let all = state.services.payments.list(&tenant, &account).await.map_err(error)?;
        let body = PaymentLinksRo {
            type_: "ResourceCollection",
            name: "payments",
            elements: all
                .iter()
                .map(|v| link(&req, "payments", v.instrument.public_id.as_str()))
                .collect(),
        };
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(body)))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// The payment methods this customer may save, with their parameters.
#[utoipa::path(options, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/payments",
    tag = "payments",
    responses((status = 200, description = "`PaymentOptionsRO`: the methods (`methods[0].payments`) and their parameters", body = PaymentOptionsRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "Not the caller's customer")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn options(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = owner(&state, &req).await?;
        let methods = state
            .services
            .payments
            .options(&tenant, &account)
            .await
            .map_err(internal)?;
        let lang = language(&req);
        let body = PaymentOptionsRo {
            type_: "PaymentOptions",
            name: "paymentOptions",
            methods: vec![PaymentOptionsForMethodRo {
                type_: "PaymentOptionsForMethodRO",
                name: "payments",
                method: "POST",
                payments: methods.iter().map(|m| option_ro(m, &lang)).collect(),
            }],
        };
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(body)))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Saves a payment instrument: `name` is the method id, `parameters` its `{key, property}`s.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/payments",
    tag = "payments", request_body = PaymentInRo,
    responses((status = 201, description = "Created; `Location` and a `LinkRO` name the new instrument", body = LinkRo),
              (status = 400, description = "`error-key` shopping_cart.payment.name.error (method not available), \
                …missing_fields.error, …invalid_fields.error (also: a card number anywhere in the body), \
                …dublicate.error, …paymentdata.error (wrong gift card number or PIN, card locked or expired)"),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "Not the caller's customer")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn create(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = owner(&state, &req).await?;
        let (method, params) = payment_body(&req, payload, &state).await?;
        let method = method
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| IcmError::bad(keys::MISSING, "The field 'name' (the payment method) is missing."))?;
        let saved = state
            .services
            .payments
            .add(&tenant, &account, method.trim(), params)
            .await
            .map_err(error)?;
        let link = link(&req, "payments", saved.instrument.public_id.as_str());
        let location = format!(
            "/INTERSHOP/rest/{}/{}",
            req.match_info().get("server").unwrap_or("WFS"),
            link.uri
        );
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Created().insert_header(("Location", location)).json(link)))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// One saved payment instrument (masked).
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/payments/{CustomerPaymentKey}",
    tag = "payments",
    responses((status = 200, description = "`PaymentRO`", body = PaymentRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "No such instrument among the caller's")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = owner(&state, &req).await?;
        let found = state
            .services
            .payments
            .get(&tenant, &account, payment_key(&req))
            .await
            .map_err(error)?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(payment_ro(found))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Replaces all parameters of a saved instrument (the method stays).
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/payments/{CustomerPaymentKey}",
    tag = "payments", request_body = PaymentInRo,
    responses((status = 200, description = "The changed `PaymentRO`", body = PaymentRo),
              (status = 400, description = "`error-key` …missing_fields.error, …invalid_fields.error (also for \
                methods without parameters and gift cards, which are deleted and added instead), …paymentdata.error"),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "No such instrument among the caller's")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn update(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = owner(&state, &req).await?;
        let (method, params) = payment_body(&req, payload, &state).await?;
        let method = method.as_deref().map(str::trim).filter(|m| !m.is_empty());
        let changed = state
            .services
            .payments
            .replace(&tenant, &account, payment_key(&req), method, params)
            .await
            .map_err(error)?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(payment_ro(changed))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Removes a saved instrument; the answer links the remaining list.
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/payments/{CustomerPaymentKey}",
    tag = "payments",
    responses((status = 200, description = "`LinkRO` to the customer's payments", body = LinkRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "No such instrument among the caller's")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn delete(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = owner(&state, &req).await?;
        let key = payment_key(&req).to_owned();
        state
            .services
            .payments
            .delete(&tenant, &account, &key)
            .await
            .map_err(error)?;
        let body = LinkRo {
            type_: "Link",
            uri: collection_uri(&req, "payments"),
            title: key,
            relation: None,
            item_id: None,
        };
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(body)))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// The gift cards of the `{user}` (or of the private customer's user), and the caller.
async fn gift_cards(req: &HttpRequest, state: &AppState) -> Result<(Caller, Vec<GiftCard>), IcmError> {
    let (tenant, caller, account) = owner(state, req).await?;
    let user = match req.match_info().get("user") {
        None => account.user.id,
        Some(key) => {
            state
                .services
                .organization
                .member(&tenant, &account, &super::organization::user_key(req))
                .await
                .map_err(|e| match e {
                    OrganizationError::NotFound | OrganizationError::Forbidden(_) => {
                        IcmError::new(StatusCode::NOT_FOUND, None, format!("The user '{key}' was not found."))
                    }
                    other => internal(other),
                })?
                .id
        }
    };
    let cards = state
        .services
        .payments
        .gift_cards(&tenant, &account, user)
        .await
        .map_err(error)?;
    Ok((caller, cards))
}

/// The gift cards and certificates saved as payment instruments, as links.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers/{CustomerKey}/giftcardsandcertificates",
    tag = "payments",
    responses((status = 200, description = "`ResourceCollectionRO` of `LinkRO`s", body = PaymentLinksRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "Not the caller's customer or user")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn gift_card_list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (caller, cards) = gift_cards(&req, &state).await?;
        let body = PaymentLinksRo {
            type_: "ResourceCollection",
            name: "giftcardsandcertificates",
            elements: cards
                .iter()
                .map(|g| link(&req, "giftcardsandcertificates", g.public_id.as_str()))
                .collect(),
        };
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(body)))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// One gift card or certificate with its remaining amount.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers/{CustomerKey}/giftcardsandcertificates/{CustomerGiftCardAndCertificateResourceKey}",
    tag = "payments",
    responses((status = 200, description = "`GiftCardAndCertificateRO`", body = GiftCardAndCertificateRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "No such card among the user's")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn gift_card(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (caller, cards) = gift_cards(&req, &state).await?;
        let key = req.match_info().get("card").unwrap_or_default();
        let card = cards
            .into_iter()
            .find(|g| g.public_id.as_str() == key)
            .ok_or_else(|| IcmError::new(StatusCode::NOT_FOUND, None, "The gift card was not found."))?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(gift_card_ro(card))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}
