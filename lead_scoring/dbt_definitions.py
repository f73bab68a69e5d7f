"""Definitions the dbt project holds and Python reads, so that each has one home.

raw contract   models/staging/raw/_raw__sources.yml: the raw tables (RAW_TABLES, in contract order;
               the loader loads them in that order, leads first) and their columns (load_contract).
score bands    macros/funnel/score_bands.sql: the bands from lowest to highest (SCORE_BANDS), as the
               macro score_bands() returns them to the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from lead_scoring.dbt_docs import render_doc_refs
from lead_scoring.settings import DBT_PROJECT_DIR

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "raw" / "_raw__sources.yml"
SCORE_BANDS_SQL = DBT_PROJECT_DIR / "macros" / "funnel" / "score_bands.sql"
# How the contract's logical types are stored in DuckDB.
DUCKDB_TYPES = {
    "string": "varchar",
    "integer": "integer",
    "float": "double",
    "boolean": "boolean",
    "timestamp": "timestamptz",
}


@dataclass(frozen=True)
class ContractColumn:
    name: str
    logical_type: str
    required: bool
    description: str
    # Other names a landing file may give the column (meta.aliases: the headers of tools' exports).
    aliases: tuple[str, ...] = ()

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.logical_type]


def load_contract(path: Path = SOURCES_YML) -> dict[str, list[ContractColumn]]:
    """{table: [ContractColumn, ...]} for the raw source, in contract order."""
    spec = yaml.safe_load(path.read_text())
    (source,) = [s for s in spec["sources"] if s["name"] == "raw"]
    return {
        table["name"]: [
            ContractColumn(
                name=col["name"],
                logical_type=col["data_type"],
                required=bool((col.get("meta") or {}).get("required", False)),
                description=render_doc_refs(col.get("description", "")),
                aliases=tuple((col.get("meta") or {}).get("aliases", ())),
            )
            for col in table["columns"]
        ]
        for table in source["tables"]
    }


def macro_return_value(path: Path, macro: str):
    """What a dbt macro without arguments passes to `return(...)`, rendered with Jinja as dbt does
    (for macros that only hold a constant, such as a list of names)."""
    returned = []
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    environment.globals["return"] = returned.append
    template = environment.from_string(path.read_text())
    if not hasattr(template.module, macro):
        raise ValueError(f"{path.name} defines no macro {macro}()")
    getattr(template.module, macro)()
    if len(returned) != 1:
        raise ValueError(f"macro {macro}() in {path.name} must return one value, returned {len(returned)}")
    return returned[0]


RAW_TABLES: tuple[str, ...] = tuple(load_contract())
SCORE_BANDS: tuple[str, ...] = tuple(macro_return_value(SCORE_BANDS_SQL, "score_bands"))


def crm_source_tables(crm: str) -> tuple[tuple[str, str], ...]:
    """The (source, table) pairs the dbt sources of CRM `crm` read
    (models/staging/<crm>/_<crm>__sources.yml): the CRM's own source, and any other one its
    models read (Salesforce: pardot)."""
    path = DBT_PROJECT_DIR / "models" / "staging" / crm / f"_{crm}__sources.yml"
    return tuple((source["name"], table["name"]) for source in yaml.safe_load(path.read_text())["sources"]
                 for table in source["tables"])
