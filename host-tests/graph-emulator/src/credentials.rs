//! The app's credentials other than its secret: certificates whose keys sign client assertions
//! and federated identity credentials (workload identity), and the checks Entra ID makes on an
//! assertion (format, the key named by thumbprint, signature, audience, issuer and subject,
//! validity window, a `jti` used once), each refused with Entra ID's AADSTS code where known.

use std::collections::HashMap;
use std::sync::Mutex;

use http::StatusCode;
use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::clock;
use crate::codec;
use crate::error::LoginError;
use crate::{EmulatorConfig, FederatedCredential};

/// The `client_assertion_type` of a JWT assertion (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Clock skew tolerated on `nbf` and `exp`, as Entra ID allows for unsynchronised clients.
const SKEW_SECS: u64 = 300;

/// A registered certificate: its public key and the thumbprints that name it.
#[derive(Debug)]
struct Certificate {
    key: RsaPublicKey,
    sha1: Vec<u8>,
    sha256: Vec<u8>,
}

/// What the token endpoint checks assertions against; `jti`s seen stay until they expire.
#[derive(Debug)]
pub struct Credentials {
    certificates: Vec<Certificate>,
    federated: Vec<FederatedCredential>,
    /// Every audience the token endpoint answers to (its URL with the tenant id or domain).
    audiences: Vec<String>,
    client_id: String,
    seen_jti: Mutex<HashMap<String, u64>>,
}

impl Credentials {
    /// Panics on a certificate that is not PEM X.509 with an RSA key: a test's setup mistake.
    pub fn new(config: &EmulatorConfig, base_url: &str) -> Self {
        let certificates = config
            .certificates
            .iter()
            .map(|pem| {
                parse_certificate(pem)
                    .unwrap_or_else(|| panic!("not a PEM X.509 certificate with an RSA key: {pem}"))
            })
            .collect();
        let audiences = [config.tenant_id.as_str(), crate::tenant::DOMAIN]
            .iter()
            .flat_map(|tenant| {
                [
                    format!("{base_url}/{tenant}/oauth2/v2.0/token"),
                    format!("{base_url}/{tenant}/oauth2/token"),
                ]
            })
            .collect();
        Credentials {
            certificates,
            federated: config.federated_credentials.clone(),
            audiences,
            client_id: config.client_id.clone(),
            seen_jti: Mutex::new(HashMap::new()),
        }
    }

    /// Checks a client assertion: a certificate's (issued by the app itself) or a federated
    /// token (issued by a trusted external issuer).
    pub fn check_assertion(
        &self,
        assertion_type: Option<&str>,
        assertion: &str,
    ) -> Result<(), LoginError> {
        match assertion_type {
            None => return Err(missing("client_assertion_type")),
            Some(JWT_BEARER) => {}
            Some(other) => {
                return Err(LoginError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    50027,
                    format!("Invalid client_assertion_type '{other}'; expected '{JWT_BEARER}'."),
                ));
            }
        }
        let jwt = Jwt::parse(assertion).ok_or_else(|| {
            LoginError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50027,
                "JWT token is invalid or malformed.",
            )
        })?;
        let issuer = jwt.claim("iss").unwrap_or_default();
        if issuer.eq_ignore_ascii_case(&self.client_id) {
            self.check_certificate_assertion(&jwt)
        } else {
            self.check_federated_token(&jwt)
        }
    }

    fn check_certificate_assertion(&self, jwt: &Jwt) -> Result<(), LoginError> {
        if !jwt
            .claim("sub")
            .is_some_and(|s| s.eq_ignore_ascii_case(&self.client_id))
        {
            return Err(invalid_client(
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
            ));
        }
        let audience = jwt.claim("aud").unwrap_or_default();
        if !self
            .audiences
            .iter()
            .any(|a| a.eq_ignore_ascii_case(audience))
        {
            return Err(invalid_client(
                700023,
                "Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
            ));
        }
        let alg = jwt.header["alg"].as_str().unwrap_or_default();
        let by_sha256 = jwt.header["x5t#S256"]
            .as_str()
            .and_then(codec::base64url_decode);
        let by_sha1 = jwt.header["x5t"].as_str().and_then(codec::base64url_decode);
        let (thumbprint, certificate) = match (&by_sha256, &by_sha1) {
            (Some(t), _) => (t, self.certificates.iter().find(|c| c.sha256 == *t)),
            (None, Some(t)) => (t, self.certificates.iter().find(|c| c.sha1 == *t)),
            (None, None) => {
                return Err(invalid_client(
                    700027,
                    "Client assertion failed signature validation. [Reason - The key was not found.] The assertion's header names no certificate (x5t#S256 or x5t).",
                ));
            }
        };
        let hex: String = thumbprint.iter().map(|b| format!("{b:02X}")).collect();
        let Some(certificate) = certificate else {
            return Err(invalid_client(
                700027,
                format!(
                    "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{hex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]",
                    self.client_id
                ),
            ));
        };
        if !jwt.verify(alg, &certificate.key) {
            return Err(invalid_client(
                700027,
                format!(
                    "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{hex}', Found key 'Start=01/01/2026 00:00:00, End=01/01/2126 00:00:00']"
                ),
            ));
        }
        self.check_time(jwt)?;
        self.check_replay(jwt)
    }

    /// A federated token: iss, sub and aud must match a federated identity credential; the
    /// emulator's registered certificates stand in for the external issuer's signing keys.
    fn check_federated_token(&self, jwt: &Jwt) -> Result<(), LoginError> {
        let (issuer, subject) = (
            jwt.claim("iss").unwrap_or_default(),
            jwt.claim("sub").unwrap_or_default(),
        );
        let audiences: Vec<&str> = match &jwt.claims["aud"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let by_issuer: Vec<&FederatedCredential> = self
            .federated
            .iter()
            .filter(|f| f.issuer == issuer)
            .collect();
        if by_issuer.is_empty() {
            return Err(invalid_client(
                700211,
                format!(
                    "No matching federated identity record found for presented assertion issuer '{issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
                ),
            ));
        }
        let by_subject: Vec<&&FederatedCredential> =
            by_issuer.iter().filter(|f| f.subject == subject).collect();
        if by_subject.is_empty() {
            return Err(invalid_client(
                700213,
                format!(
                    "No matching federated identity record found for presented assertion subject '{subject}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
                ),
            ));
        }
        if !by_subject
            .iter()
            .any(|f| audiences.contains(&f.audience.as_str()))
        {
            return Err(invalid_client(
                700212,
                format!(
                    "No matching federated identity record found for presented assertion audience '{}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.",
                    audiences.join(",")
                ),
            ));
        }
        let alg = jwt.header["alg"].as_str().unwrap_or_default();
        if !self.certificates.iter().any(|c| jwt.verify(alg, &c.key)) {
            return Err(invalid_client(
                700027,
                "Client assertion failed signature validation. [Reason - The key used to sign the federated token was not found among the issuer's keys.]",
            ));
        }
        // A workload's federated token is reused until it expires: no replay check.
        self.check_time(jwt)
    }

    fn check_time(&self, jwt: &Jwt) -> Result<(), LoginError> {
        let now = clock::unix_now();
        let (nbf, exp) = (jwt.number("nbf"), jwt.number("exp"));
        let Some(exp) = exp else {
            return Err(LoginError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50027,
                "Invalid JWT token. The token has no 'exp' claim.",
            ));
        };
        if exp + SKEW_SECS < now || nbf.is_some_and(|nbf| nbf > now + SKEW_SECS) {
            return Err(invalid_client(
                700024,
                format!(
                    "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
                    clock::iso8601(now),
                    nbf.map_or_else(|| "(none)".into(), clock::iso8601),
                    clock::iso8601(exp)
                ),
            ));
        }
        Ok(())
    }

    /// A certificate assertion is good once. Entra ID documents no dedicated code for a
    /// replayed one; it answers it as an invalid assertion (AADSTS50013).
    fn check_replay(&self, jwt: &Jwt) -> Result<(), LoginError> {
        let now = clock::unix_now();
        let exp = jwt.number("exp").unwrap_or(now);
        if let Some(jti) = jwt.claim("jti") {
            let mut seen = self.seen_jti.lock().unwrap_or_else(|e| e.into_inner());
            seen.retain(|_, until| *until >= now);
            if seen.insert(jti.to_string(), exp + SKEW_SECS).is_some() {
                return Err(invalid_client(
                    50013,
                    format!(
                        "Assertion is invalid: the assertion with jti '{jti}' has already been used (replay)."
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A token as an external OIDC issuer (a Kubernetes cluster, GitHub Actions) hands its workload
/// for `credential`, valid for an hour. [`crate::TEST_PRIVATE_KEY_PEM`] signs it: the emulator
/// trusts its registered certificates' keys in place of the issuers' own.
pub fn test_federated_token(credential: &FederatedCredential) -> String {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer};
    let now = clock::unix_now();
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "issuer-key"});
    let claims = serde_json::json!({"iss": credential.issuer, "sub": credential.subject,
        "aud": credential.audience, "nbf": now, "iat": now, "exp": now + 3600});
    let input = format!(
        "{}.{}",
        codec::base64url_encode(header.to_string().as_bytes()),
        codec::base64url_encode(claims.to_string().as_bytes())
    );
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(crate::TEST_PRIVATE_KEY_PEM)
        .expect("the test key is a PKCS#8 RSA key");
    let signature = rsa::pkcs1v15::SigningKey::<Sha256>::new(key).sign(input.as_bytes());
    format!("{input}.{}", codec::base64url_encode(&signature.to_vec()))
}

fn missing(name: &str) -> LoginError {
    LoginError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

fn invalid_client(aadsts: u32, description: impl Into<String>) -> LoginError {
    LoginError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        aadsts,
        description,
    )
}

/// A compact JWS, decoded but not yet trusted.
struct Jwt {
    header: Value,
    claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jwt {
    fn parse(text: &str) -> Option<Jwt> {
        let mut parts = text.trim().split('.');
        let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let json = |part: &str| -> Option<Value> {
            serde_json::from_slice(&codec::base64url_decode(part)?)
                .ok()
                .filter(Value::is_object)
        };
        Some(Jwt {
            header: json(h)?,
            claims: json(c)?,
            signing_input: format!("{h}.{c}"),
            signature: codec::base64url_decode(s)?,
        })
    }

    fn claim(&self, name: &str) -> Option<&str> {
        self.claims[name].as_str()
    }

    fn number(&self, name: &str) -> Option<u64> {
        self.claims[name].as_u64()
    }

    /// PS256 (salt as long as the hash, as Entra ID expects) or RS256.
    fn verify(&self, alg: &str, key: &RsaPublicKey) -> bool {
        let message = self.signing_input.as_bytes();
        match alg {
            "PS256" => rsa::pss::Signature::try_from(self.signature.as_slice()).is_ok_and(|s| {
                rsa::pss::VerifyingKey::<Sha256>::new(key.clone())
                    .verify(message, &s)
                    .is_ok()
            }),
            "RS256" => {
                rsa::pkcs1v15::Signature::try_from(self.signature.as_slice()).is_ok_and(|s| {
                    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.clone())
                        .verify(message, &s)
                        .is_ok()
                })
            }
            _ => false,
        }
    }
}

fn parse_certificate(pem: &str) -> Option<Certificate> {
    let body = pem
        .split_once("-----BEGIN CERTIFICATE-----")?
        .1
        .split_once("-----END CERTIFICATE-----")?
        .0;
    let text: String = body
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    let der = codec::base64url_decode(&text)?;
    let key = RsaPublicKey::from_public_key_der(subject_public_key_info(&der)?).ok()?;
    Some(Certificate {
        key,
        sha1: Sha1::digest(&der).to_vec(),
        sha256: Sha256::digest(&der).to_vec(),
    })
}

/// The SubjectPublicKeyInfo of a DER certificate: the seventh element of tbsCertificate when
/// the explicit version is present (RFC 5280 section 4.1), found by walking DER lengths.
fn subject_public_key_info(der: &[u8]) -> Option<&[u8]> {
    let certificate = contents(der)?;
    let mut tbs = contents(certificate)?;
    if tbs.first() == Some(&0xA0) {
        tbs = &tbs[element_len(tbs)?..];
    }
    for _ in 0..5 {
        // serialNumber, signature, issuer, validity, subject
        tbs = tbs.get(element_len(tbs)?..)?;
    }
    tbs.get(..element_len(tbs)?)
}

/// The contents of the element at the start of `der`.
fn contents(der: &[u8]) -> Option<&[u8]> {
    let (header, len) = header_and_len(der)?;
    der.get(header..header + len)
}

/// The whole length (header included) of the element at the start of `der`.
fn element_len(der: &[u8]) -> Option<usize> {
    let (header, len) = header_and_len(der)?;
    Some(header + len)
}

fn header_and_len(der: &[u8]) -> Option<(usize, usize)> {
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some((2, first as usize));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let len = der
        .get(2..2 + n)?
        .iter()
        .fold(0usize, |acc, b| acc << 8 | *b as usize);
    Some((2 + n, len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{RandomizedSigner, SignatureEncoding};

    const BASE: &str = "http://127.0.0.1:1";

    fn credentials() -> Credentials {
        Credentials::new(&EmulatorConfig::default(), BASE)
    }

    fn sign(header: Value, claims: Value) -> String {
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(crate::TEST_PRIVATE_KEY_PEM).unwrap();
        let input = format!(
            "{}.{}",
            codec::base64url_encode(header.to_string().as_bytes()),
            codec::base64url_encode(claims.to_string().as_bytes())
        );
        let signature = match header["alg"].as_str() {
            Some("RS256") => rsa::pkcs1v15::SigningKey::<Sha256>::new(key)
                .sign_with_rng(&mut rand_core::OsRng, input.as_bytes())
                .to_vec(),
            _ => rsa::pss::SigningKey::<Sha256>::new(key)
                .sign_with_rng(&mut rand_core::OsRng, input.as_bytes())
                .to_vec(),
        };
        format!("{input}.{}", codec::base64url_encode(&signature))
    }

    fn test_certificate() -> Certificate {
        parse_certificate(crate::TEST_CERTIFICATE_PEM).unwrap()
    }

    fn claims(jti: &str) -> Value {
        let config = EmulatorConfig::default();
        let now = clock::unix_now();
        serde_json::json!({
            "aud": format!("{BASE}/{}/oauth2/v2.0/token", config.tenant_id),
            "iss": config.client_id, "sub": config.client_id,
            "jti": jti, "nbf": now, "iat": now, "exp": now + 600,
        })
    }

    fn ps256_header() -> Value {
        serde_json::json!({"alg": "PS256", "typ": "JWT", "x5t#S256": codec::base64url_encode(&test_certificate().sha256)})
    }

    fn aadsts(result: Result<(), LoginError>) -> u32 {
        result.unwrap_err().aadsts
    }

    #[test]
    fn accepts_ps256_and_rs256_assertions_once() {
        let creds = credentials();
        let assertion = sign(ps256_header(), claims("a"));
        creds.check_assertion(Some(JWT_BEARER), &assertion).unwrap();
        assert_eq!(
            aadsts(creds.check_assertion(Some(JWT_BEARER), &assertion)),
            50013
        );
        let rs256 = serde_json::json!({"alg": "RS256", "x5t": codec::base64url_encode(&test_certificate().sha1)});
        creds
            .check_assertion(Some(JWT_BEARER), &sign(rs256, claims("b")))
            .unwrap();
    }

    #[test]
    fn refuses_like_entra_id() {
        let creds = credentials();
        let check = |header: Value, claims: Value| {
            aadsts(creds.check_assertion(Some(JWT_BEARER), &sign(header, claims)))
        };
        let mut other = claims("c");
        other["aud"] = "https://login.microsoftonline.com/x/oauth2/v2.0/token".into();
        assert_eq!(check(ps256_header(), other), 700023);
        let mut other = claims("d");
        other["sub"] = "someone-else".into();
        assert_eq!(check(ps256_header(), other), 700021);
        let mut other = claims("e");
        other["exp"] = (clock::unix_now() - 3600).into();
        assert_eq!(check(ps256_header(), other), 700024);
        let unknown =
            serde_json::json!({"alg": "PS256", "x5t#S256": codec::base64url_encode(&[7; 32])});
        assert_eq!(check(unknown, claims("f")), 700027);
        let mut wrong_alg = ps256_header();
        wrong_alg["alg"] = "RS256".into();
        let signed_ps = sign(ps256_header(), claims("g"));
        let (_, rest) = signed_ps.split_once('.').unwrap();
        let forged = format!(
            "{}.{rest}",
            codec::base64url_encode(wrong_alg.to_string().as_bytes())
        );
        assert_eq!(
            aadsts(creds.check_assertion(Some(JWT_BEARER), &forged)),
            700027
        );
        assert_eq!(
            aadsts(creds.check_assertion(Some(JWT_BEARER), "not.a.jwt")),
            50027
        );
        assert_eq!(aadsts(creds.check_assertion(None, "x")), 900144);
    }

    #[test]
    fn federated_tokens_match_a_federated_credential() {
        let config = EmulatorConfig {
            federated_credentials: vec![FederatedCredential {
                issuer: "https://issuer.example".into(),
                subject: "system:serviceaccount:scim:connector".into(),
                audience: "api://AzureADTokenExchange".into(),
            }],
            ..EmulatorConfig::default()
        };
        let creds = Credentials::new(&config, BASE);
        let now = clock::unix_now();
        let token = |iss: &str, sub: &str, aud: &str, jti: &str| {
            sign(
                serde_json::json!({"alg": "RS256", "kid": "k1"}),
                serde_json::json!({"iss": iss, "sub": sub, "aud": aud, "jti": jti, "nbf": now, "exp": now + 3600}),
            )
        };
        let check = |t: String| creds.check_assertion(Some(JWT_BEARER), &t);
        check(token(
            "https://issuer.example",
            "system:serviceaccount:scim:connector",
            "api://AzureADTokenExchange",
            "1",
        ))
        .unwrap();
        assert_eq!(
            aadsts(check(token(
                "https://other.example",
                "x",
                "api://AzureADTokenExchange",
                "2"
            ))),
            700211
        );
        assert_eq!(
            aadsts(check(token(
                "https://issuer.example",
                "x",
                "api://AzureADTokenExchange",
                "3"
            ))),
            700213
        );
        assert_eq!(
            aadsts(check(token(
                "https://issuer.example",
                "system:serviceaccount:scim:connector",
                "api://other",
                "4"
            ))),
            700212
        );
    }
}
