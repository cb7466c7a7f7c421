use super::*;
use geo::{Area, Polygon};

fn georef() -> Georef {
    Georef::new(LonLat::new(-73.9857, 40.7484), None).unwrap()
}

/// The area (m²) the triangles cover, overlaps counted twice; and whether all face up.
fn covered(tiles: &[GroundTile]) -> (f64, bool) {
    let mut area = 0.0;
    let mut up = true;
    for t in tiles {
        let p = &t.mesh.positions;
        for tri in t.mesh.indices.chunks_exact(3) {
            let [a, b, c] = [tri[0], tri[1], tri[2]].map(|i| p[i as usize]);
            // y of (b − a) × (c − a): positive when the triangle faces up.
            let y = (b[2] - a[2]) * (c[0] - a[0]) - (b[0] - a[0]) * (c[2] - a[2]);
            up &= y >= 0.0;
            area += f64::from(y.abs()) / 2.0;
        }
    }
    (area, up)
}

fn feature(class: GroundClass, shape: Shape) -> GroundData {
    GroundData {
        features: vec![GroundFeature {
            id: "way/1".into(),
            class,
            name: Some("West 34th Street".into()),
            shape,
        }],
        ..GroundData::default()
    }
}

#[test]
fn a_street_surface_covers_the_area_geo_gives() {
    // A square of about 85 × 111 m around the origin, with a hole, in degrees.
    let ring = |w: f64, s: f64, e: f64, n: f64| {
        LineString::from(vec![(w, s), (e, s), (e, n), (w, n), (w, s)])
    };
    let polygon = Polygon::new(
        ring(-73.9862, 40.7479, -73.9852, 40.7489),
        vec![ring(-73.9859, 40.7482, -73.9855, 40.7486)],
    );
    let data = feature(
        GroundClass::Street,
        Shape::Area(geo::MultiPolygon(vec![polygon.clone()])),
    );
    let g = georef();
    let meshes = build(&data, &g, 500.0, &Cancel::new());
    let (area, up) = covered(&meshes.tiles);
    // The same polygon projected by hand, its area by geo.
    let project = |l: &LineString<f64>| {
        LineString(
            l.0.iter()
                .map(|c| {
                    let p = g.lonlat_to_scene(LonLat::new(c.x, c.y), 0.0).unwrap();
                    Coord { x: p[0], y: -p[2] }
                })
                .collect(),
        )
    };
    let expected = Polygon::new(
        project(polygon.exterior()),
        polygon.interiors().iter().map(project).collect(),
    )
    .unsigned_area();
    assert!(up, "every triangle faces up");
    assert!(
        (area - expected).abs() < expected * 1e-4,
        "{area} against {expected}"
    );
    assert!(expected > 5_000.0);
    assert_eq!(meshes.drawn.get("streets"), Some(&1));
}

#[test]
fn a_straight_street_is_a_band_of_its_width_with_rounded_ends() {
    let line = LineString::from(vec![(-73.9862, 40.7484), (-73.9850, 40.7484)]);
    let data = feature(
        GroundClass::Street,
        Shape::Line {
            line,
            width_m: 10.0,
        },
    );
    let g = georef();
    let meshes = build(&data, &g, 500.0, &Cancel::new());
    let (area, up) = covered(&meshes.tiles);
    let length = 0.0012_f64.to_radians() * 6_371_000.0 * 40.7484_f64.to_radians().cos();
    // The band, and two half discs drawn as half octagons (a little under πr²).
    let band = length * 10.0;
    let octagon = 2.0 * 25.0 * std::f64::consts::SQRT_2;
    assert!(up);
    assert!(
        (area - band - octagon).abs() < band * 0.01,
        "{area} against {}",
        band + octagon
    );
    let label = &meshes.streets[0];
    assert_eq!(label.name, "West 34th Street");
    assert!(
        (label.bearing_deg - 90.0).abs() < 1.0,
        "{}",
        label.bearing_deg
    );
    let middle = g
        .lonlat_to_scene(LonLat::new(-73.9856, 40.7484), 0.0)
        .unwrap();
    assert!(
        (label.at[0] - middle[0]).abs() < 0.5,
        "{:?} against {middle:?}",
        label.at
    );
    assert!(
        (label.at[1] + middle[2]).abs() < 0.5,
        "{:?} against {middle:?}",
        label.at
    );
}

#[test]
fn bends_are_filled_on_their_outside() {
    // An L: 100 m east then 100 m north, 10 m wide; the outer corner is a quarter disc.
    let g = georef();
    let to_deg = |e: f64, n: f64| g.scene_to_lonlat([e, 0.0, -n]).unwrap().0;
    let pts: Vec<(f64, f64)> = [(0.0, 0.0), (100.0, 0.0), (100.0, 100.0)]
        .iter()
        .map(|&(e, n)| {
            let p = to_deg(e, n);
            (p.lon, p.lat)
        })
        .collect();
    let data = feature(
        GroundClass::Path,
        Shape::Line {
            line: LineString::from(pts),
            width_m: 10.0,
        },
    );
    let meshes = build(&data, &g, 500.0, &Cancel::new());
    let (area, up) = covered(&meshes.tiles);
    assert!(up);
    // Two bands of 100 × 10 (overlapping by a 5 × 5 square inside the bend), a quarter
    // disc outside it (two 45° steps), two rounded ends.
    let quarter = 2.0 * 0.5 * 25.0 * std::f64::consts::FRAC_1_SQRT_2;
    let ends = 2.0 * 25.0 * std::f64::consts::SQRT_2;
    let expected = 2000.0 + quarter + ends;
    assert!((area - expected).abs() < 30.0, "{area} against {expected}");
}

#[test]
fn features_of_another_city_are_left_out_and_cancel_stops() {
    let line = LineString::from(vec![(4.36, 52.01), (4.37, 52.01)]); // Delft
    let data = feature(GroundClass::Street, Shape::Line { line, width_m: 7.0 });
    let meshes = build(&data, &georef(), 500.0, &Cancel::new());
    assert_eq!(meshes.too_far, 1);
    assert!(meshes.tiles.is_empty());
    let cancel = Cancel::new();
    cancel.cancel();
    let near = feature(
        GroundClass::Street,
        Shape::Line {
            line: LineString::from(vec![(-73.9862, 40.7484), (-73.9850, 40.7484)]),
            width_m: 7.0,
        },
    );
    assert!(build(&near, &georef(), 500.0, &cancel).tiles.is_empty());
}
