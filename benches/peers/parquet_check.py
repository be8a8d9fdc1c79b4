#!/usr/bin/env python3
"""prereq, DuckDB and Polars deciding the coalition rules from one Parquet file.

Each engine reads the same synthetic table of 1,000,000 countries
(`prereq bench-data --format parquet`: typed columns, Snappy, ~8 MB),
decides the 8 coalition rules with the world's US backstop and ceasefire
given, and writes a wide Parquet file of verdicts (`entity`, then a column
per rule of `satisfied`, `unsatisfied` or `undetermined`):

- prereq: `prereq check rules/ --facts s.parquet --set ... --format parquet -o`;
- DuckDB: the query `prereq sql rules/ --dialect duckdb` prints, run by
  DuckDB's `COPY (...) TO '...' (FORMAT parquet)` over a view of the file;
- Polars: the same rules written by hand as Polars expressions (Kleene's
  `&` and `|` over nullable booleans, as prereq's), read lazily and sunk.

Rounds are interleaved (the machine is shared and noisy); each engine is
timed twice: as a command (the whole process, as a user runs it from the
shell) and in-process (the engine's work, Python and the import left out).
Every output is checked to hold the same rows as prereq's.

Run from the repository's root, after `cargo build --release`:

    pip install duckdb polars
    python3 benches/peers/parquet_check.py [--rounds 5] [--entities 1000000]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREREQ = os.path.join(ROOT, "target", "release", "prereq")
RULES = os.path.join(ROOT, "rules")

DUCKDB = """
import duckdb, sys, time
query, table, out = open(sys.argv[1]).read().rstrip().rstrip(';'), sys.argv[2], sys.argv[3]
con = duckdb.connect()
con.execute("CREATE TABLE world AS SELECT true AS us_backstop, true AS ceasefire")
con.execute(f"CREATE VIEW entities AS SELECT * FROM '{table}'")
start = time.perf_counter()
con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
print(time.perf_counter() - start)
"""

POLARS = """
import polars as pl, sys, time
table, out = sys.argv[1], sys.argv[2]
start = time.perf_counter()
c = pl.col
us_backstop, ceasefire = pl.lit(True), pl.lit(True)
def word(e):
    return (pl.when(e).then(pl.lit("satisfied"))
            .when(~e).then(pl.lit("unsatisfied"))
            .otherwise(pl.lit("undetermined")))
def has(s):
    return c("contributions").list.contains(pl.lit(s))
willing = c("in_coalition") & (c("troops_offered") >= 1) & ~c("borders_russia")
backing = us_backstop | ~c("needs_us_backstop")
commit = willing & backing & c("legal_basis")
rules = {
    "secure_peace": ceasefire & us_backstop,
    "backing_met": backing,
    "willing": willing,
    "commit_troops": commit,
    "deploy": commit & ceasefire & c("rules_of_engagement"),
    "contribute": willing | has("fast_jets") | has("logistics") | has("engineering") | has("backfill"),
    "defends_own_border": c("in_coalition") & c("borders_russia"),
    "asset_seizure_partner": c("in_coalition") & ~c("resists_asset_seizure"),
}
(pl.scan_parquet(table)
   .select([c("entity")] + [word(e).alias(name) for name, e in rules.items()])
   .sink_parquet(out))
print(time.perf_counter() - start)
"""


def timed(command):
    """The command's wall time, and what it printed (an in-process time)."""
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"{command[0]} failed: {run.stderr}")
    return wall, run.stdout.strip()


def same_rows(a, b):
    import duckdb

    con = duckdb.connect()
    differ = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM '{a}' EXCEPT SELECT * FROM '{b}')"
    ).fetchall()[0][0]
    rows = con.execute(f"SELECT count(*) FROM '{a}'").fetchall()[0][0]
    return differ == 0, rows


def spread(values):
    return f"{min(values):.2f}–{max(values):.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--entities", type=int, default=1_000_000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="prereq-parquet-")
    table = os.path.join(work, "countries.parquet")
    subprocess.run(
        [PREREQ, "bench-data", "--format", "parquet", "--entities", str(args.entities), "-o", table],
        check=True,
    )
    query = os.path.join(work, "query.sql")
    with open(query, "w") as out:
        subprocess.run([PREREQ, "sql", RULES, "--dialect", "duckdb"], stdout=out, check=True)
    scripts = {}
    for name, text in [("duckdb", DUCKDB), ("polars", POLARS)]:
        scripts[name] = os.path.join(work, f"run_{name}.py")
        with open(scripts[name], "w") as out:
            out.write(text)
    outputs = {name: os.path.join(work, f"{name}.parquet") for name in ["prereq", "duckdb", "polars"]}
    commands = {
        "prereq": [PREREQ, "check", RULES, "--facts", table, "--set", "us_backstop=true",
                   "--set", "ceasefire=true", "--format", "parquet", "-o", outputs["prereq"]],
        "duckdb": [sys.executable, scripts["duckdb"], query, table, outputs["duckdb"]],
        "polars": [sys.executable, scripts["polars"], table, outputs["polars"]],
    }
    walls = {name: [] for name in commands}
    inside = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, command in commands.items():
            wall, printed = timed(command)
            walls[name].append(wall)
            inside[name].append(float(printed) if printed else wall)
    print(f"{args.entities:,} entities, {os.path.getsize(table) / 1e6:.1f} MB of Parquet, "
          f"{args.rounds} interleaved rounds")
    print(f"{'engine':8} {'as a command':>16} {'in-process':>16} {'same rows as prereq':>22}")
    for name in commands:
        same, rows = same_rows(outputs[name], outputs["prereq"])
        print(f"{name:8} {spread(walls[name]):>16} {spread(inside[name]):>16} "
              f"{('yes' if same else 'NO') + f' ({rows:,} rows)':>22}")
    best = min(walls["prereq"])
    for name in ["duckdb", "polars"]:
        print(f"prereq as a command / {name} as a command: {best / min(walls[name]):.2f}; "
              f"/ {name} in-process: {best / min(inside[name]):.2f}")


if __name__ == "__main__":
    main()
