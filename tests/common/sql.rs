//! Facts as SQL, for the tests that run `prereq sql` on real engines: the
//! tables' `CREATE TABLE` statements (from `prereq::sql::schema`) and an
//! `INSERT` per entity and for the world, in each dialect; and the
//! engines themselves, reached through `tests/engines/run_sql.py`.

use std::io::Write;
use std::process::{Command, Stdio};

use prereq::sql::{Dialect, SqlOptions};
use prereq::syntax::ast::Scope;
use prereq::{FactValue, Facts, RuleSet};

/// The statements that create the two tables and fill them with `facts`.
/// A set known in part has no SQL form: it must have been made whole.
pub fn setup(rules: &RuleSet, facts: &Facts, dialect: Dialect) -> Vec<String> {
    let options = SqlOptions::new(dialect);
    let schema = prereq::sql::schema(rules, &options).unwrap();
    let mut statements: Vec<String> = schema
        .split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let declared = &rules.resolved().facts;
    let names = |scope: Scope| -> Vec<&str> {
        declared
            .iter()
            .filter(|fact| fact.scope == scope)
            .map(|fact| fact.name.as_str())
            .collect()
    };
    let (world, entity) = (names(Scope::World), names(Scope::Entity));
    // One statement per table: every row at once.
    let insert = |table: &str, columns: &[&str], rows: Vec<String>| {
        let columns: Vec<String> = columns.iter().map(|c| dialect.name(c)).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            dialect.name(table),
            columns.join(", "),
            rows.join("), (")
        )
    };
    if !world.is_empty() {
        let values: Vec<String> = world
            .iter()
            .map(|fact| literal(dialect, find(facts.world(), fact)))
            .collect();
        statements.push(insert("world", &world, vec![values.join(", ")]));
    }
    let mut columns = vec!["entity"];
    columns.extend(&entity);
    let rows: Vec<String> = facts
        .entities()
        .iter()
        .map(|row| {
            let mut values = vec![dialect.string(&row.name)];
            values.extend(
                entity
                    .iter()
                    .map(|fact| literal(dialect, find(&row.facts, fact))),
            );
            values.join(", ")
        })
        .collect();
    if !rows.is_empty() {
        statements.push(insert("entities", &columns, rows));
    }
    statements
}

fn find<'f>(
    facts: &'f [(prereq::facts::FactName, FactValue)],
    name: &str,
) -> Option<&'f FactValue> {
    facts
        .iter()
        .find(|(fact, _)| &**fact == name)
        .map(|(_, value)| value)
}

/// A value as a literal of the dialect; an unknown one is `NULL`.
pub fn literal(dialect: Dialect, value: Option<&FactValue>) -> String {
    match value {
        None => "NULL".to_string(),
        Some(FactValue::Bool(b)) => dialect.boolean(*b).to_string(),
        Some(FactValue::Number(n)) => dialect.number(*n),
        Some(FactValue::Integer(n)) => dialect.number(*n as f64),
        Some(FactValue::String(s)) => dialect.string(s),
        Some(FactValue::Strings(items)) => list(dialect, items),
        Some(FactValue::PartialSet { .. }) => panic!("a set known in part has no SQL form"),
    }
}

/// A list of strings in the dialect's list type.
fn list(dialect: Dialect, items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| dialect.string(item)).collect();
    match dialect {
        Dialect::DuckDb => format!("CAST([{}] AS VARCHAR[])", quoted.join(", ")),
        Dialect::Postgres => format!("CAST(ARRAY[{}] AS TEXT[])", quoted.join(", ")),
        Dialect::Spark => format!("CAST(array({}) AS ARRAY<STRING>)", quoted.join(", ")),
        Dialect::Sqlite => dialect.string(&serde_json::to_string(items).unwrap()),
    }
}

/// The same facts with each set known in part given whole (the strings it
/// holds): what a table of lists can say.
pub fn with_whole_sets(facts: &Facts) -> Facts {
    let whole = |value: &FactValue| match value {
        FactValue::PartialSet { has, .. } => FactValue::Strings(has.clone()),
        other => other.clone(),
    };
    let mut out = Facts::new(facts.origin());
    for (name, value) in facts.world() {
        out.set_world(name, whole(value));
    }
    for entity in facts.entities() {
        out.add_entity(&entity.name);
        for (name, value) in &entity.facts {
            out.set(&entity.name, name, whole(value));
        }
    }
    out
}

/// One query to run after its setup.
#[derive(serde::Serialize)]
pub struct Case {
    pub setup: Vec<String>,
    pub query: String,
}

/// What the engine answered a case: the columns and rows, or its error.
#[derive(serde::Deserialize, Debug)]
pub struct Answer {
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub rows: Vec<Vec<Option<String>>>,
    pub error: Option<String>,
}

/// Runs the cases on a real engine, each in a database of its own; `None`
/// when the engine is not installed (a failure under CI, where it must
/// be).
pub fn run(engine: &str, cases: &[Case]) -> Option<Vec<Answer>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/engines/run_sql.py");
    let request = serde_json::json!({ "engine": engine, "cases": cases });
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(request.to_string().as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        assert!(!in_ci, "CI must have the engine {engine}: {stderr}");
        eprintln!("skipped: {stderr}");
        return None;
    }
    assert!(
        output.status.success(),
        "the {engine} runner failed: {stderr}"
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}
