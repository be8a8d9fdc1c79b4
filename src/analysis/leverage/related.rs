//! Facts in relations, for leverage.
//!
//! A fact compared with another (`troops_offered >= min_contingent`) has
//! no regions of its own: where its values divide depends on the other
//! fact's value, entity by entity. So its candidate changes are worked out
//! where they are read — the cells of its values ([`relations::cells`])
//! with every other fact as it is for that entity (or the world) — one
//! candidate per cell, as a region is for a fact alone.
//!
//! A world fact related to entity facts moves a different threshold for
//! each entity (each country's own `troops_offered` against one
//! `min_contingent`): its cells are the union of every entity's. Rather
//! than evaluate each of up to one cell per entity over every entity, a
//! [`Sweep`] records for each entity the intervals of the world fact's
//! values that bring it in or lose it (a few evaluations per entity), then
//! counts, interval by interval, the entities gained and lost: `n log n` in
//! entities, never `n²`.

use super::super::Snapshot;
use super::super::atoms::Test;
use super::super::budget::{Budget, Exhausted};
use super::super::linear::{Q, simplest_between};
use super::super::relations::{self, End, Reading, Relation, describe_interval, interval, within};
use crate::check::FactId;
use crate::facts::Value;

/// A region of a related fact's values: an interval whose values pass and
/// fail the same tests and relations, with a value a fact can hold in it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Region {
    pub(super) value: f64,
    lo: End,
    hi: End,
}

impl Region {
    /// Whether `x` lies in the region.
    pub(super) fn contains(&self, x: f64) -> bool {
        let Some(x) = crate::eval::arith::decimal(x) else {
            return false;
        };
        within(&x, &self.lo, &self.hi)
    }

    /// The region as a condition on a fact of `range`: `>= 1000 and <
    /// 30000`, `== 5` (an end the range has anyway left out).
    pub(super) fn describe(&self, range: crate::syntax::ast::NumberRange) -> String {
        describe_interval(&self.lo, &self.hi, range)
    }
}

/// The regions of `fact`'s values — by its own `tests` and the `relations`
/// that read it — with every other fact as it is for `entity` (`None`: the
/// world), within the fact's range. A region no decimal a fact can hold
/// lies in is left out: no fact can be set into it.
pub(super) fn regions(
    snapshot: &Snapshot<'_>,
    fact: FactId,
    tests: &[Test],
    relations: &[Relation],
    entity: Option<usize>,
    budget: &Budget,
) -> Result<Vec<Region>, Exhausted> {
    let resolved = snapshot.resolved();
    let range = |f: FactId| resolved.fact(f).map(|i| i.range).unwrap_or_default();
    let reading = |other: FactId| {
        if other == fact {
            return Reading::Free(0);
        }
        match snapshot.value(entity, other) {
            Some(Value::Number(x)) => match crate::eval::arith::decimal(x) {
                Some(x) => Reading::Known(x),
                None => Reading::Unknown(relations::bounds_of(range(other))),
            },
            _ => Reading::Unknown(relations::bounds_of(range(other))),
        }
    };
    let reading_it: Vec<Relation> = relations
        .iter()
        .filter(|r| r.facts().any(|f| f == fact))
        .cloned()
        .collect();
    let tests: Vec<(usize, Test)> = tests.iter().map(|t| (0, t.clone())).collect();
    let bounds = [relations::bounds_of(range(fact))];
    let cells = relations::cells(&bounds, &tests, &reading_it, reading, budget)?;
    // Cells in the order of their values; neighbours no test or relation
    // tells apart (`== 1000` and `> 1000` for `>= 1000`) are one region.
    let mut spans: Vec<(End, End, Vec<bool>, Vec<crate::eval::Tri>)> = cells
        .into_iter()
        .map(|cell| {
            let (lo, hi) = interval(&cell.constraints, &bounds[0]);
            (lo, hi, cell.tests, cell.relations)
        })
        .collect();
    spans.sort_by(|a, b| relations::start_order(&a.0, &b.0));
    let mut merged: Vec<(End, End, Vec<bool>, Vec<crate::eval::Tri>)> = Vec::new();
    for span in spans {
        match merged.last_mut() {
            Some(last) if last.2 == span.2 && last.3 == span.3 => last.1 = span.1,
            _ => merged.push(span),
        }
    }
    Ok(merged
        .into_iter()
        .filter_map(|(lo, hi, _, _)| {
            let q = simplest_between(lo.as_ref(), hi.as_ref());
            let value = relations::to_decimal(&q).filter(|_| within(&q, &lo, &hi))?;
            Some(Region { value, lo, hi })
        })
        .collect())
}

/// What one world change would do to each entity, interval by interval of
/// the world fact's values: gathered entity by entity, then counted.
#[derive(Default)]
pub(super) struct Sweep {
    /// Each interval where an entity is gained (`true`) or lost.
    intervals: Vec<(End, End, usize, bool)>,
}

/// An interval of the world fact's values and how many entities it gains
/// and loses.
#[derive(Debug, Clone)]
pub(super) struct Counted {
    pub(super) lo: End,
    pub(super) hi: End,
    pub(super) gains: usize,
    pub(super) losses: usize,
}

impl Sweep {
    /// Notes that setting the world fact anywhere in `region` gains (or
    /// loses) `entity`.
    pub(super) fn add(&mut self, region: &Region, entity: usize, gained: bool) {
        self.intervals
            .push((region.lo.clone(), region.hi.clone(), entity, gained));
    }

    /// The elementary intervals (points and the open spans between them)
    /// with what each gains and loses, those that gain or lose someone.
    pub(super) fn counted(&self) -> Vec<Counted> {
        let mut points: Vec<Q> = self
            .intervals
            .iter()
            .flat_map(|(lo, hi, _, _)| [lo, hi])
            .filter_map(|end| end.as_ref().map(|(b, _)| b.clone()))
            .collect();
        points.sort();
        points.dedup();
        // Position 2i is the span below point i, 2i + 1 the point itself;
        // 2k the span above the last.
        let slots = 2 * points.len() + 1;
        let index = |q: &Q| points.binary_search(q).unwrap_or(0);
        let mut gains = vec![0i64; slots + 1];
        let mut losses = vec![0i64; slots + 1];
        // Which entities, as a sum of their hashes: neighbouring intervals
        // that gain and lose the same entities are one.
        let mut who = vec![0u64; slots + 1];
        for (lo, hi, entity, gained) in &self.intervals {
            let from = match lo {
                None => 0,
                Some((b, false)) => 2 * index(b) + 1,
                Some((b, true)) => 2 * index(b) + 2,
            };
            let to = match hi {
                None => slots - 1,
                Some((b, false)) => 2 * index(b) + 1,
                Some((b, true)) => 2 * index(b),
            };
            if from > to {
                continue;
            }
            let counts = if *gained { &mut gains } else { &mut losses };
            if let Some(cell) = counts.get_mut(from) {
                *cell += 1;
            }
            if let Some(cell) = counts.get_mut(to + 1) {
                *cell -= 1;
            }
            let mark = entity_hash(*entity, *gained);
            if let Some(cell) = who.get_mut(from) {
                *cell = cell.wrapping_add(mark);
            }
            if let Some(cell) = who.get_mut(to + 1) {
                *cell = cell.wrapping_sub(mark);
            }
        }
        let (mut gained, mut lost, mut whom) = (0i64, 0i64, 0u64);
        let mut counted: Vec<(u64, Counted)> = Vec::new();
        for slot in 0..slots {
            gained += gains.get(slot).copied().unwrap_or(0);
            lost += losses.get(slot).copied().unwrap_or(0);
            whom = whom.wrapping_add(who.get(slot).copied().unwrap_or(0));
            if gained == 0 && lost == 0 {
                continue;
            }
            let point = |i: usize| points.get(i).cloned();
            let (lo, hi) = match slot % 2 {
                1 => {
                    let at = point(slot / 2);
                    (at.clone().map(|b| (b, false)), at.map(|b| (b, false)))
                }
                _ => {
                    let i = slot / 2;
                    let lo = i.checked_sub(1).and_then(point).map(|b| (b, true));
                    (lo, point(i).map(|b| (b, true)))
                }
            };
            // Adjacent to the last interval, with the same entities: one.
            if let Some((last_whom, last)) = counted.last_mut() {
                let adjacent = match (&last.hi, &lo) {
                    (Some((a, a_open)), Some((b, b_open))) => a == b && a_open != b_open,
                    _ => false,
                };
                if adjacent && *last_whom == whom {
                    last.hi = hi;
                    continue;
                }
            }
            counted.push((
                whom,
                Counted {
                    lo,
                    hi,
                    gains: usize::try_from(gained).unwrap_or(0),
                    losses: usize::try_from(lost).unwrap_or(0),
                },
            ));
        }
        counted.into_iter().map(|(_, c)| c).collect()
    }
}

/// An entity's mark in a sum of gained (or lost) entities: a mixed 64-bit
/// hash, so that different sets of entities all but never sum alike.
fn entity_hash(entity: usize, gained: bool) -> u64 {
    let mut x = (entity as u64)
        .wrapping_mul(2)
        .wrapping_add(u64::from(gained));
    // SplitMix64's finaliser.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Counted {
    /// A decimal in the interval (within `range`), if one fits.
    pub(super) fn value(&self) -> Option<f64> {
        let q = simplest_between(self.lo.as_ref(), self.hi.as_ref());
        within(&q, &self.lo, &self.hi)
            .then(|| relations::to_decimal(&q))
            .flatten()
    }

    /// Whether `x` lies in the interval.
    pub(super) fn contains(&self, x: f64) -> bool {
        crate::eval::arith::decimal(x).is_some_and(|x| within(&x, &self.lo, &self.hi))
    }
}
