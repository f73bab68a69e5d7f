"""CRM sources (docs/crm-sources.md): the HubSpot tables as a connector lands them give the scores
and stages worked out by hand on a small hand-made example, and the sample data written in the
HubSpot shape gives the same scores and stages as the same people in the native shape."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from helpers import SAMPLE_END, dbt, query

AS_OF = "2026-03-31"

# Two contacts and one deleted one, in Fivetran's table shapes (web analytics as Airbyte lands it).
# Anna (contact 101) works for company 9001; Ben (102) has no company record, his contact carries
# the company facts. Noise that must not count: a note, a delivered email, a deleted contact (and
# its call).
HUBSPOT_FIXTURE = {
    "company": """
        select * from (values (9001, 'Acme Software GmbH', 'https://www.Acme.io/', 250, 'SOFTWARE', false))
            as t(id, property_name, property_domain, property_numberofemployees, property_industry, is_deleted)
    """,
    "contact": """
        select * from (values
            (101, 'Anna.Schmidt@acme.io', 'Anna', 'Schmidt', 'Acme', null, null, null, 'Head of Marketing', 'DE',
             'ORGANIC_SEARCH', 'spring-launch', 9001, timestamp '2026-03-01 10:00:00', timestamp '2026-03-20 10:00:00', false),
            (102, ' BEN@TinyShop.com ', 'Ben', 'Berg', 'Tiny Shop', 'tinyshop.com', 5, 'retail', 'Student assistant', 'US',
             'PAID_SOCIAL', null, null, timestamp '2026-03-10 08:00:00', null, false),
            (103, 'gone@example.com', 'Gone', 'Away', null, null, null, null, null, null,
             null, null, null, timestamp '2026-03-05 08:00:00', null, true)
        ) as t(id, property_email, property_firstname, property_lastname, property_company, property_website,
               property_numemployees, property_industry, property_jobtitle, property_hs_country_region_code,
               property_hs_analytics_source, property_hs_analytics_first_touch_converting_campaign,
               property_associatedcompanyid, property_createdate, property_lastmodifieddate, _fivetran_deleted)
    """,
    "deal": """
        select * from (values (5001, 'discovery', 12000.0, 'EUR', timestamp '2026-03-31 12:00:00', null, false))
            as t(deal_id, deal_pipeline_stage_id, property_amount, property_deal_currency_code,
                 property_createdate, property_closedate, is_deleted)
    """,
    "deal_contact": "select * from (values (5001, 101)) as t(deal_id, contact_id)",
    "deal_pipeline_stage": """
        select * from (values ('discovery', 'Discovery', false, false), ('closedwon', 'Closed won', true, true))
            as t(stage_id, label, is_closed, closed_won)
    """,
    "engagement": """
        select * from (values
            (7001, 'CALL', 'owner-1', timestamp '2026-03-31 08:00:00', true),
            (7002, 'NOTE', 'owner-1', timestamp '2026-03-31 08:05:00', true)
        ) as t(id, type, owner_id, timestamp, active)
    """,
    "engagement_contact": "select * from (values (7001, 101), (7001, 102), (7001, 103), (7002, 101)) as t(engagement_id, contact_id)",
    "contact_property_history": """
        select * from (values
            (101, 'hs_lead_status', 'IN_PROGRESS', timestamp '2026-03-31 10:00:00', 'owner-1'),
            (101, 'budget_confirmed', 'true', timestamp '2026-03-31 11:00:00', 'owner-1'),
            (101, 'is_decision_maker', 'true', timestamp '2026-03-31 11:00:00', 'owner-1'),
            (102, 'hs_lead_status', 'UNQUALIFIED', timestamp '2026-03-31 09:00:00', 'owner-2'),
            (102, 'lead_status_reason', 'student', timestamp '2026-03-31 09:00:00', 'owner-2')
        ) as t(contact_id, name, value, timestamp, source_id)
    """,
    "email_campaign": "select * from (values (61, 'Product')) as t(id, name)",
    "email_event": """
        select * from (values
            (1, 'OPEN', timestamp '2026-03-29 07:00:00', 'ben@tinyshop.com', 61),
            (2, 'OPEN', timestamp '2026-03-30 07:10:00', 'Ben@TinyShop.com', 61),
            (3, 'OPEN', timestamp '2026-03-31 07:20:00', 'ben@tinyshop.com', 61),
            (4, 'DELIVERED', timestamp '2026-03-31 06:59:00', 'ben@tinyshop.com', 61),
            (5, 'STATUSCHANGE', timestamp '2026-03-31 07:30:00', 'ben@tinyshop.com', 61)
        ) as t(id, type, created, recipient, email_campaign_id)
    """,
    "form": "select * from (values ('f-7c1a', 'demo_request')) as t(guid, name)",
    "contact_form_submission": """
        select * from (values (101, 'f-7c1a', 'conv-1', timestamp '2026-03-31 09:30:00'))
            as t(contact_id, form_id, conversion_id, timestamp)
    """,
    "contacts_web_analytics": """
        select * from (values
            ('w1', 101, 'CONTACT', 'e_visited_page', timestamp '2026-03-31 09:00:00',
             'https://www.example-vendor.com/pricing?utm_source=ads', null)
        ) as t(id, objectId, objectType, eventType, occurredAt, properties_hs_url, properties_hs_asset_type)
    """,
}


def build(db_path: Path, as_of: str, source: str) -> None:
    result = dbt(["build", "--exclude-resource-type", "unit_test", "--target-path", str(db_path.parent / "target"),
                  "--vars", f"{{lead_scoring_source: {source}, scoring_as_of_date: '{as_of}'}}"], db_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def hubspot_fixture_warehouse(tmp_path_factory) -> Path:
    db_path = tmp_path_factory.mktemp("hubspot_fixture") / "lead_scoring.duckdb"
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema hubspot")
        for table, sql in HUBSPOT_FIXTURE.items():
            con.execute(f"create table hubspot.{table} as {sql}")
    build(db_path, AS_OF, "hubspot")
    return db_path


def test_hubspot_activity_becomes_the_canonical_events(hubspot_fixture_warehouse):
    events = query(hubspot_fixture_warehouse, """
        select lead_id, event_type, strftime(occurred_at, '%H:%M'), coalesce(page_url, form_id, newsletter, reason, sales_owner, ''),
            budget_confirmed, is_decision_maker
        from staging.stg_raw__events order by lead_id, occurred_at, event_type
    """)
    assert events == [
        ("101", "sales_call_attempt", "08:00", "owner-1", None, None),
        ("101", "page_view", "09:00", "/pricing", None, None),
        ("101", "form_submit", "09:30", "demo_request", None, None),
        ("101", "sales_accepted", "10:00", "owner-1", None, None),
        ("101", "qualification_update", "11:00", "owner-1", True, True),
        ("102", "email_open", "07:00", "product", None, None),
        ("102", "email_open", "07:10", "product", None, None),
        ("102", "email_open", "07:20", "product", None, None),
        ("102", "email_unsubscribe", "07:30", "product", None, None),
        ("102", "sales_call_attempt", "08:00", "owner-1", None, None),
        ("102", "disqualified", "09:00", "student", None, None),
    ]


def test_hubspot_contacts_and_deals_become_leads_and_opportunities(hubspot_fixture_warehouse):
    assert query(hubspot_fixture_warehouse, """
        select lead_id, email, company_name, company_domain, company_size, industry, country_code, lead_source,
            crm_account_id, crm_account_name
        from staging.stg_raw__leads order by lead_id
    """) == [
        ("101", "anna.schmidt@acme.io", "Acme Software GmbH", "acme.io", 250, "software", "DE", "organic_search",
         "9001", "Acme Software GmbH"),
        ("102", "ben@tinyshop.com", "Tiny Shop", "tinyshop.com", 5, "retail", "US", "paid_social", None, None),
    ]
    assert query(hubspot_fixture_warehouse, """
        select opportunity_id, lead_id, account_name, stage, amount, currency, is_closed, closed_at
        from staging.stg_raw__opportunities
    """) == [("5001", "101", "Acme Software GmbH", "discovery", 12000.0, "EUR", False, None)]


def test_hubspot_fixture_scores_and_stages_as_worked_out_by_hand(hubspot_fixture_warehouse):
    """hybrid_v1 (MQL at 70). Anna: fit 15 (250 employees) + 5 (software) + 10 (head of) + 5 (DE)
    = 35; engagement on the scoring day itself, so no decay: pricing page 20 + demo request 30 = 50;
    total 85, an MQL at the demo request (35 + 20 = 55 before it), then accepted, qualified (budget
    and decision maker) and an open deal: opportunity. Ben: fit -10 (5 employees) - 20 (student) =
    -30; product newsletter opens on three days (one a day counts) 15, the unsubscribe -10: engagement 5, total -25; marked
    UNQUALIFIED with reason student: disqualified."""
    rows = query(hubspot_fixture_warehouse, """
        select lead_id, fit_score, round(engagement_score, 6), round(total_score, 6), current_stage,
            strftime(first_mql_at, '%Y-%m-%d %H:%M'), disqualification_reason
        from marts.dim_leads order by lead_id
    """)
    assert rows == [
        ("101", 35, 50.0, 85.0, "opportunity", "2026-03-31 09:30", None),
        ("102", -30, 5.0, -25.0, "disqualified", None, "student"),
    ]
    stages = query(hubspot_fixture_warehouse, """
        select lead_id, list(to_stage order by transition_number)
        from marts.fct_lead_stage_transitions where model_id = 'hybrid_v1'
        group by lead_id order by lead_id
    """)
    assert stages == [("101", ["lead", "mql", "sal", "sql", "opportunity"]), ("102", ["lead", "disqualified"])]


def test_sample_data_in_the_hubspot_shape_scores_as_the_native_shape(built_warehouse, sample_raw_dir, tmp_path):
    """The session's sample (native files, loaded and built in built_warehouse) written as HubSpot
    tables and built with lead_scoring_source hubspot: the same scores, score history, MQL episodes
    and stages, lead by lead (a contact's id is the number in the native lead id)."""
    from lead_scoring.crm_shapes import write_shape

    db_path = tmp_path / "lead_scoring.duckdb"
    with duckdb.connect(str(db_path)) as con:
        write_shape(con, "hubspot", sample_raw_dir)
    build(db_path, SAMPLE_END.isoformat(), "hubspot")
    with duckdb.connect() as con:
        con.execute(f"attach '{built_warehouse}' as native (read_only)")
        con.execute(f"attach '{db_path}' as crm (read_only)")
        for table in ("dim_leads", "fct_lead_scores", "fct_lead_mql_episodes", "fct_lead_stage_transitions"):
            # source_id names the CRM record a stage comes from: another id by construction.
            columns = [c for c in con.execute(f"describe native.marts.{table}").fetchall() if c[0] != "source_id"]
            native = ", ".join(f"round({c}, 6)" if t in ("DOUBLE", "FLOAT") else c for c, t, *_ in columns)
            crm = ", ".join(
                f"round({c}, 6)" if t in ("DOUBLE", "FLOAT") else ("'L' || lpad(lead_id, 8, '0')" if c == "lead_id" else c)
                for c, t, *_ in columns)
            total = con.execute(f"select count(*) from native.marts.{table}").fetchone()[0]
            only_native = con.execute(f"select count(*) from (select {native} from native.marts.{table} "
                                      f"except all select {crm} from crm.marts.{table})").fetchone()[0]
            only_crm = con.execute(f"select count(*) from (select {crm} from crm.marts.{table} "
                                   f"except all select {native} from native.marts.{table})").fetchone()[0]
            assert (table, total > 0, only_native, only_crm) == (table, True, 0, 0)
