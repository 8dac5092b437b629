//! Randomness from the operating system (wasi `random_get` in a component): ids that must not
//! repeat (client assertion `jti`, `client-request-id`) and backoff jitter.

use rand_core::{OsRng, RngCore};

/// A random (version 4) GUID.
pub(crate) fn guid() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A number in `0..=max`, uniform enough for jitter.
pub(crate) fn up_to(max: u64) -> u64 {
    match max.checked_add(1) {
        Some(n) => OsRng.next_u64() % n,
        None => OsRng.next_u64(),
    }
}
