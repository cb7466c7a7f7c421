//! Integration tests: the `citytwin` binary as a user runs it. One test binary, so Bevy is
//! linked once.

mod broker;
mod buildings;
mod check;
mod comments;
mod config;
mod exit;
mod faults;
mod fuzz;
mod kiosk;
mod layering;
mod live;
mod maptiles;
mod measure;
mod offline;
mod render;
mod scenarios;
mod secrets;
mod shadow;
mod sun;
mod tilesets;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn citytwin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_citytwin"));
    c.env_remove("CITYTWIN_CONFIG");
    c
}

/// A file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fresh empty folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citytwin-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A GeoJSON Feature (WGS84): the square of `side` metres around `(x, y)` in the Bilbao DEM's
/// CRS (EPSG:25830), with `properties` (a JSON object).
pub fn bilbao_square(id: &str, x: f64, y: f64, side: f64, properties: &str) -> String {
    let to_wgs84 = citytwin::georef::Transformer::new("EPSG:25830", "EPSG:4326").unwrap();
    let h = side / 2.0;
    let ring: Vec<String> = [(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)]
        .iter()
        .map(|(dx, dy)| {
            let (lon, lat) = to_wgs84.convert(x + dx, y + dy).unwrap();
            format!("[{lon},{lat}]")
        })
        .collect();
    format!(
        r#"{{"type":"Feature","id":"{id}","properties":{properties},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        ring.join(",")
    )
}

/// The side (pixels) of the square view a headless app's camera draws.
pub const VIEW_PX: u32 = 1000;

/// Puts a headless app's main camera at `transform`. On first use it is made: perspective,
/// 0.8 rad of field of view, drawing a [`VIEW_PX`] square that the 3D view fills.
pub fn aim_main_camera(app: &mut bevy::app::App, transform: bevy::prelude::Transform) {
    use bevy::camera::{ComputedCameraValues, RenderTargetInfo};
    use bevy::prelude::*;
    use citytwin::scene::{MainCamera, ViewArea};
    let world = app.world_mut();
    let mut q = world.query_filtered::<(&mut Transform, &mut GlobalTransform), With<MainCamera>>();
    if let Ok((mut t, mut g)) = q.single_mut(world) {
        *t = transform;
        *g = GlobalTransform::from(transform);
        return;
    }
    let computed = ComputedCameraValues {
        clip_from_view: Mat4::perspective_infinite_reverse_rh(0.8, 1.0, 0.1),
        target_info: Some(RenderTargetInfo {
            physical_size: UVec2::splat(VIEW_PX),
            scale_factor: 1.0,
        }),
        ..default()
    };
    world.spawn((
        Camera {
            computed,
            ..default()
        },
        Projection::Perspective(PerspectiveProjection {
            fov: 0.8,
            aspect_ratio: 1.0,
            ..default()
        }),
        transform,
        GlobalTransform::from(transform),
        MainCamera,
    ));
    *world.resource_mut::<ViewArea>() = ViewArea {
        min: Vec2::ZERO,
        size: Vec2::splat(VIEW_PX as f32),
    };
}

/// Runs and returns the output, printing stderr when the test fails later.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the citytwin binary runs");
    eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// One HTTP/1.1 request from `r`: its head lines and its body; None at the end of the stream.
pub fn read_request(
    r: &mut impl std::io::BufRead,
) -> std::io::Result<Option<(Vec<String>, Vec<u8>)>> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = head
        .iter()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    r.read_exact(&mut body)?;
    Ok(Some((head, body)))
}

/// A request (head lines and body, from [`read_request`]) passed on to `backend` on loopback
/// with `Connection: close`, and its whole answer (empty when the backend cannot be reached).
pub fn pass_on(head: &[String], body: &[u8], backend: u16) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut request = String::new();
    for line in head
        .iter()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
    {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str("Connection: close\r\n\r\n");
    let mut answer = Vec::new();
    if let Ok(mut back) = std::net::TcpStream::connect(("127.0.0.1", backend)) {
        let _ = back.write_all(request.as_bytes());
        let _ = back.write_all(body);
        let _ = back.read_to_end(&mut answer);
    }
    answer
}
