//! A warmed-up `Decider` allocates nothing per request: with dhat's
//! counting allocator (one test in this binary, so nothing else runs beside
//! it), a thousand requests of the worked example (bools, a number, a set
//! of strings, some no rule names, facts by handle and by name, one rule
//! and all) make none, in one of at most three rounds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use prereq::{Facts, RuleSet, Verdict};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

#[test]
fn a_warmed_up_decider_allocates_nothing_per_request() {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let mut world = Facts::new("world");
    world
        .set_world("us_backstop", true)
        .set_world("ceasefire", true);
    let mut decider = rules.decider(&world).unwrap();
    let in_coalition = decider.bool_fact("in_coalition").unwrap();
    let troops = decider.number_fact("troops_offered").unwrap();
    let contributions = decider.set_fact("contributions").unwrap();
    let deploy = decider.rule("deploy").unwrap();
    let offers = [
        &["troops", "fast_jets", "logistics"][..],
        &["backfill", "political_backing", "troops"][..],
        &[][..],
    ];
    let mut decide = |index: usize| {
        let mut request = decider.request();
        request
            .set_bool(in_coalition, index % 2 == 0)
            .set_number(troops, (index % 5) as f64 * 1000.0)
            .unwrap()
            .set_strings(contributions, offers[index % offers.len()])
            .unwrap();
        request.set("legal_basis", index % 3 != 0).unwrap();
        request.set("borders_russia", false).unwrap();
        let decided = request.decide(deploy);
        let satisfied = request
            .verdicts()
            .filter(|(_, verdict)| *verdict == Verdict::Satisfied)
            .count();
        (decided, satisfied)
    };
    for index in 0..10 {
        decide(index);
    }
    // dhat counts every thread's allocations: the test harness's own, on
    // a loaded machine, may fall in a round now and then. A request that
    // allocates would show in every round, a thousand times over.
    let mut satisfied = 0;
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let profiler = dhat::Profiler::builder().testing().build();
        for index in 0..1000 {
            satisfied += decide(index).1;
        }
        let stats = dhat::HeapStats::get();
        drop(profiler);
        rounds.push(stats.total_blocks);
        if stats.total_blocks == 0 {
            break;
        }
    }
    assert_eq!(
        rounds.last(),
        Some(&0),
        "allocations in each round of 1,000 requests: {rounds:?}"
    );
    assert!(satisfied > 0, "the requests decided something");
}
