//! Reads a Spin manifest (spin.toml, version 2): the subset the connector uses, validated the
//! way Spin validates it, with component sources resolved against the manifest's directory.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wasmtime::{Result, bail, error::Context as _};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, ComponentDecl>,
    /// Where the manifest was read from; component sources are relative to it.
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, Deserialize)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
pub struct HttpTrigger {
    pub route: RouteSpec,
    pub component: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RouteSpec {
    /// `route = "/scim/..."`: reachable from outside.
    Path(String),
    /// `route = { private = true }`: reachable only through `<id>.spin.internal`.
    Private { private: bool },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentDecl {
    pub source: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// `spin build` instructions; scim-host takes components already built.
    #[serde(default)]
    pub build: Option<toml::Value>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the Spin manifest {}", path.display()))?;
        let mut manifest: Manifest = toml::from_str(&text)
            .with_context(|| format!("{} is not a valid Spin manifest", path.display()))?;
        manifest.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        manifest.validate().with_context(|| format!("in {}", path.display()))?;
        Ok(manifest)
    }

    pub fn source_path(&self, component: &ComponentDecl) -> PathBuf {
        self.dir.join(&component.source)
    }

    fn validate(&self) -> Result<()> {
        if self.spin_manifest_version != 2 {
            bail!("spin_manifest_version must be 2, found {}", self.spin_manifest_version);
        }
        for (name, decl) in &self.variables {
            check_variable_name(name)?;
            if decl.required && decl.default.is_some() {
                bail!("variable `{name}` cannot be both required and have a default");
            }
        }
        for trigger in &self.trigger.http {
            if !self.component.contains_key(&trigger.component) {
                bail!("an HTTP trigger names component `{}`, which is not declared", trigger.component);
            }
            match &trigger.route {
                RouteSpec::Path(route) if !route.starts_with('/') => {
                    bail!("route `{route}` of component `{}` must start with '/'", trigger.component)
                }
                RouteSpec::Private { private: false } => {
                    bail!("component `{}`: a route table must say `private = true`", trigger.component)
                }
                _ => {}
            }
        }
        for (id, component) in &self.component {
            for (name, template) in &component.variables {
                check_variable_name(name)?;
                for reference in template_references(template)? {
                    if !self.variables.contains_key(reference) {
                        bail!("component `{id}` variable `{name}` refers to undeclared variable `{reference}`");
                    }
                }
            }
            for host in &component.allowed_outbound_hosts {
                for reference in template_references(host)? {
                    if !self.variables.contains_key(reference) {
                        bail!("component `{id}` outbound host `{host}` refers to undeclared variable `{reference}`");
                    }
                }
            }
        }
        Ok(())
    }
}

/// Spin's rule: lower-case ASCII letters, digits and underscores, starting with a letter.
pub fn check_variable_name(name: &str) -> Result<()> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        bail!("`{name}` is not a valid variable name (lower-case letters, digits and '_', starting with a letter)");
    }
    Ok(())
}

/// The variable names a `{{ name }}` template refers to.
pub fn template_references(template: &str) -> Result<Vec<&str>> {
    let mut references = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            bail!("unclosed `{{{{` in `{template}`");
        };
        references.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    Ok(references)
}

/// Expands `{{ name }}` references with `lookup`.
pub fn expand_template(template: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").with_context(|| format!("unclosed `{{{{` in `{template}`"))?;
        let name = after[..end].trim();
        out.push_str(&lookup(name).with_context(|| format!("variable `{name}` has no value"))?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest> {
        let manifest: Manifest = toml::from_str(text)?;
        manifest.validate()?;
        Ok(manifest)
    }

    const BASE: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
token = { required = true, secret = true }
base = { default = "https://graph.microsoft.com" }
[[trigger.http]]
route = "/..."
component = "front"
[[trigger.http]]
route = { private = true }
component = "back"
[component.front]
source = "front.wasm"
allowed_outbound_hosts = ["http://back.spin.internal"]
[component.front.variables]
token = "{{ token }}"
[component.back]
source = "back.wasm"
allowed_outbound_hosts = ["{{ base }}"]
"#;

    #[test]
    fn reads_public_and_private_triggers() {
        let manifest = parse(BASE).unwrap();
        assert_eq!(manifest.trigger.http[0].route, RouteSpec::Path("/...".into()));
        assert_eq!(manifest.trigger.http[1].route, RouteSpec::Private { private: true });
        assert!(manifest.variables["token"].secret);
    }

    #[test]
    fn rejects_undeclared_variable_references() {
        let bad = BASE.replace("{{ base }}", "{{ nowhere }}");
        let error = parse(&bad).unwrap_err().to_string();
        assert!(error.contains("nowhere"), "{error}");
    }

    #[test]
    fn rejects_trigger_for_missing_component() {
        let bad = BASE.replace("component = \"back\"", "component = \"ghost\"");
        assert!(parse(&bad).unwrap_err().to_string().contains("ghost"));
    }

    #[test]
    fn rejects_required_variable_with_default() {
        let bad = BASE.replace("token = { required = true, secret = true }", "token = { required = true, default = \"x\" }");
        assert!(parse(&bad).unwrap_err().to_string().contains("both required"));
    }

    #[test]
    fn expands_templates() {
        let value = expand_template("a{{ x }}b{{y}}", |n| Some(n.to_uppercase())).unwrap();
        assert_eq!(value, "aXbY");
        assert!(expand_template("{{ x ", |_| Some(String::new())).is_err());
        assert!(expand_template("{{ x }}", |_| None).is_err());
    }
}
