//! The kiosk's guided tour (attract mode): a loop of stops, each shown for a while, with a
//! flight between two stops. [`Tour::at`] says where the tour stands after some seconds, so
//! the camera's path is a function of time alone (the same on every machine and in tests).
//!
//! The loop: fly from wherever the camera was to the first stop, stay, fly to the second,
//! …, stay at the last, fly back to the first, and so on.
//!
//! ```
//! use citytwin::tour::{At, Tour};
//! let tour = Tour { stay_s: vec![10.0, 20.0], fly_s: 5.0 };
//! assert_eq!(tour.at(2.5), Some(At::Flying { from: None, to: 0, progress: 0.5 }));
//! assert_eq!(tour.at(7.0), Some(At::Staying { stop: 0, for_s: 2.0 }));
//! assert_eq!(tour.at(17.5), Some(At::Flying { from: Some(0), to: 1, progress: 0.5 }));
//! assert_eq!(tour.at(40.0), Some(At::Flying { from: Some(1), to: 0, progress: 0.0 }));
//! // The second time round comes from the last stop, not from where the camera began.
//! assert_eq!(tour.at(47.0), Some(At::Staying { stop: 0, for_s: 2.0 }));
//! ```

/// A tour's timing.
#[derive(Debug, Clone, PartialEq)]
pub struct Tour {
    /// Seconds at each stop, in order.
    pub stay_s: Vec<f64>,
    /// Seconds of each flight between two stops.
    pub fly_s: f64,
}

/// Where a tour stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum At {
    /// Flying to stop `to`, from stop `from` (`None`: from where the camera was when the tour
    /// began); `progress` runs from 0 to 1 (linear in time; see [`ease`]).
    Flying {
        /// The stop left, if any.
        from: Option<usize>,
        /// The stop flown to.
        to: usize,
        /// 0 at the start of the flight, 1 on arrival.
        progress: f64,
    },
    /// At stop `stop` for `for_s` seconds so far.
    Staying {
        /// The stop.
        stop: usize,
        /// Seconds since arriving.
        for_s: f64,
    },
}

impl At {
    /// The stop being shown or flown to, whose caption the visitor reads.
    pub fn stop(&self) -> usize {
        match *self {
            At::Flying { to, .. } => to,
            At::Staying { stop, .. } => stop,
        }
    }
}

impl Tour {
    /// Where the tour stands `s` seconds after it began (`None` for a tour without stops).
    pub fn at(&self, s: f64) -> Option<At> {
        let n = self.stay_s.len();
        if n == 0 {
            return None;
        }
        let fly = self.fly_s.max(0.0);
        let s = s.max(0.0);
        // The first flight comes from the camera; after it the loop repeats stay, fly.
        if s < fly {
            return Some(At::Flying {
                from: None,
                to: 0,
                progress: s / fly,
            });
        }
        let lap: f64 = self.stay_s.iter().map(|x| x.max(0.0)).sum::<f64>() + fly * n as f64;
        let mut t = if lap > 0.0 { (s - fly) % lap } else { 0.0 };
        for (stop, stay) in self.stay_s.iter().map(|x| x.max(0.0)).enumerate() {
            if t < stay {
                return Some(At::Staying { stop, for_s: t });
            }
            t -= stay;
            if t < fly {
                return Some(At::Flying {
                    from: Some(stop),
                    to: (stop + 1) % n,
                    progress: t / fly,
                });
            }
            t -= fly;
        }
        // Rounding at the lap's very end.
        Some(At::Staying {
            stop: 0,
            for_s: 0.0,
        })
    }
}

/// Smooth start and stop of a flight: 0 → 0, 1 → 1, no speed at either end (a cubic).
///
/// ```
/// use citytwin::tour::ease;
/// assert_eq!(ease(0.0), 0.0);
/// assert_eq!(ease(0.5), 0.5);
/// assert_eq!(ease(1.0), 1.0);
/// assert!(ease(0.1) < 0.1);
/// ```
pub fn ease(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// How much higher than its ends a flight rises at its middle, as a factor on the camera's
/// distance: a hop between two stops far apart (relative to how far the camera stands from
/// them) rises to see both; a short one hardly rises. `gap` is the ground distance between
/// the two points looked at; `near` the smaller of the two camera distances.
///
/// ```
/// use citytwin::tour::rise;
/// assert_eq!(rise(0.0, 500.0), 1.0);
/// assert!(rise(2_000.0, 500.0) > 1.5);
/// assert!(rise(1e9, 500.0) <= 3.0);
/// ```
pub fn rise(gap: f64, near: f64) -> f64 {
    1.0 + (0.5 * gap / near.max(1.0)).min(2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stop_is_visited_in_order_and_the_loop_goes_on() {
        let tour = Tour {
            stay_s: vec![3.0, 4.0, 5.0],
            fly_s: 2.0,
        };
        let mut seen = Vec::new();
        let mut s = 0.0;
        while s < 80.0 {
            if let Some(At::Staying { stop, .. }) = tour.at(s)
                && seen.last() != Some(&stop)
            {
                seen.push(stop);
            }
            s += 0.25;
        }
        // 80 s: the first flight, then laps of 18 s.
        assert_eq!(seen[..7], [0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn one_stop_or_none() {
        let one = Tour {
            stay_s: vec![10.0],
            fly_s: 4.0,
        };
        assert!(matches!(
            one.at(100.0),
            Some(At::Staying { stop: 0, .. }) | Some(At::Flying { to: 0, .. })
        ));
        let none = Tour {
            stay_s: vec![],
            fly_s: 4.0,
        };
        assert_eq!(none.at(5.0), None);
    }

    #[test]
    fn no_flight_time_and_no_stay_time_do_not_divide_by_zero() {
        let tour = Tour {
            stay_s: vec![0.0, 0.0],
            fly_s: 0.0,
        };
        assert_eq!(
            tour.at(5.0),
            Some(At::Staying {
                stop: 0,
                for_s: 0.0
            })
        );
    }
}
