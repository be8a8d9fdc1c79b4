#!/usr/bin/env python3
"""Runs SQL cases on a real engine for tests/sql_engines.rs.

Reads {"engine": NAME, "cases": [{"setup": [STATEMENT, ...], "query": SQL}]}
as JSON on stdin; prints a JSON list with, per case, {"columns": [NAME, ...], "rows": [[CELL, ...]]}
(the query's rows, cells as text or null) or {"error": MESSAGE}. Each case
runs in a database (or schema) of its own: PostgreSQL's server is the one
PREREQ_POSTGRES names (a libpq connection string; `dbname=postgres` over
the local socket when unset), Spark runs in local mode. Exits 3, saying so on stderr, when the
engine's Python module is missing, so the caller can tell "no engine" from
"wrong answer".
"""

import json
import os
import sys
import tempfile


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


def run_postgres(cases):
    try:
        import psycopg
    except ImportError as error:
        missing("postgres", error)
    dsn = os.environ.get("PREREQ_POSTGRES", "dbname=postgres")
    try:
        connection = psycopg.connect(dsn, autocommit=True)
    except psycopg.OperationalError as error:
        missing("postgres", f"cannot connect to {dsn!r} (set PREREQ_POSTGRES): {error}")
    results = []
    for index, case in enumerate(cases):
        schema = f"prereq_case_{os.getpid()}_{index}"
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"SET search_path TO {schema}")
        results.append(run_case(connection, case))
        connection.execute(f"DROP SCHEMA {schema} CASCADE")
    connection.close()
    return results


def run_spark(cases):
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        missing("spark", error)
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("prereq-sql-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="prereq-spark-"))
        .getOrCreate()
    )
    results = []
    for index, case in enumerate(cases):
        database = f"prereq_case_{index}"
        try:
            spark.sql(f"CREATE DATABASE {database}")
            spark.sql(f"USE {database}")
            for statement in case["setup"]:
                spark.sql(statement)
            frame = spark.sql(case["query"])
            rows = frame.collect()
            results.append({
                "columns": frame.columns,
                "rows": [[None if cell is None else str(cell) for cell in row] for row in rows],
            })
        except Exception as error:  # the engine's message is the answer
            results.append({"error": f"{type(error).__name__}: {error}"})
        finally:
            spark.sql("USE default")
            spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
    spark.stop()
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
    runners = {
        "duckdb": run_duckdb,
        "sqlite": run_sqlite,
        "postgres": run_postgres,
        "spark": run_spark,
    }
    engine = request["engine"]
    if engine not in runners:
        missing(engine, "no runner for it")
    json.dump(runners[engine](request["cases"]), sys.stdout)


if __name__ == "__main__":
    main()
