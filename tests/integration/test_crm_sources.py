"""CRM sources (docs/crm-sources.md): the HubSpot and the Salesforce tables as a connector lands them
give the scores and stages worked out by hand on small hand-made examples, and the sample data
written in either CRM's shape gives the same scores and stages as the same people in the native
shape."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from helpers import CRM_EXPECTED, SAMPLE_END, crm_build_vars, crm_results, dbt, query, write_crm_fixture

# The hand-made examples, their queries and expected rows are in helpers.py (CRM_EXPECTED), shared
# with tests/engines/test_postgres_crm.py.


def build(db_path: Path, dbt_vars: str) -> None:
    result = dbt(["build", "--exclude-resource-type", "unit_test", "--target-path", str(db_path.parent / "target"), "--vars", dbt_vars], db_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def fixture_warehouse(db_path: Path, source: str, column_style: str = "fivetran") -> Path:
    """The CRM's fixture (Salesforce's columns as `column_style` lands them), built on CRM_AS_OF."""
    with duckdb.connect(str(db_path)) as con:
        write_crm_fixture(con, source, column_style)
    build(db_path, crm_build_vars(source, column_style))
    return db_path


def results(db_path: Path, source: str) -> dict[str, list]:
    return crm_results(lambda sql: query(db_path, sql), source)


@pytest.fixture(scope="module")
def hubspot_fixture_warehouse(tmp_path_factory) -> Path:
    return fixture_warehouse(tmp_path_factory.mktemp("hubspot_fixture") / "lead_scoring.duckdb", "hubspot")


def test_hubspot_activity_becomes_the_canonical_events(hubspot_fixture_warehouse):
    assert results(hubspot_fixture_warehouse, "hubspot")["events"] == CRM_EXPECTED["hubspot"]["events"]


def test_hubspot_contacts_and_deals_become_leads_and_opportunities(hubspot_fixture_warehouse):
    found = results(hubspot_fixture_warehouse, "hubspot")
    assert found["leads"] == CRM_EXPECTED["hubspot"]["leads"]
    assert found["opportunities"] == CRM_EXPECTED["hubspot"]["opportunities"]


def test_hubspot_fixture_scores_and_stages_as_worked_out_by_hand(hubspot_fixture_warehouse):
    """hybrid_v1 (MQL at 70). Anna: fit 15 (250 employees) + 5 (software) + 10 (head of) + 5 (DE)
    = 35; engagement on the scoring day itself, so no decay: pricing page 20 + demo request 30 = 50;
    total 85, an MQL at the demo request (35 + 20 = 55 before it), then accepted, qualified (budget
    and decision maker) and an open deal: opportunity. Ben: fit -10 (5 employees) - 20 (student) =
    -30; product newsletter opens on three days (one a day counts) 15, the unsubscribe -10: engagement 5, total -25; marked
    UNQUALIFIED with reason student: disqualified."""
    found = results(hubspot_fixture_warehouse, "hubspot")
    assert found["dim_leads"] == CRM_EXPECTED["hubspot"]["dim_leads"]
    assert found["stages"] == CRM_EXPECTED["hubspot"]["stages"]


@pytest.fixture(scope="module")
def salesforce_fixture_warehouse(tmp_path_factory) -> Path:
    return fixture_warehouse(tmp_path_factory.mktemp("salesforce_fixture") / "lead_scoring.duckdb", "salesforce")


def test_salesforce_activity_becomes_the_canonical_events(salesforce_fixture_warehouse):
    """Anna's call named her Lead, her page view and demo request her prospect (synced with her
    Contact), her meeting her Contact: all hers. Ben's prospect has no CRM link and is matched by
    email; his plain task of Type Call is a call. Carla's webinar response counts on the day she
    first responded (a date: midnight)."""
    assert results(salesforce_fixture_warehouse, "salesforce")["events"] == CRM_EXPECTED["salesforce"]["events"]


def test_salesforce_leads_contacts_and_opportunities(salesforce_fixture_warehouse):
    """One lead per person: Anna's Lead and Contact are one lead under the Lead's id, with the
    Contact's title and her account's company facts; Ben's company facts are his Lead's own; Carla
    is a lead under her Contact's id; Anna's second Lead is a lead of its own, with the account's
    facts and none of the Contact's. The opportunity's primary contact role (Anna's Contact) wins
    over the earlier non-primary one (Carla); the deleted opportunity is left out."""
    found = results(salesforce_fixture_warehouse, "salesforce")
    assert found["leads"] == CRM_EXPECTED["salesforce"]["leads"]
    assert found["opportunities"] == CRM_EXPECTED["salesforce"]["opportunities"]


def test_salesforce_fixture_scores_and_stages_as_worked_out_by_hand(salesforce_fixture_warehouse):
    """hybrid_v1 (MQL at 70), as for the HubSpot fixture. Anna: fit 15 (250 employees) + 5
    (software) + 10 (head of, the Contact's title) + 5 (DE) = 35; engagement on the scoring day,
    no decay: pricing page 20 + demo request 30 = 50; total 85, an MQL at the demo request (55
    before it), then accepted, qualified and an open opportunity: opportunity. Ben: fit -10 (5
    employees) - 20 (student) = -30; three product opens on three days 15, unsubscribe -10:
    engagement 5, total -25; Unqualified with reason student: disqualified. Carla: fit 15 + 5
    (Acme's size and industry; engineer and FR score nothing) = 20; webinar attended on the
    scoring day 15; total 35, below 70: a lead. Anna's second Lead: fit 15 + 5 (Acme) = 20, no
    activity: total 20, a lead."""
    found = results(salesforce_fixture_warehouse, "salesforce")
    assert found["dim_leads"] == CRM_EXPECTED["salesforce"]["dim_leads"]
    assert found["stages"] == CRM_EXPECTED["salesforce"]["stages"]


def test_salesforce_airbyte_column_style_stages_the_same(salesforce_fixture_warehouse, tmp_path):
    """The same objects with Airbyte's column names (the API names, quoted) stage the same leads,
    events and opportunities."""
    airbyte = fixture_warehouse(tmp_path / "lead_scoring.duckdb", "salesforce", "airbyte")
    # staged_at says when each build staged the leads and events, not what they hold.
    for table, run_columns in (("stg_raw__leads", " exclude (staged_at)"), ("stg_raw__events", " exclude (staged_at)"), ("stg_raw__opportunities", "")):
        sql = f"select *{run_columns} from staging.{table} order by all"
        fivetran_rows = query(salesforce_fixture_warehouse, sql)
        assert fivetran_rows and query(airbyte, sql) == fivetran_rows, table


@pytest.mark.parametrize("shape", ["hubspot", "salesforce"])
def test_sample_data_in_a_crm_shape_scores_as_the_native_shape(built_warehouse, sample_raw_dir, tmp_path, shape):
    """The session's sample (native files, loaded and built in built_warehouse) written as the
    CRM's tables and built with lead_scoring_source set to the CRM: the same scores, score
    history, MQL episodes and stages, lead by lead. A lead's id ends in the number in the native
    lead id (HubSpot: the contact id is that number; Salesforce: the 18-character Lead or Contact
    Id ends in it, and converted leads keep the Lead's)."""
    from lead_scoring.crm_shapes import write_shape

    db_path = tmp_path / "lead_scoring.duckdb"
    with duckdb.connect(str(db_path)) as con:
        write_shape(con, shape, sample_raw_dir)
    build(db_path, f"{{lead_scoring_source: {shape}, scoring_as_of_date: '{SAMPLE_END.isoformat()}'}}")
    with duckdb.connect() as con:
        con.execute(f"attach '{built_warehouse}' as native (read_only)")
        con.execute(f"attach '{db_path}' as crm (read_only)")
        for table in ("dim_leads", "fct_lead_scores", "fct_lead_mql_episodes", "fct_lead_stage_transitions"):
            # source_id names the CRM record a stage comes from: another id by construction.
            columns = [c for c in con.execute(f"describe native.marts.{table}").fetchall() if c[0] != "source_id"]
            native = ", ".join(f"round({c}, 6)" if t in ("DOUBLE", "FLOAT") else c for c, t, *_ in columns)
            crm = ", ".join(
                f"round({c}, 6)" if t in ("DOUBLE", "FLOAT") else ("'L' || lpad(right(lead_id, 8), 8, '0')" if c == "lead_id" else c)
                for c, t, *_ in columns)
            total = con.execute(f"select count(*) from native.marts.{table}").fetchone()[0]
            only_native = con.execute(f"select count(*) from (select {native} from native.marts.{table} "
                                      f"except all select {crm} from crm.marts.{table})").fetchone()[0]
            only_crm = con.execute(f"select count(*) from (select {crm} from crm.marts.{table} "
                                   f"except all select {native} from native.marts.{table})").fetchone()[0]
            assert (table, total > 0, only_native, only_crm) == (table, True, 0, 0)
