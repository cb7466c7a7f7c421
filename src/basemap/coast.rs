//! The sea from a coastline cut out of a larger map. OSM maps the coast as lines with the
//! land on their left, not as water surfaces; an extract holds pieces of those lines that end
//! at (or near) its box. The land is closed by walking around the box, counter-clockwise, from
//! where one piece leaves it to where the next one enters; the sea is the box without the land
//! and without the islands (closed coastline rings).
//!
//! ```
//! use citytwin::basemap::coast::sea;
//! use geo::Area;
//! // A coast running north to south through the middle of a unit box: land on its left
//! // (east), so the sea is the western half.
//! let coast = vec![vec![[0.5, 1.0], [0.5, 0.0]]];
//! let water = sea(&coast, &[], [0.0, 0.0, 1.0, 1.0]).unwrap();
//! assert!((water.unsigned_area() - 0.5).abs() < 1e-9);
//! ```

use geo::{BooleanOps, Coord, LineString, MultiPolygon, Polygon, Rect};

/// The water in `bbox` (`[west, south, east, north]`) given the open pieces of coastline
/// (`chains`, land on their left) and the islands (closed rings). `None` when there is no
/// coastline at all (then nothing says where the sea is).
pub fn sea(
    chains: &[Vec<[f64; 2]>],
    islands: &[Vec<[f64; 2]>],
    bbox: [f64; 4],
) -> Option<MultiPolygon<f64>> {
    let chains: Vec<&Vec<[f64; 2]>> = chains.iter().filter(|c| c.len() >= 2).collect();
    let islands: Vec<&Vec<[f64; 2]>> = islands.iter().filter(|c| c.len() >= 4).collect();
    if chains.is_empty() && islands.is_empty() {
        return None;
    }
    let [w, s, e, n] = bbox;
    if !(w < e && s < n) {
        return None;
    }
    let boxed = Rect::new(Coord { x: w, y: s }, Coord { x: e, y: n }).to_polygon();
    let mut land: Vec<Polygon<f64>> = land_from_chains(&chains, bbox);
    land.extend(islands.iter().map(|r| polygon(r)));
    if land.is_empty() {
        return Some(MultiPolygon(vec![boxed]));
    }
    let mut all_land = MultiPolygon(vec![land[0].clone()]);
    for p in &land[1..] {
        all_land = all_land.union(&MultiPolygon(vec![p.clone()]));
    }
    let water = MultiPolygon(vec![boxed]).difference(&all_land);
    (!water.0.is_empty()).then_some(water)
}

fn polygon(points: &[[f64; 2]]) -> Polygon<f64> {
    Polygon::new(
        LineString(points.iter().map(|p| Coord { x: p[0], y: p[1] }).collect()),
        vec![],
    )
}

/// Where on the box's outline a point lies (nearest point of the outline), as a distance
/// along it counter-clockwise from the south-west corner, in units of sides: 0..1 the south
/// side (west to east), 1..2 the east side, 2..3 the north side, 3..4 the west side.
fn around(p: [f64; 2], [w, s, e, n]: [f64; 4]) -> f64 {
    let x = p[0].clamp(w, e);
    let y = p[1].clamp(s, n);
    // Distances to each side; the nearest side wins.
    let sides = [(y - s), (e - x), (n - y), (x - w)];
    let side = (0..4)
        .min_by(|a, b| sides[*a].total_cmp(&sides[*b]))
        .unwrap_or(0);
    let (fx, fy) = ((x - w) / (e - w), (y - s) / (n - s));
    match side {
        0 => fx,
        1 => 1.0 + fy,
        2 => 2.0 + (1.0 - fx),
        _ => 3.0 + (1.0 - fy),
    }
}

/// The point of the box's outline at `t` (see [`around`]).
fn at(t: f64, [w, s, e, n]: [f64; 4]) -> [f64; 2] {
    let t = t.rem_euclid(4.0);
    let f = t.fract();
    match t as usize {
        0 => [w + f * (e - w), s],
        1 => [e, s + f * (n - s)],
        2 => [e - f * (e - w), n],
        _ => [w, n - f * (n - s)],
    }
}

/// Land polygons closed along the box: each piece of coast, then the box's outline
/// counter-clockwise from where it leaves to where the next piece enters.
fn land_from_chains(chains: &[&Vec<[f64; 2]>], bbox: [f64; 4]) -> Vec<Polygon<f64>> {
    let enter: Vec<f64> = chains.iter().map(|c| around(c[0], bbox)).collect();
    let leave: Vec<f64> = chains
        .iter()
        .map(|c| around(c[c.len() - 1], bbox))
        .collect();
    let mut used = vec![false; chains.len()];
    let mut out = Vec::new();
    for first in 0..chains.len() {
        if used[first] {
            continue;
        }
        let mut ring: Vec<[f64; 2]> = Vec::new();
        let mut current = first;
        loop {
            used[current] = true;
            ring.push(at(enter[current], bbox));
            ring.extend(chains[current].iter().copied());
            ring.push(at(leave[current], bbox));
            // The next entry counter-clockwise from here (this chain's own entry included).
            let from = leave[current];
            let gap = |t: f64| (t - from).rem_euclid(4.0);
            let next = (0..chains.len())
                .filter(|&i| !used[i] || i == first)
                .min_by(|a, b| gap(enter[*a]).total_cmp(&gap(enter[*b])))
                .unwrap_or(first);
            // The box's corners passed on the way.
            let mut corner = from.floor() + 1.0;
            while corner < from + gap(enter[next]) {
                ring.push(at(corner, bbox));
                corner += 1.0;
            }
            if next == first {
                break;
            }
            current = next;
        }
        ring.push(ring[0]);
        out.push(polygon(&ring));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    const BOX: [f64; 4] = [0.0, 0.0, 10.0, 10.0];

    #[test]
    fn two_shores_leave_the_river_between_them() {
        // A river running north–south between x = 3 and x = 6. The west bank has the land
        // to its west, so its line runs north (left = west).
        let west_bank = vec![[3.0, 0.0], [3.0, 10.0]];
        // East bank: land to the east, the line runs south.
        let east_bank = vec![[6.0, 10.0], [6.0, 0.0]];
        let water = sea(&[west_bank, east_bank], &[], BOX).unwrap();
        assert!(
            (water.unsigned_area() - 30.0).abs() < 1e-6,
            "{}",
            water.unsigned_area()
        );
    }

    #[test]
    fn an_island_in_the_sea_is_land() {
        let coast = vec![vec![[10.0, 5.0], [0.0, 5.0]]]; // land to the south
        let island = vec![[2.0, 7.0], [4.0, 7.0], [4.0, 9.0], [2.0, 9.0], [2.0, 7.0]];
        let water = sea(&coast, &[island], BOX).unwrap();
        assert!(
            (water.unsigned_area() - 46.0).abs() < 1e-6,
            "{}",
            water.unsigned_area()
        );
    }

    #[test]
    fn ends_short_of_the_box_reach_the_nearest_side() {
        // The Manhattan case: a shore that starts 0.2 inside the north side.
        let coast = vec![vec![[5.0, 9.8], [5.0, 0.1]]];
        let water = sea(&coast, &[], BOX).unwrap();
        assert!(
            (water.unsigned_area() - 50.0).abs() < 1.5,
            "{}",
            water.unsigned_area()
        );
    }

    #[test]
    fn islands_alone_are_in_the_sea_and_nothing_means_no_sea() {
        let island = vec![[2.0, 2.0], [4.0, 2.0], [4.0, 4.0], [2.0, 4.0], [2.0, 2.0]];
        let water = sea(&[], &[island], BOX).unwrap();
        assert!((water.unsigned_area() - 96.0).abs() < 1e-6);
        assert!(sea(&[], &[], BOX).is_none());
    }
}
