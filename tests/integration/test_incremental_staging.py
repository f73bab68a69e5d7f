"""Events, leads and company visits are staged incrementally: a run parses only the event
deliveries it has not staged yet (models/staging/raw/stg_raw__events.sql,
macros/contract/raw_deliveries_to_stage.sql), restages only the leads whose raw rows changed
(models/staging/raw/stg_raw__leads.sql, macros raw_lead_rows_fingerprints and
delete_restaged_raw_leads), and restages only the visits at the times new or withdrawn visit
deliveries hold (models/staging/raw/stg_raw__company_visits.sql, macro
delete_replaced_company_visits).

Each test loads real landing files with the project's loader, runs the staging model with dbt, and
checks what a second and third run did. A staged row is marked between runs: a row that keeps its
mark was not staged again. Every end state equals a --full-refresh build of the same raw data."""

from __future__ import annotations

import duckdb
import pandas as pd

from helpers import EVENTS, LEADS, TABLES, dbt, load, query, write_folder

STAGED = "select event_id, event_type, source_system from staging.stg_raw__events order by event_id"
EVENT_COLUMNS = "event_id, lead_id, event_type, occurred_at, received_at, properties, content_length, source_file, load_id"
LEADS_STAGED = "select lead_id, company_size, campaign from staging.stg_raw__leads order by lead_id"
LEAD_COLUMNS = "lead_id, email, email_domain, company_size, created_at, updated_at, crm_account_id, raw_rows_fingerprint"


# Per staging model: what a build selects besides it (the event mapping seed is events staging's
# one input besides the raw table), its key and the column a test marks.
STAGING = {
    "stg_raw__events": (["event_type_mapping"], "event_id", "source_system"),
    "stg_raw__leads": ([], "lead_id", "campaign"),
    "stg_raw__company_visits": ([], "visit_id", "source_tool"),
}


def _stage(db, *extra: str, model: str = "stg_raw__events") -> None:
    inputs = STAGING[model][0]
    result = dbt(["build", "--select", *inputs, model, "--exclude", "resource_type:test", "resource_type:unit_test",
                  "--target-path", str(db.parent / "target"), *extra], db)
    assert result.returncode == 0, result.stdout[-4000:]


def _execute(db, *statements: str) -> None:
    """SQL on the warehouse, as another tool writing raw tables (or a test marking rows) would."""
    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def _mark(db, key: str, model: str = "stg_raw__events") -> None:
    _, key_column, marked_column = STAGING[model]
    _execute(db, f"update staging.{model} set {marked_column} = 'marked' where {key_column} = '{key}'")


def _deliver_event(raw, file_name: str, event_id: str, lead_id: str, event_type: str, occurred_at: str, page: str) -> None:
    """A new events file in the landing folder, as a day's export adds one."""
    pd.DataFrame({"event_id": [event_id], "lead_id": [lead_id], "event_type": [event_type], "occurred_at": [occurred_at],
                  "properties": [f'{{"page_url": "{page}"}}']}).to_csv(raw / "events" / file_name, index=False)


def _full_refresh_equals(db, model: str = "stg_raw__events", columns: str = EVENT_COLUMNS) -> None:
    """The staged rows equal a --full-refresh build's in `columns` (not the marked one, nor when or
    by which run a row was staged)."""
    key = STAGING[model][1]
    before = query(db, f"select {columns} from staging.{model} order by {key}")
    _stage(db, "--full-refresh", model=model)
    assert query(db, f"select {columns} from staging.{model} order by {key}") == before


def test_a_new_delivery_is_staged_alone_and_a_corrected_file_replaces_its_rows(tmp_path):
    raw = write_folder(tmp_path / "raw")
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, raw)
    _stage(db)
    assert [r[0] for r in query(db, STAGED)] == ["E1", "E2", "E3"]
    _mark(db, "E1")

    # Day 2: a new file with one event. Only it is staged; E1 keeps its mark.
    _deliver_event(raw, "part-00001.csv", "E4", "L2", "form_submit", "2026-01-09T10:00:00Z", "/pricing")
    load(db, raw)
    _stage(db)
    assert query(db, STAGED) == [("E1", "page_view", "marked"), ("E2", "content_download", None),
                                 ("E3", "email_open", None), ("E4", "form_submit", None)]
    (first_load, first_file), (second_load, second_file) = query(
        db, "select load_id, source_file from staging.stg_raw__events where event_id in ('E1', 'E4') order by event_id")
    assert first_load != second_load and (first_file, second_file) == ("events/part-00000.csv", "events/part-00001.csv")

    # Day 3: the first file is corrected (E2 withdrawn, E3's type fixed). Its rows are replaced;
    # the day-2 file is not touched (E4 keeps a mark set now).
    _mark(db, "E4")
    corrected = EVENTS[EVENTS.event_id != "E2"].copy()
    corrected.loc[corrected.event_id == "E3", "event_type"] = "email_click"
    corrected.to_csv(raw / "events" / "part-00000.csv", index=False)
    load(db, raw)
    _stage(db)
    assert query(db, STAGED) == [("E1", "page_view", None), ("E3", "email_click", None),
                                 ("E4", "form_submit", "marked")]
    _full_refresh_equals(db)


def test_events_that_wait_for_their_lead_are_staged_when_it_arrives(tmp_path):
    raw = write_folder(tmp_path / "raw")
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, raw)
    _stage(db)
    _mark(db, "E1")
    # An event of a lead that is not there yet waits in raw.load_rejects ...
    _deliver_event(raw, "part-00002.csv", "E5", "L3", "page_view", "2026-01-10T10:00:00Z", "/docs")
    load(db, raw)
    _stage(db)
    assert [r[0] for r in query(db, STAGED)] == ["E1", "E2", "E3"]
    # ... and is staged the day its lead arrives, without restaging the rest of its file's delivery.
    lead = pd.DataFrame({"lead_id": ["L3"], "email": ["cy@example.org"], "company_size": [40],
                         "created_at": ["2026-01-09T08:00:00Z"]})
    lead.to_csv(raw / "leads" / "part-00001.csv", index=False)
    load(db, raw)
    _stage(db)
    assert query(db, STAGED)[0] == ("E1", "page_view", "marked")
    assert [r[0] for r in query(db, STAGED)] == ["E1", "E2", "E3", "E5"]
    _full_refresh_equals(db)


def test_raw_events_from_another_tool_are_restaged_and_deduplicated_on_every_run(tmp_path):
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    _execute(db, "create schema raw",
             "create table raw.events as select * from (values "
             "('E1', 'L1', 'page_view', timestamp '2026-01-06 10:00:00', timestamp '2026-01-06 10:05:00', 'web')"
             ") as t(event_id, lead_id, event_type, occurred_at, received_at, source_system)")
    _stage(db)
    _mark(db, "E1")
    # The tool delivers E1 again (an earlier copy) and a new event: every row is staged again and
    # E1 keeps its first delivery.
    _execute(db, "insert into raw.events values "
             "('E1', 'L1', 'page_view', timestamp '2026-01-06 10:00:00', timestamp '2026-01-06 10:01:00', 'email'), "
             "('E2', 'L1', 'form_submit', timestamp '2026-01-07 09:00:00', null, 'web')")
    _stage(db)
    assert query(db, "select event_id, received_at, source_system, load_id from staging.stg_raw__events order by 1") == [
        ("E1", pd.Timestamp("2026-01-06 10:01:00").to_pydatetime(), "email", None),
        ("E2", pd.Timestamp("2026-01-07 09:00:00").to_pydatetime(), "web", None)]


def test_the_loaders_tables_keep_what_staging_reads(tmp_path):
    """The columns staging relies on to stage by delivery (events) and by changed lead (leads) come
    with every loaded row."""
    raw = write_folder(tmp_path / "raw", tables={"leads": TABLES["leads"], "events": TABLES["events"]})
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, raw)
    assert query(db, "select count(*) from raw.events where _load_id is null or _source_file is null") == [(0,)]
    # A lead's raw rows are told apart by their delivery and line (raw_lead_rows_fingerprints).
    assert query(db, "select count(*) from raw.leads where _load_id is null or _source_file is null or _source_line is null") == [(0,)]
    assert query(db, "select count(distinct load_id) from raw.load_log where table_name = 'events'") == [(1,)]


def _deliver_leads(raw, file_name: str, rows: list[tuple[str, int, str, str]]) -> None:
    """A leads file in the landing folder: (lead_id, company_size, created_at, updated_at) rows."""
    pd.DataFrame([{"lead_id": lead_id, "email": f"{lead_id.lower()}@example.org", "company_size": size,
                   "created_at": created_at, "updated_at": updated_at} for lead_id, size, created_at, updated_at in rows]
                 ).to_csv(raw / "leads" / file_name, index=False)


def test_a_new_or_corrected_lead_is_staged_alone_and_a_withdrawn_version_restages_its_lead(tmp_path):
    raw = write_folder(tmp_path / "raw")
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, raw)
    _stage(db, model="stg_raw__leads")
    assert query(db, LEADS_STAGED) == [("L1", 250, None), ("L2", 12, None)]
    _mark(db, "L1", model="stg_raw__leads")
    _mark(db, "L2", model="stg_raw__leads")

    # Day 2: a new file with a newer version of L2 (40 employees) and a new lead L3. L2 and L3 are
    # staged; L1 keeps its mark.
    _deliver_leads(raw, "part-00001.csv", [("L2", 40, "2026-01-07T08:00:00Z", "2026-01-10T08:00:00Z"),
                                           ("L3", 7, "2026-01-09T08:00:00Z", "2026-01-09T08:00:00Z")])
    load(db, raw)
    _stage(db, model="stg_raw__leads")
    assert query(db, LEADS_STAGED) == [("L1", 250, "marked"), ("L2", 40, None), ("L3", 7, None)]
    _mark(db, "L2", model="stg_raw__leads")

    # Day 3: the day-2 file is corrected without L2's new version: L2 is staged again from the
    # version that is left (12 employees). L3's row came again with the corrected file, so it is
    # restaged too; L1 is not touched.
    _deliver_leads(raw, "part-00001.csv", [("L3", 7, "2026-01-09T08:00:00Z", "2026-01-09T08:00:00Z")])
    load(db, raw)
    _stage(db, model="stg_raw__leads")
    assert query(db, LEADS_STAGED) == [("L1", 250, "marked"), ("L2", 12, None), ("L3", 7, None)]
    _full_refresh_equals(db, "stg_raw__leads", LEAD_COLUMNS)

    # Day 4: the first file is corrected without L1: L1 leaves staging, L2 (in the corrected file)
    # is restaged, L3 is not touched.
    _mark(db, "L3", model="stg_raw__leads")
    write_folder(raw, tables={"leads": LEADS[LEADS.lead_id != "L1"]})
    load(db, raw)
    _stage(db, model="stg_raw__leads")
    assert query(db, LEADS_STAGED) == [("L2", 12, None), ("L3", 7, "marked")]
    _full_refresh_equals(db, "stg_raw__leads", LEAD_COLUMNS)


def test_raw_leads_from_another_tool_are_restaged_in_full_on_every_run(tmp_path):
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    _execute(db, "create schema raw",
             "create table raw.leads as select * from (values "
             "('L1', 250, timestamp '2026-01-05 09:00:00', timestamp '2026-01-05 09:00:00')"
             ") as t(lead_id, company_size, created_at, updated_at)")
    _stage(db, model="stg_raw__leads")
    _mark(db, "L1", model="stg_raw__leads")
    # The tool delivers a newer version of L1 beside the old one: every lead is staged again,
    # each with its latest version, and there is no fingerprint to compare.
    _execute(db, "insert into raw.leads values ('L1', 300, timestamp '2026-01-05 09:00:00', timestamp '2026-01-08 09:00:00')")
    _stage(db, model="stg_raw__leads")
    assert query(db, "select lead_id, company_size, campaign, raw_rows_fingerprint from staging.stg_raw__leads") == [
        ("L1", 300, None, None)]


VISITS_STAGED = "select visit_id, company_name, source_tool from staging.stg_raw__company_visits order by visit_id"
VISIT_COLUMNS = "visit_id, company_name, company_domain, page_url, visited_at, source_file, load_id"


def _deliver_visits(raw, file_name: str, rows: list[tuple[str, str, str, str, str]]) -> None:
    """A company visits file in the landing folder, as a visitor-identification tool exports it:
    (visit_id, company_name, company_domain, page_url, visited_at) rows, all from Leadfeeder."""
    folder = raw / "company_visits"
    folder.mkdir(exist_ok=True)
    pd.DataFrame([{"visit_id": visit_id, "source_tool": "Leadfeeder", "company_name": name, "company_domain": domain,
                   "page_url": page, "visited_at": visited_at} for visit_id, name, domain, page, visited_at in rows]
                 ).to_csv(folder / file_name, index=False)


def test_visits_are_restaged_only_at_the_times_a_new_or_withdrawn_delivery_holds(tmp_path):
    raw = write_folder(tmp_path / "raw")
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    _deliver_visits(raw, "part-00000.csv", [("V2", "Acme", "acme.com", "/pricing", "2026-01-08T10:00:00Z"),
                                            ("V3", "Zeta", "zeta.io", "/blog", "2026-01-07T08:00:00Z"),
                                            ("V5", "Beta", "beta.io", "/docs", "2026-01-08T11:00:00Z"),
                                            ("V7", "Gamma", "gamma.org", "/pricing", "2026-01-08T12:00:00Z")])
    load(db, raw)
    _stage(db, model="stg_raw__company_visits")
    for visit_id in ("V2", "V3", "V5", "V7"):
        _mark(db, visit_id, model="stg_raw__company_visits")

    # Day 2: a new export repeats Acme's visit under a smaller visit_id (its copy now wins), Beta's
    # under a larger one (the staged copy stays), adds a visit of another company at Gamma's time
    # and a new visit. The visits at those four times are staged again, V3 is not touched.
    _deliver_visits(raw, "part-00001.csv", [("V1", "Acme Inc", "https://www.Acme.com", "/Pricing?ref=ad", "2026-01-08T10:00:00Z"),
                                            ("V6", "Beta", "beta.io", "/docs", "2026-01-08T11:00:00Z"),
                                            ("V8", "Delta", "delta.com", "/pricing", "2026-01-09T09:00:00Z"),
                                            ("V9", "Epsilon", "eps.com", "/blog", "2026-01-08T12:00:00Z")])
    load(db, raw)
    _stage(db, model="stg_raw__company_visits")
    assert query(db, VISITS_STAGED) == [("V1", "Acme Inc", "leadfeeder"), ("V3", "Zeta", "marked"), ("V5", "Beta", "leadfeeder"),
                                        ("V7", "Gamma", "leadfeeder"), ("V8", "Delta", "leadfeeder"), ("V9", "Epsilon", "leadfeeder")]
    assert query(db, "select source_file from staging.stg_raw__company_visits where visit_id in ('V1', 'V5') order by 1") == [
        ("company_visits/part-00000.csv",), ("company_visits/part-00001.csv",)]
    _full_refresh_equals(db, "stg_raw__company_visits", VISIT_COLUMNS)

    # Day 3: the day-2 export is corrected to Beta's and Epsilon's visits alone. Acme's first copy
    # (V2, shadowed since day 2) is staged again, Delta's visit, which no other delivery holds,
    # leaves; V3 is still not touched.
    _mark(db, "V3", model="stg_raw__company_visits")
    _deliver_visits(raw, "part-00001.csv", [("V6", "Beta", "beta.io", "/docs", "2026-01-08T11:00:00Z"),
                                            ("V9", "Epsilon", "eps.com", "/blog", "2026-01-08T12:00:00Z")])
    load(db, raw)
    _stage(db, model="stg_raw__company_visits")
    assert query(db, VISITS_STAGED) == [("V2", "Acme", "leadfeeder"), ("V3", "Zeta", "marked"), ("V5", "Beta", "leadfeeder"),
                                        ("V7", "Gamma", "leadfeeder"), ("V9", "Epsilon", "leadfeeder")]
    _full_refresh_equals(db, "stg_raw__company_visits", VISIT_COLUMNS)


def test_raw_visits_from_another_tool_are_restaged_and_deduplicated_on_every_run(tmp_path):
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    _execute(db, "create schema raw",
             "create table raw.company_visits as select * from (values "
             "('V2', 'leadfeeder', 'Acme', 'acme.com', '/pricing', timestamp '2026-01-08 10:00:00')"
             ") as t(visit_id, source_tool, company_name, company_domain, page_url, visited_at)")
    _stage(db, model="stg_raw__company_visits")
    _mark(db, "V2", model="stg_raw__company_visits")
    # The tool exports the visit again under a smaller id, and a new one: every visit is staged
    # again, the copy with the first id kept.
    _execute(db, "insert into raw.company_visits values "
             "('V1', 'leadfeeder', 'Acme Inc', 'www.acme.com', '/pricing', timestamp '2026-01-08 10:00:00'), "
             "('V3', 'leadfeeder', 'Zeta', 'zeta.io', '/blog', timestamp '2026-01-09 08:00:00')")
    _stage(db, model="stg_raw__company_visits")
    assert query(db, "select visit_id, company_name, load_id from staging.stg_raw__company_visits order by 1") == [
        ("V1", "Acme Inc", None), ("V3", "Zeta", None)]
