//! Extrusion of a footprint into a prism: a flat roof (earcut triangulation, holes included),
//! one flat-shaded quad per edge for the walls, and a floor when the prism does not stand on
//! the ground.
//!
//! Output goes into [`MeshBuffers`], plain vectors ready for a GPU mesh (`f32`, positions
//! relative to an offset so that each tile keeps full precision). Scene axes: x = east,
//! y = up, z = −north. Triangles are counter-clockwise seen from the side their normal points
//! to (Bevy's front face).

use super::Footprint;
use geo::TriangulateEarcut;

/// Vertex data for a triangle mesh.
#[derive(Debug, Default, Clone)]
pub struct MeshBuffers {
    /// Vertex positions in metres, relative to the offset given when extruding.
    pub positions: Vec<[f32; 3]>,
    /// Unit vertex normals.
    pub normals: Vec<[f32; 3]>,
    /// Linear RGBA vertex colours, 8 bits a channel ([`rgba8`]): a quarter of the bytes of
    /// floats, for flat surface colours.
    pub colors: Vec<[u8; 4]>,
    /// Triangle list indices.
    pub indices: Vec<u32>,
}

impl MeshBuffers {
    /// Number of triangles.
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    /// Bytes of vertex and index data held.
    pub fn byte_size(&self) -> usize {
        self.positions.len() * 12
            + self.normals.len() * 12
            + self.colors.len() * 4
            + self.indices.len() * 4
    }

    fn vertex(&mut self, p: [f64; 3], offset: [f64; 2], n: [f32; 3], c: [f32; 4]) -> u32 {
        let i = u32::try_from(self.positions.len()).unwrap_or(u32::MAX);
        // `p` is [east, height, north]; scene x = east, z = −north; the offset is [east, north].
        self.positions.push([
            (p[0] - offset[0]) as f32,
            p[1] as f32,
            (offset[1] - p[2]) as f32,
        ]);
        self.normals.push(n);
        self.colors.push(rgba8(c));
        i
    }
}

/// A linear RGBA colour in 8 bits a channel (rounded, clamped to 0..1).
///
/// ```
/// use citytwin::geometry::extrude::rgba8;
/// assert_eq!(rgba8([0.0, 0.5, 1.0, 2.0]), [0, 128, 255, 255]);
/// ```
pub fn rgba8(c: [f32; 4]) -> [u8; 4] {
    c.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// Vertex colours for the surfaces of a building (linear RGBA).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    /// Walls.
    pub wall: [f32; 4],
    /// Roof.
    pub roof: [f32; 4],
}

impl Default for Palette {
    fn default() -> Self {
        Self {
            wall: [1.0, 1.0, 1.0, 1.0],
            roof: [1.0, 1.0, 1.0, 1.0],
        }
    }
}

/// What one extrusion produced.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ExtrudeStats {
    /// Triangles of the roof.
    pub roof_triangles: usize,
    /// Wall quads (two triangles each).
    pub wall_quads: usize,
    /// Triangles of the floor (only when the base is above the ground).
    pub floor_triangles: usize,
    /// Area of the roof triangles in square metres.
    pub roof_area: f64,
}

impl ExtrudeStats {
    /// All triangles written.
    pub fn triangles(&self) -> usize {
        self.roof_triangles + 2 * self.wall_quads + self.floor_triangles
    }
}

/// Appends triangles given as `[east, height, north]` corners (counter-clockwise seen from
/// the side they face) with their colours, each flat-shaded; degenerate ones are left out.
/// Returns the triangles written.
pub fn triangles_into<'a>(
    out: &mut MeshBuffers,
    triangles: impl IntoIterator<Item = (&'a [[f64; 3]; 3], [f32; 4])>,
    offset: [f64; 2],
) -> usize {
    let mut written = 0;
    for (t, color) in triangles {
        // The normal in scene axes (x = east, y = up, z = −north).
        let scene = |p: [f64; 3]| [p[0], p[1], -p[2]];
        let (a, b, c) = (scene(t[0]), scene(t[1]), scene(t[2]));
        let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
        let v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
        let n = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        if len < 1e-9 {
            continue;
        }
        let normal = n.map(|x| (x / len) as f32);
        let first = out.vertex(t[0], offset, normal, color);
        out.vertex(t[1], offset, normal, color);
        out.vertex(t[2], offset, normal, color);
        out.indices.extend([first, first + 1, first + 2]);
        written += 1;
    }
    written
}

/// Appends the prism of `footprint` between heights `base` and `top` (metres) to `out`.
/// Positions are written relative to `offset` (`[east, north]` in scene metres).
pub fn extrude_into(
    out: &mut MeshBuffers,
    footprint: &Footprint,
    base: f64,
    top: f64,
    offset: [f64; 2],
    palette: &Palette,
) -> ExtrudeStats {
    let mut stats = ExtrudeStats::default();
    for polygon in footprint.polygons() {
        // Roof (and floor): earcut over the outline and its holes.
        let tri = polygon.earcut_triangles_raw();
        let caps = if base > 0.0 { 2 } else { 1 };
        for cap in 0..caps {
            let (y, normal) = if cap == 0 {
                (top, [0.0, 1.0, 0.0])
            } else {
                (base, [0.0, -1.0, 0.0])
            };
            let first = out.positions.len() as u32;
            for v in &tri.vertices {
                out.vertex([v[0], y, v[1]], offset, normal, palette.roof);
            }
            for t in tri.triangle_indices.chunks_exact(3) {
                let [a, b, c] = [t[0], t[1], t[2]];
                let (pa, pb, pc) = (tri.vertices[a], tri.vertices[b], tri.vertices[c]);
                // Signed area in the east/north plane: > 0 means counter-clockwise from above.
                let cross = (pb[0] - pa[0]) * (pc[1] - pa[1]) - (pc[0] - pa[0]) * (pb[1] - pa[1]);
                // Seen from above (roof) a triangle must be counter-clockwise in east/north,
                // which is also counter-clockwise in Bevy's x/−z; the floor faces down.
                let ccw_wanted = cap == 0;
                let (b, c) = if (cross > 0.0) == ccw_wanted {
                    (b, c)
                } else {
                    (c, b)
                };
                out.indices
                    .extend([first + a as u32, first + b as u32, first + c as u32]);
                if cap == 0 {
                    stats.roof_triangles += 1;
                    stats.roof_area += cross.abs() / 2.0;
                } else {
                    stats.floor_triangles += 1;
                }
            }
        }
        // Walls: one quad per edge, with its own vertices so the shading stays flat.
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for edge in ring.0.windows(2) {
                let (a, b) = (edge[0], edge[1]);
                let (dx, dy) = (b.x - a.x, b.y - a.y);
                let len = dx.hypot(dy);
                if len <= 1e-9 {
                    continue;
                }
                // Exteriors run counter-clockwise and holes clockwise, so the material is
                // always on the left of the edge and the outward normal on its right.
                let (ne, nn) = (dy / len, -dx / len);
                let normal = [ne as f32, 0.0, -nn as f32];
                let first = out.vertex([a.x, base, a.y], offset, normal, palette.wall);
                out.vertex([b.x, base, b.y], offset, normal, palette.wall);
                out.vertex([b.x, top, b.y], offset, normal, palette.wall);
                out.vertex([a.x, top, a.y], offset, normal, palette.wall);
                // Seen from outside (from the right of a→b) a, b, top-b is counter-clockwise.
                out.indices
                    .extend([first, first + 1, first + 2, first, first + 2, first + 3]);
                stats.wall_quads += 1;
            }
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Ring;

    fn square(x0: f64, y0: f64, size: f64) -> Ring {
        vec![
            [x0, y0],
            [x0 + size, y0],
            [x0 + size, y0 + size],
            [x0, y0 + size],
            [x0, y0],
        ]
    }

    /// Every triangle's winding must agree with its stored normal (counter-clockwise seen from
    /// the side the normal points to), and normals must be unit length.
    fn assert_windings_match_normals(m: &MeshBuffers) {
        for t in m.indices.chunks_exact(3) {
            let p = |i: u32| glam_like(m.positions[i as usize]);
            let (a, b, c) = (p(t[0]), p(t[1]), p(t[2]));
            let geometric = cross(sub(b, a), sub(c, a));
            let n = m.normals[t[0] as usize];
            let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            assert!((len - 1.0).abs() < 1e-5, "normal {n:?} is not unit length");
            let dot = geometric[0] * n[0] + geometric[1] * n[1] + geometric[2] * n[2];
            assert!(dot > 0.0, "triangle {t:?} winds against its normal {n:?}");
        }
    }

    fn glam_like(p: [f32; 3]) -> [f32; 3] {
        p
    }
    fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
        [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
    }
    fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    }

    /// Checks that wall normals point away from the footprint's material: a point a little
    /// way along the normal from the wall's middle is outside the footprint.
    fn assert_walls_face_out(m: &MeshBuffers, f: &Footprint, offset: [f64; 2]) {
        for t in m.indices.chunks_exact(3) {
            let n = m.normals[t[0] as usize];
            if n[1].abs() > 0.5 {
                continue; // roof or floor
            }
            let mid: Vec<f64> = (0..3)
                .map(|k| {
                    t.iter()
                        .map(|&i| f64::from(m.positions[i as usize][k]))
                        .sum::<f64>()
                        / 3.0
                })
                .collect();
            let east = mid[0] + offset[0] + 0.01 * f64::from(n[0]);
            let north = -mid[2] + offset[1] - 0.01 * f64::from(n[2]);
            assert!(
                !f.contains([east, north]),
                "wall normal {n:?} points into the building"
            );
            let east_in = mid[0] + offset[0] - 0.01 * f64::from(n[0]);
            let north_in = -mid[2] + offset[1] + 0.01 * f64::from(n[2]);
            assert!(
                f.contains([east_in, north_in]),
                "wall normal {n:?} at {mid:?}"
            );
        }
    }

    #[test]
    fn square_with_square_hole() {
        let f = Footprint::new(vec![vec![square(0.0, 0.0, 20.0), square(5.0, 5.0, 10.0)]]).unwrap();
        let mut m = MeshBuffers::default();
        let s = extrude_into(&mut m, &f, 0.0, 15.0, [0.0, 0.0], &Palette::default());
        assert_eq!(
            s.roof_triangles, 8,
            "a square ring triangulates into 8 triangles"
        );
        assert!(
            (s.roof_area - 300.0).abs() < 1e-9,
            "roof area {}",
            s.roof_area
        );
        assert_eq!(s.wall_quads, 8, "4 outer + 4 courtyard walls");
        assert_eq!(s.floor_triangles, 0, "no floor on the ground");
        assert_eq!(m.triangle_count(), 8 + 16);
        assert_windings_match_normals(&m);
        assert_walls_face_out(&m, &f, [0.0, 0.0]);
        // Roof vertices are at the top, wall vertices span base to top.
        let ys: Vec<f32> = m.positions.iter().map(|p| p[1]).collect();
        assert!(ys.iter().all(|&y| y == 0.0 || y == 15.0));
    }

    #[test]
    fn concave_l_shape() {
        let l = vec![
            [0.0, 0.0],
            [30.0, 0.0],
            [30.0, 10.0],
            [10.0, 10.0],
            [10.0, 30.0],
            [0.0, 30.0],
            [0.0, 0.0],
        ];
        let f = Footprint::new(vec![vec![l]]).unwrap();
        let mut m = MeshBuffers::default();
        let offset = [3.0, -2.0];
        let s = extrude_into(&mut m, &f, 0.0, 9.0, offset, &Palette::default());
        assert_eq!(s.roof_triangles, 4, "6 vertices → 4 triangles");
        assert!(
            (s.roof_area - 500.0).abs() < 1e-9,
            "roof area {}",
            s.roof_area
        );
        assert_eq!(s.wall_quads, 6);
        assert_windings_match_normals(&m);
        assert_walls_face_out(&m, &f, offset);
        // No roof triangle may cover the notch of the L.
        for t in m.indices.chunks_exact(3) {
            if m.normals[t[0] as usize][1] > 0.5 {
                let cx: f64 = t
                    .iter()
                    .map(|&i| f64::from(m.positions[i as usize][0]))
                    .sum::<f64>()
                    / 3.0;
                let cz: f64 = t
                    .iter()
                    .map(|&i| f64::from(m.positions[i as usize][2]))
                    .sum::<f64>()
                    / 3.0;
                assert!(
                    f.contains([cx + offset[0], -cz + offset[1]]),
                    "roof triangle outside"
                );
            }
        }
    }

    #[test]
    fn multipolygon_makes_two_prisms() {
        let f = Footprint::new(vec![
            vec![square(0.0, 0.0, 10.0)],
            vec![square(50.0, 0.0, 6.0)],
        ])
        .unwrap();
        let mut m = MeshBuffers::default();
        let s = extrude_into(&mut m, &f, 0.0, 12.0, [0.0, 0.0], &Palette::default());
        assert_eq!(s.roof_triangles, 4);
        assert_eq!(s.wall_quads, 8);
        assert!((s.roof_area - 136.0).abs() < 1e-9);
        assert_windings_match_normals(&m);
        assert_walls_face_out(&m, &f, [0.0, 0.0]);
    }

    #[test]
    fn raised_prism_gets_a_floor() {
        let f = Footprint::new(vec![vec![square(0.0, 0.0, 10.0)]]).unwrap();
        let mut m = MeshBuffers::default();
        let s = extrude_into(&mut m, &f, 20.0, 30.0, [0.0, 0.0], &Palette::default());
        assert_eq!(s.floor_triangles, 2);
        assert_eq!(s.triangles(), 2 + 2 + 8);
        assert_windings_match_normals(&m);
    }

    #[test]
    fn offset_keeps_precision_far_from_the_origin() {
        let far = 15_000.0;
        let f = Footprint::new(vec![vec![square(far, far, 0.25)]]).unwrap();
        let mut m = MeshBuffers::default();
        extrude_into(&mut m, &f, 0.0, 3.0, [far, far], &Palette::default());
        let xs: Vec<f32> = m.positions.iter().map(|p| p[0]).collect();
        assert!(xs.contains(&0.25) && xs.contains(&0.0));
        // north = far + 0.25 → z = −0.25 relative to the offset.
        assert!(m.positions.iter().any(|p| p[2] == -0.25));
    }
}
