//! Earth-centred, earth-fixed coordinates (ECEF, EPSG:4978), where 3D Tiles place their
//! content, and WGS84 longitude, latitude and ellipsoidal height (EPSG:4979). The conversion
//! is closed-form (Heikkinen's, exact to well under a millimetre on the Earth's surface); the
//! scene's projection from longitude and latitude is PROJ's ([`crate::georef`]).

/// WGS84's semi-major axis (m).
const A: f64 = 6_378_137.0;
/// WGS84's flattening.
const F: f64 = 1.0 / 298.257_223_563;

/// A 4 × 4 matrix in column-major order, as glTF and 3D Tiles write `transform`.
pub type Mat4 = [f64; 16];

/// The identity matrix.
pub const IDENTITY: Mat4 = [
    1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0,
];

/// `a × b` (apply `b` first).
pub fn mul(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut out = [0.0; 16];
    for col in 0..4 {
        for row in 0..4 {
            out[col * 4 + row] = (0..4).map(|k| a[k * 4 + row] * b[col * 4 + k]).sum();
        }
    }
    out
}

/// The point `p` through `m`.
pub fn apply(m: &Mat4, p: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|r| m[r] * p[0] + m[4 + r] * p[1] + m[8 + r] * p[2] + m[12 + r])
}

/// The direction `v` through `m` (no translation).
pub fn apply_vector(m: &Mat4, v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|r| m[r] * v[0] + m[4 + r] * v[1] + m[8 + r] * v[2])
}

/// Longitude and latitude (degrees) and ellipsoidal height (m) to ECEF.
///
/// ```
/// use citytwin::tiles3d::ecef::{from_geodetic, to_geodetic};
/// let p = from_geodetic(4.9243, 52.3878, 55.0);
/// let (lon, lat, h) = to_geodetic(p);
/// assert!((lon - 4.9243).abs() < 1e-9 && (lat - 52.3878).abs() < 1e-9 && (h - 55.0).abs() < 1e-6);
/// ```
pub fn from_geodetic(lon: f64, lat: f64, h: f64) -> [f64; 3] {
    let e2 = F * (2.0 - F);
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    let n = A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    [
        (n + h) * lat.cos() * lon.cos(),
        (n + h) * lat.cos() * lon.sin(),
        (n * (1.0 - e2) + h) * lat.sin(),
    ]
}

/// ECEF to longitude and latitude (degrees) and ellipsoidal height (m).
pub fn to_geodetic(p: [f64; 3]) -> (f64, f64, f64) {
    let [x, y, z] = p;
    let b = A * (1.0 - F);
    let e2 = F * (2.0 - F);
    let ep2 = e2 / (1.0 - e2);
    let r = x.hypot(y);
    if r < 1e-9 {
        // On the axis: a pole (or the centre).
        let lat = if z >= 0.0 { 90.0 } else { -90.0 };
        return (0.0, lat, z.abs() - b);
    }
    let f54 = 54.0 * b * b * z * z;
    let g = r * r + (1.0 - e2) * z * z - e2 * (A * A - b * b);
    let c = e2 * e2 * f54 * r * r / (g * g * g);
    let s = (1.0 + c + (c * c + 2.0 * c).sqrt()).cbrt();
    let k = s + 1.0 + 1.0 / s;
    let pp = f54 / (3.0 * k * k * g * g);
    let q = (1.0 + 2.0 * e2 * e2 * pp).sqrt();
    let r0 = -(pp * e2 * r) / (1.0 + q)
        + (A * A / 2.0 * (1.0 + 1.0 / q)
            - pp * (1.0 - e2) * z * z / (q * (1.0 + q))
            - pp * r * r / 2.0)
            .max(0.0)
            .sqrt();
    let u = ((r - e2 * r0).powi(2) + z * z).sqrt();
    let v = ((r - e2 * r0).powi(2) + (1.0 - e2) * z * z).sqrt();
    let z0 = b * b * z / (A * v);
    let h = u * (1.0 - b * b / (A * v));
    let lat = ((z + ep2 * z0) / r).atan();
    (y.atan2(x).to_degrees(), lat.to_degrees(), h)
}

/// The east-north-up frame at a place, as a matrix from local metres (x east, y north, z up)
/// to ECEF.
pub fn east_north_up(lon: f64, lat: f64, h: f64) -> Mat4 {
    let o = from_geodetic(lon, lat, h);
    let (lo, la) = (lon.to_radians(), lat.to_radians());
    let east = [-lo.sin(), lo.cos(), 0.0];
    let north = [-la.sin() * lo.cos(), -la.sin() * lo.sin(), la.cos()];
    let up = [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()];
    [
        east[0], east[1], east[2], 0.0, north[0], north[1], north[2], 0.0, up[0], up[1], up[2],
        0.0, o[0], o[1], o[2], 1.0,
    ]
}
