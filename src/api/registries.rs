//! Each tenant's schema registry: the core schemas plus the tenant's own extensions, built
//! once and cached until the tenant's schema version (read with the tenant on every
//! authentication) moves, whichever process or `scimd schema` command moved it.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::api::AppState;
use crate::api::http::auth::Tenant;
use crate::scim::ScimError;
use crate::scim::schema::Registry;
use crate::store::{Store, TenantId};

/// Registries by tenant, each with the schema version it was built at.
#[derive(Debug, Default)]
pub struct Registries {
    cached: RwLock<HashMap<TenantId, (i64, Arc<Registry>)>>,
}

impl AppState {
    /// The registry `tenant`'s requests are validated, stored, filtered and shown with.
    pub async fn registry(&self, tenant: &Tenant) -> Result<Arc<Registry>, ScimError> {
        self.registries
            .get(&self.store, tenant.id, tenant.schema_version)
            .await
    }
}

impl Registries {
    async fn get(
        &self,
        store: &Store,
        tenant: TenantId,
        version: i64,
    ) -> Result<Arc<Registry>, ScimError> {
        // Version 0: the tenant never had an extension.
        if version == 0 {
            return Ok(Registry::shared_core());
        }
        if let Some(registry) = self.cached(tenant, version) {
            return Ok(registry);
        }
        // Read after the version was: what is loaded is at least that new, so caching it
        // under `version` can only cause one more reload, never a stale hit.
        let registry = Arc::new(store.schemas().registry(tenant).await?);
        if let Ok(mut cached) = self.cached.write() {
            cached.insert(tenant, (version, Arc::clone(&registry)));
        }
        Ok(registry)
    }

    fn cached(&self, tenant: TenantId, version: i64) -> Option<Arc<Registry>> {
        let cached = self.cached.read().ok()?;
        let (at, registry) = cached.get(&tenant)?;
        (*at == version).then(|| Arc::clone(registry))
    }
}
