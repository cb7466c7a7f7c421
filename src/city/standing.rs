//! Buildings set on the terrain: each stands at the lowest ground under its footprint, or
//! where its own data put its ground (a CityJSON model's lowest point).

use super::{Building, CityModel};
use crate::config::Config;
use crate::terrain::HeightGrid;
use std::sync::Arc;

/// Sets every building's [`elevation`](super::Building::elevation) on `grid` (0 where a
/// footprint is off the terrain) and keeps the grid in the model for what comes later.
/// Setting it again gives the same: it can run on a cached city.
pub fn stand_on(model: &mut CityModel, grid: &Arc<HeightGrid>) {
    for b in &mut model.buildings {
        b.elevation = elevation_on(b, grid);
    }
    model.terrain = Some(grid.clone());
}

/// Where a building stands on `grid`: its own ground where its data give one, else the
/// lowest terrain under its footprint (0 off the terrain).
pub fn elevation_on(b: &Building, grid: &HeightGrid) -> f64 {
    match b.own_ground {
        Some(ground) => ground,
        None => {
            let outline: Vec<[f64; 2]> = b
                .footprint
                .polygons()
                .iter()
                .flat_map(|p| p.exterior().coords().map(|c| [c.x, -c.y]))
                .collect();
            grid.lowest_under(&outline).map_or(0.0, f64::from)
        }
    }
}

/// Sets the buildings on the configured terrain (`[terrain]`), if any; flat (elevation 0)
/// otherwise. A terrain that cannot be read leaves them flat: the viewer and `check` say why.
pub fn stand_on_configured(model: &mut CityModel, config: &Config) {
    match crate::terrain::configured(config, model.origin, &model.crs) {
        Some(Ok(grid)) => stand_on(model, &grid),
        _ => {
            for b in &mut model.buildings {
                b.elevation = 0.0;
            }
            model.terrain = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::georef::{Transformer, WGS84};
    use crate::source::Source;

    /// A square of `side` metres around a point of the Bilbao DEM (EPSG:25830), as a
    /// GeoJSON feature in WGS84.
    fn square(id: &str, x: f64, y: f64, side: f64) -> String {
        let to_wgs84 = Transformer::new("EPSG:25830", WGS84).unwrap();
        let h = side / 2.0;
        let ring: Vec<String> = [(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)]
            .iter()
            .map(|(dx, dy)| {
                let (lon, lat) = to_wgs84.convert(x + dx, y + dy).unwrap();
                format!("[{lon},{lat}]")
            })
            .collect();
        format!(
            r#"{{"type":"Feature","id":"{id}","properties":{{"height":12}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
            ring.join(",")
        )
    }

    #[test]
    fn buildings_stand_at_the_lowest_ground_under_them_on_a_real_dem() {
        let dir = std::env::temp_dir().join(format!("citytwin-standing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // On the hillside east of the estuary (pixel 600, 50: 38 m) and by the water (340,
        // 340: 0 m), pixel centres as GDAL gives them (terrain/tests.rs).
        let features = [
            square("hill", 502_403.24, 4_796_947.54, 30.0),
            square("shore", 501_102.92, 4_795_497.77, 30.0),
        ];
        let file = dir.join("bilbao.geojson");
        std::fs::write(
            &file,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
        let mut config = Config::default();
        config.terrain.file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/terrain/bilbao_pnoa_dem_5m_epsg25830.tif")
            .display()
            .to_string();
        let model = crate::city::load(&Source::File(file), &config).unwrap();
        assert_eq!(model.buildings.len(), 2, "{:?}", model.skipped);
        let grid = crate::terrain::configured(&config, model.origin, &model.crs)
            .unwrap()
            .unwrap();
        for b in &model.buildings {
            // The lowest ground under the footprint: no grid node inside it is lower, and
            // its corners stand on ground at least that high.
            let outline: Vec<[f64; 2]> = b.footprint.polygons()[0]
                .exterior()
                .coords()
                .map(|c| [c.x, -c.y])
                .collect();
            for p in &outline {
                let h = f64::from(grid.height_at(p[0], p[1]).unwrap());
                assert!(
                    h >= b.elevation - 1e-6,
                    "{}: corner at {h} m, base {}",
                    b.id,
                    b.elevation
                );
            }
            // The mesh starts there.
            let mut out = crate::geometry::extrude::MeshBuffers::default();
            b.mesh_into(
                &mut out,
                [0.0, 0.0],
                &crate::geometry::extrude::Palette::default(),
            );
            let lowest = out
                .positions
                .iter()
                .map(|p| p[1])
                .fold(f32::INFINITY, f32::min);
            assert!((f64::from(lowest) - b.elevation).abs() < 1e-3, "{}", b.id);
        }
        let hill = model
            .buildings
            .iter()
            .find(|b| b.id.contains("hill"))
            .unwrap();
        let shore = model
            .buildings
            .iter()
            .find(|b| b.id.contains("shore"))
            .unwrap();
        // The 30 m squares span about 7 × 7 pixels around those, where the file holds 35 to
        // 39 m on the hill and 0 m by the water (rasterio).
        assert!(
            (34.0..=38.0).contains(&hill.elevation),
            "{}",
            hill.elevation
        );
        assert!(
            (-0.5..=0.5).contains(&shore.elevation),
            "{}",
            shore.elevation
        );
        // The model keeps the grid for what is added later (a scenario's buildings).
        let b = hill.clone();
        assert_eq!(
            super::elevation_on(&b, model.terrain.as_ref().unwrap()),
            hill.elevation
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
