//! `citytwin kiosk-pin`: hashes a kiosk exit PIN for the configuration, so the PIN itself is
//! never written anywhere.

use super::fail;
use std::io::BufRead;
use std::process::ExitCode;

/// Reads a PIN (4 to 12 digits) from the first line of standard input and prints the
/// `exit_pin = "…"` line for `[kiosk]`.
pub fn pin_command() -> ExitCode {
    let mut line = String::new();
    if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
        return fail(format!("cannot read the PIN from standard input: {e}"));
    }
    let pin = line.trim();
    if !(4..=12).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return fail("the PIN must be 4 to 12 digits (the kiosk's PIN pad has only digits)");
    }
    println!("exit_pin = \"{}\"", crate::pin::hash(pin));
    ExitCode::SUCCESS
}
