//! The quick JSON facts reader against the serde visitors it stands in for.
//!
//! Documents are generated mostly of the usual shape, with the quirks the
//! quick reader must give up on mixed in (escapes, `null`, nested tables,
//! numbers JSON refuses or a float rounds, repeated keys and entities,
//! blank names, odd whitespace, trailing text): whatever the text, reading
//! it the quick way gives what the serde visitors alone give — the same
//! facts, the same problems in the same order, or the same syntax error —
//! into `Facts` and into `Columns`, from a text or streamed from a file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use prereq::batch::Columns;
use prereq::{Facts, RuleSet};
use proptest::prelude::*;

fn coalition() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(|| RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap())
}

/// Blanks between tokens: JSON's four, and now and then one it refuses.
fn blank() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        8 => Just(""),
        2 => Just(" "),
        1 => Just("\n  "),
        1 => Just("\t\r\n"),
        1 => Just("\u{c}"),
    ]
}

/// A key or a string value: plain mostly, sometimes escaped, controlled,
/// blank, non-ASCII or left open.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "troops", "fast_jets", "logistics", "UK", "France", "Côte d'Ivoire",
        ])
        .prop_map(|s| format!("\"{s}\"")),
        1 => Just(r#""U\u004b""#.to_string()),
        1 => Just(r#""a\"b""#.to_string()),
        1 => Just("\"tab\there\"".to_string()),
        1 => Just("\"\"".to_string()),
        1 => Just("\" \"".to_string()),
        1 => Just("\"open".to_string()),
    ]
}

/// A fact's name: the coalition's, a world fact under an entity, an
/// undeclared one, or any string.
fn fact_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec![
            "in_coalition", "legal_basis", "rules_of_engagement", "needs_us_backstop",
            "borders_russia", "troops_offered", "contributions", "resists_asset_seizure",
            "us_backstop", "ceasefire", "troop_offered",
        ])
        .prop_map(|s| format!("\"{s}\"")),
        1 => string(),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..100_000).prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec![
            "-0", "0.5", "-12.25", "1e3", "1E+3", "2.5e-2", "9007199254740992",
            "9007199254740993", "1e400", "0.1", "01", "1.", ".5", "-", "1e", "+1", "0x10",
        ])
        .prop_map(str::to_string),
    ]
}

fn value() -> impl Strategy<Value = String> {
    let strings = prop::collection::vec((string(), blank()), 0..4).prop_map(|items| {
        let items: Vec<String> = items
            .into_iter()
            .map(|(s, b)| format!("{b}{s}{b}"))
            .collect();
        format!("[{}]", items.join(","))
    });
    prop_oneof![
        4 => prop::sample::select(vec!["true", "false"]).prop_map(str::to_string),
        3 => number(),
        2 => string(),
        3 => strings,
        1 => prop::sample::select(vec![
            "null", "[1, \"a\"]", "[[\"a\"]]", "{}", "{\"a\": 1}", "tru", "falsey", "[\"a\",]",
        ])
        .prop_map(str::to_string),
    ]
}

/// `{ key: value, ... }` with blanks, from generated members.
fn object(members: Vec<(String, String)>, blank: &str) -> String {
    let members: Vec<String> = members
        .into_iter()
        .map(|(key, value)| format!("{blank}{key}{blank}:{blank}{value}{blank}"))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn table() -> impl Strategy<Value = String> {
    (prop::collection::vec((fact_name(), value()), 0..6), blank())
        .prop_map(|(members, blank)| object(members, blank))
}

fn entity_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u32..12).prop_map(|n| format!("\"c{n}\"")),
        1 => string(),
    ]
}

fn entities() -> impl Strategy<Value = String> {
    let entity = (entity_name(), prop_oneof![8 => table(), 1 => value()]);
    (prop::collection::vec(entity, 0..8), blank())
        .prop_map(|(members, blank)| object(members, blank))
}

/// A whole document: a world table and an entities table mostly, in
/// either order, now and then repeated, misnamed or followed by text.
fn document() -> impl Strategy<Value = String> {
    let member = prop_oneof![
        4 => table().prop_map(|t| ("\"world\"".to_string(), t)),
        4 => entities().prop_map(|e| ("\"entities\"".to_string(), e)),
        1 => value().prop_map(|v| ("\"world\"".to_string(), v)),
        1 => value().prop_map(|v| ("\"extra\"".to_string(), v)),
    ];
    let trailer = prop_oneof![8 => Just(""), 1 => Just("\n"), 1 => Just(" x"), 1 => Just("{}")];
    (
        prop::collection::vec(member, 0..4),
        blank(),
        trailer,
        any::<bool>(),
    )
        .prop_map(|(members, blank, trailer, bom)| {
            let bom = if bom { "\u{feff}" } else { "" };
            format!("{bom}{}{blank}{trailer}", object(members, blank))
        })
}

fn same_facts(text: &str) {
    let quick = Facts::from_json_str("gen.json", text);
    let serde = Facts::from_json_str_with_serde("gen.json", text);
    match (quick, serde) {
        (Ok(quick), Ok(serde)) => assert_eq!(quick, serde, "{text}"),
        (Err(quick), Err(serde)) => assert_eq!(quick.to_string(), serde.to_string(), "{text}"),
        (quick, serde) => panic!("the readers disagree on {text:?}: {quick:?} / {serde:?}"),
    }
}

/// A facts file is streamed a chunk at a time where it can be: loading it
/// gives what reading its text with serde gives.
fn same_from_file(rules: &RuleSet, text: &str) {
    let path = std::env::temp_dir().join(format!(
        "prereq-facts-json-{}-{:?}.json",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, text).unwrap();
    let loaded = Facts::load(&path).map_err(|e| e.to_string());
    let columns = Columns::load(rules.program().schema(), &path).map_err(|e| e.to_string());
    std::fs::remove_file(&path).unwrap();
    let origin = path.display().to_string();
    let serde = Facts::from_json_str_with_serde(&origin, text).map_err(|e| e.to_string());
    assert_eq!(loaded, serde, "{text:?}");
    let schema = rules.program().schema();
    let serde = Columns::from_json_str_with_serde(schema, &origin, text).map_err(|e| e.to_string());
    assert_eq!(columns, serde, "{text:?}");
}

fn same_columns(rules: &RuleSet, text: &str) {
    let schema = rules.program().schema();
    let quick = Columns::from_json_str(schema, "gen.json", text);
    let serde = Columns::from_json_str_with_serde(schema, "gen.json", text);
    match (quick, serde) {
        (Ok(quick), Ok(serde)) => {
            assert_eq!(quick, serde, "{text}");
            let names = |columns: &Columns| -> Vec<Option<usize>> {
                (0..columns.len())
                    .map(|at| columns.entity_index(columns.entity_name(at).unwrap()))
                    .collect()
            };
            assert_eq!(
                names(&quick),
                names(&serde),
                "every name is found where it is: {text}"
            );
            assert_eq!(quick.warnings(), serde.warnings(), "{text}");
        }
        (Err(quick), Err(serde)) => assert_eq!(quick.to_string(), serde.to_string(), "{text}"),
        (quick, serde) => panic!(
            "the readers disagree on {text:?}: {:?} / {:?}",
            quick.err(),
            serde.err()
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_quick_reader_reads_as_serde_does(text in document()) {
        same_facts(&text);
        same_columns(coalition(), &text);
        same_from_file(coalition(), &text);
    }
}

#[test]
fn documents_of_the_usual_shape_read_alike() {
    let rules = coalition();
    let json = prereq::synthetic::CoalitionFacts {
        entities: 500,
        seed: 7,
        unknown_percent: 10,
    }
    .json();
    same_facts(&json);
    same_columns(rules, &json);
    same_from_file(rules, &json);
    let repeated = json.replacen("\"c0000001\"", "\"c0000000\"", 1);
    same_columns(rules, &repeated);
    let error = Columns::from_json_str(rules.program().schema(), "f.json", &repeated).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("entities.c0000000: this entity is given twice"),
        "{error}"
    );
}
