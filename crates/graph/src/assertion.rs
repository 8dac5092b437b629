//! The signed JWT a certificate credential sends as `client_assertion`, in the format the
//! Microsoft identity platform documents for certificate credentials: header naming the
//! certificate by thumbprint, claims aud/iss/sub/jti/nbf/iat/exp, signed PS256 or RS256.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::OsRng;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use serde_json::json;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::config::{AssertionAlgorithm, CertificateCredential};
use crate::error::Error;
use crate::random;

/// How long an assertion is valid. Short: it is used once, right away; the endpoint refuses a
/// replayed one anyway, and a leaked one is worthless soon.
const LIFETIME: Duration = Duration::from_secs(600);

/// `client_assertion_type` for a JWT client assertion (RFC 7523).
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// base64url SHA-256 of the DER certificate: the `x5t#S256` header.
pub(crate) fn thumbprint_sha256(certificate_der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(certificate_der))
}

/// A fresh assertion for `audience` (the token endpoint's URL), issued by `client_id` at `now`.
pub(crate) fn client_assertion(
    credential: &CertificateCredential,
    audience: &str,
    client_id: &str,
    now: SystemTime,
) -> Result<String, Error> {
    let header = match credential.algorithm {
        AssertionAlgorithm::Ps256 => json!({
            "alg": "PS256",
            "typ": "JWT",
            "x5t#S256": thumbprint_sha256(&credential.certificate_der),
        }),
        AssertionAlgorithm::Rs256 => json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5t": URL_SAFE_NO_PAD.encode(Sha1::digest(&credential.certificate_der)),
        }),
    };
    let issued = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| Error::Credential {
            message: "the clock is before 1970; cannot date a client assertion".into(),
        })?
        .as_secs();
    let claims = json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": random::guid(),
        "nbf": issued,
        "iat": issued,
        "exp": issued + LIFETIME.as_secs(),
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    // Both signers blind the private-key operation with fresh randomness (timing side channels).
    let signature = match credential.algorithm {
        AssertionAlgorithm::Ps256 => {
            rsa::pss::BlindedSigningKey::<Sha256>::new(credential.key.clone())
                .sign_with_rng(&mut OsRng, signing_input.as_bytes())
                .to_vec()
        }
        AssertionAlgorithm::Rs256 => {
            rsa::pkcs1v15::SigningKey::<Sha256>::new(credential.key.clone())
                .sign_with_rng(&mut OsRng, signing_input.as_bytes())
                .to_vec()
        }
    };
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}
