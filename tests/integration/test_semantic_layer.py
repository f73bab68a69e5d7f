"""The MetricFlow semantic layer runs on DuckDB: `mf query` through the read-only `semantic`
target (an in-memory database attaching the warehouse read-only) returns the same numbers as
direct SQL on dim_leads."""

from __future__ import annotations

import csv

import pytest

from helpers import mf, query


def test_mf_query_matches_direct_sql(mf_project, built_warehouse, tmp_path):
    """Per month, each metric dated as its definition says: first-time MQLs by the first MQL,
    MQL episodes by the episode, leads, the in-order lead -> MQL rate and days to MQL by creation."""
    out = tmp_path / "metrics.csv"
    result = mf(
        ["query", "--metrics", "first_time_mqls,mql_episodes,leads,lead_to_mql_rate,median_days_to_mql",
         "--group-by", "metric_time__month", "--order", "metric_time__month", "--csv", str(out)],
        mf_project,
        built_warehouse,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with out.open() as f:
        rows = {r["metric_time__month"][:10]: r for r in csv.DictReader(f)}

    def monthly(sql: str) -> dict:
        return dict(query(built_warehouse, sql))

    first_time = monthly("select strftime(date_trunc('month', first_mql_at), '%Y-%m-%d'), count(*) from marts.dim_leads where first_mql_at is not null group by 1")
    episodes = monthly("select strftime(date_trunc('month', mql_at), '%Y-%m-%d'), count(*) from marts.fct_lead_mql_episodes where is_primary_model group by 1")
    leads = monthly("select strftime(date_trunc('month', created_at), '%Y-%m-%d'), count(*) from marts.dim_leads group by 1")
    in_order = monthly("select strftime(created_month, '%Y-%m-%d'), count(mql_reached_in_order_at) from marts.fct_lead_funnel where is_primary_model group by 1")
    days = monthly("""select strftime(date_trunc('month', created_at), '%Y-%m-%d'),
                             round(median(date_diff('second', created_at, first_mql_at) / 86400.0), 1)
                      from marts.dim_leads where first_mql_at is not null group by 1""")

    def column(name: str) -> dict:
        return {month: float(r[name]) for month, r in rows.items() if r[name] not in ("", None)}

    assert sum(episodes.values()) > sum(first_time.values()) > 0  # the sample has re-MQLs
    assert column("first_time_mqls") == first_time
    assert column("mql_episodes") == episodes
    assert column("leads") == leads
    assert column("median_days_to_mql") == days
    for month, n in leads.items():
        assert float(rows[month]["lead_to_mql_rate"]) == pytest.approx(in_order[month] / n)
