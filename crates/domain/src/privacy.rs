//! The complete personal-data export (GDPR Art. 15/20): every row the store holds on a
//! customer and their users, table by table (secrets such as password hashes left out),
//! with the sealed bank data and payment parameters opened, as one JSON document.
//! Erasure is [`crate::customers::CustomerRepository::erase_customer`]; the IOM GDPR
//! API shows the subset IOM defines.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Map, Value};

use crate::bank_accounts::BankAccounts;
use crate::clock::Clock;
use crate::customers::CustomerRepository;
use crate::error::StoreError;
use crate::ids::{CustomerId, TenantId};
use crate::payments::PaymentInstruments;
use crate::tenants::Tenant;
use crate::values::CustomerNumber;

/// The rows of a customer, per table.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PersonalDataRepository: Send + Sync {
    /// Every table that can hold the customer's or their users' data, with its rows as
    /// JSON objects (secret columns left out).
    async fn personal_rows(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<(String, Vec<Value>)>, StoreError>;
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no customer with this number")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The export use case.
#[derive(Clone)]
pub struct PersonalDataExport {
    pub customers: Arc<dyn CustomerRepository>,
    pub rows: Arc<dyn PersonalDataRepository>,
    pub bank: BankAccounts,
    pub payments: PaymentInstruments,
    pub clock: Arc<dyn Clock>,
}

impl PersonalDataExport {
    /// Everything held on the customer with this number (deleted ones too: what is left).
    pub async fn export(&self, tenant: &Tenant, number: &str) -> Result<Value, ExportError> {
        let number = CustomerNumber::parse(number).map_err(|_| ExportError::NotFound)?;
        let customer = self
            .customers
            .by_number(tenant.id, &number)
            .await?
            .ok_or(ExportError::NotFound)?;
        let tables: Map<String, Value> = self
            .rows
            .personal_rows(tenant.id, customer.id)
            .await?
            .into_iter()
            .map(|(table, rows)| (table, Value::Array(rows)))
            .collect();
        let bank: Vec<Value> = self
            .bank
            .of_customers(tenant, &[customer.id])
            .await?
            .remove(&customer.id)
            .unwrap_or_default()
            .into_iter()
            .map(|b| {
                let d = &b.data;
                json!({
                    "id": b.id,
                    "iban": d.iban.as_ref().map(|v| v.as_str()),
                    "bic": d.bic.as_ref().map(|v| v.as_str()),
                    "accountNumber": d.account_number.as_ref().map(|v| v.as_str()),
                    "bankCode": d.bank_code.as_ref().map(|v| v.as_str()),
                    "bankName": d.bank_name, "owner": d.owner,
                    "sepaDebitType": d.sepa_debit_type, "sepaMandate": d.sepa_mandate,
                    "sepaMandateDate": d.sepa_mandate_date, "sepaMandateType": d.sepa_mandate_type,
                    "externalId": d.external_id, "labels": d.labels, "custom": d.custom,
                })
            })
            .collect();
        let instruments: Vec<Value> = self
            .payments
            .parameters_of(tenant, customer.id)
            .await?
            .into_iter()
            .map(|(id, method, parameters)| match parameters {
                Ok(parameters) => json!({"id": id.as_str(), "method": method, "parameters": parameters}),
                Err(e) => json!({"id": id.as_str(), "method": method, "unreadable": e.to_string()}),
            })
            .collect();
        tracing::info!(
            event = "personal_data_exported",
            tenant = tenant.id.get(),
            customer = customer.id.get(),
            "personal data exported"
        );
        Ok(json!({
            "customerNumber": customer.number.as_str(),
            "exportedAt": self.clock.now().to_rfc3339(),
            "tables": tables,
            "bankAccounts": bank,
            "paymentInstrumentParameters": instruments,
        }))
    }
}
