//! Footprint validation in bounded time: crossings found through an R-tree of the rings'
//! segments instead of testing all pairs, with a budget of segment pairs to test.
//!
//! A polygon is valid when no ring touches or crosses itself (two consecutive edges meet only
//! at their shared corner and do not fold back on each other), no two rings cross or run
//! along each other (touching at a single point is allowed, as in OGC's simple features), and
//! every hole lies inside the outline and outside the other holes. geo's `Validation` checks
//! the same things but compares every pair of edges, which takes minutes at 200,000 vertices;
//! here the work is about `n log n` for `n` edges, and never more than the budget: a footprint
//! whose edges' boxes overlap so much that the budget runs out is refused as too intricate.
//!
//! ```
//! use citytwin::geometry::validate::{check_rings, Problem};
//! use geo::LineString;
//! let square = LineString::from(vec![(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]);
//! assert_eq!(check_rings(&[square], 1_000), Ok(()));
//! let bow_tie = LineString::from(vec![(0.0, 0.0), (4.0, 4.0), (4.0, 0.0), (0.0, 4.0), (0.0, 0.0)]);
//! assert_eq!(check_rings(&[bow_tie], 1_000), Err(Problem::SelfIntersection { ring: 0 }));
//! ```

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, LineString};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// What makes a polygon invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A ring touches or crosses itself, or folds back on itself (a spike).
    #[error("ring {ring} crosses or touches itself (a self-intersection)")]
    SelfIntersection {
        /// 0 = the outline, then the holes.
        ring: usize,
    },
    /// Two rings cross, or run along each other.
    #[error("rings {first} and {second} cross each other")]
    RingsCross {
        /// The first ring (0 = the outline).
        first: usize,
        /// The second ring.
        second: usize,
    },
    /// A hole is not inside the outline.
    #[error("hole {hole} is not inside the outline")]
    HoleOutside {
        /// 1-based index of the hole among the rings.
        hole: usize,
    },
    /// A hole lies inside another hole.
    #[error("hole {hole} lies inside hole {other}")]
    HoleInHole {
        /// The hole inside.
        hole: usize,
        /// The hole around it.
        other: usize,
    },
    /// Checking would take more than the budget of segment pairs.
    #[error("its edges are too intricate to check (more than {budget} pairs of edges to test)")]
    TooIntricate {
        /// The budget that ran out.
        budget: usize,
    },
}

/// The budget of segment pairs for a polygon of `edges` edges: enough for any real building
/// (a circle of 200,000 edges needs about 4 per edge), bounded by `O(n)`.
pub fn budget_for(edges: usize) -> usize {
    64 * edges + 100_000
}

/// One edge of a ring: its ends, its ring and its place in the ring.
#[derive(Clone, Copy)]
struct Edge {
    a: Coord<f64>,
    b: Coord<f64>,
    ring: u32,
    index: u32,
}

type Indexed = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// Checks rings (outline first, then holes), each closed, without repeated consecutive points
/// and with at least three distinct points, testing at most `budget` pairs of edges.
pub fn check_rings(rings: &[LineString<f64>], budget: usize) -> Result<(), Problem> {
    let mut edges = Vec::new();
    let mut lengths = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        lengths.push(ring.0.len().saturating_sub(1) as u32);
        for (i, w) in ring.0.windows(2).enumerate() {
            edges.push(Edge {
                a: w[0],
                b: w[1],
                ring: r as u32,
                index: i as u32,
            });
        }
    }
    let boxes: Vec<Indexed> = edges
        .iter()
        .enumerate()
        .map(|(i, e)| GeomWithData::new(Rectangle::from_corners(xy(e.a), xy(e.b)), i as u32))
        .collect();
    let tree = RTree::bulk_load(boxes);
    let mut tested = 0usize;
    for (s, t) in tree.intersection_candidates_with_other_tree(&tree) {
        tested += 1;
        if tested > budget {
            return Err(Problem::TooIntricate { budget });
        }
        if s.data >= t.data {
            continue;
        }
        let (e, f) = (&edges[s.data as usize], &edges[t.data as usize]);
        let meet = meet(e.a, e.b, f.a, f.b);
        if meet == Meet::None {
            continue;
        }
        if e.ring != f.ring {
            if matches!(meet, Meet::Cross | Meet::Overlap) {
                return Err(Problem::RingsCross {
                    first: e.ring as usize,
                    second: f.ring as usize,
                });
            }
            continue;
        }
        let n = lengths[e.ring as usize];
        let adjacent = (e.index + 1) % n == f.index || (f.index + 1) % n == e.index;
        if !adjacent || meet == Meet::Overlap {
            return Err(Problem::SelfIntersection {
                ring: e.ring as usize,
            });
        }
    }
    check_holes(rings, &edges, &tree, budget.saturating_sub(tested))
}

/// Each hole inside the outline and outside every other hole. No two rings cross (checked
/// before), so one point of a hole that is on no other ring tells where the whole hole lies.
fn check_holes(
    rings: &[LineString<f64>],
    edges: &[Edge],
    tree: &RTree<Indexed>,
    budget: usize,
) -> Result<(), Problem> {
    if rings.len() < 2 {
        return Ok(());
    }
    let max_x = tree.root().envelope().upper()[0];
    let mut parity = vec![false; rings.len()];
    // The rings whose parity changed for this point, to reset them (and not all rings).
    let mut touched: Vec<usize> = Vec::new();
    let mut is_touched = vec![false; rings.len()];
    let mut tested = 0usize;
    for (h, hole) in rings.iter().enumerate().skip(1) {
        // The first few corners of the hole; one on another ring is ambiguous.
        'points: for p in hole.0.iter().take(8) {
            for r in touched.drain(..) {
                parity[r] = false;
                is_touched[r] = false;
            }
            let ray = AABB::from_corners(xy(*p), [max_x, p.y]);
            for cand in tree.locate_in_envelope_intersecting(&ray) {
                tested += 1;
                if tested > budget {
                    return Err(Problem::TooIntricate { budget });
                }
                let e = &edges[cand.data as usize];
                let r = e.ring as usize;
                if r == h {
                    continue;
                }
                if on_segment(*p, e.a, e.b) {
                    continue 'points;
                }
                if crosses_right(*p, e.a, e.b) {
                    if !is_touched[r] {
                        is_touched[r] = true;
                        touched.push(r);
                    }
                    parity[r] = !parity[r];
                }
            }
            if !parity[0] {
                return Err(Problem::HoleOutside { hole: h });
            }
            if let Some(&other) = touched.iter().find(|&&o| o != 0 && o != h && parity[o]) {
                return Err(Problem::HoleInHole { hole: h, other });
            }
            break;
        }
    }
    Ok(())
}

fn xy(c: Coord<f64>) -> [f64; 2] {
    [c.x, c.y]
}

fn orient(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> Orientation {
    RobustKernel::orient2d(p, q, r)
}

/// Whether `p` lies on the segment `a`–`b` (ends included).
fn on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    orient(a, b, p) == Orientation::Collinear && within_box(p, a, b)
}

fn within_box(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// Whether the ray from `p` towards +x crosses the edge `a`–`b` (half-open in y, so a ray
/// through a corner counts once).
fn crosses_right(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    if (a.y > p.y) == (b.y > p.y) {
        return false;
    }
    // Upward edges have p on their left when the ray crosses them; downward ones on the right.
    let o = orient(a, b, p);
    if b.y > a.y {
        o == Orientation::CounterClockwise
    } else {
        o == Orientation::Clockwise
    }
}

/// How two segments meet.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Meet {
    None,
    /// In one point, an end of at least one of them.
    Touch,
    /// Crossing in a point inside both.
    Cross,
    /// Collinear, sharing a length.
    Overlap,
}

/// How the segments `a`–`b` and `c`–`d` (each of non-zero length) meet, with robust
/// orientation tests.
fn meet(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> Meet {
    use Orientation::Collinear;
    let (o1, o2) = (orient(a, b, c), orient(a, b, d));
    if o1 == Collinear && o2 == Collinear {
        let along_x = (b.x - a.x).abs() >= (b.y - a.y).abs();
        let key = |p: Coord<f64>| if along_x { p.x } else { p.y };
        let (lo1, hi1) = min_max(key(a), key(b));
        let (lo2, hi2) = min_max(key(c), key(d));
        let (lo, hi) = (lo1.max(lo2), hi1.min(hi2));
        return if lo > hi {
            Meet::None
        } else if lo == hi {
            Meet::Touch
        } else {
            Meet::Overlap
        };
    }
    if o1 != Collinear && o1 == o2 {
        return Meet::None;
    }
    let (o3, o4) = (orient(c, d, a), orient(c, d, b));
    if o3 != Collinear && o3 == o4 {
        return Meet::None;
    }
    if o1 != Collinear && o2 != Collinear && o3 != Collinear && o4 != Collinear {
        return Meet::Cross;
    }
    let touching = (o1 == Collinear && within_box(c, a, b))
        || (o2 == Collinear && within_box(d, a, b))
        || (o3 == Collinear && within_box(a, c, d))
        || (o4 == Collinear && within_box(b, c, d));
    if touching { Meet::Touch } else { Meet::None }
}

fn min_max(x: f64, y: f64) -> (f64, f64) {
    if x <= y { (x, y) } else { (y, x) }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
