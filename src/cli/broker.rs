//! `citytwin broker`: the local NGSI-LD broker as a program (see [`crate::broker`]).

use super::fail;
use crate::broker::server::read_seed;
use crate::broker::{Broker, ServerConfig};
use crate::config::Config;
use std::path::PathBuf;
use std::process::ExitCode;

/// What `citytwin broker` was asked on the command line (the rest comes from
/// `[local_broker]`); the doc comments are the flags' help.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct BrokerOptions {
    /// Address to listen on (default from [local_broker], 127.0.0.1:1026).
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<String>,
    /// The SQLite database (default ~/.local/share/citytwin/broker.sqlite; ":memory:"
    /// keeps nothing).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// NGSI-LD or GeoJSON files or folders to load at start (repeatable).
    #[arg(long, value_name = "PATH")]
    pub seed: Vec<PathBuf>,
    /// The tenant (NGSILD-Tenant) the --seed files are loaded into (default: the
    /// default tenant).
    #[arg(long, value_name = "NAME")]
    pub tenant: Option<String>,
    /// Require this bearer token on every request (prefer --token-file: arguments
    /// are visible to other users of the machine).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Require the bearer token held in this file on every request.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// The largest page a query may ask for.
    #[arg(long, value_name = "N")]
    pub max_page_size: Option<usize>,
    /// Listen on an address other machines can reach without a token (refused unless
    /// given: anyone on the network could then read and write every entity).
    #[arg(long)]
    pub public: bool,
}

/// `citytwin broker`: serves until Ctrl+C.
pub fn command(config: &Config, options: BrokerOptions) -> ExitCode {
    let BrokerOptions {
        bind,
        db,
        seed,
        token,
        token_file,
        tenant,
        max_page_size,
        public,
    } = options;
    super::init_logs("info");
    let local = &config.local_broker;
    let bind_text = bind.unwrap_or_else(|| local.bind.clone());
    let Ok(bind) = bind_text.parse() else {
        return fail(format!(
            "--bind must be an address and port such as 127.0.0.1:1026, not `{bind_text}`"
        ));
    };
    let database = db.unwrap_or_else(|| {
        if local.database.is_empty() {
            default_database()
        } else {
            PathBuf::from(&local.database)
        }
    });
    let token = match (token, token_file) {
        (Some(t), _) => Some(t),
        (None, Some(f)) => match std::fs::read_to_string(&f) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_owned()),
            Ok(_) => return fail(format!("the token file {} is empty", f.display())),
            Err(e) => return fail(format!("cannot read the token file {}: {e}", f.display())),
        },
        (None, None) => None,
    };
    if let Some(refusal) = exposure_refusal(bind, token.is_some(), public) {
        return fail(refusal);
    }
    let broker = match Broker::new(ServerConfig {
        bind,
        database: database.clone(),
        token: token.clone(),
        max_page_size: max_page_size.unwrap_or(local.max_page_size),
        default_page_size: local.default_page_size,
        max_body_bytes: (local.max_body_mb * 1_048_576.0) as usize,
        history_hours: local.history_hours,
    }) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    if !seed.is_empty() {
        let parsed = match read_seed(&seed) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        match broker.seed(tenant.as_deref().unwrap_or(""), parsed) {
            Ok(report) => {
                tracing::info!("seeded {} entities", report.entities);
                for s in &report.skipped {
                    tracing::warn!("seed: skipped {}: {}", s.id, s.reason);
                }
            }
            Err(e) => return fail(e),
        }
    }
    tracing::info!(
        "citytwin broker (a local NGSI-LD broker; for production use Orion-LD, Scorpio or Stellio) \
         listening on http://{bind}/ngsi-ld/v1, storing in {}{}",
        database.display(),
        if token.is_some() {
            ", bearer token required"
        } else {
            ""
        }
    );
    match broker.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("cannot listen on {bind}: {e}")),
    }
}

/// `$XDG_DATA_HOME/citytwin/broker.sqlite`, or `~/.local/share/citytwin/broker.sqlite`.
fn default_database() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("citytwin/broker.sqlite")
}

/// Why the broker must not listen on `bind`: an address other machines reach, with no token
/// and without `--public`. `None` when it may.
fn exposure_refusal(bind: std::net::SocketAddr, token: bool, public: bool) -> Option<String> {
    (!bind.ip().is_loopback() && !token && !public).then(|| {
        format!(
            "refusing to listen on {bind} without a token: anyone who can reach this machine \
             could read and change every entity. Give --token-file FILE (clients send it as \
             a bearer token), listen on 127.0.0.1, or add --public if that is what you want"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::exposure_refusal;

    #[test]
    fn only_loopback_listens_without_a_token_unless_public() {
        let at = |s: &str| s.parse().unwrap();
        assert!(exposure_refusal(at("127.0.0.1:1026"), false, false).is_none());
        assert!(exposure_refusal(at("[::1]:1026"), false, false).is_none());
        let refusal = exposure_refusal(at("0.0.0.0:1026"), false, false).unwrap();
        assert!(refusal.contains("--public") && refusal.contains("--token-file"));
        assert!(exposure_refusal(at("192.168.1.4:1026"), false, false).is_some());
        assert!(exposure_refusal(at("0.0.0.0:1026"), true, false).is_none());
        assert!(exposure_refusal(at("0.0.0.0:1026"), false, true).is_none());
    }
}
