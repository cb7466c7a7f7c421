//! A bounding volume hierarchy over triangles, built with the surface area heuristic (binned),
//! answering the one question a shadow study asks: does a ray meet any triangle?
//!
//! Our own rather than a crate's: it is small, has no dependencies, and answers any-hit
//! queries (stop at the first triangle met, in any order), which is what sun-hours need.
//! `citytwin bench shadow` reports its rays per second.
//!
//! ```
//! use citytwin::sunlight::bvh::Bvh;
//! // One triangle 10 m up, over the origin.
//! let bvh = Bvh::new(&[[[-5.0, -5.0, 10.0], [5.0, -5.0, 10.0], [0.0, 5.0, 10.0]]]);
//! assert!(bvh.occluded([0.0, 0.0, 0.0], [0.0, 0.0, 1.0]));
//! assert!(!bvh.occluded([20.0, 0.0, 0.0], [0.0, 0.0, 1.0]));
//! assert_eq!(bvh.first_hit([0.0, 0.0, 0.0], [0.0, 0.0, 1.0]), Some(10.0));
//! ```

/// Triangles in a leaf at most.
const LEAF_SIZE: usize = 4;
/// Bins of the binned SAH build.
const BINS: usize = 12;
/// Shortest distance counted as a hit (m), so a ray does not meet the surface it starts on.
const T_MIN: f32 = 1e-3;
/// Depth of the tree at most (the traversal's stack holds one node per level and one more).
const MAX_DEPTH: usize = 60;

/// A triangle ready for the Möller–Trumbore test: a corner and the two edges from it.
#[derive(Debug, Clone, Copy)]
struct Tri {
    v0: [f32; 3],
    e1: [f32; 3],
    e2: [f32; 3],
}

/// A node: its box, and either its first child (the second follows it) or its triangles.
#[derive(Debug, Clone, Copy)]
struct Node {
    min: [f32; 3],
    max: [f32; 3],
    /// The left child's index (interior) or the first triangle (leaf).
    first: u32,
    /// Triangles in the leaf; 0 for an interior node.
    count: u32,
}

/// A bounding volume hierarchy over triangles (`[x, y, z]` corners, f32).
#[derive(Debug, Clone, Default)]
pub struct Bvh {
    nodes: Vec<Node>,
    tris: Vec<Tri>,
}

#[derive(Clone, Copy)]
struct Aabb {
    min: [f32; 3],
    max: [f32; 3],
}

impl Aabb {
    const EMPTY: Self = Self {
        min: [f32::INFINITY; 3],
        max: [f32::NEG_INFINITY; 3],
    };

    fn grow(&mut self, p: [f32; 3]) {
        self.min = [0, 1, 2].map(|k| self.min[k].min(p[k]));
        self.max = [0, 1, 2].map(|k| self.max[k].max(p[k]));
    }

    fn merge(&mut self, o: &Self) {
        self.min = [0, 1, 2].map(|k| self.min[k].min(o.min[k]));
        self.max = [0, 1, 2].map(|k| self.max[k].max(o.max[k]));
    }

    fn area(&self) -> f32 {
        let d = [
            (self.max[0] - self.min[0]).max(0.0),
            (self.max[1] - self.min[1]).max(0.0),
            (self.max[2] - self.min[2]).max(0.0),
        ];
        d[0] * d[1] + d[1] * d[2] + d[2] * d[0]
    }
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

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

impl Bvh {
    /// Builds the hierarchy. Degenerate triangles (no area) and ones with a coordinate that
    /// is not finite are left out.
    pub fn new(triangles: &[[[f32; 3]; 3]]) -> Self {
        let mut items: Vec<(Aabb, [f32; 3], Tri)> = triangles
            .iter()
            .filter(|t| t.iter().flatten().all(|v| v.is_finite()))
            .filter_map(|t| {
                let e1 = sub(t[1], t[0]);
                let e2 = sub(t[2], t[0]);
                let n = cross(e1, e2);
                if dot(n, n) < 1e-12 {
                    return None;
                }
                let mut b = Aabb::EMPTY;
                t.iter().for_each(|p| b.grow(*p));
                let c = [0, 1, 2].map(|k| (t[0][k] + t[1][k] + t[2][k]) / 3.0);
                Some((b, c, Tri { v0: t[0], e1, e2 }))
            })
            .collect();
        let mut bvh = Self::default();
        if items.is_empty() {
            return bvh;
        }
        bvh.nodes.reserve(2 * items.len() / LEAF_SIZE + 1);
        bvh.nodes.push(Node {
            min: [0.0; 3],
            max: [0.0; 3],
            first: 0,
            count: 0,
        });
        let n = items.len();
        bvh.build(0, &mut items, (0, n), 0);
        bvh.tris = items.into_iter().map(|(_, _, t)| t).collect();
        bvh
    }

    /// Triangles held.
    pub fn len(&self) -> usize {
        self.tris.len()
    }

    /// Whether it holds no triangle.
    pub fn is_empty(&self) -> bool {
        self.tris.is_empty()
    }

    /// The box around every triangle (`min`, `max`), if any.
    pub fn bounds(&self) -> Option<([f32; 3], [f32; 3])> {
        self.nodes.first().map(|n| (n.min, n.max))
    }

    fn build(
        &mut self,
        node: usize,
        items: &mut [(Aabb, [f32; 3], Tri)],
        (start, end): (usize, usize),
        depth: usize,
    ) {
        let mut bounds = Aabb::EMPTY;
        let mut centres = Aabb::EMPTY;
        for (b, c, _) in &items[start..end] {
            bounds.merge(b);
            centres.grow(*c);
        }
        self.nodes[node].min = bounds.min;
        self.nodes[node].max = bounds.max;
        let count = end - start;
        let leaf = |nodes: &mut Vec<Node>| {
            nodes[node].first = start as u32;
            nodes[node].count = count as u32;
        };
        if count <= LEAF_SIZE || depth >= MAX_DEPTH {
            return leaf(&mut self.nodes);
        }
        // Split along the longest axis of the centres, at the best of the bins' borders.
        let extent = sub(centres.max, centres.min);
        let axis = if extent[0] >= extent[1] && extent[0] >= extent[2] {
            0
        } else if extent[1] >= extent[2] {
            1
        } else {
            2
        };
        if extent[axis] <= 1e-6 {
            return leaf(&mut self.nodes);
        }
        let scale = BINS as f32 / extent[axis];
        let bin_of =
            |c: &[f32; 3]| (((c[axis] - centres.min[axis]) * scale) as usize).min(BINS - 1);
        let mut bins = [(Aabb::EMPTY, 0usize); BINS];
        for (b, c, _) in &items[start..end] {
            let bin = &mut bins[bin_of(c)];
            bin.0.merge(b);
            bin.1 += 1;
        }
        // Costs of each split (left = bins up to i).
        let mut left_area = [0.0f32; BINS - 1];
        let mut left_count = [0usize; BINS - 1];
        let (mut acc, mut n) = (Aabb::EMPTY, 0);
        for i in 0..BINS - 1 {
            acc.merge(&bins[i].0);
            n += bins[i].1;
            left_area[i] = acc.area();
            left_count[i] = n;
        }
        let (mut acc, mut n) = (Aabb::EMPTY, 0);
        let mut best = (f32::INFINITY, 0usize);
        for i in (1..BINS).rev() {
            acc.merge(&bins[i].0);
            n += bins[i].1;
            let (lc, rc) = (left_count[i - 1], n);
            if lc == 0 || rc == 0 {
                continue;
            }
            let cost = left_area[i - 1] * lc as f32 + acc.area() * rc as f32;
            if cost < best.0 {
                best = (cost, i);
            }
        }
        let leaf_cost = bounds.area() * count as f32;
        if best.0.is_infinite() || (count <= 2 * LEAF_SIZE && best.0 >= leaf_cost) {
            return leaf(&mut self.nodes);
        }
        // Partition: bins below the split to the left.
        let split = best.1;
        let slice = &mut items[start..end];
        let mut i = 0;
        let mut j = slice.len();
        while i < j {
            if bin_of(&slice[i].1) < split {
                i += 1;
            } else {
                j -= 1;
                slice.swap(i, j);
            }
        }
        let mid = start + i;
        let left = self.nodes.len();
        let blank = Node {
            min: [0.0; 3],
            max: [0.0; 3],
            first: 0,
            count: 0,
        };
        self.nodes.push(blank);
        self.nodes.push(blank);
        self.nodes[node].first = left as u32;
        self.nodes[node].count = 0;
        self.build(left, items, (start, mid), depth + 1);
        self.build(left + 1, items, (mid, end), depth + 1);
    }

    /// Whether the ray from `origin` along `direction` meets any triangle (either face) beyond
    /// a millimetre.
    pub fn occluded(&self, origin: [f32; 3], direction: [f32; 3]) -> bool {
        self.trace(origin, direction, true).is_some()
    }

    /// The distance (in `direction`'s units) to the first triangle the ray meets, if any.
    pub fn first_hit(&self, origin: [f32; 3], direction: [f32; 3]) -> Option<f32> {
        self.trace(origin, direction, false)
    }

    fn trace(&self, o: [f32; 3], d: [f32; 3], any: bool) -> Option<f32> {
        if self.nodes.is_empty() {
            return None;
        }
        let inv = d.map(|x| 1.0 / x);
        let mut best = f32::INFINITY;
        let mut stack = [0u32; 64];
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let node = &self.nodes[stack[top] as usize];
            if !slab(node, o, inv, best) {
                continue;
            }
            if node.count > 0 {
                let first = node.first as usize;
                for t in &self.tris[first..first + node.count as usize] {
                    if let Some(h) = hit(t, o, d)
                        && h < best
                    {
                        if any {
                            return Some(h);
                        }
                        best = h;
                    }
                }
            } else if top + 2 <= stack.len() {
                stack[top] = node.first;
                stack[top + 1] = node.first + 1;
                top += 2;
            }
        }
        best.is_finite().then_some(best)
    }
}

/// Whether the ray meets the node's box before `limit`.
#[inline]
fn slab(n: &Node, o: [f32; 3], inv: [f32; 3], limit: f32) -> bool {
    let mut near = 0.0f32;
    let mut far = limit;
    for k in 0..3 {
        let a = (n.min[k] - o[k]) * inv[k];
        let b = (n.max[k] - o[k]) * inv[k];
        // NaN (0 × ∞ on a box face) falls through min/max, keeping the ray in.
        near = near.max(a.min(b));
        far = far.min(a.max(b));
    }
    near <= far
}

/// Möller–Trumbore: the distance to the triangle, if the ray meets it beyond [`T_MIN`].
#[inline]
fn hit(t: &Tri, o: [f32; 3], d: [f32; 3]) -> Option<f32> {
    let p = cross(d, t.e2);
    let det = dot(t.e1, p);
    if det.abs() < 1e-9 {
        return None;
    }
    let inv = 1.0 / det;
    let s = sub(o, t.v0);
    let u = dot(s, p) * inv;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = cross(s, t.e1);
    let v = dot(d, q) * inv;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    let dist = dot(t.e2, q) * inv;
    (dist > T_MIN).then_some(dist)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grid of little squares (two triangles each) at height `z`.
    fn floor(n: usize, z: f32) -> Vec<[[f32; 3]; 3]> {
        let mut out = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let (x, y) = (i as f32, j as f32);
                out.push([[x, y, z], [x + 1.0, y, z], [x + 1.0, y + 1.0, z]]);
                out.push([[x, y, z], [x + 1.0, y + 1.0, z], [x, y + 1.0, z]]);
            }
        }
        out
    }

    #[test]
    fn agrees_with_testing_every_triangle() {
        let mut tris = floor(20, 5.0);
        // A slanted wall through it.
        tris.push([[0.0, 10.0, 0.0], [20.0, 10.0, 0.0], [10.0, 12.0, 20.0]]);
        let bvh = Bvh::new(&tris);
        assert_eq!(bvh.len(), tris.len());
        let all: Vec<Tri> = tris
            .iter()
            .map(|t| Tri {
                v0: t[0],
                e1: sub(t[1], t[0]),
                e2: sub(t[2], t[0]),
            })
            .collect();
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f32 / (1u64 << 31) as f32
        };
        for _ in 0..2000 {
            let o = [rnd() * 30.0 - 5.0, rnd() * 30.0 - 5.0, rnd() * 10.0];
            let d = [rnd() - 0.5, rnd() - 0.5, rnd() - 0.5];
            let brute = all
                .iter()
                .filter_map(|t| hit(t, o, d))
                .min_by(f32::total_cmp);
            assert_eq!(bvh.occluded(o, d), brute.is_some(), "{o:?} {d:?}");
            match (bvh.first_hit(o, d), brute) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-4),
                (a, b) => assert_eq!(a, b),
            }
        }
    }

    #[test]
    fn rays_along_an_axis_and_empty_trees() {
        let bvh = Bvh::new(&floor(3, 2.0));
        // Straight up from under the floor, and exactly along a box face.
        assert!(bvh.occluded([1.5, 1.5, 0.0], [0.0, 0.0, 1.0]));
        assert!(!bvh.occluded([1.5, 1.5, 3.0], [0.0, 0.0, 1.0]));
        assert!(!bvh.occluded([-1.0, 1.5, 2.0], [0.0, 1.0, 0.0]));
        let empty = Bvh::new(&[
            [[0.0; 3]; 3],
            [[f32::NAN, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        ]);
        assert!(empty.is_empty());
        assert!(!empty.occluded([0.0; 3], [0.0, 0.0, 1.0]));
    }
}
