//! Where the client talks to and who it is: base URLs, tenant, app registration and its credential.
//! Secrets live here only; `Debug` redacts them so a logged config cannot leak one.

use std::fmt;

#[derive(Debug, Clone)]
pub struct GraphConfig {
    /// e.g. `https://graph.microsoft.com` (a trailing slash is tolerated); also the token scope's base.
    pub graph_base_url: String,
    /// e.g. `https://login.microsoftonline.com`.
    pub login_base_url: String,
    pub tenant_id: String,
    pub client_id: String,
    pub credential: Credential,
}

impl GraphConfig {
    pub(crate) fn graph_base(&self) -> &str {
        self.graph_base_url.trim_end_matches('/')
    }

    pub(crate) fn login_base(&self) -> &str {
        self.login_base_url.trim_end_matches('/')
    }

    /// The client-credentials scope: every application permission granted on Graph.
    pub(crate) fn scope(&self) -> String {
        format!("{}/.default", self.graph_base())
    }
}

/// How the app proves its identity to the token endpoint. Non-exhaustive because certificate
/// assertions and managed identity come next; each variant decides its own token request.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    ClientSecret(String),
}

impl Credential {
    /// The secret material, so error texts can be scrubbed of it.
    pub(crate) fn secret(&self) -> &str {
        match self {
            Credential::ClientSecret(secret) => secret,
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ClientSecret(_) => f.write_str("ClientSecret(<redacted>)"),
        }
    }
}
