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
