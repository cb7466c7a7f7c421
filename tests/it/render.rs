//! Render tests: a real window under Xvfb with Mesa's lavapipe, screenshot, pixels checked.
//!
//! They need `xvfb-run` and `mesa-vulkan-drivers` (`make test` installs both). Set
//! CITYTWIN_SKIP_RENDER_TESTS=1 to skip them knowingly; otherwise a missing Xvfb fails.

use crate::{run, temp_dir};
use std::path::Path;
use std::process::Command;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;
/// The side panel's width (logical = physical pixels in screenshot mode).
const PANEL: u32 = citytwin::ui::SIDE_PANEL_WIDTH as u32;

pub(crate) fn headless_available() -> bool {
    if std::env::var_os("CITYTWIN_SKIP_RENDER_TESTS").is_some() {
        eprintln!("render test skipped: CITYTWIN_SKIP_RENDER_TESTS is set");
        return false;
    }
    let found = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "xvfb-run is missing: run `make test` (it installs xvfb and mesa-vulkan-drivers), or set CITYTWIN_SKIP_RENDER_TESTS=1"
    );
    true
}

fn screenshot(out: &Path, extra: &[&str]) -> image::RgbImage {
    let size = format!("{WIDTH}x{HEIGHT}");
    let result = run(Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1920x1200x24"])
        .arg(env!("CARGO_BIN_EXE_citytwin"))
        .args(["--screenshot"])
        .arg(out)
        .args(["--size", &size])
        .args(extra)
        // The sun follows the clock: a summer afternoon at the scene's place, whenever the
        // test runs.
        .args(if extra.contains(&"--at") {
            &[][..]
        } else {
            &["--at", "2026-06-21T13:00"][..]
        })
        .env("WGPU_FORCE_FALLBACK_ADAPTER", "1")
        .env_remove("CITYTWIN_CONFIG"));
    assert!(
        result.status.success(),
        "citytwin --screenshot failed: {:?}",
        result.status
    );
    assert_no_render_errors(&result.stderr);
    let img = image::open(out).expect("a PNG was written").to_rgb8();
    assert_eq!(img.dimensions(), (WIDTH, HEIGHT), "--size is honoured");
    img
}

/// Fails on errors of Bevy's renderer or wgpu in a run's log: an empty mesh handed to the GPU
/// shows as the mesh allocator's "Use-after-free", a bad pipeline as wgpu's errors.
fn assert_no_render_errors(stderr: &[u8]) {
    let log = String::from_utf8_lossy(stderr);
    let bad: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("Use-after-free")
                || (l.contains("ERROR") && (l.contains("bevy_render") || l.contains("wgpu")))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "the renderer reported errors:\n{}",
        bad.join("\n")
    );
}

/// Share of pixels in the box `x0..x1`, `y0..y1` matching `f`.
fn share_in(
    img: &image::RgbImage,
    (x0, x1, y0, y1): (u32, u32, u32, u32),
    f: impl Fn([u8; 3]) -> bool,
) -> f64 {
    let mut hits = 0u32;
    for y in y0..y1 {
        for x in x0..x1 {
            hits += u32::from(f(img.get_pixel(x, y).0));
        }
    }
    f64::from(hits) / f64::from((x1 - x0) * (y1 - y0))
}

/// Share of pixels in the middle of the 3D view (right of the panel) matching `f`.
fn share_in_middle(img: &image::RgbImage, f: impl Fn([u8; 3]) -> bool) -> f64 {
    let view_w = WIDTH - PANEL;
    share_in(
        img,
        (
            PANEL + view_w / 4,
            PANEL + 3 * view_w / 4,
            HEIGHT / 4,
            3 * HEIGHT / 4,
        ),
        f,
    )
}

fn is_sky(p: [u8; 3]) -> bool {
    let [r, g, b] = p.map(i32::from);
    b > r + 12 && b > g
}

#[test]
fn the_demo_renders_buildings_in_the_middle_of_the_view() {
    if !headless_available() {
        return;
    }
    let dir = temp_dir("render");
    // Buildings in a colour nothing else in the scene has, so they can be counted.
    let config = dir.join("red.toml");
    std::fs::write(
        &config,
        "[buildings]\nwall_color = \"#ff0000\"\nroof_color = \"#ff0000\"\n",
    )
    .unwrap();
    let red = screenshot(
        &dir.join("red.png"),
        &["--config", config.to_str().unwrap()],
    );
    let building_share = share_in_middle(&red, |[r, g, b]| {
        i32::from(r) > i32::from(g) + 60 && i32::from(r) > i32::from(b) + 60
    });
    assert!(
        building_share > 0.15,
        "only {:.1}% of the middle is building-coloured",
        building_share * 100.0
    );

    // The default look: not blank, not sky only, sky at the top of the view.
    let img = screenshot(&dir.join("demo.png"), &[]);
    let lum: Vec<f64> = img
        .pixels()
        .map(|p| f64::from(p.0[0]) * 0.3 + f64::from(p.0[1]) * 0.59 + f64::from(p.0[2]) * 0.11)
        .collect();
    let mean = lum.iter().sum::<f64>() / lum.len() as f64;
    let sd = (lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64).sqrt();
    assert!(sd > 15.0, "the picture is nearly uniform (sd {sd:.1})");
    let sky_in_middle = share_in_middle(&img, is_sky);
    assert!(
        sky_in_middle < 0.5,
        "the middle is {:.0}% sky",
        sky_in_middle * 100.0
    );
    let top_row_sky = (PANEL..WIDTH)
        .filter(|&x| is_sky(img.get_pixel(x, 2).0))
        .count();
    assert!(
        top_row_sky as u32 > (WIDTH - PANEL) / 2,
        "no sky at the top of the view"
    );
    // The side panel is drawn: its pixels differ from the 3D view's (egui's panel is grey).
    let panel_px = img.get_pixel(PANEL / 2, HEIGHT - 5).0;
    assert!(!is_sky(panel_px), "the side panel is missing: {panel_px:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cityjson_district_renders_with_roofs_and_walls_apart() {
    if !headless_available() {
        return;
    }
    let dir = temp_dir("render-cityjson");
    // Roofs red, walls blue: the 3DBAG's LoD 2.2 surfaces must show both.
    let config = dir.join("roofs.toml");
    std::fs::write(
        &config,
        "[buildings]\nwall_color = \"#2040ff\"\nroof_color = \"#ff2020\"\n",
    )
    .unwrap();
    let file = crate::fixture("city/3dbag_delft_v20240420.city.jsonl.gz");
    let img = screenshot(
        &dir.join("delft.png"),
        &[
            "--config",
            config.to_str().unwrap(),
            "--file",
            file.to_str().unwrap(),
        ],
    );
    let red = share_in_middle(&img, |[r, g, b]| {
        i32::from(r) > i32::from(g) + 60 && i32::from(r) > i32::from(b) + 60
    });
    let blue = share_in_middle(&img, |[r, g, b]| {
        i32::from(b) > i32::from(r) + 60 && i32::from(b) > i32::from(g) + 30
    });
    assert!(red > 0.03, "roofs: {:.1}% of the middle", red * 100.0);
    assert!(blue > 0.01, "walls: {:.1}% of the middle", blue * 100.0);
}

/// Zürich's buildings are scattered one or two to a tile, many too small to be drawn from
/// afar: their tiles have no simpler mesh, which once reached the GPU as an empty mesh.
#[test]
fn scattered_small_buildings_render_without_empty_meshes() {
    if !headless_available() {
        return;
    }
    let dir = temp_dir("render-zurich");
    let file = crate::fixture("city/zurich_subset_lod2.city.json.gz");
    let img = screenshot(&dir.join("zurich.png"), &["--file", file.to_str().unwrap()]);
    let not_sky = 1.0 - share_in_middle(&img, is_sky);
    assert!(not_sky > 0.05, "the view is empty");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_gltf_model_renders_at_its_anchor() {
    if !headless_available() {
        return;
    }
    use std::io::Read;
    let dir = temp_dir("render-gltf");
    for name in ["DenHaag_01.gltf", "DenHaag_01_bin.bin"] {
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(
            std::fs::File::open(crate::fixture(&format!("city/{name}.gz"))).unwrap(),
        )
        .read_to_end(&mut bytes)
        .unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    // The Den Haag tile (millimetres, Z up) at its own place, and no other data: the view
    // frames it, drawn in red.
    let empty = dir.join("empty.geojson");
    std::fs::write(&empty, r#"{"type": "FeatureCollection", "features": []}"#).unwrap();
    let config = dir.join("model.toml");
    std::fs::write(
        &config,
        format!(
            "[buildings]\nwall_color = \"#ff2020\"\nroof_color = \"#ff2020\"\n\
             [models.den-haag]\nfile = \"{}\"\nlongitude = 4.26684\nlatitude = 52.10136\n\
             units = \"mm\"\nup = \"z\"\n",
            dir.join("DenHaag_01.gltf").display()
        ),
    )
    .unwrap();
    let img = screenshot(
        &dir.join("model.png"),
        &[
            "--config",
            config.to_str().unwrap(),
            "--file",
            empty.to_str().unwrap(),
        ],
    );
    let red = share_in_middle(&img, |[r, g, b]| {
        i32::from(r) > i32::from(g) + 60 && i32::from(r) > i32::from(b) + 60
    });
    assert!(
        red > 0.08,
        "the model covers {:.1}% of the middle",
        red * 100.0
    );
}

#[test]
fn the_swipe_shows_the_scenario_right_of_the_divider_and_the_baseline_left() {
    if !headless_available() {
        return;
    }
    let dir = temp_dir("render-swipe");
    // Baseline buildings red, the proposal green, a view straight onto the bus terminal that
    // the demo's example scenario replaces with a podium and two towers.
    let config = dir.join("swipe.toml");
    std::fs::write(
        &config,
        "[buildings]\nwall_color = \"#ff0000\"\nroof_color = \"#ff0000\"\nproposal_color = \"#00ff00\"\n\
         [sun]\nshadows = false\n\
         [views.terminal]\ncenter = [-73.99152, 40.75695]\ndistance = 900.0\nheading = 0.0\ntilt = 75.0\n",
    )
    .unwrap();
    let shot = |name: &str, divider: &str| {
        screenshot(
            &dir.join(name),
            &[
                "--config",
                config.to_str().unwrap(),
                "--view",
                "terminal",
                "--show-scenario",
                "example",
                "--compare",
                "swipe",
                "--divider",
                divider,
            ],
        )
    };
    let green =
        |[r, g, b]: [u8; 3]| i32::from(g) > i32::from(r) + 60 && i32::from(g) > i32::from(b) + 60;
    let red =
        |[r, g, b]: [u8; 3]| i32::from(r) > i32::from(g) + 60 && i32::from(r) > i32::from(b) + 60;
    // The 3D view lies right of the panel and above the time panel (about 57 px).
    let view_w = WIDTH - PANEL;
    let (cx, cy) = (PANEL + view_w / 2, (HEIGHT - 57) / 2);
    // The divider left of the middle: the terminal's place shows the scenario, green; left of
    // the divider no proposal at all.
    let right = shot("scenario-side.png", "0.3");
    let middle = share_in(&right, (cx - 15, cx + 15, cy - 15, cy + 15), green);
    assert!(
        middle > 0.8,
        "the proposal covers {:.0}% of the middle",
        middle * 100.0
    );
    let divider = PANEL + (view_w as f32 * 0.3) as u32;
    let left = share_in(&right, (PANEL, divider - 4, 0, HEIGHT - 60), green);
    assert!(
        left < 0.001,
        "{:.2}% green left of the divider",
        left * 100.0
    );
    // The divider right of the middle: the terminal stands there, red; nothing green left of it.
    let base = shot("baseline-side.png", "0.7");
    let middle = share_in(&base, (cx - 15, cx + 15, cy - 15, cy + 15), red);
    assert!(
        middle > 0.8,
        "the terminal covers {:.0}% of the middle",
        middle * 100.0
    );
    let divider = PANEL + (view_w as f32 * 0.7) as u32;
    let left = share_in(&base, (PANEL, divider - 4, 0, HEIGHT - 60), green);
    assert!(
        left < 0.001,
        "{:.2}% green left of the divider",
        left * 100.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_sun_hours_heat_map_shows_the_hours_and_a_towers_loss_north_of_it() {
    if !headless_available() {
        return;
    }
    use crate::shadow::{DLAT, LAT, LON, tower_scenario};
    let dir = temp_dir("render-sun-hours");
    let (city, tower) = tower_scenario(&dir);
    // Straight down from 250 m over the ground 30 m north of the tower, north up.
    let config = dir.join("study.toml");
    std::fs::write(
        &config,
        format!(
            "[views.study]\ncenter = [{LON}, {}]\ndistance = 250.0\nheading = 0.0\ntilt = 89.0\n",
            LAT + 30.0 * DLAT
        ),
    )
    .unwrap();
    let shot = |view: &str| {
        screenshot(
            &dir.join(format!("{view}.png")),
            &[
                "--config",
                config.to_str().unwrap(),
                "--file",
                city.to_str().unwrap(),
                "--scenario",
                tower.to_str().unwrap(),
                "--show-scenario",
                "Tower",
                "--view",
                "study",
                "--at",
                "2026-03-21T12:00",
                "--sun-study",
                "site",
                "--study-view",
                view,
            ],
        )
    };
    // The view's middle (the study window opens left of it); the tower stands 30 m (about
    // 130 px) below it.
    let view_w = WIDTH - PANEL;
    let (cx, cy) = (PANEL + view_w / 2, (HEIGHT - 90) / 2);
    let north_of_tower = (cx + 5, cx + 35, cy - 15, cy + 55);
    let far_south = (cx - 20, cx + 20, cy + 245, cy + 285);
    // Baseline: no tower, the sun all day everywhere: the top of the scale, pale yellow.
    let base = shot("baseline");
    let sunny = |p: [u8; 3]| {
        let [r, g, b] = p.map(i32::from);
        r > 180 && g > 150 && b < r - 30
    };
    let s = share_in(&base, north_of_tower, sunny);
    assert!(
        s > 0.8,
        "{:.0}% of the ground north of the site is full-sun yellow",
        s * 100.0
    );
    // Difference: hours lost north of the tower in red, none far south of it (white).
    let diff = shot("difference");
    let red = |p: [u8; 3]| {
        let [r, g, b] = p.map(i32::from);
        r > g + 50 && r > b + 50
    };
    let lost = share_in(&diff, north_of_tower, red);
    assert!(
        lost > 0.5,
        "only {:.0}% red north of the tower",
        lost * 100.0
    );
    let south = share_in(&diff, far_south, red);
    assert!(
        south < 0.05,
        "{:.0}% red far south of the tower",
        south * 100.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The kiosk at 1920×1080 in each language, as a screen reader gets it (`--controls`): every
/// control a finger wide and high (48 logical pixels; WCAG 2.2 2.5.5 asks 44) and named, and
/// no text of the other language anywhere (a message that differs between the two).
#[test]
fn the_kiosk_has_finger_sized_named_controls_in_one_language_at_a_time() {
    use citytwin::language::{Language, keys};
    if !headless_available() {
        return;
    }
    let dir = temp_dir("kiosk-controls");
    // The messages without variables that read differently in the two languages.
    let own = |l: Language| -> Vec<String> {
        keys(l)
            .iter()
            .map(|k| l.t(k))
            .filter(|t| !t.contains('{'))
            .collect()
    };
    let (en, sv) = (own(Language::English), own(Language::Swedish));
    // Nothing to break: no editing (kiosk.allow_editing is off), no files, no hiding the panel.
    let absent = |l: Language| {
        [
            "tool-draw",
            "publish",
            "save-picture",
            "reload",
            "panel-hide",
            "export-csv",
        ]
        .map(|k| l.t(k))
    };
    for (lang, words, other) in [
        ("en", ["Layers", "Live", "Text size"], &sv),
        ("sv", ["Lager", "Live", "Textstorlek"], &en),
    ] {
        let png = dir.join(format!("kiosk-{lang}.png"));
        let json = dir.join(format!("kiosk-{lang}.json"));
        let result = run(Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1920x1200x24"])
            .arg(env!("CARGO_BIN_EXE_citytwin"))
            .args([
                "--kiosk",
                "--lang",
                lang,
                "--size",
                "1920x1080",
                "--screenshot",
            ])
            .arg(&png)
            .arg("--controls")
            .arg(&json)
            .env("WGPU_FORCE_FALLBACK_ADAPTER", "1")
            .env_remove("CITYTWIN_CONFIG"));
        assert!(result.status.success(), "{lang}: {:?}", result.status);
        let tree: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let controls = tree["controls"].as_array().unwrap();
        let names: Vec<&str> = controls
            .iter()
            .map(|c| c["name"].as_str().unwrap_or(""))
            .collect();
        let mut counted = 0;
        for c in controls {
            let role = c["role"].as_str().unwrap();
            if !matches!(
                role,
                "Button"
                    | "CheckBox"
                    | "RadioButton"
                    | "ComboBox"
                    | "Slider"
                    | "TextInput"
                    | "ToggleButton"
                    | "Link"
            ) {
                continue;
            }
            counted += 1;
            let name = c["name"].as_str().unwrap_or("");
            let (w, h) = (c["width"].as_f64().unwrap(), c["height"].as_f64().unwrap());
            assert!(
                w >= 47.5 && h >= 47.5,
                "{lang}: {role} \"{name}\" is {w:.0}×{h:.0} px, under 48"
            );
            if role != "Slider" {
                assert!(!name.trim().is_empty(), "{lang}: a {role} without a name");
            }
        }
        assert!(counted >= 40, "{lang}: only {counted} controls");
        for w in words {
            assert!(names.contains(&w), "{lang}: no \"{w}\" among {names:?}");
        }
        let l = if lang == "en" {
            Language::English
        } else {
            Language::Swedish
        };
        for w in absent(l) {
            assert!(!names.contains(&w.as_str()), "{lang}: \"{w}\" in a kiosk");
        }
        // Texts of the other language (where they read differently from this one's).
        let this = if lang == "en" { &en } else { &sv };
        let foreign: Vec<_> = names
            .iter()
            .filter(|n| other.iter().any(|o| o == *n) && !this.iter().any(|t| t == *n))
            .collect();
        assert!(
            foreign.is_empty(),
            "{lang}: other language's texts {foreign:?}"
        );
    }
}

#[test]
fn streets_and_water_show_from_above_under_the_buildings() {
    if !headless_available() {
        return;
    }
    let dir = temp_dir("render-ground");
    // Streets and water in colours nothing else has; a view straight down on Chelsea and the
    // Hudson, high enough to take in the river west of Manhattan.
    let config = dir.join("ground.toml");
    std::fs::write(
        &config,
        "[ground]\ncolors = { streets = \"#ff0000\", water = \"#00ff00\" }\n\
         [views.above]\ntitle = \"Above\"\ncenter = [-74.0035, 40.7480]\ndistance = 1800.0\n\
         heading = 0.0\ntilt = 89.0\n",
    )
    .unwrap();
    let img = screenshot(
        &dir.join("ground.png"),
        &["--config", config.to_str().unwrap(), "--view", "above"],
    );
    let (w, h) = (WIDTH - PANEL, HEIGHT);
    let is_street =
        |[r, g, b]: [u8; 3]| i32::from(r) > i32::from(g) + 70 && i32::from(r) > i32::from(b) + 70;
    let is_water =
        |[r, g, b]: [u8; 3]| i32::from(g) > i32::from(r) + 70 && i32::from(g) > i32::from(b) + 70;
    // The river is in the left part of the view (west), the streets all over it.
    let water_west = share_in(&img, (PANEL, PANEL + w / 4, 0, h), is_water);
    let water_east = share_in(&img, (PANEL + 3 * w / 4, WIDTH, 0, h), is_water);
    let streets = share_in(&img, (PANEL, WIDTH, 0, h), is_street);
    assert!(
        water_west > 0.3,
        "only {:.1}% of the west quarter is water",
        water_west * 100.0
    );
    assert!(
        water_east < 0.05,
        "{:.1}% of the east quarter is water",
        water_east * 100.0
    );
    assert!(
        streets > 0.04,
        "only {:.1}% of the view is street",
        streets * 100.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two 40 m blocks on the Bilbao DEM as GeoJSON, one on the hill east of the estuary and one
/// by the water.
fn bilbao_blocks(dir: &Path) -> std::path::PathBuf {
    let block = |id: &str, x: f64, y: f64| crate::bilbao_square(id, x, y, 40.0, r#"{"height":30}"#);
    let file = dir.join("blocks.geojson");
    std::fs::write(
        &file,
        format!(
            r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
            block("hill", 502_698.3, 4_794_747.9),
            block("shore", 501_102.9, 4_795_497.8)
        ),
    )
    .unwrap();
    file
}

#[test]
fn a_terrain_rises_against_the_sky_where_flat_ground_does_not() {
    if !headless_available() {
        return;
    }
    let dir = temp_dir("render-terrain");
    let blocks = bilbao_blocks(&dir);
    let dem = crate::fixture("terrain/bilbao_pnoa_dem_5m_epsg25830.tif");
    // The ground in a colour nothing else has; a low view from the estuary (0 m) east
    // towards the hills (up to 103 m, 1.6 km away): the eye 42 m up, below their tops.
    let view = "[views.across]\ntitle = \"Across\"\ncenter = [-2.9864, 43.3123]\ndistance = 400.0\n\
                heading = 90.0\ntilt = 6.0\n[scene]\nground_color = \"#ff00ff\"\n";
    let mut topmost = Vec::new();
    for (name, terrain) in [
        ("flat", String::new()),
        ("terrain", dem.display().to_string()),
    ] {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, format!("{view}[terrain]\nfile = \"{terrain}\"\n")).unwrap();
        let img = screenshot(
            &dir.join(format!("{name}.png")),
            &[
                "--config",
                config.to_str().unwrap(),
                "--file",
                blocks.to_str().unwrap(),
                "--view",
                "across",
            ],
        );
        let is_ground = |[r, g, b]: [u8; 3]| {
            i32::from(r) > i32::from(g) + 40 && i32::from(b) > i32::from(g) + 40
        };
        // In each column of the middle of the view, the highest row of ground; averaged.
        let columns = (PANEL + 50..WIDTH - 50).step_by(10);
        let n = columns.len() as f64;
        let mean: f64 = columns
            .map(|x| {
                (0..HEIGHT)
                    .find(|&y| is_ground(img.get_pixel(x, y).0))
                    .unwrap_or(HEIGHT) as f64
            })
            .sum::<f64>()
            / n;
        topmost.push(mean);
    }
    // The hills stand above the horizon of flat ground.
    assert!(
        topmost[1] + 15.0 < topmost[0],
        "the ground reaches row {:.0} on the terrain and {:.0} when flat",
        topmost[1],
        topmost[0]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_park_on_the_hill_lies_on_the_terrain_not_under_it() {
    if !headless_available() {
        return;
    }
    let dir = temp_dir("render-drape");
    let blocks = bilbao_blocks(&dir);
    let dem = crate::fixture("terrain/bilbao_pnoa_dem_5m_epsg25830.tif");
    // A 200 m square of park on the hill east of the estuary (10–95 m up), 150 m west of the
    // hill block, in a colour nothing else has; seen from 500 m.
    let park = dir.join("park.geojson");
    std::fs::write(
        &park,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            crate::bilbao_square("park", 502_550.0, 4_794_748.0, 200.0, "{}")
        ),
    )
    .unwrap();
    let config = dir.join("drape.toml");
    std::fs::write(
        &config,
        format!(
            "[terrain]\nfile = {:?}\n[ground.park]\nfile = {:?}\nclass = \"parks\"\n\
             [ground]\ncolors = {{ parks = \"#00ff00\" }}\n\
             [views.hill]\ntitle = \"Hill\"\ncenter = [-2.9686, 43.3056]\ndistance = 500.0\n\
             heading = 300.0\ntilt = 35.0\n",
            dem.display().to_string(),
            park.display().to_string()
        ),
    )
    .unwrap();
    let img = screenshot(
        &dir.join("drape.png"),
        &[
            "--config",
            config.to_str().unwrap(),
            "--file",
            blocks.to_str().unwrap(),
            "--view",
            "hill",
        ],
    );
    // Laid flat at 0 m the park would be under the hill and not seen at all.
    let is_park =
        |[r, g, b]: [u8; 3]| i32::from(g) > i32::from(r) + 60 && i32::from(g) > i32::from(b) + 60;
    let share = share_in_middle(&img, is_park);
    assert!(
        share > 0.1,
        "the park covers {share:.3} of the middle of the view"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn map_tiles_drape_the_ground_and_a_second_start_draws_them_from_the_cache_offline() {
    if !headless_available() {
        return;
    }
    let dir = temp_dir("render-map-tiles");
    let server = crate::maptiles::TileServer::start([255, 0, 255], "max-age=86400");
    let config = dir.join("tiles.toml");
    std::fs::write(
        &config,
        format!(
            "[map_tiles]\ncache_dir = \"{}\"\n[map_tiles.test]\nurl = \"{}\"\n\
             attribution = \"© test tiles\"\n\
             [views.above]\ntitle = \"Above\"\ncenter = [-73.9857, 40.7484]\n\
             distance = 1800.0\nheading = 0.0\ntilt = 89.0\n",
            dir.join("cache").display(),
            server.url()
        ),
    )
    .unwrap();
    let is_tile =
        |[r, g, b]: [u8; 3]| i32::from(r) > i32::from(g) + 60 && i32::from(b) > i32::from(g) + 60;
    let args = ["--config", config.to_str().unwrap(), "--view", "above"];
    let img = screenshot(&dir.join("online.png"), &args);
    let online = share_in_middle(&img, is_tile);
    let asked = server.asked();
    assert!(!asked.is_empty());
    let mut unique = asked.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), asked.len(), "no tile asked for twice");
    drop(server);
    let img = screenshot(&dir.join("offline.png"), &args);
    let offline = share_in_middle(&img, is_tile);
    // Between the buildings, the ground is the tiles' colour, with and without the server.
    assert!(online > 0.25, "{:.1}% tile colour online", online * 100.0);
    assert!(
        offline > 0.25,
        "{:.1}% tile colour offline",
        offline * 100.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}
