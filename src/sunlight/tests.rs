//! Sun-hours around one box building, checked against a ray–box test written apart from the
//! BVH path.

use super::samples::{SunPath, path};
use super::*;
use crate::cancel::Cancel;
use crate::city::{Building, HeightSource};
use crate::geometry::Footprint;
use chrono::NaiveDate;

/// Stockholm, in its own time zone.
const PLACE: [f64; 2] = [18.07, 59.33];
/// The box: 20 m × 20 m, 30 m high, centred on the scene origin.
const HALF: f64 = 10.0;
const HEIGHT: f64 = 30.0;

fn box_building() -> Building {
    let ring = vec![
        [-HALF, -HALF],
        [HALF, -HALF],
        [HALF, HALF],
        [-HALF, HALF],
        [-HALF, -HALF],
    ];
    Building {
        id: "urn:ngsi-ld:Building:box".into(),
        name: None,
        address: None,
        height: HEIGHT,
        base: 0.0,
        height_source: HeightSource::Default,
        footprint: Footprint::new(vec![vec![ring]]).unwrap(),
        attributes: Vec::new(),
        shell: None,
        elevation: 0.0,
        own_ground: None,
    }
}

fn day(y: i32, m: u32, d: u32) -> SunPath {
    path(
        NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        chrono_tz::Europe::Stockholm,
        PLACE,
        10.0,
    )
}

/// The independent answer: a slab test of each sample's ray against the box, in f64.
fn expected(p: [f64; 2], path: &SunPath) -> f64 {
    let lo = [-HALF, -HALF, 0.0];
    let hi = [HALF, HALF, HEIGHT];
    let o = [p[0], p[1], 0.05];
    path.samples
        .iter()
        .filter(|s| {
            let d = s.sun.direction_enu();
            let (mut near, mut far) = (0.0f64, f64::INFINITY);
            for k in 0..3 {
                if d[k].abs() < 1e-12 {
                    if o[k] < lo[k] || o[k] > hi[k] {
                        return true;
                    }
                    continue;
                }
                let (a, b) = ((lo[k] - o[k]) / d[k], (hi[k] - o[k]) / d[k]);
                near = near.max(a.min(b));
                far = far.min(a.max(b));
            }
            near > far
        })
        .map(|s| s.hours)
        .sum()
}

#[test]
fn hours_around_a_box_match_a_separate_ray_box_test() {
    let occluders = Occluders::new([&box_building()], [0.0, 0.0], 0.0);
    assert_eq!(
        occluders.bvh.len(),
        10,
        "a flat roof (2) and four walls (8)"
    );
    for path in [day(2026, 3, 20), day(2026, 6, 21)] {
        let sides = [
            ("south", [0.0, -15.0]),
            ("north", [0.0, 15.0]),
            ("east", [15.0, 0.0]),
            ("west", [-15.0, 0.0]),
        ];
        for (side, p) in sides {
            let (hours, _) = sun_hours_at(&occluders, &path, p).unwrap();
            let want = expected(p, &path);
            // Samples grazing a wall may fall either way in f32; one sample at most.
            assert!(
                (hours - want).abs() <= path.step_min / 60.0 + 1e-6,
                "{} {side}: {hours} h, the ray–box test says {want} h",
                path.date
            );
        }
        // Due south the box never hides the sun on the equinox (it stands north of it) —
        // and in June only while the sun is in the north, early and late.
        let (south, _) = sun_hours_at(&occluders, &path, [0.0, -15.0]).unwrap();
        if path.date.month0() == 2 {
            assert!(
                (south - path.day_length_h).abs() < 1e-3,
                "{south} of {}",
                path.day_length_h
            );
        } else {
            assert!(south < path.day_length_h - 2.0 && south > 9.0, "{south}");
        }
        // Due north, 5 m from a 30 m wall: in shadow from mid-morning to mid-afternoon.
        let (north, _) = sun_hours_at(&occluders, &path, [0.0, 15.0]).unwrap();
        assert!(
            north < path.day_length_h - 4.0,
            "{north} of {}",
            path.day_length_h
        );
        // Under the building: no ground.
        assert!(sun_hours_at(&occluders, &path, [0.0, 0.0]).is_none());
    }
}

#[test]
fn the_grid_agrees_with_single_points_and_summarises() {
    let occluders = Occluders::new([&box_building()], [0.0, 0.0], 0.0);
    let path = day(2026, 3, 20);
    let grid = Grid::covering([-41.0, -41.0, 39.0, 39.0], 4.0, 1_000_000).unwrap();
    assert_eq!((grid.cols, grid.rows), (20, 20));
    let progress = Progress::default();
    let hours = study(&occluders, &path, grid, &Cancel::new(), &progress).unwrap();
    assert_eq!(progress.fraction(), 1.0);
    for i in [0, 57, 190, 210, 399] {
        let p = grid.centre_of(i);
        let single = sun_hours_at(&occluders, &path, p).map(|h| h.0 as f32);
        let cell = hours.total[i];
        match single {
            Some(h) => assert!((h - cell).abs() < 1e-4, "cell {i}: {h} vs {cell}"),
            None => assert!(cell.is_nan()),
        }
    }
    // 5 × 5 cells lie under the box.
    assert_eq!(hours.total.iter().filter(|h| h.is_nan()).count(), 25);
    let all = Summary::of(&hours, |_| true);
    assert_eq!(all.cells, 375);
    let mean = all.mean_sun_hours.unwrap();
    assert!(
        mean < path.day_length_h && mean > path.day_length_h - 2.0,
        "{mean}"
    );
    assert!(all.share_at_least_2h.unwrap() > 0.9);
    // North of the box only: less sun.
    let north = Summary::of(&hours, |p| p[1] > HALF && p[0].abs() < HALF);
    assert!(north.mean_sun_hours.unwrap() < mean - 1.0, "{north:?}");
    let cancel = Cancel::new();
    cancel.cancel();
    assert!(study(&occluders, &path, grid, &cancel, &Progress::default()).is_none());
}

#[test]
fn the_grid_turns_the_sun_by_the_projection_convergence() {
    // Midtown Manhattan on UTM zone 18N, east of the zone's central meridian (−75°): true
    // north leans 0.67° west of grid north, towards the meridian (arctan(tan Δλ · sin φ)).
    let georef =
        crate::georef::Georef::new(crate::georef::LonLat::new(-73.98, 40.75), None).unwrap();
    let g = grid_convergence_deg(&georef);
    let want = -((-73.98f64 + 75.0).to_radians().tan() * 40.75f64.to_radians().sin()).atan();
    assert!((g - want.to_degrees()).abs() < 0.01, "{g}");
}

use chrono::Datelike as _;

#[test]
fn on_a_terrain_a_deep_trench_gets_no_sun_and_a_plateau_all_day() {
    // A 100 m plateau 1 km square with an east–west trench sunk in it, 100 m wide and 600 m
    // long (walls 10 m thick). At Stockholm's equinox the sun climbs to 31°; from the middle
    // of the floor it would need 63° to clear the side walls, and 18° to clear the end walls,
    // by when it stands far from the trench's axis. The plateau's top sees it all day.
    let (cols, rows) = (101, 101);
    let heights = (0..rows)
        .flat_map(|r| {
            (0..cols).map(move |c| {
                let (x, z) = (-500.0 + c as f32 * 10.0, -500.0 + r as f32 * 10.0);
                let off = (z.abs() - 50.0).max(x.abs() - 300.0);
                (off * 10.0).clamp(0.0, 100.0)
            })
        })
        .collect();
    let grid = std::sync::Arc::new(crate::terrain::HeightGrid::new(
        -500.0, -500.0, 10.0, cols, rows, heights,
    ));
    let surface = TerrainSurface::new(grid);
    assert_eq!(surface.height_at(0.0, -300.0), Some(100.0));
    let none: [&Building; 0] = [];
    let occluders = Occluders::on_terrain(none, [0.0, 0.0], 0.0, Some(surface));
    let flat = Occluders::new(none, [0.0, 0.0], 0.0);
    let path = day(2026, 3, 20);
    let (trench, _) = sun_hours_at(&occluders, &path, [0.0, 0.0]).unwrap();
    let (open, _) = sun_hours_at(&flat, &path, [0.0, 0.0]).unwrap();
    assert!(trench < 0.01, "{trench} h in the trench");
    assert!(
        (open - path.day_length_h).abs() < 1e-3,
        "{open} h on flat ground"
    );
    // On the plateau the cell lies on top of it (at 0 m it would be inside the hill).
    let (plateau, _) = sun_hours_at(&occluders, &path, [0.0, 300.0]).unwrap();
    assert!(
        (plateau - path.day_length_h).abs() < 0.2,
        "{plateau} of {} h on the plateau",
        path.day_length_h
    );
}
