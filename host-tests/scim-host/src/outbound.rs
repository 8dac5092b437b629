//! `allowed_outbound_hosts`: which URLs a component may call, with Spin's pattern rules
//! (`https://graph.microsoft.com`, `http://127.0.0.1:8080`, `https://*.example.com`,
//! `*://host:*`). A request that no pattern allows fails inside the component, as in Spin.

use wasmtime::{Result, bail};

#[derive(Debug, Clone)]
pub struct OutboundPolicy {
    patterns: Vec<HostPattern>,
}

#[derive(Debug, Clone, PartialEq)]
struct HostPattern {
    /// `None` for `*://`.
    scheme: Option<String>,
    host: HostMatch,
    /// `None` for `:*`.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq)]
enum HostMatch {
    Exact(String),
    /// `*.example.com` matches any subdomain of example.com.
    Subdomains(String),
    Any,
}

impl OutboundPolicy {
    /// Parses the component's (already expanded) patterns.
    pub fn new(patterns: &[String]) -> Result<OutboundPolicy> {
        let patterns = patterns.iter().map(|p| HostPattern::parse(p)).collect::<Result<_>>()?;
        Ok(OutboundPolicy { patterns })
    }

    pub fn allows(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return false;
        };
        let port = uri.port_u16().or_else(|| default_port(scheme));
        self.patterns.iter().any(|pattern| pattern.matches(scheme, host, port))
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl HostPattern {
    fn parse(pattern: &str) -> Result<HostPattern> {
        let Some((scheme, rest)) = pattern.split_once("://") else {
            bail!("outbound host `{pattern}` needs a scheme, e.g. `https://{pattern}`");
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') {
            bail!("outbound host `{pattern}` must not have a path");
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => (host, Some(port)),
            _ => (rest, None),
        };
        let port = match port {
            Some("*") => None,
            Some(port) => Some(port.parse::<u16>().map_err(|_| {
                wasmtime::format_err!("outbound host `{pattern}` has an invalid port `{port}`")
            })?),
            None if scheme == "*" => None,
            None => Some(default_port(scheme).ok_or_else(|| {
                wasmtime::format_err!("outbound host `{pattern}` needs a port for scheme `{scheme}`")
            })?),
        };
        let host = match host {
            "" => bail!("outbound host `{pattern}` has no host"),
            "*" => HostMatch::Any,
            h if h.starts_with("*.") => HostMatch::Subdomains(h[2..].to_ascii_lowercase()),
            h if h.contains('*') => bail!("outbound host `{pattern}`: `*` may only stand for a whole host or a subdomain"),
            h => HostMatch::Exact(h.to_ascii_lowercase()),
        };
        let scheme = (scheme != "*").then(|| scheme.to_ascii_lowercase());
        Ok(HostPattern { scheme, host, port })
    }

    fn matches(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let host = host.to_ascii_lowercase();
        let scheme_ok = self.scheme.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(scheme));
        let host_ok = match &self.host {
            HostMatch::Any => true,
            HostMatch::Exact(h) => *h == host,
            HostMatch::Subdomains(domain) => host.ends_with(&format!(".{domain}")),
        };
        let port_ok = self.port.is_none() || self.port == port;
        scheme_ok && host_ok && port_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(patterns: &[&str]) -> OutboundPolicy {
        OutboundPolicy::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn allows(policy: &OutboundPolicy, url: &str) -> bool {
        policy.allows(&url.parse().unwrap())
    }

    #[test]
    fn exact_host_uses_the_scheme_default_port() {
        let p = policy(&["https://graph.microsoft.com"]);
        assert!(allows(&p, "https://graph.microsoft.com/v1.0/users"));
        assert!(allows(&p, "https://GRAPH.microsoft.com:443/x"));
        assert!(!allows(&p, "http://graph.microsoft.com/x"));
        assert!(!allows(&p, "https://graph.microsoft.com:8443/x"));
        assert!(!allows(&p, "https://evil.com/x"));
    }

    #[test]
    fn explicit_and_wildcard_ports() {
        let p = policy(&["http://127.0.0.1:8080", "http://localhost:*"]);
        assert!(allows(&p, "http://127.0.0.1:8080/v1.0"));
        assert!(!allows(&p, "http://127.0.0.1:8081/v1.0"));
        assert!(allows(&p, "http://localhost:1/x"));
    }

    #[test]
    fn subdomain_and_scheme_wildcards() {
        let p = policy(&["https://*.example.com", "*://internal.test:*"]);
        assert!(allows(&p, "https://a.example.com/"));
        assert!(!allows(&p, "https://example.com/"));
        assert!(!allows(&p, "https://badexample.com/"));
        assert!(allows(&p, "http://internal.test:9/"));
    }

    #[test]
    fn rejects_malformed_patterns() {
        for bad in ["graph.microsoft.com", "https://a.com/path", "https://a*b.com", "https://a.com:port"] {
            assert!(OutboundPolicy::new(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_policy_denies_everything() {
        assert!(!allows(&policy(&[]), "https://graph.microsoft.com/"));
    }
}
