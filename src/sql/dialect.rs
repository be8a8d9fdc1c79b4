//! What differs between SQL engines: how names and strings are quoted,
//! how a boolean and a list of strings are written and typed, and how a
//! list is asked whether it holds a string.
//!
//! Everything a rule file or the command line brings into the query
//! passes through [`Dialect::name`] or [`Dialect::string`]: a name is
//! always quoted (so a fact may be called `select` or `order`), and a
//! string is always a literal with its quotes (and, on Spark, its
//! backslashes) escaped.

use crate::syntax::ast::FactType;

/// The SQL engines a rule set compiles for.
///
/// ```
/// use prereq::sql::Dialect;
/// assert_eq!(Dialect::Postgres.name("order"), "\"order\"");
/// assert_eq!(Dialect::Spark.name("order"), "`order`");
/// assert_eq!(Dialect::Spark.string("it's \\ here"), "'it\\'s \\\\ here'");
/// assert_eq!(Dialect::DuckDb.string("it's"), "'it''s'");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB: `BOOLEAN`, `DOUBLE`, `VARCHAR`, `VARCHAR[]`.
    DuckDb,
    /// PostgreSQL: `BOOLEAN`, `DOUBLE PRECISION`, `TEXT`, `TEXT[]`.
    Postgres,
    /// SQLite: a bool is an `INTEGER` 0 or 1, a set a JSON array in `TEXT`.
    Sqlite,
    /// Spark SQL: `BOOLEAN`, `DOUBLE`, `STRING`, `ARRAY<STRING>`.
    Spark,
}

impl Dialect {
    /// Every dialect, in the order the command line lists them.
    pub const ALL: [Dialect; 4] = [
        Dialect::DuckDb,
        Dialect::Postgres,
        Dialect::Sqlite,
        Dialect::Spark,
    ];

    /// The dialect's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
            Dialect::Spark => "spark",
        }
    }

    /// A name (a column, a table, an alias), quoted whatever it is.
    pub fn name(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A string literal. Spark reads backslash escapes inside literals,
    /// the others take every character as it is but the quote.
    pub fn string(self, text: &str) -> String {
        match self {
            Dialect::Spark => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
            _ => format!("'{}'", text.replace('\'', "''")),
        }
    }

    /// `true` or `false` as a condition of the dialect (SQLite has no
    /// boolean type: its conditions are 1 and 0).
    pub fn boolean(self, value: bool) -> &'static str {
        match (self, value) {
            (Dialect::Sqlite, true) => "1",
            (Dialect::Sqlite, false) => "0",
            (_, true) => "TRUE",
            (_, false) => "FALSE",
        }
    }

    /// A number literal, typed as the facts' numbers are.
    pub fn number(self, value: f64) -> String {
        let digits = crate::number::shown(value);
        match self {
            Dialect::Sqlite => format!("CAST({digits} AS REAL)"),
            Dialect::Postgres => format!("CAST({digits} AS DOUBLE PRECISION)"),
            Dialect::DuckDb | Dialect::Spark => format!("CAST({digits} AS DOUBLE)"),
        }
    }

    /// The column type of a fact.
    pub fn column_type(self, ty: FactType) -> &'static str {
        match (self, ty) {
            (Dialect::Sqlite, FactType::Bool) => "INTEGER",
            (Dialect::Sqlite, FactType::Number) => "REAL",
            (Dialect::Sqlite, FactType::String | FactType::StringSet) => "TEXT",
            (Dialect::Postgres, FactType::Number) => "DOUBLE PRECISION",
            (Dialect::Postgres, FactType::String) => "TEXT",
            (Dialect::Postgres, FactType::StringSet) => "TEXT[]",
            (Dialect::DuckDb, FactType::String) => "VARCHAR",
            (Dialect::DuckDb, FactType::StringSet) => "VARCHAR[]",
            (Dialect::Spark, FactType::String) => "STRING",
            (Dialect::Spark, FactType::StringSet) => "ARRAY<STRING>",
            (_, FactType::Bool) => "BOOLEAN",
            (_, FactType::Number) => "DOUBLE",
        }
    }

    /// A check the dialect cannot make by type alone: SQLite's bools are
    /// 0 or 1, its sets JSON arrays.
    pub(super) fn column_check(self, column: &str, ty: FactType) -> Option<String> {
        match (self, ty) {
            (Dialect::Sqlite, FactType::Bool) => Some(format!("CHECK ({column} IN (0, 1))")),
            (Dialect::Sqlite, FactType::StringSet) => {
                Some(format!("CHECK (json_type({column}) = 'array')"))
            }
            _ => None,
        }
    }

    /// Whether the list `set` holds the string `element`, both known:
    /// true or false.
    pub(super) fn contains(self, set: &str, element: &str) -> String {
        match self {
            Dialect::DuckDb => format!("list_contains({set}, {element})"),
            Dialect::Postgres => format!("({element} = ANY({set}))"),
            Dialect::Spark => format!("array_contains({set}, {element})"),
            Dialect::Sqlite => {
                format!("EXISTS (SELECT 1 FROM json_each({set}) WHERE json_each.value = {element})")
            }
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Dialect {
    type Err = String;

    fn from_str(text: &str) -> Result<Dialect, String> {
        Dialect::ALL
            .into_iter()
            .find(|dialect| dialect.as_str() == text)
            .ok_or_else(|| {
                format!("unknown SQL dialect `{text}`: duckdb, postgres, sqlite or spark")
            })
    }
}
