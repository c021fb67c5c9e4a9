//! `scimd schema add|list|remove`: a tenant's custom schema extensions.
use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;

use super::{credentials, open, show};
use crate::api::SchemaView;
use crate::cli::SchemaCommand;
use crate::scim::schema::custom;
use crate::store::{Origin, SchemaRecord, StoreError};

pub async fn run(command: SchemaCommand) -> anyhow::Result<()> {
    match command {
        SchemaCommand::Add {
            tenant,
            file,
            resource_type,
            required,
            db,
        } => {
            // The document is checked before the database is opened: mistakes show first.
            let schema = custom::parse(&read_document(&file)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let store = open(&db).await?;
            let added = async {
                let found = credentials::named(&store, &tenant).await?;
                let before = store.schemas().registry(found.id).await?;
                let shadowed = custom::shadowed(&schema, before.resource_type(resource_type))
                    .into_iter()
                    .map(|(name, winner)| (name.to_owned(), winner))
                    .collect::<Vec<_>>();
                match store
                    .schemas()
                    .add(&found, &schema, resource_type, required)
                    .await
                {
                    Ok(record) => Ok((record, shadowed)),
                    Err(StoreError::Rejected(e)) => bail!("{}", e.detail),
                    Err(StoreError::Uniqueness { .. }) => {
                        bail!(
                            "schema {:?} is already registered for this tenant",
                            schema.id
                        )
                    }
                    Err(e) => Err(e.into()),
                }
            }
            .await;
            store.close().await;
            let (record, shadowed) = added?;
            println!("{}", record.urn);
            for (name, winner) in shadowed {
                eprintln!(
                    "note: unqualified `{name}` means the attribute of {}; write `{}:{name}` in filters, sortBy and PATCH paths",
                    winner
                        .as_deref()
                        .unwrap_or("every resource (id, externalId, meta)"),
                    record.urn
                );
            }
        }
        SchemaCommand::List { tenant, format, db } => {
            let store = open(&db).await?;
            let listed = async {
                let scope = match &tenant {
                    Some(name) => Some(credentials::named(&store, name).await?.id),
                    None => None,
                };
                Ok::<_, anyhow::Error>(store.schemas().list(scope).await?)
            }
            .await;
            store.close().await;
            show(format, listed?, print_schemas, SchemaView::from)?;
        }
        SchemaCommand::Remove { tenant, urn, db } => {
            let store = open(&db).await?;
            let removed = async {
                let found = credentials::named(&store, &tenant).await?;
                match store
                    .schemas()
                    .remove(found.id, urn.trim(), Origin::named("cli"))
                    .await {
                    Err(StoreError::NotFound) => bail!(
                        "tenant {tenant:?} has no schema {urn:?}; `scimd schema list --tenant {tenant}` shows its schemas"
                    ),
                    other => Ok(other?),
                }
            }
            .await;
            store.close().await;
            let removed = removed?;
            println!(
                "removed {} (values deleted from {} resources)",
                removed.urn, removed.purged
            );
        }
    }
    Ok(())
}

fn read_document(file: &Path) -> anyhow::Result<Value> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", file.display()))
}

fn print_schemas(schemas: &[SchemaRecord]) {
    println!(
        "{:<16}  {:<5}  {:<8}  {:<10}  {:<16}  URN",
        "TENANT", "TYPE", "REQUIRED", "ATTRIBUTES", "ADDED"
    );
    for s in schemas {
        let attributes = s
            .document
            .get("attributes")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        println!(
            "{:<16}  {:<5}  {:<8}  {:<10}  {:<16}  {}",
            s.tenant,
            s.kind.as_str(),
            if s.required { "yes" } else { "no" },
            attributes,
            s.created_at.format("%Y-%m-%d %H:%M"),
            s.urn
        );
    }
}
