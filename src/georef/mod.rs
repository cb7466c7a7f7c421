//! Georeferencing: from geographic or projected source coordinates to the scene's local metres.
//!
//! The chain is `source CRS → projected CRS → scene`, all in `f64`:
//!
//! * the **source CRS** is what the data declares (WGS84 longitude/latitude for GeoJSON and
//!   NGSI-LD, an EPSG code for CityJSON);
//! * the **projected CRS** is a metric map projection, by default the UTM zone of the scene
//!   origin ([`utm_crs_for`]);
//! * the **scene** frame puts the origin at `(0, 0, 0)` with east = +X, up = +Y and
//!   north = −Z, the right-handed, Y-up convention Bevy uses. Only the final step to Bevy
//!   converts to `f32`, so positions within ±16 km keep millimetre precision.
//!
//! PROJ needs its database (`proj.db`) to resolve EPSG codes. citytwin links PROJ 9.6 built
//! from source with the database compiled into the library (PROJ's `EMBED_RESOURCE_FILES`),
//! so the binary needs no PROJ installation. Every PROJ context gets an explicit search path
//! ([`NO_PROJ_DATA_DIR`]), which keeps PROJ from looking in the system's `share/proj` (where
//! another PROJ version's database may lie); the `citytwin` binary also clears `PROJ_DATA` and
//! `PROJ_LIB` when it starts, for the same reason.
//!
//! ```
//! use citytwin::georef::{Georef, LonLat};
//! let origin = LonLat::new(-73.9857, 40.7484); // Empire State Building
//! let georef = Georef::new(origin, None).unwrap();
//! assert_eq!(georef.projected_crs(), "EPSG:32618"); // UTM zone 18N
//! let p = georef.lonlat_to_scene(LonLat::new(-73.9857, 40.7494), 10.0).unwrap();
//! assert!((p[1] - 10.0).abs() < 1e-9); // the height passes through
//! assert!((p[2] + 111.0).abs() < 0.5); // 0.001° north ≈ 111 m, which is −Z
//! assert!(p[0].abs() < 2.0); // grid north differs from true north by ~0.7° here
//! ```

use proj::{Proj, ProjBuilder};

/// The search path added for PROJ: a folder that does not exist. With a search path set, PROJ
/// looks only in its user folder, its build folder and the search paths, never in the
/// system's `share/proj`, and falls back to the `proj.db` compiled into it.
pub const NO_PROJ_DATA_DIR: &str = "/nonexistent/citytwin-uses-the-proj.db-compiled-into-proj";

/// The EPSG code of WGS84 geographic coordinates, as GeoJSON and NGSI-LD use them.
pub const WGS84: &str = "EPSG:4326";

/// A geographic position in degrees: longitude (east positive) and latitude (north positive).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LonLat {
    /// Longitude in degrees, −180..180.
    pub lon: f64,
    /// Latitude in degrees, −90..90.
    pub lat: f64,
}

impl LonLat {
    /// A position from longitude and latitude in degrees.
    pub const fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// Whether both values are finite and within the ranges of longitude and latitude.
    pub fn is_valid(&self) -> bool {
        self.lon.is_finite()
            && self.lat.is_finite()
            && (-180.0..=180.0).contains(&self.lon)
            && (-90.0..=90.0).contains(&self.lat)
    }
}

/// What can go wrong while georeferencing.
#[derive(Debug, thiserror::Error)]
pub enum GeorefError {
    /// PROJ could not build a transformation between the two systems.
    #[error(
        "cannot transform coordinates from {from} to {to}: {reason}. Check the CRS names \
         (for example EPSG:32618) in the data or in the `scene.crs` setting"
    )]
    Transform {
        /// Source CRS.
        from: String,
        /// Target CRS.
        to: String,
        /// PROJ's message.
        reason: String,
    },
    /// A coordinate could not be converted (out of the projection's domain, or not a number).
    #[error("cannot convert coordinate ({x}, {y}) from {from} to {to}: {reason}")]
    Convert {
        /// First coordinate (longitude or easting).
        x: f64,
        /// Second coordinate (latitude or northing).
        y: f64,
        /// Source CRS.
        from: String,
        /// Target CRS.
        to: String,
        /// PROJ's message.
        reason: String,
    },
    /// The scene origin is not a valid longitude/latitude.
    #[error("the scene origin ({lon}, {lat}) is not a valid longitude/latitude in degrees")]
    BadOrigin {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// PROJ could not be configured.
    #[error("cannot configure PROJ: {0}")]
    ProjData(String),
    /// The projected CRS does not measure in metres.
    #[error(
        "the scene CRS {crs} does not measure in metres (1 km on the ground is {measured:.0}          of its units); choose a metric projected CRS such as the UTM zone (set scene.crs =          \"auto\")"
    )]
    NotMetric {
        /// The CRS.
        crs: String,
        /// Units measured for 1,000 m.
        measured: f64,
    },
}

/// The projected CRS used by default for a scene: the UTM zone (WGS84) that contains `at`,
/// with the Norway and Svalbard exceptions.
///
/// ```
/// use citytwin::georef::{utm_crs_for, LonLat};
/// assert_eq!(utm_crs_for(LonLat::new(-73.98, 40.75)), "EPSG:32618"); // New York, 18N
/// assert_eq!(utm_crs_for(LonLat::new(151.2, -33.86)), "EPSG:32756"); // Sydney, 56S
/// assert_eq!(utm_crs_for(LonLat::new(5.32, 60.39)), "EPSG:32632"); // Bergen, 32V exception
/// ```
pub fn utm_crs_for(at: LonLat) -> String {
    let lon = if at.lon >= 180.0 {
        at.lon - 360.0
    } else {
        at.lon
    };
    let mut zone = (((lon + 180.0) / 6.0).floor() as i32 + 1).clamp(1, 60);
    if (56.0..64.0).contains(&at.lat) && (3.0..12.0).contains(&lon) {
        zone = 32;
    }
    if (72.0..84.0).contains(&at.lat) {
        zone = match lon {
            l if (0.0..9.0).contains(&l) => 31,
            l if (9.0..21.0).contains(&l) => 33,
            l if (21.0..33.0).contains(&l) => 35,
            l if (33.0..42.0).contains(&l) => 37,
            _ => zone,
        };
    }
    let base = if at.lat >= 0.0 { 32600 } else { 32700 };
    format!("EPSG:{}", base + zone)
}

/// One PROJ transformation that always uses citytwin's embedded PROJ database.
pub struct Transformer {
    proj: Proj,
    from: String,
    to: String,
}

impl std::fmt::Debug for Transformer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transformer({} → {})", self.from, self.to)
    }
}

impl Transformer {
    /// A transformation between two CRS given as `AUTHORITY:CODE` or PROJ strings. Axis order
    /// is normalised to longitude/latitude and easting/northing.
    pub fn new(from: &str, to: &str) -> Result<Self, GeorefError> {
        let mut builder = ProjBuilder::new();
        {
            // `set_search_paths` reads `proj_info()`, whose search path PROJ rebuilds in one
            // static buffer on every call: two threads at once read each other's half-written
            // bytes ("Couldn't convert bytes from PROJ to UTF-8", seen when the ground and a
            // scenario were placed together). One at a time.
            static PROJ_INFO: std::sync::Mutex<()> = std::sync::Mutex::new(());
            let _one = PROJ_INFO.lock().unwrap_or_else(|e| e.into_inner());
            builder
                .set_search_paths(NO_PROJ_DATA_DIR)
                .map_err(|e| GeorefError::ProjData(e.to_string()))?;
        }
        let proj = builder
            .proj_known_crs(from, to, None)
            .map_err(|e| GeorefError::Transform {
                from: from.to_owned(),
                to: to.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            proj,
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }

    /// Converts one coordinate pair.
    pub fn convert(&self, x: f64, y: f64) -> Result<(f64, f64), GeorefError> {
        let out = self
            .proj
            .convert((x, y))
            .map_err(|e| self.convert_error(x, y, e.to_string()))?;
        if out.0.is_finite() && out.1.is_finite() {
            Ok(out)
        } else {
            Err(self.convert_error(x, y, "the result is not finite".into()))
        }
    }

    fn convert_error(&self, x: f64, y: f64, reason: String) -> GeorefError {
        GeorefError::Convert {
            x,
            y,
            from: self.from.clone(),
            to: self.to.clone(),
            reason,
        }
    }
}

/// The scene's georeference: its origin and projected CRS, with ready transformations.
///
/// A `Georef` holds PROJ objects, which are not `Send`: build one per thread.
#[derive(Debug)]
pub struct Georef {
    origin: LonLat,
    crs: String,
    origin_projected: (f64, f64),
    forward: Transformer,
    inverse: Transformer,
}

impl Georef {
    /// A georeference around `origin`, projecting through `crs` (by default the UTM zone of
    /// the origin).
    pub fn new(origin: LonLat, crs: Option<&str>) -> Result<Self, GeorefError> {
        if !origin.is_valid() {
            return Err(GeorefError::BadOrigin {
                lon: origin.lon,
                lat: origin.lat,
            });
        }
        let crs = crs.map_or_else(|| utm_crs_for(origin), str::to_owned);
        let forward = Transformer::new(WGS84, &crs)?;
        let inverse = Transformer::new(&crs, WGS84)?;
        let origin_projected = forward.convert(origin.lon, origin.lat)?;
        // The scene is in metres: check that 1 km north of the origin is about 1,000 units
        // away (within 2%, which any conformal projection near its area of use satisfies).
        // 1 km is 1/111.32 of a degree of latitude at the equator; the meridian degree is
        // 110.57–111.69 km, so the check uses the local value from the WGS84 ellipsoid.
        let lat = origin.lat.to_radians();
        let metres_per_degree =
            111_132.954 - 559.822 * (2.0 * lat).cos() + 1.175 * (4.0 * lat).cos();
        let north = forward.convert(
            origin.lon,
            (origin.lat + 1_000.0 / metres_per_degree).min(89.9),
        )?;
        let measured = (north.0 - origin_projected.0).hypot(north.1 - origin_projected.1);
        if !(980.0..=1020.0).contains(&measured) {
            return Err(GeorefError::NotMetric { crs, measured });
        }
        Ok(Self {
            origin,
            crs,
            origin_projected,
            forward,
            inverse,
        })
    }

    /// The scene origin.
    pub fn origin(&self) -> LonLat {
        self.origin
    }

    /// The projected CRS, e.g. `EPSG:32618`.
    pub fn projected_crs(&self) -> &str {
        &self.crs
    }

    /// The origin in the projected CRS (easting, northing).
    pub fn origin_projected(&self) -> (f64, f64) {
        self.origin_projected
    }

    /// WGS84 longitude/latitude to the projected CRS (easting, northing).
    pub fn lonlat_to_projected(&self, p: LonLat) -> Result<(f64, f64), GeorefError> {
        self.forward.convert(p.lon, p.lat)
    }

    /// Projected (easting, northing) to scene `[x, y, z]` at height `height` above the ground.
    pub fn projected_to_scene(&self, easting: f64, northing: f64, height: f64) -> [f64; 3] {
        [
            easting - self.origin_projected.0,
            height,
            -(northing - self.origin_projected.1),
        ]
    }

    /// WGS84 longitude/latitude and a height in metres to scene `[x, y, z]` (f64).
    pub fn lonlat_to_scene(&self, p: LonLat, height: f64) -> Result<[f64; 3], GeorefError> {
        let (e, n) = self.lonlat_to_projected(p)?;
        Ok(self.projected_to_scene(e, n, height))
    }

    /// Scene `[x, y, z]` back to WGS84 longitude/latitude and the height.
    pub fn scene_to_lonlat(&self, p: [f64; 3]) -> Result<(LonLat, f64), GeorefError> {
        let easting = p[0] + self.origin_projected.0;
        let northing = -p[2] + self.origin_projected.1;
        let (lon, lat) = self.inverse.convert(easting, northing)?;
        Ok((LonLat::new(lon, lat), p[1]))
    }

    /// A transformation from another source CRS (as data declares it) to this scene's
    /// projected CRS; combine with [`Georef::projected_to_scene`].
    pub fn transformer_from(&self, source_crs: &str) -> Result<Transformer, GeorefError> {
        Transformer::new(source_crs, &self.crs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn midtown() -> Georef {
        Georef::new(LonLat::new(-73.9875, 40.7475), None).expect("georef")
    }

    /// Reference values computed with GeographicLib 2.1.2's `GeoConvert -u -p 4` (Debian
    /// package geographiclib-tools), an implementation of the exact transverse Mercator
    /// projection independent of PROJ (C. F. F. Karney, "Transverse Mercator with an accuracy of
    /// a few nanometers", J. Geodesy 85(8), 2011). Input is "lat lon".
    const GEOGRAPHICLIB_UTM: [(f64, f64, &str, f64, f64); 3] = [
        // echo "40.748440 -73.985664" | GeoConvert -u -p 4  →  18n 585631.3970 4511326.9229
        (
            40.748440,
            -73.985664,
            "EPSG:32618",
            585631.3970,
            4511326.9229,
        ),
        // echo "52.0116 4.3571" | GeoConvert -u -p 4        →  31n 593139.4689 5763197.8189
        (52.0116, 4.3571, "EPSG:32631", 593139.4689, 5763197.8189),
        // echo "-33.8568 151.2153" | GeoConvert -u -p 4     →  56s 334900.5697 6252288.7529
        (-33.8568, 151.2153, "EPSG:32756", 334900.5697, 6252288.7529),
    ];

    #[test]
    fn utm_matches_geographiclib_within_a_millimetre() {
        for (lat, lon, crs, easting, northing) in GEOGRAPHICLIB_UTM {
            let at = LonLat::new(lon, lat);
            assert_eq!(utm_crs_for(at), crs);
            let t = Transformer::new(WGS84, crs).unwrap();
            let (e, n) = t.convert(lon, lat).unwrap();
            assert!(
                (e - easting).abs() < 0.001,
                "{crs}: easting {e} vs {easting}"
            );
            assert!(
                (n - northing).abs() < 0.001,
                "{crs}: northing {n} vs {northing}"
            );
        }
    }

    #[test]
    fn utm_matches_the_geoconvert_manual_example() {
        // GeoConvert(1) manual, EXAMPLES: "echo 33.3 44.4 | GeoConvert -u" with -p 2
        // gives "38n 444140.54 3684706.36" (published to the centimetre).
        let t = Transformer::new(WGS84, "EPSG:32638").unwrap();
        let (e, n) = t.convert(44.4, 33.3).unwrap();
        assert!((e - 444_140.54).abs() < 0.01 && (n - 3_684_706.36).abs() < 0.01);
    }

    #[test]
    fn round_trip_within_a_centimetre_anywhere_within_20_km() {
        let g = midtown();
        let mut worst: f64 = 0.0;
        // A polar grid out to 20 km, every 15° and 2 km, at several heights.
        for ring in 0..=10 {
            let r = 2_000.0 * f64::from(ring);
            for step in 0..24 {
                let a = f64::from(step).to_radians() * 15.0;
                let p = [r * a.cos(), 50.0 * f64::from(step % 4), r * a.sin()];
                let (ll, h) = g.scene_to_lonlat(p).unwrap();
                let back = g.lonlat_to_scene(ll, h).unwrap();
                let d = ((back[0] - p[0]).powi(2)
                    + (back[1] - p[1]).powi(2)
                    + (back[2] - p[2]).powi(2))
                .sqrt();
                worst = worst.max(d);
            }
        }
        assert!(worst < 0.01, "worst round-trip error {worst} m");
    }

    #[test]
    fn axes_are_east_up_minus_north() {
        let g = midtown();
        let o = g.origin();
        let east = g
            .lonlat_to_scene(LonLat::new(o.lon + 0.01, o.lat), 0.0)
            .unwrap();
        let north = g
            .lonlat_to_scene(LonLat::new(o.lon, o.lat + 0.01), 0.0)
            .unwrap();
        assert!(east[0] > 800.0 && east[2].abs() < 20.0, "{east:?}");
        assert!(north[2] < -1_000.0 && north[0].abs() < 20.0, "{north:?}");
        let up = g.lonlat_to_scene(o, 42.0).unwrap();
        assert!(up[0].abs() < 1e-6 && up[2].abs() < 1e-6 && up[1] == 42.0);
    }

    #[test]
    fn other_source_crs_through_the_embedded_database() {
        // Delft: RD New (EPSG:28992) to UTM 31N needs datum information from proj.db.
        let g = Georef::new(LonLat::new(4.3571, 52.0116), None).unwrap();
        let t = g.transformer_from("EPSG:28992").unwrap();
        let (e, n) = t.convert(84_501.55, 445_805.03).unwrap();
        let p = g.projected_to_scene(e, n, 0.0);
        // The 3DBAG tile's south-west corner (WGS84 ≈ 4.36043, 51.99615 per SOURCES.md) lies
        // about 230 m east and 1.72 km south of this origin (south is +z).
        assert!(
            (p[0] - 230.0).abs() < 60.0 && (p[2] - 1_720.0).abs() < 60.0,
            "{p:?}"
        );
    }

    #[test]
    fn the_database_compiled_into_proj_is_used() {
        // RD New needs proj.db (unlike WGS84 UTM zones, which PROJ can build without it). The
        // search path holds no proj.db, so this works only through the embedded copy.
        assert!(!std::path::Path::new(NO_PROJ_DATA_DIR).exists());
        let t = Transformer::new(WGS84, "EPSG:28992").unwrap();
        // Amersfoort, the origin of RD: (155000, 463000). Its WGS84 position is
        // 5.38720621°E, 52.15517440°N (RDNAPTRANS reference); the Helmert transformation PROJ
        // uses without grids is good to about a metre.
        let (x, y) = t.convert(5.387_206_21, 52.155_174_40).unwrap();
        assert!(
            (x - 155_000.0).abs() < 2.0 && (y - 463_000.0).abs() < 2.0,
            "{x} {y}"
        );
    }

    #[test]
    fn a_crs_in_feet_is_refused() {
        // NAD83 / New York Long Island (ftUS).
        let e = Georef::new(LonLat::new(-73.99, 40.75), Some("EPSG:2263")).unwrap_err();
        assert!(matches!(e, GeorefError::NotMetric { .. }), "{e}");
        assert!(e.to_string().contains("does not measure in metres"));
        // Its metric twin is accepted.
        assert!(Georef::new(LonLat::new(-73.99, 40.75), Some("EPSG:32118")).is_ok());
    }

    #[test]
    fn unknown_crs_and_bad_origin_are_errors_not_panics() {
        let e = Georef::new(LonLat::new(0.0, 0.0), Some("EPSG:999999")).unwrap_err();
        assert!(e.to_string().contains("EPSG:999999"), "{e}");
        let e = Georef::new(LonLat::new(f64::NAN, 0.0), None).unwrap_err();
        assert!(matches!(e, GeorefError::BadOrigin { .. }));
        let e = Georef::new(LonLat::new(0.0, 95.0), None).unwrap_err();
        assert!(matches!(e, GeorefError::BadOrigin { .. }));
    }

    /// Resident memory of this process (kB), from `/proc/self/status`.
    fn resident_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    #[test]
    fn transformers_made_on_many_threads_at_once_all_work() {
        // PROJ's proj_info() rebuilds its search path in one static buffer: made at once,
        // transformers read each other's half-written bytes unless set up one at a time.
        let threads: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(|| {
                    (0..40)
                        .map(|_| Transformer::new(WGS84, "EPSG:32618").map(|_| ()))
                        .collect::<Result<Vec<()>, _>>()
                })
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap().is_ok());
        }
    }

    #[test]
    fn a_crs_that_is_not_found_costs_no_memory() {
        // Each refusal once left PROJ's context (with its open database) behind: about 5 MB
        // a time (found by fuzzing CityJSON files with mangled CRS names).
        let _ = Transformer::new("EPSG:99990", WGS84);
        let before = resident_kb();
        for code in 0..100 {
            let e = Transformer::new(&format!("EPSG:9999{code:02}"), WGS84).unwrap_err();
            assert!(matches!(e, GeorefError::Transform { .. }));
        }
        let grown_mb = resident_kb().saturating_sub(before) / 1024;
        assert!(grown_mb < 20, "100 unknown CRS cost {grown_mb} MB");
        // And the next good one still works.
        assert!(Transformer::new("EPSG:25830", WGS84).is_ok());
    }
}
