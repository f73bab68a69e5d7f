"""Tests of the raw sample-data generator (lead_scoring/sample_data.py), at small scale."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from lead_scoring import sample_data
from lead_scoring.sample_data import generate, main

END_DATE = dt.date(2025, 6, 30)
END_OF_DAY = "2025-06-30 23:59:59+00"

LEAD_COLUMNS = [
    ("lead_id", "VARCHAR"), ("email", "VARCHAR"), ("first_name", "VARCHAR"),
    ("last_name", "VARCHAR"), ("company_name", "VARCHAR"), ("company_domain", "VARCHAR"),
    ("company_size", "INTEGER"), ("industry", "VARCHAR"), ("job_title", "VARCHAR"),
    ("country", "VARCHAR"), ("lead_source", "VARCHAR"), ("campaign", "VARCHAR"),
    ("created_at", "TIMESTAMP WITH TIME ZONE"), ("updated_at", "TIMESTAMP WITH TIME ZONE"),
]
EVENT_COLUMNS = [
    ("event_id", "VARCHAR"), ("lead_id", "VARCHAR"), ("event_type", "VARCHAR"),
    ("occurred_at", "TIMESTAMP WITH TIME ZONE"), ("source_system", "VARCHAR"),
    ("properties", "VARCHAR"), ("received_at", "TIMESTAMP WITH TIME ZONE"),
]
OPPORTUNITY_COLUMNS = [
    ("opportunity_id", "VARCHAR"), ("lead_id", "VARCHAR"), ("account", "VARCHAR"),
    ("created_at", "TIMESTAMP WITH TIME ZONE"), ("stage", "VARCHAR"), ("amount", "DOUBLE"),
    ("currency", "VARCHAR"), ("closed_at", "TIMESTAMP WITH TIME ZONE"), ("is_won", "BOOLEAN"),
]
VISIT_COLUMNS = [
    ("visit_id", "VARCHAR"), ("source_tool", "VARCHAR"), ("company_name", "VARCHAR"),
    ("company_domain", "VARCHAR"), ("page_url", "VARCHAR"), ("visited_at", "TIMESTAMP WITH TIME ZONE"),
]
# The domain as staging compares it (normalize_domain): no scheme, no www., lower case.
DOMAIN = "lower(regexp_replace(company_domain, '^(https?://)?(www\\.)?', '', 'i'))"

SOURCE_SYSTEM = {
    "page_view": "web", "content_download": "web", "email_open": "email", "email_click": "email",
    "email_unsubscribe": "email", "webinar_registration": "webinar", "webinar_attended": "webinar",
    "form_submit": "form", "ad_click": "ads", "sales_call_attempt": "crm",
    "sales_email_attempt": "crm", "sales_meeting": "crm", "sales_accepted": "crm",
    "sales_rejected": "crm", "qualification_update": "crm", "disqualified": "crm",
}
PROPERTY_KEYS = {
    "page_view": {"page_url"}, "content_download": {"content_id", "content_type"},
    "email_open": {"email_id", "newsletter"}, "email_click": {"email_id", "newsletter", "link_url"},
    "email_unsubscribe": {"newsletter"}, "webinar_registration": {"webinar_id"},
    "webinar_attended": {"webinar_id", "minutes_watched"}, "form_submit": {"form_id"},
    "ad_click": {"ad_platform", "ad_id"}, "sales_call_attempt": {"owner", "outcome"},
    "sales_email_attempt": {"owner"}, "sales_meeting": {"owner"}, "sales_accepted": {"owner"},
    "sales_rejected": {"owner", "reason"},
    "qualification_update": {"owner", "budget_confirmed", "is_decision_maker"},
    "disqualified": {"owner", "reason"},
}
INDUSTRIES = {"software", "financial_services", "manufacturing", "healthcare", "retail",
              "professional_services", "education", "public_sector", "logistics", "energy"}
COUNTRIES = {"DE", "AT", "CH", "US", "GB", "FR", "NL", "PL", "IT", "ES", "SE"}
CHANNELS = {"organic_search", "paid_search", "paid_social", "webinar", "content_syndication",
            "referral", "trade_show", "direct"}
SENIOR = "CEO|CFO|CTO|COO|Chief|VP|Head|Director"


def _connect(path, fmt="parquet"):
    """In-memory DuckDB with one view per generated table."""
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    for table in sample_data.TABLES:
        con.execute(f"create view {table} as select * from {reader}('{path}/{table}/*.{fmt}')")
    return con


def _value(con, sql):
    return con.execute(sql).fetchone()[0]


def _sorted_rows(con, table):
    return con.execute(f"select * from {table} order by all").fetchall()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """One medium-small data set shared by the shape and rate tests."""
    path = tmp_path_factory.mktemp("sample")
    counts = generate(path, n_leads=20_000, seed=7, end_date=END_DATE)
    return path, counts, _connect(path)


# ---------------------------------------------------------------- shape

def test_files_and_row_counts(data):
    path, counts, con = data
    assert set(counts) == {"leads", "events", "opportunities", "company_visits"}
    for table in sample_data.TABLES:
        assert sorted(p.name for p in (path / table).iterdir()) == ["part-00000.parquet"]
        assert _value(con, f"select count(*) from {table}") == counts[table]
    assert counts["leads"] == 20_000
    assert 12 <= counts["events"] / counts["leads"] <= 30  # ~20 events per lead
    assert 0 < counts["opportunities"] < counts["leads"] * 0.1
    assert 1 <= counts["company_visits"] / counts["leads"] <= 4


@pytest.mark.parametrize("table, columns", [("leads", LEAD_COLUMNS), ("events", EVENT_COLUMNS),
                                            ("opportunities", OPPORTUNITY_COLUMNS),
                                            ("company_visits", VISIT_COLUMNS)])
def test_columns_and_types(data, table, columns):
    _, _, con = data
    described = con.execute(f"describe {table}").fetchall()
    assert [(row[0], row[1]) for row in described] == columns


def test_ids(data):
    _, _, con = data
    assert _value(con, """select count(*) from leads
        where lead_id is null or not regexp_full_match(lead_id, 'L[0-9]{8}')""") == 0
    assert _value(con, "select count(*) - count(distinct lead_id) from leads") == 0
    assert _value(con, """select count(*) from events
        where event_id is null or lead_id is null or not regexp_full_match(event_id, 'E[0-9]{10}')""") == 0
    assert _value(con, """select count(*) from opportunities
        where opportunity_id is null or lead_id is null
           or not regexp_full_match(opportunity_id, 'O[0-9]{8}')""") == 0
    assert _value(con, "select count(*) - count(distinct opportunity_id) from opportunities") == 0


def test_duplicate_events_are_identical_but_for_received_at(data):
    _, _, con = data
    duplicated_ids = _value(con, "select count(*) - count(distinct event_id) from events")
    assert duplicated_ids > 0
    assert _value(con, """
        select count(*) from (
            select event_id from events
            group by event_id
            having count(distinct (lead_id, event_type, occurred_at, source_system, properties)) > 1
        )""") == 0


def test_foreign_keys(data):
    _, _, con = data
    assert _value(con, "select count(*) from events anti join leads using (lead_id)") == 0
    assert _value(con, "select count(*) from opportunities anti join leads using (lead_id)") == 0


def test_timestamps_are_consistent(data):
    _, _, con = data
    assert _value(con, f"""select count(*) from leads
        where created_at is null or updated_at < created_at or updated_at > '{END_OF_DAY}'""") == 0
    assert _value(con, f"""select count(*) from events join leads using (lead_id)
        where occurred_at < created_at or received_at < occurred_at
           or received_at > '{END_OF_DAY}'""") == 0
    assert _value(con, f"""select count(*) from opportunities as o join leads as l using (lead_id)
        where o.created_at < l.created_at or o.closed_at < o.created_at
           or o.closed_at > '{END_OF_DAY}' or o.created_at > '{END_OF_DAY}'""") == 0
    first_day = _value(con, "select min(created_at) from leads")
    assert first_day >= dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)
    # mild growth: more leads in the second half of the history than in the first
    assert _value(con, """select count(*) filter (where created_at >= '2025-01-01')
                                 > count(*) filter (where created_at < '2025-01-01') from leads""")


def test_vocabulary(data):
    _, _, con = data
    assert {r[0] for r in con.execute("select distinct industry from leads").fetchall()} == INDUSTRIES
    assert {r[0] for r in con.execute("select distinct country from leads").fetchall()} == COUNTRIES
    assert {r[0] for r in con.execute("select distinct lead_source from leads").fetchall()} == CHANNELS
    campaigns = con.execute("select distinct lead_source, campaign from leads").fetchall()
    assert all(campaign.startswith(channel + "_") for channel, campaign in campaigns)
    for channel in CHANNELS:
        assert 2 <= sum(1 for c, _ in campaigns if c == channel) <= 4
    assert _value(con, "select min(company_size) >= 1 and max(company_size) <= 100000 from leads")
    assert 40 <= _value(con, "select median(company_size) from leads") <= 150
    pairs = dict(con.execute("select distinct event_type, source_system from events").fetchall())
    assert pairs == SOURCE_SYSTEM
    assert {r[0] for r in con.execute("select distinct stage from opportunities").fetchall()} <= {
        "discovery", "proposal", "negotiation", "closed_won", "closed_lost"}
    assert {r[0] for r in con.execute("select distinct currency from opportunities").fetchall()} <= {
        "EUR", "USD"}


def test_event_properties_are_json_with_expected_keys(data):
    _, _, con = data
    rows = con.execute("""
        select event_type, properties from events
        qualify row_number() over (partition by event_type order by event_id) <= 200
    """).fetchall()
    for event_type, properties in rows:
        parsed = json.loads(properties)
        assert set(parsed) == PROPERTY_KEYS[event_type], (event_type, properties)
        if event_type == "qualification_update":
            assert isinstance(parsed["budget_confirmed"], bool)
            assert isinstance(parsed["is_decision_maker"], bool)
        if "owner" in parsed:
            assert parsed["owner"] in {f"rep_{i:02d}" for i in range(1, 13)}
        if event_type == "webinar_attended":
            assert isinstance(parsed["minutes_watched"], int)
    assert _value(con, "select count(*) from events where not json_valid(properties)") == 0


def test_opportunity_fields(data):
    _, _, con = data
    assert _value(con, "select count(*) from opportunities where not (amount > 0)") == 0
    assert _value(con, """select count(*) from opportunities where
        (stage = 'closed_won' and is_won is distinct from true)
        or (stage = 'closed_lost' and is_won is distinct from false)
        or (stage not like 'closed%' and (is_won is not null or closed_at is not null))
        or (stage like 'closed%' and closed_at is null)""") == 0
    assert 10_000 <= _value(con, "select median(amount) from opportunities") <= 40_000
    assert _value(con, "select avg((currency = 'EUR')::int) from opportunities") > 0.6


# ---------------------------------------------------------------- rates

def test_sales_acceptance_rate(data):
    _, _, con = data
    share = _value(con, """select count(distinct lead_id) filter (where event_type = 'sales_accepted')
                                  / (select count(*) from leads) from events""")
    assert 0.02 <= share <= 0.30
    rejected = _value(con, "select count(*) from events where event_type = 'sales_rejected'")
    accepted = _value(con, "select count(*) from events where event_type = 'sales_accepted'")
    assert 0.5 <= accepted / (accepted + rejected) <= 0.8


def test_won_fewer_than_opportunities(data):
    _, _, con = data
    won, closed, total = con.execute("""select count(*) filter (where is_won),
        count(*) filter (where stage like 'closed%'), count(*) from opportunities""").fetchone()
    assert 0 < won < closed <= total
    assert 0.15 <= won / closed <= 0.45


def test_high_fit_leads_convert_more(data):
    _, _, con = data
    rates = dict(con.execute(f"""
        select company_size > 100 and regexp_matches(job_title, '{SENIOR}') as high_fit,
               avg((lead_id in (select lead_id from opportunities))::int)
        from leads group by all
    """).fetchall())
    assert rates[True] > 2 * rates[False]


def test_intent_shows_in_behaviour(data):
    """Leads that reach an opportunity view /pricing far more often than the rest."""
    _, _, con = data
    rates = dict(con.execute("""
        with pricing as (
            select distinct lead_id from events
            where event_type = 'page_view' and properties like '%"/pricing"%'
        )
        select lead_id in (select lead_id from opportunities) as has_opportunity,
               avg((lead_id in (select lead_id from pricing))::int)
        from leads group by all
    """).fetchall())
    assert rates[True] > 1.5 * rates[False]


def test_skipped_stage_opportunities_exist(data):
    _, _, con = data
    skipped = _value(con, """select avg((lead_id not in (
        select lead_id from events where event_type = 'sales_accepted'))::int) from opportunities""")
    assert 0 < skipped <= 0.1


def test_data_quality_quirks(data):
    _, _, con = data
    assert _value(con, "select count(*) from events where received_at - occurred_at > interval 2 days") > 0
    late = _value(con, """select avg((received_at - occurred_at > interval 2 days)::int) from events""")
    assert late < 0.02
    assert _value(con, "select count(*) from leads where email <> lower(trim(email))") > 0
    assert _value(con, """select count(*) from leads
        where company_domain ilike '%www.%' or company_domain like 'http%'""") > 0
    assert _value(con, "select count(*) from leads where updated_at > created_at") > 0


# ---------------------------------------------------------------- determinism and interface

def test_colleagues_share_their_company(data):
    """About COLLEAGUE_SHARE of leads join an earlier lead's company: a company with several leads
    has one name, size, industry and country."""
    _, counts, con = data
    companies, leads_at_shared = con.execute(f"""
        select count(*), sum(case when leads > 1 then leads else 0 end)
        from (select {DOMAIN} as domain, count(*) as leads from leads group by 1)""").fetchone()
    assert 0.2 <= leads_at_shared / counts["leads"] <= 0.5
    assert companies < counts["leads"] * 0.85
    assert _value(con, f"""select count(*) from (
        select {DOMAIN} from leads group by 1
        having count(distinct (company_name, company_size, industry, country)) > 1)""") == 0


def test_company_visits(data):
    """Visits of leads' companies (often before their first lead) and of companies without a lead,
    in the sample's window, with the domain and page spelled in several ways."""
    _, _, con = data
    assert _value(con, "select count(*) - count(distinct visit_id) from company_visits") == 0
    assert _value(con, f"select min(visited_at) >= timestamptz '{END_OF_DAY}' - interval 365 days and "
                       f"max(visited_at) <= timestamptz '{END_OF_DAY}' from company_visits")
    assert _value(con, "select count(*) from company_visits where source_tool not in ('leadfeeder', 'albacross')") == 0
    lead_companies, before_first_lead, without_lead = con.execute(f"""
        with firsts as (select {DOMAIN} as domain, min(created_at) as first_lead_at from leads group by 1),
             visits as (select {DOMAIN} as domain, visited_at from company_visits)
        select count(distinct firsts.domain), count(distinct case when visited_at < first_lead_at then firsts.domain end),
            count(distinct case when firsts.domain is null then visits.domain end)
        from visits left join firsts on firsts.domain = visits.domain""").fetchone()
    assert lead_companies > 0 and before_first_lead > lead_companies * 0.3 and without_lead > 0
    assert _value(con, "select count(*) from company_visits where company_domain like 'https://%'") > 0
    assert _value(con, "select count(*) from company_visits where page_url like 'https://%?utm_source=%'") > 0
    assert _value(con, "select count(*) from company_visits where page_url like '%/pricing%'") > 0


def test_deterministic_for_same_seed_and_different_for_other_seed(tmp_path):
    first = generate(tmp_path / "a", n_leads=1_500, seed=3, end_date=END_DATE)
    second = generate(tmp_path / "b", n_leads=1_500, seed=3, end_date=END_DATE)
    generate(tmp_path / "c", n_leads=1_500, seed=4, end_date=END_DATE)
    assert first == second
    a, b, c = (_connect(tmp_path / name) for name in "abc")
    for table in sample_data.TABLES:
        assert _sorted_rows(a, table) == _sorted_rows(b, table)
        assert _sorted_rows(a, table) != _sorted_rows(c, table)


def test_several_chunks(tmp_path, monkeypatch):
    """Ids stay unique and ordered across chunks; one part file per chunk."""
    monkeypatch.setattr(sample_data, "CHUNK_SIZE", 400)
    counts = generate(tmp_path, n_leads=1_000, seed=1, end_date=END_DATE)
    for table in sample_data.TABLES:
        assert sorted(p.name for p in (tmp_path / table).iterdir()) == [
            "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    con = _connect(tmp_path)
    assert counts["leads"] == _value(con, "select count(distinct lead_id) from leads") == 1_000
    assert _value(con, "select max(lead_id) from leads") == "L00001000"
    assert _value(con, "select count(distinct event_id) from events") == _value(
        con, "select max(event_id)[2:]::int from events")
    assert _value(con, "select count(distinct opportunity_id) from opportunities") == counts["opportunities"]
    # lead ids are handed out in creation order
    assert _value(con, """select count(*) from (
        select created_at < lag(created_at) over (order by lead_id) as out_of_order from leads
    ) where out_of_order""") == 0


def test_csv_matches_parquet(tmp_path):
    parquet = generate(tmp_path / "p", n_leads=300, seed=5, end_date=END_DATE)
    csv = generate(tmp_path / "c", n_leads=300, seed=5, end_date=END_DATE, fmt="csv")
    assert parquet == csv
    header = (tmp_path / "c" / "events" / "part-00000.csv").read_text().splitlines()[0]
    assert header == ",".join(name for name, _ in EVENT_COLUMNS)
    first_lead = (tmp_path / "c" / "leads" / "part-00000.csv").read_text().splitlines()[1]
    assert first_lead.endswith("Z")  # ISO-8601 timestamps in UTC
    p, c = _connect(tmp_path / "p"), _connect(tmp_path / "c", fmt="csv")
    compare = """select lead_id, event_id, event_type, properties,
                        strftime(occurred_at, '%Y-%m-%dT%H:%M:%S') as occurred,
                        strftime(received_at, '%Y-%m-%dT%H:%M:%S') as received
                 from events order by all"""
    assert p.execute(compare).fetchall() == c.execute(compare).fetchall()


def test_replaces_existing_files(tmp_path):
    stale = tmp_path / "leads" / "part-00007.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    generate(tmp_path, n_leads=100, seed=1, end_date=END_DATE)
    assert not stale.exists()


def test_default_end_date_is_today_utc(tmp_path):
    generate(tmp_path, n_leads=200, days=30, seed=2)
    con = _connect(tmp_path)
    today = dt.datetime.now(dt.timezone.utc).date()
    latest = _value(con, "select max(received_at) from events")
    assert latest.date() <= today
    assert _value(con, "select min(created_at) from leads").date() >= today - dt.timedelta(days=31)


def test_cli(tmp_path, capsys):
    main(["--out", str(tmp_path), "--leads", "200", "--days", "90", "--seed", "9",
          "--end-date", "2025-01-31", "--format", "csv"])
    printed = capsys.readouterr().out
    assert "leads: 200" in printed and "events: " in printed and "opportunities: " in printed
    assert (tmp_path / "events" / "part-00000.csv").exists()


@pytest.mark.parametrize("n_leads, days", [(10, 3), (200, 3)])
def test_a_tiny_sample_without_any_accepted_lead_is_written(tmp_path, n_leads, days):
    # Too few leads or days for sales to accept any: the qualification step gets no lead.
    counts = generate(tmp_path, n_leads=n_leads, days=days, seed=2, end_date=END_DATE)
    assert counts["leads"] == n_leads
    assert _value(_connect(tmp_path), "select count(*) from leads") == n_leads
