#!/usr/bin/env python3
"""Runs SQL cases on a real engine for tests/sql_engines.rs.

Reads {"engine": NAME, "cases": [{"setup": [STATEMENT, ...], "query": SQL}]}
as JSON on stdin; prints a JSON list with, per case, {"columns": [NAME, ...], "rows": [[CELL, ...]]}
(the query's rows, cells as text or null) or {"error": MESSAGE}. Each case
runs in a database of its own. Exits 3, saying so on stderr, when the
engine's Python module is missing, so the caller can tell "no engine" from
"wrong answer".
"""

import json
import sys


def missing(engine, error):
    print(f"engine {engine} is not available: {error}", file=sys.stderr)
    sys.exit(3)


def run_duckdb(cases):
    try:
        import duckdb
    except ImportError as error:
        missing("duckdb", error)
    results = []
    for case in cases:
        connection = duckdb.connect(":memory:")
        results.append(run_case(connection, case))
        connection.close()
    return results


def run_sqlite(cases):
    import sqlite3

    results = []
    for case in cases:
        connection = sqlite3.connect(":memory:")
        results.append(run_case(connection, case))
        connection.close()
    return results


def run_case(connection, case):
    try:
        cursor = connection.cursor()
        for statement in case["setup"]:
            cursor.execute(statement)
        cursor.execute(case["query"])
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
        return {
            "columns": columns,
            "rows": [[None if cell is None else str(cell) for cell in row] for row in rows],
        }
    except Exception as error:  # the engine's message is the answer
        return {"error": f"{type(error).__name__}: {error}"}


def main():
    request = json.load(sys.stdin)
    runners = {"duckdb": run_duckdb, "sqlite": run_sqlite}
    engine = request["engine"]
    if engine not in runners:
        missing(engine, "no runner for it")
    json.dump(runners[engine](request["cases"]), sys.stdout)


if __name__ == "__main__":
    main()
