//! Spin variables: application variables resolved from explicit overrides, then
//! `SPIN_VARIABLE_<NAME>` environment variables (as Spin does locally), then manifest defaults;
//! component variables expanded from their `{{ name }}` templates; and the `spin:variables`
//! interface that components call to read them.

use crate::manifest::{Manifest, expand_template};
use std::collections::BTreeMap;
use wasmtime::{Result, bail};

/// Application variables with values, resolved once at start-up.
pub struct AppVariables {
    values: BTreeMap<String, String>,
}

impl AppVariables {
    /// Fails, naming every missing one, if a required variable has no value.
    pub fn resolve(manifest: &Manifest, overrides: &BTreeMap<String, String>) -> Result<AppVariables> {
        let mut values = BTreeMap::new();
        let mut missing = Vec::new();
        for (name, decl) in &manifest.variables {
            let value = overrides
                .get(name)
                .cloned()
                .or_else(|| std::env::var(format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())).ok())
                .or_else(|| decl.default.clone());
            match value {
                Some(value) => {
                    values.insert(name.clone(), value);
                }
                None if decl.required => missing.push(format!("{name} (SPIN_VARIABLE_{})", name.to_ascii_uppercase())),
                None => {}
            }
        }
        if !missing.is_empty() {
            bail!("required variables have no value: {}", missing.join(", "));
        }
        Ok(AppVariables { values })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn expand(&self, template: &str) -> Result<String> {
        expand_template(template, |name| self.values.get(name).cloned())
    }

    /// The component's own variables, expanded. A template naming an unset optional variable
    /// leaves that component variable undefined.
    pub fn for_component(&self, templates: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        templates
            .iter()
            .filter_map(|(name, template)| Some((name.clone(), self.expand(template).ok()?)))
            .collect()
    }
}

pub mod bindings {
    wasmtime::component::bindgen!({
        path: "wit/spin-variables.wit",
        world: "spin:variables/host",
    });
}

use bindings::spin::variables::variables::{self, Error as VariableError};

/// The `spin:variables` implementation a component's store holds: only its own variables.
pub struct ComponentVariables {
    pub values: std::sync::Arc<BTreeMap<String, String>>,
}

impl wasmtime::component::HasData for ComponentVariables {
    type Data<'a> = &'a mut ComponentVariables;
}

impl variables::Host for &mut ComponentVariables {}

impl<T> variables::HostWithStore<T> for ComponentVariables {
    async fn get(
        accessor: &wasmtime::component::Accessor<T, Self>,
        name: String,
    ) -> std::result::Result<String, VariableError> {
        if crate::manifest::check_variable_name(&name).is_err() {
            return Err(VariableError::InvalidName(name));
        }
        accessor.with(|mut access| {
            let variables = access.get();
            variables.values.get(&name).cloned().ok_or(VariableError::Undefined(name))
        })
    }
}

pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut ComponentVariables,
) -> Result<()> {
    variables::add_to_linker::<T, ComponentVariables>(linker, get)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        toml::from_str(
            r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
from_override = { default = "default" }
probe_from_env_3b1f = { default = "default" }
from_default = { default = "default" }
optional = {}
needed = { required = true }
"#,
        )
        .unwrap()
    }

    #[test]
    fn overrides_then_environment_then_defaults() {
        // SAFETY: the name is unique to this test; no other thread reads it.
        unsafe { std::env::set_var("SPIN_VARIABLE_PROBE_FROM_ENV_3B1F", "environment") };
        let overrides = BTreeMap::from([
            ("from_override".to_string(), "override".to_string()),
            ("needed".to_string(), "given".to_string()),
        ]);
        let variables = AppVariables::resolve(&manifest(), &overrides).unwrap();
        assert_eq!(variables.get("from_override"), Some("override"));
        assert_eq!(variables.get("probe_from_env_3b1f"), Some("environment"));
        assert_eq!(variables.get("from_default"), Some("default"));
        assert_eq!(variables.get("optional"), None);

        let templates = BTreeMap::from([
            ("greeting".to_string(), "{{ from_default }}-{{ from_override }}".to_string()),
            ("unset".to_string(), "{{ optional }}".to_string()),
        ]);
        let component = variables.for_component(&templates);
        assert_eq!(component.get("greeting").map(String::as_str), Some("default-override"));
        assert!(!component.contains_key("unset"), "a template over an unset variable stays undefined");
    }

    #[test]
    fn missing_required_variables_are_named() {
        let error = AppVariables::resolve(&manifest(), &BTreeMap::new()).err().unwrap().to_string();
        assert!(error.contains("needed") && error.contains("SPIN_VARIABLE_NEEDED"), "{error}");
    }
}
