"""The CRM sources on PostgreSQL: the hand-made HubSpot and Salesforce (with Pardot) examples of
tests/integration/test_crm_sources.py, created in DuckDB from the same SQL, copied with their
column types into PostgreSQL's schemas hubspot, salesforce and pardot (the raw loader's copy,
lead_scoring.ingest.postgres.copy_tables), built with `dbt build` (LEAD_SCORING_TARGET=postgres),
give the staged events, leads and opportunities, scores and stages worked out by hand there
(helpers.CRM_EXPECTED; the arithmetic is in that module's docstrings).

Salesforce is built in both column styles. Airbyte lands the API names as they are ("CreatedDate",
"Budget_Confirmed__c"), quoted, and PostgreSQL, unlike DuckDB, tells quoted names apart by case:
the build proves the models quote them. HubSpot's web analytics table (Airbyte's) has camel-case
columns too ("objectId", "occurredAt").

Skipped when the PostgreSQL server programs are missing, except in CI (CI set), where that fails.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import pytest

from helpers import CRM_EXPECTED, PostgresServer, crm_build_vars, crm_results, dbt, write_crm_fixture
from lead_scoring.ingest.postgres import copy_tables

# (source, Salesforce column style): one database and one build each.
BUILDS = [("hubspot", "fivetran"), ("salesforce", "fivetran"), ("salesforce", "airbyte")]


def build_on_postgres(server: PostgresServer, folder: Path, source: str, column_style: str) -> str:
    """The CRM's fixture copied into a new database and built there; returns the database's name."""
    database = f"crm_{source}_{column_style}"
    server.create_database(database)
    with duckdb.connect() as duck, contextlib.closing(server.connect(database)) as pg:
        for schema, tables in write_crm_fixture(duck, source, column_style).items():
            copy_tables(duck, pg, schema, tables)
    result = dbt(
        ["build", "--exclude-resource-type", "unit_test", "--target-path", str(folder / "target"), "--vars", crm_build_vars(source, column_style)],
        folder / "unused.duckdb",
        extra_env=server.env(database),
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    return database


@pytest.fixture(scope="module", params=BUILDS, ids=[f"{source}-{style}" for source, style in BUILDS])
def crm_postgres_results(request, postgres_server, tmp_path_factory) -> tuple[str, dict[str, list]]:
    """(source, what crm_results reads) of the CRM's fixture built on PostgreSQL."""
    source, column_style = request.param
    database = build_on_postgres(postgres_server, tmp_path_factory.mktemp(f"crm_{source}_{column_style}"), source, column_style)
    with contextlib.closing(postgres_server.connect(database)) as pg:

        def fetch(sql: str) -> list[tuple]:
            with pg.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()

        return source, crm_results(fetch, source)


def test_copy_keeps_the_column_names_and_types(postgres_server, tmp_path):
    """Quoted camel-case names stay as they are; timestamps, booleans, dates, whole and decimal
    numbers keep their types."""
    postgres_server.create_database("crm_copy")
    with duckdb.connect() as duck, contextlib.closing(postgres_server.connect("crm_copy")) as pg:
        write_crm_fixture(duck, "salesforce", "airbyte")
        counts = copy_tables(duck, pg, "salesforce", ("opportunity",))
        with pg.cursor() as cur:
            cur.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'salesforce' and table_name = 'opportunity' order by ordinal_position"
            )
            columns = cur.fetchall()
            cur.execute('select "Amount", "CloseDate", "IsWon" from salesforce.opportunity order by "Id"')
            rows = cur.fetchall()
    assert counts == {"opportunity": 2}
    assert columns == [
        ("Id", "text"),
        ("AccountId", "text"),
        ("StageName", "text"),
        ("Amount", "numeric"),
        ("CurrencyIsoCode", "text"),
        ("CreatedDate", "timestamp without time zone"),
        ("CloseDate", "date"),
        ("IsClosed", "boolean"),
        ("IsWon", "boolean"),
        ("IsDeleted", "boolean"),
    ]
    assert [(float(amount), close.isoformat(), won) for amount, close, won in rows] == [(12000.0, "2026-06-30", False), (500.0, "2026-03-25", True)]


@pytest.mark.parametrize("check", ["events", "leads", "opportunities", "dim_leads", "stages"])
def test_crm_fixture_on_postgres_gives_the_rows_worked_out_by_hand(crm_postgres_results, check):
    source, found = crm_postgres_results
    assert found[check] == CRM_EXPECTED[source][check]
