//! Prime implicants of a Boolean function given as a BDD.
//!
//! An implicant is a conjunction of literals (a cube) that implies the
//! function; a prime implicant is one from which no literal can be dropped.
//! The recursion splits on the BDD's top variable `x` with cofactors `f0`
//! and `f1` (Coudert and Madre's scheme): the primes of `f` are the primes
//! of `f0 and f1`, plus `x` with each prime of `f1` that does not imply
//! `f0`, plus `not x` with each prime of `f0` that does not imply `f1`.
//! Results are memoised per sub-function. Every BDD built, every test and
//! every literal stored is paid for by a [`Budget`]; running out is
//! reported, never hidden.

use std::collections::HashMap;
use std::rc::Rc;

use biodivine_lib_bdd::{Bdd, BddVariable};

use super::budget::{Budget, Exhausted};

/// A conjunction of literals: each variable with the value it must have.
pub(crate) type Cube = Vec<(BddVariable, bool)>;

/// Computes the prime implicants of `f`, or `Err` if the budget runs out.
pub(crate) fn prime_implicants(f: &Bdd, budget: &Budget) -> Result<Vec<Cube>, Exhausted> {
    let mut memo = HashMap::new();
    primes(f, budget, &mut memo).map(|primes| primes.as_ref().clone())
}

/// Whether every assignment extending `cube` satisfies `f`, paid for by
/// the nodes of `f` it walks.
pub(crate) fn implies(
    cube: &[(BddVariable, bool)],
    f: &Bdd,
    budget: &Budget,
) -> Result<bool, Exhausted> {
    budget.spend(f.size() as u64 + cube.len() as u64)?;
    Ok(f.restrict(cube).is_true())
}

fn primes(
    f: &Bdd,
    budget: &Budget,
    memo: &mut HashMap<Bdd, Rc<Vec<Cube>>>,
) -> Result<Rc<Vec<Cube>>, Exhausted> {
    if let Some(known) = memo.get(f) {
        return Ok(Rc::clone(known));
    }
    budget.spend(1)?;
    let result = match f.as_bool() {
        Some(false) => Vec::new(),
        Some(true) => vec![Vec::new()],
        None => {
            let x = f.var_of(f.root_pointer());
            budget.spend(2 * f.size() as u64)?;
            let (f0, f1) = (f.var_restrict(x, false), f.var_restrict(x, true));
            let mut result = primes(&budget.and(&f0, &f1)?, budget, memo)?
                .as_ref()
                .clone();
            for (branch, other, value) in [(&f1, &f0, true), (&f0, &f1, false)] {
                for cube in primes(branch, budget, memo)?.iter() {
                    if !implies(cube, other, budget)? {
                        budget.spend(cube.len() as u64 + 1)?;
                        let mut extended = Vec::with_capacity(cube.len() + 1);
                        extended.push((x, value));
                        extended.extend_from_slice(cube);
                        result.push(extended);
                    }
                }
            }
            result
        }
    };
    let result = Rc::new(result);
    memo.insert(f.clone(), Rc::clone(&result));
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use biodivine_lib_bdd::BddVariableSet;

    #[test]
    fn primes_of_a_small_function() {
        let vars = BddVariableSet::new_anonymous(3);
        let [a, b, c] = [0, 1, 2].map(|i| vars.mk_var(vars.variables()[i]));
        // (a and b) or (not a and c): primes a·b, ¬a·c and the consensus b·c.
        let f = a.and(&b).or(&a.not().and(&c));
        let mut primes = prime_implicants(&f, &Budget::new(1000)).unwrap();
        primes.iter_mut().for_each(|cube| cube.sort());
        primes.sort();
        let v = vars.variables();
        assert_eq!(
            primes,
            vec![
                vec![(v[0], false), (v[2], true)],
                vec![(v[0], true), (v[1], true)],
                vec![(v[1], true), (v[2], true)]
            ]
        );
    }

    #[test]
    fn running_out_of_budget_is_reported() {
        let vars = BddVariableSet::new_anonymous(2);
        let f = vars
            .mk_var(vars.variables()[0])
            .or(&vars.mk_var(vars.variables()[1]));
        assert_eq!(prime_implicants(&f, &Budget::new(1)), Err(Exhausted));
    }
}
