//! SCIM responses: a status, an optional JSON body with `application/scim+json`, and the
//! headers SCIM asks for (`Location` on create, `Retry-After` when Graph throttles).

use bytes::Bytes;
use scim::error::ScimError;
use spin_sdk::http::FullBody;

pub struct Reply {
    status: u16,
    body: Option<serde_json::Value>,
    location: Option<String>,
    retry_after: Option<u64>,
}

impl Reply {
    pub fn ok(body: serde_json::Value) -> Reply {
        Reply { status: 200, body: Some(body), location: None, retry_after: None }
    }

    pub fn created(body: serde_json::Value, location: String) -> Reply {
        Reply { status: 201, body: Some(body), location: Some(location), retry_after: None }
    }

    pub fn no_content() -> Reply {
        Reply { status: 204, body: None, location: None, retry_after: None }
    }

    pub fn error(error: &ScimError) -> Reply {
        Reply { status: error.status, body: Some(error.to_json()), location: None, retry_after: error.retry_after }
    }

    pub fn into_response(self) -> http::Response<FullBody<Bytes>> {
        let mut builder = http::Response::builder().status(self.status);
        if let Some(location) = &self.location {
            builder = builder.header(http::header::LOCATION, location);
        }
        if let Some(seconds) = self.retry_after {
            builder = builder.header(http::header::RETRY_AFTER, seconds.to_string());
        }
        let body = match &self.body {
            Some(json) => {
                builder = builder.header(http::header::CONTENT_TYPE, scim::CONTENT_TYPE);
                Bytes::from(serde_json::to_vec(json).unwrap_or_default())
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
