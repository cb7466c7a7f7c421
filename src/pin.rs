//! The kiosk's exit PIN, kept only as a salted PBKDF2-HMAC-SHA256 hash
//! (`pbkdf2-sha256:ITERATIONS:SALT:HASH`, hex) and checked in constant time; the PIN itself is
//! never stored or logged. `citytwin kiosk-pin` makes the line for the configuration.
//!
//! ```
//! use citytwin::pin;
//! let stored = pin::hash("2468");
//! assert!(stored.starts_with("pbkdf2-sha256:"));
//! assert!(pin::verify(&stored, "2468"));
//! assert!(!pin::verify(&stored, "1111"));
//! assert!(!pin::verify("not a hash", "2468"));
//! ```

use ring::rand::SecureRandom;
use std::num::NonZeroU32;

/// Iterations of PBKDF2.
const ITERATIONS: u32 = 100_000;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The stored form of a PIN, with a fresh random salt.
pub fn hash(pin: &str) -> String {
    let mut salt = [0u8; 16];
    // The system's random source; should it fail, a salt from the time still differs per run.
    if ring::rand::SystemRandom::new().fill(&mut salt).is_err() {
        salt[..8].copy_from_slice(&crate::timestamp::now_millis().to_le_bytes());
    }
    let mut out = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(ITERATIONS).expect("not zero"),
        &salt,
        pin.as_bytes(),
        &mut out,
    );
    format!("pbkdf2-sha256:{ITERATIONS}:{}:{}", hex(&salt), hex(&out))
}

/// Whether `stored` is a hash this module can check.
pub fn is_hash(stored: &str) -> bool {
    parse(stored).is_some()
}

fn parse(stored: &str) -> Option<(NonZeroU32, Vec<u8>, Vec<u8>)> {
    let mut parts = stored.split(':');
    if parts.next()? != "pbkdf2-sha256" {
        return None;
    }
    let iterations = NonZeroU32::new(parts.next()?.parse().ok()?)?;
    let salt = unhex(parts.next()?)?;
    let hash = unhex(parts.next()?)?;
    (parts.next().is_none() && !salt.is_empty() && hash.len() == 32)
        .then_some((iterations, salt, hash))
}

/// Whether `entered` is the PIN `stored` was made from (in constant time).
pub fn verify(stored: &str, entered: &str) -> bool {
    let Some((iterations, salt, hash)) = parse(stored) else {
        return false;
    };
    ring::pbkdf2::verify(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &salt,
        entered.as_bytes(),
        &hash,
    )
    .is_ok()
}
