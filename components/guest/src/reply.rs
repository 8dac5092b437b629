//! SCIM responses: a status, an optional JSON body with `application/scim+json`, and the
//! headers SCIM asks for (`Location` on create, `ETag` with a resource's version, `Retry-After`
//! when Graph throttles). Inventory jobs answer over the same path with NDJSON.

use bytes::Bytes;
use scim::error::ScimError;
use spin_sdk::http::FullBody;

pub struct Reply {
    status: u16,
    body: Option<Body>,
    location: Option<String>,
    etag: Option<String>,
    retry_after: Option<u64>,
    no_store: bool,
}

enum Body {
    Scim(serde_json::Value),
    /// Newline-delimited JSON (`application/x-ndjson`), one value per line.
    Ndjson(String),
}

impl Reply {
    fn new(status: u16, body: Option<serde_json::Value>) -> Reply {
        Reply { status, body: body.map(Body::Scim), location: None, etag: None, retry_after: None, no_store: false }
    }

    /// Lines of JSON, each already ending in a newline.
    pub fn ndjson(lines: String) -> Reply {
        Reply { body: Some(Body::Ndjson(lines)), ..Reply::new(200, None) }
    }

    pub fn ok(body: serde_json::Value) -> Reply {
        Reply::new(200, Some(body))
    }

    /// One resource (perhaps projected) and the version of the whole resource, as `ETag`.
    pub fn versioned(body: serde_json::Value, version: String) -> Reply {
        Reply { etag: Some(version), ..Reply::ok(body) }
    }

    /// A whole resource: stamped with its version, answered with `ETag`.
    pub fn resource(mut body: serde_json::Value) -> Reply {
        let version = scim::etag::stamp(&mut body);
        Reply::versioned(body, version)
    }

    /// A created resource: stamped with its version, with `Location` and `ETag`.
    pub fn created(mut body: serde_json::Value, location: String) -> Reply {
        let version = scim::etag::stamp(&mut body);
        Reply { location: Some(location), etag: Some(version), ..Reply::new(201, Some(body)) }
    }

    /// `If-None-Match` named the current version: nothing to send.
    pub fn not_modified(version: String) -> Reply {
        Reply { etag: Some(version), ..Reply::new(304, None) }
    }

    /// A body with a secret in it (a generated password): `Cache-Control: no-store`, so no
    /// cache or proxy keeps a copy (RFC 9111 §5.2.2.5).
    pub fn confidential(body: serde_json::Value) -> Reply {
        Reply { no_store: true, ..Reply::ok(body) }
    }

    pub fn no_content() -> Reply {
        Reply::new(204, None)
    }

    pub fn error(error: &ScimError) -> Reply {
        Reply { retry_after: error.retry_after, ..Reply::new(error.status, Some(error.to_json())) }
    }

    pub fn into_response(self) -> http::Response<FullBody<Bytes>> {
        let mut builder = http::Response::builder().status(self.status);
        if let Some(location) = &self.location {
            builder = builder.header(http::header::LOCATION, location);
        }
        if let Some(version) = &self.etag {
            builder = builder.header(http::header::ETAG, version);
        }
        if self.no_store {
            builder = builder.header(http::header::CACHE_CONTROL, "no-store");
        }
        if let Some(seconds) = self.retry_after {
            builder = builder.header(http::header::RETRY_AFTER, seconds.to_string());
        }
        let body = match self.body {
            Some(Body::Scim(json)) => {
                builder = builder.header(http::header::CONTENT_TYPE, scim::CONTENT_TYPE);
                Bytes::from(serde_json::to_vec(&json).unwrap_or_default())
            }
            Some(Body::Ndjson(lines)) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/x-ndjson");
                Bytes::from(lines)
            }
            None => Bytes::new(),
        };
        builder.body(FullBody::new(body)).unwrap_or_else(|_| {
            let mut fallback = http::Response::new(FullBody::new(Bytes::new()));
            *fallback.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
    }
}
