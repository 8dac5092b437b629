//! Spin's HTTP routing: a request path goes to the component whose route matches it, exact routes
//! (`/health`) and wildcard routes (`/scim/...`), the longest match first. Private components are
//! not in this table: they are reached only through `<id>.spin.internal`.

use crate::manifest::{Manifest, RouteSpec};

pub struct HttpRoutes {
    /// (route without the `/...` suffix, is wildcard, component id), longest first.
    routes: Vec<(String, bool, String)>,
}

impl HttpRoutes {
    pub fn from_manifest(manifest: &Manifest) -> HttpRoutes {
        let mut routes: Vec<(String, bool, String)> = manifest
            .trigger
            .http
            .iter()
            .filter_map(|trigger| match &trigger.route {
                RouteSpec::Path(route) => {
                    let (base, wildcard) = match route.strip_suffix("/...") {
                        Some(base) => (base.to_string(), true),
                        None => (route.trim_end_matches('/').to_string(), false),
                    };
                    Some((base, wildcard, trigger.component.clone()))
                }
                RouteSpec::Private { .. } => None,
            })
            .collect();
        // Exact routes before wildcards of the same length; longer before shorter.
        routes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        HttpRoutes { routes }
    }

    /// The component serving `path`, and the route it matched (for `spin-matched-route`).
    pub fn lookup(&self, path: &str) -> Option<(&str, String)> {
        let path = path.trim_end_matches('/');
        self.routes.iter().find_map(|(base, wildcard, component)| {
            let matched = if *wildcard {
                path == base || path.starts_with(&format!("{base}/"))
            } else {
                path == base
            };
            matched.then(|| {
                let route = if *wildcard { format!("{base}/...") } else { base.clone() };
                (component.as_str(), route)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(pairs: &[(&str, &str)]) -> HttpRoutes {
        let mut text = String::from("spin_manifest_version = 2\n[application]\nname = \"t\"\n");
        for (route, component) in pairs {
            text.push_str(&format!("[[trigger.http]]\nroute = \"{route}\"\ncomponent = \"{component}\"\n"));
            text.push_str(&format!("[component.{component}]\nsource = \"x.wasm\"\n"));
        }
        text.push_str("[[trigger.http]]\nroute = { private = true }\ncomponent = \"hidden\"\n[component.hidden]\nsource = \"h.wasm\"\n");
        HttpRoutes::from_manifest(&toml::from_str(&text).unwrap())
    }

    #[test]
    fn longest_match_wins_and_private_routes_are_absent() {
        let table = routes(&[("/...", "gateway"), ("/health", "health"), ("/api/...", "api")]);
        assert_eq!(table.lookup("/health").unwrap().0, "health");
        assert_eq!(table.lookup("/health/x").unwrap().0, "gateway");
        assert_eq!(table.lookup("/api").unwrap().0, "api");
        assert_eq!(table.lookup("/api/users/1").unwrap().0, "api");
        assert_eq!(table.lookup("/apix").unwrap().0, "gateway");
        assert_eq!(table.lookup("/").unwrap().0, "gateway");
        assert!(table.routes.iter().all(|(_, _, c)| c != "hidden"));
    }

    #[test]
    fn no_catch_all_means_not_found() {
        let table = routes(&[("/health", "health")]);
        assert!(table.lookup("/other").is_none());
    }
}
