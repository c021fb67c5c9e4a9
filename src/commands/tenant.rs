//! `scimd tenant create|list|delete`.
use anyhow::bail;

use super::{credentials, open, show};
use crate::api::TenantView;
use crate::cli::{DatabaseArgs, TenantCommand};
use crate::store::{StoreError, TenantRecord, valid_tenant_name};

pub(super) async fn run(command: TenantCommand) -> anyhow::Result<()> {
    match command {
        TenantCommand::Create { name, db } => {
            if !valid_tenant_name(&name) {
                bail!("invalid tenant name {name:?}: use 1-64 letters, digits, '-', '_' or '.'");
            }
            let store = open(&db).await?;
            let created = store.tenants().create(&name).await;
            store.close().await;
            match created {
                Ok(t) => println!("{}", t.name),
                Err(StoreError::Uniqueness { .. }) => bail!("tenant {name:?} already exists"),
                Err(e) => return Err(e.into()),
            }
        }
        TenantCommand::List { format, db } => {
            let store = open(&db).await?;
            let tenants = store.tenants().list().await;
            store.close().await;
            show(format, tenants?, print_tenants, TenantView::from)?;
        }
        TenantCommand::Delete { name, yes, db } => delete(&name, yes, &db).await?,
    }
    Ok(())
}

async fn delete(name: &str, yes: bool, db: &DatabaseArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let deleted = async {
        let found = credentials::named(&store, name).await?;
        if !yes {
            let held = store.tenants().contents(&found).await?;
            bail!(
                "this deletes tenant {name:?} with its {} users, {} groups and {} credentials \
                 (and its schemas), for good; repeat with --yes to do it",
                held.users,
                held.groups,
                held.credentials
            );
        }
        Ok(store.tenants().delete(&found).await?)
    }
    .await;
    store.close().await;
    let deleted = deleted?;
    println!(
        "deleted tenant {name}: {} users, {} groups, {} credentials",
        deleted.users, deleted.groups, deleted.credentials
    );
    Ok(())
}

fn print_tenants(tenants: &[TenantRecord]) {
    println!("{:<24} CREATED", "NAME");
    for t in tenants {
        println!(
            "{:<24} {}",
            t.name,
            t.created_at.format("%Y-%m-%d %H:%M:%SZ")
        );
    }
}
