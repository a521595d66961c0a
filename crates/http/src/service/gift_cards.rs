//! Gift cards for back offices: `POST /service/{tenant}/giftcards` issues one (scope
//! `customer.giftcard_manage`; the PIN is shown once), `GET …/giftcards/{number}` shows
//! balance and ledger (`customer.giftcard_read`), `PATCH …/giftcards/{number}` blocks or
//! unblocks it and `POST …/giftcards/{number}/entries` credits or debits it once per
//! `Idempotency-Key` (both `customer.giftcard_manage`).

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use clientele_domain::api_clients::scope;
use clientele_domain::payments::gift_cards::{parse_amount, GiftCard, LedgerEntry, Validity};
use clientele_domain::payments::GiftCardError;
use clientele_domain::values::{CurrencyCode, Money};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{authorized, idempotency_key, AmountRo, ServiceError};
use crate::AppState;

/// A card to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssueRo {
    pub amount: AmountRo,
    /// 4–32 letters, digits or dashes; generated (16 digits) when missing.
    pub number: Option<String>,
    /// 4–32 characters; generated (6 digits) when missing.
    pub pin: Option<String>,
    /// RFC 3339; valid at once when missing.
    pub valid_from: Option<DateTime<Utc>>,
    /// RFC 3339; no end when missing.
    pub valid_until: Option<DateTime<Utc>>,
}

/// A change of a card's status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CardChangeRo {
    /// A blocked card takes no debits and cannot be linked.
    pub blocked: bool,
}

/// A card (the PIN only in the answer to its issue).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GiftCardRo {
    pub id: String,
    pub number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    pub amount: AmountRo,
    pub balance: AmountRo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub blocked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryRo>>,
}

/// A ledger entry.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntryRo {
    /// Negative for a debit.
    pub amount: AmountRo,
    pub balance_after: AmountRo,
    pub reason: String,
    pub idempotency_key: String,
    pub created_at: String,
}

/// A credit (positive) or debit (negative).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdjustRo {
    pub amount: AmountRo,
    #[serde(default)]
    pub reason: String,
}

/// What an adjustment did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdjustedRo {
    pub entry: EntryRo,
    pub balance: AmountRo,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn entry_ro(e: LedgerEntry, currency: CurrencyCode) -> EntryRo {
    let money = |minor| Money { minor, currency };
    EntryRo {
        amount: AmountRo::from(money(e.amount)),
        balance_after: AmountRo::from(money(e.balance_after)),
        reason: e.reason,
        idempotency_key: e.idempotency_key,
        created_at: time(e.created_at),
    }
}

fn card_ro(card: &GiftCard, pin: Option<String>, entries: Option<Vec<LedgerEntry>>) -> GiftCardRo {
    GiftCardRo {
        id: card.public_id.to_string(),
        number: card.number.clone(),
        pin,
        amount: AmountRo::from(card.initial),
        balance: AmountRo::from(card.balance),
        valid_from: card.valid_from.map(time),
        valid_until: card.valid_until.map(time),
        blocked: card.blocked,
        locked_until: card.locked_until.map(time),
        entries: entries.map(|all| all.into_iter().map(|e| entry_ro(e, card.balance.currency)).collect()),
    }
}

fn error(e: GiftCardError) -> ServiceError {
    let status = match &e {
        GiftCardError::NotFound => StatusCode::NOT_FOUND,
        GiftCardError::NumberTaken | GiftCardError::Insufficient { .. } => StatusCode::CONFLICT,
        GiftCardError::Expired | GiftCardError::NotYetValid | GiftCardError::Blocked => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        GiftCardError::Invalid(_) | GiftCardError::WrongNumberOrPin | GiftCardError::Locked => StatusCode::BAD_REQUEST,
        GiftCardError::Store(e) => {
            tracing::error!(error = %e, "gift card operation failed");
            return ServiceError(StatusCode::SERVICE_UNAVAILABLE, "Try again later.".into());
        }
    };
    ServiceError(status, format!("{e}."))
}

fn amount_of(a: &AmountRo) -> Result<Money, ServiceError> {
    parse_amount(&a.value.to_string(), &a.currency).map_err(error)
}

fn number(req: &HttpRequest) -> &str {
    req.match_info().get("number").unwrap_or_default()
}

/// Issues a gift card; the answer holds the PIN, which is not shown again.
#[utoipa::path(post, path = "/service/{tenant}/giftcards", tag = "gift cards", request_body = IssueRo,
    responses((status = 201, description = "Issued; `pin` is shown only here", body = GiftCardRo),
              (status = 400, description = "Invalid amount, currency, number or PIN"),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks customer.giftcard_manage"),
              (status = 409, description = "The number is taken")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn issue(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::GIFTCARD_MANAGE).await?;
        let dto: IssueRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let value = amount_of(&dto.amount)?;
        let issued = state
            .services
            .payments
            .gift_cards
            .issue(
                &tenant,
                value,
                dto.number.as_deref(),
                dto.pin.as_deref(),
                Validity {
                    from: dto.valid_from,
                    until: dto.valid_until,
                },
            )
            .await
            .map_err(error)?;
        Ok::<_, ServiceError>(HttpResponse::Created().json(card_ro(&issued.card, Some(issued.pin), None)))
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}

/// A gift card with its balance and every ledger entry.
#[utoipa::path(get, path = "/service/{tenant}/giftcards/{number}", tag = "gift cards",
    responses((status = 200, description = "The card and its ledger (the balance is the sum of the entries)", body = GiftCardRo),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks customer.giftcard_read"),
              (status = 404, description = "No such card")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::GIFTCARD_READ).await?;
        let (card, entries) = state
            .services
            .payments
            .gift_cards
            .show(&tenant, number(&req))
            .await
            .map_err(error)?;
        Ok::<_, ServiceError>(HttpResponse::Ok().json(card_ro(&card, None, Some(entries))))
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}

/// Blocks or unblocks a card.
#[utoipa::path(patch, path = "/service/{tenant}/giftcards/{number}", tag = "gift cards", request_body = CardChangeRo,
    responses((status = 200, description = "The card", body = GiftCardRo),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks customer.giftcard_manage"),
              (status = 404, description = "No such card")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn change(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::GIFTCARD_MANAGE).await?;
        let dto: CardChangeRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let card = state
            .services
            .payments
            .gift_cards
            .set_blocked(&tenant, number(&req), dto.blocked)
            .await
            .map_err(error)?;
        Ok::<_, ServiceError>(HttpResponse::Ok().json(card_ro(&card, None, None)))
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}

/// Credits (positive amount) or debits (negative) a card. The `Idempotency-Key` makes
/// retries safe: a key used before answers 200 with the earlier entry, counted once.
#[utoipa::path(post, path = "/service/{tenant}/giftcards/{number}/entries", tag = "gift cards", request_body = AdjustRo,
    params(("Idempotency-Key" = String, Header, description = "Unique per change of this card, up to 128 characters")),
    responses((status = 201, description = "Applied", body = AdjustedRo),
              (status = 200, description = "Applied before under this key; nothing changed", body = AdjustedRo),
              (status = 400, description = "Missing key, zero amount, other currency"),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks customer.giftcard_manage"),
              (status = 404, description = "No such card"),
              (status = 409, description = "The balance is too low for the debit"),
              (status = 422, description = "The card is expired or blocked (debits only)")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn adjust(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::GIFTCARD_MANAGE).await?;
        let key = idempotency_key(&req)?;
        let dto: AdjustRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let value = amount_of(&dto.amount)?;
        let cards = &state.services.payments.gift_cards;
        let done = cards
            .adjust(&tenant, number(&req), value, &key, &dto.reason)
            .await
            .map_err(error)?;
        let status = if done.replayed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        Ok::<_, ServiceError>(HttpResponse::build(status).json(AdjustedRo {
            entry: entry_ro(done.entry, done.balance.currency),
            balance: AmountRo::from(done.balance),
        }))
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}
