"""The summary's section on the scoring rules' warnings (lead_scoring/summary.py): the first five
of int_scoring_config_warnings and how many more; no section without warnings."""

from __future__ import annotations

import duckdb

from lead_scoring.summary import rule_warnings_section


def warehouse(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_scoring_config_warnings (seed_name varchar, model_id varchar, rule_id varchar, "
                "column_name varchar, warning varchar, checked_on varchar)")
    if rows:
        con.executemany("insert into intermediate.int_scoring_config_warnings values (?, ?, ?, ?, ?, ?)", rows)
    return con


def test_the_first_five_warnings_and_how_many_more():
    rows = [("scoring_engagement_rules", "m1", f"r{i}", "points", f"warning {i}", "seeds") for i in range(7)]
    rows.append(("scoring_models", "m2", None, "mql_threshold", "mql_threshold 200 is above the highest score", "seeds"))
    title, text = rule_warnings_section(warehouse(rows))
    assert title.startswith("Scoring rules: 8 warning(s), the run went on")
    lines = text.splitlines()
    assert lines[0] == "- scoring_engagement_rules m1 r0 (points): warning 0"
    assert len(lines) == 6 and lines[-1].strip() == "... and 3 more"


def test_no_section_without_warnings_or_before_the_first_build():
    assert rule_warnings_section(warehouse([])) is None
    assert rule_warnings_section(duckdb.connect()) is None
