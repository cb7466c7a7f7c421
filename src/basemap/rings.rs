//! Rings of a multipolygon from the ways that make them up: OSM maps a large lake or park as
//! a relation whose outer and inner boundaries are each split over several ways, joined end to
//! end in any direction.
//!
//! ```
//! use citytwin::basemap::rings::join;
//! // Two halves of a square, the second drawn backwards, and a way that leads nowhere.
//! let (closed, open) = join(vec![vec![1, 2, 3], vec![1, 4, 3], vec![7, 8]]);
//! assert_eq!(closed, vec![vec![1, 2, 3, 4, 1]]);
//! assert_eq!(open.len(), 1);
//! ```

use std::collections::HashMap;

/// Joins ways (lists of node ids) end to end into closed rings (first id = last id). Returns
/// the rings and the chains that stayed open (their ways are missing from the extract, or
/// the data is broken), each as long as it could be joined. Each way is used once; a ring
/// already closed is taken as it is. An open chain runs in the direction of the first of its
/// ways (which matters for the coastline, whose land is on its left). Linear in the number
/// of nodes.
pub fn join(ways: Vec<Vec<i64>>) -> (Vec<Vec<i64>>, Vec<Vec<i64>>) {
    let ways: Vec<Vec<i64>> = ways.into_iter().filter(|w| w.len() >= 2).collect();
    let mut by_end: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, w) in ways.iter().enumerate() {
        if w.first() != w.last() {
            by_end.entry(w[0]).or_default().push(i);
            by_end.entry(w[w.len() - 1]).or_default().push(i);
        }
    }
    let mut used = vec![false; ways.len()];
    let mut closed = Vec::new();
    let mut open = Vec::new();
    for start in 0..ways.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut ring = ways[start].clone();
        // Forwards from its end; then, if still open, from its other end (turned round, and
        // turned back after, so that it keeps its first way's direction).
        let mut turned = false;
        for turn in 0..2 {
            if turn == 1 {
                if ring.first() == ring.last() {
                    break;
                }
                ring.reverse();
                turned = true;
            }
            while ring.first() != ring.last() {
                let end = ring[ring.len() - 1];
                let next = by_end
                    .get(&end)
                    .and_then(|c| c.iter().copied().find(|&i| !used[i]));
                let Some(next) = next else { break };
                used[next] = true;
                let way = &ways[next];
                if way[0] == end {
                    ring.extend_from_slice(&way[1..]);
                } else {
                    ring.extend(way[..way.len() - 1].iter().rev());
                }
            }
        }
        if turned {
            ring.reverse();
        }
        if ring.first() == ring.last() && ring.len() >= 4 {
            closed.push(ring);
        } else {
            open.push(ring);
        }
    }
    (closed, open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_close_from_pieces_in_any_order_and_direction() {
        let ways = vec![
            vec![3, 4, 5],
            vec![10, 11, 12, 10],
            vec![1, 2, 3],
            vec![1, 6, 5],
        ];
        let (closed, open) = join(ways);
        assert!(open.is_empty());
        assert_eq!(closed.len(), 2);
        assert!(closed.iter().any(|r| r.len() == 4 && r[0] == 10));
        let big = closed.iter().find(|r| r.len() == 7).unwrap();
        assert_eq!(big.first(), big.last());
        let mut ids = big[..6].to_vec();
        ids.sort();
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn a_piece_missing_leaves_the_chain_open() {
        let (closed, open) = join(vec![vec![1, 2], vec![2, 3], vec![4, 1], vec![9]]);
        assert!(closed.is_empty());
        assert_eq!(
            open,
            vec![vec![4, 1, 2, 3]],
            "in the direction of its first way"
        );
    }
}
