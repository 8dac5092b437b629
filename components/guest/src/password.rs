//! Passwords for accounts created without one: 20 characters from the host's secure random
//! source (`wasi:random`), with every character class Entra ID's complexity rule counts.

const CLASSES: [&[u8]; 4] = [
    b"ABCDEFGHJKLMNPQRSTUVWXYZ",
    b"abcdefghijkmnopqrstuvwxyz",
    b"23456789",
    b"!@#$%^&*-_=+?",
];
const LENGTH: usize = 20;

pub fn generate_password() -> String {
    let all: Vec<u8> = CLASSES.concat();
    let mut random = RandomBytes::default();
    // One of each class first, the rest from all of them, then shuffled.
    let mut password: Vec<u8> = CLASSES.iter().map(|class| class[random.below(class.len())]).collect();
    while password.len() < LENGTH {
        password.push(all[random.below(all.len())]);
    }
    for i in (1..password.len()).rev() {
        password.swap(i, random.below(i + 1));
    }
    String::from_utf8(password).unwrap_or_default()
}

#[derive(Default)]
struct RandomBytes {
    buffer: Vec<u8>,
}

impl RandomBytes {
    /// A uniform index below `bound` (< 256), by rejection so no character is favoured.
    fn below(&mut self, bound: usize) -> usize {
        let limit = 256 - 256 % bound;
        loop {
            if self.buffer.is_empty() {
                self.buffer = spin_sdk::wasip3::random::random::get_random_bytes(64);
            }
            let byte = usize::from(self.buffer.pop().unwrap_or(0));
            if byte < limit {
                return byte % bound;
            }
        }
    }
}
