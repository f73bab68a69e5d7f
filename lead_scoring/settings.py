"""Paths and settings, all overridable through environment variables.

LEAD_SCORING_DB        DuckDB warehouse file (default: warehouse/lead_scoring.duckdb). Keep the
                       file name `lead_scoring.duckdb`: the stem is the database name dbt records.
LEAD_SCORING_RAW_DIR   Folder with your own export (one file or sub-folder per raw table). Set but
                       blank, or naming a folder that does not exist, it is an error; unset, runs
                       need an explicit request for sample data (LEAD_SCORING_SAMPLE_DATA).
LEAD_SCORING_SAMPLE_DATA
                       true: without LEAD_SCORING_RAW_DIR, runs load generated sample data
                       (`lead-scoring demo` and `make dev` set it; see run_options.raw_source).
LEAD_SCORING_SOURCE    Where leads, events and opportunities come from: native (default; the raw
                       files above, loaded by the project's loader), hubspot or salesforce (the
                       tables a connector landed in the warehouse; docs/crm-sources.md). dbt reads it as the
                       var lead_scoring_source. With sample data, runs write the sample in that
                       CRM's shape where the connector would land it.
LEAD_SCORING_HUBSPOT_SCHEMA
                       Schema the HubSpot connector lands its tables in (default hubspot).
LEAD_SCORING_SALESFORCE_SCHEMA / LEAD_SCORING_PARDOT_SCHEMA
                       Schemas the Salesforce and Pardot connectors land their tables in (default
                       salesforce, pardot).
LEAD_SCORING_SALESFORCE_COLUMN_STYLE
                       fivetran (default: snake-case columns) or airbyte (Salesforce's API names).
LEAD_SCORING_SAMPLE_LEADS / _DAYS / _SEED / _END_DATE
                       Size, history length, random seed and last day of the sample data.
LEAD_SCORING_PENDING_MAX_AGE_DAYS
                       Days a row may wait for its lead (pending) before the summary and the
                       Dagster check warn about it (default 7); it is kept and loads whenever
                       the lead arrives.
LEAD_SCORING_OUTBOX_DIR
                       Folder of the activation outbox files, one sub-folder per destination
                       (default: outbox/ beside the warehouse file; lead_scoring/activation_delivery.py).
LEAD_SCORING_WEBHOOK_<DESTINATION>
                       URL that each activation of the destination (upper-cased, other characters
                       than letters and digits as _) is posted to, besides the outbox; unset: outbox only.
LEAD_SCORING_WEBHOOK_TIMEOUT_SECONDS
                       Seconds a webhook post may take before it counts as failed (default 10).
DBT_TARGET_PATH        dbt's own setting for its target folder (default: target/ in the project,
                       relative paths from there); the Dagster runs follow it too.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_DIR
RAW_SCHEMA = "raw"
# The raw tables and the score bands are read from the dbt project: lead_scoring/dbt_definitions.py.


def dbt_target_path() -> str:
    """dbt's target folder, as dbt itself reads it (DBT_TARGET_PATH, else the project's "target")."""
    return os.environ.get("DBT_TARGET_PATH", "").strip() or "target"


def dbt_executable() -> str:
    """The dbt next to this Python (the project's virtualenv), else whatever is on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def warehouse_path() -> Path:
    default = PROJECT_DIR / "warehouse" / "lead_scoring.duckdb"
    return Path(os.environ.get("LEAD_SCORING_DB", default)).expanduser().resolve()


RAW_DIR_VAR = "LEAD_SCORING_RAW_DIR"
SAMPLE_DATA_VAR = "LEAD_SCORING_SAMPLE_DATA"
NO_RAW_DIR_MESSAGE = (
    f"{RAW_DIR_VAR} is not set: set it to the folder of your raw files, "
    "or run `make demo` (lead-scoring demo) to score generated sample data."
)


class RawSourceError(ValueError):
    """No usable raw data source; the message names the setting to fix."""


SOURCE_VAR = "LEAD_SCORING_SOURCE"
LEAD_SOURCES = ("native", "hubspot", "salesforce")
# The default warehouse schema a CRM's connector lands its tables in.
# Pardot is not a source of its own: its activity comes with salesforce.
CRM_SCHEMAS = {"hubspot": "hubspot", "salesforce": "salesforce", "pardot": "pardot"}
SALESFORCE_COLUMN_STYLE_VAR = "LEAD_SCORING_SALESFORCE_COLUMN_STYLE"


def salesforce_column_style() -> str:
    """LEAD_SCORING_SALESFORCE_COLUMN_STYLE, lower-cased: fivetran (the default) or airbyte, how the
    connector names Salesforce's columns (the dbt var lead_scoring_salesforce_column_style)."""
    style = os.environ.get(SALESFORCE_COLUMN_STYLE_VAR, "").strip().lower() or "fivetran"
    if style not in ("fivetran", "airbyte"):
        raise RawSourceError(f"{SALESFORCE_COLUMN_STYLE_VAR} must be fivetran or airbyte, got {style!r}")
    return style


def crm_schema(crm: str) -> str:
    """LEAD_SCORING_<CRM>_SCHEMA, else the CRM's default schema: where its connector lands the
    tables (the dbt var lead_scoring_<crm>_schema defaults to the same variable)."""
    return os.environ.get(f"LEAD_SCORING_{crm.upper()}_SCHEMA", "").strip() or CRM_SCHEMAS[crm]


def lead_source() -> str:
    """LEAD_SCORING_SOURCE, lower-cased: native (the default) or a CRM; another value, or a set
    but blank one, is RawSourceError."""
    value = os.environ.get(SOURCE_VAR)
    if value is None:
        return "native"
    source = value.strip().lower()
    if source not in LEAD_SOURCES:
        raise RawSourceError(f"{SOURCE_VAR} must be one of {', '.join(LEAD_SOURCES)}, got {value!r}")
    return source


def folder_setting(value: str, name: str, must_exist: bool = True) -> Path:
    """The folder a setting names. Blank is an error: it must never mean "no folder" (which
    used to load sample data without anyone asking for it)."""
    if not value.strip():
        raise RawSourceError(f"{name} is set but blank: give it the folder of your raw files, or unset it.")
    path = Path(value).expanduser().resolve()
    if must_exist and not path.is_dir():
        raise RawSourceError(f"{name} names a folder that does not exist: {path}")
    return path


def raw_dir() -> Path | None:
    """LEAD_SCORING_RAW_DIR as an existing folder, None when it is unset."""
    value = os.environ.get(RAW_DIR_VAR)
    return None if value is None else folder_setting(value, RAW_DIR_VAR)


DEFAULT_PENDING_MAX_AGE_DAYS = 7.0


def pending_max_age_days() -> float:
    return float(os.environ.get("LEAD_SCORING_PENDING_MAX_AGE_DAYS", DEFAULT_PENDING_MAX_AGE_DAYS))


def outbox_dir(warehouse: Path | None = None) -> Path:
    """LEAD_SCORING_OUTBOX_DIR, else outbox/ beside the warehouse file (`warehouse`, else
    LEAD_SCORING_DB's)."""
    value = os.environ.get("LEAD_SCORING_OUTBOX_DIR")
    if value is not None:
        if not value.strip():
            raise ValueError("LEAD_SCORING_OUTBOX_DIR is set but blank: name the outbox folder, or unset it for outbox/ beside the warehouse.")
        return Path(value).expanduser().resolve()
    return (warehouse or warehouse_path()).parent / "outbox"


DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 10.0


def webhook_timeout_seconds() -> float:
    seconds = float(os.environ.get("LEAD_SCORING_WEBHOOK_TIMEOUT_SECONDS", DEFAULT_WEBHOOK_TIMEOUT_SECONDS))
    if seconds <= 0:
        raise ValueError(f"LEAD_SCORING_WEBHOOK_TIMEOUT_SECONDS must be positive, got {seconds:g}")
    return seconds


def sample_dir() -> Path:
    """Where generated sample files are written: beside the warehouse, never in git."""
    return warehouse_path().parent / "sample_raw"


@dataclass(frozen=True)
class SampleSettings:
    """The sample data to generate; the defaults are also those of `lead-scoring generate`."""

    end_date: dt.date
    leads: int = 5_000
    days: int = 365
    seed: int = 42

    @classmethod
    def from_env(cls) -> SampleSettings:
        end = os.environ.get("LEAD_SCORING_SAMPLE_END_DATE")
        return cls(
            leads=int(os.environ.get("LEAD_SCORING_SAMPLE_LEADS", cls.leads)),
            days=int(os.environ.get("LEAD_SCORING_SAMPLE_DAYS", cls.days)),
            seed=int(os.environ.get("LEAD_SCORING_SAMPLE_SEED", cls.seed)),
            end_date=dt.date.fromisoformat(end) if end else dt.datetime.now(dt.timezone.utc).date(),
        )
