//! `scimd jwt add|list|remove` and `scimd client create|list|revoke`.
use anyhow::{Context, bail};

use super::credentials::{self, when};
use super::{open, show};
use crate::api::{ClientView, TrustView};
use crate::cli::{ClientCommand, JwtAddArgs, JwtCommand};
use crate::jwt::{self, ClaimRequirement, KeyKind, NewTrust};
use crate::store::{ClientInfo, TrustInfo};
use crate::worker::jwks;

pub(super) async fn jwt(command: JwtCommand) -> anyhow::Result<()> {
    match command {
        JwtCommand::Add(args) => add(args).await?,
        JwtCommand::List { tenant, format, db } => {
            let trusts = credentials::list::<TrustInfo>(tenant.as_deref(), &db).await?;
            show(format, trusts, print_trusts, TrustView::from)?;
        }
        JwtCommand::Remove { id, db } => credentials::end::<TrustInfo>(&id, &db, "removed").await?,
    }
    Ok(())
}

async fn add(args: JwtAddArgs) -> anyhow::Result<()> {
    let requirement = args
        .require_claim
        .as_deref()
        .map(ClaimRequirement::parse)
        .transpose()?;
    let new = match &args.jwks_url {
        Some(url) => fetched_trust(&args, url, requirement).await?,
        None => file_trust(&args, requirement)?,
    };
    let store = open(&args.db).await?;
    let added = async {
        let tenant = credentials::named(&store, &args.tenant).await?;
        let (info, rotated) = store.jwt_trusts().add(&tenant, &new).await?;
        let others = store.jwt_trusts().list(None).await?;
        Ok::<_, anyhow::Error>((info, rotated, others))
    }
    .await;
    store.close().await;
    let (info, rotated, others) = added?;
    if rotated {
        eprintln!("replaced the key of the existing trust {}", info.id);
    }
    for other in others.iter().filter(|o| overlaps(o, &info)) {
        eprintln!(
            "warning: trust {} (tenant {}) accepts the same issuer and audience; a token both \
             accept is refused as ambiguous. Tell them apart with --require-claim NAME=VALUE",
            other.id, other.tenant
        );
    }
    println!("{}", info.id);
    Ok(())
}

/// A trust whose key material is in the file the arguments name.
fn file_trust(
    args: &JwtAddArgs,
    requirement: Option<ClaimRequirement>,
) -> anyhow::Result<NewTrust> {
    let (kind, path) = match (
        &args.hs256_secret_file,
        &args.public_key_file,
        &args.jwks_file,
    ) {
        (Some(path), _, _) => (KeyKind::Secret, path),
        (_, Some(path), _) => (KeyKind::Pem, path),
        (_, _, Some(path)) => (KeyKind::Jwks, path),
        _ => bail!("give --hs256-secret-file, --public-key-file, --jwks-file or --jwks-url"),
    };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let material = match kind {
        KeyKind::Secret => {
            // A secret written with `echo` ends in a newline that is not part of it.
            let secret = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            jwt::secret_text(secret.strip_suffix(b"\r").unwrap_or(secret))
        }
        _ => String::from_utf8(bytes).with_context(|| format!("{} is not text", path.display()))?,
    };
    NewTrust::new(
        &args.issuer,
        &args.audience,
        args.algorithm,
        kind,
        material,
        requirement,
    )
    .with_context(|| format!("cannot trust {}", path.display()))
}

/// A trust whose JWKS is fetched from `url` now, and again by the server later: a URL that
/// cannot be fetched, or gives no usable key, is an error now rather than a 401 later.
async fn fetched_trust(
    args: &JwtAddArgs,
    url: &str,
    requirement: Option<ClaimRequirement>,
) -> anyhow::Result<NewTrust> {
    let algorithm = args
        .algorithm
        .unwrap_or_else(|| jwt::default_algorithm(KeyKind::Jwks, ""));
    let material = jwks::fetch(url, algorithm)
        .await
        .with_context(|| format!("cannot use the JWKS at {url}"))?;
    NewTrust::new(
        &args.issuer,
        &args.audience,
        Some(algorithm),
        KeyKind::Jwks,
        material,
        requirement,
    )?
    .fetched_from(url)
    .with_context(|| format!("cannot trust the JWKS at {url}"))
}

/// Two trusts of one issuer and audience accept disjoint tokens only if both require the
/// same claim with different values.
fn overlaps(other: &TrustInfo, new: &TrustInfo) -> bool {
    let name = |t: &TrustInfo| {
        t.requirement
            .as_deref()
            .and_then(|r| r.split_once('='))
            .map(|(n, _)| n.to_owned())
    };
    other.id != new.id
        && other.issuer == new.issuer
        && other.audience == new.audience
        && !(name(other).is_some()
            && name(other) == name(new)
            && other.requirement != new.requirement)
}

pub(super) async fn client(command: ClientCommand) -> anyhow::Result<()> {
    match command {
        ClientCommand::Create {
            tenant: name,
            label,
            db,
        } => {
            let store = open(&db).await?;
            let created = async {
                let tenant = credentials::named(&store, &name).await?;
                Ok::<_, anyhow::Error>(
                    store
                        .oauth_clients()
                        .create(&tenant, label.as_deref())
                        .await?,
                )
            }
            .await;
            store.close().await;
            let (info, secret) = created?;
            println!("client_id:     {}", info.id);
            println!("client_secret: {secret}");
        }
        ClientCommand::List { tenant, format, db } => {
            let clients = credentials::list::<ClientInfo>(tenant.as_deref(), &db).await?;
            show(format, clients, print_clients, ClientView::from)?;
        }
        ClientCommand::Revoke { id, db } => {
            credentials::end::<ClientInfo>(&id, &db, "revoked").await?;
        }
    }
    Ok(())
}

fn print_trusts(trusts: &[TrustInfo]) {
    println!(
        "{:<36}  {:<16}  {:<6}  {:<16}  {:<16}  ISSUER / AUDIENCE / CLAIM / KEYS",
        "ID", "TENANT", "ALG", "KEY", "UPDATED"
    );
    for t in trusts {
        println!(
            "{:<36}  {:<16}  {:<6}  {:<16}  {:<16}  {} / {} / {} / {}",
            t.id,
            t.tenant,
            t.algorithm,
            t.key_kind,
            when(Some(t.updated_at)),
            t.issuer,
            t.audience,
            t.requirement.as_deref().unwrap_or("-"),
            keys(t)
        );
    }
}

/// The kids, and for a trust fetched from a URL, where from, when and the last failure.
fn keys(t: &TrustInfo) -> String {
    let mut keys = if t.key_ids.is_empty() {
        "-".to_owned()
    } else {
        t.key_ids.join(",")
    };
    if let Some(url) = &t.jwks_url {
        keys.push_str(&format!(" from {url}, fetched {}", when(t.fetched_at)));
        if let Some(error) = &t.fetch_error {
            keys.push_str(&format!(", last refresh failed: {error}"));
        }
    }
    keys
}

fn print_clients(clients: &[ClientInfo]) {
    println!(
        "{:<36}  {:<16}  {:<16}  {:<16}  {:<16}  LABEL",
        "CLIENT ID", "TENANT", "CREATED", "REVOKED", "LAST USED"
    );
    for c in clients {
        println!(
            "{:<36}  {:<16}  {:<16}  {:<16}  {:<16}  {}",
            c.id,
            c.tenant,
            when(Some(c.created_at)),
            when(c.revoked_at),
            when(c.last_used_at),
            c.label.as_deref().unwrap_or("")
        );
    }
}
