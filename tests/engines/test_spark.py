"""The same dbt project on a local Spark session (dbt-spark, session mode): the sample data set is
loaded into Spark, `dbt build` runs every seed, model, snapshot, data test and unit test there, and
the marts and the snapshot equal the DuckDB build of the same data (conftest.built_warehouse).

Slow (a JVM, and every dbt node is a Spark job: about a quarter of an hour) and it needs the
[spark] extra and Java 17+, so `make test` leaves it out (marker `spark`, deselected in
pyproject.toml); `make test-spark` installs the extra and runs it.

Spark's tables are plain Parquet (docs/other-engines.md#spark): they are read here with DuckDB straight from the
Spark warehouse folder, so both sides are compared through the same reader.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import PROJECT_DIR, SAMPLE_END, add_sales_acceptance, batch_count_vars, dbt, query, untouched_lead_sql

pytest.importorskip("pyspark", reason="needs the [spark] extra: make test-spark")

from lead_scoring.ingest.spark import RAW_PARQUET_DIR, load_raw_folder_into_spark  # noqa: E402

pytestmark = pytest.mark.spark

AS_OF = SAMPLE_END.isoformat()
# The batch counts are set as a user with a large DuckDB warehouse would set them: Spark computes
# each of those models in one statement all the same (macro batch_count).
VARS = ["--vars", f"{{scoring_as_of_date: '{AS_OF}'{batch_count_vars(2)}}}"]
MARTS = sorted(path.stem for path in (PROJECT_DIR / "models" / "marts").rglob("*.sql"))
SNAPSHOT = "snapshots.snap_lead_lifecycle"
# Set by dbt when it writes the row, not computed from the data: differ between any two runs (the
# rule history's times are those of the run that first scored with the rules).
RUN_COLUMNS = {"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to",
               "live_from", "live_until", "first_recorded_at", "changed_at"}
# No rule changes in a build of the shipped seeds (tests/integration/test_rule_history.py edits them).
EMPTY_ON_ONE_BUILD = {"marts.mart_scoring_rule_changes"}
# DuckDB divides the decay exponent in single precision (half_life_days is a FLOAT seed number,
# and DuckDB keeps decimal / float a float); Spark promotes it to double. Scores differ in the
# 8th significant digit, so floats are compared to 1e-6, relative above 1.
TOLERANCE = dict(rel_tol=1e-6, abs_tol=1e-6)


def spark_env(spark_dir: Path) -> dict[str, str]:
    return {"LEAD_SCORING_TARGET": "spark", "LEAD_SCORING_SPARK_DIR": str(spark_dir), "LEAD_SCORING_DBT_THREADS": "2"}


def spark_dbt(args: list[str], spark_dir: Path):
    """dbt against the Spark target whose metastore and tables live in `spark_dir`."""
    return dbt([*args, "--target-path", str(spark_dir / "target"), *VARS], spark_dir / "unused.duckdb", spark_env(spark_dir))


def spark_table(spark_dir: Path, table: str) -> str:
    """A DuckDB relation over the Parquet files of the Spark table `schema.name` (raw tables are
    external tables over the loader's export; the others live in the Spark warehouse folder)."""
    schema, name = table.split(".")
    folder = spark_dir / RAW_PARQUET_DIR / name if schema == "raw" else spark_dir / "spark-warehouse" / f"{schema}.db" / name
    assert folder.is_dir(), f"Spark has no table {table} ({folder})"
    return f"read_parquet('{folder}/*.parquet')"


def read(sql: str) -> list[tuple]:
    """Run `sql` (over spark_table relations) in DuckDB."""
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def comparable(value):
    """Spark writes timestamps as instants and some ratios as decimals: compare as DuckDB has them."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def same(a, b) -> bool:
    a, b = comparable(a), comparable(b)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, **TOLERANCE)
    return a == b


@pytest.fixture(scope="module")
def spark_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spark")


@pytest.fixture(scope="module")
def spark_build(spark_dir, sample_raw_dir) -> list[dict]:
    """The sample data loaded into Spark and `dbt build` run there once; its run results."""
    counts = load_raw_folder_into_spark(sample_raw_dir, spark_env(spark_dir))
    assert all(counts[table] for table in ("leads", "events", "opportunities", "company_visits")), counts
    result = spark_dbt(["build"], spark_dir)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert ": computed in " not in result.stdout, "a model ran in batches on Spark (insert_batches)"
    return json.loads((spark_dir / "target" / "run_results.json").read_text())["results"]


# Unit tests switched off on Spark (config enabled), each with the reason beside it in its yml.
SPARK_DISABLED_UNIT_TESTS = {
    "unit_test.lead_scoring.int_lead_activation_edges.activation_edges_score_and_top_reasons_on_the_due_day",
    "unit_test.lead_scoring.int_scoring_config_warnings.config_warnings_from_seeds_and_the_last_90_days",
}


def test_spark_build_runs_every_node_the_duckdb_build_runs(spark_build, built_warehouse):
    spark = {r["unique_id"]: r["status"] for r in spark_build}
    duck = {r["unique_id"] for r in json.loads((built_warehouse.parent / "target" / "run_results.json").read_text())["results"]}
    assert set(spark) == duck - SPARK_DISABLED_UNIT_TESTS
    assert {uid: status for uid, status in spark.items() if status not in ("success", "pass")} == {}
    kinds = [uid.split(".")[0] for uid in spark]
    assert kinds.count("unit_test") >= 2 and kinds.count("snapshot") == 1 and kinds.count("test") >= 40


def test_raw_and_staged_rows_equal_the_duckdb_warehouse(spark_build, spark_dir, built_warehouse):
    for table in ("raw.leads", "raw.events", "raw.opportunities", "raw.load_rejects", "staging.stg_raw__events"):
        assert read(f"select count(*) from {spark_table(spark_dir, table)}") == query(built_warehouse, f"select count(*) from {table}"), table


@pytest.mark.parametrize("table", [f"marts.{name}" for name in MARTS] + [SNAPSHOT])
def test_table_equals_the_duckdb_build(spark_build, spark_dir, built_warehouse, table):
    types = dict(query(built_warehouse, f"select column_name, data_type from information_schema.columns where table_schema || '.' || table_name = '{table}' order by ordinal_position"))
    spark_columns = [name for (name, *_) in read(f"describe select * from {spark_table(spark_dir, table)}")]
    assert sorted(spark_columns) == sorted(types)
    columns = [c for c in types if c not in RUN_COLUMNS]
    selected = ", ".join(f'"{c}"' for c in columns) + (", dbt_valid_to is null as is_current" if "dbt_valid_to" in types else "")
    # Floats rounded in the sort key only, so both sides come in the same order.
    order = ", ".join(f'round("{c}", 4)' if types[c] in ("DOUBLE", "FLOAT") else f'"{c}"' for c in columns)
    duck = query(built_warehouse, f"select {selected} from {table} order by {order}")
    spark = read(f"select {selected} from {spark_table(spark_dir, table)} order by {order}")
    assert len(spark) == len(duck) and (duck or table in EMPTY_ON_ONE_BUILD), table
    differing = [(d, s) for d, s in zip(duck, spark) if not all(same(a, b) for a, b in zip(d, s))]
    assert differing == [], f"{len(differing)} rows differ, e.g. DuckDB {differing[0][0]} / Spark {differing[0][1]}"


@pytest.fixture(scope="module")
def spark_second_run(spark_build, spark_dir, sample_raw_dir, tmp_path_factory):
    """As test_lifecycle.second_run, on Spark: a lead still in stage `lead` gets a sales_accepted
    event; the raw export is reloaded and the models and the snapshot are built again (the
    scoring models rebuilt as tables, the snapshot rewritten by macros/spark/snapshot.sql)."""
    lead_id = read(untouched_lead_sql(spark_table(spark_dir, "marts.dim_leads"), spark_table(spark_dir, "staging.stg_raw__events")))[0][0]
    raw = tmp_path_factory.mktemp("spark_raw_second")
    shutil.copytree(sample_raw_dir, raw, dirs_exist_ok=True)
    add_sales_acceptance(raw, lead_id)
    load_raw_folder_into_spark(raw, spark_env(spark_dir))
    result = spark_dbt(["build", "--select", "+snap_lead_lifecycle", "--exclude", "resource_type:test", "resource_type:unit_test"], spark_dir)
    assert result.returncode == 0, result.stdout[-8000:]
    return lead_id


def test_snapshot_on_spark_closes_the_old_version_and_opens_a_new_one(spark_second_run, spark_dir):
    snapshot = spark_table(spark_dir, SNAPSHOT)
    versions = read(f"select current_stage, dbt_valid_from, dbt_valid_to from {snapshot} where lead_id = '{spark_second_run}' order by dbt_valid_from")
    assert len(versions) == 2
    (old_stage, _, old_to), (new_stage, new_from, new_to) = versions
    assert (old_stage, new_stage) == ("lead", "sal")
    assert old_to is not None and old_to == new_from and new_to is None
    # Nothing else changed: one lead with two versions, one current version per lead.
    assert read(f"select count(*) - count(distinct lead_id), count(case when dbt_valid_to is null then 1 end) - count(distinct lead_id) from {snapshot}") == [(1, 0)]
