//! What a rebuild did, as `docket serve` reports it.

use std::time::Duration;

use crate::output::incremental::Counts;

/// What a rebuild did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Files written (new or changed).
    pub written: usize,
    /// Files removed.
    pub removed: usize,
    /// Pages rendered.
    pub rendered: usize,
    /// Of those, category and tag listing pages.
    pub listings: usize,
    /// Wall time.
    pub elapsed: Duration,
}

impl Outcome {
    /// What two rebuilds (one per bundle) did together.
    pub(super) fn plus(&self, other: &Outcome) -> Outcome {
        Outcome {
            written: self.written + other.written,
            removed: self.removed + other.removed,
            rendered: self.rendered + other.rendered,
            listings: self.listings + other.listings,
            elapsed: self.elapsed.max(other.elapsed),
        }
    }
}

impl std::ops::AddAssign<Counts> for Outcome {
    fn add_assign(&mut self, counts: Counts) {
        self.written += counts.written;
        self.removed += counts.removed;
    }
}
