//! `scimd jwt …` (external JWT issuers a tenant trusts) and `scimd client …` (OAuth 2.0
//! clients for the client credentials grant at `/oauth/token`).
use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};
use jsonwebtoken::Algorithm;

use super::{DatabaseArgs, ListFormat};

#[derive(Debug, Subcommand)]
pub enum JwtCommand {
    /// Trust JWTs of an issuer for a tenant; prints the trust's id. Adding the same tenant,
    /// issuer, audience and claim requirement again replaces the key (rotation).
    Add(JwtAddArgs),
    /// List trusts (never an HS secret).
    List {
        /// Only this tenant's; by default every tenant's.
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        format: ListFormat,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Remove a trust by id; its tokens stop working at once.
    Remove {
        /// The trust's id, as `scimd jwt list` shows it.
        id: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("key")
        .required(true)
        .args(["hs256_secret_file", "public_key_file", "jwks_file", "jwks_url"])
))]
pub struct JwtAddArgs {
    /// The tenant the tokens authenticate as.
    #[arg(long)]
    pub tenant: String,
    /// The exact `iss` of the tokens, e.g. `https://sts.windows.net/<Entra tenant id>/`.
    #[arg(long)]
    pub issuer: String,
    /// The `aud` the tokens carry, e.g. `8adf8e6e-67b2-4cf2-a259-e3dc5476c621` (Entra ID).
    #[arg(long)]
    pub audience: String,
    /// A file holding the shared HMAC secret: at least 32 bytes, a final newline is ignored.
    /// scimd stores it, since verifying an HMAC needs the secret itself.
    #[arg(long, value_name = "FILE")]
    pub hs256_secret_file: Option<PathBuf>,
    /// A PEM file with the issuer's public key (RSA or EC) or certificate.
    #[arg(long, value_name = "PEM")]
    pub public_key_file: Option<PathBuf>,
    /// A JWKS file with the issuer's keys; tokens must name one by `kid`.
    #[arg(long, value_name = "FILE")]
    pub jwks_file: Option<PathBuf>,
    /// The issuer's JWKS URL (https), fetched now and again every SCIMD_JWKS_REFRESH and
    /// for a token naming an unknown `kid`, e.g.
    /// `https://login.microsoftonline.com/<Entra tenant id>/discovery/v2.0/keys`.
    #[arg(long, value_name = "URL")]
    pub jwks_url: Option<String>,
    /// The one algorithm to accept: HS256/384/512, RS256/384/512, PS256/384/512, ES256 or
    /// ES384. Default: HS256 for a secret, ES256/ES384 for an EC key, RS256 otherwise.
    #[arg(long, value_parser = parse_algorithm)]
    pub algorithm: Option<Algorithm>,
    /// A claim tokens must carry, NAME=VALUE (e.g. scimd_tenant=acme): tells apart
    /// tenants that trust the same issuer and audience.
    #[arg(long, value_name = "NAME=VALUE")]
    pub require_claim: Option<String>,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register an OAuth client; prints its client id and secret, once.
    Create {
        /// The tenant the client's access tokens authenticate as.
        #[arg(long)]
        tenant: String,
        /// A note on what the client is for, e.g. "Entra ID gallery app".
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List clients (never their secrets) with their last use.
    List {
        /// Only this tenant's; by default every tenant's.
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        format: ListFormat,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a client by id: no new tokens, and its tokens stop working at once.
    Revoke {
        /// The client id, as `scimd client list` shows it.
        id: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn parse_algorithm(text: &str) -> Result<Algorithm, String> {
    crate::jwt::parse_algorithm(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    #[test]
    fn jwt_add_needs_exactly_one_key_source() {
        let base = [
            "scimd",
            "jwt",
            "add",
            "--tenant",
            "t",
            "--issuer",
            "i",
            "--audience",
            "a",
        ];
        assert!(Cli::try_parse_from(base).is_err());
        let both = [&base[..], &["--jwks-file", "k", "--public-key-file", "p"]].concat();
        assert!(Cli::try_parse_from(both).is_err());
        let one = [&base[..], &["--jwks-file", "k", "--algorithm", "rs384"]].concat();
        let Some(Command::Jwt {
            command: super::JwtCommand::Add(args),
        }) = Cli::try_parse_from(one).unwrap().command
        else {
            panic!("expected jwt add");
        };
        assert_eq!(args.algorithm, Some(jsonwebtoken::Algorithm::RS384));
        let none = [&base[..], &["--jwks-file", "k", "--algorithm", "none"]].concat();
        assert!(Cli::try_parse_from(none).is_err());
        let url_and_file = [
            &base[..],
            &["--jwks-url", "https://i/keys", "--jwks-file", "k"],
        ];
        assert!(Cli::try_parse_from(url_and_file.concat()).is_err());
        let url = [&base[..], &["--jwks-url", "https://i/keys"]].concat();
        let Some(Command::Jwt {
            command: super::JwtCommand::Add(args),
        }) = Cli::try_parse_from(url).unwrap().command
        else {
            panic!("expected jwt add");
        };
        assert_eq!(args.jwks_url.as_deref(), Some("https://i/keys"));
    }
}
