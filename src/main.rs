//! The `citytwin` command: the viewer, and `citytwin check`.

use citytwin::app::{self, ViewerOptions};
use citytwin::config::{Config, Layer};
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

    /// Read from this NGSI-LD broker (Orion-LD, Scorpio, Stellio, citytwin broker),
    /// e.g. http://localhost:1026.
    #[arg(long, global = true, value_name = "URL")]
    broker: Option<String>,

    /// The broker tenant (NGSILD-Tenant).
    #[arg(long, global = true, value_name = "NAME")]
    tenant: Option<String>,

    /// The JSON-LD @context to send in a Link header (a URL the broker can fetch).
    #[arg(long, global = true, value_name = "URL")]
    context: Option<String>,

    /// A file holding a bearer token for the broker.
    #[arg(long, global = true, value_name = "FILE")]
    token_file: Option<PathBuf>,

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

    /// Start the time panel at this time instead of live: an RFC 3339 time
    /// (2026-11-23T08:00:00+01:00) or how long ago as an ISO 8601 duration (PT6H).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,

    /// Print frame statistics (frames drawn, median and longest frame time) every two
    /// seconds as JSON lines on standard output, and when all buildings are in the scene.
    /// Once every building is drawn, the window redraws continuously instead of on demand.
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
        /// Entity types to ask a broker for (repeatable; default: the building type).
        #[arg(long = "type", value_name = "TYPE")]
        types: Vec<String>,
    },
    /// Run a local NGSI-LD broker (HTTP, SQLite storage) for offline demos, kiosks and
    /// hackathons. For production use Orion-LD, Scorpio or Stellio.
    Broker {
        /// Address to listen on (default from [local_broker], 127.0.0.1:1026).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<String>,
        /// The SQLite database (default ~/.local/share/citytwin/broker.sqlite; ":memory:"
        /// keeps nothing).
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
        /// NGSI-LD or GeoJSON files or folders to load at start (repeatable).
        #[arg(long, value_name = "PATH")]
        seed: Vec<PathBuf>,
        /// Require this bearer token on every request (prefer --token-file: arguments
        /// are visible to other users of the machine).
        #[arg(long, value_name = "TOKEN")]
        token: Option<String>,
        /// The largest page a query may ask for.
        #[arg(long, value_name = "N")]
        max_page_size: Option<usize>,
    },
    /// Place simulated sensors (air quality, weather, noise, traffic lanes, parking,
    /// streetlights, devices) in the demo district or a box, and keep changing their values
    /// through ordinary NGSI-LD requests to the broker (--broker, default [broker] url).
    /// The values are simulated, not measurements, and the entities say so.
    Simulate {
        /// Updates per second, over all sensors.
        #[arg(long, value_name = "N", default_value_t = 10.0)]
        rate: f64,
        /// Place the sensors in this box (WEST,SOUTH,EAST,NORTH in degrees) instead of the
        /// demo district, off the footprints of the broker's buildings there.
        #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox, allow_hyphen_values = true)]
        bbox: Option<[f64; 4]>,
        /// Seed of the placement and the values (the same seed places the same sensors).
        #[arg(long, value_name = "N", default_value_t = citytwin::source::DEMO_SEED)]
        seed: u64,
        /// Stop after this many seconds (default: run until Ctrl+C).
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
    },
    /// Benchmarks that print JSON.
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
}

#[derive(Subcommand, Debug)]
enum Bench {
    /// Drive updates through a local broker to a headless viewer and measure how fast they
    /// reach the scene (latency percentiles, updates applied and lost, frame times).
    Live {
        /// Print the JSON report only (progress goes to standard error either way).
        #[arg(long)]
        json: bool,
        /// Updates per second.
        #[arg(long, value_name = "N", default_value_t = 10_000.0)]
        rate: f64,
        /// Seconds of updates.
        #[arg(long, value_name = "S", default_value_t = 10.0)]
        seconds: f64,
        /// Simulated sensors the updates go to, in turn.
        #[arg(long, value_name = "N", default_value_t = 2000)]
        sensors: usize,
        /// Notify through this MQTT broker (e.g. mqtt://localhost:1883) instead of HTTP.
        #[arg(long, value_name = "URL")]
        mqtt: Option<String>,
    },
    /// The demo district replicated to N buildings: parse, georeference and mesh times,
    /// triangles, draw calls, bytes per building and the viewer's first complete frame, for
    /// tiles and for a naive scene with one mesh per building.
    Buildings {
        /// Print the JSON report only (progress goes to standard error either way).
        #[arg(long)]
        json: bool,
        /// Buildings in the replicated city.
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        count: usize,
        /// Skip starting the viewer (no first-frame times).
        #[arg(long)]
        no_frame: bool,
        /// Longest wait for the viewer's first complete frame, in seconds.
        #[arg(long, value_name = "S", default_value_t = 300.0)]
        timeout: f64,
    },
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("expected WEST,SOUTH,EAST,NORTH in degrees, got {s:?}"))?;
    match v[..] {
        [w, so, e, n]
            if w < e
                && so < n
                && (-180.0..=180.0).contains(&w)
                && (-180.0..=180.0).contains(&e)
                && (-90.0..=90.0).contains(&so)
                && (-90.0..=90.0).contains(&n) =>
        {
            Ok([w, so, e, n])
        }
        _ => Err(format!(
            "expected WEST,SOUTH,EAST,NORTH in degrees with west < east and south < north, got {s:?}"
        )),
    }
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
    if let Some(url) = &cli.broker {
        overrides.set("data", "source", "broker");
        overrides.set("broker", "url", url.clone());
    }
    if let Some(tenant) = &cli.tenant {
        overrides.set("broker", "tenant", tenant.clone());
    }
    if let Some(context) = &cli.context {
        overrides.set("broker", "context", context.clone());
    }
    if let Some(file) = &cli.token_file {
        overrides.set("broker", "token_file", file.display().to_string());
    }
    let config = match Config::load(cli.config.as_deref(), overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Check {
            json,
            strict,
            types,
        }) => check(&config, json, strict, &types),
        Some(Command::Broker {
            bind,
            db,
            seed,
            token,
            max_page_size,
        }) => broker(
            &config,
            bind,
            db,
            &seed,
            token,
            cli.token_file,
            cli.tenant,
            max_page_size,
        ),
        Some(Command::Simulate {
            rate,
            bbox,
            seed,
            duration,
        }) => simulate(&config, rate, bbox, seed, duration),
        Some(Command::Bench {
            what:
                Bench::Live {
                    json,
                    rate,
                    seconds,
                    sensors,
                    mqtt,
                },
        }) => bench_live(
            &citytwin::bench::LiveBench {
                rate,
                seconds,
                sensors,
                mqtt,
            },
            json,
        ),
        Some(Command::Bench {
            what:
                Bench::Buildings {
                    json,
                    count,
                    no_frame,
                    timeout,
                },
        }) => bench_buildings(
            &citytwin::bench::buildings::BuildingsBench {
                count,
                first_frame: !no_frame,
                timeout_s: timeout,
            },
            json,
        ),
        None => {
            install_gpu_hint();
            let options = ViewerOptions {
                screenshot: cli.screenshot,
                size: cli.size,
                select: cli.select,
                frame_stats: cli.frame_stats,
                at: cli.at,
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

fn init_logs(default: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default.into()),
        )
        .with_writer(std::io::stderr)
        .init();
}

fn check(config: &Config, json: bool, strict: bool, types: &[String]) -> ExitCode {
    init_logs("warn");
    match citytwin::check::run_configured(config, types) {
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

#[allow(
    clippy::too_many_arguments,
    reason = "one parameter per command-line option"
)]
fn broker(
    config: &Config,
    bind: Option<String>,
    db: Option<PathBuf>,
    seed: &[PathBuf],
    token: Option<String>,
    token_file: Option<PathBuf>,
    tenant: Option<String>,
    max_page_size: Option<usize>,
) -> ExitCode {
    init_logs("info");
    let fail = |message: String| {
        eprintln!("error: {message}");
        ExitCode::from(1)
    };
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
    let broker = match citytwin::broker::Broker::new(citytwin::broker::BrokerConfig {
        bind,
        database: database.clone(),
        token: token.clone(),
        max_page_size: max_page_size.unwrap_or(local.max_page_size),
        default_page_size: local.default_page_size,
        max_body_bytes: (local.max_body_mb * 1_048_576.0) as usize,
        history_hours: local.history_hours,
    }) {
        Ok(b) => b,
        Err(e) => return fail(e.to_string()),
    };
    if !seed.is_empty() {
        let parsed = match citytwin::broker::server::read_seed(seed) {
            Ok(p) => p,
            Err(e) => return fail(e.to_string()),
        };
        match broker.seed(tenant.as_deref().unwrap_or(""), parsed) {
            Ok(report) => {
                tracing::info!("seeded {} entities", report.entities);
                for s in &report.skipped {
                    tracing::warn!("seed: skipped {}: {}", s.id, s.reason);
                }
            }
            Err(e) => return fail(e.to_string()),
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

/// Prints a benchmark's JSON report (one line with `--json`, else indented), or its error.
fn report<E: std::fmt::Display>(result: Result<serde_json::Value, E>, json: bool) -> ExitCode {
    match result {
        Ok(report) => {
            if json {
                println!("{report}");
            } else {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn bench_buildings(b: &citytwin::bench::buildings::BuildingsBench, json: bool) -> ExitCode {
    init_logs("warn");
    if b.count == 0 || b.timeout_s.is_nan() || b.timeout_s <= 0.0 {
        eprintln!("error: --count and --timeout must be above 0");
        return ExitCode::from(2);
    }
    report(
        citytwin::bench::buildings::run(b, &mut |line| eprintln!("bench buildings: {line}")),
        json,
    )
}

fn bench_live(b: &citytwin::bench::LiveBench, json: bool) -> ExitCode {
    init_logs("warn");
    if !(b.rate > 0.0 && b.seconds > 0.0 && b.sensors > 0) {
        eprintln!("error: --rate, --seconds and --sensors must be above 0");
        return ExitCode::from(2);
    }
    report(
        citytwin::bench::live(b, &mut |line| eprintln!("bench live: {line}")),
        json,
    )
}

fn simulate(
    config: &Config,
    rate: f64,
    bbox: Option<[f64; 4]>,
    seed: u64,
    duration: Option<f64>,
) -> ExitCode {
    use citytwin::ngsi_ld::client::Client;
    use citytwin::simulate;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    init_logs("warn");
    let fail = |message: String| {
        eprintln!("error: {message}");
        ExitCode::from(1)
    };
    if !(rate.is_finite() && rate > 0.0 && rate <= 100_000.0) {
        return fail(format!(
            "--rate must be between 0 and 100000 updates per second, not {rate}"
        ));
    }
    let source = match citytwin::source::broker_source(config, Vec::new()) {
        Ok(s) => s,
        Err(e) => return fail(e.to_string()),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the network runtime: {e}")),
    };
    let client = match Client::new(source.client.clone()) {
        Ok(c) => c,
        Err(e) => return fail(e.to_string()),
    };
    let mut sensors = match bbox {
        None => {
            let demo = match citytwin::source::read(&citytwin::source::Source::Demo, &mut |_, _| {})
            {
                Ok(p) => p,
                Err(e) => return fail(e.to_string()),
            };
            citytwin::source::demo_sensors(&demo.entities, seed)
        }
        Some(b) => {
            // Keep off the broker's buildings in the box.
            let ring = [
                [b[0], b[1]],
                [b[2], b[1]],
                [b[2], b[3]],
                [b[0], b[3]],
                [b[0], b[1]],
            ];
            let query = citytwin::ngsi_ld::request::EntityQuery {
                types: vec![config.data.building_type.clone()],
                geo: citytwin::ngsi_ld::geo_query::GeoQuery::intersects_ring(&ring).ok(),
                ..Default::default()
            };
            let buildings = match runtime.block_on(client.query_all(&query, &mut |_, _| {})) {
                Ok(p) => p.entities,
                Err(e) => return fail(e.to_string()),
            };
            eprintln!(
                "keeping the sensors off {} buildings found in the box",
                buildings.len()
            );
            simulate::place(b, simulate::obstacles_of(&buildings), seed)
        }
    };
    let now = citytwin::timestamp::now_millis();
    let entities = simulate::initial_entities(&mut sensors, now, seed);
    match runtime.block_on(client.batch_upsert(&entities, 500)) {
        Ok(outcome) => {
            for (id, reason) in &outcome.errors {
                eprintln!("warning: the broker refused {id}: {reason}");
            }
            eprintln!(
                "citytwin simulator: {} sensors with SIMULATED values (not measurements) written \
                 to {}; sending {rate} updates per second{}",
                outcome.success.len(),
                source.label,
                if duration.is_some() {
                    ""
                } else {
                    " until Ctrl+C"
                }
            );
        }
        Err(e) => return fail(e.to_string()),
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        runtime.spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.store(true, Ordering::Relaxed);
        });
    }
    if let Some(d) = duration {
        let stop = stop.clone();
        runtime.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs_f64(d.max(0.0))).await;
            stop.store(true, Ordering::Relaxed);
        });
    }
    let mut last_report = std::time::Instant::now();
    let stats = runtime.block_on(simulate::run(
        &client,
        &mut sensors,
        rate,
        seed,
        stop,
        |stats, error| {
            if let Some(e) = error {
                eprintln!("warning: an update failed: {e}");
            }
            if last_report.elapsed().as_secs() >= 10 {
                last_report = std::time::Instant::now();
                eprintln!("{} updates sent, {} refused", stats.updates, stats.failures);
            }
        },
    ));
    println!(
        "{}",
        serde_json::json!({"sensors": sensors.len(), "updates": stats.updates, "failures": stats.failures})
    );
    ExitCode::SUCCESS
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
