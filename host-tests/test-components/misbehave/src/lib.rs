//! Misbehaves on request, so the host's limits can be tested with a real component:
//! `/ok`, `/trap`, `/allocate?mib=N`, `/loop`, `/fetch?url=U`, `/variable?name=N`.

use spin_sdk::http::{IntoResponse, Request, StatusCode};
use spin_sdk::http_service;

#[http_service]
async fn misbehave(request: Request) -> impl IntoResponse {
    let query = request.uri().query().unwrap_or_default().to_string();
    let arg = |name: &str| {
        query.split('&').find_map(|pair| pair.strip_prefix(name).and_then(|v| v.strip_prefix('='))).unwrap_or_default().to_string()
    };
    match request.uri().path() {
        "/ok" => (StatusCode::OK, "ok".to_string()),
        "/trap" => panic!("asked to trap"),
        "/allocate" => {
            let mib: usize = arg("mib").parse().unwrap_or(1);
            let block = vec![1u8; mib << 20];
            (StatusCode::OK, format!("allocated {} bytes", block.iter().map(|b| *b as usize).sum::<usize>()))
        }
        "/loop" => {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        "/fetch" => match spin_sdk::http::get(arg("url")).await {
            Ok(response) => (StatusCode::OK, format!("status {}", response.status().as_u16())),
            Err(code) => (StatusCode::BAD_GATEWAY, format!("refused: {code:?}")),
        },
        "/variable" => match spin_sdk::variables::get(arg("name")).await {
            Ok(value) => (StatusCode::OK, value),
            Err(error) => (StatusCode::NOT_FOUND, format!("{error:?}")),
        },
        _ => (StatusCode::NOT_FOUND, "no such misbehaviour".to_string()),
    }
}
