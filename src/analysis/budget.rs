//! One budget of work for one question, whatever it asks.
//!
//! The analyses answer exactly, and exact answers can cost exponential
//! work: a rule of 32 facts in an unlucky order makes a huge BDD, a rule of
//! seventeen `or`s has 2^17 minimal change sets. A [`Budget`] counts the
//! *steps* an analysis takes — a BDD node built, a prime implicant or a
//! literal stored, a change set compared, an entity evaluated — and every
//! step holds a bounded amount of memory, so a budget bounds time and
//! memory together. One budget serves a whole command (every entity of
//! `unlock`, every rule of `lint`), not one part of it.
//!
//! When the budget cannot pay for a step the analysis stops and returns
//! what it proved so far, marked incomplete; it never drops an option
//! silently. Work that grows with the input itself (reading the rules,
//! walking entities) is not charged: it stays linear or `n log n`.
//!
//! Architecture invariant: every search an analysis runs goes through a
//! budget; only the budget decides when one stops.

use std::sync::atomic::{AtomicU64, Ordering};

use biodivine_lib_bdd::{Bdd, op_function};

/// The steps a command may spend when no budget is given: a few seconds
/// and at most a few hundred megabytes on any input.
pub const DEFAULT_STEPS: u64 = 10_000_000;

/// The most bytes one step holds: a BDD node with its share of the
/// operation's tables, or one literal of a stored change set. An
/// exponential lint peaks at about 70 bytes a step (461 MB for 10,000,000
/// steps, release build); the `budget_bounds_memory` test in
/// `tests/limits.rs` checks this bound through the binary.
pub const BYTES_PER_STEP: u64 = 128;

/// A budget of steps, shared by every part of one question.
///
/// ```
/// use prereq::analysis::budget::Budget;
/// let budget = Budget::new(10);
/// assert!(budget.spend(7).is_ok());
/// assert!(budget.spend(7).is_err());
/// assert!(budget.is_exhausted());
/// assert_eq!(budget.used(), 10);
/// ```
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: AtomicU64,
}

/// The budget could not pay for a step: the analysis stops here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

impl Budget {
    /// A budget of `steps` steps.
    pub fn new(steps: u64) -> Budget {
        Budget {
            limit: steps,
            used: AtomicU64::new(0),
        }
    }

    /// Pays for `steps` steps, or, if fewer remain, spends the rest and fails.
    pub fn spend(&self, steps: u64) -> Result<(), Exhausted> {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let wanted = used.saturating_add(steps);
            let (next, paid) = if wanted <= self.limit {
                (wanted, true)
            } else {
                (self.limit, false)
            };
            match self
                .used
                .compare_exchange_weak(used, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) if paid => return Ok(()),
                Ok(_) => return Err(Exhausted),
                Err(now) => used = now,
            }
        }
    }

    /// The steps spent so far.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// The steps this budget started with.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The steps left.
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used())
    }

    /// Whether a step has been refused (or every step is spent).
    pub fn is_exhausted(&self) -> bool {
        self.used() >= self.limit
    }

    /// `a and b`, paid for by the nodes it builds.
    pub(crate) fn and(&self, a: &Bdd, b: &Bdd) -> Result<Bdd, Exhausted> {
        self.apply(a, b, op_function::and)
    }

    /// `a or b`, paid for by the nodes it builds.
    pub(crate) fn or(&self, a: &Bdd, b: &Bdd) -> Result<Bdd, Exhausted> {
        self.apply(a, b, op_function::or)
    }

    /// `a and not b`, paid for by the nodes it builds.
    pub(crate) fn and_not(&self, a: &Bdd, b: &Bdd) -> Result<Bdd, Exhausted> {
        self.apply(a, b, op_function::and_not)
    }

    /// `a implies b`, paid for by the nodes it builds.
    pub(crate) fn imp(&self, a: &Bdd, b: &Bdd) -> Result<Bdd, Exhausted> {
        self.apply(a, b, op_function::imp)
    }

    /// `a xor b`, paid for by the nodes it builds.
    pub(crate) fn xor(&self, a: &Bdd, b: &Bdd) -> Result<Bdd, Exhausted> {
        self.apply(a, b, op_function::xor)
    }

    /// A binary operation that may build no more nodes than the budget has
    /// left, charged for its operands (which it walks) and its result.
    fn apply(
        &self,
        a: &Bdd,
        b: &Bdd,
        op: fn(Option<bool>, Option<bool>) -> Option<bool>,
    ) -> Result<Bdd, Exhausted> {
        let walked = (a.size() + b.size()) as u64;
        self.spend(walked)?;
        let room = usize::try_from(self.remaining()).unwrap_or(usize::MAX);
        let result = Bdd::binary_op_with_limit(room, a, b, op).ok_or_else(|| {
            let _ = self.spend(u64::MAX);
            Exhausted
        })?;
        self.spend(result.size() as u64)?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use biodivine_lib_bdd::BddVariableSet;

    #[test]
    fn an_operation_that_would_outgrow_the_budget_is_refused() {
        // (x1 and y1) or … or (x8 and y8) with all x before all y: 2^8 nodes and more.
        let vars = BddVariableSet::new_anonymous(16);
        let v = vars.variables();
        let budget = Budget::new(200);
        let mut any = vars.mk_false();
        let mut refused = false;
        for i in 0..8 {
            let pair = vars.mk_var(v[i]).and(&vars.mk_var(v[i + 8]));
            match budget.or(&any, &pair) {
                Ok(next) => any = next,
                Err(Exhausted) => {
                    refused = true;
                    break;
                }
            }
        }
        assert!(refused);
        assert!(budget.is_exhausted());
        assert!(budget.spend(1).is_err());
    }

    #[test]
    fn small_operations_are_paid_for_and_exact() {
        let vars = BddVariableSet::new_anonymous(2);
        let v = vars.variables();
        let (a, b) = (vars.mk_var(v[0]), vars.mk_var(v[1]));
        let budget = Budget::new(1_000);
        assert_eq!(budget.and(&a, &b), Ok(a.and(&b)));
        assert_eq!(budget.imp(&a, &b), Ok(a.imp(&b)));
        assert!(budget.used() > 0 && !budget.is_exhausted());
    }
}
