//! The commands: `main.rs` parses the arguments and hands over to one module per command.
//!
//! | command | module |
//! |---|---|
//! | `citytwin` (the viewer) | [`view`] |
//! | `citytwin check` | [`check`] |
//! | `citytwin broker` | [`broker`] |
//! | `citytwin simulate` | [`simulate`] |
//! | `citytwin sun` | [`sun`] |
//! | `citytwin shadow` | [`shadow`] |
//! | `citytwin bench live`, `buildings`, `scenario`, `shadow` | `bench` |
//!
//! Each returns the process's exit status and says what went wrong on standard error.

pub mod bench;
pub mod broker;
pub mod check;
pub mod comments;
pub mod kiosk;
pub mod shadow;
pub mod simulate;
pub mod sun;
pub mod view;

use std::process::ExitCode;

/// Logs to standard error, at `default` unless `RUST_LOG` says otherwise.
pub fn init_logs(default: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default.into()),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Says what went wrong and returns status 1.
pub fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}
