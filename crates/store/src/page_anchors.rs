//! Where deep pages of a back-office customer search start (PostgreSQL).
//!
//! Emporix pages by number, so page 10 000 of a million customers means skipping
//! 600 000 rows in the search's order, which walks as many index entries on every
//! request. Instead the store remembers, per search (tenant, filters, order), the key of
//! every `spacing`-th row: a deep page seeks to the anchor before it and walks less than
//! `spacing` entries. Anchors are found while walking (the first deep page of a search
//! costs what any deep page cost before) and are valid for one state of the tenant's
//! customers only: the stamp of its `customer_counts` change rows, which every write that
//! adds, removes or re-sorts a customer appends to in the same transaction (migration
//! 000024), read in the page's own snapshot. Any such write makes all the tenant's
//! anchors stale; they are found again by the next deep page.

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

struct Known {
    stamp: Stamp,
    /// `ends[i]` is the row at position `(i + 1) * spacing - 1`.
    ends: Vec<Anchor>,
}

/// Searches remembered at once; when more arrive, all are forgotten.
const SEARCHES: usize = 256;

/// The anchors of recent searches, shared by the store's clones.
pub(crate) struct PageAnchors {
    spacing: u64,
    known: Mutex<HashMap<String, Known>>,
}

impl PageAnchors {
    /// Rows between two anchors unless configured. A deep page walks fewer index
    /// entries than this (under 1.5 ms on a million customers); finding an anchor is a
    /// query of its own (about 1.3 ms, mostly planning), so a first page 400 000 rows
    /// deep finds ~100 of them.
    pub(crate) const DEFAULT_SPACING: u64 = 4096;

    pub(crate) fn new(spacing: u64) -> Self {
        Self {
            spacing: spacing.max(1),
            known: Mutex::default(),
        }
    }

    pub(crate) fn spacing(&self) -> u64 {
        self.spacing
    }

    /// The first (at most `blocks`) anchors known for `search` in the state `stamp`.
    pub(crate) fn get(&self, search: &str, stamp: Stamp, blocks: usize) -> Vec<Anchor> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        match known.get(search) {
            Some(k) if k.stamp == stamp => k.ends[..k.ends.len().min(blocks)].to_vec(),
            _ => Vec::new(),
        }
    }

    /// Remembers `ends` for `search` in the state `stamp`, unless as many or more are
    /// known for that state already.
    pub(crate) fn put(&self, search: String, stamp: Stamp, ends: Vec<Anchor>) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = known.get(&search) {
            if k.stamp == stamp && k.ends.len() >= ends.len() {
                return;
            }
        } else if known.len() >= SEARCHES {
            known.clear();
        }
        known.insert(search, Known { stamp, ends });
    }
}

impl Default for PageAnchors {
    fn default() -> Self {
        Self::new(Self::DEFAULT_SPACING)
    }
}

#[cfg(test)]
mod tests {
    use super::{Anchor, PageAnchors, Stamp, SEARCHES};

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
        let a = PageAnchors::new(4);
        assert!(a.get("s", S1, 10).is_empty());
        a.put("s".into(), S1, anchors(3));
        assert_eq!(a.get("s", S1, 10), anchors(3));
        assert_eq!(a.get("s", S1, 2), anchors(2));
        assert!(a.get("s", S2, 10).is_empty(), "another state");
        assert!(a.get("t", S1, 10).is_empty(), "another search");
        // Fewer for the same state do not replace more; a new state replaces the old.
        a.put("s".into(), S1, anchors(1));
        assert_eq!(a.get("s", S1, 10).len(), 3);
        a.put("s".into(), S2, anchors(1));
        assert_eq!(a.get("s", S2, 10).len(), 1);
        assert!(a.get("s", S1, 10).is_empty());
    }

    #[test]
    fn too_many_searches_are_forgotten_together() {
        let a = PageAnchors::new(4);
        for i in 0..SEARCHES {
            a.put(i.to_string(), S1, anchors(1));
        }
        assert_eq!(a.get("0", S1, 1).len(), 1);
        a.put("new".into(), S1, anchors(1));
        assert!(a.get("0", S1, 1).is_empty());
        assert_eq!(a.get("new", S1, 1).len(), 1);
    }
}
