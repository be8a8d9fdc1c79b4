//! What a hostile-input campaign and a new user's first day found, kind by
//! kind, through the real binary: writes that follow what they should not,
//! failures reported as success, unbounded input, analyses without a
//! budget, terminal injection, numbers rounded into wrong verdicts, rule
//! tests that reach outside, and a new user's stumbles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::run::{prereq, prereq_in};

/// A fresh directory under the target directory, for files a test writes.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

const UNFORMATTED: &str = "fact a: bool\nrule r requires a   and a\n";
const FORMATTED: &str = "fact a: bool\n\nrule r requires a and a\n";

// ----- 1. Writes that follow what they should not -------------------------------

#[cfg(unix)]
#[test]
fn fmt_never_follows_a_planted_temporary_file_link() {
    let dir = scratch("planted_link");
    fs::write(dir.join("victim.txt"), "precious\n").unwrap();
    fs::write(dir.join("ok.rules"), UNFORMATTED).unwrap();
    std::os::unix::fs::symlink(dir.join("victim.txt"), dir.join("ok.rules.prereq-tmp")).unwrap();
    let run = prereq(&["fmt", path_str(&dir.join("ok.rules"))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(dir.join("victim.txt")).unwrap(),
        "precious\n"
    );
    assert_eq!(fs::read_to_string(dir.join("ok.rules")).unwrap(), FORMATTED);
    assert!(
        !fs::symlink_metadata(dir.join("ok.rules"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[cfg(unix)]
#[test]
fn fmt_writes_through_a_link_and_keeps_it_a_link() {
    let dir = scratch("alias_link");
    fs::write(dir.join("ok.rules"), UNFORMATTED).unwrap();
    std::os::unix::fs::symlink("ok.rules", dir.join("alias.rules")).unwrap();
    let run = prereq(&["fmt", path_str(&dir)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        fs::symlink_metadata(dir.join("alias.rules"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(dir.join("ok.rules")).unwrap(), FORMATTED);
    // The directory is still one rule set, not two copies clashing.
    let run = prereq(&["validate", path_str(&dir)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn fmt_keeps_permissions_and_owner() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = scratch("owner_kept");
    let file = dir.join("ok.rules");
    fs::write(&file, UNFORMATTED).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    // As root, give the file to another user, as a shared checkout would.
    let other = std::os::unix::fs::chown(&file, Some(4242), Some(4242)).is_ok();
    let before = fs::metadata(&file).unwrap();
    let run = prereq(&["fmt", path_str(&file)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = fs::metadata(&file).unwrap();
    assert_eq!(fs::read_to_string(&file).unwrap(), FORMATTED);
    assert_eq!(after.permissions().mode() & 0o777, 0o640);
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    if other {
        assert_eq!(after.uid(), 4242);
    }
}

#[cfg(unix)]
#[test]
fn output_onto_a_pipe_or_a_link_is_written_through() {
    let dir = scratch("output_targets");
    // A named pipe stays a pipe, and its reader gets the facts.
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
        };
        let run = prereq(&["bench-data", "--entities", "3", "-o", path_str(&fifo)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(reader.join().unwrap().contains("\"entities\""));
        assert!(
            fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo_like()
        );
    }
    // A link names the file to write; it stays a link.
    fs::write(dir.join("target.rs"), "old").unwrap();
    std::os::unix::fs::symlink("target.rs", dir.join("link.rs")).unwrap();
    let run = prereq(&["codegen", "rules/", "-o", path_str(&dir.join("link.rs"))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        fs::symlink_metadata(dir.join("link.rs"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(dir.join("target.rs"))
            .unwrap()
            .contains("pub fn deploy")
    );
    // A device is written through, never replaced by a regular file.
    let run = prereq(&["bench-data", "--entities", "3", "-o", "/dev/null"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!fs::metadata("/dev/null").unwrap().is_file());
}

#[cfg(unix)]
trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

#[cfg(unix)]
impl FifoLike for fs::FileType {
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo()
    }
}

// ----- 2. Failures reported as success --------------------------------------------

#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_an_error() {
    for args in [
        vec!["check", "rules/", "--facts", "rules/facts/2025-03-17.toml"],
        vec![
            "check",
            "rules/",
            "--facts",
            "rules/facts/2025-03-17.toml",
            "--format",
            "json",
        ],
        vec![
            "explain",
            "rules/",
            "--facts",
            "rules/facts/2025-03-17.toml",
            "--entity",
            "UK",
            "--rule",
            "deploy",
        ],
        vec!["validate", "rules/"],
        vec!["codegen", "rules/"],
    ] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_prereq"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::from(full))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output"),
            "{args:?}: {stderr}"
        );
    }
}

// ----- 3. Unbounded input -----------------------------------------------------------

#[cfg(unix)]
#[test]
fn readers_stop_at_their_limit_whatever_the_file_is() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let run = prereq(&["validate", "/dev/zero"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("larger than 16 MiB"), "{}", run.stderr);
    let dir = scratch("dev_zero");
    std::os::unix::fs::symlink("/dev/zero", dir.join("link.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.test.toml")).unwrap();
    let run = prereq(&[
        "check",
        "rules/",
        "--facts",
        path_str(&dir.join("link.json")),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("NUL byte"), "{}", run.stderr);
    let run = prereq(&["fmt", "--check", "/dev/zero"]);
    assert_eq!(run.code, 1);
    let run = prereq(&["test", path_str(&dir.join("zero.test.toml"))]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("NUL byte"), "{}", run.stderr);
}

// ----- 4. Analyses without a budget -------------------------------------------------

/// `(a1 and b1) or … or (aN and bN)` after a rule that orders every `a`
/// before every `b`: a BDD exponential in N.
fn exponential_rules(n: usize) -> String {
    let mut text = String::new();
    for prefix in ["a", "b"] {
        for i in 1..=n {
            text.push_str(&format!("fact {prefix}{i}: bool\n"));
        }
    }
    let order: Vec<String> = ["a", "b"]
        .iter()
        .flat_map(|p| (1..=n).map(move |i| format!("{p}{i}")))
        .collect();
    text.push_str(&format!("rule order requires {}\n", order.join(" and ")));
    let pairs: Vec<String> = (1..=n).map(|i| format!("(a{i} and b{i})")).collect();
    text.push_str(&format!("rule hard requires {}\n", pairs.join(" or ")));
    text
}

#[test]
fn lint_and_compare_stop_at_their_budget_and_say_so() {
    let dir = scratch("exponential");
    fs::write(dir.join("old.rules"), exponential_rules(16)).unwrap();
    fs::write(
        dir.join("new.rules"),
        exponential_rules(16).replace(" or (a16 and b16)", ""),
    )
    .unwrap();
    let old = path_str(&dir.join("old.rules")).to_string();
    let run = prereq(&["lint", &old, "--budget", "200000"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.contains("budget exhausted"), "{}", run.stdout);
    let run = prereq(&["lint", &old, "--budget", "200000", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["complete"], false);
    assert!(
        json["unchecked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["rule"] == "hard")
    );
    let new = path_str(&dir.join("new.rules")).to_string();
    let run = prereq(&["compare", &old, &new, "--budget", "200000"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.contains("hard: undecided"), "{}", run.stdout);
}

#[test]
fn unlock_stops_at_its_budget_for_the_whole_command() {
    let dir = scratch("unlock_pairs");
    let mut text = String::new();
    for i in 1..=17 {
        text.push_str(&format!("fact a{i}: bool\nfact b{i}: bool\n"));
    }
    let parts: Vec<String> = (1..=17).map(|i| format!("(a{i} or b{i})")).collect();
    text.push_str(&format!("rule r requires {}\n", parts.join(" and ")));
    fs::write(dir.join("r.rules"), text).unwrap();
    let mut facts = String::new();
    for entity in ["E", "F", "G"] {
        facts.push_str(&format!("[entities.{entity}]\n"));
        for i in 1..=17 {
            facts.push_str(&format!(
                "a{i} = false\nb{i} = {}\n",
                entity == "G" && i == 1
            ));
        }
    }
    fs::write(dir.join("facts.toml"), facts).unwrap();
    let (rules, facts) = (dir.join("r.rules"), dir.join("facts.toml"));
    let args = [
        "unlock",
        path_str(&rules),
        "--facts",
        path_str(&facts),
        "--rule",
        "r",
        "--budget",
        "300000",
    ];
    let run = prereq(&args);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.contains("budget exhausted"), "{}", run.stdout);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&prereq(&json_args).stdout).unwrap();
    assert_eq!(json["complete"], false);
    // One budget for all entities: those past it are counted, not silently dropped.
    let analysed = json["results"].as_array().unwrap().len();
    assert_eq!(
        analysed + json["not_analysed"].as_u64().unwrap() as usize,
        3
    );
}

#[test]
fn leverage_stops_at_its_budget_and_says_so() {
    let dir = scratch("leverage_budget");
    let mut text = String::new();
    for i in 1..=40 {
        text.push_str(&format!("world fact w{i}: bool\n"));
    }
    text.push_str("fact e: bool\n");
    let pairs: Vec<String> = (1..=20)
        .map(|i| format!("(w{} and w{})", 2 * i - 1, 2 * i))
        .collect();
    text.push_str(&format!("rule r requires ({}) and e\n", pairs.join(" or ")));
    fs::write(dir.join("r.rules"), text).unwrap();
    let mut facts = String::from("[world]\n");
    for i in 1..=40 {
        facts.push_str(&format!("w{i} = false\n"));
    }
    for entity in 0..200 {
        facts.push_str(&format!("[entities.e{entity}]\ne = {}\n", entity % 3 != 0));
    }
    fs::write(dir.join("facts.toml"), facts).unwrap();
    let (rules, facts) = (dir.join("r.rules"), dir.join("facts.toml"));
    let run = prereq(&[
        "leverage",
        path_str(&rules),
        "--facts",
        path_str(&facts),
        "--rule",
        "r",
        "--pairs",
        "--budget",
        "2000",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.contains("budget exhausted"), "{}", run.stdout);
    let run = prereq(&[
        "leverage",
        path_str(&rules),
        "--facts",
        path_str(&facts),
        "--rule",
        "r",
        "--pairs",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Pairs that bring in entities"),
        "{}",
        run.stdout
    );
}

// ----- 6. Terminal injection and look-alikes ---------------------------------------

/// No control character but newlines, and no text-direction control.
fn assert_terminal_safe(what: &str, text: &str) {
    for c in text.chars() {
        assert!(
            c == '\n' || !(c.is_control() || prereq::text::is_bidi_control(c)),
            "{what} prints {c:?} raw:\n{text}"
        );
    }
}

#[test]
fn text_from_files_never_reaches_the_terminal_raw() {
    let facts = "tests/bad/facts/control_characters_in_names_work.json";
    let runs = [
        vec!["check", "rules/", "--facts", facts],
        vec!["unlock", "rules/", "--facts", facts, "--rule", "deploy"],
        vec![
            "explain",
            "rules/",
            "--facts",
            facts,
            "--entity",
            "evil\u{1b}[2J",
            "--rule",
            "deploy",
        ],
        vec![
            "leverage",
            "rules/",
            "--facts",
            facts,
            "--rule",
            "commit_troops",
        ],
        vec![
            "diff",
            "rules/",
            "--facts",
            facts,
            "--facts",
            "rules/facts/2025-03-17.toml",
        ],
        vec![
            "unlock",
            "rules/",
            "--facts",
            facts,
            "--entity",
            "\u{1b}]0;x\u{7}",
            "--rule",
            "deploy",
        ],
        vec![
            "check",
            "tests/bad/rules/control_characters_in_source.rules",
            "--facts",
            facts,
        ],
        vec!["validate", "tests/bad/rules/bidi_controls.rules"],
    ];
    for args in runs {
        let run = prereq(&args);
        assert!(run.code <= 2, "{args:?}: {}", run.stderr);
        assert_terminal_safe(&format!("{args:?} (stdout)"), &run.stdout);
        assert_terminal_safe(&format!("{args:?} (stderr)"), &run.stderr);
    }
    // A newline in a name cannot forge a row: 3 entities, 3 rows.
    let run = prereq(&["check", "rules/", "--facts", facts, "--rule", "deploy"]);
    let rows = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Entity"))
        .skip(1)
        .take_while(|l| !l.starts_with("satisfied"))
        .count();
    assert_eq!(rows, 3, "{}", run.stdout);
    assert!(run.stdout.contains("forged\\nUK"), "{}", run.stdout);
}

// ----- 7. Numbers rounded into wrong verdicts --------------------------------------

#[test]
fn a_number_a_float_cannot_hold_is_refused_not_rounded() {
    let dir = scratch("numbers");
    fs::write(
        dir.join("n.rules"),
        "fact n: number\nrule below requires n < 9007199254740992.5\n",
    )
    .unwrap();
    let run = prereq(&["validate", path_str(&dir.join("n.rules"))]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("number-out-of-range"), "{}", run.stderr);
    fs::write(
        dir.join("n.rules"),
        "fact n: number\nrule below requires n < 0.5\n",
    )
    .unwrap();
    fs::write(dir.join("f.json"), r#"{"entities": {"A": {"n": 1e-400}}}"#).unwrap();
    let run = prereq(&[
        "check",
        path_str(&dir.join("n.rules")),
        "--facts",
        path_str(&dir.join("f.json")),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("entities.A.n: the number 1e-400 cannot be held exactly"),
        "{}",
        run.stderr
    );
}

// ----- 8. Rule tests that reach outside --------------------------------------------

#[cfg(unix)]
#[test]
fn rule_tests_stay_under_their_root() {
    let dir = scratch("test_root");
    fs::create_dir_all(dir.join("suite")).unwrap();
    fs::write(
        dir.join("suite/r.rules"),
        "fact a: bool\nrule r requires a\n",
    )
    .unwrap();
    fs::write(
        dir.join("suite/walk.test.toml"),
        "rules = \"/\"\n[[test]]\nname = \"t\"\nexpect.E = { r = \"satisfied\" }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("suite/pw.toml")).unwrap();
    fs::write(
        dir.join("suite/secret.test.toml"),
        "[[test]]\nname = \"t\"\nfacts = \"pw.toml\"\nexpect.E = { r = \"satisfied\" }\n",
    )
    .unwrap();
    let run = prereq(&["test", path_str(&dir.join("suite/walk.test.toml"))]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("leads outside the test's root"),
        "{}",
        run.stderr
    );
    let run = prereq(&["test", path_str(&dir.join("suite"))]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("leads outside the test's root"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("root:") && !run.stderr.contains("root:x"),
        "{}",
        run.stdout
    );
}

// ----- 9. What a new user hit ------------------------------------------------------

#[test]
fn a_bare_test_file_name_runs() {
    let run = prereq_in(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"),
        &["test", "coalition.test.toml"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("11 passed, 0 failed"), "{}", run.stdout);
}

#[test]
fn a_test_with_a_typo_or_without_expectations_is_broken() {
    let dir = scratch("broken_tests");
    fs::write(
        dir.join("r.rules"),
        "fact a: bool\nfact n: number\nrule r requires a\n",
    )
    .unwrap();
    fs::write(dir.join("facts.toml"), "[entities.Germany]\na = true\n").unwrap();
    fs::write(
        dir.join("t.test.toml"),
        r#"[[test]]
name = "misspelt"
facts = "facts.toml"
entities.Germnay = { a = false }
expect.Germany = { r = "satisfied" }

[[test]]
name = "expects nothing"
facts = "facts.toml"

[[test]]
name = "wrong type"
facts = "facts.toml"
entities.Germany = { n = "many" }
expect.Germany = { r = "satisfied" }

[[test]]
name = "adds one on purpose"
facts = "facts.toml"
new_entities = ["Ukraine"]
entities.Ukraine = { a = true }
expect.Ukraine = { r = "satisfied" }
"#,
    )
    .unwrap();
    let run = prereq(&["test", path_str(&dir)]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("has no entity `Germnay`; did you mean `Germany`?"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("the test expects no verdict"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("test \"wrong type\": entities.Germany.n: expected a number"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("test adds one on purpose ... ok"),
        "{}",
        run.stdout
    );
}

#[test]
fn each_command_says_what_its_format_gives() {
    let help = |command: &str| prereq(&[command, "--help"]).stdout;
    let check = help("check");
    for command in ["explain", "unlock", "diff", "leverage", "lint", "compare"] {
        let own = help(command);
        let format = |text: &str| {
            text.split("--format")
                .nth(1)
                .map(|rest| rest.split("\n  -").next().unwrap_or("").to_string())
                .unwrap_or_default()
        };
        assert_ne!(
            format(&own),
            format(&check),
            "{command}'s --format help is check's"
        );
    }
    assert!(
        help("diff").contains("--facts <OLD> --facts <NEW>"),
        "{}",
        help("diff")
    );
}

#[test]
fn leverage_on_a_world_rule_speaks_of_the_rule_and_set_changes_are_short() {
    let today = "rules/facts/2025-03-17.toml";
    let run = prereq(&[
        "leverage",
        "rules/",
        "--facts",
        today,
        "--rule",
        "secure_peace",
        "--pairs",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("secure_peace (world rule): ✗ unsatisfied now."),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("entities"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("us_backstop (world): false → true + ceasefire (world): false → true"),
        "{}",
        run.stdout
    );
    let run = prereq(&[
        "leverage",
        "rules/",
        "--facts",
        today,
        "--rule",
        "contribute",
        "--top",
        "50",
    ]);
    assert!(
        run.stdout
            .contains("Canada's contributions: unknown → add \"logistics\""),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("does not contain"), "{}", run.stdout);
}

#[test]
fn an_allow_inside_a_string_silences_nothing() {
    let dir = scratch("allow_in_string");
    fs::write(
        dir.join("r.rules"),
        "fact s: string\nfact a: bool\nrule r requires a and not a or s == \"# prereq: allow(never-satisfied)\" and false\n",
    )
    .unwrap();
    let run = prereq(&["lint", path_str(&dir.join("r.rules"))]);
    assert!(run.stderr.contains("never-satisfied"), "{}", run.stderr);
}

#[test]
fn the_package_has_its_licences_and_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["LICENSE-MIT", "LICENSE-APACHE", "docs/lints.md"] {
        assert!(root.join(file).is_file(), "{file} is missing");
    }
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for included in ["docs/**/*", "LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(
            manifest.contains(included),
            "Cargo.toml does not include {included}"
        );
    }
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("cargo install --path ."));
}

/// Every part of a search pays for what it does: a small budget is
/// exhausted (and says so), a sufficient one finishes.
#[test]
fn searches_pay_for_all_they_do() {
    let dir = scratch("paid_for");
    let tests: Vec<String> = (1..=200).map(|i| format!("n == {i}")).collect();
    fs::write(
        dir.join("eq.rules"),
        format!("fact n: number\nrule r requires {}\n", tests.join(" or ")),
    )
    .unwrap();
    fs::write(dir.join("n.json"), r#"{"entities": {"E": {"n": 0}}}"#).unwrap();
    let (rules, facts) = (dir.join("eq.rules"), dir.join("n.json"));
    let unlock = |budget: &str| {
        prereq(&[
            "unlock",
            path_str(&rules),
            "--facts",
            path_str(&facts),
            "--entity",
            "E",
            "--rule",
            "r",
            "--budget",
            budget,
            "--format",
            "json",
        ])
    };
    // Minimising 200 options compares them: paid for, so a small budget runs out.
    let run = unlock("20000");
    assert_eq!(run.code, 3, "{}", run.stderr);
    let run = unlock("10000000");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["options"].as_array().unwrap().len() + json["more"].as_u64().unwrap() as usize,
        200
    );
    // World changes are evaluated over every entity: each is paid for.
    let worlds: Vec<String> = (0..500).map(|i| format!("w{i}")).collect();
    let world_rules: String = worlds
        .iter()
        .map(|w| format!("world fact {w}: bool\n"))
        .collect();
    fs::write(
        dir.join("world.rules"),
        format!(
            "{world_rules}fact x: bool\nrule r requires ({}) and x\n",
            worlds.join(" or ")
        ),
    )
    .unwrap();
    fs::write(
        dir.join("world.json"),
        r#"{"entities": {"E": {"x": true}}}"#,
    )
    .unwrap();
    let run = prereq(&[
        "leverage",
        path_str(&dir.join("world.rules")),
        "--facts",
        path_str(&dir.join("world.json")),
        "--rule",
        "r",
        "--budget",
        "2000",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    // Pairs of an entity's own changes are tried one by one, each paid for.
    let own: Vec<String> = (0..300).map(|i| format!("b{i}")).collect();
    let own_facts: String = own.iter().map(|b| format!("fact {b}: bool\n")).collect();
    fs::write(
        dir.join("pairs.rules"),
        format!(
            "{own_facts}fact x1: bool\nfact x2: bool\nrule r requires ({}) and x1 and x2\n",
            own.join(" or ")
        ),
    )
    .unwrap();
    let falses: Vec<String> = own.iter().map(|b| format!("\"{b}\": false")).collect();
    fs::write(
        dir.join("pairs.json"),
        format!(
            r#"{{"entities": {{"E": {{{}, "x1": false, "x2": false}}}}}}"#,
            falses.join(", ")
        ),
    )
    .unwrap();
    let run = prereq(&[
        "leverage",
        path_str(&dir.join("pairs.rules")),
        "--facts",
        path_str(&dir.join("pairs.json")),
        "--rule",
        "r",
        "--pairs",
        "--budget",
        "2000",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
}

/// A question about one rule is not held up by an unrelated, costly one.
#[test]
fn compare_of_one_rule_ignores_the_others() {
    let dir = scratch("compare_one");
    let base = exponential_rules(20);
    fs::write(dir.join("old.rules"), format!("{base}rule r requires a1\n")).unwrap();
    fs::write(
        dir.join("new.rules"),
        format!("{base}rule r requires a1 and a2\n"),
    )
    .unwrap();
    let run = prereq(&[
        "compare",
        path_str(&dir.join("old.rules")),
        path_str(&dir.join("new.rules")),
        "--rule",
        "r",
        "--budget",
        "100000",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("r: decides differently"),
        "{}",
        run.stdout
    );
}

/// Rules that test one number many times are linted in full, not left
/// unchecked for want of budget: equivalent rules are found by hashing.
#[test]
fn many_tests_of_one_number_lint_in_full() {
    let dir = scratch("lint_many");
    let rules: String = (0..200)
        .map(|i| format!("rule r{i} requires n == {i}\n"))
        .collect();
    fs::write(dir.join("n.rules"), format!("fact n: number\n{rules}")).unwrap();
    let run = prereq(&["lint", path_str(&dir.join("n.rules"))]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[cfg(unix)]
#[test]
fn a_new_output_file_gets_the_mode_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("new_mode");
    let file = dir.join("gen.rs");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 022 && exec \"$0\" codegen rules/ -o {}",
            file.display()
        ))
        .arg(env!("CARGO_BIN_EXE_prereq"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o644
    );
}
