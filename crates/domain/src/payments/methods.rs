//! The payment methods a tenant offers for saving in a customer profile (ICM `OPTIONS
//! …/payments`), read from configuration: an id such as `ISH_DEBIT_TRANSFER`, a kind
//! that fixes how parameters are checked and stored, display names per language and
//! restrictions (business or private customers only, only after N orders).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a method's parameters are checked, shown and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// Free parameters as configured (e.g. none for an invoice, a PO number).
    Plain,
    /// SEPA direct debit: `IBAN` (sealed, shown masked), `BIC`, `holder`.
    DirectDebit,
    /// A card from a payment provider: `paymentToken` (sealed, never shown),
    /// `creditCardType`, `creditCardNumber` (masked, last 4 digits only),
    /// `creditCardExpiryDate` (MM/YY or MM/YYYY), `creditCardOwner`.
    Card,
    /// A gift card or certificate: `giftCardNumber` and `giftCardPin` (checked, never stored).
    GiftCard,
}

/// One parameter of a payment method, as `OPTIONS` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterDef {
    pub name: String,
    /// Label per language (`en`, `de`, …); the name when none fits.
    #[serde(default)]
    pub display_names: BTreeMap<String, String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub min_len: usize,
    #[serde(default = "default_max_len")]
    pub max_len: usize,
    /// A regular expression clients may use to check input (informational).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Sealed at rest and never shown again (only a mask).
    #[serde(default)]
    pub sensitive: bool,
    /// Not shown in forms (filled by a payment provider's script).
    #[serde(default)]
    pub hidden: bool,
}

fn default_max_len() -> usize {
    256
}

impl ParameterDef {
    fn builtin(name: &str, en: &str, de: &str, required: bool, max_len: usize) -> Self {
        Self {
            name: name.to_owned(),
            display_names: [("en".to_owned(), en.to_owned()), ("de".to_owned(), de.to_owned())].into(),
            required,
            min_len: 0,
            max_len,
            pattern: None,
            sensitive: false,
            hidden: false,
        }
    }

    /// The label in `language` (`de` from `de_DE`), else English, else the name.
    pub fn display_name(&self, language: &str) -> &str {
        pick(&self.display_names, language).unwrap_or(&self.name)
    }
}

fn pick<'a>(names: &'a BTreeMap<String, String>, language: &str) -> Option<&'a str> {
    let lang = language.split(['_', '-']).next().unwrap_or_default();
    names
        .get(language)
        .or_else(|| names.get(lang))
        .or_else(|| names.get("en"))
        .map(String::as_str)
}

/// Parameter names of the built-in kinds.
pub mod param {
    pub const IBAN: &str = "IBAN";
    pub const BIC: &str = "BIC";
    pub const HOLDER: &str = "holder";
    pub const TOKEN: &str = "paymentToken";
    pub const CARD_TYPE: &str = "creditCardType";
    pub const CARD_NUMBER: &str = "creditCardNumber";
    pub const CARD_EXPIRY: &str = "creditCardExpiryDate";
    pub const CARD_OWNER: &str = "creditCardOwner";
    pub const GIFT_CARD_NUMBER: &str = "giftCardNumber";
    pub const GIFT_CARD_PIN: &str = "giftCardPin";
}

/// Who may save a method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restrictions {
    #[serde(default)]
    pub business_only: bool,
    #[serde(default)]
    pub private_only: bool,
    /// Orders the customer must have placed before (0 = none).
    #[serde(default)]
    pub min_orders: u64,
}

/// A payment method a tenant offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethod {
    pub id: String,
    pub kind: MethodKind,
    #[serde(default)]
    pub display_names: BTreeMap<String, String>,
    /// Parameters of a `plain` method; the other kinds have fixed ones.
    #[serde(default)]
    pub parameters: Vec<ParameterDef>,
    #[serde(default)]
    pub restrictions: Restrictions,
    /// Tenants offering it; empty = every tenant.
    #[serde(default)]
    pub tenants: Vec<String>,
}

impl PaymentMethod {
    /// The label in `language`, else English, else the id.
    pub fn display_name(&self, language: &str) -> &str {
        pick(&self.display_names, language).unwrap_or(&self.id)
    }

    /// The parameters a client sends, in form order.
    pub fn parameter_defs(&self) -> Vec<ParameterDef> {
        use param::*;
        match self.kind {
            MethodKind::Plain => self.parameters.clone(),
            MethodKind::DirectDebit => vec![
                ParameterDef::builtin(HOLDER, "Account holder", "Kontoinhaber", true, 140),
                ParameterDef {
                    sensitive: true,
                    pattern: Some("^[A-Z]{2}[0-9]{2}[A-Z0-9 ]{11,36}$".to_owned()),
                    ..ParameterDef::builtin(IBAN, "IBAN", "IBAN", true, 42)
                },
                ParameterDef {
                    pattern: Some("^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$".to_owned()),
                    ..ParameterDef::builtin(BIC, "BIC", "BIC", false, 11)
                },
            ],
            MethodKind::Card => vec![
                ParameterDef {
                    sensitive: true,
                    hidden: true,
                    ..ParameterDef::builtin(TOKEN, "Payment token", "Zahlungs-Token", true, 256)
                },
                ParameterDef::builtin(CARD_TYPE, "Card type", "Kartentyp", true, 32),
                ParameterDef {
                    pattern: Some("^[*Xx ]*[0-9]{4}$".to_owned()),
                    ..ParameterDef::builtin(CARD_NUMBER, "Card number", "Kartennummer", true, 23)
                },
                ParameterDef {
                    pattern: Some("^(0[1-9]|1[0-2])/([0-9]{2}|[0-9]{4})$".to_owned()),
                    ..ParameterDef::builtin(CARD_EXPIRY, "Expiry date (MM/YY)", "Gültig bis (MM/JJ)", true, 7)
                },
                ParameterDef::builtin(CARD_OWNER, "Card holder", "Karteninhaber", false, 140),
            ],
            MethodKind::GiftCard => vec![
                ParameterDef::builtin(GIFT_CARD_NUMBER, "Gift card number", "Gutscheinnummer", true, 64),
                ParameterDef {
                    sensitive: true,
                    ..ParameterDef::builtin(GIFT_CARD_PIN, "PIN", "PIN", true, 32)
                },
            ],
        }
    }

    /// Whether a customer of this kind with this many orders may save it.
    pub fn allows(&self, business: bool, orders: u64) -> bool {
        let r = &self.restrictions;
        let kind_ok = if business { !r.private_only } else { !r.business_only };
        kind_ok && orders >= r.min_orders
    }
}

/// Every configured method; each tenant sees those listing it (or listing none).
#[derive(Debug, Clone, Default)]
pub struct PaymentCatalog {
    methods: Vec<PaymentMethod>,
}

impl PaymentCatalog {
    /// Checks the configuration: ids unique, parameter names unique per method.
    pub fn new(methods: Vec<PaymentMethod>) -> Result<Self, String> {
        let mut ids = std::collections::HashSet::new();
        for m in &methods {
            if m.id.trim().is_empty() {
                return Err("a payment method needs an id".to_owned());
            }
            if !ids.insert(m.id.as_str()) {
                return Err(format!("payment method {} is configured twice", m.id));
            }
            if m.kind != MethodKind::Plain && !m.parameters.is_empty() {
                return Err(format!("payment method {}: only plain methods take parameters", m.id));
            }
            let mut names = std::collections::HashSet::new();
            if let Some(p) = m.parameters.iter().find(|p| !names.insert(p.name.as_str())) {
                return Err(format!("payment method {}: parameter {} twice", m.id, p.name));
            }
            if m.restrictions.business_only && m.restrictions.private_only {
                return Err(format!("payment method {}: business_only and private_only", m.id));
            }
        }
        Ok(Self { methods })
    }

    /// The methods of a tenant, in configuration order.
    pub fn for_tenant<'a>(&'a self, tenant: &'a str) -> impl Iterator<Item = &'a PaymentMethod> + 'a {
        self.methods
            .iter()
            .filter(move |m| m.tenants.is_empty() || m.tenants.iter().any(|t| t == tenant))
    }

    /// One method of a tenant.
    pub fn method<'a>(&'a self, tenant: &'a str, id: &str) -> Option<&'a PaymentMethod> {
        self.for_tenant(tenant).find(|m| m.id == id)
    }
}
