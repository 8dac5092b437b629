//! A small seeded pseudo-random generator (SplitMix64) and GUID formatting.
//! The emulator must produce the same tenant for the same seed on every platform and
//! toolchain, so it owns its generator instead of depending on `rand`'s algorithm choices.

/// SplitMix64: tiny, fast, statistically good enough for demo data and opaque identifiers.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// Uniform-enough integer in `0..n` (n > 0); the modulo bias is irrelevant for demo data.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A random (version 4 layout) GUID in Graph's lower-case 8-4-4-4-12 form.
    pub fn guid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        format_guid(hi, lo)
    }
}

/// The SplitMix64 finaliser; also used on its own to turn counters into unrelated-looking ids.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Formats 128 bits as a GUID, forcing the version-4 and RFC 4122 variant bits so that
/// strict GUID parsers accept it.
pub fn format_guid(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// True for the 8-4-4-4-12 hex form (any case); used to tell ids from userPrincipalNames.
pub fn looks_like_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_valid_guids() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let g = a.guid();
        assert!(looks_like_guid(&g), "{g}");
        assert_eq!(&g[14..15], "4");
        assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"), "{g}");
        assert_ne!(SplitMix64::new(1).next_u64(), SplitMix64::new(2).next_u64());
    }

    #[test]
    fn guid_shape_check() {
        assert!(looks_like_guid("8F4F0C3A-6B6E-4C1E-9A57-2D1B0C7E5F10"));
        assert!(!looks_like_guid("adele.vance@contoso.onmicrosoft.com"));
        assert!(!looks_like_guid("8f4f0c3a-6b6e-4c1e-9a57-2d1b0c7e5f1"));
    }
}
