"""Raw loading for the Spark target (LEAD_SCORING_TARGET=spark, see docs/other-engines.md#spark).

The DuckDB loader (lead_scoring/ingest/raw_loader.py) does the work: it validates the landing files
against the raw contract and keeps rejected rows with their reason, in a DuckDB file of its own
(`raw_load.duckdb` in the Spark folder, so unchanged files are skipped on the next load as usual).
The raw tables, raw.load_log and raw.load_rejects are then written to Parquet and registered as
tables of the `raw` schema in the Spark metastore dbt uses, through `dbt run-operation`, so the
Spark session is configured by profiles.yml alone.

    python -m lead_scoring.ingest.spark LANDING_FOLDER
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from lead_scoring.dbt_definitions import RAW_TABLES
from lead_scoring.ingest.raw_loader import LOG_TABLE, REJECTS_TABLE, load_raw_folder
from lead_scoring.settings import DBT_PROJECT_DIR, PROJECT_DIR, RAW_SCHEMA, dbt_executable
from lead_scoring.warehouse import sql_string

EXPORTED_TABLES = (*RAW_TABLES, LOG_TABLE.split(".")[1], REJECTS_TABLE.split(".")[1])
RAW_PARQUET_DIR = "raw_parquet"  # in the Spark folder: <table>/data.parquet, the raw tables' files


def spark_dir() -> Path:
    """LEAD_SCORING_SPARK_DIR (as profiles.yml reads it, relative to the project folder)."""
    return (PROJECT_DIR / os.environ.get("LEAD_SCORING_SPARK_DIR", "warehouse/spark")).resolve()


def export_raw_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, Path]:
    """Write each exported raw table to `<out_dir>/<table>/data.parquet`, replacing earlier files;
    returns {table: folder}."""
    folders = {}
    for table in EXPORTED_TABLES:
        folder = out_dir / table
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        con.execute(f"copy (select * from {RAW_SCHEMA}.{table}) to {sql_string(folder / 'data.parquet')} (format parquet)")
        folders[table] = folder
    return folders


def register_in_spark(folders: dict[str, Path], env: dict[str, str] | None = None) -> None:
    """Create raw.<table> over each Parquet folder in the metastore of the profile's spark target."""
    args = json.dumps({"tables": {table: str(folder) for table, folder in folders.items()}, "schema": RAW_SCHEMA})
    full_env = {**os.environ, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), "LEAD_SCORING_TARGET": "spark", **(env or {})}
    result = subprocess.run(
        [dbt_executable(), "run-operation", "spark_register_parquet_tables", "--args", args, "--project-dir", str(DBT_PROJECT_DIR)],
        env=full_env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Registering the raw tables in Spark failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}")


def load_raw_folder_into_spark(folder: Path, env: dict[str, str] | None = None) -> dict[str, int]:
    """Validate and load a landing folder, then publish it to Spark; returns rows per raw table."""
    out_dir = Path((env or {}).get("LEAD_SCORING_SPARK_DIR") or spark_dir()).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(out_dir / "raw_load.duckdb"))
    try:
        counts = load_raw_folder(con, folder)
        folders = export_raw_parquet(con, out_dir / RAW_PARQUET_DIR)
    finally:
        con.close()
    register_in_spark(folders, {**(env or {}), "LEAD_SCORING_SPARK_DIR": str(out_dir)})
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="landing folder (one file or sub-folder per raw table)")
    counts = load_raw_folder_into_spark(parser.parse_args(argv).folder.resolve())
    print(", ".join(f"raw.{table}: {rows} rows" for table, rows in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
