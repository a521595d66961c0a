//! API clients of tenants.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::api_clients::{ApiClient, ApiClientRepository, NewApiClient};
use clientele_domain::identity::TokenDigest;
use clientele_domain::ids::{ApiClientKey, PublicId, TenantId};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::{db_time, parse_strings, strings_text, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::{api_client_tokens, api_clients};
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_clients, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct ApiClientRow {
    id: i64,
    tenant_id: i64,
    client_id: String,
    name: String,
    secret_digest: String,
    scopes: String,
    enabled: bool,
    created_at: NaiveDateTime,
}

impl TryFrom<ApiClientRow> for ApiClient {
    type Error = DbError;

    fn try_from(row: ApiClientRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "api_clients",
            id: row.id,
        };
        Ok(ApiClient {
            key: ApiClientKey::new(row.id),
            tenant_id: TenantId::new(row.tenant_id),
            client_id: check.field("client_id", PublicId::parse(&row.client_id).ok_or("malformed"))?,
            name: row.name,
            secret_digest: TokenDigest::new(row.secret_digest),
            scopes: check.field("scopes", parse_strings(&row.scopes))?,
            enabled: row.enabled,
            created_at: utc(row.created_at),
        })
    }
}

#[async_trait]
impl ApiClientRepository for Store {
    async fn insert_api_client(
        &self,
        tenant: TenantId,
        new: NewApiClient,
        now: DateTime<Utc>,
    ) -> Result<ApiClient, StoreError> {
        let now = db_time(now);
        self.run("insert API client", move |conn| {
            let row: ApiClientRow = with_conn!(conn, |c| diesel::insert_into(api_clients::table)
                .values((
                    api_clients::tenant_id.eq(tenant.get()),
                    api_clients::client_id.eq(new.client_id.as_str()),
                    api_clients::name.eq(&new.name),
                    api_clients::secret_digest.eq(new.secret_digest.as_str()),
                    api_clients::scopes.eq(strings_text(&new.scopes)),
                    api_clients::enabled.eq(true),
                    api_clients::created_at.eq(now),
                    api_clients::updated_at.eq(now),
                ))
                .returning(ApiClientRow::as_returning())
                .get_result(c))?;
            row.try_into()
        })
        .await
    }

    async fn api_client(&self, client_id: &PublicId) -> Result<Option<ApiClient>, StoreError> {
        let client_id = client_id.as_str().to_owned();
        self.run("API client", move |conn| {
            let row: Option<ApiClientRow> = with_conn!(conn, |c| api_clients::table
                .filter(api_clients::client_id.eq(&client_id))
                .select(ApiClientRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(ApiClient::try_from).transpose()
        })
        .await
    }

    async fn api_clients(&self, tenant: TenantId) -> Result<Vec<ApiClient>, StoreError> {
        self.run("list API clients", move |conn| {
            let rows: Vec<ApiClientRow> = with_conn!(conn, |c| api_clients::table
                .filter(api_clients::tenant_id.eq(tenant.get()))
                .order((api_clients::name, api_clients::id))
                .select(ApiClientRow::as_select())
                .load(c))?;
            rows.into_iter().map(ApiClient::try_from).collect()
        })
        .await
    }

    async fn disable_api_client(
        &self,
        tenant: TenantId,
        client_id: &PublicId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (client_id, now) = (client_id.as_str().to_owned(), db_time(now));
        self.run("disable API client", move |conn| {
            let changed = with_conn!(conn, |c| diesel::update(api_clients::table)
                .filter(api_clients::tenant_id.eq(tenant.get()))
                .filter(api_clients::client_id.eq(&client_id))
                .set((api_clients::enabled.eq(false), api_clients::updated_at.eq(now)))
                .execute(c))?;
            Ok(changed == 1)
        })
        .await
    }

    async fn insert_api_token(
        &self,
        client: ApiClientKey,
        digest: TokenDigest,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (expires_at, now) = (db_time(expires_at), db_time(now));
        self.run("insert API token", move |conn| {
            with_conn!(conn, |c| diesel::insert_into(api_client_tokens::table)
                .values((
                    api_client_tokens::client_id.eq(client.get()),
                    api_client_tokens::digest.eq(digest.as_str()),
                    api_client_tokens::expires_at.eq(expires_at),
                    api_client_tokens::created_at.eq(now),
                ))
                .execute(c))?;
            Ok(())
        })
        .await
    }

    async fn api_client_by_token(
        &self,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiClient>, StoreError> {
        let (digest, now) = (digest.as_str().to_owned(), db_time(now));
        self.run("API client by token", move |conn| {
            let row: Option<ApiClientRow> = with_conn!(conn, |c| api_client_tokens::table
                .inner_join(api_clients::table)
                .filter(api_client_tokens::digest.eq(&digest))
                .filter(api_client_tokens::expires_at.gt(now))
                .select(ApiClientRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(ApiClient::try_from).transpose()
        })
        .await
    }

    async fn set_api_client_secret(
        &self,
        tenant: TenantId,
        client_id: &PublicId,
        digest: TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (client_id, now) = (client_id.as_str().to_owned(), db_time(now));
        self.run("rotate API client secret", move |conn| {
            let changed = with_conn!(conn, |c| diesel::update(api_clients::table)
                .filter(api_clients::tenant_id.eq(tenant.get()))
                .filter(api_clients::client_id.eq(&client_id))
                .set((
                    api_clients::secret_digest.eq(digest.as_str()),
                    api_clients::updated_at.eq(now),
                ))
                .execute(c))?;
            Ok(changed == 1)
        })
        .await
    }
}
