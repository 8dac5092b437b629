//! The tenant a component serves, as its Spin variables describe it: where Graph is, how the
//! connector signs in (`credential_type` and the variables that type reads), and what kind of
//! directory it is (`tenant_type`: Entra ID, or Azure AD B2C with its sign-in names and custom
//! attributes). A variable that cannot work is a 500 naming it, never quoting a secret.

use graph::{AssertionAlgorithm, CertificateCredential, Credential, GraphConfig, IMDS_ENDPOINT, ManagedIdentity};
use scim::error::ScimError;
use scim_graph::UserNames;

/// What the component's variables say about the tenant it serves.
pub(crate) struct Tenant {
    pub(crate) graph: GraphConfig,
    pub(crate) user_names: UserNames,
    /// Whether Graph answers advanced queries here (`$count`, `ne`, `$orderby` with filters):
    /// not in Azure AD B2C tenants.
    pub(crate) advanced_queries: bool,
    /// User properties read beside the usual ones: a B2C tenant's custom attributes.
    pub(crate) user_properties: Vec<String>,
}

pub(crate) async fn read_config() -> Result<Tenant, ScimError> {
    let credential = read_credential().await?;
    // A managed identity is its own client; the app registration's id is not needed then.
    let client_id = match credential {
        Credential::ManagedIdentity(_) => variable("client_id").await.unwrap_or_default(),
        _ => required("client_id").await?,
    };
    let graph = GraphConfig {
        graph_base_url: variable("graph_base_url").await?.trim_end_matches('/').to_string(),
        login_base_url: variable("login_base_url").await?.trim_end_matches('/').to_string(),
        tenant_id: variable("tenant_id").await?,
        client_id,
        credential,
    };
    let upn_domain = variable("upn_domain").await?;
    let (user_names, advanced_queries) = match variable("tenant_type").await?.trim() {
        "entra_id" | "" => (UserNames::with_default_domain(&upn_domain), true),
        "b2c" if upn_domain.trim().is_empty() => {
            return Err(not_configured(
                "tenant_type b2c needs upn_domain: the B2C tenant's domain, which issues local accounts' sign-in names".into(),
            ));
        }
        "b2c" => {
            let names = b2c_custom_attribute_names().await?;
            let b2c = UserNames::b2c(&upn_domain);
            let b2c = match names.is_empty() {
                true => b2c,
                false => b2c
                    .with_custom_attributes(&required("b2c_extensions_app_id").await?, &names)
                    .map_err(|e| not_configured(format!("b2c_custom_attributes: {e}")))?,
            };
            (b2c, false)
        }
        other => return Err(not_configured(format!("tenant_type `{other}` is neither entra_id nor b2c"))),
    };
    let user_properties = user_names.custom_properties();
    Ok(Tenant { graph, user_names, advanced_queries, user_properties })
}

/// The credential `credential_type` names, from the variables that type reads.
async fn read_credential() -> Result<Credential, ScimError> {
    let credential_type = variable("credential_type").await?;
    match credential_type.trim() {
        "client_secret" => Ok(Credential::ClientSecret(required("client_secret").await?)),
        "certificate" => {
            let algorithm = match variable("client_assertion_algorithm").await?.trim() {
                "PS256" | "" => AssertionAlgorithm::Ps256,
                "RS256" => AssertionAlgorithm::Rs256,
                other => return Err(not_configured(format!("client_assertion_algorithm `{other}` is neither PS256 nor RS256"))),
            };
            let key = required("client_private_key").await?;
            let certificate = required("client_certificate").await?;
            CertificateCredential::from_pem(&key, &certificate, algorithm)
                .map(Credential::Certificate)
                .map_err(|e| not_configured(format!("client_certificate / client_private_key: {e}")))
        }
        "managed_identity" => {
            let endpoint = variable("managed_identity_endpoint").await?;
            let header = variable("managed_identity_header").await?;
            let client_id = Some(variable("managed_identity_client_id").await?).filter(|id| !id.is_empty());
            // As Azure's SDKs decide: an identity header means App Service (or Functions,
            // Container Apps); without one, the VM's Instance Metadata Service.
            Ok(Credential::ManagedIdentity(match (endpoint.is_empty(), header.is_empty()) {
                (false, false) => ManagedIdentity::AppService { endpoint, identity_header: header, client_id },
                (true, false) => return Err(not_configured("managed_identity_header is set but managed_identity_endpoint is not (App Service's IDENTITY_ENDPOINT)".into())),
                (_, true) => ManagedIdentity::Imds {
                    endpoint: if endpoint.is_empty() { IMDS_ENDPOINT.to_string() } else { endpoint },
                    client_id,
                },
            }))
        }
        "federated_token" => Ok(Credential::FederatedToken(required("federated_token").await?)),
        other => Err(not_configured(format!(
            "credential_type `{other}` is not one of client_secret, certificate, managed_identity, federated_token"
        ))),
    }
}

/// A variable the configuration cannot do without: empty is as good as missing.
async fn required(name: &str) -> Result<String, ScimError> {
    let value = variable(name).await?;
    if value.trim().is_empty() {
        return Err(not_configured(format!("variable {name} is empty")));
    }
    Ok(value)
}

/// A B2C tenant's custom attribute names (`b2c_custom_attributes`, comma-separated).
pub async fn b2c_custom_attribute_names() -> Result<Vec<String>, ScimError> {
    let list = variable("b2c_custom_attributes").await?;
    Ok(list.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_string).collect())
}

/// The component's Spin variable `name`; one it does not have is a 500 naming it.
pub async fn variable(name: &str) -> Result<String, ScimError> {
    spin_sdk::variables::get(name).await.map_err(|e| not_configured(format!("variable {name}: {e}")))
}

fn not_configured(detail: String) -> ScimError {
    ScimError::internal(format!("the connector is not configured: {detail}"))
}
