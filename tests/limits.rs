//! Large and deep inputs: clear errors at the limits, no stack overflow below them.
//!
//! These run on the test harness's threads (2 MiB stacks, debug build), a
//! smaller stack than the CLI's main thread has.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use prereq::limits::MAX_NESTING_DEPTH;
use prereq::{Facts, LoadError, RuleSet, Verdict};

fn error_codes(result: Result<RuleSet, LoadError>) -> Vec<&'static str> {
    match result {
        Err(LoadError::Invalid(diagnostics)) => diagnostics.errors().map(|d| d.code).collect(),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("expected errors"),
    }
}

#[test]
fn nesting_up_to_the_limit_parses_and_evaluates() {
    let depth = MAX_NESTING_DEPTH;
    let parens = format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
    let nots = format!("{}a", "not ".repeat(depth));
    let mixed = format!("{}a{}", "not (".repeat(depth / 2), ")".repeat(depth / 2));
    let text = format!(
        "fact a: bool\nrule p requires {parens}\nrule n requires {nots}\nrule m requires {mixed}\n"
    );
    let rules = RuleSet::parse("deep.rules", &text).unwrap();
    let mut facts = Facts::new("f");
    facts.set("E", "a", true);
    let report = rules.evaluate(&facts).unwrap();
    assert_eq!(report.verdict("E", "p"), Some(Verdict::Satisfied));
    assert_eq!(
        report.verdict("E", "n"),
        Some(Verdict::Satisfied),
        "an even number of nots"
    );
    assert_eq!(
        report.verdict("E", "m"),
        Some(Verdict::Satisfied),
        "32 nots"
    );
}

#[test]
fn nesting_beyond_the_limit_is_an_error_at_the_right_place() {
    let depth = MAX_NESTING_DEPTH + 1;
    let text = format!(
        "fact a: bool\n\nrule r requires {}a{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let Err(LoadError::Invalid(diagnostics)) = RuleSet::parse("deep.rules", &text) else {
        panic!("expected an error");
    };
    let error = diagnostics.errors().next().unwrap();
    assert_eq!(error.message, "nesting deeper than 64 levels");
    let location = diagnostics
        .sources()
        .location(error.primary_span().unwrap());
    assert_eq!(location, "deep.rules:3:81");

    let nots = format!(
        "fact a: bool\nrule r requires {}a\n",
        "not ".repeat(100_000)
    );
    assert_eq!(
        error_codes(RuleSet::parse("nots.rules", &nots)),
        ["nesting-too-deep"]
    );
    let brackets = format!("fact a: bool\nrule r requires {}\n", "(".repeat(1_000_000));
    assert_eq!(
        error_codes(RuleSet::parse("open.rules", &brackets)),
        ["nesting-too-deep"]
    );
}

#[test]
fn a_chain_of_200000_conjuncts_is_flat() {
    let chain = vec!["a"; 200_000].join(" and ");
    let text = format!("fact a: bool\nfact b: bool\nrule r requires {chain} or b\n");
    let rules = RuleSet::parse("long.rules", &text).unwrap();
    let mut facts = Facts::new("f");
    facts
        .set("yes", "a", true)
        .set("no", "a", false)
        .add_entity("unknown");
    let report = rules.evaluate(&facts).unwrap();
    assert_eq!(report.verdict("yes", "r"), Some(Verdict::Satisfied));
    assert_eq!(
        report.verdict("no", "r"),
        Some(Verdict::Undetermined),
        "b is unknown"
    );
    assert_eq!(report.verdict("unknown", "r"), Some(Verdict::Undetermined));
}

#[test]
fn a_chain_of_20000_rules_each_referring_to_the_previous() {
    let mut text = String::from("fact a: bool\nrule r0 requires a\n");
    for i in 1..20_000 {
        text.push_str(&format!("rule r{i} requires not r{}\n", i - 1));
    }
    let rules = RuleSet::parse("chain.rules", &text).unwrap();
    let mut facts = Facts::new("f");
    facts.set("E", "a", true);
    let report = rules.evaluate(&facts).unwrap();
    assert_eq!(
        report.verdict("E", "r19999"),
        Some(Verdict::Unsatisfied),
        "an odd number of nots"
    );
    assert_eq!(report.verdict("E", "r19998"), Some(Verdict::Satisfied));
}

#[test]
fn a_cycle_through_20000_rules_is_reported_once() {
    let mut text = String::from("rule r0 requires r19999\n");
    for i in 1..20_000 {
        text.push_str(&format!("rule r{i} requires r{}\n", i - 1));
    }
    assert_eq!(
        error_codes(RuleSet::parse("cycle.rules", &text)),
        ["rule-cycle"]
    );
}

#[test]
fn each_limit_has_its_own_error() {
    use prereq::limits::*;
    let too_large = "#".repeat(MAX_RULE_FILE_BYTES + 1);
    assert_eq!(
        error_codes(RuleSet::parse("big.rules", &too_large)),
        ["file-too-large"]
    );

    let mut many = String::new();
    for i in 0..=MAX_DECLARATIONS {
        many.push_str(&format!("fact f{i}: bool\n"));
    }
    assert_eq!(
        error_codes(RuleSet::parse("many.rules", &many)),
        ["too-many-declarations"]
    );

    let long_name = format!("fact {}: bool\n", "n".repeat(MAX_NAME_LENGTH + 1));
    assert_eq!(
        error_codes(RuleSet::parse("name.rules", &long_name)),
        ["name-too-long"]
    );

    let long_string = format!(
        "fact s: string\nrule r requires s == \"{}\"\n",
        "x".repeat(MAX_STRING_LENGTH + 1)
    );
    assert_eq!(
        error_codes(RuleSet::parse("string.rules", &long_string)),
        ["string-too-long"]
    );

    let mut chain = String::from("fact a: bool\nrule r0 requires a\n");
    for i in 1..=MAX_RULE_CHAIN {
        chain.push_str(&format!("rule r{i} requires r{}\n", i - 1));
    }
    assert_eq!(
        error_codes(RuleSet::parse("chain.rules", &chain)),
        ["rule-chain-too-long"]
    );
}

#[test]
fn a_rule_file_too_large_is_refused_before_it_is_read() {
    let dir = std::env::temp_dir().join(format!("prereq-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.rules");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(prereq::limits::MAX_RULE_FILE_BYTES as u64 + 1)
        .unwrap();
    let result = RuleSet::load(&path);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        matches!(result, Err(LoadError::TooLarge { .. })),
        "{result:?}"
    );
}

/// `(a1 and b1) or … or (aN and bN)` after a rule that orders every `a`
/// before every `b`: a BDD exponential in N, so that the analyses spend
/// their whole budget.
fn exponential_rules(n: usize) -> String {
    let names = |prefix: &'static str| (1..=n).map(move |i| format!("{prefix}{i}"));
    let mut text: String = names("a")
        .chain(names("b"))
        .map(|f| format!("fact {f}: bool\n"))
        .collect();
    let order: Vec<String> = names("a").chain(names("b")).collect();
    text.push_str(&format!("rule order requires {}\n", order.join(" and ")));
    let pairs: Vec<String> = (1..=n).map(|i| format!("(a{i} and b{i})")).collect();
    text.push_str(&format!("rule hard requires {}\n", pairs.join(" or ")));
    text
}

/// The peak resident memory of a run of the binary, in bytes, read from
/// /proc while it runs (Linux only: `None` elsewhere).
fn peak_memory(args: &[&str]) -> Option<u64> {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_prereq"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let status = format!("/proc/{}/status", child.id());
    let mut peak = None;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            let high_water = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok());
            peak = high_water.map(|kb| kb * 1024).or(peak);
        }
        if child.try_wait().ok()?.is_some() {
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// A budget bounds memory as well as work: each step holds at most
/// `BYTES_PER_STEP` bytes, whatever the analysis.
#[test]
fn budget_bounds_memory() {
    use prereq::analysis::budget::BYTES_PER_STEP;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("budget_memory");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("exponential.rules");
    std::fs::write(&file, exponential_rules(16)).unwrap();
    let path = file.to_str().unwrap();
    let steps: u64 = 2_000_000;
    let budget = steps.to_string();
    let Some(baseline) = peak_memory(&["validate", path]) else {
        return;
    };
    for args in [
        vec!["lint", path, "--budget", &budget],
        vec!["compare", path, path, "--budget", &budget],
    ] {
        let peak = peak_memory(&args).unwrap();
        assert!(
            peak <= baseline + steps * BYTES_PER_STEP,
            "{args:?}: {peak} bytes at the peak, beyond {baseline} + {steps} steps × {BYTES_PER_STEP}"
        );
    }
}
