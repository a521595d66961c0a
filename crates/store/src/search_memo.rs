//! What the store remembers of back-office customer searches (PostgreSQL), valid for
//! one state of the tenant's customers.
//!
//! - **Anchors.** Emporix pages by number, so page 10 000 of a million customers means
//!   skipping 600 000 rows in the search's order, which walks as many index entries on
//!   every request. Instead the store remembers, per search (tenant, filters, order),
//!   the rows just before and at the end of the deep pages it served, by position: the
//!   same page again, the next one, or one shortly before or after seeks past the
//!   nearest anchor before it (or reads back from the nearest after it) and walks only
//!   the distance. A page with neither is walked to as before (and leaves its anchors).
//! - **Totals.** A filtered search counts its matches, which for a substring visits
//!   every match's row (trigram indexes are lossy); the count is remembered, so paging
//!   through one search's results counts once. (Unfiltered totals come from the
//!   counters, `counts`.)
//!
//! Both hold for one [`Stamp`]: the state of the tenant's `customer_counts` change rows,
//! which every write that adds, removes or re-sorts a customer appends to in the same
//! transaction (migration 000024), read in the page's own snapshot. Any such write makes
//! all of the tenant's memos stale; the next search finds them again.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// The state of a tenant's customers as far as searches can tell: the number, greatest
/// key and key sum of its `customer_counts` rows. Every committed change adds a row, and
/// a fold replaces more than 256 rows with at most three newer (greater) ones; for two
/// states to share a stamp, changes and a fold committed between them would have to
/// cancel out in all three figures at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub rows: i64,
    pub greatest: i64,
    pub sum: i64,
}

/// A row of a search's order: its customer key, and whether its sort value is NULL
/// (NULLs sort apart from the values, so the seek past it differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Anchor {
    pub id: i64,
    pub null: bool,
}

struct Known<T> {
    stamp: Stamp,
    value: T,
}

/// Searches remembered at once, per kind; when more arrive, all are forgotten.
const SEARCHES: usize = 256;

/// Anchors remembered per search; when more are found, that search's are forgotten.
/// At most about 5 MiB for all searches (an anchor is ~40 bytes in its map).
const ANCHORS: usize = 512;

/// Anchors and totals of recent searches, shared by the store's clones.
pub(crate) struct SearchMemo {
    deep: i64,
    /// By position `p`: the row at `p - 1`, past which a page starting at `p` seeks.
    anchors: Mutex<HashMap<String, Known<BTreeMap<i64, Anchor>>>>,
    totals: Mutex<HashMap<String, Known<i64>>>,
}

/// The nearest known anchors before and after a page, with their positions.
pub(crate) type Around = (Option<(i64, Anchor)>, Option<(i64, Anchor)>);

impl SearchMemo {
    /// Pages starting fewer rows than this into a search are walked to (under a
    /// millisecond) and leave no anchors, unless configured.
    pub(crate) const DEFAULT_DEEP: i64 = 4096;

    pub(crate) fn new(deep: i64) -> Self {
        Self {
            deep: deep.max(1),
            anchors: Mutex::default(),
            totals: Mutex::default(),
        }
    }

    pub(crate) fn deep(&self) -> i64 {
        self.deep
    }

    /// The anchors of `search` in the state `stamp` nearest at or before `before` and
    /// nearest at or after `after`.
    pub(crate) fn anchors_around(&self, search: &str, stamp: Stamp, before: i64, after: i64) -> Around {
        let known = self.anchors.lock().unwrap_or_else(|e| e.into_inner());
        let Some(k) = known.get(search).filter(|k| k.stamp == stamp) else {
            return (None, None);
        };
        let at = |(p, a): (&i64, &Anchor)| (*p, *a);
        (
            k.value.range(..=before).next_back().map(at),
            k.value.range(after..).next().map(at),
        )
    }

    /// Remembers anchors of `search` found in the state `stamp` (by position).
    pub(crate) fn put_anchors(&self, search: String, stamp: Stamp, found: Vec<(i64, Anchor)>) {
        let mut known = self.anchors.lock().unwrap_or_else(|e| e.into_inner());
        match known.get_mut(&search) {
            Some(k) if k.stamp == stamp && k.value.len() + found.len() <= ANCHORS => k.value.extend(found),
            _ => remember(&mut known, search, stamp, found.into_iter().collect()),
        }
    }

    /// The total of `search` in the state `stamp`, if counted.
    pub(crate) fn total(&self, search: &str, stamp: Stamp) -> Option<i64> {
        let known = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        known.get(search).filter(|k| k.stamp == stamp).map(|k| k.value)
    }

    pub(crate) fn put_total(&self, search: String, stamp: Stamp, total: i64) {
        let mut known = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        remember(&mut known, search, stamp, total);
    }
}

fn remember<T>(known: &mut HashMap<String, Known<T>>, search: String, stamp: Stamp, value: T) {
    if known.len() >= SEARCHES && !known.contains_key(&search) {
        known.clear();
    }
    known.insert(search, Known { stamp, value });
}

impl Default for SearchMemo {
    fn default() -> Self {
        Self::new(Self::DEFAULT_DEEP)
    }
}

#[cfg(test)]
mod tests {
    use super::{Anchor, SearchMemo, Stamp, ANCHORS, SEARCHES};

    const S1: Stamp = Stamp {
        rows: 3,
        greatest: 9,
        sum: 20,
    };
    const S2: Stamp = Stamp {
        rows: 4,
        greatest: 10,
        sum: 30,
    };

    fn at(position: i64) -> (i64, Anchor) {
        (
            position,
            Anchor {
                id: position * 10,
                null: position % 2 == 0,
            },
        )
    }

    #[test]
    fn the_nearest_anchor_before_a_position_holds_for_its_state_only() {
        let m = SearchMemo::new(4);
        assert_eq!(m.anchors_around("s", S1, 100, i64::MAX).0, None);
        m.put_anchors("s".into(), S1, vec![at(10), at(70)]);
        m.put_anchors("s".into(), S1, vec![at(40)]);
        assert_eq!(m.anchors_around("s", S1, 9, i64::MAX).0, None);
        assert_eq!(m.anchors_around("s", S1, 10, i64::MAX).0, Some(at(10)));
        assert_eq!(m.anchors_around("s", S1, 69, i64::MAX).0, Some(at(40)));
        assert_eq!(m.anchors_around("s", S1, 1000, i64::MAX).0, Some(at(70)));
        assert_eq!(m.anchors_around("s", S1, i64::MIN, 0).1, Some(at(10)));
        assert_eq!(m.anchors_around("s", S1, i64::MIN, 41).1, Some(at(70)));
        assert_eq!(m.anchors_around("s", S1, i64::MIN, 71).1, None);
        assert_eq!(m.anchors_around("s", S2, 1000, i64::MAX).0, None, "another state");
        assert_eq!(m.anchors_around("t", S1, 1000, i64::MAX).0, None, "another search");
        // A new state replaces the old one's anchors.
        m.put_anchors("s".into(), S2, vec![at(20)]);
        assert_eq!(m.anchors_around("s", S2, 1000, i64::MAX).0, Some(at(20)));
        assert_eq!(m.anchors_around("s", S1, 1000, i64::MAX).0, None);
    }

    #[test]
    fn totals_hold_for_their_state_only() {
        let m = SearchMemo::new(4);
        assert_eq!(m.total("s", S1), None);
        m.put_total("s".into(), S1, 7);
        assert_eq!(m.total("s", S1), Some(7));
        assert_eq!(m.total("s", S2), None);
        assert_eq!(m.total("t", S1), None);
        m.put_total("s".into(), S2, 8);
        assert_eq!((m.total("s", S1), m.total("s", S2)), (None, Some(8)));
    }

    #[test]
    fn memory_is_bounded() {
        let m = SearchMemo::new(4);
        // Per search: past the bound, the search's anchors start over.
        let many: Vec<_> = (0..ANCHORS as i64).map(at).collect();
        m.put_anchors("s".into(), S1, many);
        assert_eq!(m.anchors_around("s", S1, 0, i64::MAX).0, Some(at(0)));
        m.put_anchors("s".into(), S1, vec![at(99_999)]);
        assert_eq!(m.anchors_around("s", S1, 99_998, i64::MAX).0, None);
        assert_eq!(m.anchors_around("s", S1, 99_999, i64::MAX).0, Some(at(99_999)));
        // Searches: past the bound, all are forgotten; known ones are updated in place.
        for i in 1..SEARCHES {
            m.put_anchors(i.to_string(), S1, vec![at(1)]);
        }
        m.put_anchors("1".into(), S2, vec![at(1)]);
        assert_eq!(m.anchors_around("2", S1, 1, i64::MAX).0, Some(at(1)));
        m.put_anchors("new".into(), S1, vec![at(1)]);
        assert_eq!(m.anchors_around("2", S1, 1, i64::MAX).0, None);
        assert_eq!(m.anchors_around("new", S1, 1, i64::MAX).0, Some(at(1)));
    }
}
