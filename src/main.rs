//! The `citytwin` command: the viewer, and `citytwin check`.

use citytwin::app::{self, ViewerOptions};
use citytwin::config::{Config, Layer};
use citytwin::source::Source;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// A 3D city digital-twin viewer for NGSI-LD context brokers.
///
/// With no arguments it opens Midtown Manhattan (7,981 OpenStreetMap buildings, built in).
#[derive(Parser, Debug)]
#[command(name = "citytwin", version, about, long_about = None)]
struct Cli {
    /// A TOML configuration file; its keys override the defaults (see config/default.toml).
    /// Also read from the CITYTWIN_CONFIG environment variable.
    #[arg(long, global = true, value_name = "FILE", env = "CITYTWIN_CONFIG")]
    config: Option<PathBuf>,

    /// Load buildings from this file (NGSI-LD JSON or GeoJSON) instead of the demo.
    #[arg(long, global = true, value_name = "PATH")]
    file: Option<PathBuf>,

    /// Scene origin as LON,LAT in degrees (default: the middle of the data).
    #[arg(long, global = true, value_name = "LON,LAT", value_parser = parse_lonlat, allow_hyphen_values = true)]
    origin: Option<[f64; 2]>,

    /// Projected CRS used for the scene, e.g. EPSG:32618 (default: the UTM zone of the origin).
    #[arg(long, global = true, value_name = "CRS")]
    crs: Option<String>,

    /// Render one frame to this PNG file once the data is shown, then exit.
    #[arg(long, value_name = "FILE.png")]
    screenshot: Option<PathBuf>,

    /// Window (and screenshot) size in pixels, e.g. 1600x1000.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    size: Option<(u32, u32)>,

    /// Start in this named view ("overview" or one from the configuration's [views]).
    #[arg(long, value_name = "NAME")]
    view: Option<String>,

    /// Select the building with this entity id once loaded, show it in the inspector and
    /// bring it into view.
    #[arg(long, value_name = "ID")]
    select: Option<String>,

    /// Open fullscreen.
    #[arg(long)]
    fullscreen: bool,

    /// Print frame statistics (frames drawn, median and longest frame time) every two
    /// seconds as JSON lines on standard output, and when all buildings are in the scene.
    /// The window then redraws continuously instead of on demand.
    #[arg(long)]
    frame_stats: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load the data without a window or GPU and report entities, buildings, triangles and
    /// every skipped item with its reason.
    Check {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Exit with status 3 when anything was skipped.
        #[arg(long)]
        strict: bool,
    },
}

fn parse_lonlat(s: &str) -> Result<[f64; 2], String> {
    let (lon, lat) = s
        .split_once(',')
        .ok_or_else(|| format!("expected LON,LAT (e.g. -73.98,40.75), got {s:?}"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| format!("{v:?} is not a number"))
    };
    Ok([num(lon)?, num(lat)?])
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WIDTHxHEIGHT (e.g. 1600x1000), got {s:?}"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (64..=16_384).contains(n))
            .ok_or_else(|| format!("{v:?} is not a size between 64 and 16384 pixels"))
    };
    Ok((num(w)?, num(h)?))
}

fn main() -> ExitCode {
    isolate_proj();
    let cli = Cli::parse();
    let mut overrides = Layer::command_line();
    if let Some(file) = &cli.file {
        overrides.set("data", "source", file.display().to_string());
    }
    if let Some([lon, lat]) = cli.origin {
        overrides.set(
            "scene",
            "origin",
            toml::Value::Array(vec![lon.into(), lat.into()]),
        );
    }
    if let Some(crs) = &cli.crs {
        overrides.set("scene", "crs", crs.clone());
    }
    if let Some(view) = &cli.view {
        overrides.set("camera", "start_view", view.clone());
    }
    if cli.fullscreen {
        overrides.set("window", "fullscreen", true);
    }
    let config = match Config::load(cli.config.as_deref(), overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Check { json, strict }) => check(&config, json, strict),
        None => {
            install_gpu_hint();
            let options = ViewerOptions {
                screenshot: cli.screenshot,
                size: cli.size,
                select: cli.select,
                frame_stats: cli.frame_stats,
            };
            let exit = app::run(config, options);
            if exit.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn check(config: &Config, json: bool, strict: bool) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let source = Source::from_setting(&config.data.source);
    match citytwin::check::run(&source, config) {
        Ok(report) => {
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(text) => println!("{text}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(1);
                    }
                }
            } else {
                print!("{}", report.to_text());
            }
            if strict && !report.skipped.is_empty() {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// citytwin uses the PROJ database compiled into its own PROJ. A `PROJ_DATA` (or the older
/// `PROJ_LIB`) set for another PROJ installation would make PROJ open that installation's
/// database, which may be of an older, incompatible layout; citytwin reads no other PROJ data
/// files (it is built without grid support), so both are cleared.
fn isolate_proj() {
    for var in ["PROJ_DATA", "PROJ_LIB"] {
        if std::env::var_os(var).is_some() {
            // SAFETY: this runs first thing in `main`, before any other thread exists, so no
            // other code can read the environment concurrently.
            #[allow(
                unsafe_code,
                reason = "environment changes must happen before threads start"
            )]
            unsafe {
                std::env::remove_var(var);
            }
        }
    }
}

/// Turns the renderer's and windowing system's panics about a missing GPU or display into
/// advice.
fn install_gpu_hint() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.to_string();
        if text.contains("Unable to find a GPU") || text.contains("adapter") {
            eprintln!(
                "error: citytwin found no graphics adapter. On a machine without a GPU, install \
                 Mesa's software Vulkan driver (Debian/Ubuntu: apt-get install mesa-vulkan-drivers) \
                 and run with WGPU_FORCE_FALLBACK_ADAPTER=1."
            );
        } else if text.contains("display")
            || text.contains("DISPLAY")
            || text.contains("XOpenDisplay")
        {
            eprintln!(
                "error: citytwin could not open a window: no display. Run it in a desktop \
                 session, or headless under Xvfb: xvfb-run -a citytwin --screenshot out.png"
            );
        }
        default(info);
    }));
}
