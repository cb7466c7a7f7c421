//! The `citytwin` command: parses the arguments and hands over to the command's module in
//! [`citytwin::cli`]. Each command takes only the flags it uses.

use citytwin::app::ViewerOptions;
use citytwin::cli;
use citytwin::config::{Config, ConfigOverlay};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// A 3D city digital-twin viewer for NGSI-LD context brokers.
///
/// With no arguments it opens Midtown Manhattan (7,981 OpenStreetMap buildings, built in).
#[derive(Parser, Debug)]
#[command(name = "citytwin", version, about, long_about = None, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(flatten)]
    config: ConfigArg,

    #[command(flatten)]
    data: DataArgs,

    #[command(flatten)]
    broker: BrokerArgs,

    #[command(flatten)]
    view: ViewArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

/// The configuration file.
#[derive(Args, Debug, Clone, Default)]
struct ConfigArg {
    /// A TOML configuration file; its keys override the defaults (see config/default.toml).
    /// Also read from the CITYTWIN_CONFIG environment variable.
    #[arg(long, value_name = "FILE", env = "CITYTWIN_CONFIG")]
    config: Option<PathBuf>,
}

/// Where the data come from and how they are placed.
#[derive(Args, Debug, Clone, Default)]
struct DataArgs {
    /// Load buildings from this file (NGSI-LD JSON, GeoJSON or CityJSON) instead of the demo.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,

    /// Scene origin as LON,LAT in degrees (default: the middle of the data).
    #[arg(long, value_name = "LON,LAT", value_parser = parse_lonlat, allow_hyphen_values = true)]
    origin: Option<[f64; 2]>,

    /// Projected CRS used for the scene, e.g. EPSG:32618 (default: the UTM zone of the origin).
    #[arg(long, value_name = "CRS")]
    crs: Option<String>,

    /// Open this planning scenario (a TOML file; repeatable), beside those the configuration
    /// names.
    #[arg(long, value_name = "FILE")]
    scenario: Vec<PathBuf>,
}

/// The NGSI-LD broker to read from (or write to).
#[derive(Args, Debug, Clone, Default)]
struct BrokerArgs {
    /// Use this NGSI-LD broker (Orion-LD, Scorpio, Stellio, citytwin broker),
    /// e.g. http://localhost:1026.
    #[arg(long, value_name = "URL")]
    broker: Option<String>,

    /// The broker tenant (NGSILD-Tenant).
    #[arg(long, value_name = "NAME")]
    tenant: Option<String>,

    /// The JSON-LD @context to send in a Link header (a URL the broker can fetch).
    #[arg(long, value_name = "URL")]
    context: Option<String>,

    /// A file holding a bearer token for the broker.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
}

/// How the viewer opens.
#[derive(Args, Debug, Clone, Default)]
struct ViewArgs {
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

    /// The interface's language: sv (Swedish) or en (English); default ui.language, else the
    /// system's.
    #[arg(long, value_name = "sv|en", value_parser = ["sv", "en"])]
    lang: Option<String>,

    /// Run as a kiosk for a public place: fullscreen, no Reload or Save picture, and left
    /// alone it asks "Are you still there?" and goes back to its home state (see [kiosk]).
    #[arg(long)]
    kiosk: bool,

    /// Write the interface's controls as a screen reader gets them (role, name, place and size
    /// in logical pixels) to this JSON file, each time they change: for checking touch
    /// targets and translations.
    #[arg(long, value_name = "FILE.json")]
    controls: Option<PathBuf>,

    /// Start the time panel at this time instead of live: an RFC 3339 time
    /// (2026-11-23T08:00:00+01:00), a time at the scene's place (2026-03-21T09:00; any date,
    /// for a sun study) or how long ago as an ISO 8601 duration (PT6H).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,

    /// Start with the time panel playing (the sensors' recent past, from the start of the
    /// replay's span), as a visitor who pressed play would.
    #[arg(long)]
    play: bool,

    /// Print frame statistics (frames drawn, median and longest frame time) every two
    /// seconds as JSON lines on standard output, and when all buildings are in the scene.
    /// Once every building is drawn, the window redraws continuously instead of on demand.
    #[arg(long)]
    frame_stats: bool,

    /// Open with this scenario active (its name, or the start of it).
    #[arg(long, value_name = "NAME")]
    show_scenario: Option<String>,

    /// How `--show-scenario` is compared with the baseline.
    #[arg(long, value_enum, default_value = "toggle")]
    compare: CompareArg,

    /// Where the swipe's divider stands, as a fraction of the view's width (0.5: the middle).
    #[arg(long, value_name = "FRACTION")]
    divider: Option<f32>,

    /// Run a sun-hours study of the clock's date once loaded: over the scenario's site
    /// (with --show-scenario) or 600 m around the view.
    #[arg(long, value_enum, value_name = "AREA")]
    sun_study: Option<StudyAreaArg>,

    /// The view of the study's heat map.
    #[arg(long, value_enum, default_value = "baseline")]
    study_view: StudyViewArg,
}

/// Where `--sun-study` looks.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum StudyAreaArg {
    /// The active scenario's site.
    Site,
    /// 600 m around the view.
    View,
}

/// What the heat map shows.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default)]
enum StudyViewArg {
    /// The city as it is.
    #[default]
    Baseline,
    /// With the scenario.
    Scenario,
    /// Hours lost (red) and gained (blue).
    Difference,
}

/// How a scenario is compared with the baseline.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default)]
enum CompareArg {
    /// The scenario alone (B switches to the baseline).
    #[default]
    Toggle,
    /// A divider across the view: the baseline left, the scenario right.
    Swipe,
    /// Two views side by side.
    Side,
}

impl From<CompareArg> for citytwin::scene::Compare {
    fn from(c: CompareArg) -> Self {
        match c {
            CompareArg::Toggle => Self::Toggle,
            CompareArg::Swipe => Self::Swipe,
            CompareArg::Side => Self::SideBySide,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load the data without a window or GPU and report entities, buildings, triangles and
    /// every skipped item with its reason.
    Check {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        broker: BrokerArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Exit with status 3 when anything was skipped.
        #[arg(long)]
        strict: bool,
        /// Entity types to ask a broker for (repeatable; default: the building type).
        #[arg(long = "type", value_name = "TYPE")]
        types: Vec<String>,
        /// Also read this elevation model (GeoTIFF) as the terrain and report it (`dem`).
        #[arg(long, value_name = "FILE")]
        dem: Option<PathBuf>,
        /// Also read this 3D Tiles tileset (a folder, its tileset.json, or an HTTP(S) URL)
        /// and report it (`tileset`).
        #[arg(long, value_name = "PATH")]
        tileset: Option<String>,
    },
    /// Run a local NGSI-LD broker (HTTP, SQLite storage) for offline demos, kiosks and
    /// hackathons. For production use Orion-LD, Scorpio or Stellio.
    Broker {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        options: cli::broker::BrokerOptions,
    },
    /// Place simulated sensors (air quality, weather, noise, traffic lanes, parking,
    /// streetlights, devices) in the demo district or a box, and keep changing their values
    /// through ordinary NGSI-LD requests to the broker (--broker, default [broker] url).
    /// The values are simulated, not measurements, and the entities say so.
    Simulate {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        broker: BrokerArgs,
        /// Updates per second, over all sensors.
        #[arg(long, value_name = "N", default_value_t = 10.0)]
        rate: f64,
        /// Place the sensors in this box (WEST,SOUTH,EAST,NORTH in degrees) instead of the
        /// demo district, off the footprints of the broker's buildings there.
        #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox, allow_hyphen_values = true)]
        bbox: Option<[f64; 4]>,
        /// Seed of the placement and the values (the same seed places the same sensors).
        #[arg(long, value_name = "N", default_value_t = citytwin::demo::SEED)]
        seed: u64,
        /// Stop after this many seconds (default: run until Ctrl+C).
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
    },
    /// Where the sun is at a time and place (NREL SPA), and that day's sunrise, sunset and
    /// solar noon, in the place's time zone.
    Sun {
        /// The time: RFC 3339 (2026-03-21T12:00:00+01:00) or the wall clock at the place
        /// (2026-03-21T12:00); default now.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// The place as LON,LAT in degrees.
        #[arg(long, value_name = "LON,LAT", value_parser = parse_lonlat, allow_hyphen_values = true)]
        lonlat: [f64; 2],
        /// Height above sea level in metres.
        #[arg(long, value_name = "METRES", default_value_t = 0.0)]
        height: f64,
        /// The IANA time zone to answer in (default: the place's, found from LON,LAT).
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A sun-hours study: for a date and an area, the hours of sun of each ground cell among
    /// the buildings (baseline and, with --scenario, the scenario), with the share of the area
    /// that has at least 2 hours (BRE BR 209) and at least 5 hours between 09 and 17
    /// (Boverket, Solklart); and the hours at given points.
    Shadow {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        broker: BrokerArgs,
        #[command(flatten)]
        study: StudyArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Hash a kiosk exit PIN (read from standard input) for `[kiosk] exit_pin`: prints the
    /// line to paste into the configuration.
    KioskPin,
    /// Citizens' comments kept in a broker (IssueReporting entities).
    Comments {
        #[command(subcommand)]
        what: CommentsCommand,
    },
    /// Benchmarks that print JSON.
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
}

/// What to do with comments.
#[derive(Subcommand, Debug)]
enum CommentsCommand {
    /// Write the broker's comments for a report: the visible ones (with --all the hidden
    /// ones too, marked), oldest first.
    Export {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        broker: BrokerArgs,
        /// GeoJSON (RFC 7946) or CSV.
        #[arg(long, value_enum, default_value = "geojson")]
        format: FormatArg,
        /// Include the comments a moderator hid, marked as hidden.
        #[arg(long)]
        all: bool,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// An export format.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum FormatArg {
    /// A GeoJSON FeatureCollection.
    Geojson,
    /// CSV with a header line.
    Csv,
}

/// What a sun-hours study covers.
#[derive(Args, Debug, Clone)]
struct StudyArgs {
    /// The day, at the place (YYYY-MM-DD), e.g. 2026-03-21.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: chrono::NaiveDate,
    /// Study this area: a GeoJSON polygon (default: the scenario's site).
    #[arg(long, value_name = "FILE", conflicts_with = "bbox")]
    site: Option<PathBuf>,
    /// Study this box, WEST,SOUTH,EAST,NORTH in degrees.
    #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox, allow_hyphen_values = true)]
    bbox: Option<[f64; 4]>,
    /// Size of the ground cells in metres.
    #[arg(long, value_name = "M", default_value_t = 2.0)]
    cell: f64,
    /// Minutes between positions of the sun, sunrise to sunset.
    #[arg(long, value_name = "N", default_value_t = 10.0)]
    step_min: f64,
    /// Count the ground within this many metres around the area too (the viewer's study of
    /// a scenario's site uses 100).
    #[arg(long, value_name = "M", default_value_t = 0.0)]
    margin: f64,
    /// Read the hours of sun at this place (LON,LAT; repeatable).
    #[arg(long, value_name = "LON,LAT", value_parser = parse_lonlat, allow_hyphen_values = true)]
    point: Vec<[f64; 2]>,
    /// Write the grid as CSV (lon,lat,sun_hours) to this file; a scenario's beside it with
    /// "-scenario" added to the name.
    #[arg(long, value_name = "FILE.csv")]
    csv: Option<PathBuf>,
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
    /// 1,000 sensor updates a second through a local broker to a viewer drawing with the
    /// time panel playing, for N minutes: memory at 5 minutes and at the end, frame times,
    /// whether every sensor ends with the value written last.
    Soak {
        /// Print the JSON report only (progress goes to standard error either way).
        #[arg(long)]
        json: bool,
        /// Minutes of updates.
        #[arg(long, value_name = "N", default_value_t = 60.0)]
        minutes: f64,
        /// Updates per second.
        #[arg(long, value_name = "N", default_value_t = 1_000.0)]
        rate: f64,
        /// Simulated sensors the updates go to, in turn.
        #[arg(long, value_name = "N", default_value_t = 2_000)]
        sensors: usize,
    },
    /// Real buildings beside hostile entities (NaN and huge coordinates, rings of a million
    /// corners, thousands of holes and parts, self-crossing rings, deep JSON, 10 MB strings,
    /// ids used twice, wrong types), read by `check`, through a local broker and by the
    /// viewer: every good building drawn, every bad one skipped with its reason, seconds and
    /// peak memory of each.
    Hostile {
        /// Print the JSON report only (progress goes to standard error either way).
        #[arg(long)]
        json: bool,
        /// Real buildings (the demo district's first N).
        #[arg(long, value_name = "N", default_value_t = 1_000)]
        good: usize,
        /// Hostile entities.
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        hostile: usize,
        /// Skip starting the viewer.
        #[arg(long)]
        no_viewer: bool,
    },
    /// The demo district replicated to N buildings in a headless viewer with the demo's
    /// example scenario: placing it, switching it on (tiles meshed again and swapped in) and
    /// off.
    Scenario {
        /// Print the JSON report only (progress goes to standard error either way).
        #[arg(long)]
        json: bool,
        /// Buildings in the replicated city.
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        count: usize,
    },
    /// A kiosk left alone: the demo with live sensor updates and the guided tour, drawn
    /// continuously for N minutes; resident memory from 5 minutes in to the end, frame times.
    Kiosk {
        /// Print the JSON report only (progress goes to standard error either way).
        #[arg(long)]
        json: bool,
        /// Minutes to run.
        #[arg(long, value_name = "N", default_value_t = 60.0)]
        minutes: f64,
    },
    /// A sun-hours study of 1 km² at 2 m cells, 10-minute steps, over the demo district on
    /// 20 March: BVH build and tracing times, rays per second.
    Shadow {
        /// Print the JSON report only.
        #[arg(long)]
        json: bool,
        /// Side of the square studied (m).
        #[arg(long, value_name = "M", default_value_t = 1000.0)]
        side: f64,
        /// Cell size (m).
        #[arg(long, value_name = "M", default_value_t = 2.0)]
        cell: f64,
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

/// The configuration: the defaults, the file, then the flags given.
fn load_config(
    config: &ConfigArg,
    data: &DataArgs,
    broker: &BrokerArgs,
    view: &ViewArgs,
) -> Result<Config, ExitCode> {
    let mut overrides = ConfigOverlay::command_line();
    if let Some(file) = &data.file {
        overrides.set("data", "source", file.display().to_string());
    }
    if let Some([lon, lat]) = data.origin {
        overrides.set(
            "scene",
            "origin",
            toml::Value::Array(vec![lon.into(), lat.into()]),
        );
    }
    if let Some(crs) = &data.crs {
        overrides.set("scene", "crs", crs.clone());
    }
    if let Some(view) = &view.view {
        overrides.set("camera", "start_view", view.clone());
    }
    if view.fullscreen {
        overrides.set("window", "fullscreen", true);
    }
    if let Some(lang) = &view.lang {
        overrides.set("ui", "language", lang.clone());
    }
    if view.kiosk {
        overrides.set("kiosk", "enabled", true);
        overrides.set("window", "fullscreen", true);
    }
    if let Some(url) = &broker.broker {
        overrides.set("data", "source", "broker");
        overrides.set("broker", "url", url.clone());
    }
    if let Some(tenant) = &broker.tenant {
        overrides.set("broker", "tenant", tenant.clone());
    }
    if let Some(context) = &broker.context {
        overrides.set("broker", "context", context.clone());
    }
    if let Some(file) = &broker.token_file {
        overrides.set("broker", "token_file", file.display().to_string());
    }
    let mut config = Config::load(config.config.as_deref(), overrides).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let here = std::env::current_dir().unwrap_or_default();
    config.scenarios.extend(
        data.scenario
            .iter()
            .map(|f| here.join(f).display().to_string()),
    );
    Ok(config)
}

fn main() -> ExitCode {
    isolate_proj();
    // Rayon's shared pool (geo's polygon operations sort with it) starts on first use and
    // its threads would take the name of the thread that started it (a worker's); named
    // apart, they are not mistaken for citytwin threads left running at exit.
    let _ = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("rayon-{i}"))
        .build_global();
    let cli = Cli::parse();
    let none = (
        DataArgs::default(),
        BrokerArgs::default(),
        ViewArgs::default(),
    );
    let loaded = match &cli.command {
        None => load_config(&cli.config, &cli.data, &cli.broker, &cli.view),
        Some(Command::Check {
            config,
            data,
            broker,
            ..
        }) => load_config(config, data, broker, &none.2),
        Some(Command::Broker { config, .. }) => load_config(config, &none.0, &none.1, &none.2),
        Some(Command::Shadow {
            config,
            data,
            broker,
            ..
        }) => load_config(config, data, broker, &none.2),
        Some(Command::Simulate { config, broker, .. }) => {
            load_config(config, &none.0, broker, &none.2)
        }
        Some(Command::Bench { .. }) => {
            load_config(&ConfigArg::default(), &none.0, &none.1, &none.2)
        }
        Some(Command::Comments {
            what: CommentsCommand::Export { config, broker, .. },
        }) => load_config(config, &none.0, broker, &none.2),
        Some(Command::KioskPin) => return cli::kiosk::pin_command(),
        Some(Command::Sun {
            at,
            lonlat,
            height,
            time_zone,
            json,
        }) => {
            return cli::sun::command(
                at.as_deref(),
                *lonlat,
                *height,
                (time_zone.as_deref(), *json),
            );
        }
    };
    let config = match loaded {
        Ok(c) => c,
        Err(code) => return code,
    };
    match cli.command {
        None => cli::view::command(
            config,
            ViewerOptions {
                screenshot: cli.view.screenshot,
                size: cli.view.size,
                select: cli.view.select,
                frame_stats: cli.view.frame_stats,
                controls: cli.view.controls,
                at: cli.view.at,
                play: cli.view.play,
                show_scenario: cli
                    .view
                    .show_scenario
                    .map(|name| (name, cli.view.compare.into())),
                divider: cli.view.divider,
                sun_study: cli.view.sun_study.map(|a| citytwin::scene::InitialStudy {
                    area: match a {
                        StudyAreaArg::Site => citytwin::scene::StudyArea::ScenarioSite,
                        StudyAreaArg::View => citytwin::scene::StudyArea::AroundView(600.0),
                    },
                    view: match cli.view.study_view {
                        StudyViewArg::Baseline => citytwin::scene::StudyView::Baseline,
                        StudyViewArg::Scenario => citytwin::scene::StudyView::Scenario,
                        StudyViewArg::Difference => citytwin::scene::StudyView::Difference,
                    },
                }),
            },
        ),
        Some(Command::Check {
            json,
            strict,
            types,
            dem,
            tileset,
            ..
        }) => {
            let mut config = config;
            if let Some(dem) = dem {
                // As given on the command line: relative to the working directory.
                config.terrain.file = std::path::absolute(&dem)
                    .unwrap_or(dem)
                    .display()
                    .to_string();
            }
            cli::check::command(&config, json, strict, &types, tileset.as_deref())
        }
        // Answered before the configuration is read.
        Some(Command::Sun { .. } | Command::KioskPin) => ExitCode::SUCCESS,
        Some(Command::Shadow {
            data, study, json, ..
        }) => cli::shadow::command(
            &config,
            &cli::shadow::ShadowOptions {
                date: study.date,
                scenario: data.scenario.first().cloned(),
                site: study.site,
                bbox: study.bbox,
                cell_m: study.cell,
                step_min: study.step_min,
                points: study.point,
                csv: study.csv,
                margin_m: study.margin,
            },
            json,
        ),
        Some(Command::Broker { options, .. }) => cli::broker::command(&config, options),
        Some(Command::Comments {
            what: CommentsCommand::Export {
                format, all, out, ..
            },
        }) => cli::comments::export_command(
            &config,
            match format {
                FormatArg::Geojson => cli::comments::ExportFormat::GeoJson,
                FormatArg::Csv => cli::comments::ExportFormat::Csv,
            },
            all,
            out,
        ),
        Some(Command::Simulate {
            rate,
            bbox,
            seed,
            duration,
            ..
        }) => cli::simulate::command(&config, rate, bbox, seed, duration),
        Some(Command::Bench {
            what:
                Bench::Live {
                    json,
                    rate,
                    seconds,
                    sensors,
                    mqtt,
                },
        }) => cli::bench::live_command(
            &cli::bench::live::LiveBench {
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
        }) => cli::bench::buildings_command(
            &cli::bench::buildings::BuildingsBench {
                count,
                first_frame: !no_frame,
                timeout_s: timeout,
            },
            json,
        ),
        Some(Command::Bench {
            what: Bench::Scenario { json, count },
        }) => cli::bench::scenario_command(count, json),
        Some(Command::Bench {
            what: Bench::Kiosk { json, minutes },
        }) => cli::bench::kiosk_command(minutes, json),
        Some(Command::Bench {
            what: Bench::Shadow { json, side, cell },
        }) => cli::bench::shadow_command(&config, side, cell, json),
        Some(Command::Bench {
            what:
                Bench::Hostile {
                    json,
                    good,
                    hostile,
                    no_viewer,
                },
        }) => cli::bench::hostile_command(good, hostile, !no_viewer, json),
        Some(Command::Bench {
            what:
                Bench::Soak {
                    json,
                    minutes,
                    rate,
                    sensors,
                },
        }) => cli::bench::soak_command(minutes, rate, sensors, json),
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
