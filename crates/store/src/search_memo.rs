//! What the store remembers of back-office customer searches (PostgreSQL), valid for
//! one state of the tenant's customers.
//!
//! - **Anchors.** Emporix pages by number, so page 10 000 of a million customers means
//!   skipping 600 000 rows in the search's order, which walks as many index entries on
//!   every request. Instead the store remembers, per search (tenant, filters, order),
//!   the key of every `spacing`-th row: a deep page seeks to the anchor before it and
//!   walks less than `spacing` entries. The first deep page that needs anchors finds
//!   them in one walk from the start (numbering the rows), so it costs about what a
//!   deep page cost without them.
//! - **Totals.** A filtered search counts its matches, which for a substring visits
//!   every match's row (trigram indexes are lossy); the count is remembered, so paging
//!   through one search's results counts once. (Unfiltered totals come from the
//!   counters, `counts`.)
//!
//! Both hold for one [`Stamp`]: the state of the tenant's `customer_counts` change rows,
//! which every write that adds, removes or re-sorts a customer appends to in the same
//! transaction (migration 000024), read in the page's own snapshot. Any such write makes
//! all of the tenant's memos stale; the next search finds them again.

use std::collections::HashMap;
use std::sync::Mutex;

/// The state of a tenant's customers as far as searches can tell: the number, greatest
/// key and key sum of its `customer_counts` rows. Every committed change adds a row, and
/// a fold replaces rows with newer (greater) ones, so two snapshots with the same stamp
/// see the same customers in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub rows: i64,
    pub greatest: i64,
    pub sum: i64,
}

/// A row at the end of a block: its customer key, and whether its sort value is NULL
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

/// Anchors and totals of recent searches, shared by the store's clones.
pub(crate) struct SearchMemo {
    spacing: u64,
    /// `value[i]` is the row at position `(i + 1) * spacing - 1`.
    anchors: Mutex<HashMap<String, Known<Vec<Anchor>>>>,
    totals: Mutex<HashMap<String, Known<i64>>>,
}

impl SearchMemo {
    /// Rows between two anchors unless configured. A deep page walks fewer index
    /// entries than this (under 1.5 ms on a million customers); a search 400 000 rows
    /// deep keeps ~100 anchors (1.6 KiB).
    pub(crate) const DEFAULT_SPACING: u64 = 4096;

    pub(crate) fn new(spacing: u64) -> Self {
        Self {
            spacing: spacing.max(1),
            anchors: Mutex::default(),
            totals: Mutex::default(),
        }
    }

    pub(crate) fn spacing(&self) -> u64 {
        self.spacing
    }

    /// The first (at most `blocks`) anchors known for `search` in the state `stamp`.
    pub(crate) fn anchors(&self, search: &str, stamp: Stamp, blocks: usize) -> Vec<Anchor> {
        let known = self.anchors.lock().unwrap_or_else(|e| e.into_inner());
        match known.get(search) {
            Some(k) if k.stamp == stamp => k.value[..k.value.len().min(blocks)].to_vec(),
            _ => Vec::new(),
        }
    }

    /// Remembers `ends` for `search` in the state `stamp`, unless as many or more are
    /// known for that state already.
    pub(crate) fn put_anchors(&self, search: String, stamp: Stamp, ends: Vec<Anchor>) {
        let mut known = self.anchors.lock().unwrap_or_else(|e| e.into_inner());
        if known
            .get(&search)
            .is_some_and(|k| k.stamp == stamp && k.value.len() >= ends.len())
        {
            return;
        }
        remember(&mut known, search, stamp, ends);
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
        Self::new(Self::DEFAULT_SPACING)
    }
}

#[cfg(test)]
mod tests {
    use super::{Anchor, SearchMemo, Stamp, SEARCHES};

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

    fn anchors(n: i64) -> Vec<Anchor> {
        (0..n).map(|id| Anchor { id, null: false }).collect()
    }

    #[test]
    fn anchors_hold_for_their_state_only() {
        let m = SearchMemo::new(4);
        assert!(m.anchors("s", S1, 10).is_empty());
        m.put_anchors("s".into(), S1, anchors(3));
        assert_eq!(m.anchors("s", S1, 10), anchors(3));
        assert_eq!(m.anchors("s", S1, 2), anchors(2));
        assert!(m.anchors("s", S2, 10).is_empty(), "another state");
        assert!(m.anchors("t", S1, 10).is_empty(), "another search");
        // Fewer for the same state do not replace more; a new state replaces the old.
        m.put_anchors("s".into(), S1, anchors(1));
        assert_eq!(m.anchors("s", S1, 10).len(), 3);
        m.put_anchors("s".into(), S2, anchors(1));
        assert_eq!(m.anchors("s", S2, 10).len(), 1);
        assert!(m.anchors("s", S1, 10).is_empty());
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
    fn too_many_searches_are_forgotten_together() {
        let m = SearchMemo::new(4);
        for i in 0..SEARCHES {
            m.put_anchors(i.to_string(), S1, anchors(1));
        }
        // Known searches are updated in place.
        m.put_anchors("0".into(), S2, anchors(1));
        assert_eq!(m.anchors("1", S1, 1).len(), 1);
        m.put_anchors("new".into(), S1, anchors(1));
        assert!(m.anchors("1", S1, 1).is_empty());
        assert_eq!(m.anchors("new", S1, 1).len(), 1);
    }
}
