use super::*;
use geo::{Polygon, Validation};

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    let mut v: Vec<(f64, f64)> = points.to_vec();
    v.push(points[0]);
    LineString::from(v)
}

fn check(rings: &[LineString<f64>]) -> Result<(), Problem> {
    let edges = rings.iter().map(|r| r.0.len()).sum();
    check_rings(rings, budget_for(edges))
}

const SQUARE: [(f64, f64); 4] = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];

#[test]
fn simple_rings_pass_and_collinear_corners_too() {
    assert_eq!(check(&[ring(&SQUARE)]), Ok(()));
    assert_eq!(
        check(&[ring(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (2.0, 2.0)])]),
        Ok(())
    );
    assert_eq!(
        check(&[ring(&[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)])]),
        Ok(())
    );
}

#[test]
fn crossings_touches_and_spikes_are_found() {
    let bow_tie = ring(&[(0.0, 0.0), (4.0, 4.0), (4.0, 0.0), (0.0, 4.0)]);
    assert_eq!(
        check(&[bow_tie]),
        Err(Problem::SelfIntersection { ring: 0 })
    );
    // A corner touching the opposite edge.
    let touching = ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (2.0, 0.0), (0.0, 4.0)]);
    assert_eq!(
        check(&[touching]),
        Err(Problem::SelfIntersection { ring: 0 })
    );
    // A spike: out to (15, 5) and back along the same line.
    let spike = ring(&[
        (0.0, 0.0),
        (10.0, 0.0),
        (10.0, 5.0),
        (15.0, 5.0),
        (10.0, 5.0),
        (10.0, 10.0),
        (0.0, 10.0),
    ]);
    assert_eq!(check(&[spike]), Err(Problem::SelfIntersection { ring: 0 }));
    // Through the same corner twice (a figure eight).
    let eight = ring(&[
        (0.0, 0.0),
        (2.0, 0.0),
        (4.0, 2.0),
        (6.0, 0.0),
        (8.0, 0.0),
        (8.0, 4.0),
        (6.0, 4.0),
        (4.0, 2.0),
        (2.0, 4.0),
        (0.0, 4.0),
    ]);
    assert_eq!(check(&[eight]), Err(Problem::SelfIntersection { ring: 0 }));
}

#[test]
fn holes_are_placed() {
    let hole = ring(&[(2.0, 2.0), (2.0, 4.0), (4.0, 4.0), (4.0, 2.0)]);
    let other = ring(&[(6.0, 6.0), (6.0, 8.0), (8.0, 8.0), (8.0, 6.0)]);
    assert_eq!(check(&[ring(&SQUARE), hole.clone(), other]), Ok(()));
    // Touching the outline at one corner is allowed.
    let corner = ring(&[(0.0, 5.0), (3.0, 6.0), (3.0, 4.0)]);
    assert_eq!(check(&[ring(&SQUARE), corner]), Ok(()));
    let outside = ring(&[(20.0, 2.0), (20.0, 4.0), (24.0, 4.0), (24.0, 2.0)]);
    assert_eq!(
        check(&[ring(&SQUARE), outside]),
        Err(Problem::HoleOutside { hole: 1 })
    );
    let crossing = ring(&[(8.0, 2.0), (8.0, 4.0), (12.0, 4.0), (12.0, 2.0)]);
    assert_eq!(
        check(&[ring(&SQUARE), crossing]),
        Err(Problem::RingsCross {
            first: 0,
            second: 1
        })
    );
    let inner = ring(&[(2.5, 2.5), (2.5, 3.5), (3.5, 3.5), (3.5, 2.5)]);
    assert_eq!(
        check(&[ring(&SQUARE), hole.clone(), inner]),
        Err(Problem::HoleInHole { hole: 2, other: 1 })
    );
    // A hole along the outline's edge.
    let along = ring(&[(0.0, 2.0), (0.0, 4.0), (2.0, 4.0), (2.0, 2.0)]);
    assert_eq!(
        check(&[ring(&SQUARE), along]),
        Err(Problem::RingsCross {
            first: 0,
            second: 1
        })
    );
}

#[test]
fn a_circle_of_200000_corners_is_valid_and_a_star_of_long_spikes_runs_out_of_budget() {
    let n = 200_000;
    let circle: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            (500.0 * a.cos(), 500.0 * a.sin())
        })
        .collect();
    assert_eq!(check(&[ring(&circle)]), Ok(()));
    // 20,000 thin rays from near the centre: valid, but every edge's box overlaps most others.
    let m = 20_000;
    let star: Vec<(f64, f64)> = (0..2 * m)
        .map(|i| {
            let a = i as f64 / (2 * m) as f64 * std::f64::consts::TAU;
            let r = if i % 2 == 0 { 1_000.0 } else { 1.0 };
            (r * a.cos(), r * a.sin())
        })
        .collect();
    assert!(matches!(
        check(&[ring(&star)]),
        Err(Problem::TooIntricate { .. })
    ));
}

/// A small random generator (the tests stay deterministic).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n) as f64
    }
}

fn has_spike(r: &LineString<f64>) -> bool {
    let p = &r.0[..r.0.len() - 1];
    (0..p.len()).any(|i| {
        let (a, b, c) = (p[i], p[(i + 1) % p.len()], p[(i + 2) % p.len()]);
        orient(a, b, c) == Orientation::Collinear
            && ((b.x - a.x) * (c.x - b.x) + (b.y - a.y) * (c.y - b.y)) < 0.0
    })
}

#[test]
fn agrees_with_geo_on_random_rings_except_for_spikes() {
    let mut rng = Lcg(7);
    let (mut valid, mut invalid) = (0, 0);
    for _ in 0..20_000 {
        let n = 3 + rng.next(6) as usize;
        let mut pts: Vec<(f64, f64)> = Vec::new();
        while pts.len() < n {
            let p = (rng.next(5), rng.next(5));
            if pts.last() != Some(&p) && (pts.len() + 1 < n || pts.first() != Some(&p)) {
                pts.push(p);
            }
        }
        let r = ring(&pts);
        let polygon = Polygon::new(r.clone(), vec![]);
        if geo::Area::unsigned_area(&polygon) == 0.0 {
            continue;
        }
        let ours = check(std::slice::from_ref(&r)).is_ok();
        let theirs = polygon.is_valid();
        if ours != theirs {
            assert!(
                theirs && has_spike(&r),
                "{pts:?}: ours {ours}, geo {theirs}"
            );
        }
        if ours { valid += 1 } else { invalid += 1 }
    }
    assert!(
        valid > 1_000 && invalid > 1_000,
        "{valid} valid, {invalid} invalid"
    );
}
