//! `select` over trusts built from the test fixtures (tests/fixtures/jwt, test-only keys).
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::*;

const RSA1_PRIVATE: &str = include_str!("../../tests/fixtures/jwt/rsa1_private.pem");
const RSA1_PUBLIC: &str = include_str!("../../tests/fixtures/jwt/rsa1_public.pem");
const EC_PRIVATE: &str = include_str!("../../tests/fixtures/jwt/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/jwt/ec_public.pem");
const JWKS: &str = include_str!("../../tests/fixtures/jwt/jwks.json");
const SECRET: &[u8] = b"a shared secret of at least 32 bytes!";
const ISS: &str = "https://idp.example/";
const AUD: &str = "scimd";

fn now() -> i64 {
    jsonwebtoken::get_current_timestamp() as i64
}

fn claims(extra: Value) -> Value {
    let mut base = json!({"iss": ISS, "aud": AUD, "sub": "idp", "exp": now() + 300});
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let key = match alg {
        Algorithm::HS256 => EncodingKey::from_secret(SECRET),
        Algorithm::RS256 => EncodingKey::from_rsa_pem(RSA1_PRIVATE.as_bytes()).unwrap(),
        _ => EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn trust(id: &str, alg: Algorithm, requirement: Option<&str>) -> Trust {
    let key = match alg {
        Algorithm::HS256 => KeyMaterial::parse(KeyKind::Secret, &secret_text(SECRET), alg),
        Algorithm::RS256 if id.starts_with("jwks") => KeyMaterial::parse(KeyKind::Jwks, JWKS, alg),
        Algorithm::RS256 => KeyMaterial::parse(KeyKind::Pem, RSA1_PUBLIC, alg),
        _ => KeyMaterial::parse(KeyKind::Pem, EC_PUBLIC, alg),
    }
    .unwrap();
    Trust {
        id: id.to_owned(),
        issuer: ISS.to_owned(),
        audience: AUD.to_owned(),
        algorithm: alg,
        key,
        requirement: requirement.map(|r| ClaimRequirement::parse(r).unwrap()),
    }
}

fn check(token: &str, trusts: &[Trust]) -> Result<String, Rejection> {
    let unverified = peek(token).expect("a JWT")?;
    select(token, &unverified, trusts).map(|v| v.trust.id.clone())
}

#[test]
fn each_algorithm_verifies_with_its_pinned_key() {
    let trusts = [
        trust("hs", Algorithm::HS256, None),
        trust("es", Algorithm::ES256, None),
    ];
    assert_eq!(
        check(&sign(Algorithm::HS256, None, &claims(json!({}))), &trusts),
        Ok("hs".into())
    );
    assert_eq!(
        check(&sign(Algorithm::ES256, None, &claims(json!({}))), &trusts),
        Ok("es".into())
    );
    let jwks = [trust("jwks", Algorithm::RS256, None)];
    let token = sign(Algorithm::RS256, Some("test-rsa-1"), &claims(json!({})));
    assert_eq!(check(&token, &jwks), Ok("jwks".into()));
}

#[test]
fn exp_and_nbf_allow_a_minute_of_skew_and_no_more() {
    let trusts = [trust("hs", Algorithm::HS256, None)];
    let at = |extra| check(&sign(Algorithm::HS256, None, &claims(extra)), &trusts);
    assert!(at(json!({"exp": now() - 30})).is_ok());
    assert_eq!(at(json!({"exp": now() - 120})), Err(Rejection::Expired));
    assert!(at(json!({"nbf": now() + 30})).is_ok());
    assert_eq!(at(json!({"nbf": now() + 300})), Err(Rejection::NotYetValid));
    let mut no_exp = claims(json!({}));
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        check(&sign(Algorithm::HS256, None, &no_exp), &trusts),
        Err(Rejection::MissingClaim("exp".into()))
    );
}

#[test]
fn a_claim_requirement_selects_the_tenant_among_trusts_of_one_issuer() {
    let trusts = [
        trust("a", Algorithm::HS256, Some("tid=A")),
        trust("b", Algorithm::HS256, Some("tid=B")),
    ];
    let with = |tid: Value| {
        check(
            &sign(Algorithm::HS256, None, &claims(json!({"tid": tid}))),
            &trusts,
        )
    };
    assert_eq!(with(json!("A")), Ok("a".into()));
    assert_eq!(with(json!(["x", "B"])), Ok("b".into()));
    assert_eq!(with(json!("C")), Err(Rejection::Requirement("tid".into())));
    let numeric = [trust("n", Algorithm::HS256, Some("level=3"))];
    let token = sign(Algorithm::HS256, None, &claims(json!({"level": 3})));
    assert_eq!(check(&token, &numeric), Ok("n".into()));
}

#[test]
fn two_trusts_accepting_one_token_is_ambiguous_not_first_match() {
    let trusts = [
        trust("a", Algorithm::HS256, None),
        trust("b", Algorithm::HS256, None),
    ];
    let token = sign(Algorithm::HS256, None, &claims(json!({})));
    assert_eq!(check(&token, &trusts), Err(Rejection::Ambiguous));
}

#[test]
fn the_detail_names_the_failure_of_the_trust_that_got_furthest() {
    // One trust fails on the signature, the other (whose key signed it) on the expiry: the
    // expiry is what the operator needs to hear.
    let mut other_key = trust("other", Algorithm::HS256, None);
    other_key.key = KeyMaterial::parse(
        KeyKind::Secret,
        &secret_text(b"another shared secret of 32 bytes or more"),
        Algorithm::HS256,
    )
    .unwrap();
    let trusts = [other_key, trust("hs", Algorithm::HS256, None)];
    let token = sign(Algorithm::HS256, None, &claims(json!({"exp": now() - 600})));
    assert_eq!(check(&token, &trusts), Err(Rejection::Expired));
    let fresh = sign(Algorithm::HS256, None, &claims(json!({})));
    assert_eq!(check(&fresh, &trusts), Ok("hs".into()));
}

#[test]
fn issuer_audience_and_algorithm_are_matched_exactly() {
    let trusts = [trust("rs", Algorithm::RS256, None)];
    let other_iss = claims(json!({"iss": "https://idp.example"}));
    assert!(matches!(
        check(&sign(Algorithm::RS256, None, &other_iss), &trusts),
        Err(Rejection::UnknownIssuer(_))
    ));
    let other_aud = claims(json!({"aud": ["x", "SCIMD"]}));
    assert_eq!(
        check(&sign(Algorithm::RS256, None, &other_aud), &trusts),
        Err(Rejection::Audience)
    );
    // HS256 signed with the RSA public key as the secret: the classic key confusion.
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(json!({})),
        &EncodingKey::from_secret(RSA1_PUBLIC.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        check(&confused, &trusts),
        Err(Rejection::Algorithm {
            got: "HS256".into(),
            pinned: "RS256".into()
        })
    );
}

#[test]
fn rejection_details_never_contain_the_token() {
    let trusts = [trust("hs", Algorithm::HS256, None)];
    let token = sign(Algorithm::HS256, None, &claims(json!({"exp": now() - 600})));
    let detail = check(&token, &trusts).unwrap_err().to_string();
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !detail.contains(signature) && !detail.contains(&token[..20]),
        "{detail}"
    );
}
