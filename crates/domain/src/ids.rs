//! Identity scheme: every row has a 64-bit store key (also WEBSALE's integer `id`)
//! and, where a dialect shows string keys (ICM, Emporix), an opaque [`PublicId`].
//! See docs/architecture.md.

macro_rules! key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a key read from the store.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }
            /// The raw 64-bit key.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

key!(/// Store key of a tenant.
    TenantId);
key!(/// Store key of a customer (private or business).
    CustomerId);
key!(/// Store key of a user (a login of a customer).
    UserId);
key!(/// Store key of an address.
    AddressId);
key!(/// Store key of a cost center.
    CostCenterId);
key!(/// Store key of a saved payment instrument.
    PaymentInstrumentId);
key!(/// Store key of a custom attribute.
    CustomAttributeId);
key!(/// Store key of a session (one issued access/refresh token pair).
    SessionId);
key!(/// Store key of an API client.
    ApiClientKey);
key!(/// Store key of a mail in the outbox.
    MailId);

/// Opaque, URL-safe string id shown by the ICM and Emporix dialects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicId(String);

impl PublicId {
    /// Longest accepted public id; generated ones are shorter.
    pub const MAX_LEN: usize = 64;

    /// Parses an id given by a client (or read from the store).
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(raw.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PublicId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
